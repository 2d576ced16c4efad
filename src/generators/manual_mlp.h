// The training passes of an Mlp (torch_blocks.h) written out by hand: forward, backward, the
// gradient of the WGAN-GP penalty, and Adam, over the network's own tensors, with LibTorch only
// for the matrix products. gan, wgan_gp, ctgan (its critic; ctgan_trainer.cpp) and the VAE family
// (vae_net.cpp) train with these: at their sizes (batches of a few hundred rows at most, through
// layers up to 256 wide) autograd and the per-operation dispatch of LibTorch were most of a step.
// The arithmetic is autograd's and torch::optim::Adam's, in float32 like theirs but in another
// order, so results differ from an autograd step in the last bits;
// tests/generators/*_trainer_test.cpp check training runs against autograd.
// Private to the generators module; includes <torch/torch.h>.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "torch_blocks.h"

namespace imbgen {

// Matrix products of 2-D float32 tensors, through imbgen's own gemm() (small_gemm.h) where it runs
// and LibTorch has one thread (the generators train on one), else through LibTorch (its BLAS):
// product_into: out = a b; add_product: out += a b; biased_product_into: out = bias + a b, bias one
// value per column (addmm's broadcast). `out` is written in place (a view is fine) and may not
// overlap a or b.
void product_into(at::Tensor out, const at::Tensor& a, const at::Tensor& b);
void add_product(at::Tensor out, const at::Tensor& a, const at::Tensor& b);
void biased_product_into(at::Tensor out, const at::Tensor& bias, const at::Tensor& a,
                         const at::Tensor& b);

// How Adam applies weight_decay: torch::optim::Adam's L2 penalty (weight_decay times the parameter
// added to the gradient) or torch::optim::AdamW's decoupled decay (the parameter multiplied by
// 1 - lr weight_decay before the update; Loshchilov & Hutter 2019).
enum class WeightDecay { kL2, kDecoupled };

// Adam (torch::optim::Adam's update, or AdamW's with WeightDecay::kDecoupled; default eps 1e-8)
// for a list of float32 tensors and their gradients.
class AdamState {
 public:
  AdamState(double lr, double beta1, double beta2, double weight_decay = 0.0,
            WeightDecay decay = WeightDecay::kL2)
      : lr_(lr), beta1_(beta1), beta2_(beta2), weight_decay_(weight_decay), decay_(decay) {}
  // Updates `param` from now on; returns the tensor its gradient is to be written into.
  at::Tensor add(const at::Tensor& param);
  void step();
  // The learning rate of the next steps (a schedule's).
  void set_lr(double lr) { lr_ = lr; }

 private:
  double lr_, beta1_, beta2_, weight_decay_;
  WeightDecay decay_;
  int t_ = 0;
  std::vector<at::Tensor> params_, grads_;
  std::vector<std::vector<float>> m_, v_;
};

// BatchNorm1d in training mode, by hand, over a BatchNorm1d's own tensors and gradients (Adam's):
// it normalises with the batch's mean and biased variance and updates the running statistics
// with momentum 0.1 and the unbiased variance (eps 1e-5), as BatchNorm1d does.
struct BatchNormTrain {
  at::Tensor gamma, beta, running_mean, running_var, tracked, ggamma, gbeta;

  // The BatchNorm1d called `prefix` ("norm0.") among `params` and `buffers` of a module, its
  // gamma and beta registered with `adam`.
  static BatchNormTrain of(torch::OrderedDict<std::string, at::Tensor>& params,
                           torch::OrderedDict<std::string, at::Tensor>& buffers,
                           const std::string& prefix, AdamState& adam);
  bool defined() const { return gamma.defined(); }
  // x [rows, cols] in place: gamma (x - mean) / sd + beta, sd = sqrt(biased variance + eps); the
  // normalised values go to xhat, 1 / sd per column to inv_sd.
  void forward(int64_t rows, int64_t cols, float* x, float* xhat, float* inv_sd) const;
  // d [rows, cols] in place: the gradient with respect to the output becomes the one with respect
  // to the input; gamma's and beta's gradients (replacing what they held) when `params`.
  void backward(int64_t rows, int64_t cols, const float* xhat, const float* inv_sd, float* d,
                bool params);
};

// The column sums of x [rows, cols] (float32, contiguous) into out; with parts > 1, the sums of
// each of `parts` equal blocks of rows, added (see ManualMlp::backward).
void column_sums(const at::Tensor& x, float* out, int64_t parts = 1);

// One batch's values inside a ManualMlp: layer k's input, its Linear's output and, for a
// batch-normed hidden layer, the normalised values and 1 / sd per column; with dropout, each
// hidden layer's mask (1 kept, 0 dropped); and the gradients with respect to a layer's Linear
// output and its input.
struct MlpPass {
  std::vector<at::Tensor> in, pre, xhat, keep, d_pre, d_in;
  std::vector<std::vector<float>> inv_sd;
  at::Tensor out;
};

// The values of the gradient penalty's own pass (ManualMlp::add_penalty_gradient): per hidden
// layer k, the gradient of the output with respect to layer k's Linear output (a) and the
// penalty's gradient with respect to layer k's input side of that chain (e), a scratch of a's
// shape; and the gradient of the output with respect to the input (grad).
struct PenaltyPass {
  std::vector<at::Tensor> a, e, scratch;
  at::Tensor grad;
};

// An Mlp (ReLU or LeakyReLU, optionally BatchNorm1d (BatchNormTrain) after each hidden
// activation, optionally dropout after that) in training mode, by hand, with its gradients and an
// Adam state. Dropout is seeded_dropout's: kept values divided by 1 - p, with masks that
// draw_dropout draws before the forward pass.
class ManualMlp {
 public:
  // `net` was built with `hidden_layers` hidden layers and `options`.
  ManualMlp(Mlp& net, size_t hidden_layers, const MlpOptions& options, double lr, double beta1,
            double beta2, double weight_decay = 0.0, WeightDecay decay = WeightDecay::kL2);

