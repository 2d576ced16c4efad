// ManualMlp and AdamState (manual_mlp.h): an Mlp's training passes and Adam, by hand.
#include "manual_mlp.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "core/vector_clones.h"
#include "imbgen/core/error.h"
#include "normal_stream.h"
#include "small_gemm.h"
#include "training_loop.h"

namespace imbgen {
namespace {

bool own_product(const at::Tensor& out, const at::Tensor& a, const at::Tensor& b) {
  if (!own_gemm_available() || at::get_num_threads() != 1) return false;
  for (const at::Tensor* t : {&out, &a, &b}) {
    if (t->dim() != 2 || t->scalar_type() != at::kFloat || t->device().type() != at::kCPU) {
      return false;
    }
  }
  // gemm() reads a and b row-major or transposed, and writes rows of out.
  const auto one_unit_stride = [](const at::Tensor& t) {
    return t.stride(1) == 1 || t.stride(0) == 1;
  };
  return out.stride(1) == 1 && one_unit_stride(a) && one_unit_stride(b) && a.size(1) == b.size(0) &&
         out.size(0) == a.size(0) && out.size(1) == b.size(1);
}

FloatMatrixView view_of(const at::Tensor& t) {
  return {t.data_ptr<float>(), t.size(0), t.size(1), t.stride(0), t.stride(1)};
}

// Over distinct arrays, so that the compiler vectorises it.
IMBGEN_VECTOR_CLONES
void adam_update(float* __restrict p, const float* __restrict g, float* __restrict m,
                 float* __restrict v, size_t n, float b1, float b2, float step_size,
                 float root_c2) {
  for (size_t i = 0; i < n; ++i) {
    m[i] = m[i] * b1 + g[i] * (1.0f - b1);
    v[i] = v[i] * b2 + g[i] * g[i] * (1.0f - b2);
    p[i] -= step_size * m[i] / (std::sqrt(v[i]) / root_c2 + 1e-8f);
  }
}

// torch::optim::Adam's L2 penalty: the gradient gains weight_decay times the parameter.
IMBGEN_VECTOR_CLONES
void add_weight_decay(float* __restrict g, const float* __restrict p, size_t n, float decay) {
  for (size_t i = 0; i < n; ++i) g[i] += decay * p[i];
}

// AdamW's decoupled decay: p = p * factor.
IMBGEN_VECTOR_CLONES
void scale_in_place(float* p, size_t n, float factor) {
  for (size_t i = 0; i < n; ++i) p[i] *= factor;
}

// The activation and its derivative, without a branch (the signs follow no pattern) and over
// distinct arrays, so that the compiler vectorises them. ReLU keeps its own loops: max(x, 0)
// gives +0 where slope * x would give -0.
IMBGEN_VECTOR_CLONES
void activate(const float* __restrict pre, float* __restrict out, int64_t n, float slope) {
  if (slope == 0.0f) {
    for (int64_t i = 0; i < n; ++i) out[i] = std::max(pre[i], 0.0f);
  } else {
    for (int64_t i = 0; i < n; ++i) {
      const float x = pre[i], scaled = slope * x;
      out[i] = x > 0.0f ? x : scaled;
    }
  }
}

IMBGEN_VECTOR_CLONES
void activate_in_place(float* v, int64_t n, float slope) {
  if (slope == 0.0f) {
    for (int64_t i = 0; i < n; ++i) v[i] = std::max(v[i], 0.0f);
  } else {
    for (int64_t i = 0; i < n; ++i) {
      const float x = v[i], scaled = slope * x;
      v[i] = x > 0.0f ? x : scaled;
    }
  }
}

// out = d * activation'(pre).
IMBGEN_VECTOR_CLONES
void activate_backward(const float* __restrict pre, const float* __restrict d,
                       float* __restrict out, int64_t n, float slope) {
  if (slope == 0.0f) {
    for (int64_t i = 0; i < n; ++i) {
      const float v = d[i];
      out[i] = pre[i] > 0.0f ? v : 0.0f;
    }
  } else {
    for (int64_t i = 0; i < n; ++i) {
      const float v = d[i], scaled = slope * v;
      out[i] = pre[i] > 0.0f ? v : scaled;
    }
  }
}

// seeded_dropout's forward, v * keep / (1 - p), in place (keep is 1 or 0).
IMBGEN_VECTOR_CLONES
void dropout(const float* __restrict keep, float* __restrict v, int64_t n, float keep_scale) {
  for (int64_t i = 0; i < n; ++i) v[i] = v[i] * keep[i] / keep_scale;
}

// Its backward, in place: the gradient divided by 1 - p, times the mask (autograd's order).
IMBGEN_VECTOR_CLONES
void dropout_backward(const float* __restrict keep, float* __restrict d, int64_t n,
                      float keep_scale) {
  for (int64_t i = 0; i < n; ++i) d[i] = d[i] / keep_scale * keep[i];
}

// BatchNormTrain's loops, row by row (each column's sums still run over the rows in order).
// sum[j] += x[i, j] over the rows, in double.
IMBGEN_VECTOR_CLONES
void add_rows(const float* __restrict x, int64_t rows, int64_t cols, double* __restrict sum) {
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < cols; ++j) sum[j] += x[i * cols + j];
}

// ss[j] += (x[i, j] - mean[j])^2 over the rows, in double.
IMBGEN_VECTOR_CLONES
void add_squared_deviations(const float* __restrict x, int64_t rows, int64_t cols,
                            const double* __restrict mean, double* __restrict ss) {
  for (int64_t i = 0; i < rows; ++i) {
    for (int64_t j = 0; j < cols; ++j) {
      const double c = x[i * cols + j] - mean[j];
      ss[j] += c * c;
    }
  }
}

// xhat = (x - mean) inv_sd, and x = g xhat + b in place.
IMBGEN_VECTOR_CLONES
void normalise(float* __restrict x, float* __restrict xhat, int64_t rows, int64_t cols,
               const float* __restrict mean, const float* __restrict inv_sd,
               const float* __restrict g, const float* __restrict b) {
  for (int64_t i = 0; i < rows; ++i) {
    for (int64_t j = 0; j < cols; ++j) {
      const float h = (x[i * cols + j] - mean[j]) * inv_sd[j];
      xhat[i * cols + j] = h;
      x[i * cols + j] = g[j] * h + b[j];
    }
  }
}

// sum_d[j] += d[i, j] and sum_dx[j] += d[i, j] xhat[i, j] over the rows, in float.
IMBGEN_VECTOR_CLONES
void add_gradient_sums(const float* __restrict d, const float* __restrict xhat, int64_t rows,
                       int64_t cols, float* __restrict sum_d, float* __restrict sum_dx) {
  for (int64_t i = 0; i < rows; ++i) {
    for (int64_t j = 0; j < cols; ++j) {
      sum_d[j] += d[i * cols + j];
      sum_dx[j] += d[i * cols + j] * xhat[i * cols + j];
    }
  }
}

// d = scale (n d - sum_d - xhat sum_dx) in place.
IMBGEN_VECTOR_CLONES
void normalise_backward(float* __restrict d, const float* __restrict xhat, int64_t rows,
                        int64_t cols, float n, const float* __restrict scale,
                        const float* __restrict sum_d, const float* __restrict sum_dx) {
  for (int64_t i = 0; i < rows; ++i) {
    for (int64_t j = 0; j < cols; ++j) {
      d[i * cols + j] =
          scale[j] * (n * d[i * cols + j] - sum_d[j] - xhat[i * cols + j] * sum_dx[j]);
    }
  }
}

// MlpSampler's folded BatchNorm: v[i, j] = v[i, j] scale[j] + shift[j].
IMBGEN_VECTOR_CLONES
void scale_and_shift(float* __restrict v, int64_t rows, int64_t cols,
                     const float* __restrict scale, const float* __restrict shift) {
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < cols; ++j) v[i * cols + j] = v[i * cols + j] * scale[j] + shift[j];
}

}  // namespace

