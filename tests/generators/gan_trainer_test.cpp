// GanTrainer's hand-written training step against the same step computed by LibTorch's autograd
// and torch::optim::Adam (the way gan_trainer.cpp computed it before the step was written out):
// from the same initial weights, real batches and noise, the losses of every step and the rows
// the trained generator makes (its weights and BatchNorm running statistics) must agree to
// float32 rounding.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "generators/gan_trainer.h"
#include "generators/torch_blocks.h"
#include "generators/training_loop.h"
#include "imbgen/core/rng.h"
#include "trainer_test_helpers.h"

namespace imbgen {
namespace {

using testing_helpers::expect_same_rows;
using testing_helpers::normal_rows;

// The reference: GanTrainer::Impl's networks, built and initialised the same way, and its step
// as autograd computes it.
struct AutogradGan {
  GanConfig config;
  int64_t d, latent;
  at::Generator gen;
  Mlp g, disc;
  std::vector<torch::Tensor> d_params;
  std::unique_ptr<torch::optim::Adam> g_opt, d_opt;
  torch::Tensor data, ones, zeros;
  RowSampler rows;

  AutogradGan(const GanConfig& c, const Matrix& x, uint64_t seed)
      : config(c),
        d(static_cast<int64_t>(x.cols)),
        latent(c.latent_dim > 0 ? c.latent_dim : static_cast<int64_t>(x.cols)),
        gen(seeded_generator(seed)),
        g(latent, c.generator_hidden, d, MlpOptions{Activation::kReLU, true, 0.0}),
        disc(d, c.discriminator_hidden, 1, MlpOptions{Activation::kReLU, false, 0.0}),
        rows(x.rows, mix_seed(seed, 1)) {
    init_linear_layers(*g, gen);
    init_linear_layers(*disc, gen);
    d_params = disc->parameters();
    g_opt = make_adam(g->parameters(), c.generator_lr, c.beta1, c.beta2);
    d_opt = make_adam(disc->parameters(), c.discriminator_lr, c.beta1, c.beta2);
    data = to_tensor(x);
    ones = torch::ones({c.batch_size, 1});
    zeros = torch::zeros({c.batch_size, 1});
  }

  GanStepStats step() {
    const torch::Tensor real =
        data.index_select(0, torch::tensor(rows.next(static_cast<size_t>(config.batch_size))));
    const torch::Tensor fake = g->forward(torch::randn({config.batch_size, latent}, gen));
    const torch::Tensor real_logits = disc->forward(real);
    const torch::Tensor fake_logits = disc->forward(fake.detach());
    const torch::Tensor d_loss = torch::binary_cross_entropy_with_logits(real_logits, ones) +
                                 torch::binary_cross_entropy_with_logits(fake_logits, zeros);
    d_opt->zero_grad();
    d_loss.backward();
    d_opt->step();
    GanStepStats s;
    s.g_loss = generator_update(d_params, *g_opt, [&] {
      return torch::binary_cross_entropy_with_logits(disc->forward(fake), ones);
    });
    s.d_loss = d_loss.item<double>();
    torch::NoGradGuard no_grad;
    s.d_real = torch::sigmoid(real_logits).mean().item<double>();
    s.d_fake = torch::sigmoid(fake_logits).mean().item<double>();
    return s;
  }

  // GanTrainer::sample as LibTorch computes it: the generator in evaluation mode on noise from
  // NormalStream(seed), row after row.
  Matrix sample(size_t n, uint64_t seed) {
    g->eval();
    torch::NoGradGuard no_grad;
    return to_matrix(
        g->forward(testing_helpers::stream_normals(static_cast<int64_t>(n), latent, seed)));
  }
};

void expect_same_training(const GanConfig& config, const Matrix& x, int steps) {
  const TorchThreadScope one_thread(1);
  GanTrainer trainer(config, x.cols, 5);
  trainer.set_data(x);
  AutogradGan reference(config, x, 5);
  for (int k = 0; k < steps; ++k) {
    const GanStepStats a = trainer.step(), b = reference.step();
    EXPECT_NEAR(a.d_loss, b.d_loss, 1e-5 * (1.0 + std::fabs(b.d_loss))) << "step " << k;
    EXPECT_NEAR(a.g_loss, b.g_loss, 1e-5 * (1.0 + std::fabs(b.g_loss))) << "step " << k;
    EXPECT_NEAR(a.d_real, b.d_real, 1e-5) << "step " << k;
    EXPECT_NEAR(a.d_fake, b.d_fake, 1e-5) << "step " << k;
  }
  trainer.finish();
  // More rows than a block of the sampler's forward (2,048) and than a chunk of noise (65,536),
  // so that their boundaries are crossed.
  const size_t n = 70000;
  expect_same_rows(trainer.sample(n, 9), reference.sample(n, 9));
}

TEST(GanTrainer, HandWrittenStepsMatchAutograd) {
  // The default networks (BatchNorm in 3 hidden layers, a 5-layer discriminator), batch 64 over
  // 150 rows, so batches run on across passes.
  expect_same_training(GanConfig{}, normal_rows(150, 7, 1), 12);
  // A batch smaller than the data, other widths and learning rates.
  GanConfig small;
  small.latent_dim = 3;
  small.generator_hidden = {16, 8};
  small.discriminator_hidden = {12};
  small.batch_size = 10;
  small.generator_lr = 5e-3;
  small.beta1 = 0.9;
  expect_same_training(small, normal_rows(40, 4, 2), 25);
}

}  // namespace
}  // namespace imbgen
