// The LibTorch side of the VAE shared by vae, cvae and tvae (Kingma & Welling 2014, "Auto-Encoding
// Variational Bayes", Algorithm 1 with the estimator of eq. 10: one z per row by the
// reparameterisation z = mu + sigma * eps, KL(q(z|x) || N(0, I)) in closed form, Appendix B).
#include "vae_net.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>
#include <utility>

#include "imbgen/core/error.h"
#include "imbgen/core/rng.h"
#include "torch_blocks.h"
#include "training_loop.h"

namespace imbgen {
namespace {

// Default step budget cap (steps = 0): see the epoch rule in train().
constexpr int64_t kVaeMaxDefaultSteps = 20000;
// The encoder's log-variance is clamped to this range: exp() of a larger value overflows float
// (a cvae on NSL-KDD's heavy-tailed byte counts went to inf after 44837 steps).
constexpr double kLogvarMin = -30.0, kLogvarMax = 20.0;
const double kHalfLog2Pi = 0.5 * std::log(2.0 * 3.14159265358979323846);

// The encoder, the decoder and the learned sigmas in one module, so one save/load covers them.
struct VaeModuleImpl : torch::nn::Module {
  VaeModuleImpl(const VaeNetOptions& o)
      : encoder(register_module("encoder",
                                Mlp(static_cast<int64_t>(o.data_dim + o.cond_dim), o.encoder_hidden,
                                    2 * static_cast<int64_t>(o.latent_dim), MlpOptions{}))),
        decoder(register_module(
            "decoder",
            Mlp(static_cast<int64_t>(o.latent_dim + o.cond_dim), o.decoder_hidden,
                static_cast<int64_t>(o.row_sigma ? 2 * o.data_dim : o.data_dim), MlpOptions{}))),
        sigma(register_parameter("sigma",
                                 torch::full({static_cast<int64_t>(o.data_dim)}, o.sigma_init))) {}

  Mlp encoder;
  Mlp decoder;
  torch::Tensor sigma;  // [data_dim]; only the Gaussian columns' entries are used (not row_sigma)
};
TORCH_MODULE(VaeModule);

// Column indices of the output kinds, as tensors for index_select.
struct Layout {
  torch::Tensor plain;  // kGaussian columns, int64
  torch::Tensor tanh;   // kTanhGaussian columns, int64
  std::vector<OutputBlock> categorical;
  bool has_plain = false;
  bool has_tanh = false;
};

Layout make_layout(const VaeNetOptions& o) {
  std::vector<int64_t> plain, tanh;
  Layout layout;
  for (const OutputBlock& b : o.blocks) {
    if (b.kind == OutputKind::kGaussian) plain.push_back(static_cast<int64_t>(b.start));
    if (b.kind == OutputKind::kTanhGaussian) tanh.push_back(static_cast<int64_t>(b.start));
    if (b.kind == OutputKind::kCategorical) layout.categorical.push_back(b);
  }
  layout.has_plain = !plain.empty();
  layout.has_tanh = !tanh.empty();
  layout.plain = torch::tensor(plain, torch::kInt64);
  layout.tanh = torch::tensor(tanh, torch::kInt64);
  return layout;
}

void check_blocks(const VaeNetOptions& o) {
  size_t next = 0;
  for (const OutputBlock& b : o.blocks) {
    check_internal(
        b.start == next && b.width >= 1 && (b.kind == OutputKind::kCategorical || b.width == 1),
        "VaeNet: output blocks must cover the columns in order");
    next += b.width;
  }
  check_internal(next == o.data_dim && o.latent_dim >= 1, "VaeNet: blocks do not cover the data");
}

struct LossTensors {
  torch::Tensor loss, recon, kl;  // scalars
};

// The sigma of every column, [b, d] (row_sigma: sigma_min + softplus of the decoder's second
// half) or [1, d] (the learned parameter).
torch::Tensor column_sigmas(const VaeNetOptions& o, const torch::Tensor& out,
                            const torch::Tensor& sigma) {
  if (!o.row_sigma) return sigma.unsqueeze(0);
  const auto d = static_cast<int64_t>(o.data_dim);
  return o.sigma_min + torch::softplus(out.narrow(1, d, d));
}

// The Gaussian negative log-likelihood summed over the columns, per row [b].
torch::Tensor gaussian_nll(const torch::Tensor& x, const torch::Tensor& mean,
                           const torch::Tensor& sigma) {
  // x, mean: [b, k]; sigma: [b, k] or [1, k]
  const torch::Tensor z = (x - mean) / sigma;
  return (0.5 * z.pow(2) + sigma.log() + kHalfLog2Pi).sum(1);
}

// x [b, d], out [b, d or 2d] (raw decoder outputs), sigma [d] (the learned parameter),
// mu / logvar [b, latent].
LossTensors compute_loss(const VaeNetOptions& o, const Layout& layout, const torch::Tensor& x,
                         const torch::Tensor& out, const torch::Tensor& sigma_param,
                         const torch::Tensor& mu, const torch::Tensor& logvar) {
  const torch::Tensor sigma = column_sigmas(o, out, sigma_param);  // [b or 1, d]
  torch::Tensor recon = torch::zeros({x.size(0)}, x.options());    // [b]
  if (layout.has_plain) {
    recon = recon + gaussian_nll(x.index_select(1, layout.plain), out.index_select(1, layout.plain),
                                 sigma.index_select(1, layout.plain));
  }
  if (layout.has_tanh) {
    recon = recon + gaussian_nll(x.index_select(1, layout.tanh),
                                 torch::tanh(out.index_select(1, layout.tanh)),
                                 sigma.index_select(1, layout.tanh));
  }
  for (const OutputBlock& b : layout.categorical) {
    const auto s = static_cast<int64_t>(b.start);
    const auto w = static_cast<int64_t>(b.width);
    const torch::Tensor target = x.narrow(1, s, w).argmax(1);  // [b]
    recon = recon + torch::nn::functional::cross_entropy(
                        out.narrow(1, s, w), target,
                        torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kNone));
  }
  // KL(N(mu, exp(logvar)) || N(0, I)) = -1/2 sum(1 + logvar - mu^2 - exp(logvar)), per row.
  const torch::Tensor kl = -0.5 * (1.0 + logvar - mu.pow(2) - logvar.exp()).sum(1);  // [b]
  LossTensors t;
  t.recon = recon.mean();
  t.kl = kl.mean();
  t.loss = o.recon_weight * t.recon + t.kl;
  return t;
}

}  // namespace

