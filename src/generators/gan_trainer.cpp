// The LibTorch side of the reference GAN (Goodfellow et al. 2014, Algorithm 1 with k = 1
// discriminator step and the non-saturating generator loss of Section 3): the networks, one
// training step, sampling, and the weights' binary save/load.
//
// The training step is written out by hand (ManualMlp below): the forward and backward passes of
// both networks and their Adam updates, over the networks' own tensors, with LibTorch only for
// the matrix products. Autograd and the per-operation dispatch of LibTorch were about 80 % of a
// step at these sizes (a batch of 64 rows through layers 16 to 128 wide). The arithmetic is
// autograd's and torch::optim::Adam's, in float32 like theirs but in another order, so rows
// differ from an autograd step in the last bits, and the training runs drift apart from there;
// tests/generators/gan_trainer_test.cpp checks steps against autograd.
#include "gan_trainer.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "imbgen/core/error.h"
#include "imbgen/core/rng.h"
#include "torch_blocks.h"
#include "training_loop.h"

namespace imbgen {
namespace {

// The name an Mlp tensor of the generator had when the generator was a torch::nn::Sequential of
// (Linear, ReLU, BatchNorm1d) per hidden layer and a last Linear: linear<i> was module 3i,
// norm<i> module 3i + 2.
std::string sequential_name(const std::string& name) {
  const size_t dot = name.find('.');
  const bool norm = name.rfind("norm", 0) == 0;
  const size_t digits = norm ? 4 : 6;  // "norm" / "linear"
  if (dot == std::string::npos || dot <= digits) return name;
  const size_t layer = std::stoul(name.substr(digits, dot - digits));
  return std::to_string(3 * layer + (norm ? 2 : 0)) + name.substr(dot);
}

// Adam (torch::optim::Adam's update, default eps 1e-8, no weight decay) for a list of float32
// tensors and their gradients.
class AdamState {
 public:
  AdamState(double lr, double beta1, double beta2) : lr_(lr), beta1_(beta1), beta2_(beta2) {}
  // Updates `param` from now on; returns the tensor its gradient is to be written into.
  at::Tensor add(const at::Tensor& param) {
    params_.push_back(param);
    grads_.push_back(torch::zeros_like(param));
    m_.emplace_back(static_cast<size_t>(param.numel()), 0.0f);
    v_.emplace_back(static_cast<size_t>(param.numel()), 0.0f);
    return grads_.back();
  }
  void step() {
    ++t_;
    const double c1 = 1.0 - std::pow(beta1_, t_), c2 = 1.0 - std::pow(beta2_, t_);
    const auto b1 = static_cast<float>(beta1_), b2 = static_cast<float>(beta2_);
    const auto step_size = static_cast<float>(lr_ / c1);
    const auto root_c2 = static_cast<float>(std::sqrt(c2));
    for (size_t k = 0; k < params_.size(); ++k) {
      update(params_[k].data_ptr<float>(), grads_[k].data_ptr<float>(), m_[k].data(),
             v_[k].data(), m_[k].size(), b1, b2, step_size, root_c2);
    }
  }

 private:
  // Over distinct arrays, so that the compiler vectorises it.
  static void update(float* __restrict p, const float* __restrict g, float* __restrict m,
                     float* __restrict v, size_t n, float b1, float b2, float step_size,
                     float root_c2) {
    for (size_t i = 0; i < n; ++i) {
      m[i] = m[i] * b1 + g[i] * (1.0f - b1);
      v[i] = v[i] * b2 + g[i] * g[i] * (1.0f - b2);
      p[i] -= step_size * m[i] / (std::sqrt(v[i]) / root_c2 + 1e-8f);
    }
  }

