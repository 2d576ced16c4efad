// TVAE (Xu et al. 2019, "Modeling Tabular Data using Conditional GAN"): one VAE per class on the
// mode-specific normalisation of CTGAN (Section 4.2; the mixtures come from vgm.h), with a
// tanh-Gaussian likelihood for the normalised values and cross-entropy for the mode and category
// one-hot blocks. The network and training loop are vae_net.cpp's.
#include "imbgen/generators/tvae.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <sstream>
#include <utility>

#include "binary_io.h"
#include "common.h"
#include "config_reflect.h"
#include "imbgen/core/error.h"
#include "imbgen/core/rng.h"
#include "imbgen/data/scaler.h"
#include "oversampling.h"
#include "registry.h"
#include "vae_family.h"
#include "vae_net.h"
#include "vgm.h"

namespace imbgen {
namespace {

constexpr const char* kName = "tvae";
constexpr size_t kMinRows = 2;
constexpr double kAlphaClip = 0.99;  // the encoding clips alpha to [-0.99, 0.99]

enum class Kind : uint8_t { kNumeric = 0, kConstant = 1, kOneHot = 2, kIndicator = 3 };

// One column (or one-hot span) of the input and its place in the encoded rows.
struct Column {
  Kind kind = Kind::kNumeric;
  size_t start = 0;      // input column
  size_t width = 1;      // input columns (one-hot: the categories)
  Vgm vgm;               // kNumeric
  double constant = 0;   // kConstant
  size_t out_start = 0;  // encoded column
  size_t out_width = 0;  // numeric: 1 + modes; one-hot: width; indicator: 2; constant: 0
};

std::vector<Column> plan_columns(const std::vector<EncodedSpan>& spans, size_t cols) {
  std::vector<Column> out;
  if (spans.empty()) {
    for (size_t j = 0; j < cols; ++j) out.push_back({Kind::kNumeric, j, 1, {}, 0, 0, 0});
    return out;
  }
  for (const EncodedSpan& s : spans) {
    Column c;
    c.start = s.start;
    c.width = s.width;
    c.kind = s.kind == SpanKind::kNumeric            ? Kind::kNumeric
             : s.kind == SpanKind::kMissingIndicator ? Kind::kIndicator
                                                     : Kind::kOneHot;
    out.push_back(c);
  }
  return out;
}

// Sets out_start / out_width from the kinds and mixtures; returns the encoded width.
size_t lay_out(std::vector<Column>& columns) {
  size_t next = 0;
  for (Column& c : columns) {
    c.out_start = next;
    c.out_width = c.kind == Kind::kNumeric     ? 1 + c.vgm.modes()
                  : c.kind == Kind::kConstant  ? 0
                  : c.kind == Kind::kIndicator ? 2
                                               : c.width;
    next += c.out_width;
  }
  return next;
}

std::vector<OutputBlock> output_blocks(const std::vector<Column>& columns) {
  std::vector<OutputBlock> blocks;
  for (const Column& c : columns) {
    if (c.kind == Kind::kConstant) continue;
    if (c.kind == Kind::kNumeric) {
      blocks.push_back({OutputKind::kTanhGaussian, c.out_start, 1});
      blocks.push_back({OutputKind::kCategorical, c.out_start + 1, c.vgm.modes()});
    } else {
      blocks.push_back({OutputKind::kCategorical, c.out_start, c.out_width});
    }
  }
  return blocks;
}

size_t argmax(const double* p, size_t n) {
  size_t best = 0;
  for (size_t k = 1; k < n; ++k) {
    if (p[k] > p[best]) best = k;
  }
  return best;
}

// Input rows -> encoded rows [n, width]; each value's mode is drawn from its posterior by `rng`.
Matrix encode(const std::vector<Column>& columns, size_t width, const Matrix& x, Rng& rng) {
  Matrix out(x.rows, width, 0.0);
  for (size_t i = 0; i < x.rows; ++i) {
    double* o = out.row(i);
    for (const Column& c : columns) {
      const double* v = x.row(i) + c.start;
      switch (c.kind) {
        case Kind::kNumeric: {
          const std::vector<double> p = c.vgm.posterior(v[0]);
          const double u = rng.uniform();
          size_t k = 0;
          double cumulative = p[0];
          while (k + 1 < p.size() && u >= cumulative) cumulative += p[++k];
          o[c.out_start] =
              std::clamp((v[0] - c.vgm.means[k]) / (4.0 * c.vgm.stds[k]), -kAlphaClip, kAlphaClip);
          o[c.out_start + 1 + k] = 1.0;
          break;
        }
        case Kind::kConstant:
          break;
        case Kind::kOneHot:
          o[c.out_start + argmax(v, c.width)] = 1.0;
          break;
        case Kind::kIndicator:
          o[c.out_start + (v[0] > 0.5 ? 1 : 0)] = 1.0;
          break;
      }
    }
  }
  return out;
}

// Encoded rows -> input rows [n, cols]: alpha clipped to [-1, 1] and un-normalised in the mode of
// the largest mode entry; one-hot blocks by their largest entry.
Matrix decode(const std::vector<Column>& columns, size_t cols, const Matrix& z) {
  Matrix out(z.rows, cols, 0.0);
  for (size_t i = 0; i < z.rows; ++i) {
    const double* e = z.row(i);
    double* o = out.row(i);
    for (const Column& c : columns) {
      switch (c.kind) {
        case Kind::kNumeric: {
          const size_t k = argmax(e + c.out_start + 1, c.vgm.modes());
          const double alpha = std::clamp(e[c.out_start], -1.0, 1.0);
          o[c.start] = alpha * 4.0 * c.vgm.stds[k] + c.vgm.means[k];
          break;
        }
        case Kind::kConstant:
          o[c.start] = c.constant;
          break;
        case Kind::kOneHot:
          o[c.start + argmax(e + c.out_start, c.width)] = 1.0;
          break;
        case Kind::kIndicator:
          o[c.start] = static_cast<double>(argmax(e + c.out_start, 2));
          break;
      }
    }
  }
  return out;
}

VaeNetOptions net_options(const TvaeConfig& c, const std::vector<Column>& columns, size_t width) {
  VaeNetOptions o;
  o.data_dim = width;
  o.latent_dim = static_cast<size_t>(c.latent_dim);
  o.encoder_hidden = c.encoder_hidden;
  o.decoder_hidden = c.decoder_hidden;
  o.lr = c.lr;
  o.weight_decay = c.weight_decay;
  o.row_sigma = false;
  o.sigma_init = 0.1;
  o.sigma_min = 0.01;
  o.sigma_max = 1.0;
  o.recon_weight = c.loss_factor;
  o.blocks = output_blocks(columns);
  return o;
}

struct ClassModel {
  std::vector<Column> columns;
  std::unique_ptr<VaeNet> net;
};

class Tvae : public Generator {
 public:
  explicit Tvae(const TvaeConfig& config) : config_(config) {}

