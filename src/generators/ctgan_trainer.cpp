// CTGAN's networks, training-by-sampling and training step (ctgan_trainer.h). The step is written
// out by hand: the residual generator's passes (below), the critic's with its dropout and
// gradient penalty (manual_mlp.h), the Gumbel-softmax outputs, the conditional loss and Adam. At
// CTGAN's sizes (batches of a few hundred rows through layers of 256) autograd's recording and
// LibTorch's per-operation dispatch were most of a step. The arithmetic is autograd's in another
// order, so results differ from an autograd step in the last bits.
#include "ctgan_trainer.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <numeric>
#include <string>
#include <utility>

#include "imbgen/core/error.h"
#include "manual_mlp.h"

namespace imbgen {

ConditionLayout condition_layout(const ModeNormalizer& normalizer) {
  ConditionLayout l;
  const auto& columns = normalizer.columns();
  for (size_t j = 0; j < columns.size(); ++j) {
    if (columns[j].kind != ModeKind::kOneHot && columns[j].kind != ModeKind::kIndicator) continue;
    l.discrete.push_back(j);
    l.cond_start.push_back(l.category_width);
    l.category_width += columns[j].categories();
  }
  return l;
}

std::vector<OutSpan> out_spans(const ModeNormalizer& normalizer) {
  std::vector<OutSpan> spans;
  int discrete_index = 0;
  for (const ModeColumn& col : normalizer.columns()) {
    if (col.kind == ModeKind::kNumeric) {
      spans.push_back({col.out_start, 1, false, -1});
      spans.push_back({col.out_start + 1, col.out_width - 1, true, -1});
    } else if (col.kind != ModeKind::kConstant) {
      spans.push_back({col.out_start, col.out_width, true, discrete_index++});
    }
  }
  return spans;
}

// ---------------------------------------------------------------------------------------------
// The residual generator

ResidualGeneratorImpl::ResidualGeneratorImpl(int64_t in, const std::vector<int>& hidden,
                                             int64_t out) {
  int64_t width = in;
  for (size_t i = 0; i < hidden.size(); ++i) {
    fc_.push_back(register_module("fc" + std::to_string(i), torch::nn::Linear(width, hidden[i])));
    bn_.push_back(register_module("bn" + std::to_string(i), torch::nn::BatchNorm1d(hidden[i])));
    width += hidden[i];
  }
  out_ = register_module("out", torch::nn::Linear(width, out));
}

torch::Tensor ResidualGeneratorImpl::forward(torch::Tensor x) {
  for (size_t i = 0; i < fc_.size(); ++i) {
    x = torch::cat({torch::relu(bn_[i]->forward(fc_[i]->forward(x))), x}, 1);
  }
  return out_->forward(x);
}

ResidualSampler::ResidualSampler(ResidualGenerator& net, int64_t block) : block_(block) {
  check_internal(!net->is_training(), "ResidualSampler: the network is not in evaluation mode");
  auto params = net->named_parameters();
  auto buffers = net->named_buffers();
  out_w_ = params["out.weight"];
  out_b_ = params["out.bias"];
  total_ = out_w_.size(1);
  int64_t start = total_;
  for (size_t i = 0; i < net->hidden_layers(); ++i) {
    Layer l;
    const std::string fc = "fc" + std::to_string(i) + ".", bn = "bn" + std::to_string(i) + ".";
    l.w = params[fc + "weight"];
    l.b = params[fc + "bias"];
    if (i == 0) start = total_ - l.w.size(1);
    l.start = start;
    start -= l.w.size(0);
    // BatchNorm1d in evaluation mode: gamma (x - mean) / sqrt(var + eps) + beta.
    constexpr double kEps = 1e-5;
    const float* gamma = params[bn + "weight"].data_ptr<float>();
    const float* beta = params[bn + "bias"].data_ptr<float>();
    const float* mean = buffers[bn + "running_mean"].data_ptr<float>();
    const float* var = buffers[bn + "running_var"].data_ptr<float>();
    for (int64_t j = 0; j < l.w.size(0); ++j) {
      const double scale = gamma[j] / std::sqrt(static_cast<double>(var[j]) + kEps);
      l.scale.push_back(static_cast<float>(scale));
      l.shift.push_back(static_cast<float>(beta[j] - mean[j] * scale));
    }
    layers_.push_back(std::move(l));
  }
  check_internal(start == 0, "ResidualSampler: the layer widths do not add up");
  x_ = torch::empty({block, total_});
  raw_ = torch::empty({block, out_w_.size(0)});
}

float* ResidualSampler::input() {
  return x_.data_ptr<float>() + (layers_.empty() ? 0 : layers_.front().start);
}

at::Tensor ResidualSampler::forward(int64_t rows) {
  check_internal(rows <= block_, "ResidualSampler::forward: too many rows");
  const at::Tensor x = x_.narrow(0, 0, rows);
  for (Layer& l : layers_) {
    const int64_t h = l.w.size(0);
    // The Linear's output goes where this layer's output belongs, then is finished in place.
    at::Tensor r = x.narrow(1, l.start - h, h);
    biased_product_into(r, l.b, x.narrow(1, l.start, total_ - l.start), l.w.t());
    float* v = x_.data_ptr<float>() + (l.start - h);
    for (int64_t i = 0; i < rows; ++i) {
      float* row = v + i * total_;
      for (int64_t j = 0; j < h; ++j) {
        row[j] = std::max(
            row[j] * l.scale[static_cast<size_t>(j)] + l.shift[static_cast<size_t>(j)], 0.0f);
      }
    }
  }
  at::Tensor raw = raw_.narrow(0, 0, rows);
  biased_product_into(raw, out_b_, x, out_w_.t());
  return raw;
}

ResidualGenerator build_generator_net(const CtganConfig& c, const ModeNormalizer& normalizer,
                                      const ConditionLayout& conditions, size_t n_classes) {
  return ResidualGenerator(
      c.latent_dim + static_cast<int64_t>(n_classes + conditions.category_width),
      c.generator_hidden, static_cast<int64_t>(normalizer.width()));
}

// ---------------------------------------------------------------------------------------------
// Training-by-sampling

size_t draw(const std::vector<double>& cumulative, Rng& rng) {
  const double u = rng.uniform() * cumulative.back();
  for (size_t k = 0; k < cumulative.size(); ++k) {
    if (u < cumulative[k]) return k;
  }
  return cumulative.size() - 1;
}

namespace {

std::vector<double> cumulative(const std::vector<double>& w) {
  std::vector<double> c(w.size());
  double s = 0.0;
  for (size_t k = 0; k < w.size(); ++k) c[k] = s += w[k];
  return c;
}

}  // namespace

std::vector<ClassConditions> condition_tables(const ModeNormalizer& normalizer,
                                              const ConditionLayout& layout, const Matrix& train,
                                              const std::vector<size_t>& row_class,
                                              size_t n_classes) {
  const size_t nd = layout.discrete.size();
  std::vector<ClassConditions> conds(n_classes);
  for (size_t i = 0; i < train.rows; ++i) {
    conds[row_class[i]].rows.push_back(static_cast<int64_t>(i));
  }
  for (ClassConditions& cc : conds) {
    cc.by_cat.assign(nd, {});
    for (size_t j = 0; j < nd; ++j) {
      const ModeColumn& c = normalizer.columns()[layout.discrete[j]];
      cc.by_cat[j].assign(c.categories(), {});
      for (int64_t r : cc.rows) {
        cc.by_cat[j][category_of(c, train.row(static_cast<size_t>(r)))].push_back(r);
      }
      std::vector<double> logw, freq;
      for (const auto& rows : cc.by_cat[j]) {
        logw.push_back(std::log1p(static_cast<double>(rows.size())));
        freq.push_back(static_cast<double>(rows.size()));
      }
      cc.log_weight.push_back(cumulative(logw));
      cc.frequency.push_back(cumulative(freq));
    }
  }
  return conds;
}

ConditionSampler::ConditionSampler(const ConditionLayout& layout, size_t n_classes,
                                   std::vector<ClassConditions> conds, uint64_t seed)
    : layout_(layout), n_classes_(n_classes), conds_(std::move(conds)), rng_(mix_seed(seed, 1)) {
  for (size_t ci = 0; ci < n_classes; ++ci) {
    class_rows_.emplace_back(conds_[ci].rows.size(), mix_seed(seed, 200 + ci));
  }
}

ConditionBatch ConditionSampler::conditions(int64_t b) {
  const size_t nd = layout_.discrete.size();
  const size_t stride = std::max<size_t>(nd, 1);
  ConditionBatch cb;
  cb.cond = torch::zeros({b, width()});
  cb.mask = torch::zeros({b, static_cast<int64_t>(stride)});
  cb.target = torch::zeros({b, static_cast<int64_t>(stride)}, torch::kInt64);
  float* pc = cb.cond.data_ptr<float>();
  float* pm = cb.mask.data_ptr<float>();
  int64_t* pt = cb.target.data_ptr<int64_t>();
  const auto w = static_cast<size_t>(width());
  for (size_t i = 0; i < static_cast<size_t>(b); ++i) {
    const size_t ci = rng_.index(n_classes_);
    cb.cls.push_back(ci);
    pc[i * w + ci] = 1.0f;
    if (nd == 0) {
      cb.block.push_back(-1);
      cb.category.push_back(0);
      continue;
    }
    const size_t j = rng_.index(nd);
    const size_t cat = draw(conds_[ci].log_weight[j], rng_);
    cb.block.push_back(static_cast<int>(j));
    cb.category.push_back(cat);
    pc[i * w + n_classes_ + layout_.cond_start[j] + cat] = 1.0f;
    pm[i * stride + j] = 1.0f;
    pt[i * stride + j] = static_cast<int64_t>(cat);
  }
  return cb;
}

std::vector<int64_t> ConditionSampler::permutation(int64_t b) {
  std::vector<int64_t> perm(static_cast<size_t>(b));
  std::iota(perm.begin(), perm.end(), int64_t{0});
  rng_.shuffle(perm);
  return perm;
}

std::vector<int64_t> ConditionSampler::real_rows(const ConditionBatch& cb,
                                                 const std::vector<int64_t>& perm) {
  std::vector<int64_t> rows(perm.size());
  for (size_t i = 0; i < perm.size(); ++i) {
    const auto src = static_cast<size_t>(perm[i]);
    const ClassConditions& cc = conds_[cb.cls[src]];
    if (cb.block[src] < 0) {
      rows[i] = cc.rows[static_cast<size_t>(class_rows_[cb.cls[src]].next(1)[0])];
    } else {
      const auto& pool = cc.by_cat[static_cast<size_t>(cb.block[src])][cb.category[src]];
      rows[i] = pool[rng_.index(pool.size())];
    }
  }
  return rows;
}

// ---------------------------------------------------------------------------------------------
// The step by hand

namespace {

// The residual generator in training mode, by hand, for batches of `rows` rows. All layers'
// values live in one buffer x = [r_{L-1}, ..., r_1, r_0, input] ([rows, total]): layer i's input,
// cat(r_{i-1}, ..., r_0, input), is the suffix of x's columns from start[i], and its output
// r_i = ReLU(BN(Linear_i(that))) goes just before it, so the concatenations are never copied.
// The output layer reads all of x. BatchNorm is BatchNormTrain's.
class ManualResidual {
 public:
  ManualResidual(ResidualGenerator& net, const CtganConfig& c, int64_t rows)
      : rows_(rows), adam_(c.generator_lr, c.beta1, c.beta2, c.generator_decay) {
    auto params = net->named_parameters();
    auto buffers = net->named_buffers();
    const size_t hidden = net->hidden_layers();
    out_.w = params["out.weight"];
    out_.b = params["out.bias"];
    total_ = out_.w.size(1);
    int64_t start = total_;
    for (size_t i = 0; i < hidden; ++i) {
      Layer l;
      const std::string fc = "fc" + std::to_string(i) + ".";
      l.w = params[fc + "weight"];
      l.b = params[fc + "bias"];
      l.gw = adam_.add(l.w);
      l.gb = adam_.add(l.b);
      l.bn = BatchNormTrain::of(params, buffers, "bn" + std::to_string(i) + ".", adam_);
      if (i == 0) start = total_ - l.w.size(1);
      l.start = start;
      const int64_t h = l.w.size(0);
      start -= h;
      l.pre = torch::empty({rows, h});
      l.xhat = torch::empty({rows, h});
      l.d_pre = torch::empty({rows, h});
      l.inv_sd.resize(static_cast<size_t>(h));
      layers_.push_back(std::move(l));
    }
    check_internal(start == 0, "ManualResidual: the layer widths do not add up");
    out_.gw = adam_.add(out_.w);
    out_.gb = adam_.add(out_.b);
    x_ = torch::empty({rows, total_});
    d_x_ = torch::empty({rows, total_});
    raw_ = torch::empty({rows, out_.w.size(0)});
    d_raw_ = torch::empty({rows, out_.w.size(0)});
  }

