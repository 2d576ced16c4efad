// TabDDPM (Kotelnikov et al. 2023): Gaussian diffusion (Ho et al. 2020, Algorithms 1-2, the
// noise-prediction loss) on quantile-normalised numeric columns and multinomial diffusion
// (Hoogeboom et al. 2021, eq. 13-16 with the x_0 parametrisation) on categorical ones, the cosine
// schedule (Nichol & Dhariwal 2021), one class-conditional MLP denoiser and an EMA of its weights.
#include "imbgen/generators/ddpm.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>
#include <utility>

#include "common.h"
#include "ddpm_schedule.h"
#include "imbgen/core/error.h"
#include "imbgen/core/rng.h"
#include "quantile.h"
#include "registry.h"
#include "torch_blocks.h"
#include "training_loop.h"

namespace imbgen {
namespace {

constexpr size_t kMinRows = 2;
constexpr int64_t kMaxDefaultSteps = 20000;
// Rows run through the reverse chain together in sample(), to bound memory.
constexpr int64_t kChainChunk = 32768;
// log(0) stand-in of the log one-hot vectors (Hoogeboom et al.'s implementation uses 1e-30).
constexpr double kLogEps = 1e-30;

// ---- the column layout ----

struct CatVar {
  size_t start = 0;        // first model column of the span
  int64_t k = 0;           // categories
  int64_t offset = 0;      // first column in the categorical block
  bool indicator = false;  // a missing indicator (1 column holding 0 / 1)
};

struct Layout {
  size_t cols = 0;
  std::vector<size_t> numeric;  // model columns of the numeric variables
  std::vector<CatVar> cats;
  int64_t cat_width = 0;  // sum of k

  int64_t dn() const { return static_cast<int64_t>(numeric.size()); }
  int64_t width() const { return dn() + cat_width; }  // denoiser input / output width
};

Layout make_layout(const std::vector<EncodedSpan>& spans, size_t cols) {
  Layout l;
  l.cols = cols;
  if (spans.empty()) {
    for (size_t j = 0; j < cols; ++j) l.numeric.push_back(j);
    return l;
  }
  for (const EncodedSpan& s : spans) {
    if (s.kind == SpanKind::kNumeric) {
      l.numeric.push_back(s.start);
      continue;
    }
    CatVar v;
    v.start = s.start;
    v.indicator = s.kind == SpanKind::kMissingIndicator;
    v.k = v.indicator ? 2 : static_cast<int64_t>(s.width);
    v.offset = l.cat_width;
    l.cat_width += v.k;
    l.cats.push_back(v);
  }
  return l;
}

// Numeric values [n, dn] (original units) of x.
Matrix numeric_part(const Layout& l, const Matrix& x) {
  Matrix out(x.rows, l.numeric.size());
  for (size_t i = 0; i < x.rows; ++i) {
    for (size_t j = 0; j < l.numeric.size(); ++j) out(i, j) = x(i, l.numeric[j]);
  }
  return out;
}

// Exact one-hot codes [n, cat_width] of the categorical variables of x (largest value of a span
// wins, ties the first; an indicator above 0.5 is category 1).
Matrix categorical_part(const Layout& l, const Matrix& x) {
  Matrix out(x.rows, static_cast<size_t>(l.cat_width), 0.0);
  for (size_t i = 0; i < x.rows; ++i) {
    for (const CatVar& v : l.cats) {
      const double* p = x.row(i) + v.start;
      size_t best = 0;
      if (v.indicator) {
        best = p[0] > 0.5 ? 1 : 0;
      } else {
        for (size_t k = 1; k < static_cast<size_t>(v.k); ++k) {
          if (p[k] > p[best]) best = k;
        }
      }
      out(i, static_cast<size_t>(v.offset) + best) = 1.0;
    }
  }
  return out;
}

// ---- the denoiser (TabDDPM's MLPDiffusion) ----

// Sinusoidal embedding of t = 0..timesteps-1: [cos(t f_i), sin(t f_i)], f_i = 10000^(-i / half).
torch::Tensor sinusoid_table(int timesteps, int64_t dim) {
  const int64_t half = dim / 2;
  const torch::Tensor freqs =
      torch::exp(-std::log(10000.0) * torch::arange(0, half, torch::kFloat64) /
                 static_cast<double>(half));                                          // [half]
  const torch::Tensor t = torch::arange(0, timesteps, torch::kFloat64).unsqueeze(1);  // [T, 1]
  const torch::Tensor args = t * freqs.unsqueeze(0);                                  // [T, half]
  return torch::cat({torch::cos(args), torch::sin(args)}, 1).to(torch::kFloat32);     // [T, dim]
}

struct DenoiserImpl : torch::nn::Module {
  DenoiserImpl(int64_t d_in, int64_t n_classes, int64_t dim, const std::vector<int>& hidden,
               int timesteps)
      : proj(register_module("proj", torch::nn::Linear(d_in, dim))),
        time1(register_module("time1", torch::nn::Linear(dim, dim))),
        time2(register_module("time2", torch::nn::Linear(dim, dim))),
        label(register_module("label", torch::nn::Embedding(n_classes, dim))),
        mlp(register_module("mlp", Mlp(dim, hidden, d_in, MlpOptions{}))),
        table(sinusoid_table(timesteps, dim)) {}

