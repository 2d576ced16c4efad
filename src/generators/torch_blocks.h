// Shared LibTorch building blocks of the deep generators (private to the generators module):
// seeded generators and weight initialisation, an MLP with seeded dropout, Matrix <-> tensor,
// chunked generation, named-tensor save/load, the WGAN-GP gradient penalty and its critic and
// generator updates through autograd (the references of the hand-written steps' tests), an
// RBF-kernel MMD and validation scores. Including this header pulls in <torch/torch.h>.
#pragma once

#include <ATen/CPUGeneratorImpl.h>
#include <torch/torch.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "binary_io.h"
#include "imbgen/core/rng.h"
#include "imbgen/data/matrix.h"

namespace imbgen {

// Rows generated per forward pass when sampling, to bound the memory of large requests. Samplers
// run on one LibTorch thread (TorchThreadScope(1)): a large sample is drawn in pieces, several at
// once by the server's threads, and each with a team of its own would put two threads on a core.
constexpr size_t kSampleChunk = 65536;

// Settings of the adversarial families wgan_gp and ctgan: the bounds of the step budget when it
// comes from the row count, and model selection (the fewest held-back rows of a class that are
// used, the rows generated per class for a score, the real rows a score and a bandwidth use).
constexpr int64_t kAdversarialMinSteps = 1000;
constexpr int64_t kAdversarialMaxSteps = 5000;
constexpr size_t kAdversarialMinValidationRows = 5;
constexpr size_t kAdversarialValidationSample = 500;
constexpr size_t kAdversarialMaxScoreRows = 1000;

// A CPU generator seeded explicitly; every random tensor of a model is drawn from one of these,
// never from LibTorch's global generator.
at::Generator seeded_generator(uint64_t seed);

// ---- networks ----

enum class Activation { kReLU, kLeakyReLU };
constexpr double kLeakySlope = 0.2;  // LeakyReLU's slope for negative inputs

struct MlpOptions {
  Activation activation = Activation::kReLU;
  bool batch_norm = false;  // BatchNorm1d after each hidden activation
  double dropout = 0.0;     // after each hidden layer, in training mode only, noise from `gen`
};

// in -> hidden[0] -> ... -> out. Each hidden layer is Linear -> activation [-> BatchNorm1d]
// [-> dropout]; the output layer is Linear with no activation.
class MlpImpl : public torch::nn::Module {
 public:
  MlpImpl(int64_t in, const std::vector<int>& hidden, int64_t out, MlpOptions options);
  // x: [batch, in] -> [batch, out]. Dropout (training mode, dropout > 0) draws its mask from
  // `gen`; with gen == nullptr no dropout is applied.
  torch::Tensor forward(const torch::Tensor& x, at::Generator* gen = nullptr);

