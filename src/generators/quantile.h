// A quantile transformer to a standard normal output with its inverse: scikit-learn's
// QuantileTransformer(output_distribution="normal") re-implemented (the numeric-column
// normalisation of TabDDPM, Kotelnikov et al. 2023).
#pragma once

#include <cstddef>
#include <vector>

#include "binary_io.h"
#include "imbgen/data/matrix.h"

namespace imbgen {

// Per column: the empirical quantiles of the training values at n_q = min(n_quantiles, rows)
// evenly spaced levels (numpy.percentile, linear interpolation, made non-decreasing), then
//   forward:  z = Phi^-1(u), u = the level of x by linear interpolation between quantiles (the
//             mean of an ascending and a descending interpolation, so tied quantiles map to the
//             middle of their levels); x within 1e-7 of the smallest / largest quantile or beyond
//             gets u = 0 / 1, and z is clipped to [min_output(), max_output()] ~ +-5.1993.
//   inverse:  u = Phi(z); u within 1e-7 of 0 / 1 gives the smallest / largest quantile, otherwise
//             x = linear interpolation of the quantiles at level u.
// These are scikit-learn 1.2's formulas, except that scikit-learn subsamples columns of more than
// 100000 rows (subsample=1e5) and this class always uses every row.
class QuantileNormalTransformer {
 public:
  // x: [rows >= 1, cols >= 1], finite. n_quantiles >= 1.
  void fit(const Matrix& x, size_t n_quantiles = 1000);

  // The range of transform(): Phi^-1(1e-7 - 2^-52) ~ -5.1993 and Phi^-1(1 - (1e-7 - 2^-52)).
  static double min_output();
  static double max_output();

  size_t cols() const { return quantiles_.size(); }
  size_t n_quantiles() const { return references_.size(); }
  const std::vector<double>& references() const { return references_; }
  const std::vector<double>& quantiles(size_t col) const { return quantiles_[col]; }

  double transform(size_t col, double x) const;
  double inverse_transform(size_t col, double z) const;
  // Whole matrices [rows, cols()].
  Matrix transform(const Matrix& x) const;
  Matrix inverse_transform(const Matrix& z) const;

  // u64 column count, then each column's quantiles (f64 vector). load() throws
  // Error(kInvalidArgument) for counts that do not agree or quantiles that are not finite and
  // non-decreasing.
  void save(BinaryWriter& w) const;
  static QuantileNormalTransformer load(BinaryReader& r);

 private:
  // Takes per-column quantiles (same count each) and derives the levels and reversed axes.
  void set(std::vector<std::vector<double>> quantiles);

  std::vector<double> references_;              // levels in [0, 1], numpy.linspace(0, 1, n_q)
  std::vector<std::vector<double>> quantiles_;  // per column, n_q values, non-decreasing
  // The descending interpolation's axes: -references_ and -quantiles_ reversed.
  std::vector<double> neg_references_;
  std::vector<std::vector<double>> neg_quantiles_;
};

}  // namespace imbgen