  // x [b, d_in], t [b] (steps of the full schedule), y [b] (class positions) -> [b, d_in].
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& t, const torch::Tensor& y) {
    const torch::Tensor emb =
        time2->forward(torch::silu(time1->forward(table.index_select(0, t)))) +
        torch::silu(label->forward(y));  // [b, dim]
    return mlp->forward(proj->forward(x) + emb);
  }
  // The same for rows that share one step t and one class position y (the reverse chain): the
  // time and class embedding is computed once, for one row, and added to every row.
  torch::Tensor forward(const torch::Tensor& x, int64_t t, int64_t y) {
    const torch::Tensor emb =
        time2->forward(torch::silu(time1->forward(table.narrow(0, t, 1)))) +
        torch::silu(label->forward(torch::full({1}, y, torch::kInt64)));  // [1, dim]
    return mlp->forward(proj->forward(x) + emb);
  }

  torch::nn::Linear proj, time1, time2;
  torch::nn::Embedding label;
  Mlp mlp;
  torch::Tensor table;  // [T, dim], derived from the config, not saved
};
TORCH_MODULE(Denoiser);

Denoiser make_denoiser(const DdpmConfig& c, const Layout& l, size_t n_classes, uint64_t seed) {
  Denoiser net(l.width(), static_cast<int64_t>(n_classes), c.embedding_dim, c.hidden, c.timesteps);
  at::Generator gen = seeded_generator(seed);
  init_linear_layers(*net, gen);
  torch::NoGradGuard no_grad;
  net->label->weight.normal_(0.0, 1.0, gen);  // LibTorch's Embedding default, seeded
  return net;
}

// ---- the diffusion processes ----

// A schedule's per-step values as float32 tensors, for gathering by step.
struct Sched {
  DiffusionSchedule s;
  torch::Tensor timesteps;                // int64 [S], steps of the full schedule (the model's t)
  torch::Tensor sqrt_ac, sqrt_1m_ac;      // Gaussian q(x_t | x_0)
  torch::Tensor log_alpha, log_1m_alpha;  // multinomial one-step
  torch::Tensor log_ac, log_1m_ac;        // multinomial from x_0
};

Sched make_sched(DiffusionSchedule s) {
  const size_t n = s.betas.size();
  std::vector<double> sqrt_ac(n), sqrt_1m_ac(n), log_alpha(n), log_1m_alpha(n), log_ac(n),
      log_1m_ac(n);
  for (size_t t = 0; t < n; ++t) {
    sqrt_ac[t] = std::sqrt(s.alphas_cumprod[t]);
    sqrt_1m_ac[t] = std::sqrt(1.0 - s.alphas_cumprod[t]);
    log_alpha[t] = std::log(s.alphas[t]);
    log_1m_alpha[t] = std::log(s.betas[t]);
    log_ac[t] = std::log(s.alphas_cumprod[t]);
    log_1m_ac[t] = std::log(1.0 - s.alphas_cumprod[t]);
  }
  auto f32 = [](const std::vector<double>& v) {
    return torch::tensor(v, torch::kFloat64).to(torch::kFloat32);
  };
  Sched out;
  out.timesteps =
      torch::tensor(std::vector<int64_t>(s.timesteps.begin(), s.timesteps.end()), torch::kInt64);
  out.sqrt_ac = f32(sqrt_ac);
  out.sqrt_1m_ac = f32(sqrt_1m_ac);
  out.log_alpha = f32(log_alpha);
  out.log_1m_alpha = f32(log_1m_alpha);
  out.log_ac = f32(log_ac);
  out.log_1m_ac = f32(log_1m_ac);
  out.s = std::move(s);
  return out;
}

// v [S] gathered at steps t [b] -> [b, 1].
torch::Tensor at_steps(const torch::Tensor& v, const torch::Tensor& t) {
  return v.index_select(0, t).unsqueeze(1);
}

class Multinomial {
 public:
  explicit Multinomial(const Layout& l) : cats_(l.cats) {
    std::vector<float> log_k(static_cast<size_t>(l.cat_width));
    for (const CatVar& v : cats_) {
      for (int64_t k = 0; k < v.k; ++k) {
        log_k[static_cast<size_t>(v.offset + k)] = static_cast<float>(std::log(v.k));
      }
    }
    log_k_ = torch::tensor(log_k, torch::kFloat32).unsqueeze(0);  // [1, cat_width]
  }

