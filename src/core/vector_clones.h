// IMBGEN_VECTOR_CLONES before a function of simple loops over float or double arrays: GCC compiles
// it three times, for AVX-512, AVX2 and the x86-64 baseline (SSE2, all that the build may assume),
// and the loader picks the copy this CPU runs. The loops must be elementwise or sum rows into
// columns (each column's sum in row order), and the file must be compiled with -ffp-contract=off
// (see generators/ and classifiers/CMakeLists.txt; GCC forms fused multiply-adds in C++ where the
// CPU has them): then the wider copies compute every value exactly as the baseline does, and no
// result depends on the copy the CPU runs.
#pragma once

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
#define IMBGEN_VECTOR_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define IMBGEN_VECTOR_CLONES
#endif
