// The VAE generator (Kingma & Welling 2014, "Auto-Encoding Variational Bayes"): one VAE per class
// on rows standardised by a StandardScaler fit on that class's training rows; samples from the
// prior through the decoder are mapped back to original units. The network is in vae_net.cpp.
#include "imbgen/generators/vae.h"

#include <map>
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

struct ClassModel {
  StandardScaler scaler;
  std::unique_ptr<VaeNet> net;
};

class Vae : public GeneratorBase<VaeConfig> {
 public:
  using GeneratorBase::GeneratorBase;

  size_t min_class_rows() const override { return kMinRows; }

  void fit(const Matrix& x, const std::vector<int>& y, const FitOptions& options) override {
    begin_fit(name(), x, y, options, min_class_rows(), "", /*check_spans=*/true);
    const TorchThreadScope threads(options.threads);
    std::map<int, ClassModel> models;
    nlohmann::json curves = nlohmann::json::object();
    for (int c : options.classes) {
      const auto stream = static_cast<uint64_t>(c);
      ClassModel& m = models[c];
      Matrix rows = class_rows(name(), x, y, c, min_class_rows());
      m.scaler.fit(rows);
      m.scaler.transform_inplace(rows);
      m.net = std::make_unique<VaeNet>(gaussian_vae_options(config_, x.cols),
                                       mix_seed(options.seed, stream));
      curves[std::to_string(c)] = m.net->train(
          rows, std::vector<int>(rows.rows, 0), config_, [](const Matrix& s) { return s; },
          mix_seed(mix_seed(options.seed, stream), 1), observer_of(options),
          name() + ": class " + std::to_string(c));
    }
    models_ = std::move(models);
    spans_ = options.spans;
    history_ = {{"every", config_.history_every}, {"classes", std::move(curves)}};
  }

  Matrix sample(int cls, size_t n, uint64_t seed) const override {
    const ClassModel& m = model_of(models_, name(), cls);
    Matrix out = m.scaler.inverse_transform(
        m.net->sample(n, 0, config_.sample_noise, mix_seed(seed, static_cast<uint64_t>(cls))));
    round_spans(out, spans_);
    return out;
  }

  void save_state(std::ostream& out) const override {
    BinaryWriter w(out);
    write_per_class(w, models_, [](BinaryWriter& bw, const ClassModel& m) {
      write_scaler(bw, m.scaler);
      m.net->save(bw);
    });
    write_spans(w, spans_);
    write_json(w, history_);
  }

  void load_state(std::istream& in) override {
    BinaryReader r(in);
    size_t cols = 0;
    auto models = read_per_class<ClassModel>(r, 24, [&](BinaryReader& br, int) {
      ClassModel m;
      m.scaler = read_scaler(br);
      const size_t d = m.scaler.mean().size();
      if (cols != 0 && d != cols) {
        throw Error(ErrorKind::kInvalidArgument, "corrupt: feature count " + std::to_string(d) +
                                                     ", other classes have " +
                                                     std::to_string(cols));
      }
      cols = d;
      m.net = std::make_unique<VaeNet>(gaussian_vae_options(config_, cols), 0);
      m.net->load(br);
      return m;
    });
    std::vector<EncodedSpan> spans = read_spans(r, cols);
    nlohmann::json history = read_json(r, "the training history");
    r.expect_end("the vae state");
    models_ = std::move(models);
    spans_ = std::move(spans);
    history_ = std::move(history);
  }

  nlohmann::json history() const override { return history_; }

 private:
  std::map<int, ClassModel> models_;
  std::vector<EncodedSpan> spans_;
  nlohmann::json history_ = nlohmann::json::object();
};

}  // namespace

GeneratorSpec vae_generator() {
  return trains_network(make_spec<Vae, VaeConfig>(
      "VAE (Kingma and Welling 2014): one variational autoencoder per class",
      {{"steps", 100}, {"batch_size", 16}}));
}

}  // namespace imbgen
