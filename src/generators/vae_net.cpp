// The LibTorch side of the VAE shared by vae, cvae and tvae (Kingma & Welling 2014, "Auto-Encoding
// Variational Bayes", Algorithm 1 with the estimator of eq. 10: one z per row by the
// reparameterisation z = mu + sigma * eps, KL(q(z|x) || N(0, I)) in closed form, Appendix B).
// The training step is written out by hand over manual_mlp.h's passes and Adam, LibTorch only
// multiplying the matrices: at these sizes autograd and LibTorch's per-operation dispatch were
// most of a step. tests/generators/vae_test.cpp checks training runs against the same step
// computed by autograd and torch::optim::Adam.
#include "vae_net.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>
#include <utility>

#include "core/vector_clones.h"
#include "imbgen/core/error.h"
#include "imbgen/core/rng.h"
#include "manual_mlp.h"
#include "normal_stream.h"
#include "torch_blocks.h"
#include "training_loop.h"
#include "vae_module.h"
#include "vector_math.h"

namespace imbgen {
namespace {

// Default step budget cap (steps = 0): see the epoch rule in train().
constexpr int64_t kVaeMaxDefaultSteps = 20000;
// The encoder's log-variance is clamped to this range: exp() of a larger value overflows float
// (a cvae on NSL-KDD's heavy-tailed byte counts went to inf after 44837 steps).
constexpr double kLogvarMin = -30.0, kLogvarMax = 20.0;
const double kHalfLog2Pi = 0.5 * std::log(2.0 * 3.14159265358979323846);

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

// torch::softplus (beta 1, threshold 20) and its derivative from the same exp; in vector_math's
// arithmetic, without a branch, so that loops of it vectorise. Always inlined: GCC left it a
// call in gaussian_values' loop, which then ran one value at a time in every clone.
struct Softplus {
  float value, slope;
};
__attribute__((always_inline)) inline Softplus softplus_and_slope(float v) {
  const float z = vector_math::exp(v);
  const bool linear = v > 20.0f;
  return {linear ? v : vector_math::log1p(z), linear ? 1.0f : z / (z + 1.0f)};
}
// The value alone (the compiler drops the slope's division).
float softplus(float v) { return softplus_and_slope(v).value; }

// The layout of vae and cvae (gaussian_vae_options): every column Gaussian, with a sigma per row.
bool every_column_gaussian_with_row_sigma(const VaeNetOptions& o) {
  return o.row_sigma && std::all_of(o.blocks.begin(), o.blocks.end(), [](const OutputBlock& b) {
           return b.kind == OutputKind::kGaussian;
         });
}

// Splits decoder outputs [rows, 2 d] of that layout (means, then the sigmas' softplus inputs)
// into two arrays [rows, d], and joins two such arrays back: the loops below then run over
// rows * d values at once (d is small, 29 for the bundled data, and a loop over one row's columns
// would leave most of them to the scalar remainder of the vectorised loop).
void split_halves(const float* out, int64_t rows, int64_t d, float* first, float* second) {
  for (int64_t i = 0; i < rows; ++i) {
    std::copy(out + i * 2 * d, out + i * 2 * d + d, first + i * d);
    std::copy(out + i * 2 * d + d, out + (i + 1) * 2 * d, second + i * d);
  }
}

void join_halves(const float* first, const float* second, int64_t rows, int64_t d, float* out) {
  for (int64_t i = 0; i < rows; ++i) {
    std::copy(first + i * d, first + (i + 1) * d, out + i * 2 * d);
    std::copy(second + i * d, second + (i + 1) * d, out + i * 2 * d + d);
  }
}

// finish_row (VaeNet's sampling) for that layout, over n values:
// row = mean + noise_scale (sigma_min + softplus(raw)) eps.
IMBGEN_VECTOR_CLONES
void finish_gaussian_values(int64_t n, const float* __restrict mean, const float* __restrict raw,
                            const float* __restrict eps, float sigma_min, float noise_scale,
                            double* __restrict row) {
  for (int64_t k = 0; k < n; ++k) {
    const float sd = sigma_min + softplus(raw[k]);
    row[k] = mean[k] + noise_scale * sd * eps[k];
  }
}

// reconstruction() for that layout over n values (rows * d, split_halves' arrays): the loss terms
// -log p into terms and the gradient of `scale` times them with respect to the means and the
// sigmas' softplus inputs into g_mean and g_raw.
IMBGEN_VECTOR_CLONES
void gaussian_values(int64_t n, const float* __restrict x, const float* __restrict mean,
                     const float* __restrict raw, float sigma_min, float half_log_2pi,
                     float scale, float* __restrict terms, float* __restrict g_mean,
                     float* __restrict g_raw) {
  for (int64_t k = 0; k < n; ++k) {
    const Softplus sp = softplus_and_slope(raw[k]);
    const float sd = sigma_min + sp.value;
    // -log p = t^2 / 2 + log s + log(2 pi) / 2, t = (x - m) / s; d/dm = -t / s,
    // d/ds = (1 - t^2) / s.
    const float t = (x[k] - mean[k]) / sd;
    terms[k] = 0.5f * t * t + vector_math::log(sd) + half_log_2pi;
    g_mean[k] = -t / sd * scale;
    g_raw[k] = (1.0f - t * t) / sd * scale * sp.slope;
  }
}

// The reconstruction term -log p(x | decoder outputs), summed over a batch's rows and blocks (in
// float32 per value, as autograd computes it, summed in double). x [b, d]; out [b, w], w = d, or
// 2 d with row_sigma (the second half gives the sigmas); sigma [d], the learned sigmas (read for
// the Gaussian columns only, not with row_sigma). With g_out, also `scale` times its gradient:
// with respect to the outputs into g_out [b, w] (every entry written) and to the learned sigmas
// added into g_sigma [d] (not with row_sigma).
double reconstruction(const VaeNetOptions& o, int64_t b, const float* x, const float* out,
                      const float* sigma, float scale, float* g_out, float* g_sigma) {
  const auto d = static_cast<int64_t>(o.data_dim);
  const int64_t w = o.row_sigma ? 2 * d : d;
  const auto half_log_2pi = static_cast<float>(kHalfLog2Pi);
  double sum = 0.0;
  if (every_column_gaussian_with_row_sigma(o)) {
    const auto n = static_cast<size_t>(b * d);
    std::vector<float> mean(n), raw(n), terms(n), g_mean(n), g_raw(n);
    split_halves(out, b, d, mean.data(), raw.data());
    gaussian_values(b * d, x, mean.data(), raw.data(), static_cast<float>(o.sigma_min),
                    half_log_2pi, scale, terms.data(), g_mean.data(), g_raw.data());
    if (g_out) join_halves(g_mean.data(), g_raw.data(), b, d, g_out);
    // Summed column by column, as the loop over blocks below would.
    for (int64_t j = 0; j < d; ++j)
      for (int64_t i = 0; i < b; ++i)
        sum += static_cast<double>(terms[static_cast<size_t>(i * d + j)]);
    return sum;
  }
  if (g_out) std::fill(g_out, g_out + b * w, 0.0f);
  for (const OutputBlock& blk : o.blocks) {
    const auto j0 = static_cast<int64_t>(blk.start);
    if (blk.kind == OutputKind::kCategorical) {
      // Cross-entropy of the logits against the one-hot's argmax (the first largest entry).
      const auto width = static_cast<int64_t>(blk.width);
      for (int64_t i = 0; i < b; ++i) {
        const float* xi = x + i * d + j0;
        const float* oi = out + i * w + j0;
        int64_t target = 0;
        float top = oi[0];
        for (int64_t k = 1; k < width; ++k) {
          if (xi[k] > xi[target]) target = k;
          top = std::max(top, oi[k]);
        }
        float total = 0.0f;
        for (int64_t k = 0; k < width; ++k) total += std::exp(oi[k] - top);
        const float log_total = std::log(total);
        sum += static_cast<double>(top + log_total - oi[target]);
        if (!g_out) continue;
        float* gi = g_out + i * w + j0;
        for (int64_t k = 0; k < width; ++k) gi[k] = scale * std::exp(oi[k] - top - log_total);
        gi[target] -= scale;
      }
      continue;
    }
    // One Gaussian column: mean m = out (tanh(out) for kTanhGaussian), t = (x - m) / s,
    // -log p = t^2 / 2 + log s + log(2 pi) / 2; d/dm = -t / s, d/ds = (1 - t^2) / s.
    const bool squash = blk.kind == OutputKind::kTanhGaussian;
    float sigma_gradient = 0.0f;
    for (int64_t i = 0; i < b; ++i) {
      const float o_m = out[i * w + j0];
      const float m = squash ? std::tanh(o_m) : o_m;
      const Softplus sp =
          o.row_sigma ? softplus_and_slope(out[i * w + d + j0]) : Softplus{0.0f, 0.0f};
      const float sd = o.row_sigma ? static_cast<float>(o.sigma_min) + sp.value : sigma[j0];
      const float t = (x[i * d + j0] - m) / sd;
      sum += static_cast<double>(0.5f * t * t + std::log(sd) + half_log_2pi);
      if (!g_out) continue;
      float dm = -t / sd * scale;
      if (squash) dm *= 1.0f - m * m;
      g_out[i * w + j0] = dm;
      const float ds = (1.0f - t * t) / sd * scale;
      if (o.row_sigma) {
        g_out[i * w + d + j0] = ds * sp.slope;
      } else {
        sigma_gradient += ds;
      }
    }
    if (g_out && !o.row_sigma) g_sigma[j0] += sigma_gradient;
  }
  return sum;
}

// The encoder's log-variance as the step uses it.
float clamped_logvar(float raw) {
  return std::min(std::max(raw, static_cast<float>(kLogvarMin)), static_cast<float>(kLogvarMax));
}

// KL(N(mu, exp(logvar)) || N(0, I)) = -1/2 sum(1 + logvar - mu^2 - exp(logvar)) of one value,
// var = exp(logvar), from its float part k = 1 + logvar - mu^2 - var.
float kl_part(float mu, float logvar, float var) { return 1.0f + logvar - mu * mu - var; }
double kl_term(float part) { return -0.5 * static_cast<double>(part); }

// The reparameterisation of one row: from the encoder's mu [latent] and raw log-variances
// [latent], and the noise eps [latent], the clamped log-variance's exp(lv / 2) into sd and exp(lv)
// into var, the decoder's input z = mu + eps sd, and kl_part of each value into kl.
IMBGEN_VECTOR_CLONES
void reparameterise_row(int64_t latent, const float* __restrict mu, const float* __restrict raw,
                        const float* __restrict eps, float* __restrict sd, float* __restrict var,
                        float* __restrict z, float* __restrict kl) {
  for (int64_t j = 0; j < latent; ++j) {
    const float lv = clamped_logvar(raw[j]);
    sd[j] = vector_math::exp(0.5f * lv);
    var[j] = vector_math::exp(lv);
    z[j] = mu[j] + eps[j] * sd[j];
    kl[j] = kl_part(mu[j], lv, var[j]);
  }
}

// One training step by hand: the encoder and decoder passes of a batch, the loss and its
// gradients, and Adam (with the L2 penalty) on the encoder, the decoder and the learned sigmas,
// over the module's own tensors. The arithmetic is autograd's and torch::optim::Adam's, in
// float32 like theirs but in another order. The learned sigmas get a gradient only where the
// loss reads them (no row_sigma, some Gaussian column); as in autograd, Adam leaves them alone
// otherwise.
class VaeStep {
 public:
  VaeStep(VaeModuleImpl& net, const VaeNetOptions& o, int64_t batch)
      : o_(o),
        net_(net),
        enc_(net.encoder, o.encoder_hidden.size(), MlpOptions{}, o.lr, 0.9, 0.999,
             o.weight_decay),
        dec_(net.decoder, o.decoder_hidden.size(), MlpOptions{}, o.lr, 0.9, 0.999,
             o.weight_decay),
        sigma_adam_(o.lr, 0.9, 0.999, o.weight_decay),
        ep_(enc_.make_pass(batch)),
        dp_(dec_.make_pass(batch)),
        b_(batch),
        x_(static_cast<size_t>(batch) * o.data_dim),
        sd_(static_cast<size_t>(batch) * o.latent_dim),
        var_(sd_.size()),
        kl_(sd_.size()) {
    bool gaussian = false;
    for (const OutputBlock& blk : o.blocks) gaussian |= blk.kind != OutputKind::kCategorical;
    if (gaussian && !o.row_sigma) sigma_grad_ = sigma_adam_.add(net.sigma);
  }

