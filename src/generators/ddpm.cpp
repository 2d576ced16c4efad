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
#include "ddpm_net.h"
#include "ddpm_schedule.h"
#include "imbgen/core/error.h"
#include "imbgen/core/rng.h"
#include "quantile.h"
#include "registry.h"
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
        label_(label),
        y_(batch),
        gen_(seeded_generator(mix_seed(seed, 1))),
        rows_(label.size(), mix_seed(seed, 2)),
        params_(net_->parameters()),
        average_params_(average_->parameters()),
        train_(net_, batch_, c.lr, c.weight_decay),
        input_(torch::empty({batch_, dn_ + cw_})),
        d_out_(torch::empty({batch_, dn_ + cw_})),
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
    const std::vector<int64_t> rows = rows_.next(static_cast<size_t>(batch_));
    const auto T = static_cast<int64_t>(c_.timesteps);
    const torch::Tensor t = torch::randint(0, T, {batch_}, gen_);  // [b]
    for (int64_t i = 0; i < batch_; ++i)
      y_[static_cast<size_t>(i)] = label_[static_cast<size_t>(rows[static_cast<size_t>(i)])];
    const torch::Tensor y = torch::from_blob(y_.data(), {batch_}, torch::kInt64);
    torch::Tensor noise, log_x0, log_xt;
    if (dn_ > 0) {
      // x_t = sqrt(alpha_bar_t) x_0 + sqrt(1 - alpha_bar_t) noise, by hand into the input.
      noise = torch::randn({batch_, dn_}, gen_);
      const int64_t* step = t.data_ptr<int64_t>();
      const float* a = full_.sqrt_ac.data_ptr<float>();
      const float* b = full_.sqrt_1m_ac.data_ptr<float>();
      const float* x0 = x_num_.data_ptr<float>();
      const int64_t x0_stride = x_num_.stride(0), width = input_.size(1);
      const float* e = noise.data_ptr<float>();
      float* in = input_.data_ptr<float>();
      for (int64_t i = 0; i < batch_; ++i) {
        const float ai = a[step[i]], bi = b[step[i]];
        const float* x0i = x0 + rows[static_cast<size_t>(i)] * x0_stride;
        for (int64_t j = 0; j < dn_; ++j) {
          in[i * width + j] = ai * x0i[j] + bi * e[i * dn_ + j];
        }
      }
    }
    if (cw_ > 0) {
      const torch::Tensor idx = torch::tensor(rows, torch::kInt64);
      log_x0 = log_x_cat_.index_select(0, idx);  // [b, cw]
      log_xt = multi_.sample(multi_.q_pred(full_, log_x0, t), gen_);
      input_.narrow(1, dn_, cw_).copy_(log_xt.exp());
    }
    const at::Tensor& out = train_.forward(input_, t, y);
    double gauss = 0.0, mult = 0.0;
    if (dn_ > 0) gauss = gaussian_loss(out, noise);
    if (cw_ > 0) {
      // The multinomial loss and its gradient with respect to the logits by autograd, from the
      // network's output on: a handful of element-wise operations on [b, cw].
      const torch::Tensor logits = out.narrow(1, dn_, cw_).clone().requires_grad_(true);
      const torch::Tensor log_true = multi_.q_posterior(full_, log_x0, log_xt, t);
      const torch::Tensor log_model =
          multi_.q_posterior(full_, multi_.log_softmax(logits), log_xt, t);
      const torch::Tensor kl = (log_true.exp() * (log_true - log_model)).sum(1);  // [b]
      const torch::Tensor nll = -(log_x0.exp() * log_model).sum(1);               // [b]
      // The variational bound estimate with t uniform (divided by p(t) = 1 / T).
      const torch::Tensor loss =
          (torch::where(t == 0, nll, kl) * static_cast<double>(T) / n_vars_).mean();
      loss.backward();
      d_out_.narrow(1, dn_, cw_).copy_(logits.grad());
      mult = loss.item<double>();
    }
    train_.step(d_out_, lr);
    {
      // The average warms up (decay (1 + step) / (10 + step) while that is smaller), so a
      // short run is not dominated by the initial weights: 0.999^2000 = 0.14 of them would
      // remain after 2000 steps (TabDDPM runs 30000 steps without warm-up).
      const double decay = std::min(c_.ema_decay, (1.0 + step_) / (10.0 + step_));
      moving_average(average_params_, params_, decay);
    }
    return {static_cast<double>(static_cast<float>(gauss) + static_cast<float>(mult)), gauss, mult};
  }

  Denoiser& average() { return average_; }

 private:
  // mean((out[:, :dn] - noise)^2), its gradient written into d_out_'s numeric columns (as
  // autograd computes it: 1 / (b dn) times 2 (out - noise)).
  double gaussian_loss(const at::Tensor& out, const torch::Tensor& noise) {
    const int64_t width = out.size(1);
    const float inv_n = 1.0f / static_cast<float>(batch_ * dn_);
    const float* o = out.data_ptr<float>();
    const float* e = noise.data_ptr<float>();
    float* d = d_out_.data_ptr<float>();
    double sum = 0.0;
    for (int64_t i = 0; i < batch_; ++i) {
      for (int64_t j = 0; j < dn_; ++j) {
        const float diff = o[i * width + j] - e[i * dn_ + j];
        sum += static_cast<double>(diff) * diff;
        d[i * width + j] = inv_n * (2.0f * diff);
      }
    }
    return sum / static_cast<double>(batch_ * dn_);
  }

  const DdpmConfig& c_;
  const Multinomial multi_;
  int64_t dn_, cw_;
  int64_t batch_;
  int steps_;
  int step_ = 0;
  Sched full_;
  Denoiser net_;
  Denoiser average_;
  torch::Tensor x_num_, log_x_cat_;
  std::vector<int64_t> label_, y_;  // the class positions of the rows, and of a batch's
  at::Generator gen_;  // timesteps, noise, categories
  RowSampler rows_;
  std::vector<torch::Tensor> params_, average_params_;
  DenoiserTrainer train_;  // the hand-written passes and AdamW of net_
  torch::Tensor input_;    // a batch's noised rows x_t
  torch::Tensor d_out_;    // the loss's gradient with respect to the output
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

  // One reverse step of the numeric columns, in place on x's first dn columns z, from the
  // denoiser's output `out` (eps in its first dn columns): the predicted x_0, clipped to the range
  // the quantile transform gives, then z = the posterior mean [+ its sd times `noise`, all but the
  // last step]. (TabDDPM does not clip; its x_0 = (x_t - sqrt(1 - alpha_bar) eps) /
  // sqrt(alpha_bar) amplifies the error of eps by up to 1 / sqrt(alpha_bar_T) ~ 2e4 in the first
  // reverse steps, and a few rows then run away; images are clipped to [-1, 1] the same way, Ho et
  // al. 2020.)
  void numeric_reverse_step(const DiffusionSchedule& s, size_t step, const torch::Tensor& out,
                            const torch::Tensor* noise, torch::Tensor& x) const {
    const double ac = s.alphas_cumprod[step];
    const auto a = static_cast<float>(std::sqrt(1.0 / ac));
    const auto b = static_cast<float>(std::sqrt(1.0 / ac - 1.0));
    const auto c1 = static_cast<float>(s.posterior_mean_coef1[step]);
    const auto c2 = static_cast<float>(s.posterior_mean_coef2[step]);
    const auto sd = static_cast<float>(std::exp(0.5 * s.model_log_variance[step]));
    const auto lo = static_cast<float>(QuantileNormalTransformer::min_output());
    const auto hi = static_cast<float>(QuantileNormalTransformer::max_output());
    const int64_t rows = x.size(0), width = x.size(1), dn = layout_.dn();
    float* z = x.data_ptr<float>();
    const float* eps = out.data_ptr<float>();
    const float* e = noise != nullptr ? noise->data_ptr<float>() : nullptr;
    for (int64_t i = 0; i < rows; ++i) {
      for (int64_t j = 0; j < dn; ++j) {
        const float zij = z[i * width + j];
        const float x0 = std::clamp(a * zij - b * eps[i * width + j], lo, hi);
        const float mean = c1 * x0 + c2 * zij;
        z[i * width + j] = e != nullptr ? mean + sd * e[i * dn + j] : mean;
      }
    }
  }

  // The reverse chain for n rows of class position `cls` over the schedule `s`: model space
  // [n, width] (numeric values, exact one-hot categories).
  torch::Tensor reverse_chain(Denoiser net, const Sched& s, int64_t n, int64_t cls,
                              at::Generator& gen) const {
    torch::NoGradGuard no_grad;
    const int64_t dn = layout_.dn();
    const int64_t cw = layout_.cat_width;
    const Multinomial multi(layout_);
    DenoiserSampler sampler(net);
    std::vector<torch::Tensor> parts;
    for (int64_t start = 0; start < n; start += kChainChunk) {
      const int64_t m = std::min(kChainChunk, n - start);
      // The rows x_t [m, dn + cw]: the numeric values z, updated in place, then the categories'
      // one-hot codes exp(log_z).
      torch::Tensor x = torch::empty({m, dn + cw}), out = torch::empty({m, dn + cw});
      torch::Tensor noise = torch::empty({m, dn});
      if (dn > 0) {
        noise.normal_(0.0, 1.0, gen);  // z starts as N(0, I)
        x.narrow(1, 0, dn).copy_(noise);
      }
      torch::Tensor log_z = cw > 0 ? multi.sample(torch::zeros({m, cw}), gen)
                                   : torch::zeros({m, 0});  // [m, cw], uniform categories
      for (int i = s.s.size() - 1; i >= 0; --i) {
        const auto ui = static_cast<size_t>(i);
        if (cw > 0) x.narrow(1, dn, cw).copy_(log_z.exp());
        sampler.forward(x, s.s.timesteps[ui], cls, out);
        if (dn > 0) {
          if (i > 0) noise.normal_(0.0, 1.0, gen);
          numeric_reverse_step(s.s, ui, out, i > 0 ? &noise : nullptr, x);
        }
        if (cw > 0) {
          const torch::Tensor log_x0 = multi.log_softmax(out.narrow(1, dn, cw));
          const torch::Tensor t = torch::full({m}, static_cast<int64_t>(i), torch::kInt64);
          log_z = multi.sample(multi.q_posterior(s, log_x0, log_z, t), gen);
        }
      }
      if (cw > 0) x.narrow(1, dn, cw).copy_(log_z.exp().round());
      parts.push_back(x);
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