  // log of each variable's logsumexp, broadcast over its columns: [b, cat_width].
  torch::Tensor sliced_logsumexp(const torch::Tensor& x) const {
    std::vector<torch::Tensor> parts;
    for (const CatVar& v : cats_) {
      parts.push_back(x.narrow(1, v.offset, v.k).logsumexp(1, true).expand({x.size(0), v.k}));
    }
    return torch::cat(parts, 1);
  }

  torch::Tensor log_softmax(const torch::Tensor& logits) const {
    return logits - sliced_logsumexp(logits);
  }

  // log q(x_t | x_0) = log(alpha_bar_t x_0 + (1 - alpha_bar_t) / K).
  torch::Tensor q_pred(const Sched& s, const torch::Tensor& log_x0, const torch::Tensor& t) const {
    return torch::logaddexp(log_x0 + at_steps(s.log_ac, t), at_steps(s.log_1m_ac, t) - log_k_);
  }

  // log q(x_t | x_{t-1}) as a function of x_t's category: log(alpha_t x_t + (1 - alpha_t) / K).
  torch::Tensor q_pred_one(const Sched& s, const torch::Tensor& log_xt,
                           const torch::Tensor& t) const {
    return torch::logaddexp(log_xt + at_steps(s.log_alpha, t),
                            at_steps(s.log_1m_alpha, t) - log_k_);
  }

  // log q(x_{t-1} | x_t, x_0), normalised per variable; x_0 itself at t = 0.
  torch::Tensor q_posterior(const Sched& s, const torch::Tensor& log_x0,
                            const torch::Tensor& log_xt, const torch::Tensor& t) const {
    const torch::Tensor tm1 = (t - 1).clamp_min(0);
    const torch::Tensor first = (t == 0).unsqueeze(1);  // [b, 1]
    const torch::Tensor prev = torch::where(first, log_x0, q_pred(s, log_x0, tm1));
    const torch::Tensor unnormed = prev + q_pred_one(s, log_xt, t);
    return unnormed - sliced_logsumexp(unnormed);
  }

  // One category per variable drawn from log-probabilities (Gumbel-max), as log one-hot.
  torch::Tensor sample(const torch::Tensor& log_probs, at::Generator& gen) const {
    const torch::Tensor gumbel =
        -torch::empty_like(log_probs).exponential_(1.0, gen).clamp_min(1e-20).log();
    const torch::Tensor scores = log_probs + gumbel;
    std::vector<torch::Tensor> parts;
    for (const CatVar& v : cats_) {
      parts.push_back(torch::one_hot(scores.narrow(1, v.offset, v.k).argmax(1), v.k));
    }
    return torch::cat(parts, 1).to(torch::kFloat32).clamp_min(kLogEps).log();
  }

  size_t variables() const { return cats_.size(); }

