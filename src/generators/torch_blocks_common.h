// The torch-free part of the deep generators' shared blocks (torch_blocks.h includes it): config
// checks, held-back rows, a row sampler that never drops rows, and a double-precision probe of the
// WGAN-GP gradient penalty for code (tests) that must not include LibTorch. Defined in
// torch_blocks.cpp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "imbgen/core/rng.h"
#include "imbgen/data/matrix.h"

namespace imbgen {

// ---- batches and held-back rows ----

// Rows held back from training for model selection: round(fraction * n) rows chosen by a shuffle
// seeded with `seed`, when that gives at least min_validation rows and leaves at least
// min_train; otherwise validation is empty and every row trains. Both lists ascending.
struct HoldoutSplit {
  std::vector<size_t> train;
  std::vector<size_t> validation;
};
HoldoutSplit holdout_split(size_t n, double fraction, size_t min_validation, size_t min_train,
                           uint64_t seed);

// Draws batches of row indices from n rows: passes over the rows, each in a fresh seeded
// shuffle; a batch larger than what is left of a pass runs on into the next pass. No row is ever
// dropped: after k indices drawn in total, every row has been drawn floor(k / n) or
// floor(k / n) + 1 times.
class RowSampler {
 public:
  RowSampler(size_t n, uint64_t seed);
  std::vector<int64_t> next(size_t batch);
  size_t rows() const { return order_.size(); }

 private:
  Rng rng_;
  std::vector<int64_t> order_;
  size_t cursor_;
};

// ---- gradient penalty probe ----

// The weights of an MLP critic: layer l maps x -> weight[l] x + bias[l] (weight[l] is
// [out, in]); every layer but the last is followed by LeakyReLU(0.2). The last layer has 1 output.
struct MlpWeights {
  std::vector<Matrix> weight;
  std::vector<std::vector<double>> bias;
};

struct PenaltyAndGradient {
  double penalty = 0.0;
  MlpWeights gradient;  // d penalty / d weights and biases, same shapes as the critic's
};

// gradient_penalty (torch_blocks.h) of that critic, run in float64: real, fake [batch, d],
// eps [batch] in [0, 1], the critic reading groups of pac rows as one input of pac * d values;
// the gradient is back-propagated through the penalty (create_graph) into the weights.
PenaltyAndGradient critic_gradient_penalty(const MlpWeights& critic, const Matrix& real,
                                           const Matrix& fake, const std::vector<double>& eps,
                                           int pac);

}  // namespace imbgen