VaeNetOptions vae_net_options(const VaeSettings& s, size_t data_dim, size_t cond_dim) {
  VaeNetOptions o;
  o.data_dim = data_dim;
  o.cond_dim = cond_dim;
  o.latent_dim = static_cast<size_t>(s.latent_dim);
  o.encoder_hidden = s.encoder_hidden;
  o.decoder_hidden = s.decoder_hidden;
  o.lr = s.lr;
  o.weight_decay = s.weight_decay;
  return o;
}

VaeNetOptions gaussian_vae_options(const VaeSettings& s, size_t data_dim, size_t cond_dim) {
  VaeNetOptions o = vae_net_options(s, data_dim, cond_dim);
  o.row_sigma = true;
  for (size_t j = 0; j < data_dim; ++j) o.blocks.push_back({OutputKind::kGaussian, j, 1});
  return o;
}

VaeLossTerms vae_loss_terms(const VaeNetOptions& options, const Matrix& x, const Matrix& out,
                            const std::vector<double>& sigma, const Matrix& mu,
                            const Matrix& logvar) {
  check_blocks(options);
  const Layout layout = make_layout(options);
  torch::NoGradGuard no_grad;
  const torch::Tensor s = torch::tensor(sigma, torch::kFloat64).to(torch::kFloat32);  // [data_dim]
  const LossTensors t = compute_loss(options, layout, to_tensor(x), to_tensor(out), s,
                                     to_tensor(mu), to_tensor(logvar));
  return {t.loss.item<double>(), t.recon.item<double>(), t.kl.item<double>()};
}

struct VaeNet::Impl {
  VaeNetOptions options;
  Layout layout;
  at::Generator gen;  // weight initialisation
  VaeModule net{nullptr};

  Impl(VaeNetOptions o, uint64_t seed)
      : options(std::move(o)), layout(make_layout(options)), gen(seeded_generator(seed)) {
    check_blocks(options);
    net = VaeModule(options);
    init_linear_layers(*net, gen);
  }

  // One-hot conditions [n, cond_dim] for the condition indices, or an undefined tensor.
  torch::Tensor one_hot(const std::vector<int64_t>& condition) const {
    if (options.cond_dim == 0) return torch::Tensor();
    return torch::one_hot(torch::tensor(condition, torch::kInt64),
                          static_cast<int64_t>(options.cond_dim))
        .to(torch::kFloat32);
  }

