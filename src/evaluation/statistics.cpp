// Column summaries, Wasserstein-1, Pearson/Spearman matrices and the categorical-column tests.
#include "imbgen/evaluation/statistics.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>
#include <string>

#include <boost/math/special_functions/gamma.hpp>

#include "imbgen/core/error.h"

namespace imbgen {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

}  // namespace

std::vector<double> column(const Matrix& x, size_t j) {
  check_internal(j < x.cols, "column: index out of range");
  std::vector<double> out(x.rows);
  for (size_t i = 0; i < x.rows; ++i) out[i] = x(i, j);
  return out;
}

double quantile_sorted(const std::vector<double>& sorted, double level) {
  check_internal(!sorted.empty(), "quantile_sorted: empty input");
  const double pos = level * static_cast<double>(sorted.size() - 1);
  const size_t lo = static_cast<size_t>(std::floor(pos));
  const size_t hi = std::min(lo + 1, sorted.size() - 1);
  const double frac = pos - static_cast<double>(lo);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * frac;
}

ColumnSummary describe(std::vector<double> values, const std::vector<double>& levels) {
  if (values.empty()) throw Error(ErrorKind::kInvalidArgument, "describe: no values");
  for (double q : levels) {
    if (!(q >= 0.0 && q <= 1.0)) {
      throw Error(ErrorKind::kInvalidArgument,
                  "describe: quantile level must be in [0, 1], got " + std::to_string(q));
    }
  }
  std::sort(values.begin(), values.end());
  ColumnSummary s;
  s.count = values.size();
  s.min = values.front();
  s.max = values.back();
  double sum = 0.0;
  for (double v : values) sum += v;
  s.mean = sum / static_cast<double>(values.size());
  double ss = 0.0;
  for (double v : values) ss += (v - s.mean) * (v - s.mean);
  s.std = values.size() > 1 ? std::sqrt(ss / static_cast<double>(values.size() - 1)) : 0.0;
  for (double q : levels) s.quantiles.push_back(quantile_sorted(values, q));
  return s;
}

double wasserstein_1d(std::vector<double> a, std::vector<double> b) {
  if (a.empty() || b.empty()) {
    throw Error(ErrorKind::kInvalidArgument, "wasserstein_1d: both samples need values, got " +
                                                 std::to_string(a.size()) + " and " +
                                                 std::to_string(b.size()));
  }
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  // Integrate |F_a - F_b| piecewise between consecutive merged values.
  const double na = static_cast<double>(a.size());
  const double nb = static_cast<double>(b.size());
  size_t i = 0, j = 0;
  double prev = std::min(a[0], b[0]);
  double total = 0.0;
  while (i < a.size() || j < b.size()) {
    double v = 0.0;
    if (j >= b.size() || (i < a.size() && a[i] <= b[j])) {
      v = a[i];
    } else {
      v = b[j];
    }
    total += std::abs(static_cast<double>(i) / na - static_cast<double>(j) / nb) * (v - prev);
    while (i < a.size() && a[i] <= v) ++i;
    while (j < b.size() && b[j] <= v) ++j;
    prev = v;
  }
  return total;
}

Matrix pearson_matrix(const Matrix& x) {
  if (x.rows < 2) {
    throw Error(ErrorKind::kInvalidArgument,
                "pearson_matrix: needs at least 2 rows, got " + std::to_string(x.rows));
  }
  const size_t d = x.cols;
  std::vector<double> mean(d, 0.0);
  for (size_t i = 0; i < x.rows; ++i) {
    for (size_t j = 0; j < d; ++j) mean[j] += x(i, j);
  }
  for (double& m : mean) m /= static_cast<double>(x.rows);
  Matrix cov(d, d, 0.0);
  std::vector<double> centred(d);
  for (size_t i = 0; i < x.rows; ++i) {
    for (size_t j = 0; j < d; ++j) centred[j] = x(i, j) - mean[j];
    for (size_t a = 0; a < d; ++a) {
      const double ca = centred[a];
      double* row = cov.row(a);
      for (size_t b = a; b < d; ++b) row[b] += ca * centred[b];
    }
  }
  Matrix corr(d, d, kNaN);
  for (size_t a = 0; a < d; ++a) {
    for (size_t b = a; b < d; ++b) {
      const double denom = std::sqrt(cov(a, a) * cov(b, b));
      double r = denom > 0.0 ? cov(a, b) / denom : kNaN;
      if (!std::isnan(r)) r = std::max(-1.0, std::min(1.0, r));  // numpy clips too
      corr(a, b) = r;
      corr(b, a) = r;
    }
  }
  return corr;
}

std::vector<double> average_ranks(const std::vector<double>& values) {
  std::vector<size_t> order(values.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t p, size_t q) { return values[p] < values[q]; });
  std::vector<double> ranks(values.size());
  size_t i = 0;
  while (i < order.size()) {
    size_t j = i;
    while (j + 1 < order.size() && values[order[j + 1]] == values[order[i]]) ++j;
    const double rank = (static_cast<double>(i) + static_cast<double>(j)) / 2.0 + 1.0;
    for (size_t t = i; t <= j; ++t) ranks[order[t]] = rank;
    i = j + 1;
  }
  return ranks;
}