  double lr_, beta1_, beta2_;
  int t_ = 0;
  std::vector<at::Tensor> params_, grads_;
  std::vector<std::vector<float>> m_, v_;
};

// One batch's values inside a ManualMlp: layer k's input, its Linear's output and, for a
// batch-normed hidden layer, the normalised values and 1 / sd per column; and the gradients
// with respect to a layer's Linear output and its input.
struct MlpPass {
  std::vector<at::Tensor> in, pre, xhat, d_pre, d_in;
  std::vector<std::vector<float>> inv_sd;
  at::Tensor out;
};

// An Mlp (ReLU, optionally BatchNorm1d after each hidden ReLU, no dropout) in training mode,
// forward and backward, by hand over the module's own tensors; its gradients and an Adam state.
// BatchNorm normalises with the batch's mean and biased variance and updates its running
// statistics with momentum 0.1 and the unbiased variance (eps 1e-5), as BatchNorm1d does.
class ManualMlp {
 public:
  ManualMlp(Mlp& net, size_t hidden_layers, bool batch_norm, double lr, double beta1,
            double beta2)
      : adam_(lr, beta1, beta2) {
    auto params = net->named_parameters();
    auto buffers = net->named_buffers();
    for (size_t k = 0; k <= hidden_layers; ++k) {
      Layer l;
      const std::string lin = "linear" + std::to_string(k) + ".";
      l.w = params[lin + "weight"];
      l.b = params[lin + "bias"];
      l.gw = adam_.add(l.w);
      l.gb = adam_.add(l.b);
      if (batch_norm && k < hidden_layers) {
        const std::string bn = "norm" + std::to_string(k) + ".";
        l.gamma = params[bn + "weight"];
        l.beta = params[bn + "bias"];
        l.running_mean = buffers[bn + "running_mean"];
        l.running_var = buffers[bn + "running_var"];
        l.tracked = buffers[bn + "num_batches_tracked"];
        l.ggamma = adam_.add(l.gamma);
        l.gbeta = adam_.add(l.beta);
      }
      layers_.push_back(l);
    }
  }

  // Buffers for batches of `rows` rows.
  MlpPass make_pass(int64_t rows) const {
    MlpPass p;
    for (const Layer& l : layers_) {
      const int64_t in = l.w.size(1), out = l.w.size(0);
      p.in.push_back(torch::empty({rows, in}));
      p.d_in.push_back(torch::empty({rows, in}));
      p.pre.push_back(torch::empty({rows, out}));
      p.d_pre.push_back(torch::empty({rows, out}));
      p.xhat.push_back(l.gamma.defined() ? torch::empty({rows, out}) : at::Tensor());
      p.inv_sd.emplace_back(static_cast<size_t>(out));
    }
    p.out = p.pre.back();
    return p;
  }

  // p.in[0] holds the batch; leaves the output in p.out.
  void forward(MlpPass& p) {
    for (size_t k = 0; k < layers_.size(); ++k) {
      const Layer& l = layers_[k];
      at::addmm_out(p.pre[k], l.b, p.in[k], l.w.t());
      if (k + 1 == layers_.size()) break;
      const int64_t rows = p.pre[k].size(0), cols = p.pre[k].size(1);
      float* next = p.in[k + 1].data_ptr<float>();
      relu(p.pre[k].data_ptr<float>(), next, rows * cols);
      if (l.gamma.defined()) batch_norm_forward(l, rows, cols, next, p.xhat[k].data_ptr<float>(),
                                                p.inv_sd[k].data());
    }
  }

  // From the gradient with respect to p.out (in p.d_pre.back()): the parameters' gradients
  // (when `params`) and the gradient with respect to the input, in p.d_in[0] (when `input`).
  void backward(MlpPass& p, bool params, bool input) {
    for (size_t k = layers_.size(); k-- > 0;) {
      Layer& l = layers_[k];
      const at::Tensor& d_pre = p.d_pre[k];
      if (params) {
        at::mm_out(l.gw, d_pre.t(), p.in[k]);
        column_sums(d_pre, l.gb.data_ptr<float>());
      }
      if (k == 0 && !input) break;
      at::mm_out(p.d_in[k], d_pre, l.w);
      if (k == 0) break;
      // Back through layer k - 1's BatchNorm and ReLU.
      Layer& below = layers_[k - 1];
      const int64_t rows = p.d_in[k].size(0), cols = p.d_in[k].size(1);
      float* d = p.d_in[k].data_ptr<float>();
      if (below.gamma.defined()) {
        batch_norm_backward(below, rows, cols, p.xhat[k - 1].data_ptr<float>(),
                            p.inv_sd[k - 1].data(), d, params);
      }
      relu_backward(p.pre[k - 1].data_ptr<float>(), d, p.d_pre[k - 1].data_ptr<float>(),
                    rows * cols);
    }
  }

