// CTGAN (Xu, Skoularidou, Cuesta-Infante & Veeramachaneni 2019, "Modeling Tabular Data using
// Conditional GAN"): mode-specific normalisation, conditional generator with training-by-sampling,
// PacGAN critic and WGAN-GP loss. One model for all classes: the class is part of the condition,
// so sample(c, n) draws class c directly.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "imbgen/generators/config.h"
#include "imbgen/generators/generator.h"

namespace imbgen {

// Data representation (paper Section 4.2), built from the rows of the fit classes:
// - a numeric column (FitOptions::spans kind kNumeric, or every column when spans is empty) gets
//   a variational Gaussian mixture (Dirichlet-process prior 1e-3, at most max_modes modes; modes
//   of weight <= mode_weight_threshold, or explaining less than one row, are dropped, see
//   src/generators/vgm.h); a value becomes alpha = (x - mu_k) / (4 sd_k) clipped to
//   [-0.99, 0.99] (as the reference implementation; tanh never reaches +-1, see
//   src/generators/mode_normalizer.h) plus the one-hot of mode k, k drawn from the modes'
//   posterior probabilities. A column with a single value is reproduced as that constant.
// - a one-hot block (kOneHot) stays one-hot; a missing indicator (0/1) becomes a 2-wide one-hot.
// Generator (Section 4.4): input noise N(0, I) of latent_dim + condition; residual layers
// h = [ReLU(BN(Linear(h))), h] of generator_hidden widths; outputs tanh for alpha and
// Gumbel-softmax (tau = gumbel_tau) for every mode and one-hot block during training. Sampling
// takes the argmax of the Gumbel-perturbed logits (the category the training-time
// Gumbel-softmax puts its weight on), so each sampled block is exactly one-hot.
// Condition vector: one-hot of the class, then the one-hot of one category of one discrete block
// (zeros when the data has none). Training-by-sampling (Section 4.3): each row's class is drawn
// uniformly among the fit classes, then a discrete block uniformly and a category with
// probability proportional to log(1 + its count in that class); the real row is drawn among the
// class's rows with that category. The generator loss adds the cross-entropy between the
// conditioned block's logits and the condition. At sampling the category of the condition is
// drawn with its frequency in the class's rows, so the class's marginals are kept.
// Critic (PacGAN, Lin et al. 2018): pac consecutive rows (with their conditions) are one input;
// hidden layers Linear -> LeakyReLU(0.2) -> dropout; WGAN-GP loss (Gulrajani et al. 2017) with
// the gradient penalty on the packed input. Adam for both nets, as CTGAN's defaults.
//
// Small-data defaults: batch_size = 0 uses min(100, n) rounded up to a multiple of pac, n = the
// training rows of all fit classes together (rows repeat rather than drop when n < batch); a set
// batch_size is capped the same way. steps = 0 uses clamp(ceil(1500 * n / batch), 1000, 5000).
// pac defaults to 1, not the paper's 10: with batches sized for a few hundred rows, packs of 10
// leave the critic 10 inputs per step. On the 394 training frauds of the bundled data (5000
// steps, batch 100) pac 10 gave mean KS 0.17 and coverage 0.01, pac 1 gave 0.15 and 0.12; pac
// 10 as in the paper wants batches of about 500 rows (batch_size 500), 5 times the step cost.
// Model selection (validation_fraction > 0): as WganGpConfig, per class (at least 5 held-back
// rows and 2 left); the score is the mean over those classes of the MMD^2 between 500 generated
// rows of the class and its held-back rows, both decoded and standardised with the training
// rows' column means and standard deviations.
struct CtganConfig : ConfigBase<CtganConfig> {
  static constexpr const char* kName = "ctgan";

  int latent_dim = 128;
  std::vector<int> generator_hidden = {256, 256};
  std::vector<int> critic_hidden = {256, 256};
  double generator_lr = 2e-4;
  double critic_lr = 2e-4;
  double generator_decay = 1e-6;
  double critic_decay = 1e-6;
  double beta1 = 0.5;
  double beta2 = 0.9;
  double gp_lambda = 10.0;
  int critic_steps = 1;
  int pac = 1;
  double dropout = 0.5;
  double gumbel_tau = 0.2;
  int max_modes = 10;
  double mode_weight_threshold = 0.005;
  int steps = 0;
  int batch_size = 0;
  double validation_fraction = 0.2;
  int validation_every = 50;
  int history_every = 10;

