// Helpers of the tests that check a hand-written training step against autograd's
// (gan_trainer_test.cpp, wgan_gp_trainer_test.cpp, vae_trainer_test.cpp): training rows, the
// samplers' noise, and the comparison of the rows the two trained generators make.
#pragma once

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "generators/normal_stream.h"
#include "imbgen/core/rng.h"
#include "imbgen/data/matrix.h"

namespace imbgen {
namespace testing_helpers {

// The first rows x cols values of NormalStream(seed), row after row: the samplers' noise.
inline torch::Tensor stream_normals(int64_t rows, int64_t cols, uint64_t seed) {
  torch::Tensor z = torch::empty({rows, cols});
  NormalStream(seed).fill(z.data_ptr<float>(), static_cast<size_t>(rows * cols));
  return z;
}

// n rows of d independent standard normal values.
inline Matrix normal_rows(size_t n, size_t d, uint64_t seed) {
  Rng rng(seed);
  Matrix x(n, d);
  for (double& v : x.data) v = rng.normal();
  return x;
}

// The rows of the hand-written trainer's generator (ours) agree with the autograd reference's
// (theirs) to float32 rounding, and are the rows of a trained generator, not zeros.
inline void expect_same_rows(const Matrix& ours, const Matrix& theirs) {
  ASSERT_EQ(ours.rows, theirs.rows);
  double worst = 0.0, scale = 0.0;
  for (size_t i = 0; i < ours.data.size(); ++i) {
    worst = std::max(worst, std::fabs(ours.data[i] - theirs.data[i]));
    scale = std::max(scale, std::fabs(theirs.data[i]));
  }
  EXPECT_GT(scale, 0.1);
  EXPECT_LT(worst, 1e-4 * (1.0 + scale)) << "largest difference in the generated rows";
}

}  // namespace testing_helpers
}  // namespace imbgen