  // The input columns of x: [rows, latent + condition], with a row stride of x's width.
  at::Tensor input() { return x_.narrow(1, first_start(), total_ - first_start()); }
  // forward's output, and where backward expects the gradient with respect to it.
  const at::Tensor& raw() const { return raw_; }
  at::Tensor& d_raw() { return d_raw_; }

  void forward() {
    for (Layer& l : layers_) {
      const int64_t h = l.w.size(0);
      biased_product_into(l.pre, l.b, x_.narrow(1, l.start, total_ - l.start), l.w.t());
      float* pre = l.pre.data_ptr<float>();
      l.bn.forward(rows_, h, pre, l.xhat.data_ptr<float>(), l.inv_sd.data());
      float* r = x_.data_ptr<float>() + (l.start - h);
      for (int64_t i = 0; i < rows_; ++i) {
        for (int64_t j = 0; j < h; ++j) r[i * total_ + j] = std::max(pre[i * h + j], 0.0f);
      }
    }
    biased_product_into(raw_, out_.b, x_, out_.w.t());
  }

  // From d_raw: every parameter's gradient, then one Adam step.
  void backward_and_step() {
    product_into(out_.gw, d_raw_.t(), x_);
    column_sums(d_raw_, out_.gb.data_ptr<float>());
    product_into(d_x_, d_raw_, out_.w);
    for (size_t i = layers_.size(); i-- > 0;) {
      Layer& l = layers_[i];
      const int64_t h = l.w.size(0);
      // Back through the ReLU: where its output (in x) is positive.
      const float* r = x_.data_ptr<float>() + (l.start - h);
      const float* d_r = d_x_.data_ptr<float>() + (l.start - h);
      float* d = l.d_pre.data_ptr<float>();
      for (int64_t k = 0; k < rows_; ++k) {
        for (int64_t j = 0; j < h; ++j) {
          const float v = d_r[k * total_ + j];
          d[k * h + j] = r[k * total_ + j] > 0.0f ? v : 0.0f;
        }
      }
      l.bn.backward(rows_, h, l.xhat.data_ptr<float>(), l.inv_sd.data(), d, /*params=*/true);
      const at::Tensor in = x_.narrow(1, l.start, total_ - l.start);
      product_into(l.gw, l.d_pre.t(), in);
      column_sums(l.d_pre, l.gb.data_ptr<float>());
      // The input's gradient gains what flows through this layer (none is needed for the
      // network's own input).
      if (i > 0) add_product(d_x_.narrow(1, l.start, total_ - l.start), l.d_pre, l.w);
    }
    adam_.step();
  }

