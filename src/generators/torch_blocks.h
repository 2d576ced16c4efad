// Shared LibTorch building blocks of the deep generators (private to the generators module):
// seeded generators and weight initialisation, an MLP with seeded dropout, Matrix <-> tensor,
// named-tensor save/load, the WGAN-GP gradient penalty, Gumbel-softmax, an RBF-kernel MMD; and
// (torch_blocks_common.h) the torch-free parts. Including this header pulls in <torch/torch.h>.
#pragma once

#include <ATen/CPUGeneratorImpl.h>
#include <torch/torch.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "binary_io.h"
#include "imbgen/core/rng.h"
#include "imbgen/data/matrix.h"
#include "torch_blocks_common.h"

namespace imbgen {

// A CPU generator seeded explicitly; every random tensor of a model is drawn from one of these,
// never from LibTorch's global generator.
at::Generator seeded_generator(uint64_t seed);

// Sets LibTorch's intra-op threads (process-wide) and OpenBLAS's, to `n`.
void set_torch_and_blas_threads(int n);

// ---- networks ----

enum class Activation { kReLU, kLeakyReLU };  // LeakyReLU slope 0.2

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

// Dropout with its mask drawn from `gen` (inverted dropout: kept values scaled by 1 / (1 - p)).
torch::Tensor seeded_dropout(const torch::Tensor& x, double p, at::Generator& gen);

// ---- data ----

torch::Tensor to_tensor(const Matrix& m);  // float32 [rows, cols]
Matrix to_matrix(const torch::Tensor& t);  // any 2-D float tensor -> [rows, cols] doubles

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
void load_tensors(BinaryReader& r, torch::nn::Module& net);

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

// Gumbel-softmax (Jang et al. 2017) over the last dimension: softmax((logits + g) / tau) with
// Gumbel(0, 1) noise g = -log(E), E ~ Exp(1) drawn from `gen`.
torch::Tensor gumbel_softmax(const torch::Tensor& logits, double tau, at::Generator& gen);

// Biased estimate of MMD^2 (Gretton et al. 2012) between the rows of x [n, d] and y [m, d] with
// a sum of RBF kernels exp(-|a - b|^2 / (2 (s * bandwidth)^2)) for s in {0.5, 1, 2}. A cheap
// fidelity score for model selection (lower is better).
double mmd2_rbf(const torch::Tensor& x, const torch::Tensor& y, double bandwidth);
// The median Euclidean distance between distinct rows of x (1 when it is 0 or x has < 2 rows).
double median_distance(const torch::Tensor& x);

}  // namespace imbgen
