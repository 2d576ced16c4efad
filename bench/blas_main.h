// main() for the Google Benchmark programs whose work runs on BLAS: the context printed before the
// figures says which OpenBLAS kernels ran (core/threads.h; OPENBLAS_CORETYPE picks others).
#pragma once

#include <benchmark/benchmark.h>

#include "imbgen/core/threads.h"

namespace imbgen::bench {

inline int blas_benchmark_main(int argc, char** argv) {
  benchmark::AddCustomContext("blas", blas_kernels().describe());
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}

}  // namespace imbgen::bench