Matrix spearman_matrix(const Matrix& x) {
  Matrix ranked(x.rows, x.cols);
  for (size_t j = 0; j < x.cols; ++j) {
    const std::vector<double> r = average_ranks(column(x, j));
    for (size_t i = 0; i < x.rows; ++i) ranked(i, j) = r[i];
  }
  return pearson_matrix(ranked);
}

MatrixDifference upper_triangle_difference(const Matrix& a, const Matrix& b) {
  if (a.rows != a.cols || b.rows != b.cols || a.rows != b.rows) {
    throw Error(ErrorKind::kInvalidArgument,
                "upper_triangle_difference: expected two square matrices of one size, got " +
                    std::to_string(a.rows) + "x" + std::to_string(a.cols) + " and " +
                    std::to_string(b.rows) + "x" + std::to_string(b.cols));
  }
  MatrixDifference out;
  double sum = 0.0;
  for (size_t i = 0; i < a.rows; ++i) {
    for (size_t j = i + 1; j < a.cols; ++j) {
      if (std::isnan(a(i, j)) || std::isnan(b(i, j))) {
        ++out.skipped;
        continue;
      }
      const double diff = std::abs(a(i, j) - b(i, j));
      sum += diff;
      out.max_abs_diff = std::max(out.max_abs_diff, diff);
      ++out.pairs;
    }
  }
  out.mean_abs_diff = out.pairs > 0 ? sum / static_cast<double>(out.pairs) : kNaN;
  return out;
}

double total_variation_distance(const std::vector<double>& counts_a,
                                const std::vector<double>& counts_b) {
  if (counts_a.size() != counts_b.size()) {
    throw Error(ErrorKind::kInvalidArgument,
                "total_variation_distance: count vectors differ in length (" +
                    std::to_string(counts_a.size()) + " and " + std::to_string(counts_b.size()) +
                    ")");
  }
  const double sa = std::accumulate(counts_a.begin(), counts_a.end(), 0.0);
  const double sb = std::accumulate(counts_b.begin(), counts_b.end(), 0.0);
  if (!(sa > 0.0) || !(sb > 0.0)) {
    throw Error(ErrorKind::kInvalidArgument, "total_variation_distance: a sample has no counts");
  }
  double tv = 0.0;
  for (size_t c = 0; c < counts_a.size(); ++c) tv += std::abs(counts_a[c] / sa - counts_b[c] / sb);
  return 0.5 * tv;
}

double chi_square_sf(double x, double dof) {
  if (!(dof > 0.0)) {
    throw Error(ErrorKind::kInvalidArgument,
                "chi_square_sf: degrees of freedom must be > 0, got " + std::to_string(dof));
  }
  if (std::isnan(x)) return x;
  if (x <= 0.0) return 1.0;
  if (std::isinf(x)) return 0.0;
  // The upper tail of chi-square(dof) is the regularised upper incomplete gamma Q(dof/2, x/2).
  return boost::math::gamma_q(dof / 2.0, x / 2.0);
}

ChiSquareResult chi_square_homogeneity(const std::vector<double>& counts_a,
                                       const std::vector<double>& counts_b) {
  if (counts_a.size() != counts_b.size()) {
    throw Error(ErrorKind::kInvalidArgument,
                "chi_square_homogeneity: count vectors differ in length (" +
                    std::to_string(counts_a.size()) + " and " + std::to_string(counts_b.size()) +
                    ")");
  }
  std::vector<double> a, b;
  for (size_t c = 0; c < counts_a.size(); ++c) {
    if (counts_a[c] < 0.0 || counts_b[c] < 0.0) {
      throw Error(ErrorKind::kInvalidArgument, "chi_square_homogeneity: negative count");
    }
    if (counts_a[c] + counts_b[c] > 0.0) {
      a.push_back(counts_a[c]);
      b.push_back(counts_b[c]);
    }
  }
  ChiSquareResult out;
  const double sa = std::accumulate(a.begin(), a.end(), 0.0);
  const double sb = std::accumulate(b.begin(), b.end(), 0.0);
  if (a.size() < 2 || !(sa > 0.0) || !(sb > 0.0)) return out;
  const double total = sa + sb;
  for (size_t c = 0; c < a.size(); ++c) {
    const double col = a[c] + b[c];
    const double ea = sa * col / total;
    const double eb = sb * col / total;
    out.statistic += (a[c] - ea) * (a[c] - ea) / ea + (b[c] - eb) * (b[c] - eb) / eb;
  }
  out.dof = static_cast<int>(a.size()) - 1;
  out.pvalue = chi_square_sf(out.statistic, out.dof);
  return out;
}

void category_counts(const std::vector<double>& a, const std::vector<double>& b,
                     std::vector<double>& values, std::vector<double>& counts_a,
                     std::vector<double>& counts_b) {
  std::map<double, std::pair<double, double>> counts;
  for (double v : a) counts[v].first += 1.0;
  for (double v : b) counts[v].second += 1.0;
  values.clear();
  counts_a.clear();
  counts_b.clear();
  for (const auto& [v, c] : counts) {
    values.push_back(v);
    counts_a.push_back(c.first);
    counts_b.push_back(c.second);
  }
}

}  // namespace imbgen
