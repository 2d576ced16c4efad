// WGAN-GP (Gulrajani et al. 2017, "Improved Training of Wasserstein GANs", Algorithm 1): one
// unconditional generator/critic pair per class on StandardScaler-standardised rows, with
// optional model selection on a held-back part of the class's rows (RBF-kernel MMD).
#include "imbgen/generators/wgan_gp.h"

#include <algorithm>
#include <map>
#include <utility>

#include "common.h"
#include "imbgen/core/rng.h"
#include "imbgen/data/scaler.h"
#include "registry.h"
#include "torch_blocks.h"
#include "training_loop.h"

namespace imbgen {
namespace {

constexpr size_t kMinRows = 2;
constexpr int kAutoBatch = 64;
constexpr double kAutoEpochs = 1000.0;  // generator steps = this * rows / batch, clamped

// The generator of one class and what sampling needs: the scaler.
struct ClassModel {
  StandardScaler scaler;
  Mlp generator{nullptr};
};

Mlp build_generator(const WganGpConfig& c, int64_t d) {
  return Mlp(c.latent_dim, c.generator_hidden, d, MlpOptions{Activation::kReLU, false, 0.0});
}

Mlp build_critic(const WganGpConfig& c, int64_t d) {
  return Mlp(d, c.critic_hidden, 1, MlpOptions{Activation::kLeakyReLU, false, 0.0});
}

// Training state of one class: both networks, their optimisers, the rows and the noise source.
// step() = critic_steps critic updates (Algorithm 1, lines 2-9), then one generator update
// (line 11).
class Trainer {
 public:
  Trainer(const WganGpConfig& c, const torch::Tensor& data, size_t batch, uint64_t seed)
      : c_(c),
        batch_(static_cast<int64_t>(batch)),
        data_(data),
        gen_(seeded_generator(seed)),
        rows_(static_cast<size_t>(data.size(0)), mix_seed(seed, 1)),
        g_(build_generator(c, data.size(1))),
        critic_(build_critic(c, data.size(1))) {
    init_linear_layers(*g_, gen_);
    init_linear_layers(*critic_, gen_);
    g_opt_ = make_adam(g_->parameters(), c.generator_lr, c.beta1, c.beta2);
    c_opt_ = make_adam(critic_->parameters(), c.critic_lr, c.beta1, c.beta2);
    critic_params_ = critic_->parameters();
  }

  // {critic_loss, g_loss, wasserstein, gp}
  std::vector<double> step() {
    const CriticStats s = critic_updates(
        c_.critic_steps, c_.gp_lambda, 1,
        [this] {
          CriticBatch b;
          b.real = data_.index_select(0, torch::tensor(rows_.next(static_cast<size_t>(batch_))));
          torch::NoGradGuard no_grad;
          b.fake = g_->forward(torch::randn({batch_, c_.latent_dim}, gen_));  // [batch, d]
          return b;
        },
        [this](const torch::Tensor& x) { return critic_->forward(x); }, gen_, *c_opt_);
    const double g_loss = generator_update(critic_params_, *g_opt_, [this] {
      return -critic_->forward(g_->forward(torch::randn({batch_, c_.latent_dim}, gen_))).mean();
    });
    return {s.loss, g_loss, s.wasserstein, s.gp};
  }

  Mlp& generator() { return g_; }

 private:
  const WganGpConfig& c_;
  int64_t batch_;
  torch::Tensor data_;  // [n, d] float32, standardised
  at::Generator gen_;   // weights, noise, interpolation
  RowSampler rows_;
  Mlp g_;
  Mlp critic_;
  std::vector<torch::Tensor> critic_params_;
  std::unique_ptr<torch::optim::Adam> g_opt_;
  std::unique_ptr<torch::optim::Adam> c_opt_;
};

class WganGp : public GeneratorBase<WganGpConfig> {
 public:
  using GeneratorBase::GeneratorBase;

  size_t min_class_rows() const override { return kMinRows; }

  void fit(const Matrix& x, const std::vector<int>& y, const FitOptions& options) override {
    begin_fit(name(), x, y, options, min_class_rows());
    const TorchThreadScope threads(options.threads);
    std::map<int, ClassModel> models;
    nlohmann::json curves = nlohmann::json::object();
    for (int c : options.classes) {
      curves[std::to_string(c)] = fit_class(
          class_rows(name(), x, y, c, min_class_rows()), mix_seed(options.seed, static_cast<uint64_t>(c)),
          name() + ": class " + std::to_string(c), observer_of(options), models[c]);
    }
    models_ = std::move(models);
    history_ = {{"every", config_.history_every}, {"classes", std::move(curves)}};
  }