  void adam_step() { adam_.step(); }

 private:
  struct Layer {
    at::Tensor w, b, gw, gb;
    at::Tensor gamma, beta, running_mean, running_var, tracked, ggamma, gbeta;
  };

  // Both loops without a branch (the signs follow no pattern) and over distinct arrays, so that
  // the compiler vectorises them.
  static void relu(const float* __restrict pre, float* __restrict out, int64_t n) {
    for (int64_t i = 0; i < n; ++i) out[i] = std::max(pre[i], 0.0f);
  }
  static void relu_backward(const float* __restrict pre, const float* __restrict d,
                            float* __restrict out, int64_t n) {
    for (int64_t i = 0; i < n; ++i) {
      const float v = d[i];
      out[i] = pre[i] > 0.0f ? v : 0.0f;
    }
  }

  static void column_sums(const at::Tensor& x, float* out) {
    const int64_t rows = x.size(0), cols = x.size(1);
    const float* v = x.data_ptr<float>();
    for (int64_t j = 0; j < cols; ++j) out[j] = 0.0f;
    for (int64_t i = 0; i < rows; ++i)
      for (int64_t j = 0; j < cols; ++j) out[j] += v[i * cols + j];
  }

  // x [rows, cols] in place: gamma (x - mean) / sd + beta, sd = sqrt(biased variance + eps).
  static void batch_norm_forward(const Layer& l, int64_t rows, int64_t cols, float* x,
                                 float* xhat, float* inv_sd) {
    constexpr double kEps = 1e-5, kMomentum = 0.1;
    const float* gamma = l.gamma.data_ptr<float>();
    const float* beta = l.beta.data_ptr<float>();
    float* running_mean = l.running_mean.data_ptr<float>();
    float* running_var = l.running_var.data_ptr<float>();
    for (int64_t j = 0; j < cols; ++j) {
      double sum = 0.0;
      for (int64_t i = 0; i < rows; ++i) sum += x[i * cols + j];
      const double mean = sum / static_cast<double>(rows);
      double ss = 0.0;
      for (int64_t i = 0; i < rows; ++i) {
        const double c = x[i * cols + j] - mean;
        ss += c * c;
      }
      const double var = ss / static_cast<double>(rows);
      inv_sd[j] = static_cast<float>(1.0 / std::sqrt(var + kEps));
      running_mean[j] = static_cast<float>((1.0 - kMomentum) * running_mean[j] + kMomentum * mean);
      running_var[j] = static_cast<float>((1.0 - kMomentum) * running_var[j] +
                                          kMomentum * ss / static_cast<double>(rows - 1));
      const auto m = static_cast<float>(mean);
      for (int64_t i = 0; i < rows; ++i) {
        const float h = (x[i * cols + j] - m) * inv_sd[j];
        xhat[i * cols + j] = h;
        x[i * cols + j] = gamma[j] * h + beta[j];
      }
    }
    l.tracked.add_(1);
  }

  // d [rows, cols] in place: the gradient with respect to the output becomes the one with
  // respect to the input; gamma's and beta's gradients when `params`.
  static void batch_norm_backward(Layer& l, int64_t rows, int64_t cols, const float* xhat,
                                  const float* inv_sd, float* d, bool params) {
    const float* gamma = l.gamma.data_ptr<float>();
    float* ggamma = l.ggamma.data_ptr<float>();
    float* gbeta = l.gbeta.data_ptr<float>();
    const auto n = static_cast<float>(rows);
    for (int64_t j = 0; j < cols; ++j) {
      float sum_d = 0.0f, sum_dx = 0.0f;
      for (int64_t i = 0; i < rows; ++i) {
        sum_d += d[i * cols + j];
        sum_dx += d[i * cols + j] * xhat[i * cols + j];
      }
      if (params) {
        gbeta[j] = sum_d;
        ggamma[j] = sum_dx;
      }
      // dx = gamma / sd / n (n dy - sum(dy) - xhat sum(dy xhat))
      const float scale = gamma[j] * inv_sd[j] / n;
      for (int64_t i = 0; i < rows; ++i)
        d[i * cols + j] = scale * (n * d[i * cols + j] - sum_d - xhat[i * cols + j] * sum_dx);
    }
  }

