// The reference GAN (Goodfellow et al. 2014, "Generative Adversarial Nets"): one unconditional GAN
// per class on rows standardised by a StandardScaler fit on that class's training rows; samples
// are mapped back to original units. The networks and the training step live in gan_trainer.cpp.
#include "imbgen/generators/gan.h"

#include <map>
#include <utility>

#include "common.h"
#include "gan_trainer.h"
#include "imbgen/core/rng.h"
#include "imbgen/data/scaler.h"
#include "registry.h"
#include "training_loop.h"

namespace imbgen {
namespace {

constexpr size_t kMinRows = 2;

struct ClassModel {
  StandardScaler scaler;
  std::unique_ptr<GanTrainer> trainer;
};

class Gan : public GeneratorBase<GanConfig> {
 public:
  using GeneratorBase::GeneratorBase;

  size_t min_class_rows() const override { return kMinRows; }

  void fit(const Matrix& x, const std::vector<int>& y, const FitOptions& options) override {
    begin_fit(name(), x, y, options, min_class_rows());
    const TorchThreadScope threads(options.threads);
    std::map<int, ClassModel> models;
    nlohmann::json curves = nlohmann::json::object();
    for (int c : options.classes) {
      ClassModel& m = models[c];
      Matrix rows = class_rows(name(), x, y, c, min_class_rows());
      m.scaler.fit(rows);
      m.scaler.transform_inplace(rows);
      m.trainer = std::make_unique<GanTrainer>(config_, x.cols,
                                               mix_seed(options.seed, static_cast<uint64_t>(c)));
      m.trainer->set_data(rows);
      const LoopResult result = run_training(
          {name() + ": class " + std::to_string(c), config_.steps, config_.history_every, 0, 0,
           "lower generator_lr / discriminator_lr, or check the class's rows for extreme values"},
          {"d_loss", "g_loss", "d_real", "d_fake"},
          [&] {
            const GanStepStats s = m.trainer->step();
            return std::vector<double>{s.d_loss, s.g_loss, s.d_real, s.d_fake};
          },
          nullptr, nullptr, observer_of(options));
      m.trainer->finish();
      curves[std::to_string(c)] = result.history;
    }
    models_ = std::move(models);
    history_ = {{"every", config_.history_every}, {"classes", std::move(curves)}};
  }

  Matrix sample(int cls, size_t n, uint64_t seed) const override {
    Matrix out(n, model_of(models_, name(), cls).trainer->n_features());
    sample_into(cls, n, seed, block_of(out));
    return out;
  }

  void sample_into(int cls, size_t n, uint64_t seed, const MutableNumberBlock& out) const override {
    const ClassModel& m = model_of(models_, name(), cls);
    check_internal(out.rows == n, name() + ": sample_into: the block does not have n rows");
    m.trainer->sample_into(mix_seed(seed, static_cast<uint64_t>(cls)), out);
    m.scaler.inverse_transform(out);
  }

  void save_state(std::ostream& out) const override {
    BinaryWriter w(out);
    write_per_class(w, models_, [](BinaryWriter& bw, const ClassModel& m) {
      write_scaler(bw, m.scaler);
      m.trainer->save(bw);
    });
    write_json(w, history_);
  }

  void load_state(std::istream& in) override {
    BinaryReader r(in);
    auto models = read_per_class<ClassModel>(r, 24, [this](BinaryReader& br, int) {
      ClassModel m;
      m.scaler = read_scaler(br);
      m.trainer = std::make_unique<GanTrainer>(config_, m.scaler.mean().size(), 0);
      m.trainer->load(br);
      return m;
    });
    nlohmann::json history = read_json(r, "the training history");
    r.expect_end("the gan state");
    models_ = std::move(models);
    history_ = std::move(history);
  }

  nlohmann::json history() const override { return history_; }

 private:
  std::map<int, ClassModel> models_;
  nlohmann::json history_ = nlohmann::json::object();
};

}  // namespace

GeneratorSpec gan_generator() {
  return trains_network(make_spec<Gan, GanConfig>(
      "GAN (Goodfellow et al. 2014): one generator and discriminator per class",
      {{"steps", 200}, {"batch_size", 16}}));
}

}  // namespace imbgen
