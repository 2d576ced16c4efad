// imbgen's own matrix product (generators/small_gemm.h) and the tensor products of manual_mlp.h
// that use it: every element is the chain of fused multiply-adds over k in order, bit for bit,
// for every layout the networks use, and the products agree with LibTorch's (torch::mm, the
// reference) to float32 rounding.
#include "generators/small_gemm.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "generators/manual_mlp.h"
#include "imbgen/core/rng.h"

namespace imbgen {
namespace {

struct Shape {
  int64_t m, n, k;
};

// Shapes of the networks' products and the kernel's edges: blocks of 12 rows and 32 columns,
// transposes of 16 x 16, k = 0 and 1.
const std::vector<Shape> kShapes = {{1, 1, 1},      {12, 32, 16},    {13, 33, 17}, {64, 256, 29},
                                    {128, 29, 256}, {256, 256, 128}, {37, 45, 19}, {5, 70, 300},
                                    {3, 4, 0},      {200, 1, 64}};

at::Tensor random_matrix(int64_t rows, int64_t cols, uint64_t seed) {
  Rng rng(seed);
  at::Tensor t = torch::empty({rows, cols});
  float* p = t.data_ptr<float>();
  for (int64_t i = 0; i < rows * cols; ++i) p[i] = static_cast<float>(rng.normal());
  return t;
}

// The specification: fma(a[i][k-1], b[k-1][j], ... fma(a[i][0], b[0][j], 0)), then + c.
at::Tensor fma_chain(const at::Tensor& a, const at::Tensor& b, const at::Tensor* c) {
  const int64_t m = a.size(0), n = b.size(1), k = a.size(1);
  at::Tensor out = torch::empty({m, n});
  auto A = a.accessor<float, 2>();
  auto B = b.accessor<float, 2>();
  for (int64_t i = 0; i < m; ++i) {
    for (int64_t j = 0; j < n; ++j) {
      float acc = 0.0f;
      for (int64_t kk = 0; kk < k; ++kk) acc = std::fma(A[i][kk], B[kk][j], acc);
      out[i][j] = c != nullptr ? acc + c->accessor<float, 2>()[i][j] : acc;
    }
  }
  return out;
}

FloatMatrixView view(const at::Tensor& t) {
  return {t.data_ptr<float>(), t.size(0), t.size(1), t.stride(0), t.stride(1)};
}

// a as stored row-major or as the transpose of a row-major matrix; inside a wider buffer, so that
// rows are further apart than their length.
at::Tensor laid_out(const at::Tensor& x, bool transposed, uint64_t seed) {
  if (transposed) {
    at::Tensor wide = random_matrix(x.size(1), x.size(0) + 3, seed);
    at::Tensor t = wide.narrow(1, 1, x.size(0));
    t.copy_(x.t());
    return t.t();  // row stride 1
  }
  at::Tensor wide = random_matrix(x.size(0), x.size(1) + 5, seed);
  at::Tensor v = wide.narrow(1, 2, x.size(1));
  v.copy_(x);
  return v;
}

TEST(SmallGemm, EveryElementIsTheFmaChainInKOrder) {
  if (!gemm_runs_here()) GTEST_SKIP() << "no AVX-512F on this CPU";
  uint64_t seed = 1;
  for (const Shape& s : kShapes) {
    const at::Tensor a = random_matrix(s.m, s.k, seed++), b = random_matrix(s.k, s.n, seed++);
    const at::Tensor c0 = random_matrix(s.m, s.n, seed++);
    for (bool ta : {false, true}) {
      for (bool tb : {false, true}) {
        for (bool accumulate : {false, true}) {
          const at::Tensor la = laid_out(a, ta, seed++), lb = laid_out(b, tb, seed++);
          at::Tensor c = c0.clone();
          gemm(view(la), view(lb), c.data_ptr<float>(), c.stride(0), accumulate);
          const at::Tensor want = fma_chain(a, b, accumulate ? &c0 : nullptr);
          EXPECT_TRUE(torch::equal(c, want))
              << s.m << "x" << s.n << "x" << s.k << " ta " << ta << " tb " << tb << " acc "
              << accumulate << ": max diff " << (c - want).abs().max().item<float>();
        }
      }
    }
  }
}

// Against LibTorch's product (OpenBLAS), which sums in another order: float32 rounding apart.
TEST(SmallGemm, ProductsAgreeWithTorchMm) {
  uint64_t seed = 100;
  for (const Shape& s : kShapes) {
    const at::Tensor a = random_matrix(s.m, s.k, seed++), b = random_matrix(s.k, s.n, seed++);
    const at::Tensor bias = random_matrix(1, s.n, seed++).reshape({s.n});
    const at::Tensor c0 = random_matrix(s.m, s.n, seed++);
    const at::Tensor want = torch::mm(a, b);
    const double tol = 1e-5 * std::sqrt(static_cast<double>(s.k) + 1) * 4;
    for (bool ta : {false, true}) {
      for (bool tb : {false, true}) {
        const at::Tensor la = laid_out(a, ta, seed++), lb = laid_out(b, tb, seed++);
        const std::string where = std::to_string(s.m) + "x" + std::to_string(s.n) + "x" +
                                  std::to_string(s.k) + " ta " + std::to_string(ta) + " tb " +
                                  std::to_string(tb);
        at::Tensor out = torch::empty({s.m, s.n});
        product_into(out, la, lb);
        EXPECT_TRUE(torch::allclose(out, want, tol, tol)) << where;
        at::Tensor sum = c0.clone();
        add_product(sum, la, lb);
        EXPECT_TRUE(torch::allclose(sum, c0 + want, tol, tol)) << where;
        at::Tensor biased = torch::empty({s.m, s.n});
        biased_product_into(biased, bias, la, lb);
        EXPECT_TRUE(torch::allclose(biased, want + bias, tol, tol)) << where;
      }
    }
  }
}

}  // namespace
}  // namespace imbgen
