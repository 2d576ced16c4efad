// The reference GAN (Goodfellow et al. 2014, "Generative Adversarial Nets"): one unconditional GAN
// per class on rows standardised by a StandardScaler fit on that class's training rows; samples
// are mapped back to original units. The networks and the training step live in gan_trainer.cpp.
#include "imbgen/generators/gan.h"

#include <cmath>
#include <map>
#include <sstream>
#include <utility>

#include "binary_io.h"
#include "common.h"
#include "config_reflect.h"
#include "gan_trainer.h"
#include "imbgen/core/error.h"
#include "imbgen/core/rng.h"
#include "imbgen/core/threads.h"
#include "imbgen/data/scaler.h"
#include "registry.h"

namespace imbgen {
namespace {

constexpr const char* kName = "gan";
constexpr size_t kMinRows = 2;

struct ClassModel {
  StandardScaler scaler;
  std::unique_ptr<GanTrainer> trainer;
};

struct Curve {
  std::vector<int> step;
  std::vector<double> d_loss, g_loss, d_real, d_fake;

  nlohmann::json to_json() const {
    return {{"step", step},
            {"d_loss", d_loss},
            {"g_loss", g_loss},
            {"d_real", d_real},
            {"d_fake", d_fake}};
  }
};

class Gan : public Generator {
 public:
  explicit Gan(const GanConfig& config) : config_(config) {}

  std::string name() const override { return kName; }
  nlohmann::json config() const override { return config_.to_json(); }

  void fit(const Matrix& x, const std::vector<int>& y, const FitOptions& options) override {
    check_fit_inputs(kName, x, y, options);
    set_torch_threads(options.threads);
    set_blas_threads(options.threads);
    NullObserver null_observer;
    Observer& observer = options.observer ? *options.observer : null_observer;

    std::map<int, ClassModel> models;
    nlohmann::json curves = nlohmann::json::object();
    for (int c : options.classes) {
      // Check every class before training any, so a bad class fails fast.
      class_rows(kName, x, y, c, kMinRows);
    }
    for (int c : options.classes) {
      ClassModel m;
      Matrix rows = class_rows(kName, x, y, c, kMinRows);
      m.scaler.fit(rows);
      m.scaler.transform_inplace(rows);
      m.trainer = std::make_unique<GanTrainer>(config_, x.cols,
                                               mix_seed(options.seed, static_cast<uint64_t>(c)));
      m.trainer->set_data(rows);
      curves[std::to_string(c)] = train(*m.trainer, c, observer).to_json();
      m.trainer->finish();
      models[c] = std::move(m);
    }
    models_ = std::move(models);
    history_ = {{"every", config_.history_every}, {"classes", std::move(curves)}};
  }

  Matrix sample(int cls, size_t n, uint64_t seed) const override {
    auto it = models_.find(cls);
    if (it == models_.end()) throw unfit_class_error(kName, cls, fitted_classes());
    Matrix z = it->second.trainer->sample(n, mix_seed(seed, static_cast<uint64_t>(cls)));
    return it->second.scaler.inverse_transform(z);
  }

  void save_state(std::ostream& out) const override {
    BinaryWriter w(out);
    w.u64(models_.size());
    for (const auto& [c, m] : models_) {
      w.i64(c);
      w.u64(m.trainer->n_features());
      w.string(m.scaler.to_json().dump());
      m.trainer->save(w);
    }
    w.string(history_.dump());
  }

  void load_state(std::istream& in) override {
    BinaryReader r(in);
    const uint64_t n = r.length("the class count", 24);
    std::map<int, ClassModel> models;
    for (uint64_t i = 0; i < n; ++i) {
      const int c = static_cast<int>(r.i64("a class"));
      const std::string where = "class " + std::to_string(c) + ": ";
      const uint64_t d = r.u64(where + "the feature count");
      // Each feature costs at least one float of the output layer's bias.
      if (d == 0 || d > r.remaining() / 4) {
        throw Error(ErrorKind::kInvalidArgument,
                    "corrupt: " + where + "feature count " + std::to_string(d));
      }
      ClassModel m;
      try {
        m.scaler = StandardScaler::from_json(nlohmann::json::parse(r.string(where + "scaler")));
      } catch (const nlohmann::json::exception& e) {
        throw Error(ErrorKind::kInvalidArgument,
                    "corrupt: " + where + "the scaler is not valid JSON (" + e.what() + ")");
      }
      if (m.scaler.mean().size() != d || m.scaler.scale().size() != d) {
        throw Error(ErrorKind::kInvalidArgument, "corrupt: " + where + "the scaler has " +
                                                     std::to_string(m.scaler.mean().size()) +
                                                     " columns, expected " + std::to_string(d));
      }
      m.trainer = std::make_unique<GanTrainer>(config_, static_cast<size_t>(d), 0);
      try {
        m.trainer->load(r);
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
    r.expect_end("the gan state");
    models_ = std::move(models);
    history_ = std::move(history);
  }

  nlohmann::json history() const override { return history_; }

 private:
  Curve train(GanTrainer& trainer, int cls, Observer& observer) const {
    const std::string task = "gan: class " + std::to_string(cls);
    Curve curve;
    GanStepStats sum;
    int in_block = 0;
    for (int step = 1; step <= config_.steps; ++step) {
      const GanStepStats s = trainer.step();
      if (!std::isfinite(s.d_loss) || !std::isfinite(s.g_loss)) {
        std::ostringstream msg;
        msg << task << ": training diverged at step " << step << " of " << config_.steps
            << " (d_loss = " << s.d_loss << ", g_loss = " << s.g_loss
            << "); hint: lower generator_lr / discriminator_lr, or check the class's rows for "
               "extreme values";
        throw Error(ErrorKind::kDiverged, msg.str());
      }
      observer.on_progress({task,
                            step,
                            config_.steps,
                            {{"d_loss", s.d_loss},
                             {"g_loss", s.g_loss},
                             {"d_real", s.d_real},
                             {"d_fake", s.d_fake}}});
      sum.d_loss += s.d_loss;
      sum.g_loss += s.g_loss;
      sum.d_real += s.d_real;
      sum.d_fake += s.d_fake;
      ++in_block;
      if (in_block == config_.history_every || step == config_.steps) {
        curve.step.push_back(step);
        curve.d_loss.push_back(sum.d_loss / in_block);
        curve.g_loss.push_back(sum.g_loss / in_block);
        curve.d_real.push_back(sum.d_real / in_block);
        curve.d_fake.push_back(sum.d_fake / in_block);
        sum = GanStepStats{};
        in_block = 0;
      }
    }
    return curve;
  }

  std::vector<int> fitted_classes() const {
    std::vector<int> out;
    for (const auto& [c, m] : models_) out.push_back(c);
    return out;
  }

  GanConfig config_;
  std::map<int, ClassModel> models_;
  nlohmann::json history_ = nlohmann::json::object();
};

}  // namespace

template class ConfigBase<GanConfig>;

std::unique_ptr<Generator> make_gan(const GanConfig& config) { return make_checked<Gan>(config); }

GeneratorSpec gan_generator() {
  return make_spec<Gan, GanConfig>(
      "GAN (Goodfellow et al. 2014): one generator and discriminator per class",
      {{"steps", 200}, {"batch_size", 16}});
}

}  // namespace imbgen
