// The quantile transformer to a normal output (scikit-learn's QuantileTransformer formulas, see
// quantile.h); the normal CDF and quantile function are oversampling.h's (AS241).
#include "quantile.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "imbgen/core/error.h"
#include "oversampling.h"

namespace imbgen {
namespace {

// scikit-learn's BOUNDS_THRESHOLD: values this close to the ends map to the ends.
constexpr double kBoundsThreshold = 1e-7;

// numpy.interp for a non-decreasing xp: fp[0] left of xp, fp[n-1] right of it (and at its last
// value), fp[j] where x equals xp[j] for the last such j, linear in between.
double interp(double x, const double* xp, const double* fp, size_t n) {
  const double* upper = std::upper_bound(xp, xp + n, x);
  if (upper == xp) return fp[0];
  const size_t j = static_cast<size_t>(upper - xp) - 1;
  if (j >= n - 1 || xp[j] == x) return fp[j];
  const double slope = (fp[j + 1] - fp[j]) / (xp[j + 1] - xp[j]);
  double v = slope * (x - xp[j]) + fp[j];
  if (std::isnan(v)) {
    v = slope * (x - xp[j + 1]) + fp[j + 1];
    if (std::isnan(v) && fp[j] == fp[j + 1]) v = fp[j];
  }
  return v;
}

// numpy's _lerp: a + (b - a) t, computed from b's side for t >= 0.5.
double lerp(double a, double b, double t) {
  const double diff = b - a;
  return t >= 0.5 ? b - diff * (1.0 - t) : a + diff * t;
}

// numpy.percentile(sorted, level * 100) with the default "linear" method; `sorted` ascending.
double percentile(const std::vector<double>& sorted, double level) {
  const double q = (level * 100.0) / 100.0;  // numpy divides the percent by 100
  const size_t n = sorted.size();
  const double virtual_index = static_cast<double>(n - 1) * q;
  if (virtual_index >= static_cast<double>(n - 1)) return sorted[n - 1];
  if (virtual_index < 0) return sorted[0];
  const double previous = std::floor(virtual_index);
  const auto lo = static_cast<size_t>(previous);
  return lerp(sorted[lo], sorted[lo + 1], virtual_index - previous);
}

// numpy.linspace(0, 1, n): i * (1 / (n - 1)), the last value exactly 1; [0] for n = 1.
std::vector<double> linspace01(size_t n) {
  std::vector<double> v(n, 0.0);
  if (n > 1) {
    const double step = 1.0 / static_cast<double>(n - 1);
    for (size_t i = 0; i < n; ++i) v[i] = static_cast<double>(i) * step;
    v.back() = 1.0;
  }
  return v;
}

// -v[n-1], ..., -v[0]: the descending interpolation's axis.
std::vector<double> negated_reverse(const std::vector<double>& v) {
  std::vector<double> out(v.size());
  for (size_t k = 0; k < v.size(); ++k) out[k] = -v[v.size() - 1 - k];
  return out;
}

}  // namespace

double QuantileNormalTransformer::min_output() {
  static const double b =
      normal_quantile(kBoundsThreshold - std::numeric_limits<double>::epsilon());
  return b;
}

double QuantileNormalTransformer::max_output() {
  static const double b =
      normal_quantile(1.0 - (kBoundsThreshold - std::numeric_limits<double>::epsilon()));
  return b;
}

void QuantileNormalTransformer::fit(const Matrix& x, size_t n_quantiles) {
  check_internal(x.rows >= 1 && x.cols >= 1 && n_quantiles >= 1,
                 "QuantileNormalTransformer::fit: expected rows, columns and quantiles >= 1");
  const size_t n_q = std::min(n_quantiles, x.rows);
  const std::vector<double> references = linspace01(n_q);
  std::vector<std::vector<double>> quantiles(x.cols);
  std::vector<double> column(x.rows);
  for (size_t c = 0; c < x.cols; ++c) {
    for (size_t i = 0; i < x.rows; ++i) column[i] = x(i, c);
    std::sort(column.begin(), column.end());
    std::vector<double>& q = quantiles[c];
    q.resize(n_q);
    for (size_t k = 0; k < n_q; ++k) q[k] = percentile(column, references[k]);
    // numpy.maximum.accumulate: rounding in the percentiles must not break monotonicity.
    for (size_t k = 1; k < n_q; ++k) q[k] = std::max(q[k], q[k - 1]);
  }
  set(std::move(quantiles));
}

void QuantileNormalTransformer::set(std::vector<std::vector<double>> quantiles) {
  quantiles_ = std::move(quantiles);
  references_ = linspace01(quantiles_.empty() ? 0 : quantiles_[0].size());
  neg_references_ = negated_reverse(references_);
  neg_quantiles_.clear();
  for (const auto& q : quantiles_) neg_quantiles_.push_back(negated_reverse(q));
}

double QuantileNormalTransformer::transform(size_t col, double x) const {
  const std::vector<double>& q = quantiles_[col];
  const size_t n = q.size();
  double u;
  if (x - kBoundsThreshold < q.front()) {
    u = 0.0;
  } else if (x + kBoundsThreshold > q.back()) {
    u = 1.0;
  } else {
    // Ascending and descending interpolation, averaged (tied quantiles -> the middle level).
    u = 0.5 * (interp(x, q.data(), references_.data(), n) -
               interp(-x, neg_quantiles_[col].data(), neg_references_.data(), n));
  }
  return std::clamp(normal_quantile(u), min_output(), max_output());
}

double QuantileNormalTransformer::inverse_transform(size_t col, double z) const {
  const std::vector<double>& q = quantiles_[col];
  const double u = normal_cdf(z);
  if (u - kBoundsThreshold < 0.0) return q.front();
  if (u + kBoundsThreshold > 1.0) return q.back();
  return interp(u, references_.data(), q.data(), q.size());
}

Matrix QuantileNormalTransformer::transform(const Matrix& x) const {
  check_internal(x.cols == cols(), "QuantileNormalTransformer::transform: column count");
  Matrix out(x.rows, x.cols);
  for (size_t i = 0; i < x.rows; ++i) {
    for (size_t c = 0; c < x.cols; ++c) out(i, c) = transform(c, x(i, c));
  }
  return out;
}

Matrix QuantileNormalTransformer::inverse_transform(const Matrix& z) const {
  check_internal(z.cols == cols(), "QuantileNormalTransformer::inverse_transform: column count");
  Matrix out(z.rows, z.cols);
  for (size_t i = 0; i < z.rows; ++i) {
    for (size_t c = 0; c < z.cols; ++c) out(i, c) = inverse_transform(c, z(i, c));
  }
  return out;
}

void QuantileNormalTransformer::save(BinaryWriter& w) const {
  w.u64(quantiles_.size());
  for (const auto& q : quantiles_) w.f64_vector(q);
}

QuantileNormalTransformer QuantileNormalTransformer::load(BinaryReader& r) {
  const uint64_t cols = r.length("the quantile column count", 8);
  std::vector<std::vector<double>> quantiles;
  for (uint64_t c = 0; c < cols; ++c) {
    const std::string what = "the quantiles of numeric column " + std::to_string(c);
    std::vector<double> q = r.f64_vector(what);
    if (q.empty() || (c > 0 && q.size() != quantiles[0].size())) {
      throw Error(ErrorKind::kInvalidArgument,
                  "corrupt: " + what + ": " + std::to_string(q.size()) +
                      " values, expected the same non-zero count for every column");
    }
    for (size_t k = 0; k < q.size(); ++k) {
      if (!std::isfinite(q[k]) || (k > 0 && q[k] < q[k - 1])) {
        throw Error(ErrorKind::kInvalidArgument,
                    "corrupt: " + what + " are not finite and non-decreasing");
      }
    }
    quantiles.push_back(std::move(q));
  }
  QuantileNormalTransformer t;
  t.set(std::move(quantiles));
  return t;
}

}  // namespace imbgen
