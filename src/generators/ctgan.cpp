// CTGAN (Xu et al. 2019, "Modeling Tabular Data using Conditional GAN"): mode-specific
// normalisation (Section 4.2), conditional generator with training-by-sampling (4.3), residual
// generator and PacGAN critic with the WGAN-GP loss (4.4); the class is part of the condition.
#include "imbgen/generators/ctgan.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <sstream>
#include <utility>

#include "common.h"
#include "config_reflect.h"
#include "imbgen/core/error.h"
#include "imbgen/core/rng.h"
#include "registry.h"
#include "torch_blocks.h"
#include "vgm.h"

namespace imbgen {
namespace {

constexpr const char* kName = "ctgan";
constexpr size_t kMinRows = 2;
constexpr int kAutoBatch = 100;
constexpr double kAutoEpochs = 1500.0;  // generator steps = this * rows / batch, clamped
constexpr int kAutoMinSteps = 1000;
constexpr int kAutoMaxSteps = 5000;
constexpr size_t kMinValidationRows = 5;
constexpr size_t kValidationSample = 500;
constexpr size_t kMaxScoreRows = 1000;
constexpr size_t kSampleChunk = 65536;
constexpr uint32_t kStateVersion = 1;

// ---------------------------------------------------------------------------------------------
// Data representation

enum class Kind : uint8_t { kContinuous = 0, kConstant = 1, kDiscrete = 2, kIndicator = 3 };

// One column (or one-hot block) of the given space and its place in the encoded space.
struct Column {
  Kind kind = Kind::kContinuous;
  size_t start = 0;  // first given column
  size_t width = 1;  // given columns (one-hot blocks: the number of categories)
  Vgm vgm;           // kContinuous
  double constant = 0.0;
  size_t out_start = 0;   // first encoded column
  size_t out_width = 0;   // continuous: 1 + modes; discrete: width; indicator: 2; constant: 0
  size_t cond_start = 0;  // discrete and indicator: first column of its categories in the
                          // condition's category part

