// CtganTrainer's hand-written training step against the same step computed by LibTorch's
// autograd and torch::optim::Adam (the way ctgan.cpp computed it before the step was written out:
// Gumbel-softmax through LibTorch's operations, cross_entropy for the conditional loss, the critic
// with seeded dropout and the gradient penalty's double backward): from the same initial weights,
// conditions, rows and noise, the five values of every step and the rows the trained generator
// makes (its weights and BatchNorm running statistics) must agree to float32 rounding.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "generators/ctgan_trainer.h"
#include "generators/mode_normalizer.h"
#include "generators/torch_blocks.h"
#include "imbgen/core/rng.h"
#include "trainer_test_helpers.h"

namespace imbgen {
namespace {

using testing_helpers::expect_same_rows;

// What both trainers start from: the encoded rows, the layout and the condition tables.
struct TrainingData {
  ModeNormalizer normalizer;
  ConditionLayout layout;
  std::vector<ClassConditions> conds;
  torch::Tensor data;
  size_t classes = 0;
};

TrainingData make_training_data(const Matrix& x, const std::vector<int>& y, size_t classes,
                                const std::vector<EncodedSpan>& spans) {
  TrainingData s;
  s.classes = classes;
  s.normalizer = ModeNormalizer::fit(x, spans, VgmOptions{}, 4);
  s.layout = condition_layout(s.normalizer);
  std::vector<size_t> row_class(y.begin(), y.end());
  s.conds = condition_tables(s.normalizer, s.layout, x, row_class, classes);
  Rng rng(6);
  s.data = to_tensor(s.normalizer.encode(x, rng));
  return s;
}

// The reference: the networks built and initialised as CtganTrainer builds them, and CTGAN's
// loop body through torch_blocks' autograd critic and generator updates.
struct AutogradCtgan {
  const CtganConfig& c;
  size_t nd;
  int64_t cond_width, in_width, batch;
  torch::Tensor data;
  std::vector<OutSpan> spans;
  at::Generator gen;
  ConditionSampler sampler;
  ResidualGenerator g;
  Mlp critic;
  std::vector<torch::Tensor> critic_params;
  std::unique_ptr<torch::optim::Adam> g_opt, c_opt;
  int64_t widest = 1;
  torch::Tensor span_index, padded_index, alpha_mask;

  AutogradCtgan(const CtganConfig& config, const TrainingData& s, int64_t b, uint64_t seed)
      : c(config),
        nd(s.layout.discrete.size()),
        cond_width(static_cast<int64_t>(s.classes + s.layout.category_width)),
        in_width(static_cast<int64_t>(s.normalizer.width()) + cond_width),
        batch(b),
        data(s.data),
        spans(out_spans(s.normalizer)),
        gen(seeded_generator(seed)),
        sampler(s.layout, s.classes, s.conds, seed),
        g(build_generator_net(config, s.normalizer, s.layout, s.classes)),
        critic(in_width * config.pac, config.critic_hidden, 1,
               MlpOptions{Activation::kLeakyReLU, false, config.dropout}) {
    init_linear_layers(*g, gen);
    init_linear_layers(*critic, gen);
    g_opt = make_adam(g->parameters(), c.generator_lr, c.beta1, c.beta2, c.generator_decay);
    c_opt = make_adam(critic->parameters(), c.critic_lr, c.beta1, c.beta2, c.critic_decay);
    critic_params = critic->parameters();
    index_spans(s.normalizer.width());
    g->train();
    critic->train();
  }

  std::vector<double> step() {
    const CriticStats s = critic_updates(
        c.critic_steps, c.gp_lambda, c.pac, [this] { return critic_batch(); },
        [this](const torch::Tensor& v) { return run_critic(v); }, gen, *c_opt);
    double cond = 0.0;
    const double g_loss = generator_update(critic_params, *g_opt, [&] {
      const ConditionBatch cb = sampler.conditions(batch);
      const torch::Tensor noise = torch::randn({batch, c.latent_dim}, gen);
      const torch::Tensor raw = g->forward(torch::cat({noise, cb.cond}, 1));
      const torch::Tensor y_fake = run_critic(torch::cat({activate(raw), cb.cond}, 1)).mean();
      const torch::Tensor ce = cond_loss(raw, cb);
      cond = ce.item<double>();
      return -y_fake + ce;
    });
    return {s.loss, g_loss, s.wasserstein, s.gp, cond};
  }

  CriticBatch critic_batch() {
    const ConditionBatch cb = sampler.conditions(batch);
    CriticBatch b;
    {
      torch::NoGradGuard no_grad;
      const torch::Tensor noise = torch::randn({batch, c.latent_dim}, gen);
      b.fake = torch::cat({activate(g->forward(torch::cat({noise, cb.cond}, 1))), cb.cond}, 1);
    }
    const std::vector<int64_t> perm = sampler.permutation(batch);
    b.real = torch::cat({data.index_select(0, torch::tensor(sampler.real_rows(cb, perm))),
                         cb.cond.index_select(0, torch::tensor(perm))},
                        1);
    return b;
  }

