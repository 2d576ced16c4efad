// WganGpTrainer's hand-written training step against the same step computed by LibTorch's
// autograd and torch::optim::Adam, with the gradient penalty's double backward (the way
// wgan_gp.cpp computed it before the step was written out): from the same initial weights, real
// batches, noise and interpolation weights, the four values of every step and the rows the
// trained generator makes must agree to float32 rounding.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "generators/torch_blocks.h"
#include "generators/training_loop.h"
#include "generators/wgan_gp_trainer.h"
#include "imbgen/core/rng.h"
#include "trainer_test_helpers.h"

namespace imbgen {
namespace {

using testing_helpers::expect_same_rows;
using testing_helpers::normal_rows;

// The reference: the networks built and initialised as WganGpTrainer builds them, and the step
// of Algorithm 1 through torch_blocks' autograd critic and generator updates.
struct AutogradWganGp {
  WganGpConfig c;
  int64_t batch;
  torch::Tensor data;
  at::Generator gen;
  RowSampler rows;
  Mlp g, critic;
  std::vector<torch::Tensor> critic_params;
  std::unique_ptr<torch::optim::Adam> g_opt, c_opt;

  AutogradWganGp(const WganGpConfig& config, const Matrix& x, size_t b, uint64_t seed)
      : c(config),
        batch(static_cast<int64_t>(b)),
        data(to_tensor(x)),
        gen(seeded_generator(seed)),
        rows(x.rows, mix_seed(seed, 1)),
        g(c.latent_dim, c.generator_hidden, static_cast<int64_t>(x.cols),
          MlpOptions{Activation::kReLU, false, 0.0}),
        critic(static_cast<int64_t>(x.cols), c.critic_hidden, 1,
               MlpOptions{Activation::kLeakyReLU, false, 0.0}) {
    init_linear_layers(*g, gen);
    init_linear_layers(*critic, gen);
    g_opt = make_adam(g->parameters(), c.generator_lr, c.beta1, c.beta2);
    c_opt = make_adam(critic->parameters(), c.critic_lr, c.beta1, c.beta2);
    critic_params = critic->parameters();
  }

  std::vector<double> step() {
    const CriticStats s = critic_updates(
        c.critic_steps, c.gp_lambda, 1,
        [this] {
          CriticBatch b;
          b.real = data.index_select(0, torch::tensor(rows.next(static_cast<size_t>(batch))));
          torch::NoGradGuard no_grad;
          b.fake = g->forward(torch::randn({batch, c.latent_dim}, gen));
          return b;
        },
        [this](const torch::Tensor& x) { return critic->forward(x); }, gen, *c_opt);
    const double g_loss = generator_update(critic_params, *g_opt, [this] {
      return -critic->forward(g->forward(torch::randn({batch, c.latent_dim}, gen))).mean();
    });
    return {s.loss, g_loss, s.wasserstein, s.gp};
  }
};

// n rows of `g` in evaluation mode from noise seeded with `seed`.
Matrix rows_of(Mlp& g, int64_t latent, size_t n, uint64_t seed) {
  g->eval();
  torch::NoGradGuard no_grad;
  at::Generator noise = seeded_generator(seed);
  return to_matrix(g->forward(torch::randn({static_cast<int64_t>(n), latent}, noise)));
}

void expect_same_training(const WganGpConfig& config, const Matrix& x, size_t batch, int steps) {
  SCOPED_TRACE("critic_hidden " + nlohmann::json(config.critic_hidden).dump());
  const TorchThreadScope one_thread(1);
  WganGpTrainer trainer(config, to_tensor(x), batch, 5);
  AutogradWganGp reference(config, x, batch, 5);
  const char* names[] = {"critic_loss", "g_loss", "wasserstein", "gp"};
  for (int k = 0; k < steps; ++k) {
    const std::vector<double> a = trainer.step(), b = reference.step();
    ASSERT_EQ(a.size(), 4u);
    for (size_t v = 0; v < 4; ++v) {
      EXPECT_NEAR(a[v], b[v], 1e-4 * (1.0 + std::fabs(b[v]))) << names[v] << ", step " << k;
    }
  }
  expect_same_rows(rows_of(trainer.generator(), config.latent_dim, 300, 9),
                   rows_of(reference.g, config.latent_dim, 300, 9));
}

TEST(WganGpTrainer, HandWrittenStepsMatchAutograd) {
  // The default networks (two hidden layers of 256 each), 5 critic updates per step, batch 64
  // over 150 rows, so batches run on across passes.
  expect_same_training(WganGpConfig{}, normal_rows(150, 7, 1), 64, 6);
  // Three hidden layers of other widths, a larger learning rate and penalty, 2 critic updates.
  WganGpConfig small;
  small.latent_dim = 3;
  small.generator_hidden = {16, 8};
  small.critic_hidden = {12, 10, 6};
  small.critic_steps = 2;
  small.generator_lr = 5e-3;
  small.critic_lr = 2e-3;
  small.gp_lambda = 3.0;
  expect_same_training(small, normal_rows(40, 4, 2), 10, 25);
  // One hidden layer.
  WganGpConfig one;
  one.latent_dim = 5;
  one.generator_hidden = {20};
  one.critic_hidden = {24};
  one.critic_lr = 1e-3;
  expect_same_training(one, normal_rows(30, 3, 3), 8, 15);
}

}  // namespace
}  // namespace imbgen