  // Rows `rows` of data [n, d] (float32, row-major) with their conditions (indices into
  // condition, ignored when cond_dim is 0); the reparameterisation noise from gen, drawn as
  // torch::randn({batch, latent}, gen). Returns the loss, reconstruction and KL terms (batch
  // means).
  std::vector<double> step(const float* data, const std::vector<int64_t>& condition,
                           const std::vector<int64_t>& rows, at::Generator& gen) {
    const auto d = static_cast<int64_t>(o_.data_dim), cd = static_cast<int64_t>(o_.cond_dim);
    const auto latent = static_cast<int64_t>(o_.latent_dim);
    check_internal(static_cast<int64_t>(rows.size()) == b_, "VaeStep: batch size");
    torch::NoGradGuard no_grad;  // the parameters require gradients; nothing here records them
    float* enc_in = ep_.in[0].data_ptr<float>();  // [b, d + cd]
    float* dec_in = dp_.in[0].data_ptr<float>();  // [b, latent + cd]
    for (int64_t i = 0; i < b_; ++i) {
      const auto r = static_cast<size_t>(rows[static_cast<size_t>(i)]);
      std::copy(data + r * o_.data_dim, data + (r + 1) * o_.data_dim, x_.data() + i * d);
      std::copy(data + r * o_.data_dim, data + (r + 1) * o_.data_dim, enc_in + i * (d + cd));
      if (cd == 0) continue;
      float* e = enc_in + i * (d + cd) + d;
      float* z = dec_in + i * (latent + cd) + latent;
      std::fill(e, e + cd, 0.0f);
      std::fill(z, z + cd, 0.0f);
      e[condition[r]] = 1.0f;
      z[condition[r]] = 1.0f;
    }
    enc_.forward(ep_);
    const float* h = ep_.out.data_ptr<float>();  // [b, 2 latent]: mu, raw log-variance
    const at::Tensor noise = torch::randn({b_, latent}, gen);
    const float* eps = noise.data_ptr<float>();
    for (int64_t i = 0; i < b_; ++i) {
      const float* hi = h + i * 2 * latent;
      reparameterise_row(latent, hi, hi + latent, eps + i * latent, sd_.data() + i * latent,
                         var_.data() + i * latent, dec_in + i * (latent + cd),
                         kl_.data() + i * latent);
    }
    double kl = 0.0;
    for (float part : kl_) kl += kl_term(part);
    dec_.forward(dp_);

    // d loss / d decoder outputs, and the learned sigmas' gradient; loss = w * mean recon +
    // mean KL.
    const auto scale = static_cast<float>(o_.recon_weight / static_cast<double>(b_));
    float* g_sigma = nullptr;
    if (sigma_grad_.defined()) {
      g_sigma = sigma_grad_.data_ptr<float>();
      std::fill(g_sigma, g_sigma + d, 0.0f);
    }
    const double recon =
        reconstruction(o_, b_, x_.data(), dp_.out.data_ptr<float>(),
                       net_.sigma.data_ptr<float>(), scale, dp_.d_pre.back().data_ptr<float>(),
                       g_sigma);
    dec_.backward(dp_, true, true);

    // Back through the reparameterisation and the KL term to the encoder's outputs. The clamp
    // passes the gradient inside [kLogvarMin, kLogvarMax] only, as torch::clamp's does.
    const float* dz = dp_.d_in[0].data_ptr<float>();  // [b, latent + cd]
    float* g_h = ep_.d_pre.back().data_ptr<float>();   // [b, 2 latent]
    const float inv_b = 1.0f / static_cast<float>(b_);
    for (int64_t i = 0; i < b_; ++i) {
      for (int64_t j = 0; j < latent; ++j) {
        const size_t k = static_cast<size_t>(i * latent + j);
        const float g = dz[i * (latent + cd) + j];
        const float raw = h[i * 2 * latent + latent + j];
        g_h[i * 2 * latent + j] = g + h[i * 2 * latent + j] * inv_b;
        const bool inside = raw >= static_cast<float>(kLogvarMin) &&
                            raw <= static_cast<float>(kLogvarMax);
        g_h[i * 2 * latent + latent + j] =
            inside ? g * eps[k] * 0.5f * sd_[k] + 0.5f * (var_[k] - 1.0f) * inv_b : 0.0f;
      }
    }
    enc_.backward(ep_, true, false);
    enc_.adam_step();
    dec_.adam_step();
    if (sigma_grad_.defined()) sigma_adam_.step();
    net_.sigma.clamp_(o_.sigma_min, o_.sigma_max);
    const double recon_mean = recon / static_cast<double>(b_);
    const double kl_mean = kl / static_cast<double>(b_);
    return {o_.recon_weight * recon_mean + kl_mean, recon_mean, kl_mean};
  }