 private:
  struct Layer {
    at::Tensor w, b, gw, gb;
    BatchNormTrain bn;
    int64_t start = 0;  // first column of the layer's input in x
    at::Tensor pre, xhat, d_pre;
    std::vector<float> inv_sd;
  };
  int64_t first_start() const { return layers_.empty() ? 0 : layers_.front().start; }

  int64_t rows_, total_ = 0;
  AdamState adam_;
  std::vector<Layer> layers_;
  struct {
    at::Tensor w, b, gw, gb;
  } out_;
  at::Tensor x_, d_x_, raw_, d_raw_;
};

}  // namespace

struct CtganTrainer::Impl {
  const CtganConfig& c;
  std::vector<OutSpan> spans;
  std::vector<size_t> discrete_span;  // [discrete block] -> its span
  int64_t batch, pac, groups, enc, cond_w, row_w;
  torch::Tensor data;  // [n, enc]
  at::Generator gen;
  ConditionSampler sampler;
  ResidualGenerator g;
  Mlp critic;
  ManualResidual g_train;
  ManualMlp critic_train;
  // Critic passes on groups of pac rows: real then generated rows, interpolated rows, and a
  // generated batch for the generator update.
  MlpPass real_fake, mixed, g_fake;
  PenaltyPass penalty;
  torch::Tensor noise;  // [batch, latent]
  torch::Tensor u;      // [batch, enc]: Gumbel noise; then exp of the shifted logits
  torch::Tensor out;    // [batch, enc]: the activated outputs
  torch::Tensor eps;    // [groups, 1]