 private:
  MlpOptions options_;
  std::vector<torch::nn::Linear> linear_;
  std::vector<torch::nn::BatchNorm1d> norm_;
};
TORCH_MODULE(Mlp);

// LibTorch's default Linear initialisation (weight and bias U(-1/sqrt(fan_in), 1/sqrt(fan_in)))
// drawn from `gen`, for every Linear inside `net`. BatchNorm keeps its fixed (1, 0) start.
void init_linear_layers(torch::nn::Module& net, at::Generator& gen);

int64_t count_parameters(const torch::nn::Module& net);

// Dropout with its mask drawn from `gen` by dropout_mask (inverted dropout: kept values divided
// by 1 - p).
torch::Tensor seeded_dropout(const torch::Tensor& x, double p, at::Generator& gen);

// A dropout mask of n values into `keep`: each 1 (kept) with probability 1 - p, else 0. One
// 64-bit draw of `gen` seeds an Rng whose stream gives k bits per value, kept when they are
// below round((1 - p) 2^k): k is the fewest bits that make that probability exact (1 for
// p = 0.5), else 32. (LibTorch's bernoulli_ draws 64 bits of gen's Mersenne twister per value,
// one at a time: that was a third of a CTGAN training step.)
void dropout_mask(float* keep, int64_t n, double p, at::Generator& gen);

// ---- data ----

torch::Tensor to_tensor(const Matrix& m);  // float32 [rows, cols]
Matrix to_matrix(const torch::Tensor& t);  // any 2-D float tensor -> [rows, cols] doubles

// The rows that the samplers run through a network at a time: for a network in eval mode, whose
// rows do not depend on each other, each layer's intermediate values are a block's (a few hundred
// kB that stay in cache) instead of tens of MB, allocated, faulted in and freed per layer.
constexpr int64_t kForwardBlock = 2048;

// Parameters then buffers, in registration order, with their full names.
std::vector<std::pair<std::string, torch::Tensor>> named_state(const torch::nn::Module& net);
// Deep copies of named_state's tensors (e.g. the best weights during model selection).
std::vector<torch::Tensor> copy_state(const torch::nn::Module& net);
// Writes `values` (from copy_state of the same network) back into the network.
void restore_state(torch::nn::Module& net, const std::vector<torch::Tensor>& values);

// Every tensor of named_state(net) by name, rank, shape, type code and values.
void save_tensors(BinaryWriter& w, const torch::nn::Module& net);
// Reads what save_tensors wrote into a network built with the same configuration. A count,
// name, shape or type that does not match throws Error(kInvalidArgument) naming the tensor.
// `old_name`, when given, maps a tensor's name to the name an older build saved it under; either
// is accepted.
void load_tensors(BinaryReader& r, torch::nn::Module& net,
                  const std::function<std::string(const std::string&)>& old_name = nullptr);

// ---- losses and scores ----

// WGAN-GP gradient penalty (Gulrajani et al. 2017, Algorithm 1, lines 6-8):
//   x_hat = eps * real + (1 - eps) * fake,  penalty = mean((||grad_x_hat critic(x_hat)||_2 - 1)^2)
// real, fake: [batch, d]; eps: [batch, 1] in [0, 1]. With pac > 1 (PacGAN, the critic sees
// groups of pac consecutive rows as one input), the norm is taken over each group's
// [pac * d] gradient and the mean over the batch / pac groups. The gradient is computed with
// create_graph, so the penalty can be back-propagated into the critic's weights.
torch::Tensor gradient_penalty(const std::function<torch::Tensor(const torch::Tensor&)>& critic,
                               const torch::Tensor& real, const torch::Tensor& fake,
                               const torch::Tensor& eps, int64_t pac = 1);

// Adam over `params` (beta1, beta2; weight_decay as Adam's L2 term, 0 = none).
std::unique_ptr<torch::optim::Adam> make_adam(std::vector<torch::Tensor> params, double lr,
                                              double beta1, double beta2,
                                              double weight_decay = 0.0);

// The critic updates of WGAN-GP (Gulrajani et al. 2017, Algorithm 1, lines 2-9) through
// autograd, as wgan_gp and ctgan ran them before their steps were written out (the tests check
// the hand-written steps against these): `updates` times, a batch from draw() (real and fake rows [batch, width], fake
// without gradient), L = mean critic(fake) - mean critic(real) + gp_lambda * gradient_penalty
// with eps ~ U[0, 1) drawn from `gen` per group of pac rows, and one step of `opt`.
struct CriticBatch {
  torch::Tensor real;
  torch::Tensor fake;
};
struct CriticStats {  // means over the updates
  double loss = 0.0;
  double wasserstein = 0.0;  // mean critic(real) - mean critic(fake)
  double gp = 0.0;
};
CriticStats critic_updates(int updates, double gp_lambda, int64_t pac,
                           const std::function<CriticBatch()>& draw,
                           const std::function<torch::Tensor(const torch::Tensor&)>& critic,
                           at::Generator& gen, torch::optim::Optimizer& opt);

// One generator update against a frozen critic: the critic's parameters stop collecting
// gradients while loss() is built and back-propagated, then one step of `opt`. Returns loss().
double generator_update(std::vector<torch::Tensor>& critic_params, torch::optim::Optimizer& opt,
                        const std::function<torch::Tensor()>& loss);

// Biased estimate of MMD^2 (Gretton et al. 2012) between the rows of x [n, d] and y [m, d] with
// a sum of RBF kernels exp(-|a - b|^2 / (2 (s * bandwidth)^2)) for s in {0.5, 1, 2}. A cheap
// fidelity score for model selection (lower is better).
double mmd2_rbf(const torch::Tensor& x, const torch::Tensor& y, double bandwidth);
// The median Euclidean distance between distinct rows of x (1 when it is 0 or x has < 2 rows).
double median_distance(const torch::Tensor& x);

// The held-back rows of one condition (class) for model selection, in the space scores are
// computed in, with the kernel bandwidth and the weight of the condition's score.
struct MmdTarget {
  int condition = 0;
  torch::Tensor rows;  // [m, width]
  double bandwidth = 1.0;
  double weight = 1.0;
};
// sum_t weight_t * mmd2_rbf(fake(t), t.rows, t.bandwidth) / sum_t weight_t: the validation score.
double weighted_mmd(const std::vector<MmdTarget>& targets,
                    const std::function<torch::Tensor(const MmdTarget&)>& fake);
// The targets of held-back rows split by condition (split_by_condition's `validation`): one per
// condition that has rows, with rows(its rows of x) [m, width] in the scoring space, the median
// distance between them as the bandwidth and their count as the weight.
std::vector<MmdTarget> held_back_targets(
    const std::vector<std::vector<size_t>>& validation,
    const std::function<torch::Tensor(const std::vector<size_t>&)>& rows);

}  // namespace imbgen