  AdamState adam_;
  std::vector<Layer> layers_;
};

double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }

// binary_cross_entropy_with_logits of one logit x against label t.
double bce_with_logits(double x, double t) {
  return std::max(x, 0.0) - x * t + std::log1p(std::exp(-std::fabs(x)));
}

}  // namespace

struct GanTrainer::Impl {
  GanConfig config;
  int64_t d = 0;
  int64_t latent = 0;
  at::Generator gen;  // weight initialisation and training noise
  Mlp g{nullptr};     // hidden layers Linear -> ReLU -> BatchNorm1d, linear output
  Mlp disc{nullptr};  // hidden layers Linear -> ReLU, one output logit
  std::unique_ptr<ManualMlp> g_train, d_train;  // their training passes and Adam states
  MlpPass g_pass;       // the generated batch
  MlpPass d_pass;       // the real batch, then the generated one: [2 batch, d]
  MlpPass d_fake_pass;  // the generated batch through the updated discriminator
  torch::Tensor data;   // [n, d] float32, standardised rows
  std::unique_ptr<RowSampler> rows;
  uint64_t seed = 0;

  Impl(const GanConfig& c, size_t n_features, uint64_t s)
      : config(c),
        d(static_cast<int64_t>(n_features)),
        latent(c.latent_dim > 0 ? c.latent_dim : static_cast<int64_t>(n_features)),
        gen(seeded_generator(s)),
        g(latent, c.generator_hidden, d, MlpOptions{Activation::kReLU, true, 0.0}),
        disc(d, c.discriminator_hidden, 1, MlpOptions{Activation::kReLU, false, 0.0}),
        seed(s) {
    init_linear_layers(*g, gen);
    init_linear_layers(*disc, gen);
    g_train = std::make_unique<ManualMlp>(g, c.generator_hidden.size(), true, c.generator_lr,
                                          c.beta1, c.beta2);
    d_train = std::make_unique<ManualMlp>(disc, c.discriminator_hidden.size(), false,
                                          c.discriminator_lr, c.beta1, c.beta2);
    g_pass = g_train->make_pass(c.batch_size);
    d_pass = d_train->make_pass(2 * int64_t{c.batch_size});
    d_fake_pass = d_train->make_pass(c.batch_size);
  }
};

GanTrainer::GanTrainer(const GanConfig& config, size_t n_features, uint64_t seed)
    : impl_(std::make_unique<Impl>(config, n_features, seed)) {}
GanTrainer::~GanTrainer() = default;
GanTrainer::GanTrainer(GanTrainer&&) noexcept = default;
GanTrainer& GanTrainer::operator=(GanTrainer&&) noexcept = default;

void GanTrainer::set_data(const Matrix& z) {
  check_internal(z.cols == static_cast<size_t>(impl_->d) && z.rows > 0,
                 "GanTrainer::set_data: expected [n > 0, " + std::to_string(impl_->d) + "] rows");
  impl_->data = to_tensor(z);
  // Batches pass over the rows in a fresh shuffled order each time, a batch running on into the
  // next pass when the class has fewer rows than the batch.
  impl_->rows = std::make_unique<RowSampler>(z.rows, mix_seed(impl_->seed, 1));
  impl_->g->train();
  impl_->disc->train();
}