  Impl(const CtganConfig& config, const ModeNormalizer& normalizer, const ConditionLayout& layout,
       size_t n_classes, torch::Tensor x, std::vector<ClassConditions> conds, int64_t b,
       uint64_t seed)
      : c(config),
        spans(out_spans(normalizer)),
        batch(b),
        pac(config.pac),
        groups(b / config.pac),
        enc(static_cast<int64_t>(normalizer.width())),
        cond_w(static_cast<int64_t>(n_classes + layout.category_width)),
        row_w(enc + cond_w),
        data(std::move(x)),
        gen(seeded_generator(seed)),
        sampler(layout, n_classes, std::move(conds), seed),
        g(build_generator_net(config, normalizer, layout, n_classes)),
        critic(row_w * config.pac, config.critic_hidden, 1,
               MlpOptions{Activation::kLeakyReLU, false, config.dropout}),
        g_train(g, config, b),
        critic_train(critic, config.critic_hidden.size(),
                     MlpOptions{Activation::kLeakyReLU, false, config.dropout}, config.critic_lr,
                     config.beta1, config.beta2, config.critic_decay),
        real_fake(critic_train.make_pass(2 * groups)),
        mixed(critic_train.make_pass(groups)),
        g_fake(critic_train.make_pass(groups)),
        penalty(critic_train.make_penalty_pass(groups)),
        noise(torch::empty({b, config.latent_dim})),
        u(torch::empty({b, enc})),
        out(torch::empty({b, enc})),
        eps(torch::empty({groups, 1})) {
    check_internal(b % config.pac == 0, "CtganTrainer: the batch is not a multiple of pac");
    size_t covered = 0;
    discrete_span.resize(layout.discrete.size());
    for (size_t k = 0; k < spans.size(); ++k) {
      covered += spans[k].width;
      if (spans[k].discrete >= 0) discrete_span[static_cast<size_t>(spans[k].discrete)] = k;
    }
    check_internal(covered == static_cast<size_t>(enc), "CtganTrainer: spans do not cover rows");
    // In place, into the tensors the training passes update: the generator's, then the critic's.
    init_linear_layers(*g, gen);
    init_linear_layers(*critic, gen);
    g->train();
    critic->train();
  }