  size_t categories() const { return kind == Kind::kIndicator ? 2 : width; }
};

struct Layout {
  std::vector<Column> columns;
  size_t given = 0;              // columns of x
  size_t encoded = 0;            // encoded width
  std::vector<size_t> discrete;  // indices of discrete and indicator columns
  size_t category_width = 0;     // total categories of the discrete columns
};

// An output span with its activation: tanh (alpha) or softmax (mode, one-hot block).
struct OutSpan {
  size_t start, width;
  bool softmax;
  int discrete = -1;  // index into Layout::discrete for discrete blocks, else -1
};

std::vector<OutSpan> out_spans(const Layout& layout) {
  std::vector<OutSpan> spans;
  int discrete_index = 0;
  for (const Column& col : layout.columns) {
    if (col.kind == Kind::kContinuous) {
      spans.push_back({col.out_start, 1, false, -1});
      spans.push_back({col.out_start + 1, col.out_width - 1, true, -1});
    } else if (col.kind != Kind::kConstant) {
      spans.push_back({col.out_start, col.out_width, true, discrete_index++});
    }
  }
  return spans;
}

[[noreturn]] void fail(const std::string& msg) {
  throw Error(ErrorKind::kInvalidArgument, std::string(kName) + ": fit: " + msg);
}

// Checks that `spans` tile x's columns and that every used row's one-hot blocks and indicators
// hold what they should; returns the columns (without their fitted parts).
std::vector<Column> plan_columns(const Matrix& x, const std::vector<EncodedSpan>& spans,
                                 const std::vector<size_t>& rows) {
  std::vector<Column> cols;
  if (spans.empty()) {
    for (size_t j = 0; j < x.cols; ++j) {
      Column c;
      c.start = j;
      cols.push_back(c);
    }
    return cols;
  }
  size_t next = 0;
  for (size_t s = 0; s < spans.size(); ++s) {
    const EncodedSpan& sp = spans[s];
    const std::string name =
        "span " + std::to_string(s) + " (table column " + std::to_string(sp.column) + ")";
    if (sp.start != next || sp.width == 0) {
      fail(name + " starts at model column " + std::to_string(sp.start) + " with width " +
           std::to_string(sp.width) + "; expected it to start at " + std::to_string(next) +
           " with width >= 1 (FitOptions::spans must tile the columns of x in order)");
    }
    if (sp.kind != SpanKind::kOneHot && sp.width != 1) {
      fail(name + " is numeric or an indicator but has width " + std::to_string(sp.width) +
           "; expected 1");
    }
    Column c;
    c.kind = sp.kind == SpanKind::kNumeric  ? Kind::kContinuous
             : sp.kind == SpanKind::kOneHot ? Kind::kDiscrete
                                            : Kind::kIndicator;
    c.start = sp.start;
    c.width = sp.width;
    cols.push_back(c);
    next += sp.width;
  }
  if (next != x.cols) {
    fail("FitOptions::spans cover " + std::to_string(next) + " columns but x has " +
         std::to_string(x.cols));
  }
  for (size_t r : rows) {
    for (const Column& c : cols) {
      if (c.kind == Kind::kContinuous) continue;
      size_t ones = 0;
      for (size_t j = c.start; j < c.start + c.width; ++j) {
        const double v = x(r, j);
        if (v != 0.0 && v != 1.0) {
          std::ostringstream msg;
          msg << "row " << r << ", column " << j << ": expected 0 or 1 in "
              << (c.kind == Kind::kDiscrete ? "a one-hot block" : "a missing indicator") << ", got "
              << v;
          fail(msg.str());
        }
        ones += v == 1.0 ? 1 : 0;
      }
      if (c.kind == Kind::kDiscrete && ones != 1) {
        fail("row " + std::to_string(r) + ": the one-hot block in columns " +
             std::to_string(c.start) + ".." + std::to_string(c.start + c.width - 1) + " holds " +
             std::to_string(ones) + " ones; expected exactly 1");
      }
    }
  }
  return cols;
}

// The category of row r in a discrete or indicator column.
size_t category_of(const Column& c, const double* row) {
  if (c.kind == Kind::kIndicator) return row[c.start] == 1.0 ? 1 : 0;
  for (size_t k = 0; k < c.width; ++k) {
    if (row[c.start + k] == 1.0) return k;
  }
  return 0;
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

// ---------------------------------------------------------------------------------------------
// Conditions

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

struct ConditionBatch {
  torch::Tensor cond;    // [batch, classes + categories]
  torch::Tensor mask;    // [batch, discrete] 1 at the conditioned block
  torch::Tensor target;  // [batch, discrete] int64, the conditioned category
  std::vector<size_t> cls;
  std::vector<int> block;  // conditioned discrete block or -1
  std::vector<size_t> category;
};

// ---------------------------------------------------------------------------------------------

struct Curve {
  std::vector<int> step;
  std::vector<double> critic_loss, g_loss, wasserstein, gp, cond_loss;
  std::vector<int> val_step;
  std::vector<double> val_mmd2;
  int best_step = 0;
};

struct StepStats {
  double critic_loss = 0, g_loss = 0, wasserstein = 0, gp = 0, cond_loss = 0;
};

class Ctgan : public Generator {
 public:
  explicit Ctgan(const CtganConfig& config) : config_(config) {}

  std::string name() const override { return kName; }
  nlohmann::json config() const override { return config_.to_json(); }
  bool conditional() const override { return true; }

  // Trains through train(); a failed fit leaves the model unfit.
  void fit(const Matrix& x, const std::vector<int>& y, const FitOptions& options) override {
    generator_ = nullptr;
    try {
      train(x, y, options);
    } catch (...) {
      generator_ = nullptr;
      classes_.clear();
      throw;
    }
  }
  Matrix sample(int cls, size_t n, uint64_t seed) const override;
  void save_state(std::ostream& out) const override;
  void load_state(std::istream& in) override;
  nlohmann::json history() const override { return history_; }

 private:
  void train(const Matrix& x, const std::vector<int>& y, const FitOptions& options);
  int64_t cond_width() const {
    return static_cast<int64_t>(classes_.size() + layout_.category_width);
  }
  Matrix encode(const Matrix& rows, Rng& rng) const;
  // Raw generator outputs [n, encoded] -> rows of the given space; categorical spans take the
  // argmax of their Gumbel-perturbed logits (noise from gen).
  Matrix decode(const torch::Tensor& raw, at::Generator& gen) const;
  // n rows of class index ci from generator g (in its current mode).
  Matrix generate(ResidualGenerator& g, size_t ci, size_t n, uint64_t seed) const;
  // Conditions for sampling class ci: categories drawn with their frequency in the class.
  torch::Tensor sample_conditions(size_t ci, size_t n, Rng& rng) const;
  std::vector<int> fitted() const { return generator_ ? classes_ : std::vector<int>{}; }

  CtganConfig config_;
  std::vector<int> classes_;
  Layout layout_;
  // Per class, per discrete block: cumulative category frequencies (sampling conditions).
  std::vector<std::vector<std::vector<double>>> frequency_;
  ResidualGenerator generator_{nullptr};
  nlohmann::json history_ = nlohmann::json::object();
};

Matrix Ctgan::encode(const Matrix& rows, Rng& rng) const {
  Matrix out(rows.rows, layout_.encoded);
  for (size_t i = 0; i < rows.rows; ++i) {
    const double* r = rows.row(i);
    double* o = out.row(i);
    for (const Column& c : layout_.columns) {
      switch (c.kind) {
        case Kind::kContinuous: {
          const double v = r[c.start];
          const std::vector<double> p = c.vgm.posterior(v);
          const size_t k = draw(cumulative(p), rng);
          o[c.out_start] = std::clamp((v - c.vgm.means[k]) / (4.0 * c.vgm.stds[k]), -1.0, 1.0);
          o[c.out_start + 1 + k] = 1.0;
          break;
        }
        case Kind::kConstant:
          break;
        case Kind::kDiscrete:
        case Kind::kIndicator:
          o[c.out_start + category_of(c, r)] = 1.0;
          break;
      }
    }
  }
  return out;
}

// Index of the largest value of p[0..w) (ties: the first).
size_t argmax(const float* p, size_t w) {
  size_t best = 0;
  for (size_t k = 1; k < w; ++k) {
    if (p[k] > p[best]) best = k;
  }
  return best;
}

Matrix Ctgan::decode(const torch::Tensor& raw, at::Generator& gen) const {
  torch::NoGradGuard no_grad;
  // Gumbel-perturbed logits: argmax over a span = a draw from softmax(logits) of that span.
  const torch::Tensor noise = -torch::empty_like(raw).exponential_(1.0, gen).clamp_min(1e-20).log();
  const torch::Tensor perturbed = (raw + noise).contiguous();
  const torch::Tensor alpha = torch::tanh(raw).contiguous();
  const float* pp = perturbed.data_ptr<float>();
  const float* pa = alpha.data_ptr<float>();
  const size_t n = static_cast<size_t>(raw.size(0));
  const size_t e = layout_.encoded;
  Matrix out(n, layout_.given);
  for (size_t i = 0; i < n; ++i) {
    double* o = out.row(i);
    const float* p = pp + i * e;
    const float* a = pa + i * e;
    for (const Column& c : layout_.columns) {
      switch (c.kind) {
        case Kind::kContinuous: {
          const size_t k = argmax(p + c.out_start + 1, c.out_width - 1);
          const double al = std::clamp(static_cast<double>(a[c.out_start]), -1.0, 1.0);
          o[c.start] = al * 4.0 * c.vgm.stds[k] + c.vgm.means[k];
          break;
        }
        case Kind::kConstant:
          o[c.start] = c.constant;
          break;
        case Kind::kDiscrete:
          o[c.start + argmax(p + c.out_start, c.out_width)] = 1.0;
          break;
        case Kind::kIndicator:
          o[c.start] = static_cast<double>(argmax(p + c.out_start, 2));
          break;
      }
    }
  }
  return out;
}

torch::Tensor Ctgan::sample_conditions(size_t ci, size_t n, Rng& rng) const {
  torch::Tensor cond = torch::zeros({static_cast<int64_t>(n), cond_width()});
  float* p = cond.data_ptr<float>();
  const size_t w = static_cast<size_t>(cond_width());
  const size_t k = classes_.size();
  for (size_t i = 0; i < n; ++i) {
    p[i * w + ci] = 1.0f;
    if (layout_.discrete.empty()) continue;
    const size_t j = rng.index(layout_.discrete.size());
    const size_t cat = draw(frequency_[ci][j], rng);
    p[i * w + k + layout_.columns[layout_.discrete[j]].cond_start + cat] = 1.0f;
  }
  return cond;
}

Matrix Ctgan::generate(ResidualGenerator& g, size_t ci, size_t n, uint64_t seed) const {
  torch::NoGradGuard no_grad;
  at::Generator gen = seeded_generator(seed);
  Rng rng(mix_seed(seed, 1));
  Matrix out(n, layout_.given);
  for (size_t start = 0; start < n; start += kSampleChunk) {
    const size_t m = std::min(kSampleChunk, n - start);
    const torch::Tensor noise = torch::randn({static_cast<int64_t>(m), config_.latent_dim}, gen);
    const torch::Tensor cond = sample_conditions(ci, m, rng);
    const Matrix part = decode(g->forward(torch::cat({noise, cond}, 1)), gen);
    std::copy(part.data.begin(), part.data.end(), out.row(start));
  }
  return out;
}

Matrix Ctgan::sample(int cls, size_t n, uint64_t seed) const {
  const auto it = std::find(classes_.begin(), classes_.end(), cls);
  if (it == classes_.end() || !generator_) throw unfit_class_error(kName, cls, fitted());
  const auto ci = static_cast<size_t>(it - classes_.begin());
  ResidualGenerator g = generator_;
  return generate(g, ci, n, mix_seed(seed, static_cast<uint64_t>(cls)));
}

// The first min(n, kMaxScoreRows) rows of a seeded shuffle, standardised with mean / sd.
torch::Tensor score_rows(const Matrix& m, const std::vector<double>& mean,
                         const std::vector<double>& sd, uint64_t seed) {
  std::vector<size_t> order(m.rows);
  for (size_t i = 0; i < m.rows; ++i) order[i] = i;
  Rng rng(seed);
  rng.shuffle(order);
  order.resize(std::min(order.size(), kMaxScoreRows));
  Matrix s = m.select_rows(order);
  for (size_t i = 0; i < s.rows; ++i) {
    for (size_t j = 0; j < s.cols; ++j) s(i, j) = (s(i, j) - mean[j]) / sd[j];
  }
  return to_tensor(s);
}

// Mode-specific normalisation: one mixture per numeric column of the training rows (a column
// with a single value becomes a constant), and the layout of the encoded space. `modes` receives
// the mode count of each mixture.
Layout fit_layout(std::vector<Column> cols, const Matrix& train, const CtganConfig& config,
                  uint64_t seed, std::vector<int>& modes) {
  Layout layout;
  layout.given = train.cols;
  VgmOptions vo;
  vo.max_components = config.max_modes;
  vo.weight_threshold = config.mode_weight_threshold;
  for (size_t j = 0; j < cols.size(); ++j) {
    Column& c = cols[j];
    if (c.kind == Kind::kContinuous) {
      std::vector<double> v(train.rows);
      for (size_t i = 0; i < train.rows; ++i) v[i] = train(i, c.start);
      if (std::all_of(v.begin(), v.end(), [&](double a) { return a == v[0]; })) {
        c.kind = Kind::kConstant;
        c.constant = v[0];
      } else {
        c.vgm = fit_vgm(v, vo, mix_seed(seed, 1000 + j));
        modes.push_back(static_cast<int>(c.vgm.modes()));
      }
    }
    c.out_start = layout.encoded;
    c.out_width = c.kind == Kind::kContinuous ? 1 + c.vgm.modes()
                  : c.kind == Kind::kConstant ? 0
                                              : c.categories();
    layout.encoded += c.out_width;
    if (c.kind == Kind::kDiscrete || c.kind == Kind::kIndicator) {
      c.cond_start = layout.category_width;
      layout.category_width += c.categories();
      layout.discrete.push_back(j);
    }
  }
  layout.columns = std::move(cols);
  return layout;
}

// Training-by-sampling tables of each class: its rows, its rows by category of every discrete
// block, and the cumulative log(1 + count) and count weights of the categories.
std::vector<ClassConditions> condition_tables(const Layout& layout, const Matrix& train,
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
      const Column& c = layout.columns[layout.discrete[j]];
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

ResidualGenerator build_generator_net(const CtganConfig& c, const Layout& layout,
                                      size_t n_classes) {
  return ResidualGenerator(c.latent_dim + static_cast<int64_t>(n_classes + layout.category_width),
                           c.generator_hidden, static_cast<int64_t>(layout.encoded));
}

// One training run: both networks, their optimisers, the encoded rows and the condition tables.
// step() = critic_steps critic updates, then one generator update (CTGAN's loop body).
class Trainer {
 public:
  Trainer(const CtganConfig& c, const Layout& layout, size_t n_classes, torch::Tensor data,
          std::vector<ClassConditions> conds, int64_t batch, uint64_t seed)
      : c_(c),
        layout_(layout),
        n_classes_(n_classes),
        nd_(layout.discrete.size()),
        cond_width_(static_cast<int64_t>(n_classes + layout.category_width)),
        in_width_(static_cast<int64_t>(layout.encoded) + cond_width_),
        batch_(batch),
        data_(std::move(data)),
        conds_(std::move(conds)),
        spans_(out_spans(layout)),
        gen_(seeded_generator(seed)),
        rng_(mix_seed(seed, 1)),
        g_(build_generator_net(c, layout, n_classes)),
        critic_(in_width_ * c.pac, c.critic_hidden, 1,
                MlpOptions{Activation::kLeakyReLU, false, c.dropout}) {
    init_linear_layers(*g_, gen_);
    init_linear_layers(*critic_, gen_);
    g_opt_ = std::make_unique<torch::optim::Adam>(g_->parameters(),
                                                  torch::optim::AdamOptions(c.generator_lr)
                                                      .betas({c.beta1, c.beta2})
                                                      .weight_decay(c.generator_decay));
    c_opt_ = std::make_unique<torch::optim::Adam>(critic_->parameters(),
                                                  torch::optim::AdamOptions(c.critic_lr)
                                                      .betas({c.beta1, c.beta2})
                                                      .weight_decay(c.critic_decay));
    critic_params_ = critic_->parameters();
    for (size_t ci = 0; ci < n_classes; ++ci) {
      class_rows_.emplace_back(conds_[ci].rows.size(), mix_seed(seed, 200 + ci));
    }
    index_spans();
    g_->train();
    critic_->train();
  }

  StepStats step() {
    StepStats s;
    for (int k = 0; k < c_.critic_steps; ++k) {
      const ConditionBatch cb = draw_conditions(batch_);
      torch::Tensor fake;  // [batch, encoded + cond]
      {
        torch::NoGradGuard no_grad;
        const torch::Tensor noise = torch::randn({batch_, c_.latent_dim}, gen_);
        fake = torch::cat({activate(g_->forward(torch::cat({noise, cb.cond}, 1))), cb.cond}, 1);
      }
      // Real rows for the same conditions in a shuffled order (CTGAN's perm), each with its own
      // condition.
      std::vector<int64_t> perm(static_cast<size_t>(batch_));
      for (size_t i = 0; i < perm.size(); ++i) perm[i] = static_cast<int64_t>(i);
      rng_.shuffle(perm);
      const torch::Tensor real =
          torch::cat({data_.index_select(0, torch::tensor(real_rows(cb, perm))),
                      cb.cond.index_select(0, torch::tensor(perm))},
                     1);  // [batch, encoded + cond]
      const torch::Tensor y_real = critic(real).mean();
      const torch::Tensor y_fake = critic(fake).mean();
      const torch::Tensor eps =
          torch::rand({batch_ / c_.pac, 1}, gen_).repeat_interleave(c_.pac, 0);  // [batch, 1]
      const torch::Tensor gp = gradient_penalty(
          [this](const torch::Tensor& v) { return critic(v); }, real, fake, eps, c_.pac);
      const torch::Tensor loss = y_fake - y_real + c_.gp_lambda * gp;
      c_opt_->zero_grad();
      loss.backward();
      c_opt_->step();
      s.critic_loss += loss.item<double>();
      s.wasserstein += (y_real - y_fake).item<double>();
      s.gp += gp.item<double>();
    }
    s.critic_loss /= c_.critic_steps;
    s.wasserstein /= c_.critic_steps;
    s.gp /= c_.critic_steps;

    for (auto& p : critic_params_) p.requires_grad_(false);
    const ConditionBatch cb = draw_conditions(batch_);
    const torch::Tensor noise = torch::randn({batch_, c_.latent_dim}, gen_);
    const torch::Tensor raw = g_->forward(torch::cat({noise, cb.cond}, 1));  // [batch, encoded]
    const torch::Tensor y_fake = critic(torch::cat({activate(raw), cb.cond}, 1)).mean();
    const torch::Tensor ce = cond_loss(raw, cb);
    const torch::Tensor g_loss = -y_fake + ce;
    g_opt_->zero_grad();
    g_loss.backward();
    g_opt_->step();
    for (auto& p : critic_params_) p.requires_grad_(true);
    s.g_loss = g_loss.item<double>();
    s.cond_loss = ce.item<double>();
    return s;
  }

  ResidualGenerator& generator() { return g_; }

 private:
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
      pc[i * w + n_classes_ + layout_.columns[layout_.discrete[j]].cond_start + cat] = 1.0f;
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
  void index_spans() {
    const auto e = static_cast<int64_t>(layout_.encoded);
    widest_ = 1;
    for (const OutSpan& sp : spans_) widest_ = std::max<int64_t>(widest_, sp.width);
    std::vector<int64_t> span_id(layout_.encoded);
    std::vector<uint8_t> is_alpha(layout_.encoded, 0);
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
  const Layout& layout_;
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

void Ctgan::train(const Matrix& x, const std::vector<int>& y, const FitOptions& options) {
  check_fit_inputs(kName, x, y, options);
  set_torch_and_blas_threads(options.threads);
  NullObserver null_observer;
  Observer& observer = options.observer ? *options.observer : null_observer;
  const std::string task = kName;

  // Rows per class, split into training and held-back rows.
  const std::vector<int> classes = options.classes;
  std::vector<std::vector<size_t>> train_idx(classes.size()), val_idx(classes.size());
  std::vector<size_t> all_used;
  for (size_t ci = 0; ci < classes.size(); ++ci) {
    std::vector<size_t> idx;
    for (size_t i = 0; i < y.size(); ++i) {
      if (y[i] == classes[ci]) idx.push_back(i);
    }
    class_rows(kName, x, y, classes[ci], kMinRows);  // throws for too few rows
    const HoldoutSplit split =
        holdout_split(idx.size(), config_.validation_fraction, kMinValidationRows, kMinRows,
                      mix_seed(options.seed, 100 + static_cast<uint64_t>(ci)));
    for (size_t i : split.train) train_idx[ci].push_back(idx[i]);
    for (size_t i : split.validation) val_idx[ci].push_back(idx[i]);
    all_used.insert(all_used.end(), idx.begin(), idx.end());
  }
  std::vector<Column> cols = plan_columns(x, options.spans, all_used);

  // The training rows of all classes, class by class, and each row's class index.
  std::vector<size_t> train_rows;
  std::vector<size_t> row_class;
  for (size_t ci = 0; ci < classes.size(); ++ci) {
    train_rows.insert(train_rows.end(), train_idx[ci].begin(), train_idx[ci].end());
    row_class.insert(row_class.end(), train_idx[ci].size(), ci);
  }
  const Matrix train = x.select_rows(train_rows);
  const size_t n = train.rows;

  std::vector<int> modes;
  Layout layout = fit_layout(std::move(cols), train, config_, options.seed, modes);
  if (layout.encoded == 0) {
    fail("every column is constant in the rows of the fit classes; nothing to learn");
  }
  classes_ = classes;
  layout_ = std::move(layout);
  std::vector<ClassConditions> conds = condition_tables(layout_, train, row_class, classes.size());
  frequency_.clear();
  for (const ClassConditions& cc : conds) frequency_.push_back(cc.frequency);
  Rng encode_rng(mix_seed(options.seed, 7));
  torch::Tensor data = to_tensor(encode(train, encode_rng));  // [n, encoded]

  // Batch and step budget.
  const auto pac = static_cast<size_t>(config_.pac);
  const auto round_up = [&](size_t v) { return static_cast<int64_t>((v + pac - 1) / pac * pac); };
  const int64_t wanted = config_.batch_size > 0
                             ? config_.batch_size
                             : round_up(std::min<size_t>(n, static_cast<size_t>(kAutoBatch)));
  const int64_t batch = std::min(wanted, round_up(n));
  const int steps =
      config_.steps > 0
          ? config_.steps
          : std::clamp(static_cast<int>(std::ceil(kAutoEpochs * static_cast<double>(n) /
                                                  static_cast<double>(batch))),
                       kAutoMinSteps, kAutoMaxSteps);
  Trainer trainer(config_, layout_, classes.size(), std::move(data), std::move(conds), batch,
                  options.seed);
  ResidualGenerator& g = trainer.generator();

  // Validation: held-back rows standardised with the training rows' moments; the bandwidth from
  // the class's training rows.
  std::vector<double> mean, sd;
  column_moments(train, mean, sd);
  struct ValClass {
    size_t ci;
    torch::Tensor rows;
    double bandwidth;
  };
  std::vector<ValClass> val;
  nlohmann::json val_rows = nlohmann::json::object();
  for (size_t ci = 0; ci < classes_.size(); ++ci) {
    if (val_idx[ci].empty()) continue;
    ValClass v;
    v.ci = ci;
    v.rows = score_rows(x.select_rows(val_idx[ci]), mean, sd, mix_seed(options.seed, 300 + ci));
    v.bandwidth = median_distance(
        score_rows(x.select_rows(train_idx[ci]), mean, sd, mix_seed(options.seed, 400 + ci)));
    val.push_back(v);
    val_rows[std::to_string(classes_[ci])] = val_idx[ci].size();
  }
  if (config_.validation_fraction > 0 && val.empty()) {
    observer.on_message(task +
                        ": too few rows to hold some back for validation; training on "
                        "all of them and keeping the last weights");
  }
  // Mean MMD^2 over the validated classes, rows generated in evaluation mode from fixed seeds.
  auto score = [&]() {
    g->eval();
    double total = 0.0;
    for (const ValClass& v : val) {
      Matrix z = generate(g, v.ci, kValidationSample, mix_seed(options.seed, 500 + v.ci));
      for (size_t i = 0; i < z.rows; ++i) {
        for (size_t j = 0; j < z.cols; ++j) z(i, j) = (z(i, j) - mean[j]) / sd[j];
      }
      total += mmd2_rbf(to_tensor(z), v.rows, v.bandwidth);
    }
    g->train();
    return total / static_cast<double>(val.size());
  };

  Curve curve;
  std::vector<torch::Tensor> best;
  double best_score = std::numeric_limits<double>::infinity();
  StepStats sum;
  int in_block = 0;
  for (int step = 1; step <= steps; ++step) {
    const StepStats s = trainer.step();
    if (!std::isfinite(s.critic_loss) || !std::isfinite(s.g_loss)) {
      std::ostringstream msg;
      msg << task << ": training diverged at step " << step << " of " << steps
          << " (critic_loss = " << s.critic_loss << ", g_loss = " << s.g_loss
          << "); hint: lower generator_lr / critic_lr, or check the rows for extreme values";
      throw Error(ErrorKind::kDiverged, msg.str());
    }
    Progress progress{task,
                      step,
                      steps,
                      {{"critic_loss", s.critic_loss},
                       {"g_loss", s.g_loss},
                       {"wasserstein", s.wasserstein},
                       {"gp", s.gp},
                       {"cond_loss", s.cond_loss}}};
    if (!val.empty() && (step % config_.validation_every == 0 || step == steps)) {
      const double v = score();
      curve.val_step.push_back(step);
      curve.val_mmd2.push_back(v);
      progress.values.emplace_back("val_mmd2", v);
      if (v < best_score) {
        best_score = v;
        curve.best_step = step;
        best = copy_state(*g);
      }
    }
    observer.on_progress(progress);
    sum.critic_loss += s.critic_loss;
    sum.g_loss += s.g_loss;
    sum.wasserstein += s.wasserstein;
    sum.gp += s.gp;
    sum.cond_loss += s.cond_loss;
    ++in_block;
    if (in_block == config_.history_every || step == steps) {
      curve.step.push_back(step);
      curve.critic_loss.push_back(sum.critic_loss / in_block);
      curve.g_loss.push_back(sum.g_loss / in_block);
      curve.wasserstein.push_back(sum.wasserstein / in_block);
      curve.gp.push_back(sum.gp / in_block);
      curve.cond_loss.push_back(sum.cond_loss / in_block);
      sum = StepStats{};
      in_block = 0;
    }
  }
  if (!best.empty()) restore_state(*g, best);
  g->eval();
  generator_ = g;

  nlohmann::json validation = nullptr;
  if (!val.empty()) {
    validation = {{"rows", val_rows},
                  {"step", curve.val_step},
                  {"mmd2", curve.val_mmd2},
                  {"best_step", curve.best_step}};
  }
  history_ = {{"every", config_.history_every},
              {"step", curve.step},
              {"critic_loss", curve.critic_loss},
              {"g_loss", curve.g_loss},
              {"wasserstein", curve.wasserstein},
              {"gp", curve.gp},
              {"cond_loss", curve.cond_loss},
              {"batch_size", batch},
              {"steps", steps},
              {"train_rows", n},
              {"modes", modes},
              {"validation", validation}};
}

// ---------------------------------------------------------------------------------------------
// State: version, classes, layout (columns with their mixtures), per-class category
// frequencies, generator weights, history.

void Ctgan::save_state(std::ostream& out) const {
  BinaryWriter w(out);
  w.u32(kStateVersion);
  const std::vector<int> classes = fitted();  // none when unfit
  w.u64(classes.size());
  for (int c : classes) w.i64(c);
  if (classes.empty()) {
    w.string(history_.dump());
    return;
  }
  w.u64(layout_.given);
  w.u64(layout_.columns.size());
  for (const Column& c : layout_.columns) {
    w.u8(static_cast<uint8_t>(c.kind));
    w.u64(c.start);
    w.u64(c.width);
    w.f64(c.constant);
    w.f64_vector(c.vgm.weights);
    w.f64_vector(c.vgm.means);
    w.f64_vector(c.vgm.stds);
  }
  for (const auto& per_class : frequency_) {
    for (const auto& f : per_class) w.f64_vector(f);
  }
  save_tensors(w, *generator_);
  w.string(history_.dump());
}

void Ctgan::load_state(std::istream& in) {
  BinaryReader r(in);
  auto corrupt = [](const std::string& what) {
    return Error(ErrorKind::kInvalidArgument, "corrupt: " + what);
  };
  const uint32_t version = r.u32("the ctgan state version");
  if (version != kStateVersion) {
    throw Error(ErrorKind::kUnsupported, "ctgan state version " + std::to_string(version) +
                                             " is not supported (this build reads version " +
                                             std::to_string(kStateVersion) + ")");
  }
  std::vector<int> classes(r.length("the class count", 8));
  for (int& c : classes) c = static_cast<int>(r.i64("a class"));
  auto read_history = [&r]() {
    try {
      return nlohmann::json::parse(r.string("the training history"));
    } catch (const nlohmann::json::exception& e) {
      throw Error(
          ErrorKind::kInvalidArgument,
          std::string("corrupt: the training history is not valid JSON (") + e.what() + ")");
    }
  };
  if (classes.empty()) {  // an unfit model
    nlohmann::json history = read_history();
    r.expect_end("the ctgan state");
    classes_.clear();
    generator_ = nullptr;
    history_ = std::move(history);
    return;
  }
  Layout layout;
  layout.given = r.u64("the column count");
  const uint64_t ncols = r.length("the column plan count", 17);
  size_t next = 0;
  for (uint64_t j = 0; j < ncols; ++j) {
    Column c;
    const uint8_t kind = r.u8("a column kind");
    if (kind > 3) throw corrupt("column kind " + std::to_string(kind));
    c.kind = static_cast<Kind>(kind);
    c.start = r.u64("a column start");
    c.width = r.u64("a column width");
    c.constant = r.f64("a constant");
    c.vgm.weights = r.f64_vector("mode weights");
    c.vgm.means = r.f64_vector("mode means");
    c.vgm.stds = r.f64_vector("mode deviations");
    const bool cont = c.kind == Kind::kContinuous;
    if (c.start != next || c.width == 0 || c.width > layout.given ||
        (c.kind != Kind::kDiscrete && c.width != 1) || c.vgm.means.size() != c.vgm.weights.size() ||
        c.vgm.stds.size() != c.vgm.means.size() || (cont && c.vgm.means.empty()) ||
        (!cont && !c.vgm.means.empty())) {
      throw corrupt("column plan " + std::to_string(j) + " does not fit the layout");
    }
    for (double s : c.vgm.stds) {
      if (!(s > 0.0) || !std::isfinite(s)) throw corrupt("a mode deviation is not positive");
    }
    next += c.width;
    c.out_start = layout.encoded;
    c.out_width = cont ? 1 + c.vgm.modes() : c.kind == Kind::kConstant ? 0 : c.categories();
    layout.encoded += c.out_width;
    if (c.kind == Kind::kDiscrete || c.kind == Kind::kIndicator) {
      c.cond_start = layout.category_width;
      layout.category_width += c.categories();
      layout.discrete.push_back(layout.columns.size());
    }
    layout.columns.push_back(c);
  }
  if (next != layout.given || layout.encoded == 0) {
    throw corrupt("the column plans cover " + std::to_string(next) + " of " +
                  std::to_string(layout.given) + " columns");
  }
  std::vector<std::vector<std::vector<double>>> frequency(classes.size());
  for (auto& per_class : frequency) {
    for (size_t j : layout.discrete) {
      std::vector<double> f = r.f64_vector("category frequencies");
      if (f.size() != layout.columns[j].categories() || !(f.back() > 0.0)) {
        throw corrupt("the category frequencies do not fit the layout");
      }
      per_class.push_back(std::move(f));
    }
  }
  ResidualGenerator g = build_generator_net(config_, layout, classes.size());
  try {
    load_tensors(r, *g);
  } catch (const Error& e) {
    throw Error(e.kind(), std::string("generator: ") + e.what());
  }
  g->eval();
  nlohmann::json history = read_history();
  r.expect_end("the ctgan state");
  // Only a state read in full replaces the current one.
  classes_ = std::move(classes);
  layout_ = std::move(layout);
  frequency_ = std::move(frequency);
  generator_ = g;
  history_ = std::move(history);
}

}  // namespace

template class ConfigBase<CtganConfig>;

std::unique_ptr<Generator> make_ctgan(const CtganConfig& config) {
  return make_checked<Ctgan>(config);
}

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
