// WGAN-GP (Gulrajani et al. 2017, "Improved Training of Wasserstein GANs", Algorithm 1): one
// unconditional generator/critic pair per class on StandardScaler-standardised rows, with
// optional model selection on a held-back part of the class's rows (RBF-kernel MMD). The
// training step, gradient penalty included, is written out by hand (manual_mlp.h);
// tests/generators/wgan_gp_trainer_test.cpp checks it against autograd.
#include "imbgen/generators/wgan_gp.h"

#include <algorithm>
#include <array>
#include <map>
#include <utility>

#include "common.h"
#include "imbgen/core/rng.h"
#include "imbgen/data/scaler.h"
#include "manual_mlp.h"
#include "registry.h"
#include "torch_blocks.h"
#include "training_loop.h"
#include "wgan_gp_trainer.h"

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

const MlpOptions kGeneratorOptions{Activation::kReLU, false, 0.0};
const MlpOptions kCriticOptions{Activation::kLeakyReLU, false, 0.0};

Mlp build_generator(const WganGpConfig& c, int64_t d) {
  return Mlp(c.latent_dim, c.generator_hidden, d, kGeneratorOptions);
}

}  // namespace

// The passes of a step, each with buffers of its own: the generated batch, the real and generated
// rows through the critic, the interpolated rows through the critic and the penalty's chain,
// and, for the generator update, a generated batch through the critic.
struct WganGpTrainer::Impl {
  const WganGpConfig& c;
  int64_t batch;
  torch::Tensor data;  // [n, d] float32, standardised
  at::Generator gen;   // weights, noise, interpolation
  RowSampler rows;
  Mlp g;
  Mlp critic;
  ManualMlp g_train, critic_train;
  MlpPass fake, real_fake, mixed, g_fake;
  PenaltyPass penalty;
  torch::Tensor eps;  // [batch, 1]

  Impl(const WganGpConfig& config, const torch::Tensor& x, size_t b, uint64_t seed)
      : c(config),
        batch(static_cast<int64_t>(b)),
        data(x),
        gen(seeded_generator(seed)),
        rows(static_cast<size_t>(x.size(0)), mix_seed(seed, 1)),
        g(build_generator(config, x.size(1))),
        critic(x.size(1), config.critic_hidden, 1, kCriticOptions),
        g_train(g, config.generator_hidden.size(), kGeneratorOptions, config.generator_lr,
                config.beta1, config.beta2),
        critic_train(critic, config.critic_hidden.size(), kCriticOptions, config.critic_lr,
                     config.beta1, config.beta2),
        fake(g_train.make_pass(batch)),
        real_fake(critic_train.make_pass(2 * batch)),
        mixed(critic_train.make_pass(batch)),
        g_fake(critic_train.make_pass(batch)),
        penalty(critic_train.make_penalty_pass(batch)),
        eps(torch::empty({batch, 1})) {
    // In place, into the tensors the training passes update.
    init_linear_layers(*g, gen);
    init_linear_layers(*critic, gen);
    g->train();
    critic->train();
  }

  // One critic update: L = mean critic(fake) - mean critic(real) + lambda * penalty.
  // Returns {L, mean critic(real) - mean critic(fake), penalty}.
  std::array<double, 3> critic_update() {
    const auto b = static_cast<size_t>(batch);
    at::Tensor real = real_fake.in[0].narrow(0, 0, batch);
    at::index_select_out(real, data, 0, torch::tensor(rows.next(b)));
    fake.in[0].normal_(0.0, 1.0, gen);
    g_train.forward(fake);  // no BatchNorm: training mode computes what evaluation mode does
    real_fake.in[0].narrow(0, batch, batch).copy_(fake.out);
    eps.uniform_(0.0, 1.0, gen);
    return critic_train.critic_update(real_fake, mixed, penalty, eps, c.gp_lambda);
  }

  // One generator update against the critic as it is: L = -mean critic(G(z)). Returns L.
  double generator_update() {
    fake.in[0].normal_(0.0, 1.0, gen);
    g_train.forward(fake);
    g_fake.in[0].copy_(fake.out);
    critic_train.forward(g_fake);
    const float* out = g_fake.out.data_ptr<float>();
    double mean = 0.0;
    for (int64_t i = 0; i < batch; ++i) mean += out[i];
    mean /= static_cast<double>(batch);
    g_fake.d_pre.back().fill_(-1.0 / static_cast<double>(batch));
    critic_train.backward(g_fake, /*params=*/false, /*input=*/true);
    fake.d_pre.back().copy_(g_fake.d_in[0]);
    g_train.backward(fake, /*params=*/true, /*input=*/false);
    g_train.adam_step();
    return -mean;
  }
};

WganGpTrainer::WganGpTrainer(const WganGpConfig& c, const torch::Tensor& data, size_t batch,
                             uint64_t seed)
    : impl_(std::make_unique<Impl>(c, data, batch, seed)) {}

WganGpTrainer::~WganGpTrainer() = default;

std::vector<double> WganGpTrainer::step() {
  torch::NoGradGuard no_grad;  // the passes are written out (manual_mlp.h), not recorded
  double loss = 0.0, wasserstein = 0.0, gp = 0.0;
  for (int k = 0; k < impl_->c.critic_steps; ++k) {
    const std::array<double, 3> s = impl_->critic_update();
    loss += s[0];
    wasserstein += s[1];
    gp += s[2];
  }
  const double n = impl_->c.critic_steps;
  const double g_loss = impl_->generator_update();
  return {loss / n, g_loss, wasserstein / n, gp / n};
}

Mlp& WganGpTrainer::generator() { return impl_->g; }

namespace {

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
    Matrix out(n, model_of(models_, name(), cls).scaler.mean().size());
    sample_into(cls, n, seed, block_of(out));
    return out;
  }

  void sample_into(int cls, size_t n, uint64_t seed, const MutableNumberBlock& out) const override {
    const ClassModel& m = model_of(models_, name(), cls);
    check_internal(out.rows == n, name() + ": sample_into: the block does not have n rows");
    sample_mlp(m.generator, config_.generator_hidden.size(), kGeneratorOptions, config_.latent_dim,
               mix_seed(seed, static_cast<uint64_t>(cls)), out);
    m.scaler.inverse_transform(out);
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
    WganGpTrainer trainer(config_, to_tensor(train), batch, seed);
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
  return trains_network(make_spec<WganGp, WganGpConfig>(
      "WGAN-GP (Gulrajani et al. 2017): one Wasserstein GAN with gradient penalty per class",
      {{"steps", 60},
       {"batch_size", 16},
       {"critic_steps", 2},
       {"validation_every", 20},
       {"generator_hidden", {32, 32}},
       {"critic_hidden", {32, 32}}}));
}

}  // namespace imbgen