  // A generated batch for the conditions cb: noise, the generator, Gumbel noise, then the
  // activations (tanh for alpha columns, Gumbel-softmax with temperature tau for the spans),
  // left in `out`.
  void generate(const ConditionBatch& cb) {
    noise.normal_(0.0, 1.0, gen);
    at::Tensor in = g_train.input();
    in.narrow(1, 0, c.latent_dim).copy_(noise);
    in.narrow(1, c.latent_dim, cond_w).copy_(cb.cond);
    g_train.forward();
    // -log(max(u, 1e-20)) with u ~ Exp(1): LibTorch's kernels, as the autograd path drew them.
    u.exponential_(1.0, gen).clamp_min_(1e-20).log_().neg_();
    const float* raw = g_train.raw().data_ptr<float>();
    float* ex = u.data_ptr<float>();
    float* y = out.data_ptr<float>();
    const auto tau = static_cast<float>(c.gumbel_tau);
    // v = (raw + gumbel) / tau, shifted by its span's maximum (which softmax does not depend on).
    for (int64_t i = 0; i < batch; ++i) {
      for (const OutSpan& sp : spans) {
        if (!sp.softmax) continue;
        float* v = ex + i * enc + static_cast<int64_t>(sp.start);
        const float* r = raw + i * enc + static_cast<int64_t>(sp.start);
        float top = -std::numeric_limits<float>::infinity();
        for (size_t j = 0; j < sp.width; ++j) {
          v[j] = (r[j] + v[j]) / tau;
          top = std::max(top, v[j]);
        }
        for (size_t j = 0; j < sp.width; ++j) v[j] -= top;
      }
    }
    u.exp_();
    for (int64_t i = 0; i < batch; ++i) {
      for (const OutSpan& sp : spans) {
        const int64_t at = i * enc + static_cast<int64_t>(sp.start);
        if (!sp.softmax) {
          y[at] = std::tanh(raw[at]);
          continue;
        }
        float sum = 0.0f;
        for (size_t j = 0; j < sp.width; ++j) sum += ex[at + static_cast<int64_t>(j)];
        for (size_t j = 0; j < sp.width; ++j) {
          y[at + static_cast<int64_t>(j)] = ex[at + static_cast<int64_t>(j)] / sum;
        }
      }
    }
  }

