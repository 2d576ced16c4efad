// CTGAN (Xu et al. 2019, "Modeling Tabular Data using Conditional GAN"): mode-specific
// normalisation (Section 4.2, mode_normalizer.h), conditional generator with
// training-by-sampling (4.3), residual generator and PacGAN critic with the WGAN-GP loss (4.4);
// the class is part of the condition. The networks, training-by-sampling and the training step
// (written out by hand) are in ctgan_trainer.h.
#include "imbgen/generators/ctgan.h"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <utility>

#include "common.h"
#include "ctgan_trainer.h"
#include "imbgen/core/rng.h"
#include "mode_normalizer.h"
#include "normal_stream.h"
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
  // Raw generator outputs [rows, encoded] -> rows of the given space, written into out from row
  // `first`: alpha columns through tanh; each mode and one-hot span a category drawn from the
  // softmax of its logits (uniforms from rng).
  void decode(const at::Tensor& raw, Rng& rng, Matrix& out, size_t first) const;
  // n rows of class index ci from generator g (in evaluation mode).
  Matrix generate(ResidualGenerator& g, size_t ci, size_t n, uint64_t seed) const;
  // Conditions for sampling class ci: categories drawn with their frequency in the class, into
  // `rows` rows of `cond` (row stride `stride`, zero-filled here).
  void sample_conditions(size_t ci, size_t rows, Rng& rng, float* cond, int64_t stride) const;
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

void Ctgan::decode(const at::Tensor& raw, Rng& rng, Matrix& out, size_t first) const {
  const auto rows = static_cast<size_t>(raw.size(0));
  const auto width = static_cast<size_t>(raw.size(1));
  Matrix e(rows, width);
  const float* r = raw.data_ptr<float>();
  const std::vector<OutSpan> spans = out_spans(normalizer_);
  std::vector<float> weight(width);
  for (size_t i = 0; i < rows; ++i) {
    const float* v = r + i * width;
    double* ei = e.row(i);
    for (const OutSpan& sp : spans) {
      const float* l = v + sp.start;
      if (!sp.softmax) {
        ei[sp.start] = std::tanh(l[0]);
        continue;
      }
      // A draw from softmax(l): what the argmax of Gumbel-perturbed logits gives, with one uniform.
      float top = l[0];
      for (size_t j = 1; j < sp.width; ++j) top = std::max(top, l[j]);
      float total = 0.0f;
      for (size_t j = 0; j < sp.width; ++j) total += weight[j] = std::exp(l[j] - top);
      const double u = rng.uniform() * total;
      size_t k = 0;
      double acc = weight[0];
      while (k + 1 < sp.width && u >= acc) acc += weight[++k];
      ei[sp.start + k] = 1.0;
    }
  }
  const Matrix part = normalizer_.decode(e);
  std::copy(part.data.begin(), part.data.end(), out.row(first));
}

void Ctgan::sample_conditions(size_t ci, size_t rows, Rng& rng, float* cond,
                              int64_t stride) const {
  const auto width = static_cast<int64_t>(classes_.size() + layout_.category_width);
  const size_t k = classes_.size();
  for (size_t i = 0; i < rows; ++i) {
    float* p = cond + static_cast<int64_t>(i) * stride;
    std::fill(p, p + width, 0.0f);
    p[ci] = 1.0f;
    if (layout_.discrete.empty()) continue;
    const size_t j = rng.index(layout_.discrete.size());
    const size_t cat = draw(frequency_[ci][j], rng);
    p[k + layout_.cond_start[j] + cat] = 1.0f;
  }
}

// Noise for kSampleChunk rows at a time (NormalStream, row after row), their conditions, then
// blocks of kForwardBlock rows through a ResidualSampler, decoded block by block.
Matrix Ctgan::generate(ResidualGenerator& g, size_t ci, size_t n, uint64_t seed) const {
  torch::NoGradGuard no_grad;
  const TorchThreadScope one(1);  // see kSampleChunk
  NormalStream stream(seed);
  Rng rng(mix_seed(seed, 1));
  const int64_t latent = config_.latent_dim;
  const auto cond_width = static_cast<int64_t>(classes_.size() + layout_.category_width);
  Matrix out(n, normalizer_.cols());
  const int64_t block = std::max<int64_t>(1, std::min(kForwardBlock, static_cast<int64_t>(n)));
  ResidualSampler sampler(g, block);
  at::Tensor noise = torch::empty({static_cast<int64_t>(std::min(n, kSampleChunk)), latent});
  std::vector<float> cond(std::min(n, kSampleChunk) * static_cast<size_t>(cond_width));
  for (size_t start = 0; start < n; start += kSampleChunk) {
    const size_t m = std::min(kSampleChunk, n - start);
    at::Tensor z = noise.narrow(0, 0, static_cast<int64_t>(m));
    stream.fill(z.data_ptr<float>(), m * static_cast<size_t>(latent));
    sample_conditions(ci, m, rng, cond.data(), cond_width);
    const float* zp = z.data_ptr<float>();
    for (size_t r = 0; r < m; r += static_cast<size_t>(block)) {
      const size_t rows = std::min(static_cast<size_t>(block), m - r);
      float* in = sampler.input();
      for (size_t i = 0; i < rows; ++i) {
        float* dst = in + static_cast<int64_t>(i) * sampler.input_stride();
        const float* zi = zp + (r + i) * static_cast<size_t>(latent);
        std::copy(zi, zi + latent, dst);
        const float* ci_row = cond.data() + (r + i) * static_cast<size_t>(cond_width);
        std::copy(ci_row, ci_row + cond_width, dst + latent);
      }
      decode(sampler.forward(static_cast<int64_t>(rows)), rng, out, start + r);
    }
  }
  return out;
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
  CtganTrainer trainer(config_, normalizer_, layout_, classes_.size(), std::move(data),
                       std::move(conds), batch, options.seed);
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
  return trains_network(make_spec<Ctgan, CtganConfig>(
      "CTGAN (Xu et al. 2019): one conditional GAN for all classes on mode-specific normalisation",
      {{"steps", 60},
       {"latent_dim", 16},
       {"validation_every", 20},
       {"generator_hidden", {32, 32}},
       {"critic_hidden", {32, 32}}}));
}

}  // namespace imbgen