// The column sums of x [rows, cols]; with parts > 1, the sums of each of `parts` equal blocks of
// rows, added.
IMBGEN_VECTOR_CLONES
void column_sums(const at::Tensor& x, float* out, int64_t parts) {
  const int64_t rows = x.size(0), cols = x.size(1), block = rows / parts;
  const float* v = x.data_ptr<float>();
  std::vector<float> part(static_cast<size_t>(cols));
  for (int64_t j = 0; j < cols; ++j) out[j] = 0.0f;
  for (int64_t k = 0; k < parts; ++k) {
    std::fill(part.begin(), part.end(), 0.0f);
    for (int64_t i = k * block; i < (k + 1) * block; ++i)
      for (int64_t j = 0; j < cols; ++j) part[static_cast<size_t>(j)] += v[i * cols + j];
    for (int64_t j = 0; j < cols; ++j) out[j] += part[static_cast<size_t>(j)];
  }
}

at::Tensor AdamState::add(const at::Tensor& param) {
  params_.push_back(param);
  grads_.push_back(torch::zeros_like(param));
  m_.emplace_back(static_cast<size_t>(param.numel()), 0.0f);
  v_.emplace_back(static_cast<size_t>(param.numel()), 0.0f);
  return grads_.back();
}

void AdamState::step() {
  ++t_;
  const double c1 = 1.0 - std::pow(beta1_, t_), c2 = 1.0 - std::pow(beta2_, t_);
  const auto b1 = static_cast<float>(beta1_), b2 = static_cast<float>(beta2_);
  const auto step_size = static_cast<float>(lr_ / c1);
  const auto root_c2 = static_cast<float>(std::sqrt(c2));
  for (size_t k = 0; k < params_.size(); ++k) {
    if (weight_decay_ != 0.0 && decay_ == WeightDecay::kDecoupled) {
      scale_in_place(params_[k].data_ptr<float>(), m_[k].size(),
                     static_cast<float>(1.0 - lr_ * weight_decay_));
    } else if (weight_decay_ != 0.0) {
      add_weight_decay(grads_[k].data_ptr<float>(), params_[k].data_ptr<float>(), m_[k].size(),
                       static_cast<float>(weight_decay_));
    }
    adam_update(params_[k].data_ptr<float>(), grads_[k].data_ptr<float>(), m_[k].data(),
                v_[k].data(), m_[k].size(), b1, b2, step_size, root_c2);
  }
}