  // Rows [activated outputs, condition] of `cond_rows` into dst ([batch, row_w] contiguous).
  void fake_rows(float* dst, const float* cond) const {
    const float* y = out.data_ptr<float>();
    for (int64_t i = 0; i < batch; ++i) {
      std::copy(y + i * enc, y + (i + 1) * enc, dst + i * row_w);
      std::copy(cond + i * cond_w, cond + (i + 1) * cond_w, dst + i * row_w + enc);
    }
  }

  // One critic update: L = mean critic(fake) - mean critic(real) + lambda * penalty, critic
  // scores taken per group of pac rows. Returns {L, mean critic(real) - mean critic(fake), gp}.
  std::array<double, 3> critic_update() {
    const ConditionBatch cb = sampler.conditions(batch);
    generate(cb);
    float* real = real_fake.in[0].data_ptr<float>();  // [batch, row_w] real, then generated
    float* fake = real + batch * row_w;
    const float* cond = cb.cond.data_ptr<float>();
    fake_rows(fake, cond);
    const std::vector<int64_t> perm = sampler.permutation(batch);
    const std::vector<int64_t> rows = sampler.real_rows(cb, perm);
    const float* x = data.data_ptr<float>();
    for (int64_t i = 0; i < batch; ++i) {
      const float* src = x + rows[static_cast<size_t>(i)] * enc;
      std::copy(src, src + enc, real + i * row_w);
      const float* cp = cond + perm[static_cast<size_t>(i)] * cond_w;
      std::copy(cp, cp + cond_w, real + i * row_w + enc);
    }
    critic_train.draw_dropout(real_fake, gen, 0, groups);
    critic_train.draw_dropout(real_fake, gen, groups, groups);
    eps.uniform_(0.0, 1.0, gen);
    critic_train.draw_dropout(mixed, gen, 0, groups);
    // One interpolation weight per group of pac rows, which the critic sees as one row.
    return critic_train.critic_update(real_fake, mixed, penalty, eps, c.gp_lambda);
  }

  // CTGAN's conditional loss, the cross-entropy of each row's conditioned block's logits against
  // its category, summed and divided by the batch; its gradient is written into d_raw. Returns
  // the loss.
  double cond_loss(const ConditionBatch& cb, float* d_raw) const {
    const float* raw = g_train.raw().data_ptr<float>();
    double loss = 0.0;
    const float share = 1.0f / static_cast<float>(batch);
    for (int64_t i = 0; i < batch; ++i) {
      const int block = cb.block[static_cast<size_t>(i)];
      if (block < 0) continue;
      const OutSpan& sp = spans[discrete_span[static_cast<size_t>(block)]];
      const float* l = raw + i * enc + static_cast<int64_t>(sp.start);
      float* d = d_raw + i * enc + static_cast<int64_t>(sp.start);
      float top = -std::numeric_limits<float>::infinity();
      for (size_t j = 0; j < sp.width; ++j) top = std::max(top, l[j]);
      float sum = 0.0f;
      for (size_t j = 0; j < sp.width; ++j) sum += std::exp(l[j] - top);
      const float log_sum = std::log(sum);
      const size_t target = cb.category[static_cast<size_t>(i)];
      loss += static_cast<double>(log_sum - (l[target] - top));
      // d/dl (logsumexp(l) - l_target) / batch = (softmax(l) - onehot(target)) / batch.
      for (size_t j = 0; j < sp.width; ++j) {
        const float p = std::exp(l[j] - top - log_sum);
        d[j] = (p - (j == target ? 1.0f : 0.0f)) * share;
      }
    }
    return loss / static_cast<double>(batch);
  }