  std::string name() const override { return kName; }
  nlohmann::json config() const override { return config_.to_json(); }

  void fit(const Matrix& x, const std::vector<int>& y, const FitOptions& options) override {
    check_fit_inputs(kName, x, y, options);
    check_spans(kName, options.spans, x.cols);
    set_vae_threads(options.threads);
    NullObserver null_observer;
    Observer& observer = options.observer ? *options.observer : null_observer;
    for (int c : options.classes) class_rows(kName, x, y, c, kMinRows);

    std::map<int, ClassModel> models;
    nlohmann::json curves = nlohmann::json::object();
    for (int c : options.classes) {
      const uint64_t class_seed = mix_seed(options.seed, static_cast<uint64_t>(c));
      const Matrix rows = class_rows(kName, x, y, c, kMinRows);
      ClassModel m;
      m.columns = plan_columns(options.spans, x.cols);
      VgmOptions vo;
      vo.max_components = config_.max_modes;
      vo.weight_threshold = config_.mode_weight_threshold;
      std::vector<int> modes;
      for (size_t j = 0; j < m.columns.size(); ++j) {
        Column& col = m.columns[j];
        if (col.kind != Kind::kNumeric) continue;
        std::vector<double> v(rows.rows);
        for (size_t i = 0; i < rows.rows; ++i) v[i] = rows(i, col.start);
        if (std::all_of(v.begin(), v.end(), [&](double a) { return a == v[0]; })) {
          col.kind = Kind::kConstant;
          col.constant = v[0];
          modes.push_back(0);
        } else {
          col.vgm = fit_vgm(v, vo, mix_seed(class_seed, 1000 + j));
          modes.push_back(static_cast<int>(col.vgm.modes()));
        }
      }
      const size_t width = lay_out(m.columns);
      if (width == 0) {
        throw Error(ErrorKind::kInvalidArgument,
                    std::string(kName) + ": class " + std::to_string(c) +
                        ": every column is constant in its training rows; nothing to learn "
                        "(use random oversampling for this class)");
      }
      Rng rng(mix_seed(class_seed, 2));
      const Matrix encoded = encode(m.columns, width, rows, rng);
      // Validation scores compare decoded rows in units standardised on the class's rows.
      StandardScaler scaler;
      scaler.fit(rows);
      const std::vector<Column>& columns = m.columns;
      const size_t cols = x.cols;
      const ScoreMap to_score = [&columns, &scaler, cols](const Matrix& e) {
        return scaler.transform(decode(columns, cols, e));
      };
      m.net = std::make_unique<VaeNet>(net_options(config_, m.columns, width), class_seed);
      nlohmann::json curve = m.net->train(
          encoded, std::vector<int>(encoded.rows, 0), vae_plan(config_), to_score,
          mix_seed(class_seed, 1), observer, std::string(kName) + ": class " + std::to_string(c));
      curve["modes"] = modes;
      curves[std::to_string(c)] = std::move(curve);
      models[c] = std::move(m);
    }
    models_ = std::move(models);
    cols_ = x.cols;
    spans_ = options.spans;
    history_ = {{"every", config_.history_every}, {"classes", std::move(curves)}};
  }