BatchNormTrain BatchNormTrain::of(torch::OrderedDict<std::string, at::Tensor>& params,
                                  torch::OrderedDict<std::string, at::Tensor>& buffers,
                                  const std::string& prefix, AdamState& adam) {
  BatchNormTrain bn;
  bn.gamma = params[prefix + "weight"];
  bn.beta = params[prefix + "bias"];
  bn.running_mean = buffers[prefix + "running_mean"];
  bn.running_var = buffers[prefix + "running_var"];
  bn.tracked = buffers[prefix + "num_batches_tracked"];
  bn.ggamma = adam.add(bn.gamma);
  bn.gbeta = adam.add(bn.beta);
  return bn;
}

ManualMlp::ManualMlp(Mlp& net, size_t hidden_layers, const MlpOptions& options, double lr,
                     double beta1, double beta2, double weight_decay, WeightDecay decay)
    : adam_(lr, beta1, beta2, weight_decay, decay),
      slope_(options.activation == Activation::kReLU ? 0.0f : static_cast<float>(kLeakySlope)),
      dropout_(options.dropout),
      keep_scale_(static_cast<float>(1.0 - options.dropout)) {
  auto params = net->named_parameters();
  auto buffers = net->named_buffers();
  for (size_t k = 0; k <= hidden_layers; ++k) {
    Layer l;
    const std::string lin = "linear" + std::to_string(k) + ".";
    l.w = params[lin + "weight"];
    l.b = params[lin + "bias"];
    l.gw = adam_.add(l.w);
    l.gb = adam_.add(l.b);
    if (options.batch_norm && k < hidden_layers) {
      l.bn = BatchNormTrain::of(params, buffers, "norm" + std::to_string(k) + ".", adam_);
    }
    layers_.push_back(l);
  }
}