  template <class V>
  void visit(V& v) {
    v("latent_dim", latent_dim, in_range(1, 4096), "noise size");
    v("generator_hidden", generator_hidden, layer_widths(),
      "widths of the generator's residual layers");
    v("critic_hidden", critic_hidden, layer_widths(), "hidden layer widths of the critic");
    v("generator_lr", generator_lr, positive(), "Adam learning rate of the generator");
    v("critic_lr", critic_lr, positive(), "Adam learning rate of the critic");
    v("generator_decay", generator_decay, at_least(0), "Adam weight decay of the generator");
    v("critic_decay", critic_decay, at_least(0), "Adam weight decay of the critic");
    v("beta1", beta1, below(0, 1), "Adam beta1, both nets");
    v("beta2", beta2, below(0, 1), "Adam beta2, both nets");
    v("gp_lambda", gp_lambda, at_least(0), "gradient penalty weight");
    v("critic_steps", critic_steps, in_range(1, 100),
      "critic updates per generator update (CTGAN's default: 1)");
    v("pac", pac, in_range(1, 1000), "rows per critic input (PacGAN); the paper uses 10");
    v("dropout", dropout, below(0, 1), "dropout of the critic's hidden layers");
    v("gumbel_tau", gumbel_tau, positive(), "Gumbel-softmax temperature");
    v("max_modes", max_modes, in_range(1, 100), "most modes of a numeric column's mixture");
    v("mode_weight_threshold", mode_weight_threshold, below(0, 0.1),
      "modes of at most this weight are dropped");
    v("steps", steps, in_range(0, 1e8, "0 = from the row count"), "generator updates");
    v("batch_size", batch_size, in_range(0, 1 << 20, "0 = from the row count"),
      "rows per batch, a multiple of pac");
    v.rule([this](std::vector<std::string>& p) {
      if (batch_size > 0 && pac >= 1 && batch_size % pac != 0) {
        p.push_back("batch_size must be a multiple of pac (" + std::to_string(pac) + "), got " +
                    std::to_string(batch_size));
      }
    });
    v("validation_fraction", validation_fraction, in_range(0, 0.5, "0 = no model selection"),
      "share of each class's rows held back to pick the best weights");
    v.alias("validate_every", "validation_every");
    v("validation_every", validation_every, in_range(1, 1e8), "steps between validation scores");
    v("history_every", history_every, in_range(1, 1e8),
      "history() keeps the mean losses of every block of this many steps");
  }
};

// fit() reads options.spans (empty: every column numeric) and throws Error(kInvalidArgument)
// when the spans do not tile x's columns, a one-hot block of a fit row is not exactly one-hot,
// or an indicator is not 0/1 (the message names the row and columns). Each fit class needs at
// least 2 rows. Progress: task "ctgan", values critic_loss, g_loss (including cond_loss),
// wasserstein, gp, cond_loss, and mmd (the validation MMD^2) where scored. A non-finite value
// throws Error(kDiverged) naming the step. history() returns {"every": N, "step": [...],
// "critic_loss": [...], "g_loss": [...], "wasserstein": [...], "gp": [...], "cond_loss": [...],
// "batch_size": b, "steps": s, "rows": training rows, "validation_rows": held-back rows,
// "modes": [modes of each numeric column, 0 for a constant one][, "validation": {"step": [...],
// "mmd": [...], "best_step", "best_mmd", "stopped_early"}]} (training_loop.h). A failed fit
// leaves the model unfit. Reproducible as WGAN-GP: same data, config and seed -> same bytes on
// the same build and LibTorch thread count.
inline std::unique_ptr<Generator> make_ctgan(const CtganConfig& config = {}) {
  return make_generator(CtganConfig::kName, config.to_json());
}

}  // namespace imbgen