  torch::Tensor with_condition(const torch::Tensor& a, const torch::Tensor& cond) const {
    return cond.defined() ? torch::cat({a, cond}, 1) : a;
  }

  // Decoder outputs [n, d or 2d] turned into net-space rows [n, d] (see VaeNet::sample).
  torch::Tensor finish_rows(const torch::Tensor& raw, double noise_scale, at::Generator& g) const {
    const torch::Tensor sigma = column_sigmas(options, raw, net->sigma.detach());  // [n or 1, d]
    const torch::Tensor out = raw.narrow(1, 0, static_cast<int64_t>(options.data_dim));
    torch::Tensor rows = out.clone();  // [n, d]
    const torch::Tensor eps = torch::randn(out.sizes(), g);
    if (layout.has_plain) {
      const torch::Tensor m = out.index_select(1, layout.plain);
      rows.index_copy_(1, layout.plain,
                       m + noise_scale * sigma.index_select(1, layout.plain) *
                               eps.index_select(1, layout.plain));
    }
    if (layout.has_tanh) {
      const torch::Tensor m = torch::tanh(out.index_select(1, layout.tanh));
      rows.index_copy_(
          1, layout.tanh,
          m + noise_scale * sigma.index_select(1, layout.tanh) * eps.index_select(1, layout.tanh));
    }
    for (const OutputBlock& b : layout.categorical) {
      const auto s = static_cast<int64_t>(b.start);
      const auto w = static_cast<int64_t>(b.width);
      rows.narrow(1, s, w).copy_(torch::one_hot(out.narrow(1, s, w).argmax(1), w));
    }
    return rows;
  }

  // One Adam step on the rows xb [b, d] with their conditions cb [b, cond_dim] (or undefined),
  // reparameterisation noise from gen; returns the loss, reconstruction and KL terms.
  std::vector<double> step(const torch::Tensor& xb, const torch::Tensor& cb, at::Generator& gen,
                           torch::optim::Optimizer& opt) {
    const auto latent = static_cast<int64_t>(options.latent_dim);
    const torch::Tensor h = net->encoder->forward(with_condition(xb, cb));  // [b, 2 latent]
    const torch::Tensor mu = h.narrow(1, 0, latent);
    const torch::Tensor logvar = h.narrow(1, latent, latent).clamp(kLogvarMin, kLogvarMax);
    const torch::Tensor eps = torch::randn({h.size(0), latent}, gen);
    const torch::Tensor z = mu + eps * torch::exp(0.5 * logvar);             // [b, latent]
    const torch::Tensor out = net->decoder->forward(with_condition(z, cb));  // [b, d]
    const LossTensors t = compute_loss(options, layout, xb, out, net->sigma, mu, logvar);
    opt.zero_grad();
    t.loss.backward();
    opt.step();
    {
      torch::NoGradGuard no_grad;
      net->sigma.clamp_(options.sigma_min, options.sigma_max);
    }
    return {t.loss.item<double>(), t.recon.item<double>(), t.kl.item<double>()};
  }

  // n net-space rows decoded from prior draws (see VaeNet::sample).
  Matrix sample(size_t n, int condition, double noise_scale, uint64_t seed) const {
    at::Generator g = seeded_generator(seed);
    VaeModule module = net;  // a holder copy: forward() is not const, but changes nothing here
    return generate_rows(n, options.data_dim, kSampleChunk, [&](size_t rows) {
      const auto m = static_cast<int64_t>(rows);
      const torch::Tensor z = torch::randn({m, static_cast<int64_t>(options.latent_dim)}, g);
      const torch::Tensor cond = one_hot(std::vector<int64_t>(rows, condition));
      const torch::Tensor out =
          forward_in_blocks(with_condition(z, cond), [&](const torch::Tensor& rows_in) {
            return module->decoder->forward(rows_in);
          });  // [m, d]
      return to_matrix(finish_rows(out, noise_scale, g));
    });
  }
};

VaeNet::VaeNet(VaeNetOptions options, uint64_t seed)
    : impl_(std::make_unique<Impl>(std::move(options), seed)) {}
VaeNet::~VaeNet() = default;
VaeNet::VaeNet(VaeNet&&) noexcept = default;
VaeNet& VaeNet::operator=(VaeNet&&) noexcept = default;

