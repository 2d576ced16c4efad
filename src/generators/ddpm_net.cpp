// The denoiser and its hand-written training pass (ddpm_net.h).
#include "ddpm_net.h"

#include <algorithm>
#include <cmath>

#include "core/vector_clones.h"
#include "imbgen/core/error.h"
#include "vector_math.h"

namespace imbgen {
namespace {

// silu(a) = a sigmoid(a), over distinct arrays so that the compiler vectorises it.
IMBGEN_VECTOR_CLONES
void silu(const float* __restrict a, float* __restrict out, int64_t n) {
  for (int64_t i = 0; i < n; ++i) out[i] = a[i] / (1.0f + vector_math::exp(-a[i]));
}

// d = d silu'(a) in place, silu'(a) = s (1 + a (1 - s)) with s = sigmoid(a) (autograd's form).
IMBGEN_VECTOR_CLONES
void silu_backward(const float* __restrict a, float* __restrict d, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    const float s = 1.0f / (1.0f + vector_math::exp(-a[i]));
    d[i] = d[i] * (s * (1.0f + a[i] * (1.0f - s)));
  }
}

// x += y.
IMBGEN_VECTOR_CLONES
void add_in_place(float* __restrict x, const float* __restrict y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) x[i] += y[i];
}

// Rows idx[i] of table [*, cols] into out [rows, cols].
void gather_rows(const float* table, int64_t cols, const int64_t* idx, int64_t rows, float* out) {
  for (int64_t i = 0; i < rows; ++i) {
    std::copy(table + idx[i] * cols, table + (idx[i] + 1) * cols, out + i * cols);
  }
}

// a = a * decay + p * rest.
IMBGEN_VECTOR_CLONES
void average_in_place(float* __restrict a, const float* __restrict p, int64_t n, float decay,
                      float rest) {
  for (int64_t i = 0; i < n; ++i) a[i] = a[i] * decay + p[i] * rest;
}

}  // namespace

DenoiserSampler::DenoiserSampler(const Denoiser& net)
    : net_(net),
      mlp_(net->mlp, net->hidden_layers, MlpOptions{}, kForwardBlock),
      h0_(torch::empty({kForwardBlock, net->proj->weight.size(0)})) {}

void DenoiserSampler::forward(const at::Tensor& x, int64_t t, int64_t y, at::Tensor& out) {
  torch::NoGradGuard no_grad;
  DenoiserImpl& n = *net_;
  const int64_t rows = x.size(0), d_in = n.proj->weight.size(1);
  check_internal(x.dim() == 2 && x.size(1) == d_in && x.is_contiguous() &&
                     x.scalar_type() == torch::kFloat32 && out.sizes() == x.sizes() &&
                     out.is_contiguous() && out.scalar_type() == torch::kFloat32,
                 "DenoiserSampler::forward: rows of another width or type than the network's");
  // proj's bias + the step's and class's embedding: one row, added to every row's x proj^T by
  // biased_product_into.
  const torch::Tensor bias = (n.proj->bias + n.embedding(t, y).squeeze(0)).contiguous();
  for (int64_t start = 0; start < rows; start += kForwardBlock) {
    const int64_t m = std::min(kForwardBlock, rows - start);
    at::Tensor h0 = h0_.narrow(0, 0, m);
    biased_product_into(h0, bias, x.narrow(0, start, m), n.proj->weight.t());
    out.narrow(0, start, m).copy_(mlp_.forward(h0));
  }
}

void moving_average(const std::vector<at::Tensor>& average, const std::vector<at::Tensor>& params,
                    double decay) {
  check_internal(average.size() == params.size(), "moving_average: different tensor lists");
  for (size_t i = 0; i < params.size(); ++i) {
    check_internal(average[i].numel() == params[i].numel() && average[i].is_contiguous() &&
                       params[i].is_contiguous(),
                   "moving_average: tensors of different shapes");
    average_in_place(average[i].data_ptr<float>(), params[i].data_ptr<float>(), average[i].numel(),
                     static_cast<float>(decay), static_cast<float>(1.0 - decay));
  }
}