  // One generator update against the critic as it is: L = -mean critic([G(z, c), c]) +
  // cond_loss. Returns {L, cond_loss}.
  std::array<double, 2> generator_update() {
    const ConditionBatch cb = sampler.conditions(batch);
    generate(cb);
    fake_rows(g_fake.in[0].data_ptr<float>(), cb.cond.data_ptr<float>());
    critic_train.draw_dropout(g_fake, gen, 0, groups);
    critic_train.forward(g_fake);
    const float* o = g_fake.out.data_ptr<float>();
    double mean = 0.0;
    for (int64_t k = 0; k < groups; ++k) mean += o[k];
    mean /= static_cast<double>(groups);
    g_fake.d_pre.back().fill_(-1.0 / static_cast<double>(groups));
    critic_train.backward(g_fake, /*params=*/false, /*input=*/true);

    // Back through the activations into the raw outputs, plus the conditional loss's gradient.
    float* d_raw = g_train.d_raw().data_ptr<float>();
    std::fill(d_raw, d_raw + batch * enc, 0.0f);
    const double ce = cond_loss(cb, d_raw);
    const float* d_in = g_fake.d_in[0].data_ptr<float>();  // [batch, row_w] as rows
    const float* y = out.data_ptr<float>();
    const auto tau = static_cast<float>(c.gumbel_tau);
    for (int64_t i = 0; i < batch; ++i) {
      const float* dy = d_in + i * row_w;
      for (const OutSpan& sp : spans) {
        const float* dys = dy + sp.start;  // the span's gradient, its values and raw gradient
        const float* ys = y + i * enc + static_cast<int64_t>(sp.start);
        float* ds = d_raw + i * enc + static_cast<int64_t>(sp.start);
        if (!sp.softmax) {  // tanh
          ds[0] += dys[0] * (1.0f - ys[0] * ys[0]);
          continue;
        }
        // softmax(v), v = (raw + gumbel) / tau: dv_j = y_j (dy_j - sum_k dy_k y_k).
        float dot = 0.0f;
        for (size_t j = 0; j < sp.width; ++j) dot += dys[j] * ys[j];
        for (size_t j = 0; j < sp.width; ++j) ds[j] += ys[j] * (dys[j] - dot) / tau;
      }
    }
    g_train.backward_and_step();
    return {-mean + ce, ce};
  }
};

CtganTrainer::CtganTrainer(const CtganConfig& c, const ModeNormalizer& normalizer,
                           const ConditionLayout& layout, size_t n_classes, torch::Tensor data,
                           std::vector<ClassConditions> conds, int64_t batch, uint64_t seed)
    : impl_(std::make_unique<Impl>(c, normalizer, layout, n_classes, std::move(data),
                                   std::move(conds), batch, seed)) {}

CtganTrainer::~CtganTrainer() = default;

std::vector<double> CtganTrainer::step() {
  torch::NoGradGuard no_grad;  // the passes are written out, not recorded
  double loss = 0.0, wasserstein = 0.0, gp = 0.0;
  for (int k = 0; k < impl_->c.critic_steps; ++k) {
    const std::array<double, 3> s = impl_->critic_update();
    loss += s[0];
    wasserstein += s[1];
    gp += s[2];
  }
  const double n = impl_->c.critic_steps;
  const std::array<double, 2> g = impl_->generator_update();
  return {loss / n, g[0], wasserstein / n, gp / n, g[1]};
}

ResidualGenerator& CtganTrainer::generator() { return impl_->g; }

}  // namespace imbgen
