// WGAN-GP (Gulrajani et al. 2017, "Improved Training of Wasserstein GANs", Algorithm 1): one
// unconditional generator/critic pair per class on StandardScaler-standardised rows, with
// optional model selection on a held-back part of the class's rows (RBF-kernel MMD).
#include "imbgen/generators/wgan_gp.h"

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
#include "imbgen/data/scaler.h"
#include "registry.h"
#include "torch_blocks.h"

namespace imbgen {
namespace {

constexpr const char* kName = "wgan_gp";
constexpr size_t kMinRows = 2;
constexpr int kAutoBatch = 64;
constexpr double kAutoEpochs = 1000.0;  // generator steps = this * rows / batch, clamped
constexpr int kAutoMinSteps = 1000;
constexpr int kAutoMaxSteps = 5000;
constexpr size_t kMinValidationRows = 5;
constexpr size_t kValidationSample = 500;  // generated rows per validation score
constexpr size_t kMaxScoreRows = 1000;     // real rows used by a score / the bandwidth
constexpr size_t kSampleChunk = 65536;     // rows per forward pass in sample()

struct StepStats {
  double critic_loss = 0, g_loss = 0, wasserstein = 0, gp = 0;
};

struct Curve {
  std::vector<int> step;
  std::vector<double> critic_loss, g_loss, wasserstein, gp;
  std::vector<int> val_step;
  std::vector<double> val_mmd2;
  int best_step = 0;
};

// The generator of one class and what sampling needs: the scaler and the latent size.
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
    g_opt_ = std::make_unique<torch::optim::Adam>(
        g_->parameters(), torch::optim::AdamOptions(c.generator_lr).betas({c.beta1, c.beta2}));
    c_opt_ = std::make_unique<torch::optim::Adam>(
        critic_->parameters(), torch::optim::AdamOptions(c.critic_lr).betas({c.beta1, c.beta2}));
    critic_params_ = critic_->parameters();
  }

