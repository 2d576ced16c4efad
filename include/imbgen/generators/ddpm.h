// TabDDPM (Kotelnikov, Baranchuk, Rubachev & Babenko 2023, "TabDDPM: Modelling Tabular Data with
// Diffusion Models"): Gaussian diffusion (Ho et al. 2020) on quantile-normalised numeric columns
// and multinomial diffusion (Hoogeboom et al. 2021) on categorical ones, with one
// class-conditional MLP denoiser for all classes.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "imbgen/generators/config.h"
#include "imbgen/generators/generator.h"

namespace imbgen {

// Columns: without FitOptions::spans every column is numeric. With spans, numeric spans are
// numeric, each one-hot span is a categorical variable with `width` categories and each missing
// indicator one with 2 (0 and 1). Numeric columns are mapped to N(0, 1) by a quantile transformer
// fit on the rows of the fit classes (scikit-learn's QuantileTransformer(output_distribution=
// "normal", n_quantiles=min(n_quantiles, rows)) formulas) and back after sampling.
//
// Forward process: the cosine schedule (Nichol & Dhariwal 2021) with `timesteps` steps; numeric
// columns get Gaussian noise, categorical ones are resampled towards the uniform distribution
// (q(x_t | x_0) = Cat(alpha_bar_t x_0 + (1 - alpha_bar_t) / K)).
// Denoiser (TabDDPM's MLPDiffusion): h = Linear(x_t) + time(t) + SiLU(Embedding(class)), with
// time(t) = Linear -> SiLU -> Linear of the sinusoidal embedding of t (embedding_dim wide), then
// an MLP (hidden layers Linear -> ReLU, linear output) that predicts the Gaussian noise of the
// numeric columns and the logits of x_0 for each categorical variable (categorical inputs are
// the noisy one-hot vectors).
// Loss per step (t uniform): MSE of the predicted noise + the multinomial variational bound term
// (KL of the posteriors for t > 0, the decoder's negative log-likelihood for t = 0), times
// timesteps, divided by the number of categorical variables (as TabDDPM; the constant prior
// term is left out). AdamW with the learning rate annealed linearly to 0; an exponential moving
// average of the weights is what samples and is saved. Its decay is min(ema_decay,
// (1 + step) / (10 + step)): TabDDPM runs 30000 steps without this warm-up, but at the few
// thousand steps a small class gets, 0.999^steps of the random initial weights would remain.
// Sampling: the reverse chain from N(0, I) and uniform categories over sample_steps steps of the
// schedule (0 = all `timesteps`; fewer: the evenly respaced schedule of Nichol & Dhariwal,
// Section 4), reverse variance "fixed large" (beta_t) as TabDDPM, categories drawn from the
// model's posterior at every step. Unlike TabDDPM, the predicted x_0 of the numeric columns is
// clipped to the range of the quantile transform (about +-5.2) before each reverse step: the
// first steps divide the noise-prediction error by sqrt(alpha_bar_T) ~ 5e-5, and without the
// clip a few rows ran away (|z| ~ 2000) on short runs. Numeric values go back through the
// inverse quantile transform; categorical variables come out exactly one-hot (indicators
// exactly 0 or 1). The default of 20 sampling steps was measured against 100 (the default before
// imbgen 0.3, itself chosen against the full chain: detection AUC 0.687 vs 0.679) with
// bench/quality_table.sh's settings, strategies none and ddpm, seeds 1-5: detection AUC 0.652 +-
// 0.025 vs 0.648 +- 0.023, holdout share 0.545 vs 0.555, downstream PR-AUC the same or higher
// for all four classifiers; the rows sit a little further from the training rows (median DCR
// 2.05 vs 1.93). Deterministic DDIM steps (Song et al. 2021) at 20 steps were worse (detection
// AUC 0.716 +- 0.046) and are not offered. Rows that share a step and a class share its time and
// class embedding, computed once per step.
// Model selection (off at validation_fraction 0), as VaeConfig's: per class, this share of its
// rows is held back; every validation_every steps validation_samples rows per class are drawn by
// the averaged model and scored by MMD^2 (quantile-normal numeric columns, one-hot categorical
// ones); the best averaged weights are kept; patience > 0 stops after that many evaluations
// without improvement.
struct DdpmConfig : ConfigBase<DdpmConfig> {
  static constexpr const char* kName = "ddpm";

