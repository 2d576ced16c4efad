// Statistics of repeated cross-validation: the mean of a metric with a t confidence interval, and
// paired comparisons of two strategies on the same folds (Nadeau & Bengio 2003 corrected
// resampled t-test; Wilcoxon signed-rank test as scipy.stats.wilcoxon in scipy 1.10).
#pragma once

#include <cstddef>
#include <limits>
#include <vector>

namespace imbgen {

// Student's t distribution with `df` > 0 degrees of freedom (Boost.Math): P(T <= t) and its
// inverse for p in (0, 1). Throw Error(kInvalidArgument) for df <= 0 or p outside (0, 1).
double student_t_cdf(double t, double df);
double student_t_quantile(double p, double df);

struct MeanInterval {
  size_t n = 0;  // finite values used
  double mean = std::numeric_limits<double>::quiet_NaN();
  double std = std::numeric_limits<double>::quiet_NaN();  // sample standard deviation (ddof 1)
  double ci_low = std::numeric_limits<double>::quiet_NaN();
  double ci_high = std::numeric_limits<double>::quiet_NaN();
};

// The mean of the finite values (NaN values are left out) with the two-sided `confidence`
// t-interval mean -/+ t_{(1+confidence)/2, n-1} * sqrt(variance_factor * s^2), s^2 the sample
// variance. variance_factor <= 0 means 1/n: the plain interval, scipy.stats.t.interval(
// confidence, n - 1, loc=mean, scale=scipy.stats.sem(values)). For J folds of repeated
// cross-validation pass 1/J + n_test/n_train (Nadeau & Bengio 2003): the folds' training sets
// overlap, so the plain interval is too narrow. With n < 2 the interval (and std) are NaN; with
// s = 0 it is [mean, mean]. Throws Error(kInvalidArgument) for confidence outside (0, 1).
MeanInterval mean_interval(const std::vector<double>& values, double confidence,
                           double variance_factor = 0);

// Paired comparison of a and b (same folds, same order): d_j = a_j - b_j over the pairs where
// both are finite.
struct PairedTTest {
  size_t n = 0;                                            // pairs used (J)
  double diff = std::numeric_limits<double>::quiet_NaN();  // mean of d
  double ci_low = std::numeric_limits<double>::quiet_NaN();
  double ci_high = std::numeric_limits<double>::quiet_NaN();
  double t = std::numeric_limits<double>::quiet_NaN();
  double pvalue = std::numeric_limits<double>::quiet_NaN();  // two-sided
};

// Corrected resampled t-test (Nadeau & Bengio 2003, Machine Learning 52:239-281, eq. for the
// "corrected resampled t"; Bouckaert & Frank 2004 for repeated k-fold):
//   t = mean(d) / sqrt((1/J + test_train_ratio) * var(d)),  df = J - 1,
// with var(d) the sample variance and test_train_ratio = n_test / n_train of one fold. The
// interval is mean(d) -/+ t_{(1+confidence)/2, J-1} * sqrt((1/J + ratio) var(d)).
// test_train_ratio = 0 gives the ordinary paired t-test (scipy.stats.ttest_rel).
// Degenerate cases: n < 2 gives NaN statistics; var(d) = 0 gives p = 1 when mean(d) = 0 (no
// difference at all) and p = 0 otherwise (t infinite; scipy returns NaN for both).
// Throws Error(kInvalidArgument) when a and b differ in length, test_train_ratio < 0 or
// confidence is outside (0, 1).
PairedTTest corrected_resampled_ttest(const std::vector<double>& a, const std::vector<double>& b,
                                      double test_train_ratio, double confidence = 0.95);

struct WilcoxonResult {
  size_t n = 0;                                                 // non-zero differences ranked
  double statistic = std::numeric_limits<double>::quiet_NaN();  // min(R+, R-)
  double pvalue = std::numeric_limits<double>::quiet_NaN();     // two-sided
  bool exact = false;  // exact null distribution (else the normal approximation)
};

// Two-sided Wilcoxon signed-rank test of d = a - b over the pairs where both are finite, defined
// as scipy.stats.wilcoxon(a, b, zero_method="wilcox", correction=False, method="auto") in scipy
// 1.10: the exact distribution of R+ when there are at most 50 differences and none is zero
// (ties among |d| then keep the exact method, with R+ truncated to an integer, as scipy does);
// otherwise zero differences are dropped and the normal approximation with the tie correction of
// the variance is used. Where scipy raises (every difference zero) the result is n = 0,
// statistic 0 and p = 1: no evidence of a difference. No finite pair gives NaN.
// Throws Error(kInvalidArgument) when a and b differ in length.
WilcoxonResult wilcoxon_signed_rank(const std::vector<double>& a, const std::vector<double>& b);

}  // namespace imbgen
