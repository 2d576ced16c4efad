// imbgen's own float32 matrix product for the deep generators' small products (batches of up to a
// few thousand rows through layers up to a few hundred wide), on CPUs with AVX-512. OpenBLAS
// computes the same products, but the kernels it runs are chosen when it loads (OPENBLAS_CORETYPE
// can hold an AVX-512 CPU to its AVX2 kernels), and they sum in an order of their own. Here every
// element of the product is one chain of fused multiply-adds over k in order, starting from 0:
// its value depends on nothing but the operands, whatever the CPU or the shapes around it.
// Private to the generators module; free of LibTorch (manual_mlp.h wraps it for tensors).
#pragma once

#include <cstdint>

namespace imbgen {

// A float32 matrix in memory: element (i, j) is data[i * row_stride + j * col_stride].
struct FloatMatrixView {
  const float* data;
  int64_t rows, cols, row_stride, col_stride;
};

// Whether gemm() can run here: an x86-64 CPU with AVX-512F.
bool gemm_runs_here();

// Whether the deep generators' products go through gemm() (manual_mlp.h's product_into and
// friends): where it runs and BlasKernels::own_products (imbgen/core/threads.h) says so.
bool own_gemm_available();

// c = a b, or c + a b when `accumulate` (c's old value added to the finished sum, as BLAS's
// beta = 1 does): a [m, k], b [k, n], c [m, n] with rows ldc floats apart. Every element of a b is
// fma(a[i][k-1], b[k-1][j], ... fma(a[i][0], b[0][j], 0)). Requires gemm_runs_here(); c may not
// overlap a or b. a and b each have a stride of 1 (row-major or transposed).
void gemm(const FloatMatrixView& a, const FloatMatrixView& b, float* c, int64_t ldc,
          bool accumulate);

}  // namespace imbgen