  // Buffers for batches of `rows` rows.
  MlpPass make_pass(int64_t rows) const;
  PenaltyPass make_penalty_pass(int64_t rows) const;

  // With dropout: the masks of rows [first, first + rows) of `p`, hidden layer by hidden layer,
  // each drawn from `gen` by dropout_mask as seeded_dropout draws the mask of a [rows, width]
  // batch; so the masks are those of a forward(x, &gen) of the Mlp on those rows alone. Without
  // dropout, nothing.
  void draw_dropout(MlpPass& p, at::Generator& gen, int64_t first, int64_t rows) const;

  // p.in[0] holds the batch (and, with dropout, p.keep the masks); leaves the output in p.out.
  void forward(MlpPass& p);

  // From the gradient with respect to p.out (in p.d_pre.back()): the parameters' gradients
  // (when `params`, replacing what they held) and the gradient with respect to the input, in
  // p.d_in[0] (when `input`). With parts > 1 the rows are that many batches of equal size that
  // autograd would see as separate calls: the biases' gradients are summed per batch, then
  // added, as autograd adds the gradients of separate calls. (In the WGAN critic loss, mean
  // critic(fake) - mean critic(real), the two batches' gradients for the output bias then cancel
  // exactly, as they do in autograd; summed as one, they left a rounding remainder that Adam,
  // which divides by the gradient's own size, turned into a full step.)
  void backward(MlpPass& p, bool params, bool input, int64_t parts = 1);

  // The WGAN-GP penalty (Gulrajani et al. 2017, Algorithm 1, line 7) of the rows of `p`, a
  // forward pass of the interpolated rows, for a network with one output and no BatchNorm:
  // g_i = d out_i / d x_i, penalty = mean_i (|g_i| - 1)^2. Adds lambda times the penalty's
  // gradient to the parameters' gradients and returns the penalty. The activations' derivatives
  // are piecewise constant and the dropout masks fixed, so g is linear in each weight matrix
  // given the signs in p.pre and the masks, and the biases do not enter it; that is what
  // autograd's double backward computes too.
  double add_penalty_gradient(const MlpPass& p, PenaltyPass& q, double lambda);

  void adam_step() { adam_.step(); }
  void set_lr(double lr) { adam_.set_lr(lr); }

  // One WGAN-GP critic update (Gulrajani et al. 2017, Algorithm 1, lines 6-9) of a network with
  // one output. real_fake.in[0] holds n real rows, then n generated ones (masks drawn, with
  // dropout); `mixed` has n rows (masks drawn) and eps [n, 1] one weight per row. Fills mixed with
  // x_hat = eps * real + (1 - eps) * fake, rounded as LibTorch's element-wise operations round;
  // then L = mean critic(fake) - mean critic(real) + lambda * penalty(mixed), its gradients and
  // one Adam step. Returns {L, mean critic(real) - mean critic(fake), penalty}.
  std::array<double, 3> critic_update(MlpPass& real_fake, MlpPass& mixed, PenaltyPass& penalty,
                                      const at::Tensor& eps, double lambda);

 private:
  struct Layer {
    at::Tensor w, b, gw, gb;
    BatchNormTrain bn;
  };

  AdamState adam_;
  float slope_;        // of the activation for negative inputs: 0 for ReLU
  double dropout_;     // p
  float keep_scale_;   // 1 - p, which kept values are divided by
  std::vector<Layer> layers_;
};

// An Mlp in evaluation mode, forward only, for sampling: BatchNorm with its running statistics
// (a scale and a shift per column), and no dropout. Rows go through in blocks of up to `block`
// rows, through buffers this sampler allocates once: LibTorch's own forward allocated every
// layer's output afresh, and at 2,048 rows those are megabytes that the allocator maps and the
// kernel zeroes each time, about a third of gan's sampling. The network's tensors are only read,
// so samplers on several threads may share one network; a sampler itself is one thread's.
class MlpSampler {
 public:
  MlpSampler(const Mlp& net, size_t hidden_layers, const MlpOptions& options, int64_t block);
  // in: [rows <= block, the network's input width], float32, contiguous. Returns the output
  // [rows, output width], a view of this sampler's buffer, valid until the next call.
  at::Tensor forward(const at::Tensor& in);
  int64_t output_width() const { return layers_.back().w.size(0); }

 private:
  struct Layer {
    at::Tensor w, b;
    std::vector<float> scale, shift;  // BatchNorm: y = x * scale + shift per column; or empty
  };
  std::vector<Layer> layers_;
  std::vector<at::Tensor> out_;  // per layer: [block, width]
  int64_t block_;
  float slope_;
};

// out.rows rows of `net` (in evaluation mode, built with hidden_layers and options) from noise N(0,
// I) of width `latent`, row after row from NormalStream(seed) (normal_stream.h), the network over
// kForwardBlock rows at a time (MlpSampler) on one LibTorch thread, the rows written into `out`
// (out.rows rows of the output width).
void sample_mlp(const Mlp& net, size_t hidden_layers, const MlpOptions& options, int64_t latent,
                uint64_t seed, const MutableNumberBlock& out);

}  // namespace imbgen