MlpPass ManualMlp::make_pass(int64_t rows) const {
  MlpPass p;
  for (const Layer& l : layers_) {
    const int64_t in = l.w.size(1), out = l.w.size(0);
    p.in.push_back(torch::empty({rows, in}));
    p.d_in.push_back(torch::empty({rows, in}));
    p.pre.push_back(torch::empty({rows, out}));
    p.d_pre.push_back(torch::empty({rows, out}));
    p.xhat.push_back(l.bn.defined() ? torch::empty({rows, out}) : at::Tensor());
    const bool hidden = p.pre.size() < layers_.size();
    p.keep.push_back(dropout_ > 0.0 && hidden ? torch::empty({rows, out}) : at::Tensor());
    p.inv_sd.emplace_back(static_cast<size_t>(out));
  }
  p.out = p.pre.back();
  return p;
}

void ManualMlp::draw_dropout(MlpPass& p, at::Generator& gen, int64_t first, int64_t rows) const {
  if (dropout_ <= 0.0) return;
  for (size_t k = 0; k + 1 < layers_.size(); ++k) {
    dropout_mask(p.keep[k].data_ptr<float>() + first * p.keep[k].size(1),
                 rows * p.keep[k].size(1), dropout_, gen);
  }
}

PenaltyPass ManualMlp::make_penalty_pass(int64_t rows) const {
  PenaltyPass q;
  for (size_t k = 0; k + 1 < layers_.size(); ++k) {
    const int64_t in = layers_[k].w.size(1), out = layers_[k].w.size(0);
    q.a.push_back(torch::empty({rows, out}));
    q.scratch.push_back(torch::empty({rows, out}));
    q.e.push_back(torch::empty({rows, in}));
  }
  q.grad = torch::empty({rows, layers_.front().w.size(1)});
  return q;
}

void product_into(at::Tensor out, const at::Tensor& a, const at::Tensor& b) {
  if (!own_product(out, a, b)) {
    at::mm_out(out, a, b);
    return;
  }
  gemm(view_of(a), view_of(b), out.data_ptr<float>(), out.stride(0), false);
}

void add_product(at::Tensor out, const at::Tensor& a, const at::Tensor& b) {
  if (!own_product(out, a, b)) {
    out.addmm_(a, b);
    return;
  }
  gemm(view_of(a), view_of(b), out.data_ptr<float>(), out.stride(0), true);
}

void biased_product_into(at::Tensor out, const at::Tensor& bias, const at::Tensor& a,
                         const at::Tensor& b) {
  if (!own_product(out, a, b) || bias.dim() != 1 || bias.scalar_type() != at::kFloat ||
      !bias.is_contiguous() || bias.size(0) != out.size(1)) {
    at::addmm_out(out, bias, a, b);
    return;
  }
  const int64_t rows = out.size(0), cols = out.size(1), ld = out.stride(0);
  const float* bias_values = bias.data_ptr<float>();
  float* o = out.data_ptr<float>();
  for (int64_t i = 0; i < rows; ++i) std::copy(bias_values, bias_values + cols, o + i * ld);
  gemm(view_of(a), view_of(b), o, ld, true);
}