  Matrix sample(int cls, size_t n, uint64_t seed) const override {
    auto it = models_.find(cls);
    if (it == models_.end()) throw unfit_class_error(kName, cls, fitted_classes());
    const Matrix e = it->second.net->sample(n, 0, config_.sample_noise,
                                            mix_seed(seed, static_cast<uint64_t>(cls)));
    return decode(it->second.columns, cols_, e);
  }

  void save_state(std::ostream& out) const override {
    BinaryWriter w(out);
    w.u64(models_.size());
    if (models_.empty()) return;
    w.u64(cols_);
    write_spans(w, spans_);
    for (const auto& [c, m] : models_) {
      w.i64(c);
      w.u64(m.columns.size());
      for (const Column& col : m.columns) {
        w.u8(static_cast<uint8_t>(col.kind));
        w.u64(col.start);
        w.u64(col.width);
        if (col.kind == Kind::kNumeric) {
          w.f64_vector(col.vgm.weights);
          w.f64_vector(col.vgm.means);
          w.f64_vector(col.vgm.stds);
        } else if (col.kind == Kind::kConstant) {
          w.f64(col.constant);
        }
      }
      m.net->save(w);
    }
    w.string(history_.dump());
  }

  void load_state(std::istream& in) override {
    BinaryReader r(in);
    const uint64_t n = r.length("the class count", 8);
    if (n == 0) {
      r.expect_end("the tvae state");
      models_.clear();
      history_ = nlohmann::json::object();
      return;
    }
    const uint64_t cols = r.u64("the feature count");
    if (cols == 0 || cols > r.remaining()) {
      throw Error(ErrorKind::kInvalidArgument, "corrupt: feature count " + std::to_string(cols));
    }
    std::vector<EncodedSpan> spans = read_spans(r, static_cast<size_t>(cols));
    std::map<int, ClassModel> models;
    for (uint64_t i = 0; i < n; ++i) {
      const int c = static_cast<int>(r.i64("a class"));
      const std::string where = "class " + std::to_string(c) + ": ";
      auto corrupt = [&](const std::string& what) {
        return Error(ErrorKind::kInvalidArgument, "corrupt: " + where + what);
      };
      ClassModel m;
      m.columns = plan_columns(spans, static_cast<size_t>(cols));
      const uint64_t count = r.u64(where + "the column count");
      if (count != m.columns.size()) throw corrupt("column count " + std::to_string(count));
      for (Column& col : m.columns) {
        const uint8_t kind = r.u8(where + "a column kind");
        const uint64_t start = r.u64(where + "a column start");
        const uint64_t width = r.u64(where + "a column width");
        if (kind > static_cast<uint8_t>(Kind::kIndicator) || start != col.start ||
            width != col.width) {
          throw corrupt("a column does not match the spans");
        }
        const auto k = static_cast<Kind>(kind);
        const bool numeric_span = col.kind == Kind::kNumeric;
        if ((k == Kind::kNumeric || k == Kind::kConstant) != numeric_span) {
          throw corrupt("a column's kind does not match the spans");
        }
        col.kind = k;
        if (k == Kind::kNumeric) {
          col.vgm.weights = r.f64_vector(where + "mode weights");
          col.vgm.means = r.f64_vector(where + "mode means");
          col.vgm.stds = r.f64_vector(where + "mode deviations");
          const size_t modes = col.vgm.weights.size();
          if (modes == 0 || col.vgm.means.size() != modes || col.vgm.stds.size() != modes) {
            throw corrupt("mode lists of different lengths");
          }
          for (double s : col.vgm.stds) {
            if (!(s > 0.0) || !std::isfinite(s)) throw corrupt("a mode deviation is not positive");
          }
        } else if (k == Kind::kConstant) {
          col.constant = r.f64(where + "a constant");
        }
      }
      const size_t width = lay_out(m.columns);
      if (width == 0) throw corrupt("no modelled column");
      m.net = std::make_unique<VaeNet>(net_options(config_, m.columns, width), 0);
      try {
        m.net->load(r);
      } catch (const Error& e) {
        throw Error(e.kind(), where + e.what());
      }
      models[c] = std::move(m);
    }
    nlohmann::json history;
    try {
      history = nlohmann::json::parse(r.string("the training history"));
    } catch (const nlohmann::json::exception& e) {
      throw Error(
          ErrorKind::kInvalidArgument,
          std::string("corrupt: the training history is not valid JSON (") + e.what() + ")");
    }
    r.expect_end("the tvae state");
    models_ = std::move(models);
    cols_ = static_cast<size_t>(cols);
    spans_ = std::move(spans);
    history_ = std::move(history);
  }

  nlohmann::json history() const override { return history_; }

 private:
  std::vector<int> fitted_classes() const {
    std::vector<int> out;
    for (const auto& [c, m] : models_) out.push_back(c);
    return out;
  }

  TvaeConfig config_;
  std::map<int, ClassModel> models_;
  size_t cols_ = 0;
  std::vector<EncodedSpan> spans_;
  nlohmann::json history_ = nlohmann::json::object();
};

}  // namespace

template class ConfigBase<TvaeConfig>;

std::unique_ptr<Generator> make_tvae(const TvaeConfig& config) {
  return make_checked<Tvae>(config);
}

GeneratorSpec tvae_generator() {
  return make_spec<Tvae, TvaeConfig>(
      "TVAE (Xu et al. 2019): one variational autoencoder per class on mode-specific normalisation",
      {{"steps", 100},
       {"batch_size", 16},
       {"latent_dim", 8},
       {"encoder_hidden", {32}},
       {"decoder_hidden", {32}}});
}

}  // namespace imbgen