GanStepStats GanTrainer::step() {
  Impl& s = *impl_;
  check_internal(s.data.defined(), "GanTrainer::step: set_data was not called");
  torch::NoGradGuard no_grad;  // the passes are written out (ManualMlp), not recorded
  const int64_t b = s.config.batch_size;
  const auto batch = static_cast<size_t>(b);
  // The real rows and the generated ones, one after the other, through the discriminator.
  at::Tensor real = s.d_pass.in[0].narrow(0, 0, b);
  at::index_select_out(real, s.data, 0, torch::tensor(s.rows->next(batch)));
  s.g_pass.in[0].copy_(torch::randn({b, s.latent}, s.gen));
  s.g_train->forward(s.g_pass);  // BatchNorm in training mode: the batch's statistics
  s.d_pass.in[0].narrow(0, b, b).copy_(s.g_pass.out);
  s.d_train->forward(s.d_pass);

  // Discriminator: BCE(D(real), 1) + BCE(D(fake), 0), each a mean over the batch.
  GanStepStats stats;
  const float* logit = s.d_pass.out.data_ptr<float>();
  float* d_logit = s.d_pass.d_pre.back().data_ptr<float>();
  for (size_t i = 0; i < 2 * batch; ++i) {
    const double label = i < batch ? 1.0 : 0.0, p = sigmoid(logit[i]);
    stats.d_loss += bce_with_logits(logit[i], label);
    (i < batch ? stats.d_real : stats.d_fake) += p;
    d_logit[i] = static_cast<float>((p - label) / static_cast<double>(batch));
  }
  stats.d_loss /= static_cast<double>(batch);
  stats.d_real /= static_cast<double>(batch);
  stats.d_fake /= static_cast<double>(batch);
  s.d_train->backward(s.d_pass, /*params=*/true, /*input=*/false);
  s.d_train->adam_step();

  // Generator: the same generated rows, labelled 1 for the updated discriminator, whose weights
  // stay as they are.
  s.d_fake_pass.in[0].copy_(s.g_pass.out);
  s.d_train->forward(s.d_fake_pass);
  const float* fake_logit = s.d_fake_pass.out.data_ptr<float>();
  float* d_fake_logit = s.d_fake_pass.d_pre.back().data_ptr<float>();
  for (size_t i = 0; i < batch; ++i) {
    stats.g_loss += bce_with_logits(fake_logit[i], 1.0);
    d_fake_logit[i] = static_cast<float>((sigmoid(fake_logit[i]) - 1.0) / static_cast<double>(batch));
  }
  stats.g_loss /= static_cast<double>(batch);
  s.d_train->backward(s.d_fake_pass, /*params=*/false, /*input=*/true);
  s.g_pass.d_pre.back().copy_(s.d_fake_pass.d_in[0]);
  s.g_train->backward(s.g_pass, /*params=*/true, /*input=*/false);
  s.g_train->adam_step();
  return stats;
}

void GanTrainer::finish() {
  impl_->g->eval();
  impl_->disc->eval();
  impl_->data = torch::Tensor();
}

Matrix GanTrainer::sample(size_t n, uint64_t seed) const {
  Impl& s = *impl_;
  check_internal(!s.g->is_training(), "GanTrainer::sample: call finish() after training");
  at::Generator gen = seeded_generator(seed);
  return generate_rows(n, static_cast<size_t>(s.d), kSampleChunk, [&](size_t m) {
    return to_matrix(forward_in_blocks(torch::randn({static_cast<int64_t>(m), s.latent}, gen),
                                       [&](const torch::Tensor& z) { return s.g->forward(z); }));
  });
}

int64_t GanTrainer::generator_parameter_count() const { return count_parameters(*impl_->g); }
int64_t GanTrainer::discriminator_parameter_count() const { return count_parameters(*impl_->disc); }
size_t GanTrainer::n_features() const { return static_cast<size_t>(impl_->d); }
size_t GanTrainer::latent_dim() const { return static_cast<size_t>(impl_->latent); }

// The generator's tensors in the format of torch_blocks' save_tensors (the discriminator is not
// needed to sample).
void GanTrainer::save(BinaryWriter& w) const { save_tensors(w, *impl_->g); }

void GanTrainer::load(BinaryReader& r) {
  load_tensors(r, *impl_->g, sequential_name);
  impl_->g->eval();
  impl_->disc->eval();
}

}  // namespace imbgen