void ManualMlp::forward(MlpPass& p) {
  for (size_t k = 0; k < layers_.size(); ++k) {
    const Layer& l = layers_[k];
    biased_product_into(p.pre[k], l.b, p.in[k], l.w.t());
    if (k + 1 == layers_.size()) break;
    const int64_t rows = p.pre[k].size(0), cols = p.pre[k].size(1);
    float* next = p.in[k + 1].data_ptr<float>();
    activate(p.pre[k].data_ptr<float>(), next, rows * cols, slope_);
    if (l.bn.defined()) {
      l.bn.forward(rows, cols, next, p.xhat[k].data_ptr<float>(), p.inv_sd[k].data());
    }
    if (p.keep[k].defined()) dropout(p.keep[k].data_ptr<float>(), next, rows * cols, keep_scale_);
  }
}

void ManualMlp::backward(MlpPass& p, bool params, bool input, int64_t parts) {
  check_internal(parts >= 1 && p.in[0].size(0) % parts == 0,
                 "ManualMlp::backward: the rows do not split into equal parts");
  for (size_t k = layers_.size(); k-- > 0;) {
    Layer& l = layers_[k];
    const at::Tensor& d_pre = p.d_pre[k];
    if (params) {
      product_into(l.gw, d_pre.t(), p.in[k]);
      column_sums(d_pre, l.gb.data_ptr<float>(), parts);
    }
    if (k == 0 && !input) break;
    product_into(p.d_in[k], d_pre, l.w);
    if (k == 0) break;
    // Back through layer k - 1's BatchNorm and activation.
    Layer& below = layers_[k - 1];
    const int64_t rows = p.d_in[k].size(0), cols = p.d_in[k].size(1);
    float* d = p.d_in[k].data_ptr<float>();
    if (p.keep[k - 1].defined()) {
      dropout_backward(p.keep[k - 1].data_ptr<float>(), d, rows * cols, keep_scale_);
    }
    if (below.bn.defined()) {
      below.bn.backward(rows, cols, p.xhat[k - 1].data_ptr<float>(), p.inv_sd[k - 1].data(), d,
                        params);
    }
    activate_backward(p.pre[k - 1].data_ptr<float>(), d, p.d_pre[k - 1].data_ptr<float>(),
                      rows * cols, slope_);
  }
}