  // critic_steps critic updates (Algorithm 1, lines 2-9), then one generator update (line 11).
  StepStats step() {
    StepStats s;
    auto critic_fn = [this](const torch::Tensor& x) { return critic_->forward(x); };
    for (int k = 0; k < c_.critic_steps; ++k) {
      const std::vector<int64_t> idx = rows_.next(static_cast<size_t>(batch_));
      const torch::Tensor real = data_.index_select(0, torch::tensor(idx));  // [batch, d]
      torch::Tensor fake;                                                    // [batch, d]
      {
        torch::NoGradGuard no_grad;
        fake = g_->forward(torch::randn({batch_, c_.latent_dim}, gen_));
      }
      const torch::Tensor d_real = critic_->forward(real).mean();
      const torch::Tensor d_fake = critic_->forward(fake).mean();
      const torch::Tensor eps = torch::rand({batch_, 1}, gen_);  // [batch, 1]
      const torch::Tensor gp = gradient_penalty(critic_fn, real, fake, eps);
      const torch::Tensor loss = d_fake - d_real + c_.gp_lambda * gp;
      c_opt_->zero_grad();
      loss.backward();
      c_opt_->step();
      s.critic_loss += loss.item<double>();
      s.wasserstein += (d_real - d_fake).item<double>();
      s.gp += gp.item<double>();
    }
    s.critic_loss /= c_.critic_steps;
    s.wasserstein /= c_.critic_steps;
    s.gp /= c_.critic_steps;

    for (auto& p : critic_params_) p.requires_grad_(false);
    const torch::Tensor fake = g_->forward(torch::randn({batch_, c_.latent_dim}, gen_));
    const torch::Tensor g_loss = -critic_->forward(fake).mean();
    g_opt_->zero_grad();
    g_loss.backward();
    g_opt_->step();
    for (auto& p : critic_params_) p.requires_grad_(true);
    s.g_loss = g_loss.item<double>();
    return s;
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

// The first min(n, kMaxScoreRows) rows of a seeded shuffle of m's rows.
torch::Tensor score_rows(const Matrix& m, uint64_t seed) {
  std::vector<size_t> order(m.rows);
  for (size_t i = 0; i < m.rows; ++i) order[i] = i;
  Rng rng(seed);
  rng.shuffle(order);
  order.resize(std::min(order.size(), kMaxScoreRows));
  return to_tensor(m.select_rows(order));
}

class WganGp : public Generator {
 public:
  explicit WganGp(const WganGpConfig& config) : config_(config) {}

  std::string name() const override { return kName; }
  nlohmann::json config() const override { return config_.to_json(); }

  void fit(const Matrix& x, const std::vector<int>& y, const FitOptions& options) override {
    check_fit_inputs(kName, x, y, options);
    set_torch_and_blas_threads(options.threads);
    NullObserver null_observer;
    Observer& observer = options.observer ? *options.observer : null_observer;
    for (int c : options.classes) class_rows(kName, x, y, c, kMinRows);  // fail fast

    std::map<int, ClassModel> models;
    nlohmann::json curves = nlohmann::json::object();
    for (int c : options.classes) {
      const uint64_t seed = mix_seed(options.seed, static_cast<uint64_t>(c));
      const Matrix rows = class_rows(kName, x, y, c, kMinRows);
      const HoldoutSplit split = holdout_split(rows.rows, config_.validation_fraction,
                                               kMinValidationRows, kMinRows, mix_seed(seed, 2));
      ClassModel m;
      Matrix train = rows.select_rows(split.train);
      m.scaler.fit(train);
      m.scaler.transform_inplace(train);
      Matrix validation = rows.select_rows(split.validation);
      if (validation.rows > 0) m.scaler.transform_inplace(validation);
      const std::string task = std::string(kName) + ": class " + std::to_string(c);
      if (config_.validation_fraction > 0 && validation.rows == 0) {
        observer.on_message(task + ": " + std::to_string(rows.rows) +
                            " rows are too few to hold some back for validation; training on "
                            "all of them and keeping the last weights");
      }
      const size_t n = train.rows;
      const size_t batch = std::min(
          n, static_cast<size_t>(config_.batch_size > 0 ? config_.batch_size : kAutoBatch));
      const int steps =
          config_.steps > 0
              ? config_.steps
              : std::clamp(static_cast<int>(std::ceil(kAutoEpochs * static_cast<double>(n) /
                                                      static_cast<double>(batch))),
                           kAutoMinSteps, kAutoMaxSteps);
      Trainer trainer(config_, to_tensor(train), batch, seed);
      const Curve curve = train_class(trainer, train, validation, steps, task, seed, observer);
      m.generator = trainer.generator();
      m.generator->eval();
      nlohmann::json val = nullptr;
      if (!curve.val_step.empty()) {
        val = {{"rows", validation.rows},
               {"step", curve.val_step},
               {"mmd2", curve.val_mmd2},
               {"best_step", curve.best_step}};
      }
      curves[std::to_string(c)] = {{"step", curve.step},     {"critic_loss", curve.critic_loss},
                                   {"g_loss", curve.g_loss}, {"wasserstein", curve.wasserstein},
                                   {"gp", curve.gp},         {"batch_size", batch},
                                   {"steps", steps},         {"train_rows", n},
                                   {"validation", val}};
      models[c] = std::move(m);
    }
    models_ = std::move(models);
    history_ = {{"every", config_.history_every}, {"classes", std::move(curves)}};
  }

  Matrix sample(int cls, size_t n, uint64_t seed) const override {
    auto it = models_.find(cls);
    if (it == models_.end()) throw unfit_class_error(kName, cls, fitted_classes());
    const ClassModel& m = it->second;
    torch::NoGradGuard no_grad;
    at::Generator gen = seeded_generator(mix_seed(seed, static_cast<uint64_t>(cls)));
    const size_t d = m.scaler.mean().size();
    Mlp g = m.generator;  // forward() is not const; eval mode and no grad make it read-only
    Matrix z(n, d);
    for (size_t start = 0; start < n; start += kSampleChunk) {
      const size_t rows = std::min(kSampleChunk, n - start);
      const torch::Tensor noise =
          torch::randn({static_cast<int64_t>(rows), config_.latent_dim}, gen);
      const torch::Tensor out = g->forward(noise).contiguous();  // [rows, d]
      const float* p = out.data_ptr<float>();
      std::copy(p, p + rows * d, z.row(start));
    }
    return m.scaler.inverse_transform(z);
  }

  void save_state(std::ostream& out) const override {
    BinaryWriter w(out);
    w.u64(models_.size());
    for (const auto& [c, m] : models_) {
      w.i64(c);
      w.u64(m.scaler.mean().size());
      w.string(m.scaler.to_json().dump());
      save_tensors(w, *m.generator);
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
      if (m.scaler.mean().size() != d) {
        throw Error(ErrorKind::kInvalidArgument, "corrupt: " + where + "the scaler has " +
                                                     std::to_string(m.scaler.mean().size()) +
                                                     " columns, expected " + std::to_string(d));
      }
      m.generator = build_generator(config_, static_cast<int64_t>(d));
      try {
        load_tensors(r, *m.generator);
      } catch (const Error& e) {
        throw Error(e.kind(), where + e.what());
      }
      m.generator->eval();
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
    r.expect_end("the wgan_gp state");
    models_ = std::move(models);
    history_ = std::move(history);
  }

  nlohmann::json history() const override { return history_; }

 private:
  Curve train_class(Trainer& trainer, const Matrix& train, const Matrix& validation, int steps,
                    const std::string& task, uint64_t seed, Observer& observer) const {
    Curve curve;
    // Validation: fixed noise, so scores differ only by the weights; the held-back rows and
    // the bandwidth (from the training rows) are fixed too.
    const bool validate = validation.rows > 0;
    torch::Tensor val_rows, val_noise;
    double bandwidth = 1.0;
    std::vector<torch::Tensor> best;
    double best_score = std::numeric_limits<double>::infinity();
    if (validate) {
      val_rows = score_rows(validation, mix_seed(seed, 3));
      bandwidth = median_distance(score_rows(train, mix_seed(seed, 4)));
      at::Generator noise_gen = seeded_generator(mix_seed(seed, 5));
      val_noise =
          torch::randn({static_cast<int64_t>(kValidationSample), config_.latent_dim}, noise_gen);
    }
    StepStats sum;
    int in_block = 0;
    for (int step = 1; step <= steps; ++step) {
      const StepStats s = trainer.step();
      if (!std::isfinite(s.critic_loss) || !std::isfinite(s.g_loss)) {
        std::ostringstream msg;
        msg << task << ": training diverged at step " << step << " of " << steps
            << " (critic_loss = " << s.critic_loss << ", g_loss = " << s.g_loss
            << "); hint: lower generator_lr / critic_lr, or check the class's rows for extreme "
               "values";
        throw Error(ErrorKind::kDiverged, msg.str());
      }
      Progress progress{task,
                        step,
                        steps,
                        {{"critic_loss", s.critic_loss},
                         {"g_loss", s.g_loss},
                         {"wasserstein", s.wasserstein},
                         {"gp", s.gp}}};
      if (validate && (step % config_.validation_every == 0 || step == steps)) {
        Mlp& g = trainer.generator();
        double score = 0.0;
        {
          torch::NoGradGuard no_grad;
          g->eval();
          score = mmd2_rbf(g->forward(val_noise), val_rows, bandwidth);
          g->train();
        }
        curve.val_step.push_back(step);
        curve.val_mmd2.push_back(score);
        progress.values.emplace_back("val_mmd2", score);
        if (score < best_score) {
          best_score = score;
          curve.best_step = step;
          best = copy_state(*g);
        }
      }
      observer.on_progress(progress);
      sum.critic_loss += s.critic_loss;
      sum.g_loss += s.g_loss;
      sum.wasserstein += s.wasserstein;
      sum.gp += s.gp;
      ++in_block;
      if (in_block == config_.history_every || step == steps) {
        curve.step.push_back(step);
        curve.critic_loss.push_back(sum.critic_loss / in_block);
        curve.g_loss.push_back(sum.g_loss / in_block);
        curve.wasserstein.push_back(sum.wasserstein / in_block);
        curve.gp.push_back(sum.gp / in_block);
        sum = StepStats{};
        in_block = 0;
      }
    }
    if (!best.empty()) restore_state(*trainer.generator(), best);
    return curve;
  }

  std::vector<int> fitted_classes() const {
    std::vector<int> out;
    for (const auto& [c, m] : models_) out.push_back(c);
    return out;
  }

  WganGpConfig config_;
  std::map<int, ClassModel> models_;
  nlohmann::json history_ = nlohmann::json::object();
};

}  // namespace

template class ConfigBase<WganGpConfig>;

std::unique_ptr<Generator> make_wgan_gp(const WganGpConfig& config) {
  return make_checked<WganGp>(config);
}

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