  torch::Tensor run_critic(const torch::Tensor& v) {
    return critic->forward(v.reshape({-1, in_width * c.pac}), &gen);
  }

  void index_spans(size_t encoded) {
    const auto e = static_cast<int64_t>(encoded);
    for (const OutSpan& sp : spans) widest = std::max<int64_t>(widest, sp.width);
    std::vector<int64_t> span_id(encoded);
    std::vector<uint8_t> is_alpha(encoded, 0);
    std::vector<int64_t> padded(spans.size() * static_cast<size_t>(widest), e);
    for (size_t k = 0; k < spans.size(); ++k) {
      for (size_t j = 0; j < spans[k].width; ++j) {
        span_id[spans[k].start + j] = static_cast<int64_t>(k);
        is_alpha[spans[k].start + j] = spans[k].softmax ? 0 : 1;
        padded[k * static_cast<size_t>(widest) + j] = static_cast<int64_t>(spans[k].start + j);
      }
    }
    span_index = torch::tensor(span_id).unsqueeze(0);
    padded_index = torch::tensor(padded);
    alpha_mask = torch::tensor(is_alpha).to(torch::kBool);
  }

  torch::Tensor by_span(const torch::Tensor& t, double pad) const {
    const int64_t b = t.size(0);
    return torch::cat({t, torch::full({b, 1}, pad)}, 1)
        .index_select(1, padded_index)
        .reshape({b, static_cast<int64_t>(spans.size()), widest});
  }

  // tanh for alpha columns, Gumbel-softmax (tau) for mode and one-hot spans.
  torch::Tensor activate(const torch::Tensor& raw) {
    const int64_t b = raw.size(0);
    const torch::Tensor idx = span_index.expand({b, raw.size(1)});
    const torch::Tensor gumbel =
        -torch::empty_like(raw).exponential_(1.0, gen).clamp_min(1e-20).log();
    const torch::Tensor v = (raw + gumbel) / c.gumbel_tau;
    torch::Tensor top;
    {
      torch::NoGradGuard no_grad;
      top = std::get<0>(by_span(v, -std::numeric_limits<double>::infinity()).max(2)).gather(1, idx);
    }
    const torch::Tensor ex = torch::exp(v - top);
    const torch::Tensor sums = by_span(ex, 0.0).sum(2).gather(1, idx);
    return torch::where(alpha_mask, torch::tanh(raw), ex / sums);
  }