torch::Tensor sinusoid_table(int timesteps, int64_t dim) {
  const int64_t half = dim / 2;
  const torch::Tensor freqs =
      torch::exp(-std::log(10000.0) * torch::arange(0, half, torch::kFloat64) /
                 static_cast<double>(half));                                          // [half]
  const torch::Tensor t = torch::arange(0, timesteps, torch::kFloat64).unsqueeze(1);  // [T, 1]
  const torch::Tensor args = t * freqs.unsqueeze(0);                                  // [T, half]
  return torch::cat({torch::cos(args), torch::sin(args)}, 1).to(torch::kFloat32);     // [T, dim]
}

DenoiserImpl::DenoiserImpl(int64_t d_in, int64_t n_classes, int64_t dim,
                           const std::vector<int>& hidden, int timesteps)
    : hidden_layers(hidden.size()),
      proj(register_module("proj", torch::nn::Linear(d_in, dim))),
      time1(register_module("time1", torch::nn::Linear(dim, dim))),
      time2(register_module("time2", torch::nn::Linear(dim, dim))),
      label(register_module("label", torch::nn::Embedding(n_classes, dim))),
      mlp(register_module("mlp", Mlp(dim, hidden, d_in, MlpOptions{}))),
      table(sinusoid_table(timesteps, dim)) {}

torch::Tensor DenoiserImpl::forward(const torch::Tensor& x, const torch::Tensor& t,
                                    const torch::Tensor& y) {
  const torch::Tensor emb = time2->forward(torch::silu(time1->forward(table.index_select(0, t)))) +
                            torch::silu(label->forward(y));  // [b, dim]
  return mlp->forward(proj->forward(x) + emb);
}

torch::Tensor DenoiserImpl::forward(const torch::Tensor& x, int64_t t, int64_t y) {
  return mlp->forward(proj->forward(x) + embedding(t, y));  // [1, dim] broadcast over the rows
}

torch::Tensor DenoiserImpl::embedding(int64_t t, int64_t y) {
  return time2->forward(torch::silu(time1->forward(table.narrow(0, t, 1)))) +
         torch::silu(label->forward(torch::full({1}, y, torch::kInt64)));
}

DenoiserTrainer::DenoiserTrainer(Denoiser& net, int64_t rows, double lr, double weight_decay)
    : net_(net),
      adam_(lr, 0.9, 0.999, weight_decay, WeightDecay::kDecoupled),
      mlp_(net->mlp, net->hidden_layers, MlpOptions{}, lr, 0.9, 0.999, weight_decay,
           WeightDecay::kDecoupled),
      pass_(mlp_.make_pass(rows)) {
  DenoiserImpl& n = *net_;
  proj_gw_ = adam_.add(n.proj->weight);
  proj_gb_ = adam_.add(n.proj->bias);
  time1_gw_ = adam_.add(n.time1->weight);
  time1_gb_ = adam_.add(n.time1->bias);
  time2_gw_ = adam_.add(n.time2->weight);
  time2_gb_ = adam_.add(n.time2->bias);
  label_g_ = adam_.add(n.label->weight);
  const int64_t d_in = n.proj->weight.size(1), dim = n.proj->weight.size(0);
  x_ = torch::empty({rows, d_in});
  for (at::Tensor* t : {&steps_, &a1_, &s1_, &classes_, &s_classes_, &emb_, &d_a1_}) {
    *t = torch::empty({rows, dim});
  }
  y_.resize(static_cast<size_t>(rows));
}

