// VaeNet's hand-written training step against the same step computed by LibTorch's autograd and
// torch::optim::Adam (the way vae_net.cpp computed it before the step was written out): from the
// same initial weights, batches and reparameterisation noise, the losses of every step and the
// rows the trained decoder makes must agree to float32 rounding. Two layouts: vae's (a Gaussian
// per column with a decoded sigma per row) and tvae's (tanh-Gaussian and categorical blocks with
// learned sigmas), both with a condition.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "generators/torch_blocks.h"
#include "generators/training_loop.h"
#include "generators/vae_module.h"
#include "generators/vae_net.h"
#include "imbgen/core/observer.h"
#include "imbgen/core/rng.h"
#include "trainer_test_helpers.h"

namespace imbgen {
namespace {

using testing_helpers::expect_same_rows;

// The reference: VaeNet's module (vae_module.h), initialised the same way, and its step as
// autograd computes it.
struct AutogradVae {
  VaeNetOptions o;
  at::Generator init;
  VaeModule net;

  AutogradVae(const VaeNetOptions& options, uint64_t seed)
      : o(options), init(seeded_generator(seed)), net(options) {
    init_linear_layers(*net, init);
  }

  // -log p(x | out) per row, as vae_net.cpp's compute_loss did it.
  torch::Tensor reconstruction(const torch::Tensor& x, const torch::Tensor& out) const {
    const auto d = static_cast<int64_t>(o.data_dim);
    const torch::Tensor sigma = o.row_sigma
                                    ? o.sigma_min + torch::softplus(out.narrow(1, d, d))
                                    : net->sigma.unsqueeze(0);
    torch::Tensor recon = torch::zeros({x.size(0)});
    for (const OutputBlock& b : o.blocks) {
      const auto s = static_cast<int64_t>(b.start), w = static_cast<int64_t>(b.width);
      if (b.kind == OutputKind::kCategorical) {
        recon = recon + torch::nn::functional::cross_entropy(
                            out.narrow(1, s, w), x.narrow(1, s, w).argmax(1),
                            torch::nn::functional::CrossEntropyFuncOptions().reduction(
                                torch::kNone));
        continue;
      }
      torch::Tensor mean = out.narrow(1, s, 1);
      if (b.kind == OutputKind::kTanhGaussian) mean = torch::tanh(mean);
      const torch::Tensor sd = sigma.narrow(1, s, 1);
      const torch::Tensor z = (x.narrow(1, s, 1) - mean) / sd;
      recon = recon + (0.5 * z.pow(2) + sd.log() + 0.5 * std::log(2.0 * M_PI)).sum(1);
    }
    return recon;
  }

  // VaeNet::train with validation_fraction 0 and history_every 1: the loss of every step.
  std::vector<double> train(const Matrix& x, const std::vector<int>& condition, int batch,
                            int steps, uint64_t seed) {
    const torch::Tensor data = to_tensor(x);
    std::vector<int64_t> cond(condition.begin(), condition.end());
    const torch::Tensor one_hot =
        torch::one_hot(torch::tensor(cond), static_cast<int64_t>(o.cond_dim)).to(torch::kFloat32);
    at::Generator gen = seeded_generator(mix_seed(seed, 1));
    RowSampler sampler(x.rows, mix_seed(seed, 2));
    const auto opt = make_adam(net->parameters(), o.lr, 0.9, 0.999, o.weight_decay);
    const auto latent = static_cast<int64_t>(o.latent_dim);
    std::vector<double> losses;
    for (int t = 0; t < steps; ++t) {
      const torch::Tensor idx = torch::tensor(sampler.next(static_cast<size_t>(batch)));
      const torch::Tensor xb = data.index_select(0, idx), cb = one_hot.index_select(0, idx);
      const torch::Tensor h = net->encoder->forward(torch::cat({xb, cb}, 1));
      const torch::Tensor mu = h.narrow(1, 0, latent);
      const torch::Tensor logvar = h.narrow(1, latent, latent).clamp(-30.0, 20.0);
      const torch::Tensor eps = torch::randn({h.size(0), latent}, gen);
      const torch::Tensor z = mu + eps * torch::exp(0.5 * logvar);
      const torch::Tensor out = net->decoder->forward(torch::cat({z, cb}, 1));
      const torch::Tensor kl = -0.5 * (1.0 + logvar - mu.pow(2) - logvar.exp()).sum(1);
      const torch::Tensor loss = o.recon_weight * reconstruction(xb, out).mean() + kl.mean();
      opt->zero_grad();
      loss.backward();
      opt->step();
      torch::NoGradGuard no_grad;
      net->sigma.clamp_(o.sigma_min, o.sigma_max);
      losses.push_back(loss.item<double>());
    }
    return losses;
  }

