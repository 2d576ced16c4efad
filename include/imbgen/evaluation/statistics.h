// Per-column and pairwise statistics for comparing real and synthetic rows: summaries, the
// two-sample Kolmogorov-Smirnov test (as scipy.stats.ks_2samp), Wasserstein-1, correlation
// matrices, and the categorical-column tests (total variation distance, chi-square).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "imbgen/data/matrix.h"

namespace imbgen {

// ---- summaries ----

struct ColumnSummary {
  size_t count = 0;
  double mean = 0, std = 0;  // std with ddof = 1 (as pandas describe); 0 for a single value
  double min = 0, max = 0;
  std::vector<double> quantiles;  // one per requested level, same order
};

// Column `j` of `x` as a vector.
std::vector<double> column(const Matrix& x, size_t j);

// Quantile of already sorted values with linear interpolation (numpy's default "linear"
// method). `level` in [0, 1]; `sorted` must not be empty.
double quantile_sorted(const std::vector<double>& sorted, double level);

// Throws Error(kInvalidArgument) for an empty vector or a level outside [0, 1].
ColumnSummary describe(std::vector<double> values, const std::vector<double>& levels);

// ---- Kolmogorov-Smirnov ----

enum class KsMethod {
  kAuto,        // exact when both samples have <= 10000 values, else asymptotic (scipy's rule)
  kExact,       // exact null distribution (asymptotic when lcm(n1, n2) does not fit in int32)
  kAsymptotic,  // one-sample Kolmogorov distribution with n = round(n1 n2 / (n1 + n2))
};

struct KsResult {
  double statistic = 0;  // sup |F1 - F2| of the empirical CDFs
  double pvalue = 1;     // two-sided
  bool exact = false;    // which method produced the p-value
};

// Two-sided two-sample KS test, defined as scipy.stats.ks_2samp(a, b, method=...) in scipy
// 1.10. The exact p-value is P(D >= d) under the null, computed by a probability-mass recursion
// over lattice paths (no overflow at any size; about 1e-16 absolute precision, like scipy's).
// Throws Error(kInvalidArgument) when either sample is empty.
KsResult ks_2samp(std::vector<double> a, std::vector<double> b, KsMethod method = KsMethod::kAuto);

// P(D_n >= d) for the two-sided one-sample KS statistic D_n (scipy.stats.kstwo.sf(d, n)),
// following Simard & L'Ecuyer (2011): Durbin's matrix (Marsaglia-Tsang-Wang), the Pelz-Good
// asymptotic series or the exact one-sided Smirnov formula, chosen by (n, d).
double kolmogorov_sf(int64_t n, double d);

// P(D_n^+ >= d), the one-sided one-sample KS statistic (Birnbaum-Tingey exact formula;
// scipy.special.smirnov(n, d)).
double smirnov_sf(int64_t n, double d);

// ---- distances between two samples of one column ----

// Wasserstein-1 distance between the empirical distributions: the area between the two
// empirical CDFs (scipy.stats.wasserstein_distance(a, b)). Throws when either is empty.
double wasserstein_1d(std::vector<double> a, std::vector<double> b);

// ---- correlations ----

// Pearson correlation matrix [cols, cols] of the columns of `x` (numpy.corrcoef(x.T)). A pair
// that involves a constant column is NaN (diagonal included). Needs >= 2 rows.
Matrix pearson_matrix(const Matrix& x);

// Spearman rank correlation matrix: Pearson on average ranks (scipy.stats.spearmanr).
Matrix spearman_matrix(const Matrix& x);

// Ranks 1..n with ties given their average rank (scipy.stats.rankdata, method="average").
std::vector<double> average_ranks(const std::vector<double>& values);

struct MatrixDifference {
  double mean_abs_diff = 0;  // mean |a_ij - b_ij| over pairs i < j where both are finite
  double max_abs_diff = 0;
  size_t pairs = 0;    // pairs compared
  size_t skipped = 0;  // pairs with a NaN on either side (constant columns)
};

// Compares the strict upper triangles of two square matrices of the same size.
MatrixDifference upper_triangle_difference(const Matrix& a, const Matrix& b);

// ---- categorical columns ----
// Counts are per category, aligned: counts_a[c] and counts_b[c] refer to the same category.

// 0.5 * sum_c |p_a(c) - p_b(c)| of the normalised counts; in [0, 1].
double total_variation_distance(const std::vector<double>& counts_a,
                                const std::vector<double>& counts_b);

struct ChiSquareResult {
  double statistic = 0;
  double pvalue = 1;
  int dof = 0;
};

// Chi-square test of homogeneity on the 2 x K table of counts, without continuity correction
// (scipy.stats.chi2_contingency([a, b], correction=False)). Categories empty in both samples
// are dropped first; with fewer than 2 categories left the test is trivially statistic 0,
// p-value 1, dof 0.
ChiSquareResult chi_square_homogeneity(const std::vector<double>& counts_a,
                                       const std::vector<double>& counts_b);

// Upper tail of the chi-square distribution (scipy.stats.chi2.sf(x, dof)); dof > 0.
double chi_square_sf(double x, double dof);

// Counts of each distinct value of two samples of one categorical column (codes as doubles),
// aligned over the union of values in ascending order.
void category_counts(const std::vector<double>& a, const std::vector<double>& b,
                     std::vector<double>& values, std::vector<double>& counts_a,
                     std::vector<double>& counts_b);

}  // namespace imbgen