 private:
  std::vector<CatVar> cats_;
  torch::Tensor log_k_;
};

// One training run of the denoiser (TabDDPM's loop): the training rows, the schedule, AdamW
// with the learning rate annealed linearly to 0, and the exponential moving average of the
// weights, which is what samples and is saved.
class Trainer {
 public:
  Trainer(const DdpmConfig& c, const Layout& l, Denoiser net, Denoiser average,
          const torch::Tensor& rows, const std::vector<int64_t>& label, size_t batch, int steps,
          uint64_t seed)
      : c_(c),
        multi_(l),
        dn_(l.dn()),
        cw_(l.cat_width),
        batch_(static_cast<int64_t>(batch)),
        steps_(steps),
        full_(make_sched(cosine_schedule(c.timesteps))),
        net_(std::move(net)),
        average_(std::move(average)),
        x_num_(rows.narrow(1, 0, dn_)),                                 // [n, dn]
        log_x_cat_(rows.narrow(1, dn_, cw_).clamp_min(kLogEps).log()),  // [n, cw]
        labels_(torch::tensor(label, torch::kInt64)),
        gen_(seeded_generator(mix_seed(seed, 1))),
        rows_(label.size(), mix_seed(seed, 2)),
        params_(net_->parameters()),
        average_params_(average_->parameters()),
        opt_(params_, torch::optim::AdamWOptions(c.lr).weight_decay(c.weight_decay)),
        n_vars_(static_cast<double>(std::max<size_t>(multi_.variables(), 1))) {
    restore_state(*average_, copy_state(*net_));
    net_->train();
    average_->eval();
  }

  // {loss, gauss, multi}
  std::vector<double> step() {
    ++step_;
    // TabDDPM anneals the learning rate linearly to 0.
    const double lr = c_.lr * (1.0 - static_cast<double>(step_ - 1) / steps_);
    for (auto& group : opt_.param_groups()) {
      static_cast<torch::optim::AdamWOptions&>(group.options()).lr(lr);
    }
    const torch::Tensor idx = torch::tensor(rows_.next(static_cast<size_t>(batch_)), torch::kInt64);
    const auto T = static_cast<int64_t>(c_.timesteps);
    const torch::Tensor t = torch::randint(0, T, {batch_}, gen_);  // [b]
    const torch::Tensor y = labels_.index_select(0, idx);
    torch::Tensor input_num = torch::zeros({batch_, 0}), noise;
    torch::Tensor input_cat = torch::zeros({batch_, 0}), log_x0, log_xt;
    if (dn_ > 0) {
      const torch::Tensor x0 = x_num_.index_select(0, idx);  // [b, dn]
      noise = torch::randn({batch_, dn_}, gen_);
      input_num = at_steps(full_.sqrt_ac, t) * x0 + at_steps(full_.sqrt_1m_ac, t) * noise;
    }
    if (cw_ > 0) {
      log_x0 = log_x_cat_.index_select(0, idx);  // [b, cw]
      log_xt = multi_.sample(multi_.q_pred(full_, log_x0, t), gen_);
      input_cat = log_xt.exp();
    }
    const torch::Tensor out = net_->forward(torch::cat({input_num, input_cat}, 1), t, y);
    torch::Tensor gauss = torch::zeros({});
    torch::Tensor mult = torch::zeros({});
    if (dn_ > 0) gauss = (out.narrow(1, 0, dn_) - noise).pow(2).mean();
    if (cw_ > 0) {
      const torch::Tensor log_true = multi_.q_posterior(full_, log_x0, log_xt, t);
      const torch::Tensor log_model =
          multi_.q_posterior(full_, multi_.log_softmax(out.narrow(1, dn_, cw_)), log_xt, t);
      const torch::Tensor kl = (log_true.exp() * (log_true - log_model)).sum(1);  // [b]
      const torch::Tensor nll = -(log_x0.exp() * log_model).sum(1);               // [b]
      // The variational bound estimate with t uniform (divided by p(t) = 1 / T).
      mult = (torch::where(t == 0, nll, kl) * static_cast<double>(T) / n_vars_).mean();
    }
    const torch::Tensor loss = gauss + mult;
    opt_.zero_grad();
    loss.backward();
    opt_.step();
    {
      // The average warms up (decay (1 + step) / (10 + step) while that is smaller), so a
      // short run is not dominated by the initial weights: 0.999^2000 = 0.14 of them would
      // remain after 2000 steps (TabDDPM runs 30000 steps without warm-up).
      torch::NoGradGuard no_grad;
      const double decay = std::min(c_.ema_decay, (1.0 + step_) / (10.0 + step_));
      for (size_t i = 0; i < params_.size(); ++i) {
        average_params_[i].mul_(decay).add_(params_[i].detach(), 1.0 - decay);
      }
    }
    return {loss.item<double>(), gauss.item<double>(), mult.item<double>()};
  }