  // The decoder's outputs on n prior draws from NormalStream(seed) with condition c: what
  // VaeNet::sample(n, c, 0, seed) turns into rows (Gaussian means, tanh of the tanh-Gaussian
  // ones, the argmax of the categorical blocks). n is at most one sampling block (kForwardBlock
  // rows): VaeNet draws each block's prior values, then its Gaussian columns' noise.
  Matrix sample_means(size_t n, int c, uint64_t seed) {
    torch::NoGradGuard no_grad;
    net->eval();
    const auto m = static_cast<int64_t>(n);
    const torch::Tensor z =
        testing_helpers::stream_normals(m, static_cast<int64_t>(o.latent_dim), seed);
    const torch::Tensor cond =
        torch::one_hot(torch::full({m}, c, torch::kInt64), static_cast<int64_t>(o.cond_dim))
            .to(torch::kFloat32);
    const torch::Tensor out = net->decoder->forward(torch::cat({z, cond}, 1));
    torch::Tensor rows = out.narrow(1, 0, static_cast<int64_t>(o.data_dim)).clone();
    for (const OutputBlock& b : o.blocks) {
      const auto s = static_cast<int64_t>(b.start), w = static_cast<int64_t>(b.width);
      if (b.kind == OutputKind::kTanhGaussian) rows.narrow(1, s, 1).tanh_();
      if (b.kind == OutputKind::kCategorical)
        rows.narrow(1, s, w).copy_(torch::one_hot(rows.narrow(1, s, w).argmax(1), w));
    }
    return to_matrix(rows);
  }
};

// Rows for a layout: Gaussian columns N(0, 1) shifted by the condition, tanh-Gaussian ones in
// (-1, 1), categorical blocks one-hot.
Matrix rows_for(const VaeNetOptions& o, const std::vector<int>& condition, uint64_t seed) {
  Rng rng(seed);
  Matrix x(condition.size(), o.data_dim);
  for (size_t i = 0; i < x.rows; ++i) {
    for (const OutputBlock& b : o.blocks) {
      if (b.kind == OutputKind::kCategorical) {
        x(i, b.start + static_cast<size_t>(rng.index(b.width))) = 1.0;
      } else if (b.kind == OutputKind::kTanhGaussian) {
        x(i, b.start) = std::tanh(rng.normal() + 0.5 * condition[i]);
      } else {
        x(i, b.start) = rng.normal() + condition[i];
      }
    }
  }
  return x;
}

void expect_same_training(VaeNetOptions o, int steps) {
  constexpr uint64_t kInitSeed = 11, kTrainSeed = 12;
  std::vector<int> condition(90);
  for (size_t i = 0; i < condition.size(); ++i) condition[i] = static_cast<int>(i % 3);
  const Matrix x = rows_for(o, condition, 13);
  VaeSettings plan;
  plan.batch_size = 32;
  plan.steps = steps;
  plan.history_every = 1;

  VaeNet ours(o, kInitSeed);
  NullObserver observer;
  const nlohmann::json h = ours.train(
      x, condition, plan, [](const Matrix& m) { return m; }, kTrainSeed, observer, "test");
  AutogradVae theirs(o, kInitSeed);
  const std::vector<double> want = theirs.train(x, condition, plan.batch_size, steps, kTrainSeed);

  const auto& got = h.at("loss");
  ASSERT_EQ(got.size(), want.size());
  for (size_t t = 0; t < want.size(); ++t) {
    EXPECT_NEAR(got[t].get<double>(), want[t], 1e-4 * (1.0 + std::fabs(want[t]))) << "step " << t;
  }
  // Training moved the loss: the comparison is of a model that learned something.
  EXPECT_LT(want.back(), want.front());
  expect_same_rows(ours.sample(200, 1, 0.0, 14), theirs.sample_means(200, 1, 14));
}

TEST(VaeTrainer, GaussianLayoutMatchesAutograd) {
  VaeNetOptions o;
  o.data_dim = 4;
  o.cond_dim = 3;
  o.latent_dim = 3;
  o.encoder_hidden = {24, 16};
  o.decoder_hidden = {16, 24};
  o.weight_decay = 1e-5;
  o.row_sigma = true;
  for (size_t j = 0; j < o.data_dim; ++j) o.blocks.push_back({OutputKind::kGaussian, j, 1});
  expect_same_training(o, 150);
}

TEST(VaeTrainer, TvaeLayoutWithLearnedSigmasMatchesAutograd) {
  VaeNetOptions o;
  o.data_dim = 7;
  o.cond_dim = 3;
  o.latent_dim = 4;
  o.encoder_hidden = {32};
  o.decoder_hidden = {32, 32};
  o.weight_decay = 1e-5;
  o.recon_weight = 2.0;
  o.sigma_init = 0.1;
  o.sigma_min = 0.01;
  o.sigma_max = 1.0;
  o.blocks = {{OutputKind::kTanhGaussian, 0, 1},
              {OutputKind::kCategorical, 1, 3},
              {OutputKind::kTanhGaussian, 4, 1},
              {OutputKind::kGaussian, 5, 1},
              {OutputKind::kCategorical, 6, 1}};
  expect_same_training(o, 150);
}

}  // namespace
}  // namespace imbgen