 private:
  const VaeNetOptions& o_;
  VaeModuleImpl& net_;
  ManualMlp enc_, dec_;
  AdamState sigma_adam_;
  at::Tensor sigma_grad_;  // undefined when the loss does not read the learned sigmas
  MlpPass ep_, dp_;
  int64_t b_;
  std::vector<float> x_;         // the batch's rows [b, d]
  std::vector<float> sd_, var_;  // exp(logvar / 2) and exp(logvar) [b, latent]
  std::vector<float> kl_;        // kl_part of each value [b, latent]
};

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
  const size_t w = options.row_sigma ? 2 * options.data_dim : options.data_dim;
  check_internal(x.cols == options.data_dim && out.cols == w && out.rows == x.rows &&
                     sigma.size() == options.data_dim && mu.rows == x.rows &&
                     logvar.rows == x.rows && mu.cols == logvar.cols,
                 "vae_loss_terms: shapes");
  const auto as_float = [](const std::vector<double>& v) {
    return std::vector<float>(v.begin(), v.end());
  };
  const std::vector<float> xf = as_float(x.data), of = as_float(out.data), sf = as_float(sigma);
  const auto b = static_cast<int64_t>(x.rows);
  const double recon = reconstruction(options, b, xf.data(), of.data(), sf.data(), 0.0f, nullptr,
                                      nullptr) /
                       static_cast<double>(b);
  double kl = 0.0;
  for (size_t k = 0; k < mu.data.size(); ++k) {
    const float lv = clamped_logvar(static_cast<float>(logvar.data[k]));
    kl += kl_term(kl_part(static_cast<float>(mu.data[k]), lv, vector_math::exp(lv)));
  }
  kl /= static_cast<double>(b);
  return {options.recon_weight * recon + kl, recon, kl};
}

struct VaeNet::Impl {
  VaeNetOptions options;
  at::Generator gen;  // weight initialisation
  VaeModule net{nullptr};