const VaeNetOptions& VaeNet::options() const { return impl_->options; }

nlohmann::json VaeNet::train(const Matrix& x, const std::vector<int>& condition,
                             const VaeSettings& plan, const ScoreMap& to_score, uint64_t seed,
                             Observer& observer, const std::string& task) {
  Impl& s = *impl_;
  const VaeNetOptions& o = s.options;
  check_internal(x.cols == o.data_dim && x.rows == condition.size() && x.rows >= 1,
                 "VaeNet::train: data shape");

  // Hold back validation rows per condition (seeded), so every class is scored.
  const size_t n_cond = std::max<size_t>(o.cond_dim, 1);
  const ConditionSplit split =
      split_by_condition(condition, n_cond, plan.validation_fraction, 2, 2, seed);
  if (plan.validation_fraction > 0.0 && split.validation_rows() == 0) {
    note_no_validation(observer, task, "needs 2 held-back and 2 training rows per class");
  }
  const size_t n = split.train.size();
  const size_t batch = std::min(static_cast<size_t>(plan.batch_size), n);
  // The epoch rule is meant for a few hundred rows; on thousands it would run for minutes, so the
  // default is capped at kVaeMaxDefaultSteps (an explicit `steps` is taken as given).
  const int steps = step_budget(plan.steps, plan.epochs, n, batch, 1, kVaeMaxDefaultSteps);

  const torch::Tensor data = to_tensor(x.select_rows(split.train));  // [n, d]
  std::vector<int64_t> train_cond(n);
  for (size_t i = 0; i < n; ++i) train_cond[i] = condition[split.train[i]];
  const torch::Tensor cond_all = s.one_hot(train_cond);  // [n, cond_dim] or undefined

  // Each condition's validation rows in the scoring space, weighted by their count.
  const std::vector<MmdTarget> targets = held_back_targets(
      split.validation,
      [&](const std::vector<size_t>& rows) { return to_tensor(to_score(x.select_rows(rows))); });
  std::function<double()> score;
  if (!targets.empty()) {
    score = [&] {
      s.net->eval();
      // The same noise at every evaluation, so scores differ by the weights only.
      const double v = weighted_mmd(targets, [&](const MmdTarget& t) {
        return to_tensor(to_score(
            s.sample(static_cast<size_t>(plan.validation_samples), t.condition, plan.sample_noise,
                     mix_seed(seed, 3 + static_cast<uint64_t>(t.condition)))));
      });
      s.net->train();
      return v;
    };
  }

  at::Generator gen = seeded_generator(mix_seed(seed, 1));  // reparameterisation noise
  RowSampler sampler(n, mix_seed(seed, 2));
  const auto opt = make_adam(s.net->parameters(), o.lr, 0.9, 0.999, o.weight_decay);
  s.net->train();
  auto step = [&] {
    const torch::Tensor idx = torch::tensor(sampler.next(batch), torch::kInt64);
    const torch::Tensor cb = cond_all.defined() ? cond_all.index_select(0, idx) : torch::Tensor();
    return s.step(data.index_select(0, idx), cb, gen, *opt);
  };
  std::vector<torch::Tensor> best;
  const LoopResult result = run_training(
      {task, steps, plan.history_every, plan.validation_every, plan.patience,
       "lower lr, or check the rows for extreme values"},
      {"loss", "recon", "kl"}, step, score, [&] { best = copy_state(*s.net); }, observer);
  if (result.has_best) restore_state(*s.net, best);
  s.net->eval();

  nlohmann::json history = result.history;
  history["rows"] = n;
  history["validation_rows"] = split.validation_rows();
  history["batch_size"] = batch;
  history["steps"] = steps;
  history["every"] = plan.history_every;
  return history;
}

Matrix VaeNet::sample(size_t n, int condition, double noise_scale, uint64_t seed) const {
  check_internal(!impl_->net->is_training(), "VaeNet::sample: the network is still training");
  return impl_->sample(n, condition, noise_scale, seed);
}

int64_t VaeNet::parameter_count() const { return count_parameters(*impl_->net); }

void VaeNet::save(BinaryWriter& w) const { save_tensors(w, *impl_->net); }

void VaeNet::load(BinaryReader& r) {
  load_tensors(r, *impl_->net);
  impl_->net->eval();
}

}  // namespace imbgen