  torch::Tensor cond_loss(const torch::Tensor& raw, const ConditionBatch& cb) const {
    if (nd == 0) return torch::zeros({});
    std::vector<torch::Tensor> losses;
    for (const OutSpan& sp : spans) {
      if (sp.discrete < 0) continue;
      const torch::Tensor logits =
          raw.narrow(1, static_cast<int64_t>(sp.start), static_cast<int64_t>(sp.width));
      losses.push_back(torch::nn::functional::cross_entropy(
          logits, cb.target.select(1, sp.discrete),
          torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kNone)));
    }
    return (torch::stack(losses, 1) * cb.mask).sum() / static_cast<double>(raw.size(0));
  }
};

// The raw outputs of `g` in evaluation mode for n inputs seeded with `seed`.
Matrix rows_of(ResidualGenerator& g, int64_t width, size_t n, uint64_t seed) {
  g->eval();
  torch::NoGradGuard no_grad;
  at::Generator noise = seeded_generator(seed);
  return to_matrix(g->forward(torch::randn({static_cast<int64_t>(n), width}, noise)));
}

void expect_same_training(const CtganConfig& config, const TrainingData& s, int64_t batch,
                          int steps) {
  SCOPED_TRACE("generator_hidden " + nlohmann::json(config.generator_hidden).dump() + ", pac " +
               std::to_string(config.pac));
  const TorchThreadScope one_thread(1);
  CtganTrainer trainer(config, s.normalizer, s.layout, s.classes, s.data.clone(), s.conds, batch,
                       5);
  AutogradCtgan reference(config, s, batch, 5);
  const char* names[] = {"critic_loss", "g_loss", "wasserstein", "gp", "cond_loss"};
  for (int k = 0; k < steps; ++k) {
    const std::vector<double> a = trainer.step(), b = reference.step();
    ASSERT_EQ(a.size(), 5u);
    for (size_t v = 0; v < 5; ++v) {
      EXPECT_NEAR(a[v], b[v], 1e-4 * (1.0 + std::fabs(b[v]))) << names[v] << ", step " << k;
    }
  }
  const int64_t in = config.latent_dim + reference.cond_width;
  expect_same_rows(rows_of(trainer.generator(), in, 300, 9), rows_of(reference.g, in, 300, 9));
}

// Columns: a bimodal numeric value, a 3-category one-hot block and a missing indicator, in two
// classes with different categories.
TrainingData mixed_training_data() {
  Rng rng(5);
  const size_t n0 = 120, n1 = 60;
  Matrix x(n0 + n1, 5);
  std::vector<int> y(x.rows, 0);
  for (size_t i = 0; i < x.rows; ++i) {
    const bool one = i >= n0;
    y[i] = one ? 1 : 0;
    x(i, 0) = (rng.uniform() < 0.5 ? 3.0 : -1.0) + 0.3 * rng.normal();
    const double u = rng.uniform();
    const size_t cat = one ? (u < 0.9 ? 2 : 1) : (u < 0.9 ? 0 : 1);
    x(i, 1 + cat) = 1.0;
    x(i, 4) = one && rng.uniform() < 0.5 ? 1.0 : 0.0;
  }
  return make_training_data(x, y, 2,
                            {{SpanKind::kNumeric, 0, 0, 1},
                             {SpanKind::kOneHot, 1, 1, 3},
                             {SpanKind::kMissingIndicator, 0, 4, 1}});
}

TEST(CtganTrainer, HandWrittenStepsMatchAutograd) {
  const TrainingData mixed = mixed_training_data();
  // CTGAN's default networks and dropout, on discrete blocks with the conditional loss.
  expect_same_training(CtganConfig{}, mixed, 60, 6);
  // Small networks, a larger learning rate, PacGAN groups of 3, 2 critic updates, dropout 0.3
  // (kept values divided by 0.7, which is not exact) and three residual layers.
  CtganConfig small;
  small.latent_dim = 5;
  small.generator_hidden = {12, 8, 6};
  small.critic_hidden = {10, 7};
  small.generator_lr = 3e-3;
  small.critic_lr = 2e-3;
  small.critic_steps = 2;
  small.pac = 3;
  small.dropout = 0.3;
  small.gp_lambda = 4.0;
  small.generator_decay = 1e-3;
  small.critic_decay = 1e-3;
  expect_same_training(small, mixed, 24, 20);
  // Numeric columns only (no conditional loss), one class, one hidden layer each, no dropout.
  Matrix numeric(90, 2);
  Rng rng(8);
  for (size_t i = 0; i < numeric.rows; ++i) {
    numeric(i, 0) = (i % 3 == 0 ? 4.0 : 0.0) + rng.normal();
    numeric(i, 1) = rng.normal();
  }
  const TrainingData plain =
      make_training_data(numeric, std::vector<int>(numeric.rows, 0), 1,
                         {{SpanKind::kNumeric, 0, 0, 1}, {SpanKind::kNumeric, 1, 1, 1}});
  CtganConfig one;
  one.latent_dim = 4;
  one.generator_hidden = {16};
  one.critic_hidden = {12};
  one.dropout = 0.0;
  one.generator_lr = 2e-3;
  one.critic_lr = 2e-3;
  expect_same_training(one, plain, 30, 15);
}

// ResidualSampler (sampling's forward pass, BatchNorm folded into a scale and shift) against the
// module's own forward in evaluation mode, on a trained generator whose running statistics have
// moved, over more rows than one block and a last block that is not full.
TEST(CtganTrainer, SamplerForwardMatchesTheModule) {
  const TrainingData data = mixed_training_data();
  CtganConfig config;
  config.latent_dim = 6;
  config.generator_hidden = {20, 12};
  config.critic_hidden = {16};
  const TorchThreadScope one_thread(1);
  CtganTrainer trainer(config, data.normalizer, data.layout, 2, data.data.clone(), data.conds, 30,
                       3);
  for (int k = 0; k < 30; ++k) trainer.step();
  ResidualGenerator& g = trainer.generator();
  g->eval();
  const int64_t in = config.latent_dim + 2 + static_cast<int64_t>(data.layout.category_width);
  at::Generator noise = seeded_generator(4);
  const torch::Tensor input = torch::randn({70, in}, noise);
  torch::NoGradGuard no_grad;
  const Matrix expected = to_matrix(g->forward(input));
  ResidualSampler sampler(g, 32);
  Matrix got(70, expected.cols);
  for (int64_t start = 0; start < 70; start += 32) {
    const int64_t rows = std::min<int64_t>(32, 70 - start);
    for (int64_t i = 0; i < rows; ++i) {
      const float* src = input[start + i].data_ptr<float>();
      std::copy(src, src + in, sampler.input() + i * sampler.input_stride());
    }
    const Matrix part = to_matrix(sampler.forward(rows));
    std::copy(part.data.begin(), part.data.end(), got.row(static_cast<size_t>(start)));
  }
  expect_same_rows(got, expected);
}

}  // namespace
}  // namespace imbgen
