// CTGAN (Xu et al. 2019, "Modeling Tabular Data using Conditional GAN"): mode-specific
// normalisation (Section 4.2, mode_normalizer.h), conditional generator with
// training-by-sampling (4.3), residual generator and PacGAN critic with the WGAN-GP loss (4.4);
// the class is part of the condition.
#include "imbgen/generators/ctgan.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <sstream>
#include <utility>

#include "common.h"
#include "imbgen/core/rng.h"
#include "mode_normalizer.h"
#include "registry.h"
#include "torch_blocks.h"
#include "training_loop.h"

namespace imbgen {
namespace {

constexpr size_t kMinRows = 2;
constexpr int kAutoBatch = 100;
constexpr double kAutoEpochs = 1500.0;  // generator steps = this * rows / batch, clamped
// State version 2: the columns as mode_normalizer.h saves them, after the spans; version 1 (no
// spans, every column with a constant and three mode lists) still loads.
constexpr uint32_t kStateVersion = 2;

// ---------------------------------------------------------------------------------------------
// The condition vector: the one-hot of the class, then the categories of the discrete columns
// (one-hot blocks and indicators), one of which is set.

struct ConditionLayout {
  std::vector<size_t> discrete;    // indices of the one-hot and indicator columns
  std::vector<size_t> cond_start;  // per discrete column: its first category column
  size_t category_width = 0;       // categories of all discrete columns
};

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

// An output span with its activation: tanh (alpha) or softmax (mode, one-hot block).
struct OutSpan {
  size_t start, width;
  bool softmax;
  int discrete = -1;  // index into ConditionLayout::discrete for discrete blocks, else -1
};

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

[[noreturn]] void fail(const std::string& msg) {
  throw Error(ErrorKind::kInvalidArgument, std::string(CtganConfig::kName) + ": fit: " + msg);
}

// Every one-hot block of the used rows holds exactly one 1 and zeros, every indicator 0 or 1
// (training-by-sampling conditions on exact categories).
void check_categories(const Matrix& x, const std::vector<EncodedSpan>& spans,
                      const std::vector<size_t>& rows) {
  for (size_t r : rows) {
    for (const EncodedSpan& s : spans) {
      if (s.kind == SpanKind::kNumeric) continue;
      size_t ones = 0;
      for (size_t j = s.start; j < s.start + s.width; ++j) {
        const double v = x(r, j);
        if (v != 0.0 && v != 1.0) {
          std::ostringstream msg;
          msg << "row " << r << ", column " << j << ": expected 0 or 1 in "
              << (s.kind == SpanKind::kOneHot ? "a one-hot block" : "a missing indicator")
              << ", got " << v;
          fail(msg.str());
        }
        ones += v == 1.0 ? 1 : 0;
      }
      if (s.kind == SpanKind::kOneHot && ones != 1) {
        fail("row " + std::to_string(r) + ": the one-hot block in columns " +
             std::to_string(s.start) + ".." + std::to_string(s.start + s.width - 1) + " holds " +
             std::to_string(ones) + " ones; expected exactly 1");
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Networks

// CTGAN's residual generator: each layer appends ReLU(BN(Linear(h))) to its input.
class ResidualGeneratorImpl : public torch::nn::Module {
 public:
  ResidualGeneratorImpl(int64_t in, const std::vector<int>& hidden, int64_t out) {
    int64_t width = in;
    for (size_t i = 0; i < hidden.size(); ++i) {
      fc_.push_back(register_module("fc" + std::to_string(i), torch::nn::Linear(width, hidden[i])));
      bn_.push_back(register_module("bn" + std::to_string(i), torch::nn::BatchNorm1d(hidden[i])));
      width += hidden[i];
    }
    out_ = register_module("out", torch::nn::Linear(width, out));
  }

  // x: [batch, latent + condition] -> raw outputs [batch, encoded] (before activations).
  torch::Tensor forward(torch::Tensor x) {
    for (size_t i = 0; i < fc_.size(); ++i) {
      x = torch::cat({torch::relu(bn_[i]->forward(fc_[i]->forward(x))), x}, 1);
    }
    return out_->forward(x);
  }

 private:
  std::vector<torch::nn::Linear> fc_;
  std::vector<torch::nn::BatchNorm1d> bn_;
  torch::nn::Linear out_{nullptr};
};
TORCH_MODULE(ResidualGenerator);

ResidualGenerator build_generator_net(const CtganConfig& c, const ModeNormalizer& normalizer,
                                      const ConditionLayout& conditions, size_t n_classes) {
  return ResidualGenerator(
      c.latent_dim + static_cast<int64_t>(n_classes + conditions.category_width),
      c.generator_hidden, static_cast<int64_t>(normalizer.width()));
}

// ---------------------------------------------------------------------------------------------
// Training-by-sampling

// The per-class statistics of the discrete columns: rows by category (training-by-sampling) and
// the log-count and count weights of the categories.
struct ClassConditions {
  std::vector<int64_t> rows;                              // encoded rows of the class
  std::vector<std::vector<std::vector<int64_t>>> by_cat;  // [discrete][category] -> rows
  std::vector<std::vector<double>> log_weight;            // [discrete][category] cumulative
  std::vector<std::vector<double>> frequency;             // [discrete][category] cumulative
};

// Index drawn from a cumulative weight vector (last entry = total > 0).
size_t draw(const std::vector<double>& cumulative, Rng& rng) {
  const double u = rng.uniform() * cumulative.back();
  for (size_t k = 0; k < cumulative.size(); ++k) {
    if (u < cumulative[k]) return k;
  }
  return cumulative.size() - 1;
}

std::vector<double> cumulative(const std::vector<double>& w) {
  std::vector<double> c(w.size());
  double s = 0.0;
  for (size_t k = 0; k < w.size(); ++k) c[k] = s += w[k];
  return c;
}

// Training-by-sampling tables of each class: its rows, its rows by category of every discrete
// column, and the cumulative log(1 + count) and count weights of the categories.
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

struct ConditionBatch {
  torch::Tensor cond;    // [batch, classes + categories]
  torch::Tensor mask;    // [batch, discrete] 1 at the conditioned block
  torch::Tensor target;  // [batch, discrete] int64, the conditioned category
  std::vector<size_t> cls;
  std::vector<int> block;  // conditioned discrete block or -1
  std::vector<size_t> category;
};

// ---------------------------------------------------------------------------------------------
// Training

// One training run: both networks, their optimisers, the encoded rows and the condition tables.
// step() = critic_steps critic updates, then one generator update (CTGAN's loop body).
class Trainer {
 public:
  Trainer(const CtganConfig& c, const ModeNormalizer& normalizer, const ConditionLayout& layout,
          size_t n_classes, torch::Tensor data, std::vector<ClassConditions> conds, int64_t batch,
          uint64_t seed)
      : c_(c),
        layout_(layout),
        n_classes_(n_classes),
        nd_(layout.discrete.size()),
        cond_width_(static_cast<int64_t>(n_classes + layout.category_width)),
        in_width_(static_cast<int64_t>(normalizer.width()) + cond_width_),
        batch_(batch),
        data_(std::move(data)),
        conds_(std::move(conds)),
        spans_(out_spans(normalizer)),
        gen_(seeded_generator(seed)),
        rng_(mix_seed(seed, 1)),
        g_(build_generator_net(c, normalizer, layout, n_classes)),
        critic_(in_width_ * c.pac, c.critic_hidden, 1,
                MlpOptions{Activation::kLeakyReLU, false, c.dropout}) {
    init_linear_layers(*g_, gen_);
    init_linear_layers(*critic_, gen_);
    g_opt_ = make_adam(g_->parameters(), c.generator_lr, c.beta1, c.beta2, c.generator_decay);
    c_opt_ = make_adam(critic_->parameters(), c.critic_lr, c.beta1, c.beta2, c.critic_decay);
    critic_params_ = critic_->parameters();
    for (size_t ci = 0; ci < n_classes; ++ci) {
      class_rows_.emplace_back(conds_[ci].rows.size(), mix_seed(seed, 200 + ci));
    }
    index_spans(normalizer.width());
    g_->train();
    critic_->train();
  }

  // {critic_loss, g_loss (with cond_loss), wasserstein, gp, cond_loss}
  std::vector<double> step() {
    const CriticStats s = critic_updates(
        c_.critic_steps, c_.gp_lambda, c_.pac, [this] { return critic_batch(); },
        [this](const torch::Tensor& v) { return critic(v); }, gen_, *c_opt_);
    double cond = 0.0;
    const double g_loss = generator_update(critic_params_, *g_opt_, [&] {
      const ConditionBatch cb = draw_conditions(batch_);
      const torch::Tensor noise = torch::randn({batch_, c_.latent_dim}, gen_);
      const torch::Tensor raw = g_->forward(torch::cat({noise, cb.cond}, 1));  // [batch, encoded]
      const torch::Tensor y_fake = critic(torch::cat({activate(raw), cb.cond}, 1)).mean();
      const torch::Tensor ce = cond_loss(raw, cb);
      cond = ce.item<double>();
      return -y_fake + ce;
    });
    return {s.loss, g_loss, s.wasserstein, s.gp, cond};
  }

  ResidualGenerator& generator() { return g_; }

 private:
  // Generated rows and real rows for the same conditions in a shuffled order (CTGAN's perm), each
  // with its condition: [batch, encoded + cond] each.
  CriticBatch critic_batch() {
    const ConditionBatch cb = draw_conditions(batch_);
    CriticBatch b;
    {
      torch::NoGradGuard no_grad;
      const torch::Tensor noise = torch::randn({batch_, c_.latent_dim}, gen_);
      b.fake = torch::cat({activate(g_->forward(torch::cat({noise, cb.cond}, 1))), cb.cond}, 1);
    }
    std::vector<int64_t> perm(static_cast<size_t>(batch_));
    std::iota(perm.begin(), perm.end(), int64_t{0});
    rng_.shuffle(perm);
    b.real = torch::cat({data_.index_select(0, torch::tensor(real_rows(cb, perm))),
                         cb.cond.index_select(0, torch::tensor(perm))},
                        1);
    return b;
  }

  // Training-by-sampling: for each row a class (uniform), then a discrete block (uniform) and a
  // category with probability proportional to log(1 + count) in that class.
  ConditionBatch draw_conditions(int64_t b) {
    const size_t stride = std::max<size_t>(nd_, 1);
    ConditionBatch cb;
    cb.cond = torch::zeros({b, cond_width_});
    cb.mask = torch::zeros({b, static_cast<int64_t>(stride)});
    cb.target = torch::zeros({b, static_cast<int64_t>(stride)}, torch::kInt64);
    float* pc = cb.cond.data_ptr<float>();
    float* pm = cb.mask.data_ptr<float>();
    int64_t* pt = cb.target.data_ptr<int64_t>();
    const auto w = static_cast<size_t>(cond_width_);
    for (size_t i = 0; i < static_cast<size_t>(b); ++i) {
      const size_t ci = rng_.index(n_classes_);
      cb.cls.push_back(ci);
      pc[i * w + ci] = 1.0f;
      if (nd_ == 0) {
        cb.block.push_back(-1);
        cb.category.push_back(0);
        continue;
      }
      const size_t j = rng_.index(nd_);
      const size_t cat = draw(conds_[ci].log_weight[j], rng_);
      cb.block.push_back(static_cast<int>(j));
      cb.category.push_back(cat);
      pc[i * w + n_classes_ + layout_.cond_start[j] + cat] = 1.0f;
      pm[i * stride + j] = 1.0f;
      pt[i * stride + j] = static_cast<int64_t>(cat);
    }
    return cb;
  }

  // A real row for each condition cb[perm[i]]: without discrete blocks the class's next row (a
  // pass over its rows that drops none), else a uniform draw among the class's rows with the
  // conditioned category.
  std::vector<int64_t> real_rows(const ConditionBatch& cb, const std::vector<int64_t>& perm) {
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

  // The critic on groups of pac rows: [b, encoded + cond] -> [b / pac, 1].
  torch::Tensor critic(const torch::Tensor& v) {
    return critic_->forward(v.reshape({-1, in_width_ * c_.pac}), &gen_);
  }

  // Index tensors for activate(): every span at once (a loop over spans costs a few LibTorch
  // calls per span), through a padded [b, spans, widest span] view of the columns in which each
  // span's maximum and sum are taken; alpha columns are spans of their own.
  void index_spans(size_t encoded) {
    const auto e = static_cast<int64_t>(encoded);
    widest_ = 1;
    for (const OutSpan& sp : spans_) widest_ = std::max<int64_t>(widest_, sp.width);
    std::vector<int64_t> span_id(encoded);
    std::vector<uint8_t> is_alpha(encoded, 0);
    std::vector<int64_t> padded(spans_.size() * static_cast<size_t>(widest_), e);  // e: padding
    for (size_t k = 0; k < spans_.size(); ++k) {
      for (size_t j = 0; j < spans_[k].width; ++j) {
        span_id[spans_[k].start + j] = static_cast<int64_t>(k);
        is_alpha[spans_[k].start + j] = spans_[k].softmax ? 0 : 1;
        padded[k * static_cast<size_t>(widest_) + j] = static_cast<int64_t>(spans_[k].start + j);
      }
    }
    span_index_ = torch::tensor(span_id).unsqueeze(0);       // [1, E]
    padded_index_ = torch::tensor(padded);                   // [S * W]
    alpha_mask_ = torch::tensor(is_alpha).to(torch::kBool);  // [E]
  }

  // [b, E] -> [b, S, W], padding set to `pad`.
  torch::Tensor by_span(const torch::Tensor& t, double pad) const {
    const int64_t b = t.size(0);
    return torch::cat({t, torch::full({b, 1}, pad)}, 1)
        .index_select(1, padded_index_)
        .reshape({b, static_cast<int64_t>(spans_.size()), widest_});
  }

  // tanh for alpha columns, Gumbel-softmax (tau) for mode and one-hot spans: raw [b, E].
  torch::Tensor activate(const torch::Tensor& raw) {
    const int64_t b = raw.size(0);
    const torch::Tensor idx = span_index_.expand({b, raw.size(1)});
    const torch::Tensor gumbel =
        -torch::empty_like(raw).exponential_(1.0, gen_).clamp_min(1e-20).log();
    const torch::Tensor v = (raw + gumbel) / c_.gumbel_tau;  // [b, E]
    torch::Tensor top;  // per-span maximum, for a stable exp (the softmax does not depend on it)
    {
      torch::NoGradGuard no_grad;
      top = std::get<0>(by_span(v, -std::numeric_limits<double>::infinity()).max(2)).gather(1, idx);
    }
    const torch::Tensor ex = torch::exp(v - top);
    const torch::Tensor sums = by_span(ex, 0.0).sum(2).gather(1, idx);
    return torch::where(alpha_mask_, torch::tanh(raw), ex / sums);
  }

  // Cross-entropy of the conditioned block's logits against the condition, summed over the
  // conditioned blocks and divided by the batch (CTGAN's conditional loss).
  torch::Tensor cond_loss(const torch::Tensor& raw, const ConditionBatch& cb) const {
    if (nd_ == 0) return torch::zeros({});
    std::vector<torch::Tensor> losses;
    for (const OutSpan& sp : spans_) {
      if (sp.discrete < 0) continue;
      const torch::Tensor logits =
          raw.narrow(1, static_cast<int64_t>(sp.start), static_cast<int64_t>(sp.width));
      losses.push_back(torch::nn::functional::cross_entropy(
          logits, cb.target.select(1, sp.discrete),
          torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kNone)));
    }
    return (torch::stack(losses, 1) * cb.mask).sum() / static_cast<double>(raw.size(0));
  }

  const CtganConfig& c_;
  const ConditionLayout& layout_;
  size_t n_classes_;
  size_t nd_;
  int64_t cond_width_;
  int64_t in_width_;  // encoded + condition
  int64_t batch_;
  torch::Tensor data_;  // [n, encoded] float32
  std::vector<ClassConditions> conds_;
  std::vector<OutSpan> spans_;
  at::Generator gen_;  // weights, noise, Gumbel noise, dropout, interpolation
  Rng rng_;            // conditions and rows
  ResidualGenerator g_;
  Mlp critic_;
  std::vector<torch::Tensor> critic_params_;
  std::unique_ptr<torch::optim::Adam> g_opt_;
  std::unique_ptr<torch::optim::Adam> c_opt_;
  std::vector<RowSampler> class_rows_;
  int64_t widest_ = 1;
  torch::Tensor span_index_, padded_index_, alpha_mask_;
};

// Column means and population standard deviations (1 where a column is constant).
void column_moments(const Matrix& m, std::vector<double>& mean, std::vector<double>& sd) {
  mean.assign(m.cols, 0.0);
  sd.assign(m.cols, 0.0);
  for (size_t i = 0; i < m.rows; ++i) {
    for (size_t j = 0; j < m.cols; ++j) mean[j] += m(i, j);
  }
  for (double& v : mean) v /= static_cast<double>(m.rows);
  for (size_t i = 0; i < m.rows; ++i) {
    for (size_t j = 0; j < m.cols; ++j) sd[j] += (m(i, j) - mean[j]) * (m(i, j) - mean[j]);
  }
  for (double& v : sd) {
    v = std::sqrt(v / static_cast<double>(m.rows));
    if (!(v > 1e-12)) v = 1.0;
  }
}

// (m - mean) / sd per column, as a tensor.
torch::Tensor standardised(Matrix m, const std::vector<double>& mean,
                           const std::vector<double>& sd) {
  for (size_t i = 0; i < m.rows; ++i) {
    for (size_t j = 0; j < m.cols; ++j) m(i, j) = (m(i, j) - mean[j]) / sd[j];
  }
  return to_tensor(m);
}

// Version 1 of the state stored the given column count, then per column its kind, place,
// constant and three mode lists, with no spans; the spans are read back from the kinds.
ModeNormalizer read_v1_columns(BinaryReader& r, std::vector<EncodedSpan>& spans) {
  const uint64_t cols = read_column_count(r);
  std::vector<ModeColumn> columns(r.length("the column plan count", 17));
  for (ModeColumn& c : columns) {
    const uint8_t kind = r.u8("a column kind");
    if (kind > static_cast<uint8_t>(ModeKind::kIndicator)) {
      throw Error(ErrorKind::kInvalidArgument, "corrupt: column kind " + std::to_string(kind));
    }
    c.kind = static_cast<ModeKind>(kind);
    c.start = r.u64("a column start");
    c.width = r.u64("a column width");
    c.constant = r.f64("a constant");
    c.vgm.weights = r.f64_vector("mode weights");
    c.vgm.means = r.f64_vector("mode means");
    c.vgm.stds = r.f64_vector("mode deviations");
    const SpanKind span = c.kind == ModeKind::kOneHot      ? SpanKind::kOneHot
                          : c.kind == ModeKind::kIndicator ? SpanKind::kMissingIndicator
                                                           : SpanKind::kNumeric;
    spans.push_back({span, spans.size(), c.start, c.width});
  }
  ModeNormalizer normalizer = ModeNormalizer::from_columns(std::move(columns), cols);
  if (normalizer.width() == 0) {
    throw Error(ErrorKind::kInvalidArgument, "corrupt: no modelled column");
  }
  return normalizer;
}

// ---------------------------------------------------------------------------------------------

class Ctgan : public GeneratorBase<CtganConfig> {
 public:
  using GeneratorBase::GeneratorBase;

  size_t min_class_rows() const override { return kMinRows; }
  bool conditional() const override { return true; }

  // A failed fit leaves the model unfit.
  void fit(const Matrix& x, const std::vector<int>& y, const FitOptions& options) override {
    generator_ = nullptr;
    try {
      begin_fit(name(), x, y, options, min_class_rows(), "", /*check_spans=*/true);
      const TorchThreadScope threads(options.threads);
      train(x, y, options);
    } catch (...) {
      generator_ = nullptr;
      classes_.clear();
      throw;
    }
  }

  Matrix sample(int cls, size_t n, uint64_t seed) const override {
    const size_t ci = class_position(fitted(), name(), cls);
    ResidualGenerator g = generator_;
    return generate(g, ci, n, mix_seed(seed, static_cast<uint64_t>(cls)));
  }

  // Version, classes, then (when fit) the spans, the normalisation, the per-class category
  // frequencies and the generator's weights; the history last.
  void save_state(std::ostream& out) const override {
    BinaryWriter w(out);
    w.u32(kStateVersion);
    const std::vector<int> classes = fitted();
    write_class_list(w, classes);
    if (!classes.empty()) {
      w.u64(normalizer_.cols());
      write_spans(w, spans_);
      normalizer_.save(w);
      for (const auto& per_class : frequency_) {
        for (const auto& f : per_class) w.f64_vector(f);
      }
      save_tensors(w, *generator_);
    }
    write_json(w, history_);
  }

  void load_state(std::istream& in) override {
    BinaryReader r(in);
    const uint32_t version = r.u32("the ctgan state version");
    if (version == 0 || version > kStateVersion) {
      throw Error(ErrorKind::kUnsupported, "ctgan state version " + std::to_string(version) +
                                               " is not supported (this build reads versions 1 "
                                               "to " +
                                               std::to_string(kStateVersion) + ")");
    }
    std::vector<int> classes = read_class_list(r);
    if (classes.empty()) {  // an unfit model
      nlohmann::json history = read_json(r, "the training history");
      r.expect_end("the ctgan state");
      classes_.clear();
      generator_ = nullptr;
      history_ = std::move(history);
      return;
    }
    std::vector<EncodedSpan> spans;
    ModeNormalizer normalizer;
    if (version == 1) {
      normalizer = read_v1_columns(r, spans);
    } else {
      const size_t cols = read_column_count(r);
      spans = read_spans(r, cols);
      normalizer = ModeNormalizer::load(r, spans, cols);
    }
    const ConditionLayout layout = condition_layout(normalizer);
    std::vector<std::vector<std::vector<double>>> frequency(classes.size());
    for (auto& per_class : frequency) {
      for (size_t j : layout.discrete) {
        std::vector<double> f = r.f64_vector("category frequencies");
        if (f.size() != normalizer.columns()[j].categories() || !(f.back() > 0.0)) {
          throw Error(ErrorKind::kInvalidArgument,
                      "corrupt: the category frequencies do not fit the layout");
        }
        per_class.push_back(std::move(f));
      }
    }
    ResidualGenerator g = build_generator_net(config_, normalizer, layout, classes.size());
    try {
      load_tensors(r, *g);
    } catch (const Error& e) {
      throw Error(e.kind(), std::string("generator: ") + e.what());
    }
    g->eval();
    nlohmann::json history = read_json(r, "the training history");
    r.expect_end("the ctgan state");
    // Only a state read in full replaces the current one.
    classes_ = std::move(classes);
    spans_ = std::move(spans);
    normalizer_ = std::move(normalizer);
    layout_ = layout;
    frequency_ = std::move(frequency);
    generator_ = g;
    history_ = std::move(history);
  }

  nlohmann::json history() const override { return history_; }

 private:
  void train(const Matrix& x, const std::vector<int>& y, const FitOptions& options);
  // The training rows of every class (class by class), split from the held-back ones.
  struct Rows {
    std::vector<std::vector<size_t>> train, validation;  // [class] -> rows of x
    std::vector<size_t> all_train;                       // class by class
    std::vector<size_t> row_class;                       // class index of each of all_train
  };
  Rows split_rows(const std::vector<int>& y, const std::vector<int>& classes, uint64_t seed) const;
  // The held-back rows of each class, standardised with the training rows' moments, and the
  // mean MMD^2 of rows generated by g against them.
  std::function<double()> validation_score(const Matrix& x, const Rows& rows, const Matrix& train,
                                           ResidualGenerator& g, uint64_t seed,
                                           std::vector<MmdTarget>& targets,
                                           std::vector<double>& mean,
                                           std::vector<double>& sd) const;
  // Raw generator outputs [n, encoded] -> rows of the given space; categorical spans take the
  // argmax of their Gumbel-perturbed logits (noise from gen).
  Matrix decode(const torch::Tensor& raw, at::Generator& gen) const;
  // n rows of class index ci from generator g (in its current mode).
  Matrix generate(ResidualGenerator& g, size_t ci, size_t n, uint64_t seed) const;
  // Conditions for sampling class ci: categories drawn with their frequency in the class.
  torch::Tensor sample_conditions(size_t ci, size_t n, Rng& rng) const;
  std::vector<int> fitted() const { return generator_ ? classes_ : std::vector<int>{}; }

  std::vector<int> classes_;
  std::vector<EncodedSpan> spans_;
  ModeNormalizer normalizer_;
  ConditionLayout layout_;
  // Per class, per discrete column: cumulative category frequencies (sampling conditions).
  std::vector<std::vector<std::vector<double>>> frequency_;
  ResidualGenerator generator_{nullptr};
  nlohmann::json history_ = nlohmann::json::object();
};

Matrix Ctgan::decode(const torch::Tensor& raw, at::Generator& gen) const {
  torch::NoGradGuard no_grad;
  // Gumbel-perturbed logits: argmax over a span = a draw from softmax(logits) of that span.
  const torch::Tensor noise = -torch::empty_like(raw).exponential_(1.0, gen).clamp_min(1e-20).log();
  Matrix e = to_matrix(raw + noise);
  const Matrix alpha = to_matrix(torch::tanh(raw));
  for (const ModeColumn& c : normalizer_.columns()) {
    if (c.kind != ModeKind::kNumeric) continue;
    for (size_t i = 0; i < e.rows; ++i) e(i, c.out_start) = alpha(i, c.out_start);
  }
  return normalizer_.decode(e);
}

torch::Tensor Ctgan::sample_conditions(size_t ci, size_t n, Rng& rng) const {
  const int64_t width = static_cast<int64_t>(classes_.size() + layout_.category_width);
  torch::Tensor cond = torch::zeros({static_cast<int64_t>(n), width});
  float* p = cond.data_ptr<float>();
  const auto w = static_cast<size_t>(width);
  const size_t k = classes_.size();
  for (size_t i = 0; i < n; ++i) {
    p[i * w + ci] = 1.0f;
    if (layout_.discrete.empty()) continue;
    const size_t j = rng.index(layout_.discrete.size());
    const size_t cat = draw(frequency_[ci][j], rng);
    p[i * w + k + layout_.cond_start[j] + cat] = 1.0f;
  }
  return cond;
}

Matrix Ctgan::generate(ResidualGenerator& g, size_t ci, size_t n, uint64_t seed) const {
  at::Generator gen = seeded_generator(seed);
  Rng rng(mix_seed(seed, 1));
  return generate_rows(n, normalizer_.cols(), kSampleChunk, [&](size_t m) {
    const torch::Tensor noise = torch::randn({static_cast<int64_t>(m), config_.latent_dim}, gen);
    const torch::Tensor cond = sample_conditions(ci, m, rng);
    return decode(forward_in_blocks(torch::cat({noise, cond}, 1),
                                    [&](const torch::Tensor& rows) { return g->forward(rows); }),
                  gen);
  });
}

Ctgan::Rows Ctgan::split_rows(const std::vector<int>& y, const std::vector<int>& classes,
                              uint64_t seed) const {
  const ClassPositions fit_rows = rows_of_classes(y, classes);
  const ConditionSplit split =
      split_by_condition(fit_rows.position, classes.size(), config_.validation_fraction,
                         kAdversarialMinValidationRows, kMinRows, seed);
  Rows out;
  out.train.resize(classes.size());
  out.validation.resize(classes.size());
  for (size_t ci = 0; ci < classes.size(); ++ci) {
    for (size_t i : split.train_of[ci]) out.train[ci].push_back(fit_rows.rows[i]);
    for (size_t i : split.validation[ci]) out.validation[ci].push_back(fit_rows.rows[i]);
    out.all_train.insert(out.all_train.end(), out.train[ci].begin(), out.train[ci].end());
    out.row_class.insert(out.row_class.end(), out.train[ci].size(), ci);
  }
  return out;
}

std::function<double()> Ctgan::validation_score(const Matrix& x, const Rows& rows,
                                                const Matrix& train, ResidualGenerator& g,
                                                uint64_t seed, std::vector<MmdTarget>& targets,
                                                std::vector<double>& mean,
                                                std::vector<double>& sd) const {
  column_moments(train, mean, sd);
  for (size_t ci = 0; ci < classes_.size(); ++ci) {
    if (rows.validation[ci].empty()) continue;
    MmdTarget t;
    t.condition = static_cast<int>(ci);
    t.rows = standardised(score_sample(x.select_rows(rows.validation[ci]), kAdversarialMaxScoreRows,
                                       mix_seed(seed, 300 + ci)),
                          mean, sd);
    t.bandwidth = median_distance(
        standardised(score_sample(x.select_rows(rows.train[ci]), kAdversarialMaxScoreRows,
                                  mix_seed(seed, 400 + ci)),
                     mean, sd));
    targets.push_back(t);
  }
  if (targets.empty()) return nullptr;
  // Rows generated in evaluation mode from fixed seeds.
  return [&, seed] {
    g->eval();
    const double v = weighted_mmd(targets, [&](const MmdTarget& t) {
      const auto ci = static_cast<size_t>(t.condition);
      return standardised(generate(g, ci, kAdversarialValidationSample, mix_seed(seed, 500 + ci)),
                          mean, sd);
    });
    g->train();
    return v;
  };
}

void Ctgan::train(const Matrix& x, const std::vector<int>& y, const FitOptions& options) {
  // Rows per class, split into training and held-back rows.
  const Rows rows = split_rows(y, options.classes, options.seed);
  if (!options.spans.empty())
    check_categories(x, options.spans, rows_of_classes(y, options.classes).rows);
  const Matrix train = x.select_rows(rows.all_train);
  const size_t n = train.rows;

  VgmOptions vo;
  vo.max_components = config_.max_modes;
  vo.weight_threshold = config_.mode_weight_threshold;
  ModeNormalizer normalizer = ModeNormalizer::fit(train, options.spans, vo, options.seed);
  if (normalizer.width() == 0) {
    fail("every column is constant in the rows of the fit classes; nothing to learn");
  }
  classes_ = options.classes;
  spans_ = options.spans;
  normalizer_ = std::move(normalizer);
  layout_ = condition_layout(normalizer_);
  std::vector<ClassConditions> conds =
      condition_tables(normalizer_, layout_, train, rows.row_class, classes_.size());
  frequency_.clear();
  for (const ClassConditions& cc : conds) frequency_.push_back(cc.frequency);
  Rng encode_rng(mix_seed(options.seed, 7));
  torch::Tensor data = to_tensor(normalizer_.encode(train, encode_rng));  // [n, encoded]

  // Batch and step budget.
  const auto pac = static_cast<size_t>(config_.pac);
  const auto round_up = [&](size_t v) { return static_cast<int64_t>((v + pac - 1) / pac * pac); };
  const int64_t wanted = config_.batch_size > 0
                             ? config_.batch_size
                             : round_up(std::min<size_t>(n, static_cast<size_t>(kAutoBatch)));
  const int64_t batch = std::min(wanted, round_up(n));
  const int steps = step_budget(config_.steps, kAutoEpochs, n, static_cast<size_t>(batch),
                                kAdversarialMinSteps, kAdversarialMaxSteps);
  Trainer trainer(config_, normalizer_, layout_, classes_.size(), std::move(data), std::move(conds),
                  batch, options.seed);
  ResidualGenerator& g = trainer.generator();

  std::vector<MmdTarget> targets;
  std::vector<double> mean, sd;
  const std::function<double()> score =
      validation_score(x, rows, train, g, options.seed, targets, mean, sd);
  if (config_.validation_fraction > 0 && !score) {
    note_no_validation(observer_of(options), name(), "needs 5 held-back and 2 training rows");
  }
  std::vector<torch::Tensor> best;
  const LoopResult result = run_training(
      {name(), steps, config_.history_every, config_.validation_every, 0,
       "lower generator_lr / critic_lr, or check the rows for extreme values"},
      {"critic_loss", "g_loss", "wasserstein", "gp", "cond_loss"}, [&] { return trainer.step(); },
      score, [&] { best = copy_state(*g); }, observer_of(options));
  if (result.has_best) restore_state(*g, best);
  g->eval();
  generator_ = g;

  size_t validation_rows = 0;
  for (const auto& v : rows.validation) validation_rows += v.size();
  history_ = result.history;
  history_["every"] = config_.history_every;
  history_["batch_size"] = batch;
  history_["steps"] = steps;
  history_["rows"] = n;
  history_["validation_rows"] = validation_rows;
  history_["modes"] = normalizer_.modes();
}

}  // namespace

GeneratorSpec ctgan_generator() {
  return make_spec<Ctgan, CtganConfig>(
      "CTGAN (Xu et al. 2019): one conditional GAN for all classes on mode-specific normalisation",
      {{"steps", 60},
       {"latent_dim", 16},
       {"validation_every", 20},
       {"generator_hidden", {32, 32}},
       {"critic_hidden", {32, 32}}});
}

}  // namespace imbgen