  int timesteps = 1000;
  int sample_steps = 20;
  std::vector<int> hidden = {256, 256};
  int embedding_dim = 128;
  double lr = 2e-3;
  double weight_decay = 1e-4;
  int batch_size = 256;
  int epochs = 3000;
  int steps = 0;
  double ema_decay = 0.999;
  int n_quantiles = 1000;
  int history_every = 10;
  double validation_fraction = 0.0;
  int validation_every = 500;
  int validation_samples = 500;
  int patience = 0;

  template <class V>
  void visit(V& v) {
    v("timesteps", timesteps, in_range(1, 10000), "diffusion steps T");
    v("sample_steps", sample_steps, in_range(0, 10000, "0 = every step"),
      "reverse steps when sampling, at most timesteps");
    v.rule([this](std::vector<std::string>& p) {
      if (sample_steps > timesteps && sample_steps <= 10000) {
        p.push_back("sample_steps must be in [0, timesteps = " + std::to_string(timesteps) +
                    "] (0 = every step), got " + std::to_string(sample_steps));
      }
    });
    v("hidden", hidden, layer_widths(), "hidden layer widths of the denoiser's MLP");
    v("embedding_dim", embedding_dim, in_range(2, 4096),
      "width of the timestep and class embeddings; even");
    v.rule([this](std::vector<std::string>& p) {
      if (embedding_dim % 2 != 0) {
        p.push_back("embedding_dim must be even, got " + std::to_string(embedding_dim));
      }
    });
    v("lr", lr, positive(), "AdamW learning rate, annealed linearly to 0 over the steps");
    v("weight_decay", weight_decay, in_range(0, 1), "AdamW's decoupled weight decay");
    v("batch_size", batch_size, in_range(1, 1 << 20),
      "rows per step: min(batch_size, training rows)");
    v("epochs", epochs, at_least(1),
      "with steps = 0: min(ceil(epochs * rows / batch), 20000) steps");
    v("steps", steps, at_least(0, "0 = from epochs"), "training steps");
    v("ema_decay", ema_decay, below(0, 1), "decay of the weights' moving average; 0 = none");
    v("n_quantiles", n_quantiles, in_range(2, 100000), "quantile transformer levels");
    v("history_every", history_every, at_least(1),
      "history() keeps the mean losses of every block of this many steps");
    v("validation_fraction", validation_fraction, in_range(0, 0.5, "0 = no model selection"),
      "share of each class's rows held back to pick the best weights");
    v("validation_every", validation_every, at_least(1), "steps between validation scores");
    v("validation_samples", validation_samples, in_range(2, 100000),
      "rows drawn per class for a validation score");
    v("patience", patience, at_least(0, "0 = no early stopping"),
      "validation scores without improvement before training stops");
  }
};

// Reproducible: the same seed gives the same bytes on the same build and LibTorch thread count
// (a different thread count splits the float sums of the matrix products differently, so the
// bytes, not the distribution, may change).
// conditional() is true: sample(c, n) runs the reverse chain with class c's embedding. Each class
// needs at least 2 training rows. fit() trains on options.threads LibTorch threads; a failed fit
// leaves the model unfit. Progress: task "ddpm", values loss, gauss, multi (and mmd). A
// non-finite value throws Error(kDiverged) naming the step. history(): {"every", "classes",
// "rows", "validation_rows", "batch_size", "steps", "step", "loss", "gauss", "multi"[,
// "validation": {"step", "mmd", "best_step", "best_mmd", "stopped_early"}]}.
inline std::unique_ptr<Generator> make_ddpm(const DdpmConfig& config = {}) {
  return make_generator(DdpmConfig::kName, config.to_json());
}

}  // namespace imbgen
