// The shared LibTorch blocks: the WGAN-GP gradient penalty against finite differences (plain and
// packed critics, and its derivative in the critic's weights, which the critic update needs),
// and the thread scope of the deep generators' fits.
#include "generators/torch_blocks.h"

#include <ATen/Parallel.h>
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "generators/training_loop.h"
#include "imbgen/core/error.h"
#include "imbgen/core/rng.h"

namespace imbgen {
namespace {

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

torch::Tensor float64_tensor(const Matrix& m) {
  return torch::from_blob(const_cast<double*>(m.data.data()),
                          {static_cast<int64_t>(m.rows), static_cast<int64_t>(m.cols)},
                          torch::kFloat64)
      .clone();
}

// gradient_penalty of that critic (an Mlp, as wgan_gp's and ctgan's critics) run in float64:
// real, fake [batch, d], eps [batch] in [0, 1], the critic reading groups of pac rows as one input
// of pac * d values; the gradient is back-propagated through the penalty (create_graph) into the
// weights.
PenaltyAndGradient critic_gradient_penalty(const MlpWeights& critic, const Matrix& real,
                                           const Matrix& fake, const std::vector<double>& eps,
                                           int pac) {
  const size_t layers = critic.weight.size();
  std::vector<int> hidden;
  for (size_t l = 0; l + 1 < layers; ++l) hidden.push_back(static_cast<int>(critic.weight[l].rows));
  Mlp net(static_cast<int64_t>(critic.weight[0].cols), hidden, 1,
          MlpOptions{Activation::kLeakyReLU, false, 0.0});
  net->to(torch::kFloat64);
  auto params = net->named_parameters();
  {
    torch::NoGradGuard no_grad;
    for (size_t l = 0; l < layers; ++l) {
      const std::string name = "linear" + std::to_string(l);
      params[name + ".weight"].copy_(float64_tensor(critic.weight[l]));
      params[name + ".bias"].copy_(torch::tensor(critic.bias[l], torch::kFloat64));
    }
  }
  const int64_t width = static_cast<int64_t>(critic.weight[0].cols);
  auto fn = [&](const torch::Tensor& v) { return net->forward(v.reshape({-1, width})); };
  const torch::Tensor e =
      torch::tensor(eps, torch::kFloat64).reshape({static_cast<int64_t>(eps.size()), 1});
  const torch::Tensor gp = gradient_penalty(fn, float64_tensor(real), float64_tensor(fake), e, pac);
  gp.backward();
  PenaltyAndGradient out;
  out.penalty = gp.item<double>();
  // A parameter the penalty does not depend on (the last bias) has no gradient: zero.
  auto grad = [&](const std::string& key) {
    const torch::Tensor g = params[key].grad();
    return g.defined() ? g.contiguous() : torch::zeros_like(params[key]);
  };
  for (size_t l = 0; l < layers; ++l) {
    const std::string name = "linear" + std::to_string(l);
    out.gradient.weight.push_back(to_matrix(grad(name + ".weight")));
    const torch::Tensor b = grad(name + ".bias");
    out.gradient.bias.emplace_back(b.data_ptr<double>(), b.data_ptr<double>() + b.numel());
  }
  return out;
}

// A plain C++ forward pass of the critic (LeakyReLU(0.2) between layers) on one input.
double critic_forward(const MlpWeights& w, std::vector<double> h) {
  for (size_t l = 0; l < w.weight.size(); ++l) {
    const Matrix& m = w.weight[l];
    std::vector<double> next(m.rows);
    for (size_t o = 0; o < m.rows; ++o) {
      double s = w.bias[l][o];
      for (size_t i = 0; i < m.cols; ++i) s += m(o, i) * h[i];
      next[o] = l + 1 < w.weight.size() && s < 0 ? 0.2 * s : s;
    }
    h = std::move(next);
  }
  return h[0];
}

// The penalty from central finite differences of critic_forward in its input: each group of pac
// interpolated rows is one input of pac * d values.
double penalty_by_finite_differences(const MlpWeights& w, const Matrix& real, const Matrix& fake,
                                     const std::vector<double>& eps, size_t pac) {
  const size_t d = real.cols;
  const double h = 1e-6;
  double total = 0.0;
  const size_t groups = real.rows / pac;
  for (size_t g = 0; g < groups; ++g) {
    std::vector<double> x;
    for (size_t r = g * pac; r < (g + 1) * pac; ++r) {
      for (size_t j = 0; j < d; ++j) x.push_back(eps[r] * real(r, j) + (1 - eps[r]) * fake(r, j));
    }
    double norm2 = 0.0;
    for (size_t j = 0; j < x.size(); ++j) {
      std::vector<double> up = x, down = x;
      up[j] += h;
      down[j] -= h;
      const double dv = (critic_forward(w, up) - critic_forward(w, down)) / (2 * h);
      norm2 += dv * dv;
    }
    total += (std::sqrt(norm2) - 1.0) * (std::sqrt(norm2) - 1.0);
  }
  return total / static_cast<double>(groups);
}

// A random critic pac * 3 -> 5 -> 4 -> 1 and 6 real, fake rows with their eps.
void check_penalty(size_t pac, uint64_t seed) {
  Rng rng(seed);
  const size_t d = 3;
  MlpWeights w;
  const size_t widths[] = {pac * d, 5, 4, 1};
  for (size_t l = 0; l < 3; ++l) {
    Matrix m(widths[l + 1], widths[l]);
    for (double& v : m.data) v = rng.normal() / std::sqrt(static_cast<double>(widths[l]));
    w.weight.push_back(m);
    std::vector<double> b(widths[l + 1]);
    for (double& v : b) v = 0.3 * rng.normal();
    w.bias.push_back(b);
  }
  Matrix real(6, d), fake(6, d);
  for (double& v : real.data) v = 2.0 * rng.normal();
  for (double& v : fake.data) v = rng.normal();
  std::vector<double> eps(6);
  for (double& v : eps) v = rng.uniform();

  const PenaltyAndGradient gp = critic_gradient_penalty(w, real, fake, eps, static_cast<int>(pac));
  EXPECT_NEAR(gp.penalty, penalty_by_finite_differences(w, real, fake, eps, pac), 1e-7)
      << "pac " << pac << " seed " << seed;

  // create_graph: the penalty's gradient in the critic's weights matches central differences
  // of the penalty in those weights.
  const double h = 1e-6;
  for (size_t l = 0; l < 3; ++l) {
    for (size_t k : {size_t{0}, w.weight[l].data.size() - 1}) {
      MlpWeights up = w, down = w;
      up.weight[l].data[k] += h;
      down.weight[l].data[k] -= h;
      const double numeric =
          (critic_gradient_penalty(up, real, fake, eps, static_cast<int>(pac)).penalty -
           critic_gradient_penalty(down, real, fake, eps, static_cast<int>(pac)).penalty) /
          (2 * h);
      EXPECT_NEAR(gp.gradient.weight[l].data[k], numeric, 1e-6 * std::max(1.0, std::abs(numeric)))
          << "layer " << l << " weight " << k << " pac " << pac;
    }
    MlpWeights up = w, down = w;
    up.bias[l][0] += h;
    down.bias[l][0] -= h;
    const double numeric =
        (critic_gradient_penalty(up, real, fake, eps, static_cast<int>(pac)).penalty -
         critic_gradient_penalty(down, real, fake, eps, static_cast<int>(pac)).penalty) /
        (2 * h);
    EXPECT_NEAR(gp.gradient.bias[l][0], numeric, 1e-6 * std::max(1.0, std::abs(numeric)))
        << "layer " << l << " bias 0, pac " << pac;
  }
}

TEST(GradientPenalty, MatchesFiniteDifferences) {
  for (uint64_t seed : {1u, 2u, 3u}) check_penalty(1, seed);
}

TEST(GradientPenalty, MatchesFiniteDifferencesWithPackedRows) {
  for (uint64_t seed : {4u, 5u}) {
    check_penalty(2, seed);
    check_penalty(3, seed);
  }
}

TEST(TorchThreadScope, SetsTheCallingThreadsCountForItsLifetimeOnly) {
  const int before = at::get_num_threads();
  const int wanted = before == 1 ? 2 : 1;
  {
    const TorchThreadScope scope(wanted);
    EXPECT_EQ(at::get_num_threads(), wanted);
    int other = 0;  // a thread started meanwhile keeps the process default
    std::thread t([&] { other = at::get_num_threads(); });
    t.join();
    EXPECT_EQ(other, before);
  }
  EXPECT_EQ(at::get_num_threads(), before);
}

}  // namespace
}  // namespace imbgen
