// DenoiserTrainer's hand-written training step against the same step computed by LibTorch's
// autograd and torch::optim::AdamW (the way ddpm.cpp computed it before the step was written
// out): from the same initial weights and batches, the outputs of every step and the weights
// after the last must agree to float32 rounding, with the learning rate changing every step as
// ddpm's annealing changes it and a weight decay large enough to matter.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "generators/ddpm_net.h"
#include "generators/torch_blocks.h"
#include "imbgen/core/rng.h"

namespace imbgen {
namespace {

constexpr int64_t kWidth = 7, kClasses = 3, kDim = 16, kRows = 20;
constexpr int kTimesteps = 50;

Denoiser make_net(uint64_t seed) {
  Denoiser net(kWidth, kClasses, kDim, std::vector<int>{32, 24}, kTimesteps);
  at::Generator gen = seeded_generator(seed);
  init_linear_layers(*net, gen);
  torch::NoGradGuard no_grad;
  net->label->weight.normal_(0.0, 1.0, gen);
  return net;
}

double largest_difference(const torch::Tensor& a, const torch::Tensor& b) {
  return (a - b).abs().max().item<double>();
}

TEST(DdpmTrainer, StepsMatchAutogradAndAdamW) {
  Denoiser ours = make_net(7);
  Denoiser theirs = make_net(7);
  const std::vector<torch::Tensor> initial = copy_state(*ours);
  const double lr = 2e-3, decay = 0.05;
  DenoiserTrainer trainer(ours, kRows, lr, decay);
  torch::optim::AdamW opt(theirs->parameters(), torch::optim::AdamWOptions(lr).weight_decay(decay));
  at::Generator gen = seeded_generator(11);
  const int steps = 8;
  for (int k = 0; k < steps; ++k) {
    const torch::Tensor x = torch::randn({kRows, kWidth}, gen);
    const torch::Tensor target = torch::randn({kRows, kWidth}, gen);
    const torch::Tensor t = torch::randint(0, kTimesteps, {kRows}, gen);
    // Classes 0 and 1 only: class 2's embedding has no gradient and only decays.
    const torch::Tensor y = torch::randint(0, kClasses - 1, {kRows}, gen);
    const double step_lr = lr * (1.0 - static_cast<double>(k) / steps);

    const torch::Tensor out = trainer.forward(x, t, y).clone();
    const torch::Tensor d_out = 2.0f * (out - target) / static_cast<float>(kRows * kWidth);
    trainer.step(d_out, step_lr);

    const torch::Tensor reference = theirs->forward(x, t, y);
    EXPECT_LT(largest_difference(out, reference.detach()), 1e-5) << "step " << k;
    const torch::Tensor loss = (reference - target).pow(2).mean();
    for (auto& group : opt.param_groups()) {
      static_cast<torch::optim::AdamWOptions&>(group.options()).lr(step_lr);
    }
    opt.zero_grad();
    loss.backward();
    opt.step();
  }
  const std::vector<torch::Tensor> mine = copy_state(*ours), reference = copy_state(*theirs);
  ASSERT_EQ(mine.size(), reference.size());
  double moved = 0.0;
  for (size_t i = 0; i < mine.size(); ++i) {
    EXPECT_LT(largest_difference(mine[i], reference[i]), 2e-6) << "tensor " << i;
    moved = std::max(moved, largest_difference(mine[i], initial[i]));
  }
  // The steps changed the weights (8 steps of about lr each).
  EXPECT_GT(moved, 5e-3);
  // The unused class's embedding only decayed, by (1 - lr_k decay) per step.
  double factor = 1.0;
  for (int k = 0; k < steps; ++k)
    factor *= 1.0 - lr * (1.0 - static_cast<double>(k) / steps) * decay;
  const torch::Tensor unused = ours->label->weight[kClasses - 1];
  const torch::Tensor before = make_net(7)->label->weight[kClasses - 1];
  EXPECT_LT(largest_difference(unused, before * factor), 1e-6);
}

// The reverse chain's forward pass (blocks of kForwardBlock rows, the embedding folded into
// proj's bias) against the module's own, over more rows than one block.
TEST(DdpmTrainer, SamplerMatchesTheModule) {
  Denoiser net = make_net(9);
  net->eval();
  DenoiserSampler sampler(net);
  at::Generator gen = seeded_generator(2);
  const torch::Tensor x = torch::randn({kForwardBlock + 37, kWidth}, gen);
  for (const int64_t t : {0, 17, kTimesteps - 1}) {
    for (const int64_t y : {0, 2}) {
      torch::NoGradGuard no_grad;
      torch::Tensor ours = torch::empty_like(x);
      sampler.forward(x, t, y, ours);
      const torch::Tensor theirs = net->forward(x, t, y);
      ASSERT_EQ(ours.sizes(), theirs.sizes());
      EXPECT_LT(largest_difference(ours, theirs), 1e-5) << "t " << t << ", y " << y;
      EXPECT_GT(theirs.abs().max().item<double>(), 0.01);
    }
  }
  torch::Tensor out = torch::empty({3, kWidth + 1});
  EXPECT_ANY_THROW(sampler.forward(torch::zeros({3, kWidth + 1}), 0, 0, out));
}

TEST(DdpmTrainer, MovingAverageRoundsAsLibTorch) {
  at::Generator gen = seeded_generator(5);
  const std::vector<torch::Tensor> params = {torch::randn({33, 7}, gen), torch::randn({5}, gen)};
  const std::vector<torch::Tensor> ours = {torch::randn({33, 7}, gen), torch::randn({5}, gen)};
  std::vector<torch::Tensor> theirs = {ours[0].clone(), ours[1].clone()};
  for (const double decay : {0.1, 0.55, 0.999}) {
    moving_average(ours, params, decay);
    for (size_t i = 0; i < theirs.size(); ++i) theirs[i].mul_(decay).add_(params[i], 1.0 - decay);
    // LibTorch's add_ with alpha fuses the multiply-add; here both products are rounded.
    for (size_t i = 0; i < theirs.size(); ++i) {
      EXPECT_LT(largest_difference(ours[i], theirs[i]), 1e-6);
    }
  }
  EXPECT_ANY_THROW(moving_average({torch::zeros({3})}, params, 0.5));
}

TEST(DdpmTrainer, RejectsBatchesOfAnotherShapeOrRange) {
  Denoiser net = make_net(3);
  DenoiserTrainer trainer(net, kRows, 1e-3, 0.0);
  const torch::Tensor t = torch::zeros({kRows}, torch::kInt64);
  EXPECT_ANY_THROW(trainer.forward(torch::zeros({kRows + 1, kWidth}), t, t));
  EXPECT_ANY_THROW(trainer.forward(torch::zeros({kRows, kWidth}), t.to(torch::kInt32), t));
  EXPECT_ANY_THROW(trainer.forward(torch::zeros({kRows, kWidth}), t + kTimesteps, t));
  EXPECT_ANY_THROW(trainer.forward(torch::zeros({kRows, kWidth}), t, t + kClasses));
}

}  // namespace
}  // namespace imbgen
