// Variational Bayesian Gaussian mixture in 1-D with a truncated Dirichlet-process weight prior
// (Bishop 2006, Section 10.2; Blei & Jordan 2006), following the update equations of
// scikit-learn's BayesianGaussianMixture with weight_concentration_prior_type="dirichlet_process".
#include "vgm.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <set>
#include <string>

#include "imbgen/core/error.h"
#include "imbgen/core/rng.h"

namespace imbgen {
namespace {

constexpr double kLog2Pi = 1.8378770664093453;  // log(2 pi)
constexpr double kLog2 = 0.6931471805599453;
constexpr int kKmeansIterations = 300;

// 1-D k-means: k-means++ seeding (Arthur & Vassilvitskii 2007) from `rng`, then Lloyd iterations
// until the labels stop changing. Returns the label of every value; labels follow the seeding
// order (as scikit-learn's KMeans), which sets the components' order in the stick-breaking prior:
// numbering them by position instead puts the clusters of one clump next to each other, and the
// variational updates then often leave such a clump split in two.
std::vector<int> kmeans_labels(const std::vector<double>& x, int k, Rng& rng) {
  const size_t n = x.size();
  std::vector<double> centres;
  centres.push_back(x[rng.index(n)]);
  std::vector<double> d2(n);
  while (static_cast<int>(centres.size()) < k) {
    double total = 0.0;
    for (size_t i = 0; i < n; ++i) {
      double best = std::numeric_limits<double>::infinity();
      for (double c : centres) best = std::min(best, (x[i] - c) * (x[i] - c));
      d2[i] = best;
      total += best;
    }
    if (total <= 0.0) break;  // fewer distinct values than k (caller prevents this)
    double u = rng.uniform() * total;
    size_t pick = n - 1;
    for (size_t i = 0; i < n; ++i) {
      u -= d2[i];
      if (u < 0.0 && d2[i] > 0.0) {
        pick = i;
        break;
      }
    }
    centres.push_back(x[pick]);
  }
  const size_t m = centres.size();
  std::vector<int> labels(n, -1);
  for (int iter = 0; iter < kKmeansIterations; ++iter) {
    bool changed = false;
    for (size_t i = 0; i < n; ++i) {
      int best = 0;
      for (size_t c = 1; c < m; ++c) {
        if (std::abs(x[i] - centres[c]) < std::abs(x[i] - centres[static_cast<size_t>(best)])) {
          best = static_cast<int>(c);
        }
      }
      if (labels[i] != best) {
        labels[i] = best;
        changed = true;
      }
    }
    if (!changed) break;
    std::vector<double> sum(m, 0.0);
    std::vector<size_t> count(m, 0);
    for (size_t i = 0; i < n; ++i) {
      sum[static_cast<size_t>(labels[i])] += x[i];
      ++count[static_cast<size_t>(labels[i])];
    }
    for (size_t c = 0; c < m; ++c) {
      if (count[c] > 0) centres[c] = sum[c] / static_cast<double>(count[c]);
    }
  }
  return labels;
}

double betaln(double a, double b) { return std::lgamma(a) + std::lgamma(b) - std::lgamma(a + b); }

// The variational posterior's parameters (scikit-learn's attribute names in comments).
struct Posterior {
  std::vector<double> a, b;        // weight_concentration_ (stick-breaking Beta parameters)
  std::vector<double> mean;        // means_
  std::vector<double> beta;        // mean_precision_
  std::vector<double> nu;          // degrees_of_freedom_
  std::vector<double> covariance;  // covariances_ (W^-1 / nu)
};

// M-step from responsibilities resp [n * k].
void m_step(const std::vector<double>& x, const std::vector<double>& resp, size_t k,
            const VgmOptions& o, double mean_prior, double var_prior, Posterior& p) {
  const size_t n = x.size();
  const double eps = std::numeric_limits<double>::epsilon();
  std::vector<double> nk(k, 10.0 * eps), xk(k, 0.0), sk(k, 0.0);
  for (size_t i = 0; i < n; ++i) {
    for (size_t c = 0; c < k; ++c) nk[c] += resp[i * k + c];
  }
  for (size_t i = 0; i < n; ++i) {
    for (size_t c = 0; c < k; ++c) xk[c] += resp[i * k + c] * x[i];
  }
  for (size_t c = 0; c < k; ++c) xk[c] /= nk[c];
  for (size_t i = 0; i < n; ++i) {
    for (size_t c = 0; c < k; ++c) sk[c] += resp[i * k + c] * (x[i] - xk[c]) * (x[i] - xk[c]);
  }
  for (size_t c = 0; c < k; ++c) sk[c] = sk[c] / nk[c] + o.reg_covar;

  // Stick-breaking weights: a_k = 1 + N_k, b_k = gamma_0 + sum_{j > k} N_j.
  p.a.assign(k, 0.0);
  p.b.assign(k, 0.0);
  double tail = 0.0;
  for (size_t c = k; c-- > 0;) {
    p.a[c] = 1.0 + nk[c];
    p.b[c] = o.weight_concentration_prior + tail;
    tail += nk[c];
  }
  constexpr double kMeanPrecisionPrior = 1.0;
  constexpr double kDofPrior = 1.0;  // the number of features
  p.beta.assign(k, 0.0);
  p.mean.assign(k, 0.0);
  p.nu.assign(k, 0.0);
  p.covariance.assign(k, 0.0);
  for (size_t c = 0; c < k; ++c) {
    p.beta[c] = kMeanPrecisionPrior + nk[c];
    p.mean[c] = (kMeanPrecisionPrior * mean_prior + nk[c] * xk[c]) / p.beta[c];
    p.nu[c] = kDofPrior + nk[c];
    const double diff = xk[c] - mean_prior;
    p.covariance[c] =
        (var_prior + nk[c] * sk[c] + nk[c] * kMeanPrecisionPrior / p.beta[c] * diff * diff) /
        p.nu[c];
  }
}

// exp(v), with the values whose exp underflows to 0 skipped: glibc's exp takes a slow path for
// them (it reports the underflow), and far-off components give many such values.
inline double exp_or_zero(double v) { return v < -746.0 ? 0.0 : std::exp(v); }

// E-step: log responsibilities [n * k]; returns nothing else (the lower bound uses them).
void e_step(const std::vector<double>& x, const Posterior& p, std::vector<double>& log_resp) {
  const size_t n = x.size();
  const size_t k = p.mean.size();
  // Expected log weights under the stick-breaking posterior.
  std::vector<double> log_w(k);
  double cum = 0.0;
  for (size_t c = 0; c < k; ++c) {
    const double ds = digamma(p.a[c] + p.b[c]);
    log_w[c] = digamma(p.a[c]) - ds + cum;
    cum += digamma(p.b[c]) - ds;
  }
  std::vector<double> term(k), prec_chol(k);
  for (size_t c = 0; c < k; ++c) {
    prec_chol[c] = 1.0 / std::sqrt(p.covariance[c]);
    const double log_lambda = kLog2 + digamma(0.5 * p.nu[c]);
    term[c] = log_w[c] + std::log(prec_chol[c]) - 0.5 * kLog2Pi - 0.5 * std::log(p.nu[c]) +
              0.5 * (log_lambda - 1.0 / p.beta[c]);
  }
  log_resp.resize(n * k);
  for (size_t i = 0; i < n; ++i) {
    double mx = -std::numeric_limits<double>::infinity();
    for (size_t c = 0; c < k; ++c) {
      const double y = (x[i] - p.mean[c]) * prec_chol[c];
      const double v = term[c] - 0.5 * y * y;
      log_resp[i * k + c] = v;
      mx = std::max(mx, v);
    }
    double s = 0.0;
    for (size_t c = 0; c < k; ++c) s += exp_or_zero(log_resp[i * k + c] - mx);
    const double norm = mx + std::log(s);
    for (size_t c = 0; c < k; ++c) log_resp[i * k + c] -= norm;
  }
}

// resp holds exp(log_resp), computed once for the M-step and this bound.
double lower_bound(const std::vector<double>& log_resp, const std::vector<double>& resp,
                   const Posterior& p) {
  const size_t k = p.mean.size();
  double entropy = 0.0;
  for (size_t i = 0; i < log_resp.size(); ++i) entropy -= resp[i] * log_resp[i];
  double log_wishart = 0.0, log_norm_weight = 0.0, log_beta = 0.0;
  for (size_t c = 0; c < k; ++c) {
    const double log_det_chol = -0.5 * std::log(p.covariance[c]) - 0.5 * std::log(p.nu[c]);
    log_wishart += -(p.nu[c] * log_det_chol + p.nu[c] * 0.5 * kLog2 + std::lgamma(0.5 * p.nu[c]));
    log_norm_weight -= betaln(p.a[c], p.b[c]);
    log_beta += std::log(p.beta[c]);
  }
  return entropy - log_wishart - log_norm_weight - 0.5 * log_beta;
}

}  // namespace

double digamma(double x) {
  double result = 0.0;
  while (x < 10.0) {
    result -= 1.0 / x;
    x += 1.0;
  }
  const double f = 1.0 / (x * x);
  return result + std::log(x) - 0.5 / x -
         f * (1.0 / 12 - f * (1.0 / 120 - f * (1.0 / 252 - f * (1.0 / 240 - f * (1.0 / 132)))));
}

std::vector<double> Vgm::posterior(double x) const {
  const size_t k = means.size();
  std::vector<double> logp(k);
  double mx = -std::numeric_limits<double>::infinity();
  for (size_t c = 0; c < k; ++c) {
    const double z = (x - means[c]) / stds[c];
    logp[c] = std::log(weights[c]) - std::log(stds[c]) - 0.5 * z * z;
    mx = std::max(mx, logp[c]);
  }
  double s = 0.0;
  for (size_t c = 0; c < k; ++c) {
    logp[c] = std::exp(logp[c] - mx);
    s += logp[c];
  }
  for (double& v : logp) v /= s;
  return logp;
}

Vgm fit_vgm(const std::vector<double>& x, const VgmOptions& o, uint64_t seed) {
  std::set<double> distinct;
  for (double v : x) {
    if (!std::isfinite(v)) {
      throw Error(ErrorKind::kInvalidArgument, "fit_vgm: the values must be finite");
    }
    if (distinct.size() <= static_cast<size_t>(o.max_components)) distinct.insert(v);
  }
  if (distinct.size() < 2) {
    throw Error(ErrorKind::kInvalidArgument, "fit_vgm: expected at least 2 distinct values, got " +
                                                 std::to_string(distinct.size()));
  }
  const size_t k = std::min(distinct.size(), static_cast<size_t>(o.max_components));

  Rng rng(seed);
  return fit_vgm_from_labels(x, kmeans_labels(x, static_cast<int>(k), rng), o);
}

Vgm fit_vgm_from_labels(const std::vector<double>& x, const std::vector<int>& labels,
                        const VgmOptions& o) {
  const size_t n = x.size();
  check_internal(labels.size() == n && n >= 2, "fit_vgm_from_labels: one label per value");
  const size_t k = static_cast<size_t>(*std::max_element(labels.begin(), labels.end())) + 1;
  const double mean_prior = std::accumulate(x.begin(), x.end(), 0.0) / static_cast<double>(n);
  double var_prior = 0.0;
  for (double v : x) var_prior += (v - mean_prior) * (v - mean_prior);
  var_prior /= static_cast<double>(n - 1);
  std::vector<double> resp(n * k, 0.0);
  for (size_t i = 0; i < n; ++i) resp[i * k + static_cast<size_t>(labels[i])] = 1.0;

  Posterior p;
  m_step(x, resp, k, o, mean_prior, var_prior, p);
  std::vector<double> log_resp;
  double bound = -std::numeric_limits<double>::infinity();
  for (int iter = 0; iter < o.max_iter; ++iter) {
    e_step(x, p, log_resp);
    for (size_t i = 0; i < resp.size(); ++i) resp[i] = exp_or_zero(log_resp[i]);
    m_step(x, resp, k, o, mean_prior, var_prior, p);
    const double next = lower_bound(log_resp, resp, p);
    const double change = next - bound;
    bound = next;
    if (std::abs(change) < o.tol) break;
  }

  // Expected stick-breaking weights: E[v_k] prod_{j < k} (1 - E[v_j]), normalised.
  std::vector<double> weights(k);
  double rest = 1.0, total = 0.0;
  for (size_t c = 0; c < k; ++c) {
    const double s = p.a[c] + p.b[c];
    weights[c] = p.a[c] / s * rest;
    rest *= p.b[c] / s;
    total += weights[c];
  }
  std::vector<size_t> kept;
  double kept_total = 0.0;
  for (size_t c = 0; c < k; ++c) {
    weights[c] /= total;
    // a_k = 1 + N_k: N_k is the component's summed responsibility.
    if (weights[c] > o.weight_threshold && p.a[c] - 1.0 >= o.min_rows) {
      kept.push_back(c);
      kept_total += weights[c];
    }
  }
  std::sort(kept.begin(), kept.end(), [&](size_t a, size_t b) { return p.mean[a] < p.mean[b]; });
  Vgm vgm;
  for (size_t c : kept) {
    vgm.weights.push_back(weights[c] / kept_total);
    vgm.means.push_back(p.mean[c]);
    vgm.stds.push_back(std::sqrt(p.covariance[c]));
  }
  return vgm;
}

}  // namespace imbgen