  Impl(VaeNetOptions o, uint64_t seed) : options(std::move(o)), gen(seeded_generator(seed)) {
    check_blocks(options);
    net = VaeModule(options);
    init_linear_layers(*net, gen);
  }

  // One decoded row into net space (see VaeNet::sample): o, the decoder's outputs [w]; eps, the
  // row's noise, one value per Gaussian column in column order; sigma, the learned sigmas [d].
  // In float32, as LibTorch computed it on whole tensors before: mean + (noise_scale * sigma) *
  // eps.
  void finish_row(const float* o, const float* eps, const float* sigma, float noise_scale,
                  double* row) const {
    const size_t d = options.data_dim;
    for (const OutputBlock& b : options.blocks) {
      const size_t j = b.start;
      if (b.kind == OutputKind::kCategorical) {
        size_t top = 0;  // the first largest logit, as argmax
        for (size_t k = 1; k < b.width; ++k)
          if (o[j + k] > o[j + top]) top = k;
        for (size_t k = 0; k < b.width; ++k) row[j + k] = k == top ? 1.0 : 0.0;
        continue;
      }
      const float mean = b.kind == OutputKind::kTanhGaussian ? std::tanh(o[j]) : o[j];
      const float sd = options.row_sigma
                           ? static_cast<float>(options.sigma_min) + softplus(o[d + j])
                           : sigma[j];
      row[j] = mean + noise_scale * sd * *eps++;
    }
  }