  Denoiser& average() { return average_; }

 private:
  const DdpmConfig& c_;
  const Multinomial multi_;
  int64_t dn_, cw_;
  int64_t batch_;
  int steps_;
  int step_ = 0;
  Sched full_;
  Denoiser net_;
  Denoiser average_;
  torch::Tensor x_num_, log_x_cat_, labels_;
  at::Generator gen_;  // timesteps, noise, categories
  RowSampler rows_;
  std::vector<torch::Tensor> params_, average_params_;
  torch::optim::AdamW opt_;
  double n_vars_;
};

class Ddpm : public GeneratorBase<DdpmConfig> {
 public:
  using GeneratorBase::GeneratorBase;

  size_t min_class_rows() const override { return kMinRows; }
  bool conditional() const override { return true; }

  // A failed fit leaves the model unfit.
  void fit(const Matrix& x, const std::vector<int>& y, const FitOptions& options) override {
    try {
      begin_fit(name(), x, y, options, min_class_rows(), "", /*check_spans=*/true);
      const TorchThreadScope threads(options.threads);
      fit_all(x, y, options);
    } catch (...) {
      classes_.clear();
      net_ = Denoiser(nullptr);
      throw;
    }
  }

  Matrix sample(int cls, size_t n, uint64_t seed) const override {
    const size_t position = class_position(net_ ? classes_ : std::vector<int>{}, name(), cls);
    const Sched sched = make_sched(respace(cosine_schedule(config_.timesteps), sample_steps()));
    at::Generator gen = seeded_generator(mix_seed(seed, static_cast<uint64_t>(cls)));
    const TorchThreadScope one(1);  // see kSampleChunk
    return from_model_space(to_matrix(
        reverse_chain(net_, sched, static_cast<int64_t>(n), static_cast<int64_t>(position), gen)));
  }

  void save_state(std::ostream& out) const override {
    BinaryWriter w(out);
    write_class_list(w, classes_);
    if (classes_.empty()) return;
    w.u64(layout_.cols);
    write_spans(w, spans_);
    quantile_.save(w);
    save_tensors(w, *net_);
    write_json(w, history_);
  }

  void load_state(std::istream& in) override {
    BinaryReader r(in);
    std::vector<int> classes = read_class_list(r);
    if (classes.empty()) {
      r.expect_end("the ddpm state");
      classes_.clear();
      net_ = Denoiser(nullptr);
      history_ = nlohmann::json::object();
      return;
    }
    const size_t cols = read_column_count(r);
    std::vector<EncodedSpan> spans = read_spans(r, cols);
    Layout layout = make_layout(spans, cols);
    QuantileNormalTransformer quantile = QuantileNormalTransformer::load(r);
    if (quantile.cols() != layout.numeric.size()) {
      throw Error(ErrorKind::kInvalidArgument,
                  "corrupt: the quantile transformer has " + std::to_string(quantile.cols()) +
                      " columns, the spans describe " + std::to_string(layout.numeric.size()) +
                      " numeric columns");
    }
    Denoiser net = make_denoiser(config_, layout, classes.size(), 0);
    load_tensors(r, *net);
    net->eval();
    nlohmann::json history = read_json(r, "the training history");
    r.expect_end("the ddpm state");
    layout_ = std::move(layout);
    quantile_ = std::move(quantile);
    classes_ = std::move(classes);
    spans_ = std::move(spans);
    net_ = net;
    history_ = std::move(history);
  }

  nlohmann::json history() const override { return history_; }

 private:
  // The model space (quantile transform of the numeric columns, one-hot categories) of the rows
  // of the fit classes, and the denoiser trained on it.
  void fit_all(const Matrix& x, const std::vector<int>& y, const FitOptions& options) {
    const ClassPositions fit_rows = rows_of_classes(y, options.classes);
    const Matrix xc = x.select_rows(fit_rows.rows);
    Layout layout = make_layout(options.spans, x.cols);
    QuantileNormalTransformer quantile;
    if (layout.dn() > 0) {
      quantile.fit(numeric_part(layout, xc), static_cast<size_t>(config_.n_quantiles));
    }
    // Model space: quantile-normal numeric columns, then the one-hot categorical block.
    const Matrix data = model_space(layout, quantile, xc);

    layout_ = std::move(layout);
    quantile_ = std::move(quantile);
    classes_ = options.classes;
    spans_ = options.spans;
    net_ = make_denoiser(config_, layout_, classes_.size(), mix_seed(options.seed, 0));
    history_ = train(data, fit_rows.position, mix_seed(options.seed, 1), observer_of(options));
    history_["every"] = config_.history_every;
    history_["classes"] = classes_;
  }

