// CTGAN's networks, its training-by-sampling and its training step (Xu et al. 2019, Sections
// 4.3-4.4), the step written out by hand (manual_mlp.h; ctgan_trainer.cpp). ctgan.cpp builds the
// model around them; tests/generators/ctgan_trainer_test.cpp checks the step against the same
// step through autograd.
// Private to the generators module; includes <torch/torch.h>.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "imbgen/core/rng.h"
#include "imbgen/generators/ctgan.h"
#include "mode_normalizer.h"
#include "torch_blocks.h"
#include "training_loop.h"

namespace imbgen {

// The condition vector: the one-hot of the class, then the categories of the discrete columns
// (one-hot blocks and indicators), one of which is set.
struct ConditionLayout {
  std::vector<size_t> discrete;    // indices of the one-hot and indicator columns
  std::vector<size_t> cond_start;  // per discrete column: its first category column
  size_t category_width = 0;       // categories of all discrete columns
};
ConditionLayout condition_layout(const ModeNormalizer& normalizer);

// An output span with its activation: tanh (alpha) or softmax (mode, one-hot block).
struct OutSpan {
  size_t start, width;
  bool softmax;
  int discrete = -1;  // index into ConditionLayout::discrete for discrete blocks, else -1
};
std::vector<OutSpan> out_spans(const ModeNormalizer& normalizer);

// CTGAN's residual generator: each layer appends ReLU(BN(Linear(h))) to its input; the output
// layer is Linear over all of it.
class ResidualGeneratorImpl : public torch::nn::Module {
 public:
  ResidualGeneratorImpl(int64_t in, const std::vector<int>& hidden, int64_t out);
  // x: [batch, latent + condition] -> raw outputs [batch, encoded] (before activations).
  torch::Tensor forward(torch::Tensor x);
  size_t hidden_layers() const { return fc_.size(); }

 private:
  std::vector<torch::nn::Linear> fc_;
  std::vector<torch::nn::BatchNorm1d> bn_;
  torch::nn::Linear out_{nullptr};
};
TORCH_MODULE(ResidualGenerator);

// The residual generator in evaluation mode, forward only, for sampling: BatchNorm with its
// running statistics as one scale and shift per column, and up to `block` rows at a time through
// buffers this sampler allocates once (as manual_mlp.h's MlpSampler). The network's tensors are
// only read.
class ResidualSampler {
 public:
  ResidualSampler(ResidualGenerator& net, int64_t block);
  // Where the input of the next forward goes: `block` rows of latent + condition values, row i
  // at input() + i * input_stride().
  float* input();
  int64_t input_stride() const { return total_; }
  // The raw outputs [rows, encoded] of the first `rows` input rows: a view of this sampler's
  // buffer, valid until the next call.
  at::Tensor forward(int64_t rows);

 private:
  struct Layer {
    at::Tensor w, b;
    int64_t start = 0;  // first column of the layer's input in x_
    std::vector<float> scale, shift;
  };
  std::vector<Layer> layers_;
  at::Tensor out_w_, out_b_, x_, raw_;
  int64_t block_, total_ = 0;
};

ResidualGenerator build_generator_net(const CtganConfig& c, const ModeNormalizer& normalizer,
                                      const ConditionLayout& conditions, size_t n_classes);

// The per-class statistics of the discrete columns: rows by category (training-by-sampling) and
// the log-count and count weights of the categories.
struct ClassConditions {
  std::vector<int64_t> rows;                              // encoded rows of the class
  std::vector<std::vector<std::vector<int64_t>>> by_cat;  // [discrete][category] -> rows
  std::vector<std::vector<double>> log_weight;            // [discrete][category] cumulative
  std::vector<std::vector<double>> frequency;             // [discrete][category] cumulative
};

// Index drawn from a cumulative weight vector (last entry = total > 0).
size_t draw(const std::vector<double>& cumulative, Rng& rng);

// Training-by-sampling tables of each class: its rows, its rows by category of every discrete
// column, and the cumulative log(1 + count) and count weights of the categories.
std::vector<ClassConditions> condition_tables(const ModeNormalizer& normalizer,
                                              const ConditionLayout& layout, const Matrix& train,
                                              const std::vector<size_t>& row_class,
                                              size_t n_classes);

struct ConditionBatch {
  torch::Tensor cond;    // [batch, classes + categories]
  torch::Tensor mask;    // [batch, discrete] 1 at the conditioned block
  torch::Tensor target;  // [batch, discrete] int64, the conditioned category
  std::vector<size_t> cls;
  std::vector<int> block;  // conditioned discrete block or -1
  std::vector<size_t> category;
};

// Training-by-sampling (Section 4.3): conditions, and real rows that meet them. Seeded with
// `seed` as a trainer is: its Rng with mix_seed(seed, 1), the pass over class ci's rows with
// mix_seed(seed, 200 + ci).
class ConditionSampler {
 public:
  ConditionSampler(const ConditionLayout& layout, size_t n_classes,
                   std::vector<ClassConditions> conds, uint64_t seed);

  // For each row a class (uniform), then a discrete block (uniform) and a category with
  // probability proportional to log(1 + count) in that class.
  ConditionBatch conditions(int64_t b);
  // A shuffled 0..b-1 (CTGAN's perm: the real rows come in another order than their conditions).
  std::vector<int64_t> permutation(int64_t b);
  // A real row for each condition cb[perm[i]]: without discrete blocks the class's next row (a
  // pass over its rows that drops none), else a uniform draw among the class's rows with the
  // conditioned category.
  std::vector<int64_t> real_rows(const ConditionBatch& cb, const std::vector<int64_t>& perm);

  int64_t width() const { return static_cast<int64_t>(n_classes_ + layout_.category_width); }

 private:
  ConditionLayout layout_;
  size_t n_classes_;
  std::vector<ClassConditions> conds_;
  Rng rng_;
  std::vector<RowSampler> class_rows_;
};

// One training run of CTGAN: both networks, their Adam states (with the configured weight
// decay), the encoded rows and training-by-sampling. The generator's weights are initialised
// first, then the critic's, from a generator seeded with `seed`, which then draws the noise, the
// Gumbel noise, the critic's dropout masks and the interpolation weights.
class CtganTrainer {
 public:
  CtganTrainer(const CtganConfig& c, const ModeNormalizer& normalizer,
               const ConditionLayout& layout, size_t n_classes, torch::Tensor data,
               std::vector<ClassConditions> conds, int64_t batch, uint64_t seed);
  ~CtganTrainer();

  // CTGAN's loop body: critic_steps critic updates, each on conditions, a generated batch (noise,
  // then Gumbel noise), the shuffled real rows, the critic's masks for the real rows, then the
  // generated ones, the interpolation weights and the masks of the interpolated rows, drawn in
  // that order; then one generator update (conditions, noise, Gumbel noise, masks), with the
  // conditional loss. Returns {critic_loss, g_loss (with cond_loss), wasserstein, gp, cond_loss},
  // the critic's values as means over its updates.
  std::vector<double> step();

  // The generator, whose weights (and BatchNorm statistics) the steps update in place.
  ResidualGenerator& generator();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace imbgen