  // n net-space rows decoded from prior draws (see VaeNet::sample), kForwardBlock rows at a
  // time: z [k, latent] and then the noise of the Gaussian columns [k, columns] from one
  // NormalStream (row after row), the decoder through an MlpSampler (buffers allocated once),
  // each row finished by hand. Before, z and the noise of every column (categorical ones
  // included) were drawn for pieces of 65,536 rows, and LibTorch's forward and column selections
  // allocated tensors of a whole piece: tens of MB for tvae's hundreds of columns.
  void sample(size_t n, int condition, double noise_scale, uint64_t seed,
              const std::function<void(size_t, const Matrix&)>& consume) const {
    torch::NoGradGuard no_grad;
    const TorchThreadScope one(1);  // see kSampleChunk
    NormalStream stream(seed);
    const auto latent = static_cast<int64_t>(options.latent_dim);
    const auto in_width = latent + static_cast<int64_t>(options.cond_dim);
    int64_t gaussian = 0;
    for (const OutputBlock& b : options.blocks) gaussian += b.kind != OutputKind::kCategorical;
    const bool gaussian_rows = every_column_gaussian_with_row_sigma(options);
    const int64_t block =
        std::max<int64_t>(1, std::min(kForwardBlock, static_cast<int64_t>(n)));
    const auto d = static_cast<int64_t>(options.data_dim);
    std::vector<float> mean(gaussian_rows ? static_cast<size_t>(block * d) : 0), raw(mean.size());
    MlpSampler decoder(net->decoder, options.decoder_hidden.size(), MlpOptions{}, block);
    const int64_t w = decoder.output_width();
    const float* sigma = net->sigma.data_ptr<float>();
    const auto scale = static_cast<float>(noise_scale);
    at::Tensor z = torch::empty({block, latent});
    at::Tensor eps = torch::empty({block, gaussian});
    at::Tensor in = torch::zeros({block, in_width});  // z, then the condition's one-hot
    float* pin = in.data_ptr<float>();
    if (options.cond_dim > 0) {
      for (int64_t i = 0; i < block; ++i) pin[i * in_width + latent + condition] = 1.0f;
    }
    Matrix rows(static_cast<size_t>(block), options.data_dim);
    for (size_t start = 0; start < n; start += static_cast<size_t>(block)) {
      const int64_t k = std::min(block, static_cast<int64_t>(n - start));
      if (k < block) {  // the last block: fewer rows, the same storage
        rows.rows = static_cast<size_t>(k);
        rows.data.resize(rows.rows * rows.cols);
      }
      float* pz = z.data_ptr<float>();
      float* pe = eps.data_ptr<float>();
      stream.fill(pz, static_cast<size_t>(k * latent));
      stream.fill(pe, static_cast<size_t>(k * gaussian));
      for (int64_t i = 0; i < k; ++i)
        std::copy(pz + i * latent, pz + (i + 1) * latent, pin + i * in_width);
      const float* po = decoder.forward(in.narrow(0, 0, k)).data_ptr<float>();
      if (gaussian_rows) {  // eps [k, d], rows [k, d]
        split_halves(po, k, d, mean.data(), raw.data());
        finish_gaussian_values(k * d, mean.data(), raw.data(), pe,
                               static_cast<float>(options.sigma_min), scale, rows.data.data());
      } else {
        for (int64_t i = 0; i < k; ++i)
          finish_row(po + i * w, pe + i * gaussian, sigma, scale, rows.row(static_cast<size_t>(i)));
      }
      consume(start, rows);
    }
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
            sample(static_cast<size_t>(plan.validation_samples), t.condition, plan.sample_noise,
                   mix_seed(seed, 3 + static_cast<uint64_t>(t.condition)))));
      });
      s.net->train();
      return v;
    };
  }

  at::Generator gen = seeded_generator(mix_seed(seed, 1));  // reparameterisation noise
  RowSampler sampler(n, mix_seed(seed, 2));
  VaeStep trainer(*s.net, o, static_cast<int64_t>(batch));
  s.net->train();
  const float* rows = data.data_ptr<float>();
  auto step = [&] { return trainer.step(rows, train_cond, sampler.next(batch), gen); };
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
  Matrix out(n, impl_->options.data_dim);
  sample_blocks(n, condition, noise_scale, seed, [&](size_t start, const Matrix& rows) {
    std::copy(rows.data.begin(), rows.data.end(), out.row(start));
  });
  return out;
}

void VaeNet::sample_blocks(size_t n, int condition, double noise_scale, uint64_t seed,
                           const std::function<void(size_t, const Matrix&)>& consume) const {
  check_internal(!impl_->net->is_training(), "VaeNet::sample: the network is still training");
  impl_->sample(n, condition, noise_scale, seed, consume);
}

int64_t VaeNet::parameter_count() const { return count_parameters(*impl_->net); }

void VaeNet::save(BinaryWriter& w) const { save_tensors(w, *impl_->net); }

void VaeNet::load(BinaryReader& r) {
  load_tensors(r, *impl_->net);
  impl_->net->eval();
}

}  // namespace imbgen
