// gemm() (small_gemm.h): b is first copied into panels of kCols columns (k-major, padded with
// zeros; a transposed b through 16 x 16 register transposes), then one AVX-512 kernel computes each
// kRows x kCols block of c in 24 registers over k in order, reading a where it lies (a row-major
// a row by row, a transposed a as its columns). A panel of b stays in the L1 cache while every
// block of rows passes it. Measured against OpenBLAS 0.3.21's Haswell kernels, one thread, on the
// products of a WGAN-GP step (batch 64 to 128 rows, layers 29 -> 256 -> 256 -> 1): 1.3-2.2 times
// as many flops per second; against its own AVX-512 (Cooperlake) kernels about 0.7-1.0 times, and
// then with the same values bit for bit (their small products are the same chains).
#include "small_gemm.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "imbgen/core/error.h"
#include "imbgen/core/threads.h"

#if defined(__x86_64__) && defined(__GNUC__)
// GCC 12's AVX-512 intrinsics start some results from an "undefined" vector that -Wuninitialized
// then reports inside the header, once inlined (a false positive; nothing reads it).
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#define IMBGEN_SMALL_GEMM_AVX512 1
#endif

namespace imbgen {
namespace {

#ifdef IMBGEN_SMALL_GEMM_AVX512
constexpr int64_t kRows = 12, kCols = 32;  // the kernel's block of c: 12 rows x 2 vectors

// The packing and the kernel are not instrumented by the sanitizers (the asan preset): ASan put
// their register arrays on the stack and checked every broadcast: in the asan build, `imbgen fit
// -g wgan_gp --set wgan_gp.steps=200` on tests/data/creditcard-small.csv.gz took 54 s against 17 s
// with IMBGEN_GEMM=openblas (other jobs running), and 9.5 s against 8.0 s without the
// instrumentation (a quiet machine). What they read and write is checked element by element
// against the fma chain in tests/generators/small_gemm_test.cpp.
#define IMBGEN_GEMM_KERNEL __attribute__((target("avx512f"), no_sanitize("address", "undefined")))

IMBGEN_GEMM_KERNEL __mmask16 first_lanes(int64_t n) {
  return static_cast<__mmask16>(n >= 16 ? 0xffff : n <= 0 ? 0 : (1u << n) - 1);
}

// out[t * ld_out + j] = in[j * ld_in + t] for j < rows, t < cols (both <= 16); out's 16 columns
// past `rows` get zeros.
IMBGEN_GEMM_KERNEL void transpose16(const float* in, int64_t ld_in, int64_t rows, int64_t cols,
                                    float* out, int64_t ld_out) {
  __m512 r[16], t[16];
  const __mmask16 mask = first_lanes(cols);
  for (int64_t i = 0; i < 16; ++i) {
    r[i] = i < rows ? _mm512_maskz_loadu_ps(mask, in + i * ld_in) : _mm512_setzero_ps();
  }
  for (int i = 0; i < 16; i += 2) {
    t[i] = _mm512_unpacklo_ps(r[i], r[i + 1]);
    t[i + 1] = _mm512_unpackhi_ps(r[i], r[i + 1]);
  }
  for (int i = 0; i < 16; i += 4) {
    r[i] = _mm512_shuffle_ps(t[i], t[i + 2], 0x44);
    r[i + 1] = _mm512_shuffle_ps(t[i], t[i + 2], 0xEE);
    r[i + 2] = _mm512_shuffle_ps(t[i + 1], t[i + 3], 0x44);
    r[i + 3] = _mm512_shuffle_ps(t[i + 1], t[i + 3], 0xEE);
  }
  for (int i = 0; i < 4; ++i) {
    t[i] = _mm512_shuffle_f32x4(r[i], r[i + 4], 0x88);
    t[i + 4] = _mm512_shuffle_f32x4(r[i], r[i + 4], 0xDD);
    t[i + 8] = _mm512_shuffle_f32x4(r[i + 8], r[i + 12], 0x88);
    t[i + 12] = _mm512_shuffle_f32x4(r[i + 8], r[i + 12], 0xDD);
  }
  for (int i = 0; i < 4; ++i) {
    r[i] = _mm512_shuffle_f32x4(t[i], t[i + 8], 0x88);
    r[i + 8] = _mm512_shuffle_f32x4(t[i], t[i + 8], 0xDD);
    r[i + 4] = _mm512_shuffle_f32x4(t[i + 4], t[i + 12], 0x88);
    r[i + 12] = _mm512_shuffle_f32x4(t[i + 4], t[i + 12], 0xDD);
  }
  for (int64_t j = 0; j < cols; ++j) _mm512_storeu_ps(out + j * ld_out, r[j]);
}

// b's columns [first, first + kCols) as panel[k][kCols], zero past b's last column.
IMBGEN_GEMM_KERNEL void pack_cols(const FloatMatrixView& b, int64_t first, float* panel) {
  const int64_t k = b.rows;
  if (b.col_stride == 1) {
    const int64_t cols = std::min(kCols, b.cols - first);
    for (int64_t kk = 0; kk < k; ++kk) {
      const float* in = b.data + kk * b.row_stride + first;
      float* out = panel + kk * kCols;
      _mm512_storeu_ps(out, _mm512_maskz_loadu_ps(first_lanes(cols), in));
      _mm512_storeu_ps(out + 16, _mm512_maskz_loadu_ps(first_lanes(cols - 16), in + 16));
    }
    return;
  }
  // Transposed (row_stride 1): b's column j is a row of memory, col_stride apart.
  for (int64_t half = 0; half < 2; ++half) {
    const int64_t col = first + 16 * half;
    const int64_t cols = std::clamp<int64_t>(b.cols - col, 0, 16);
    if (cols == 0) {  // past b's last column: zeros
      for (int64_t kk = 0; kk < k; ++kk) {
        _mm512_storeu_ps(panel + kk * kCols + 16 * half, _mm512_setzero_ps());
      }
      continue;
    }
    for (int64_t kk = 0; kk < k; kk += 16) {
      transpose16(b.data + col * b.col_stride + kk, b.col_stride, cols,
                  std::min<int64_t>(16, k - kk), panel + kk * kCols + 16 * half, kCols);
    }
  }
}

// c's block (rows x cols of it valid) over k: a's rows (element (r, kk) at
// a[r * row_stride + kk * col_stride], one of the strides 1) times a column panel of b.
template <bool kRowMajorA>
IMBGEN_GEMM_KERNEL void kernel(const float* a, int64_t row_stride, int64_t col_stride,
                               const float* bp, int64_t k, float* c, int64_t ldc, int64_t rows,
                               int64_t cols, bool accumulate) {
  __m512 acc[kRows][2];
  for (auto& row : acc) row[0] = row[1] = _mm512_setzero_ps();
  if constexpr (kRowMajorA) {
    const float* row[kRows];  // past the last row: the last row again, computed but not stored
    for (int64_t r = 0; r < kRows; ++r) row[r] = a + std::min(r, rows - 1) * row_stride;
    for (int64_t kk = 0; kk < k; ++kk) {
      const __m512 b0 = _mm512_loadu_ps(bp + kk * kCols);
      const __m512 b1 = _mm512_loadu_ps(bp + kk * kCols + 16);
#pragma GCC unroll 12
      for (int64_t r = 0; r < kRows; ++r) {
        const __m512 x = _mm512_set1_ps(row[r][kk]);
        acc[r][0] = _mm512_fmadd_ps(x, b0, acc[r][0]);
        acc[r][1] = _mm512_fmadd_ps(x, b1, acc[r][1]);
      }
    }
  } else {
    for (int64_t kk = 0; kk < k; ++kk) {
      const __m512 b0 = _mm512_loadu_ps(bp + kk * kCols);
      const __m512 b1 = _mm512_loadu_ps(bp + kk * kCols + 16);
      const float* column = a + kk * col_stride;
#pragma GCC unroll 12
      for (int64_t r = 0; r < kRows; ++r) {
        const __m512 x = _mm512_set1_ps(column[std::min(r, rows - 1)]);
        acc[r][0] = _mm512_fmadd_ps(x, b0, acc[r][0]);
        acc[r][1] = _mm512_fmadd_ps(x, b1, acc[r][1]);
      }
    }
  }
  const __mmask16 m0 = first_lanes(cols), m1 = first_lanes(cols - 16);
  for (int64_t r = 0; r < rows; ++r) {
    float* out = c + r * ldc;
    __m512 lo = acc[r][0], hi = acc[r][1];
    if (accumulate) {
      lo = _mm512_add_ps(lo, _mm512_maskz_loadu_ps(m0, out));
      hi = _mm512_add_ps(hi, _mm512_maskz_loadu_ps(m1, out + 16));
    }
    _mm512_mask_storeu_ps(out, m0, lo);
    _mm512_mask_storeu_ps(out + 16, m1, hi);
  }
}

thread_local std::vector<float> panels;  // grow-only, one per thread
#endif

}  // namespace

bool gemm_runs_here() {
#ifdef IMBGEN_SMALL_GEMM_AVX512
  static const bool runs = [] {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") != 0;
  }();
  return runs;
#else
  return false;
#endif
}

bool own_gemm_available() {
  static const bool available = gemm_runs_here() && blas_kernels().own_products;
  return available;
}

void gemm(const FloatMatrixView& a, const FloatMatrixView& b, float* c, int64_t ldc,
          bool accumulate) {
  check_internal(gemm_runs_here(), "gemm: needs AVX-512F");
  check_internal(a.cols == b.rows && (a.col_stride == 1 || a.row_stride == 1) &&
                     (b.col_stride == 1 || b.row_stride == 1),
                 "gemm: the operands' shapes or layouts do not fit");
#ifdef IMBGEN_SMALL_GEMM_AVX512
  const int64_t m = a.rows, n = b.cols, k = a.cols;
  if (m == 0 || n == 0) return;
  const int64_t col_panels = (n + kCols - 1) / kCols;
  std::vector<float>& packed = panels;
  packed.resize(static_cast<size_t>(col_panels * kCols * std::max<int64_t>(k, 1)));
  for (int64_t j = 0; j < col_panels; ++j) pack_cols(b, j * kCols, packed.data() + j * kCols * k);
  const bool row_major = a.col_stride == 1;
  for (int64_t j = 0; j < col_panels; ++j) {
    const float* bp = packed.data() + j * kCols * k;
    const int64_t cols = std::min(kCols, n - j * kCols);
    for (int64_t i = 0; i < m; i += kRows) {
      const int64_t rows = std::min(kRows, m - i);
      float* block = c + i * ldc + j * kCols;
      if (row_major) {
        kernel<true>(a.data + i * a.row_stride, a.row_stride, 1, bp, k, block, ldc, rows, cols,
                     accumulate);
      } else {
        kernel<false>(a.data + i, 1, a.col_stride, bp, k, block, ldc, rows, cols, accumulate);
      }
    }
  }
#else
  (void)c;
  (void)ldc;
  (void)accumulate;
#endif
}

}  // namespace imbgen