  Matrix sample(int cls, size_t n, uint64_t seed) const override {
    const ClassModel& m = model_of(models_, name(), cls);
    at::Generator gen = seeded_generator(mix_seed(seed, static_cast<uint64_t>(cls)));
    Mlp g = m.generator;  // forward() is not const; eval mode and no grad make it read-only
    const Matrix z = generate_rows(n, m.scaler.mean().size(), kSampleChunk, [&](size_t rows) {
      return to_matrix(
          forward_in_blocks(torch::randn({static_cast<int64_t>(rows), config_.latent_dim}, gen),
                            [&](const torch::Tensor& noise) { return g->forward(noise); }));
    });
    return m.scaler.inverse_transform(z);
  }

  void save_state(std::ostream& out) const override {
    BinaryWriter w(out);
    write_per_class(w, models_, [](BinaryWriter& bw, const ClassModel& m) {
      write_scaler(bw, m.scaler);
      save_tensors(bw, *m.generator);
    });
    write_json(w, history_);
  }

  void load_state(std::istream& in) override {
    BinaryReader r(in);
    auto models = read_per_class<ClassModel>(r, 24, [this](BinaryReader& br, int) {
      ClassModel m;
      m.scaler = read_scaler(br);
      m.generator = build_generator(config_, static_cast<int64_t>(m.scaler.mean().size()));
      load_tensors(br, *m.generator);
      m.generator->eval();
      return m;
    });
    nlohmann::json history = read_json(r, "the training history");
    r.expect_end("the wgan_gp state");
    models_ = std::move(models);
    history_ = std::move(history);
  }

  nlohmann::json history() const override { return history_; }

 private:
  // Trains the model of one class on its rows; returns its curves.
  nlohmann::json fit_class(const Matrix& rows, uint64_t seed, const std::string& task,
                           Observer& observer, ClassModel& m) const {
    const HoldoutSplit split =
        holdout_split(rows.rows, config_.validation_fraction, kAdversarialMinValidationRows,
                      kMinRows, mix_seed(seed, 2));
    Matrix train = rows.select_rows(split.train);
    m.scaler.fit(train);
    m.scaler.transform_inplace(train);
    Matrix validation = rows.select_rows(split.validation);
    if (validation.rows > 0) m.scaler.transform_inplace(validation);
    if (config_.validation_fraction > 0 && validation.rows == 0) {
      note_no_validation(observer, task, std::to_string(rows.rows) + " rows");
    }
    const size_t n = train.rows;
    const size_t batch =
        std::min(n, static_cast<size_t>(config_.batch_size > 0 ? config_.batch_size : kAutoBatch));
    const int steps = step_budget(config_.steps, kAutoEpochs, n, batch, kAdversarialMinSteps,
                                  kAdversarialMaxSteps);
    Trainer trainer(config_, to_tensor(train), batch, seed);
    Mlp& g = trainer.generator();

    // Validation: fixed noise, so scores differ only by the weights; the held-back rows and the
    // bandwidth (from the training rows) are fixed too.
    std::function<double()> score;
    std::vector<MmdTarget> targets;
    torch::Tensor noise;  // [500, latent]
    if (validation.rows > 0) {
      MmdTarget t;
      t.rows = to_tensor(score_sample(validation, kAdversarialMaxScoreRows, mix_seed(seed, 3)));
      t.bandwidth = median_distance(
          to_tensor(score_sample(train, kAdversarialMaxScoreRows, mix_seed(seed, 4))));
      targets.push_back(t);
      at::Generator noise_gen = seeded_generator(mix_seed(seed, 5));
      noise = torch::randn({static_cast<int64_t>(kAdversarialValidationSample), config_.latent_dim},
                           noise_gen);
      score = [&] {
        torch::NoGradGuard no_grad;
        g->eval();
        const double v = weighted_mmd(targets, [&](const MmdTarget&) { return g->forward(noise); });
        g->train();
        return v;
      };
    }
    std::vector<torch::Tensor> best;
    const LoopResult result = run_training(
        {task, steps, config_.history_every, config_.validation_every, 0,
         "lower generator_lr / critic_lr, or check the class's rows for extreme values"},
        {"critic_loss", "g_loss", "wasserstein", "gp"}, [&] { return trainer.step(); }, score,
        [&] { best = copy_state(*g); }, observer);
    if (result.has_best) restore_state(*g, best);
    m.generator = g;
    m.generator->eval();
    nlohmann::json curve = result.history;
    curve["batch_size"] = batch;
    curve["steps"] = steps;
    curve["rows"] = n;
    curve["validation_rows"] = validation.rows;
    return curve;
  }

  std::map<int, ClassModel> models_;
  nlohmann::json history_ = nlohmann::json::object();
};

}  // namespace

GeneratorSpec wgan_gp_generator() {
  return make_spec<WganGp, WganGpConfig>(
      "WGAN-GP (Gulrajani et al. 2017): one Wasserstein GAN with gradient penalty per class",
      {{"steps", 60},
       {"batch_size", 16},
       {"critic_steps", 2},
       {"validation_every", 20},
       {"generator_hidden", {32, 32}},
       {"critic_hidden", {32, 32}}});
}

}  // namespace imbgen
