// The cosine noise schedule (Nichol & Dhariwal 2021, eq. 17) and its respacing, with the
// Gaussian posterior coefficients of Ho et al. 2020 (eq. 6-7).
#include "ddpm_schedule.h"

#include <algorithm>
#include <cmath>

#include "imbgen/core/error.h"

namespace imbgen {
namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr double kOffset = 0.008;  // s in eq. 17
constexpr double kMaxBeta = 0.999;

// Fills everything but timesteps and betas from the betas.
DiffusionSchedule finish(std::vector<int> timesteps, std::vector<double> betas) {
  DiffusionSchedule s;
  const size_t n = betas.size();
  s.timesteps = std::move(timesteps);
  s.betas = std::move(betas);
  s.alphas.resize(n);
  s.alphas_cumprod.resize(n);
  s.alphas_cumprod_prev.resize(n);
  s.posterior_variance.resize(n);
  s.posterior_mean_coef1.resize(n);
  s.posterior_mean_coef2.resize(n);
  s.model_log_variance.resize(n);
  double cumprod = 1.0;
  for (size_t t = 0; t < n; ++t) {
    s.alphas[t] = 1.0 - s.betas[t];
    s.alphas_cumprod_prev[t] = cumprod;
    cumprod *= s.alphas[t];
    s.alphas_cumprod[t] = cumprod;
    const double prev = s.alphas_cumprod_prev[t];
    s.posterior_variance[t] = s.betas[t] * (1.0 - prev) / (1.0 - cumprod);
    s.posterior_mean_coef1[t] = s.betas[t] * std::sqrt(prev) / (1.0 - cumprod);
    s.posterior_mean_coef2[t] = (1.0 - prev) * std::sqrt(s.alphas[t]) / (1.0 - cumprod);
  }
  for (size_t t = 0; t < n; ++t) {
    // posterior_variance[0] is 0; TabDDPM uses posterior_variance[1] there (or beta_0 when there
    // is a single step).
    s.model_log_variance[t] =
        std::log(t == 0 ? (n > 1 ? s.posterior_variance[1] : s.betas[0]) : s.betas[t]);
  }
  return s;
}

}  // namespace

DiffusionSchedule cosine_schedule(int timesteps) {
  check_internal(timesteps >= 1, "cosine_schedule: timesteps must be >= 1");
  const double T = timesteps;
  auto f = [&](double t) {
    const double c = std::cos((t / T + kOffset) / (1.0 + kOffset) * kPi / 2.0);
    return c * c;
  };
  std::vector<int> steps(static_cast<size_t>(timesteps));
  std::vector<double> betas(static_cast<size_t>(timesteps));
  for (int t = 0; t < timesteps; ++t) {
    steps[static_cast<size_t>(t)] = t;
    betas[static_cast<size_t>(t)] = std::min(1.0 - f(t + 1.0) / f(t), kMaxBeta);
  }
  return finish(std::move(steps), std::move(betas));
}

DiffusionSchedule respace(const DiffusionSchedule& full, int steps) {
  const int n = full.size();
  check_internal(steps >= 1 && steps <= n, "respace: steps out of range");
  if (steps == n) return full;
  std::vector<int> kept;
  if (steps == 1) {
    kept.push_back(n - 1);
  } else {
    const double stride = static_cast<double>(n - 1) / static_cast<double>(steps - 1);
    for (int i = 0; i < steps; ++i) {
      const int position = static_cast<int>(std::lround(i * stride));
      if (kept.empty() || position != kept.back()) kept.push_back(position);
    }
  }
  std::vector<int> timesteps;
  std::vector<double> betas;
  double last = 1.0;
  for (int position : kept) {
    const double ab = full.alphas_cumprod[static_cast<size_t>(position)];
    betas.push_back(1.0 - ab / last);
    timesteps.push_back(full.timesteps[static_cast<size_t>(position)]);
    last = ab;
  }
  return finish(std::move(timesteps), std::move(betas));
}

}  // namespace imbgen
