// Variational Gaussian mixture in one dimension (Bishop 2006, Section 10.2, with the truncated
// Dirichlet-process weight prior of Blei & Jordan 2006), as scikit-learn's BayesianGaussianMixture,
// and the mode-specific normalisation CTGAN builds on it (Xu et al. 2019, Section 4.2).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace imbgen {

struct VgmOptions {
  int max_components = 10;                   // truncation level of the Dirichlet process
  double weight_concentration_prior = 1e-3;  // gamma_0: small values switch components off
  double weight_threshold = 0.005;           // modes with a weight <= this are dropped
  // Modes that explain fewer rows than this (their summed responsibilities) are dropped too: an
  // empty component keeps a prior weight of about 1 / (1 + rows after it in the stick-breaking
  // order), which is above weight_threshold for fewer than 200 rows.
  double min_rows = 1.0;
  int max_iter = 100;       // variational E/M iterations
  double tol = 1e-3;        // stop when the lower bound changes by less
  double reg_covar = 1e-6;  // added to every component's variance
};

// The kept modes of a fitted mixture: weights (renormalised to sum to 1), means and standard
// deviations, ordered by mean.
struct Vgm {
  std::vector<double> weights;
  std::vector<double> means;
  std::vector<double> stds;

  size_t modes() const { return means.size(); }
  // Posterior probability of each mode for value x: w_k N(x; mu_k, sd_k), normalised.
  std::vector<double> posterior(double x) const;
};

// Fits the mixture to `x` (at least 2 distinct values, all finite; else Error(kInvalidArgument)).
// Priors as scikit-learn's defaults: mean prior = mean of x, mean precision prior 1, degrees of
// freedom prior 1, variance prior = var(x, ddof = 1). Initialisation: k-means (k-means++ seeding
// from `seed`, then Lloyd iterations) with min(max_components, distinct values) clusters, as
// scikit-learn's init_params = "kmeans". Modes whose weight (the expected stick-breaking
// weights, scikit-learn's weights_) is at most weight_threshold, or that explain fewer than
// min_rows rows, are dropped and the rest renormalised. Same input and seed give the same
// result. As with scikit-learn, max_iter can end the updates with one clump of values still
// split into two co-located modes (which initialisations do so depends on the seed); the
// encoding CTGAN builds on it is unaffected but for the extra mode.
Vgm fit_vgm(const std::vector<double>& x, const VgmOptions& options, uint64_t seed);

// The same from a given initial hard assignment: labels[i] in [0, k) is value i's component, k =
// the largest label + 1 (components keep the labels' order in the stick-breaking prior). For
// comparisons with a reference implementation started from the same assignment.
Vgm fit_vgm_from_labels(const std::vector<double>& x, const std::vector<int>& labels,
                        const VgmOptions& options);

// The digamma function psi(x) for x > 0 (recurrence to x >= 10, then the asymptotic series).
double digamma(double x);

}  // namespace imbgen
