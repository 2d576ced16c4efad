// Thread and kernel settings for the numeric libraries we link (OpenBLAS under LibTorch and
// liblinear).
#pragma once

#include <string>

namespace imbgen {

// Sets OpenBLAS to `n` threads if OpenBLAS is loaded (looked up at run time, so this works
// whichever BLAS the alternatives system picked). Small-matrix training is several times slower
// when OpenBLAS spawns its own threads, so imbgen calls this with 1 at start-up.
void set_blas_threads(int n);

// Keeps the memory of large freed blocks (tables, encoded matrices: megabytes each) in the
// process for the next allocation instead of returning it to the system at once (glibc malloc:
// blocks up to 64 MB come from the heap, and up to 256 MB of free heap is kept). Every fresh
// block costs a page fault per 4 KB page when it is first written; with the system's defaults a
// resample of the bundled data spent more time in page faults than in its own work (measured:
// table_from_columns 60 ms -> 4 ms, sampling 60 ms -> 4.5 ms). Does nothing where malloc is not
// glibc's, and nothing when the user set MALLOC_MMAP_THRESHOLD_ or MALLOC_TRIM_THRESHOLD_.
// The CLI and the Python package call it at start-up; a program embedding the library may.
void keep_freed_memory();

// The BLAS that LibTorch's matrix products run on. OpenBLAS picks its kernels for the CPU when it
// loads (OPENBLAS_CORETYPE, e.g. "Haswell" or "SkylakeX", overrides that choice), and the kernels
// decide how products sum: the same seed gives other last bits, so other rows, on other kernels.
struct BlasKernels {
  std::string library;  // e.g. "OpenBLAS 0.3.21"; empty when OpenBLAS is not loaded
  std::string kernels;  // e.g. "Haswell", "Cooperlake"
  bool forced = false;  // OPENBLAS_CORETYPE chose them
  bool cpu_avx512 = false;  // the CPU has AVX-512 (AVX512F)
  // The deep generators multiply their matrices with imbgen's own AVX-512 kernel
  // instead of the BLAS (generators' small_gemm.h): on an AVX-512 CPU when avx512_unused(), or
  // wherever the environment variable IMBGEN_GEMM is "imbgen"; never when it is "openblas".
  bool own_products = false;
  // One line for --version, results.json and the Python package, e.g. "OpenBLAS 0.3.21,
  // Cooperlake kernels" or "OpenBLAS 0.3.21, Haswell kernels (OPENBLAS_CORETYPE); imbgen's
  // AVX-512 products for the deep generators".
  std::string describe() const;
  // The CPU has AVX-512 and the BLAS products do not use it: OpenBLAS's kernels are not SkylakeX,
  // Cooperlake or SapphireRapids (or OpenBLAS is not loaded).
  bool avx512_unused() const;
  // A note for whoever trains networks when OPENBLAS_CORETYPE holds OpenBLAS to kernels without
  // AVX-512 on a CPU that has it. With own_products it says that imbgen's kernel does the deep
  // generators' products instead; without (IMBGEN_GEMM=openblas), that their products may run
  // 1.3-1.6x slower (README, "Which matrix kernels ran"). Empty otherwise.
  std::string advice() const;
};
BlasKernels blas_kernels();

}  // namespace imbgen