double ManualMlp::add_penalty_gradient(const MlpPass& p, PenaltyPass& q, double lambda) {
  const size_t hidden = layers_.size() - 1;
  check_internal(hidden >= 1 && layers_.back().w.size(0) == 1 && !layers_.front().bn.defined(),
                 "ManualMlp::add_penalty_gradient: needs hidden layers, one output, no BatchNorm");
  const int64_t rows = p.in[0].size(0);
  // With dropout, D_k is layer k's mask divided by 1 - p; without, 1.
  const auto drop = [&](size_t k, float* d, int64_t n) {
    if (p.keep[k].defined()) dropout_backward(p.keep[k].data_ptr<float>(), d, n, keep_scale_);
  };
  // The gradient of the output with respect to the input, layer by layer from the top:
  // a[L-1] = act'(pre[L-1]) * D_{L-1} * w_L (w_L a row, the same for every row);
  // a[k-1] = act'(pre[k-1]) * D_{k-1} * (a[k] w_k); grad = a[0] w_0.
  {
    const at::Tensor& top = layers_[hidden].w;  // [1, width]
    const int64_t cols = top.size(1);
    const float* w = top.data_ptr<float>();
    const float* pre = p.pre[hidden - 1].data_ptr<float>();
    float* a = q.a[hidden - 1].data_ptr<float>();
    float* s = q.scratch[hidden - 1].data_ptr<float>();
    for (int64_t i = 0; i < rows; ++i) std::copy(w, w + cols, s + i * cols);
    drop(hidden - 1, s, rows * cols);
    activate_backward(pre, s, a, rows * cols, slope_);
  }
  for (size_t k = hidden - 1; k > 0; --k) {
    product_into(q.e[k], q.a[k], layers_[k].w);  // [rows, width of layer k - 1]
    drop(k - 1, q.e[k].data_ptr<float>(), q.e[k].numel());
    activate_backward(p.pre[k - 1].data_ptr<float>(), q.e[k].data_ptr<float>(),
                      q.a[k - 1].data_ptr<float>(), q.e[k].numel(), slope_);
  }
  product_into(q.grad, q.a[0], layers_[0].w);  // [rows, d]

  // penalty = mean (|g_i| - 1)^2; its gradient with respect to g_i, times lambda, goes in e[0]:
  // lambda * 2 (|g_i| - 1) / rows * g_i / |g_i| (0 where g_i = 0, as LibTorch's norm does).
  const int64_t d = q.grad.size(1);
  const float* g = q.grad.data_ptr<float>();
  float* e0 = q.e[0].data_ptr<float>();
  double penalty = 0.0;
  for (int64_t i = 0; i < rows; ++i) {
    float ss = 0.0f;
    for (int64_t j = 0; j < d; ++j) ss += g[i * d + j] * g[i * d + j];
    const float norm = std::sqrt(ss);
    penalty += (static_cast<double>(norm) - 1.0) * (static_cast<double>(norm) - 1.0);
    const float scale =
        norm > 0.0f ? static_cast<float>(lambda * 2.0 * (norm - 1.0) / static_cast<double>(rows)) /
                          norm
                    : 0.0f;
    for (int64_t j = 0; j < d; ++j) e0[i * d + j] = scale * g[i * d + j];
  }
  penalty /= static_cast<double>(rows);

  // Back through that chain, which is linear in each w_k: w_k's gradient gains a[k]^T e[k];
  // e[k + 1] = act'(pre[k]) * D_k * (e[k] w_k^T); w_L's gains the column sums of that for
  // k = L - 1, written into a[L - 1], which is not needed any more.
  for (size_t k = 0; k < hidden; ++k) {
    Layer& l = layers_[k];
    add_product(l.gw, q.a[k].t(), q.e[k]);
    product_into(q.scratch[k], q.e[k], l.w.t());  // [rows, width of layer k]
    drop(k, q.scratch[k].data_ptr<float>(), q.scratch[k].numel());
    float* next = k + 1 < hidden ? q.e[k + 1].data_ptr<float>() : q.a[k].data_ptr<float>();
    activate_backward(p.pre[k].data_ptr<float>(), q.scratch[k].data_ptr<float>(), next,
                      q.scratch[k].numel(), slope_);
  }
  {
    const int64_t cols = q.a[hidden - 1].size(1);
    std::vector<float> sums(static_cast<size_t>(cols));
    column_sums(q.a[hidden - 1], sums.data());
    float* gw = layers_[hidden].gw.data_ptr<float>();
    for (int64_t j = 0; j < cols; ++j) gw[j] += sums[static_cast<size_t>(j)];
  }
  return penalty;
}

std::array<double, 3> ManualMlp::critic_update(MlpPass& real_fake, MlpPass& mixed,
                                               PenaltyPass& penalty, const at::Tensor& eps,
                                               double lambda) {
  const int64_t n = mixed.in[0].size(0), width = mixed.in[0].size(1);
  check_internal(real_fake.in[0].size(0) == 2 * n && eps.numel() == n,
                 "ManualMlp::critic_update: the passes do not fit");
  const float* e = eps.data_ptr<float>();
  const float* real = real_fake.in[0].data_ptr<float>();
  const float* fake = real + n * width;
  float* x = mixed.in[0].data_ptr<float>();
  for (int64_t i = 0; i < n; ++i) {
    const float keep = 1.0f - e[i];
    for (int64_t j = 0; j < width; ++j) {
      const float from_real = e[i] * real[i * width + j];
      const float from_fake = keep * fake[i * width + j];
      x[i * width + j] = from_real + from_fake;
    }
  }
  forward(real_fake);
  forward(mixed);
  const float* out = real_fake.out.data_ptr<float>();
  float* d_out = real_fake.d_pre.back().data_ptr<float>();
  double real_mean = 0.0, fake_mean = 0.0;
  const float share = 1.0f / static_cast<float>(n);
  for (int64_t i = 0; i < n; ++i) {
    real_mean += out[i];
    fake_mean += out[n + i];
    d_out[i] = -share;
    d_out[n + i] = share;
  }
  real_mean /= static_cast<double>(n);
  fake_mean /= static_cast<double>(n);
  backward(real_fake, /*params=*/true, /*input=*/false, /*parts=*/2);
  const double gp = add_penalty_gradient(mixed, penalty, lambda);
  adam_step();
  return {fake_mean - real_mean + lambda * gp, real_mean - fake_mean, gp};
}

