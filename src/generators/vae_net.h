// The variational autoencoder shared by vae, cvae and tvae (Kingma & Welling 2014, "Auto-Encoding
// Variational Bayes": the SGVB estimator of eq. 7 with one latent sample per row and the
// closed-form Gaussian KL of Appendix B), its training loop and its sampler. Torch-free header.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "binary_io.h"
#include "imbgen/core/observer.h"
#include "imbgen/data/matrix.h"
#include "imbgen/generators/vae.h"

namespace imbgen {

// How the decoder models a block of columns of the data it reconstructs.
enum class OutputKind {
  // One column, x ~ N(mu, sigma^2): mu is the decoder output; sigma is a learned parameter of the
  // column shared by all rows, or with row_sigma a second decoder output (sigma_min +
  // softplus). -log p = (x - mu)^2 / (2 sigma^2) + log sigma + log(2 pi) / 2.
  kGaussian,
  // As kGaussian with mu = tanh(decoder output): TVAE's model of a mode-normalised value.
  kTanhGaussian,
  // A one-hot block: the decoder outputs logits, -log p = cross-entropy against the argmax of x.
  kCategorical,
};

struct OutputBlock {
  OutputKind kind = OutputKind::kGaussian;
  size_t start = 0;  // first column
  size_t width = 1;  // 1 for the Gaussian kinds
};

struct VaeNetOptions {
  size_t data_dim = 0;    // columns of the data the network encodes and reconstructs
  size_t cond_dim = 0;    // columns of the condition (one-hot class) given to both nets; 0: none
  size_t latent_dim = 0;  // size of z
  // Hidden layers (Linear -> ReLU) of the encoder, x [+ c] -> (mu, log sigma^2), and of the
  // decoder, z [+ c] -> the decoder outputs [data_dim].
  std::vector<int> encoder_hidden;
  std::vector<int> decoder_hidden;
  double lr = 1e-3;           // Adam
  double weight_decay = 0.0;  // Adam's L2 penalty
  // false: one learned sigma per column, shared by all rows, starting at sigma_init and clamped
  // to [sigma_min, sigma_max] after every step (TVAE). true: the decoder also outputs a sigma per
  // row and column, sigma_min + softplus(output) (the Gaussian MLP decoder of Kingma & Welling,
  // Appendix C.2); its outputs are then [means (data_dim), sigma inputs (data_dim)].
  bool row_sigma = false;
  double sigma_init = 1.0;
  double sigma_min = 0.01;
  double sigma_max = 1.0;
  double recon_weight = 1.0;  // loss = recon_weight * reconstruction + KL (TVAE's loss_factor)
  std::vector<OutputBlock> blocks;  // cover the columns 0..data_dim-1 in order, without gaps
};

// The options a family's settings give: data and condition sizes, latent size, hidden layers
// and Adam's; row_sigma, the sigma range, recon_weight and the blocks are left for the family.
VaeNetOptions vae_net_options(const VaeSettings& s, size_t data_dim, size_t cond_dim = 0);
// vae's and cvae's: every column Gaussian with a sigma per row and column (the Gaussian MLP
// decoder of Kingma & Welling, Appendix C.2).
VaeNetOptions gaussian_vae_options(const VaeSettings& s, size_t data_dim, size_t cond_dim = 0);

// Per-row means over a batch: recon = -log p(x | z) summed over the blocks, kl = KL(q(z|x) ||
// N(0, I)), loss = recon_weight * recon + kl (= the negative ELBO when recon_weight is 1).
struct VaeLossTerms {
  double loss = 0.0;
  double recon = 0.0;
  double kl = 0.0;
};

// The loss of the training step for given decoder outputs `out` [n, data_dim] ([n, 2 data_dim]
// with row_sigma), learned sigmas (one per column; read for the Gaussian columns only, and not
// with row_sigma) and posterior parameters mu, logvar [n, latent] (logvar clamped to [-30, 20]
// as the step clamps the encoder's), computed in float32 by the code the training step uses.
// For tests.
VaeLossTerms vae_loss_terms(const VaeNetOptions& options, const Matrix& x, const Matrix& out,
                            const std::vector<double>& sigma, const Matrix& mu,
                            const Matrix& logvar);

// Net-space rows [n, data_dim] -> the space validation scores are computed in.
using ScoreMap = std::function<Matrix(const Matrix&)>;

class VaeNet {
 public:
  // Builds the encoder, decoder and sigmas; weights are drawn from `seed` (LibTorch's default
  // Linear initialisation).
  VaeNet(VaeNetOptions options, uint64_t seed);
  ~VaeNet();
  VaeNet(VaeNet&&) noexcept;
  VaeNet& operator=(VaeNet&&) noexcept;

  const VaeNetOptions& options() const;

  // Trains on x [n, data_dim] with the training settings of `plan` (batch_size, epochs, steps,
  // history_every, model selection and sample_noise for the scored rows); condition[i] is row
  // i's condition index in [0, cond_dim) (all 0 when cond_dim is 0). Model selection
  // (validation_fraction > 0): round(validation_fraction * n_c) rows of each condition c are
  // held back (seeded); every validation_every steps the model draws validation_samples rows per
  // condition and scores them against the held-back rows by the MMD^2 of torch_blocks (both
  // mapped by to_score; lower is better), weighted by the held-back rows; the best weights are
  // kept, and with patience > 0 training stops after that many scores without improvement. A
  // condition that would keep fewer than 2 held-back or 2 training rows trains on all its rows
  // (without any held-back rows at all, the observer is told). Runs training_loop.h's
  // run_training with the values loss, recon, kl. Returns its history plus {"rows",
  // "validation_rows", "batch_size", "steps", "every"}.
  nlohmann::json train(const Matrix& x, const std::vector<int>& condition, const VaeSettings& plan,
                       const ScoreMap& to_score, uint64_t seed, Observer& observer,
                       const std::string& task);

  // n rows from the prior through the decoder with condition index `condition` (ignored when
  // cond_dim is 0): Gaussian columns are mu + noise_scale * sigma * eps (tanh(.) for
  // kTanhGaussian), categorical blocks the exact one-hot of the largest logit. Net space
  // [n, data_dim]. All noise comes from `seed`.
  Matrix sample(size_t n, int condition, double noise_scale, uint64_t seed) const;
  // The same rows, a block of at most 2,048 at a time: consume(first row, rows of the block).
  // The block's storage is reused by the next call. For callers that turn net-space rows into
  // something narrower (tvae's hundreds of mode columns into its columns), without holding all n
  // net-space rows at once.
  void sample_blocks(size_t n, int condition, double noise_scale, uint64_t seed,
                     const std::function<void(size_t, const Matrix&)>& consume) const;

  // Weights of the encoder and decoder plus the data_dim sigma parameters.
  int64_t parameter_count() const;

  // Encoder, decoder and sigma tensors by name and shape (torch_blocks format).
  void save(BinaryWriter& w) const;
  void load(BinaryReader& r);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace imbgen
