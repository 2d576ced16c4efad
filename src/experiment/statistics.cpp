// Confidence intervals and paired tests for repeated cross-validation (Nadeau & Bengio 2003
// corrected resampled t-test; Wilcoxon signed-rank test as scipy 1.10 computes it).
#include "imbgen/experiment/statistics.h"

#include <algorithm>
#include <cmath>
#include <string>

// Boost.Math for Student's t: a well-kept implementation of the incomplete beta function and its
// inverse (header-only).
#include <boost/math/distributions/students_t.hpp>

#include "imbgen/core/error.h"
#include "imbgen/data/csv.h"
#include "imbgen/evaluation/statistics.h"

namespace imbgen {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

void check_confidence(double confidence, const char* who) {
  if (!(confidence > 0.0 && confidence < 1.0)) {
    throw Error(
        ErrorKind::kInvalidArgument,
        std::string(who) + ": confidence must be in (0, 1), got " + format_number(confidence));
  }
}

void check_pairs(const std::vector<double>& a, const std::vector<double>& b, const char* who) {
  if (a.size() != b.size()) {
    throw Error(ErrorKind::kInvalidArgument,
                std::string(who) + ": the paired samples differ in length (" +
                    std::to_string(a.size()) + " and " + std::to_string(b.size()) + ")");
  }
}

// d_j = a_j - b_j where both are finite.
std::vector<double> differences(const std::vector<double>& a, const std::vector<double>& b) {
  std::vector<double> d;
  d.reserve(a.size());
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::isfinite(a[i]) && std::isfinite(b[i])) d.push_back(a[i] - b[i]);
  }
  return d;
}

// Mean and sample variance (two passes, for accuracy).
std::pair<double, double> mean_variance(const std::vector<double>& v) {
  double mean = 0;
  for (double x : v) mean += x;
  mean /= static_cast<double>(v.size());
  double ss = 0;
  for (double x : v) ss += (x - mean) * (x - mean);
  const double var = v.size() > 1 ? ss / static_cast<double>(v.size() - 1) : kNaN;
  return {mean, var};
}

// P(R+ = r) for r = 0..n(n+1)/2 under the null: each rank k joins R+ with probability 1/2.
std::vector<double> wilcoxon_pmf(size_t n) {
  std::vector<double> pmf(1, 1.0);
  for (size_t k = 1; k <= n; ++k) {
    std::vector<double> next(pmf.size() + k, 0.0);
    for (size_t r = 0; r < pmf.size(); ++r) {
      next[r] += 0.5 * pmf[r];      // rank k negative
      next[r + k] += 0.5 * pmf[r];  // rank k positive
    }
    pmf.swap(next);
  }
  return pmf;
}

}  // namespace

double student_t_cdf(double t, double df) {
  if (!(df > 0)) {
    throw Error(ErrorKind::kInvalidArgument,
                "student_t_cdf: degrees of freedom must be > 0, got " + format_number(df));
  }
  if (std::isnan(t)) return kNaN;
  if (std::isinf(t)) return t > 0 ? 1.0 : 0.0;
  return boost::math::cdf(boost::math::students_t_distribution<double>(df), t);
}

double student_t_quantile(double p, double df) {
  if (!(df > 0)) {
    throw Error(ErrorKind::kInvalidArgument,
                "student_t_quantile: degrees of freedom must be > 0, got " + format_number(df));
  }
  if (!(p > 0.0 && p < 1.0)) {
    throw Error(ErrorKind::kInvalidArgument,
                "student_t_quantile: probability must be in (0, 1), got " + format_number(p));
  }
  return boost::math::quantile(boost::math::students_t_distribution<double>(df), p);
}

MeanInterval mean_interval(const std::vector<double>& values, double confidence,
                           double variance_factor) {
  check_confidence(confidence, "mean_interval");
  std::vector<double> v;
  for (double x : values)
    if (std::isfinite(x)) v.push_back(x);
  MeanInterval out;
  out.n = v.size();
  if (v.empty()) return out;
  const auto [mean, var] = mean_variance(v);
  out.mean = mean;
  if (v.size() < 2) return out;
  out.std = std::sqrt(var);
  const double n = static_cast<double>(v.size());
  const double factor = variance_factor > 0 ? variance_factor : 1.0 / n;
  const double half = student_t_quantile(0.5 + 0.5 * confidence, n - 1) * std::sqrt(factor * var);
  out.ci_low = mean - half;
  out.ci_high = mean + half;
  return out;
}

