// The conditional VAE generator (Sohn et al. 2015; the VAE of Kingma & Welling 2014 with the
// class's one-hot vector appended to the encoder's and the decoder's inputs): one model over the
// rows of every fit class, standardised together; sample(c, n) decodes prior draws with class c.
#include "imbgen/generators/cvae.h"

#include <algorithm>
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

constexpr const char* kName = "cvae";
constexpr size_t kMinRows = 2;

VaeNetOptions net_options(const CvaeConfig& c, size_t d, size_t n_classes) {
  VaeNetOptions o;
  o.data_dim = d;
  o.cond_dim = n_classes;
  o.latent_dim = static_cast<size_t>(c.latent_dim);
  o.encoder_hidden = c.encoder_hidden;
  o.decoder_hidden = c.decoder_hidden;
  o.lr = c.lr;
  o.weight_decay = c.weight_decay;
  o.row_sigma = true;
  for (size_t j = 0; j < d; ++j) o.blocks.push_back({OutputKind::kGaussian, j, 1});
  return o;
}

class Cvae : public Generator {
 public:
  explicit Cvae(const CvaeConfig& config) : config_(config) {}

  std::string name() const override { return kName; }
  nlohmann::json config() const override { return config_.to_json(); }
  bool conditional() const override { return true; }

  void fit(const Matrix& x, const std::vector<int>& y, const FitOptions& options) override {
    check_fit_inputs(kName, x, y, options);
    check_spans(kName, options.spans, x.cols);
    set_vae_threads(options.threads);
    NullObserver null_observer;
    Observer& observer = options.observer ? *options.observer : null_observer;
    for (int c : options.classes) class_rows(kName, x, y, c, kMinRows);

    // The rows of the fit classes, in their order in x; condition = position in options.classes.
    std::vector<size_t> rows;
    std::vector<int> condition;
    for (size_t i = 0; i < y.size(); ++i) {
      auto it = std::find(options.classes.begin(), options.classes.end(), y[i]);
      if (it == options.classes.end()) continue;
      rows.push_back(i);
      condition.push_back(static_cast<int>(it - options.classes.begin()));
    }
    Matrix z = x.select_rows(rows);
    StandardScaler scaler;
    scaler.fit(z);
    scaler.transform_inplace(z);
    auto net = std::make_unique<VaeNet>(net_options(config_, x.cols, options.classes.size()),
                                        mix_seed(options.seed, 0));
    nlohmann::json curves = net->train(
        z, condition, vae_plan(config_), [](const Matrix& m) { return m; },
        mix_seed(options.seed, 1), observer, kName);
    curves["every"] = config_.history_every;
    curves["classes"] = options.classes;
    net_ = std::move(net);
    scaler_ = std::move(scaler);
    classes_ = options.classes;
    spans_ = options.spans;
    history_ = std::move(curves);
  }

  Matrix sample(int cls, size_t n, uint64_t seed) const override {
    auto it = std::find(classes_.begin(), classes_.end(), cls);
    if (it == classes_.end()) throw unfit_class_error(kName, cls, classes_);
    const int condition = static_cast<int>(it - classes_.begin());
    const Matrix z = net_->sample(n, condition, config_.sample_noise,
                                  mix_seed(seed, static_cast<uint64_t>(cls)));
    Matrix out = scaler_.inverse_transform(z);
    round_spans(out, spans_);
    return out;
  }

  void save_state(std::ostream& out) const override {
    BinaryWriter w(out);
    w.u64(classes_.size());
    for (int c : classes_) w.i64(c);
    if (classes_.empty()) return;
    w.u64(net_->options().data_dim);
    w.string(scaler_.to_json().dump());
    net_->save(w);
    write_spans(w, spans_);
    w.string(history_.dump());
  }

  void load_state(std::istream& in) override {
    BinaryReader r(in);
    const uint64_t n = r.length("the class count", 8);
    std::vector<int> classes;
    for (uint64_t i = 0; i < n; ++i) {
      const int c = static_cast<int>(r.i64("a class"));
      if (std::find(classes.begin(), classes.end(), c) != classes.end()) {
        throw Error(ErrorKind::kInvalidArgument,
                    "corrupt: class " + std::to_string(c) + " is listed twice");
      }
      classes.push_back(c);
    }
    if (classes.empty()) {
      r.expect_end("the cvae state");
      net_.reset();
      scaler_ = StandardScaler();
      classes_.clear();
      spans_.clear();
      history_ = nlohmann::json::object();
      return;
    }
    const uint64_t d = r.u64("the feature count");
    if (d == 0 || d > r.remaining() / 4) {
      throw Error(ErrorKind::kInvalidArgument, "corrupt: feature count " + std::to_string(d));
    }
    StandardScaler scaler;
    try {
      scaler = StandardScaler::from_json(nlohmann::json::parse(r.string("the scaler")));
    } catch (const nlohmann::json::exception& e) {
      throw Error(ErrorKind::kInvalidArgument,
                  std::string("corrupt: the scaler is not valid JSON (") + e.what() + ")");
    }
    if (scaler.mean().size() != d) {
      throw Error(ErrorKind::kInvalidArgument, "corrupt: the scaler has " +
                                                   std::to_string(scaler.mean().size()) +
                                                   " columns, expected " + std::to_string(d));
    }
    auto net =
        std::make_unique<VaeNet>(net_options(config_, static_cast<size_t>(d), classes.size()), 0);
    net->load(r);
    std::vector<EncodedSpan> spans = read_spans(r, static_cast<size_t>(d));
    nlohmann::json history;
    try {
      history = nlohmann::json::parse(r.string("the training history"));
    } catch (const nlohmann::json::exception& e) {
      throw Error(
          ErrorKind::kInvalidArgument,
          std::string("corrupt: the training history is not valid JSON (") + e.what() + ")");
    }
    r.expect_end("the cvae state");
    net_ = std::move(net);
    scaler_ = std::move(scaler);
    classes_ = std::move(classes);
    spans_ = std::move(spans);
    history_ = std::move(history);
  }

  nlohmann::json history() const override { return history_; }

 private:
  CvaeConfig config_;
  std::unique_ptr<VaeNet> net_;
  StandardScaler scaler_;
  std::vector<int> classes_;
  std::vector<EncodedSpan> spans_;
  nlohmann::json history_ = nlohmann::json::object();
};

}  // namespace

template class ConfigBase<CvaeConfig>;

std::unique_ptr<Generator> make_cvae(const CvaeConfig& config) {
  return make_checked<Cvae>(config);
}

GeneratorSpec cvae_generator() {
  return make_spec<Cvae, CvaeConfig>(
      "Conditional VAE (Sohn et al. 2015): one variational autoencoder for all classes, "
      "conditioned on the class",
      {{"steps", 100}, {"batch_size", 16}});
}

}  // namespace imbgen