const at::Tensor& DenoiserTrainer::forward(const at::Tensor& x, const at::Tensor& t,
                                           const at::Tensor& y) {
  DenoiserImpl& n = *net_;
  const int64_t rows = x_.size(0), dim = steps_.size(1), size = rows * dim;
  check_internal(x.dim() == 2 && x.size(0) == rows && x.size(1) == x_.size(1) &&
                     t.numel() == rows && y.numel() == rows && t.scalar_type() == torch::kInt64 &&
                     y.scalar_type() == torch::kInt64,
                 "DenoiserTrainer::forward: a batch of another shape than the trainer's");
  x_.copy_(x);
  const at::Tensor tc = t.contiguous(), yc = y.contiguous();
  std::copy(yc.data_ptr<int64_t>(), yc.data_ptr<int64_t>() + rows, y_.begin());
  const int64_t* steps = tc.data_ptr<int64_t>();
  for (int64_t i = 0; i < rows; ++i) {
    check_internal(steps[i] >= 0 && steps[i] < n.table.size(0) && y_[static_cast<size_t>(i)] >= 0 &&
                       y_[static_cast<size_t>(i)] < n.label->weight.size(0),
                   "DenoiserTrainer::forward: a step or class position out of range");
  }
  gather_rows(n.table.data_ptr<float>(), dim, steps, rows, steps_.data_ptr<float>());
  gather_rows(n.label->weight.data_ptr<float>(), dim, y_.data(), rows, classes_.data_ptr<float>());
  // emb = time2(silu(time1(table[t]))) + silu(label[y]); the mlp's input proj(x) + emb.
  biased_product_into(a1_, n.time1->bias, steps_, n.time1->weight.t());
  silu(a1_.data_ptr<float>(), s1_.data_ptr<float>(), size);
  silu(classes_.data_ptr<float>(), s_classes_.data_ptr<float>(), size);
  biased_product_into(emb_, n.time2->bias, s1_, n.time2->weight.t());
  add_in_place(emb_.data_ptr<float>(), s_classes_.data_ptr<float>(), size);
  at::Tensor& h0 = pass_.in[0];
  biased_product_into(h0, n.proj->bias, x_, n.proj->weight.t());
  add_in_place(h0.data_ptr<float>(), emb_.data_ptr<float>(), size);
  mlp_.forward(pass_);
  return pass_.out;
}

void DenoiserTrainer::step(const at::Tensor& d_out, double lr) {
  DenoiserImpl& n = *net_;
  pass_.d_pre.back().copy_(d_out);
  mlp_.backward(pass_, /*params=*/true, /*input=*/true);
  const at::Tensor& d_h0 = pass_.d_in[0];  // the gradient of proj(x) + emb
  const int64_t rows = d_h0.size(0), dim = d_h0.size(1);
  product_into(proj_gw_, d_h0.t(), x_);
  column_sums(d_h0, proj_gb_.data_ptr<float>());
  product_into(time2_gw_, d_h0.t(), s1_);
  column_sums(d_h0, time2_gb_.data_ptr<float>());
  product_into(d_a1_, d_h0, n.time2->weight);
  silu_backward(a1_.data_ptr<float>(), d_a1_.data_ptr<float>(), rows * dim);
  product_into(time1_gw_, d_a1_.t(), steps_);
  column_sums(d_a1_, time1_gb_.data_ptr<float>());
  // The class embedding: row y_i of its gradient gains d_h0[i] silu'(label[y_i]), row by row.
  // (d_h0 is not needed after this, so it takes silu' in place.)
  silu_backward(classes_.data_ptr<float>(), pass_.d_in[0].data_ptr<float>(), rows * dim);
  label_g_.zero_();
  float* g = label_g_.data_ptr<float>();
  const float* d = d_h0.data_ptr<float>();
  for (int64_t i = 0; i < rows; ++i) {
    add_in_place(g + y_[static_cast<size_t>(i)] * dim, d + i * dim, dim);
  }
  adam_.set_lr(lr);
  mlp_.set_lr(lr);
  adam_.step();
  mlp_.adam_step();
}

}  // namespace imbgen
