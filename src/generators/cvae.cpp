// The conditional VAE generator (Sohn et al. 2015; the VAE of Kingma & Welling 2014 with the
// class's one-hot vector appended to the encoder's and the decoder's inputs): one model over the
// rows of every fit class, standardised together; sample(c, n) decodes prior draws with class c.
#include "imbgen/generators/cvae.h"

#include <utility>

#include "common.h"
#include "imbgen/core/rng.h"
#include "imbgen/data/scaler.h"
#include "registry.h"
#include "training_loop.h"
#include "vae_net.h"

namespace imbgen {
namespace {

constexpr size_t kMinRows = 2;

class Cvae : public GeneratorBase<CvaeConfig> {
 public:
  using GeneratorBase::GeneratorBase;

  size_t min_class_rows() const override { return kMinRows; }
  bool conditional() const override { return true; }

  void fit(const Matrix& x, const std::vector<int>& y, const FitOptions& options) override {
    begin_fit(name(), x, y, options, min_class_rows(), "", /*check_spans=*/true);
    const TorchThreadScope threads(options.threads);
    // The rows of the fit classes, in their order in x; condition = position in options.classes.
    const ClassPositions fit_rows = rows_of_classes(y, options.classes);
    Matrix z = x.select_rows(fit_rows.rows);
    StandardScaler scaler;
    scaler.fit(z);
    scaler.transform_inplace(z);
    auto net = std::make_unique<VaeNet>(
        gaussian_vae_options(config_, x.cols, options.classes.size()), mix_seed(options.seed, 0));
    nlohmann::json curves = net->train(
        z, fit_rows.position, config_, [](const Matrix& m) { return m; }, mix_seed(options.seed, 1),
        observer_of(options), name());
    curves["classes"] = options.classes;
    net_ = std::move(net);
    scaler_ = std::move(scaler);
    classes_ = options.classes;
    spans_ = options.spans;
    history_ = std::move(curves);
  }

  Matrix sample(int cls, size_t n, uint64_t seed) const override {
    const auto condition = static_cast<int>(class_position(classes_, name(), cls));
    Matrix out = scaler_.inverse_transform(net_->sample(
        n, condition, config_.sample_noise, mix_seed(seed, static_cast<uint64_t>(cls))));
    round_spans(out, spans_);
    return out;
  }

  void save_state(std::ostream& out) const override {
    BinaryWriter w(out);
    write_class_list(w, classes_);
    if (classes_.empty()) return;
    write_scaler(w, scaler_);
    net_->save(w);
    write_spans(w, spans_);
    write_json(w, history_);
  }

  void load_state(std::istream& in) override {
    BinaryReader r(in);
    std::vector<int> classes = read_class_list(r);
    if (classes.empty()) {
      r.expect_end("the cvae state");
      net_.reset();
      scaler_ = StandardScaler();
      classes_.clear();
      spans_.clear();
      history_ = nlohmann::json::object();
      return;
    }
    StandardScaler scaler = read_scaler(r);
    const size_t d = scaler.mean().size();
    auto net = std::make_unique<VaeNet>(gaussian_vae_options(config_, d, classes.size()), 0);
    net->load(r);
    std::vector<EncodedSpan> spans = read_spans(r, d);
    nlohmann::json history = read_json(r, "the training history");
    r.expect_end("the cvae state");
    net_ = std::move(net);
    scaler_ = std::move(scaler);
    classes_ = std::move(classes);
    spans_ = std::move(spans);
    history_ = std::move(history);
  }

  nlohmann::json history() const override { return history_; }

 private:
  std::unique_ptr<VaeNet> net_;
  StandardScaler scaler_;
  std::vector<int> classes_;
  std::vector<EncodedSpan> spans_;
  nlohmann::json history_ = nlohmann::json::object();
};

}  // namespace

GeneratorSpec cvae_generator() {
  return trains_network(make_spec<Cvae, CvaeConfig>(
      "Conditional VAE (Sohn et al. 2015): one variational autoencoder for all classes, "
      "conditioned on the class",
      {{"steps", 100}, {"batch_size", 16}}));
}

}  // namespace imbgen