void BatchNormTrain::forward(int64_t rows, int64_t cols, float* x, float* xhat,
                             float* inv_sd) const {
  constexpr double kEps = 1e-5, kMomentum = 0.1;
  const float* g = gamma.data_ptr<float>();
  const float* b = beta.data_ptr<float>();
  float* mean_run = running_mean.data_ptr<float>();
  float* var_run = running_var.data_ptr<float>();
  // Each column's sums run over the rows in order; row by row, so that the columns vectorise.
  std::vector<double> mean(static_cast<size_t>(cols)), ss(static_cast<size_t>(cols));
  add_rows(x, rows, cols, mean.data());
  for (double& m : mean) m /= static_cast<double>(rows);
  add_squared_deviations(x, rows, cols, mean.data(), ss.data());
  std::vector<float> m(static_cast<size_t>(cols));
  for (int64_t j = 0; j < cols; ++j) {
    const auto c = static_cast<size_t>(j);
    const double var = ss[c] / static_cast<double>(rows);
    inv_sd[j] = static_cast<float>(1.0 / std::sqrt(var + kEps));
    mean_run[j] = static_cast<float>((1.0 - kMomentum) * mean_run[j] + kMomentum * mean[c]);
    var_run[j] = static_cast<float>((1.0 - kMomentum) * var_run[j] +
                                    kMomentum * ss[c] / static_cast<double>(rows - 1));
    m[c] = static_cast<float>(mean[c]);
  }
  normalise(x, xhat, rows, cols, m.data(), inv_sd, g, b);
  tracked.add_(1);
}

void BatchNormTrain::backward(int64_t rows, int64_t cols, const float* xhat, const float* inv_sd,
                              float* d, bool params) {
  const float* g = gamma.data_ptr<float>();
  float* dgamma = ggamma.data_ptr<float>();
  float* dbeta = gbeta.data_ptr<float>();
  const auto n = static_cast<float>(rows);
  std::vector<float> sum_d(static_cast<size_t>(cols)), sum_dx(static_cast<size_t>(cols));
  std::vector<float> scale(static_cast<size_t>(cols));
  add_gradient_sums(d, xhat, rows, cols, sum_d.data(), sum_dx.data());
  for (int64_t j = 0; j < cols; ++j) {
    const auto c = static_cast<size_t>(j);
    if (params) {
      dbeta[j] = sum_d[c];
      dgamma[j] = sum_dx[c];
    }
    scale[c] = g[j] * inv_sd[j] / n;
  }
  // dx = gamma / sd / n (n dy - sum(dy) - xhat sum(dy xhat))
  normalise_backward(d, xhat, rows, cols, n, scale.data(), sum_d.data(), sum_dx.data());
}

