// TabDDPM's denoiser (MLPDiffusion, Kotelnikov et al. 2023) and its training pass written out by
// hand: forward, backward and AdamW over the module's own tensors, with LibTorch (or imbgen's own
// products, manual_mlp.h) for the matrix products only. At ddpm's sizes (batches of 256 rows
// through layers 128 and 256 wide) autograd's bookkeeping and the per-operation dispatch were a
// third of a step. The arithmetic is autograd's and torch::optim::AdamW's in float32, in another
// order: tests/generators/ddpm_trainer_test.cpp checks steps against autograd's.
// Private to the generators module; includes <torch/torch.h>.
#pragma once

#include <cstdint>
#include <vector>

#include "manual_mlp.h"
#include "torch_blocks.h"

namespace imbgen {

// Sinusoidal embedding of t = 0..timesteps-1: [cos(t f_i), sin(t f_i)], f_i = 10000^(-i / half),
// as float32 [timesteps, dim].
torch::Tensor sinusoid_table(int timesteps, int64_t dim);

// x [b, d_in], the step t and the class position y -> the predicted noise of the numeric columns
// and the logits of x_0's categories [b, d_in]: mlp(proj(x) + time2(silu(time1(table[t]))) +
// silu(label[y])), the mlp's hidden layers Linear -> ReLU.
struct DenoiserImpl : torch::nn::Module {
  DenoiserImpl(int64_t d_in, int64_t n_classes, int64_t dim, const std::vector<int>& hidden,
               int timesteps);

  // x [b, d_in], t [b] (steps of the full schedule), y [b] (class positions) -> [b, d_in].
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& t, const torch::Tensor& y);
  // The same for rows that share one step t and one class position y: the time and class
  // embedding is computed once, for one row, and added to every row (the reference of
  // DenoiserSampler, which the reverse chain runs).
  torch::Tensor forward(const torch::Tensor& x, int64_t t, int64_t y);
  // That embedding, time2(silu(time1(table[t]))) + silu(label[y]): [1, dim].
  torch::Tensor embedding(int64_t t, int64_t y);

  size_t hidden_layers;
  torch::nn::Linear proj, time1, time2;
  torch::nn::Embedding label;
  Mlp mlp;
  torch::Tensor table;  // [T, dim], derived from the config, not saved
};
TORCH_MODULE(Denoiser);

// The denoiser in training mode, by hand, with its gradients and an AdamW state (betas 0.9 and
// 0.999, eps 1e-8, the decoupled weight decay) over all its parameters. One thread's.
class DenoiserTrainer {
 public:
  // Batches of `rows` rows.
  DenoiserTrainer(Denoiser& net, int64_t rows, double lr, double weight_decay);

  // x [rows, d_in] float32, t and y [rows] int64 (steps below the table's length, class
  // positions below the embedding's rows) -> the output [rows, d_in], this trainer's buffer,
  // valid until the next call.
  const at::Tensor& forward(const at::Tensor& x, const at::Tensor& t, const at::Tensor& y);

  // From the gradient of the loss with respect to the last forward's output [rows, d_in]: the
  // parameters' gradients, then one AdamW step with learning rate lr.
  void step(const at::Tensor& d_out, double lr);

 private:
  Denoiser net_;
  AdamState adam_;  // proj, time1, time2 and label
  ManualMlp mlp_;
  MlpPass pass_;
  at::Tensor proj_gw_, proj_gb_, time1_gw_, time1_gb_, time2_gw_, time2_gb_, label_g_;
  // The last forward's values: x, the embedded steps table[t], time1's output and its silu,
  // the class embeddings label[y] and their silu, the sum of the two embeddings; and the
  // gradient with respect to time1's output.
  at::Tensor x_, steps_, a1_, s1_, classes_, s_classes_, emb_, d_a1_;
  std::vector<int64_t> y_;
};

// The denoiser in evaluation mode for the reverse chain, where all rows share one step and one
// class: their time and class embedding is computed once and joins proj's bias, and the rows go
// through proj and the mlp (MlpSampler, imbgen's products where they run) in blocks of up to
// kForwardBlock rows, through buffers allocated once. The network's tensors are only read.
class DenoiserSampler {
 public:
  explicit DenoiserSampler(const Denoiser& net);
  // x [n, d_in] float32, contiguous -> out [n, d_in] (float32, contiguous, written), as
  // net->forward(x, t, y).
  void forward(const at::Tensor& x, int64_t t, int64_t y, at::Tensor& out);

 private:
  Denoiser net_;
  MlpSampler mlp_;
  at::Tensor h0_;  // [kForwardBlock, dim]: proj(x) + emb of a block
};

// The exponential moving average of weights: average = decay average + (1 - decay) params,
// tensor by tensor (float32, contiguous, the same shapes), as average.mul_(decay).add_(params,
// 1 - decay) rounds it.
void moving_average(const std::vector<at::Tensor>& average, const std::vector<at::Tensor>& params,
                    double decay);

}  // namespace imbgen
