// Thread settings for the numeric libraries we link (OpenBLAS under LibTorch and liblinear).
#pragma once

namespace imbgen {

// Sets OpenBLAS to `n` threads if OpenBLAS is loaded (looked up at run time, so this works
// whichever BLAS the alternatives system picked). Small-matrix training is several times slower
// when OpenBLAS spawns its own threads, so imbgen calls this with 1 at start-up.
void set_blas_threads(int n);

}  // namespace imbgen
