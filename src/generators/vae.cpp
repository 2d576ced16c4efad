// The VAE generator (Kingma & Welling 2014, "Auto-Encoding Variational Bayes"): one VAE per class
// on rows standardised by a StandardScaler fit on that class's training rows; samples from the
// prior through the decoder are mapped back to original units. The network is in vae_net.cpp.
#include "imbgen/generators/vae.h"

#include <map>
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

namespace imbgen {
namespace {

constexpr const char* kName = "vae";
constexpr size_t kMinRows = 2;

VaeNetOptions net_options(const VaeConfig& c, size_t d) {
  VaeNetOptions o;
  o.data_dim = d;
  o.latent_dim = static_cast<size_t>(c.latent_dim);
  o.encoder_hidden = c.encoder_hidden;
  o.decoder_hidden = c.decoder_hidden;
  o.lr = c.lr;
  o.weight_decay = c.weight_decay;
  o.row_sigma = true;
  for (size_t j = 0; j < d; ++j) o.blocks.push_back({OutputKind::kGaussian, j, 1});
  return o;
}

struct ClassModel {
  StandardScaler scaler;
  std::unique_ptr<VaeNet> net;
};

class Vae : public Generator {
 public:
  explicit Vae(const VaeConfig& config) : config_(config) {}

  std::string name() const override { return kName; }
  nlohmann::json config() const override { return config_.to_json(); }

  void fit(const Matrix& x, const std::vector<int>& y, const FitOptions& options) override {
    check_fit_inputs(kName, x, y, options);
    check_spans(kName, options.spans, x.cols);
    set_vae_threads(options.threads);
    NullObserver null_observer;
    Observer& observer = options.observer ? *options.observer : null_observer;
    for (int c : options.classes) class_rows(kName, x, y, c, kMinRows);  // fail fast

    std::map<int, ClassModel> models;
    nlohmann::json curves = nlohmann::json::object();
    const ScoreMap identity = [](const Matrix& m) { return m; };
    for (int c : options.classes) {
      const auto stream = static_cast<uint64_t>(c);
      ClassModel m;
      Matrix rows = class_rows(kName, x, y, c, kMinRows);
      m.scaler.fit(rows);
      m.scaler.transform_inplace(rows);
      m.net =
          std::make_unique<VaeNet>(net_options(config_, x.cols), mix_seed(options.seed, stream));
      curves[std::to_string(c)] =
          m.net->train(rows, std::vector<int>(rows.rows, 0), vae_plan(config_), identity,
                       mix_seed(mix_seed(options.seed, stream), 1), observer,
                       std::string(kName) + ": class " + std::to_string(c));
      models[c] = std::move(m);
    }
    models_ = std::move(models);
    spans_ = options.spans;
    history_ = {{"every", config_.history_every}, {"classes", std::move(curves)}};
  }

  Matrix sample(int cls, size_t n, uint64_t seed) const override {
    auto it = models_.find(cls);
    if (it == models_.end()) throw unfit_class_error(kName, cls, fitted_classes());
    const Matrix z = it->second.net->sample(n, 0, config_.sample_noise,
                                            mix_seed(seed, static_cast<uint64_t>(cls)));
    Matrix out = it->second.scaler.inverse_transform(z);
    round_spans(out, spans_);
    return out;
  }

  void save_state(std::ostream& out) const override {
    BinaryWriter w(out);
    w.u64(models_.size());
    for (const auto& [c, m] : models_) {
      w.i64(c);
      w.u64(m.net->options().data_dim);
      w.string(m.scaler.to_json().dump());
      m.net->save(w);
    }
    write_spans(w, spans_);
    w.string(history_.dump());
  }

  void load_state(std::istream& in) override {
    BinaryReader r(in);
    const uint64_t n = r.length("the class count", 24);
    std::map<int, ClassModel> models;
    size_t cols = 0;
    for (uint64_t i = 0; i < n; ++i) {
      const int c = static_cast<int>(r.i64("a class"));
      const std::string where = "class " + std::to_string(c) + ": ";
      const uint64_t d = r.u64(where + "the feature count");
      if (d == 0 || d > r.remaining() / 4 || (i > 0 && d != cols)) {
        throw Error(ErrorKind::kInvalidArgument,
                    "corrupt: " + where + "feature count " + std::to_string(d));
      }
      cols = static_cast<size_t>(d);
      ClassModel m;
      try {
        m.scaler = StandardScaler::from_json(nlohmann::json::parse(r.string(where + "scaler")));
      } catch (const nlohmann::json::exception& e) {
        throw Error(ErrorKind::kInvalidArgument,
                    "corrupt: " + where + "the scaler is not valid JSON (" + e.what() + ")");
      }
      if (m.scaler.mean().size() != d) {
        throw Error(ErrorKind::kInvalidArgument, "corrupt: " + where + "the scaler has " +
                                                     std::to_string(m.scaler.mean().size()) +
                                                     " columns, expected " + std::to_string(d));
      }
      m.net = std::make_unique<VaeNet>(net_options(config_, cols), 0);
      try {
        m.net->load(r);
      } catch (const Error& e) {
        throw Error(e.kind(), where + e.what());
      }
      models[c] = std::move(m);
    }
    std::vector<EncodedSpan> spans = read_spans(r, cols);
    nlohmann::json history;
    try {
      history = nlohmann::json::parse(r.string("the training history"));
    } catch (const nlohmann::json::exception& e) {
      throw Error(
          ErrorKind::kInvalidArgument,
          std::string("corrupt: the training history is not valid JSON (") + e.what() + ")");
    }
    r.expect_end("the vae state");
    models_ = std::move(models);
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

  VaeConfig config_;
  std::map<int, ClassModel> models_;
  std::vector<EncodedSpan> spans_;
  nlohmann::json history_ = nlohmann::json::object();
};

}  // namespace

template class ConfigBase<VaeConfig>;

std::unique_ptr<Generator> make_vae(const VaeConfig& config) { return make_checked<Vae>(config); }

GeneratorSpec vae_generator() {
  return make_spec<Vae, VaeConfig>(
      "VAE (Kingma and Welling 2014): one variational autoencoder per class",
      {{"steps", 100}, {"batch_size", 16}});
}

}  // namespace imbgen