  int sample_steps() const {
    return config_.sample_steps > 0 ? config_.sample_steps : config_.timesteps;
  }

  Matrix model_space(const Layout& l, const QuantileNormalTransformer& q, const Matrix& x) const {
    const Matrix num = l.dn() > 0 ? q.transform(numeric_part(l, x)) : Matrix(x.rows, 0);
    const Matrix cat = categorical_part(l, x);
    Matrix out(x.rows, static_cast<size_t>(l.width()));
    for (size_t i = 0; i < x.rows; ++i) {
      std::copy(num.row(i), num.row(i) + num.cols, out.row(i));
      std::copy(cat.row(i), cat.row(i) + cat.cols, out.row(i) + num.cols);
    }
    return out;
  }

  // Model space [n, width] -> original columns [n, cols].
  Matrix from_model_space(const Matrix& z) const {
    const size_t dn = layout_.numeric.size();
    Matrix num(z.rows, dn);
    for (size_t i = 0; i < z.rows; ++i) std::copy(z.row(i), z.row(i) + dn, num.row(i));
    const Matrix values = dn > 0 ? quantile_.inverse_transform(num) : num;
    Matrix out(z.rows, layout_.cols, 0.0);
    for (size_t i = 0; i < z.rows; ++i) {
      for (size_t j = 0; j < dn; ++j) out(i, layout_.numeric[j]) = values(i, j);
      for (const CatVar& v : layout_.cats) {
        const double* p = z.row(i) + dn + v.offset;
        size_t best = 0;
        for (size_t k = 1; k < static_cast<size_t>(v.k); ++k) {
          if (p[k] > p[best]) best = k;
        }
        if (v.indicator) {
          out(i, v.start) = static_cast<double>(best);
        } else {
          out(i, v.start + best) = 1.0;
        }
      }
    }
    return out;
  }

  // The reverse chain for n rows of class position `cls` over the schedule `s`: model space
  // [n, width] (numeric values, exact one-hot categories).
  torch::Tensor reverse_chain(Denoiser net, const Sched& s, int64_t n, int64_t cls,
                              at::Generator& gen) const {
    torch::NoGradGuard no_grad;
    const int64_t dn = layout_.dn();
    const int64_t cw = layout_.cat_width;
    const Multinomial multi(layout_);
    std::vector<torch::Tensor> parts;
    for (int64_t start = 0; start < n; start += kChainChunk) {
      const int64_t m = std::min(kChainChunk, n - start);
      torch::Tensor z = torch::randn({m, dn}, gen);  // [m, dn]
      torch::Tensor log_z = cw > 0 ? multi.sample(torch::zeros({m, cw}), gen)
                                   : torch::zeros({m, 0});  // [m, cw], uniform categories
      for (int i = s.s.size() - 1; i >= 0; --i) {
        const auto ui = static_cast<size_t>(i);
        const int64_t t_model = s.s.timesteps[ui];
        const torch::Tensor out = forward_in_blocks(
            torch::cat({z, log_z.exp()}, 1),
            [&](const torch::Tensor& rows) { return net->forward(rows, t_model, cls); });
        if (dn > 0) {
          const double ac = s.s.alphas_cumprod[ui];
          const torch::Tensor eps = out.narrow(1, 0, dn);
          // The predicted x_0, clipped to the range the quantile transform gives (TabDDPM does not
          // clip; its x_0 = (x_t - sqrt(1 - alpha_bar) eps) / sqrt(alpha_bar) amplifies the
          // error of eps by up to 1 / sqrt(alpha_bar_T) ~ 2e4 in the first reverse steps, and a
          // few rows then run away; images are clipped to [-1, 1] the same way, Ho et al. 2020).
          const torch::Tensor x0 = (std::sqrt(1.0 / ac) * z - std::sqrt(1.0 / ac - 1.0) * eps)
                                       .clamp(QuantileNormalTransformer::min_output(),
                                              QuantileNormalTransformer::max_output());
          const torch::Tensor mean =
              s.s.posterior_mean_coef1[ui] * x0 + s.s.posterior_mean_coef2[ui] * z;
          z = i > 0 ? mean + std::exp(0.5 * s.s.model_log_variance[ui]) * torch::randn({m, dn}, gen)
                    : mean;
        }
        if (cw > 0) {
          const torch::Tensor log_x0 = multi.log_softmax(out.narrow(1, dn, cw));
          const torch::Tensor t = torch::full({m}, static_cast<int64_t>(i), torch::kInt64);
          log_z = multi.sample(multi.q_posterior(s, log_x0, log_z, t), gen);
        }
      }
      parts.push_back(torch::cat({z, log_z.exp().round()}, 1));
    }
    if (parts.empty()) return torch::zeros({0, layout_.width()});
    return torch::cat(parts, 0);
  }

