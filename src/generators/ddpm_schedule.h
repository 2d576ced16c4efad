// Noise schedules of the TabDDPM generator: the cosine schedule of Nichol & Dhariwal 2021
// ("Improved Denoising Diffusion Probabilistic Models", eq. 17) and its respacing to fewer
// sampling steps (their Section 4), with the posterior coefficients of Ho et al. 2020 (eq. 6-7).
// Torch-free; everything in double precision.
#pragma once

#include <vector>

namespace imbgen {

// Steps are indexed t = 0..n-1 (t = 0 is the first noising step). For every step:
struct DiffusionSchedule {
  std::vector<int> timesteps;               // the step of the full schedule each step stands for
  std::vector<double> betas;                // beta_t
  std::vector<double> alphas;               // 1 - beta_t
  std::vector<double> alphas_cumprod;       // alpha_bar_t = prod_{s <= t} alpha_s
  std::vector<double> alphas_cumprod_prev;  // alpha_bar_{t-1}, 1 for t = 0
  std::vector<double> posterior_variance;   // beta_t (1 - alpha_bar_{t-1}) / (1 - alpha_bar_t)
  // Mean of q(x_{t-1} | x_t, x_0) = coef1 x_0 + coef2 x_t.
  std::vector<double> posterior_mean_coef1;  // beta_t sqrt(alpha_bar_{t-1}) / (1 - alpha_bar_t)
  std::vector<double>
      posterior_mean_coef2;  // (1 - alpha_bar_{t-1}) sqrt(alpha_t) / (1 - alpha_bar_t)
  // Log variance of the reverse step p(x_{t-1} | x_t) ("fixed large", as TabDDPM):
  // log posterior_variance_1 at t = 0, log beta_t after.
  std::vector<double> model_log_variance;

  int size() const { return static_cast<int>(betas.size()); }
};

// The cosine schedule with T steps: beta_t = min(1 - f(t + 1) / f(t), 0.999) with
// f(t) = cos^2(((t / T) + s) / (1 + s) * pi / 2), s = 0.008. T >= 1.
DiffusionSchedule cosine_schedule(int timesteps);

// `steps` steps of `full` (1 <= steps <= full.size()) at the rounded evenly spaced positions
// round(i * (T - 1) / (steps - 1)), i = 0..steps-1 (steps = 1: position T - 1), with
// beta_i = 1 - alpha_bar(position_i) / alpha_bar(position_{i-1}), so alpha_bar is unchanged at
// the kept positions. steps = full.size() gives `full` back.
DiffusionSchedule respace(const DiffusionSchedule& full, int steps);

}  // namespace imbgen