MlpSampler::MlpSampler(const Mlp& net, size_t hidden_layers, const MlpOptions& options,
                       int64_t block)
    : block_(block),
      slope_(options.activation == Activation::kReLU ? 0.0f : static_cast<float>(kLeakySlope)) {
  check_internal(!net->is_training(), "MlpSampler: the network is not in evaluation mode");
  const auto params = net->named_parameters();
  const auto buffers = net->named_buffers();
  for (size_t k = 0; k <= hidden_layers; ++k) {
    Layer l;
    const std::string lin = "linear" + std::to_string(k) + ".";
    l.w = params[lin + "weight"];
    l.b = params[lin + "bias"];
    if (options.batch_norm && k < hidden_layers) {
      // BatchNorm1d in evaluation mode: gamma (x - mean) / sqrt(var + eps) + beta.
      constexpr double kEps = 1e-5;
      const std::string bn = "norm" + std::to_string(k) + ".";
      const float* gamma = params[bn + "weight"].data_ptr<float>();
      const float* beta = params[bn + "bias"].data_ptr<float>();
      const float* mean = buffers[bn + "running_mean"].data_ptr<float>();
      const float* var = buffers[bn + "running_var"].data_ptr<float>();
      const int64_t width = l.w.size(0);
      for (int64_t j = 0; j < width; ++j) {
        const double scale = gamma[j] / std::sqrt(static_cast<double>(var[j]) + kEps);
        l.scale.push_back(static_cast<float>(scale));
        l.shift.push_back(static_cast<float>(beta[j] - mean[j] * scale));
      }
    }
    out_.push_back(torch::empty({block, l.w.size(0)}));
    layers_.push_back(std::move(l));
  }
}

at::Tensor MlpSampler::forward(const at::Tensor& in) {
  const int64_t rows = in.size(0);
  check_internal(rows <= block_ && in.is_contiguous(), "MlpSampler::forward: too many rows");
  at::Tensor x = in;
  for (size_t k = 0; k < layers_.size(); ++k) {
    const Layer& l = layers_[k];
    at::Tensor y = out_[k].narrow(0, 0, rows);
    biased_product_into(y, l.b, x, l.w.t());
    if (k + 1 < layers_.size()) {
      const int64_t cols = y.size(1);
      float* v = y.data_ptr<float>();
      activate_in_place(v, rows * cols, slope_);
      if (!l.scale.empty()) scale_and_shift(v, rows, cols, l.scale.data(), l.shift.data());
    }
    x = y;
  }
  return x;
}

void sample_mlp(const Mlp& net, size_t hidden_layers, const MlpOptions& options, int64_t latent,
                uint64_t seed, const MutableNumberBlock& out) {
  torch::NoGradGuard no_grad;
  const TorchThreadScope one(1);  // see kSampleChunk
  const size_t n = out.rows;
  // Buffers for no more rows than are drawn: a small request allocates little.
  MlpSampler sampler(net, hidden_layers, options,
                     std::max<int64_t>(1, std::min(kForwardBlock, static_cast<int64_t>(n))));
  const int64_t width = sampler.output_width();
  check_internal(out.cols == static_cast<size_t>(width),
                 "sample_mlp: the block's width is not the network's output width");
  NormalStream stream(seed);
  at::Tensor noise =
      torch::empty({static_cast<int64_t>(std::min(n, kSampleChunk)), latent});
  for (size_t start = 0; start < n; start += kSampleChunk) {
    const auto m = static_cast<int64_t>(std::min(kSampleChunk, n - start));
    at::Tensor z = noise.narrow(0, 0, m);
    stream.fill(z.data_ptr<float>(), static_cast<size_t>(m * latent));
    for (int64_t r = 0; r < m; r += kForwardBlock) {
      const int64_t rows = std::min(kForwardBlock, m - r);
      const at::Tensor y = sampler.forward(z.narrow(0, r, rows));
      const float* v = y.data_ptr<float>();
      for (int64_t i = 0; i < rows; ++i) {
        const size_t row = start + static_cast<size_t>(r + i);
        const float* src = v + i * width;
        if (out.col_stride == 1) {  // contiguous rows: a loop the compiler vectorises
          double* dst = &out(row, 0);
          for (int64_t c = 0; c < width; ++c) dst[c] = src[c];
        } else {
          for (int64_t c = 0; c < width; ++c) out(row, static_cast<size_t>(c)) = src[c];
        }
      }
    }
  }
}

}  // namespace imbgen