  // Trains net_ on model-space rows with class positions `label`; net_ ends up holding the
  // moving average of the weights (the best one with model selection). Returns the history.
  nlohmann::json train(const Matrix& data, const std::vector<int>& label, uint64_t seed,
                       Observer& observer) {
    const ConditionSplit split =
        split_by_condition(label, classes_.size(), config_.validation_fraction, 2, 2, seed);
    if (config_.validation_fraction > 0.0 && split.validation_rows() == 0) {
      note_no_validation(observer, name(), "needs 2 held-back and 2 training rows per class");
    }
    const size_t n = split.train.size();
    const size_t batch = std::min(static_cast<size_t>(config_.batch_size), n);
    // The epoch rule is meant for a few hundred rows; the default is capped at kMaxDefaultSteps
    // (TabDDPM's own budget is 30000 steps); an explicit `steps` is taken as given.
    const int steps = step_budget(config_.steps, config_.epochs, n, batch, 1, kMaxDefaultSteps);
    std::vector<int64_t> train_label(n);
    for (size_t i = 0; i < n; ++i) train_label[i] = label[split.train[i]];
    Trainer trainer(config_, layout_, net_, make_denoiser(config_, layout_, classes_.size(), 0),
                    to_tensor(data.select_rows(split.train)), train_label, batch, steps, seed);

    // Validation: each class's held-back rows in model space, weighted by their count; the rows
    // scored are drawn by the averaged model from the same noise at every evaluation.
    const std::vector<MmdTarget> targets = held_back_targets(
        split.validation,
        [&](const std::vector<size_t>& rows) { return to_tensor(data.select_rows(rows)); });
    const Sched sampling = make_sched(respace(cosine_schedule(config_.timesteps), sample_steps()));
    std::function<double()> score;
    if (!targets.empty()) {
      score = [&] {
        return weighted_mmd(targets, [&](const MmdTarget& t) {
          at::Generator g =
              seeded_generator(mix_seed(seed, 3 + static_cast<uint64_t>(t.condition)));
          return reverse_chain(trainer.average(), sampling, config_.validation_samples, t.condition,
                               g);
        });
      };
    }
    std::vector<torch::Tensor> best;
    const LoopResult result = run_training(
        {name(), steps, config_.history_every, config_.validation_every, config_.patience,
         "lower lr, or check the rows for extreme values"},
        {"loss", "gauss", "multi"}, [&] { return trainer.step(); }, score,
        [&] { best = copy_state(*trainer.average()); }, observer);
    if (result.has_best) restore_state(*trainer.average(), best);
    net_ = trainer.average();  // the averaged weights sample and are saved
    net_->eval();

    nlohmann::json history = result.history;
    history["rows"] = n;
    history["validation_rows"] = split.validation_rows();
    history["batch_size"] = batch;
    history["steps"] = steps;
    return history;
  }

  Layout layout_;
  QuantileNormalTransformer quantile_;
  std::vector<int> classes_;
  std::vector<EncodedSpan> spans_;
  Denoiser net_{nullptr};
  nlohmann::json history_ = nlohmann::json::object();
};

}  // namespace

GeneratorSpec ddpm_generator() {
  return trains_network(make_spec<Ddpm, DdpmConfig>(
      "TabDDPM (Kotelnikov et al. 2023): one class-conditional diffusion model, Gaussian for "
      "numbers and multinomial for categories",
      {{"steps", 100},
       {"batch_size", 16},
       {"timesteps", 50},
       {"sample_steps", 10},
       {"hidden", {32, 32}},
       {"embedding_dim", 16}}));
}

}  // namespace imbgen