PairedTTest corrected_resampled_ttest(const std::vector<double>& a, const std::vector<double>& b,
                                      double test_train_ratio, double confidence) {
  check_pairs(a, b, "corrected_resampled_ttest");
  check_confidence(confidence, "corrected_resampled_ttest");
  if (!(test_train_ratio >= 0.0)) {
    throw Error(ErrorKind::kInvalidArgument,
                "corrected_resampled_ttest: n_test/n_train must be >= 0, got " +
                    format_number(test_train_ratio));
  }
  const std::vector<double> d = differences(a, b);
  PairedTTest out;
  out.n = d.size();
  if (d.empty()) return out;
  const auto [mean, var] = mean_variance(d);
  out.diff = mean;
  if (d.size() < 2) return out;
  const double n = static_cast<double>(d.size());
  const double se = std::sqrt((1.0 / n + test_train_ratio) * var);
  const double half = student_t_quantile(0.5 + 0.5 * confidence, n - 1) * se;
  out.ci_low = mean - half;
  out.ci_high = mean + half;
  if (se == 0.0) {
    out.t = mean == 0.0 ? 0.0 : std::copysign(std::numeric_limits<double>::infinity(), mean);
    out.pvalue = mean == 0.0 ? 1.0 : 0.0;
    return out;
  }
  out.t = mean / se;
  // Two-sided: 2 P(T >= |t|), computed as 2 cdf(-|t|) to keep precision for small p-values.
  out.pvalue = std::min(1.0, 2.0 * student_t_cdf(-std::fabs(out.t), n - 1));
  return out;
}

WilcoxonResult wilcoxon_signed_rank(const std::vector<double>& a, const std::vector<double>& b) {
  check_pairs(a, b, "wilcoxon_signed_rank");
  std::vector<double> d = differences(a, b);
  WilcoxonResult out;
  if (d.empty()) return out;
  const bool has_zero = std::any_of(d.begin(), d.end(), [](double x) { return x == 0.0; });
  out.exact = d.size() <= 50 && !has_zero;  // scipy's method="auto"
  // zero_method="wilcox": zero differences are dropped (only reachable in the approximation).
  d.erase(std::remove(d.begin(), d.end(), 0.0), d.end());
  out.n = d.size();
  if (d.empty()) {
    out.statistic = 0;
    out.pvalue = 1;
    return out;
  }
  std::vector<double> magnitude(d.size());
  for (size_t i = 0; i < d.size(); ++i) magnitude[i] = std::fabs(d[i]);
  const std::vector<double> ranks = average_ranks(magnitude);
  double r_plus = 0, r_minus = 0;
  for (size_t i = 0; i < d.size(); ++i) (d[i] > 0 ? r_plus : r_minus) += ranks[i];
  out.statistic = std::min(r_plus, r_minus);
  const double n = static_cast<double>(d.size());
  if (out.exact) {
    const std::vector<double> pmf = wilcoxon_pmf(d.size());
    // scipy truncates R+ to an integer (it is one unless |d| has ties).
    const auto r = static_cast<size_t>(r_plus);
    if (r == (pmf.size() - 1) / 2) {
      out.pvalue = 1.0;  // the centre of the distribution
    } else {
      double p_less = 0, p_greater = 0;
      for (size_t k = 0; k <= r; ++k) p_less += pmf[k];
      for (size_t k = r; k < pmf.size(); ++k) p_greater += pmf[k];
      out.pvalue = std::clamp(2.0 * std::min(p_less, p_greater), 0.0, 1.0);
    }
    return out;
  }
  // Normal approximation: mean n(n+1)/4, variance n(n+1)(2n+1)/24 less 1/48 sum t(t^2-1) over
  // groups of t tied magnitudes; no continuity correction.
  const double mean = n * (n + 1) * 0.25;
  double var24 = n * (n + 1) * (2 * n + 1);
  std::sort(magnitude.begin(), magnitude.end());
  for (size_t i = 0; i < magnitude.size();) {
    size_t j = i;
    while (j < magnitude.size() && magnitude[j] == magnitude[i]) ++j;
    const double t = static_cast<double>(j - i);
    if (t > 1) var24 -= 0.5 * t * (t * t - 1);
    i = j;
  }
  const double se = std::sqrt(var24 / 24.0);
  const double z = (out.statistic - mean) / se;
  out.pvalue = std::erfc(std::fabs(z) / std::sqrt(2.0));  // 2 * norm.sf(|z|)
  return out;
}

}  // namespace imbgen
