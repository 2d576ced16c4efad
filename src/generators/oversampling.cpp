// Shared helpers of the SMOTE family: SMOTE's step, allocation by largest remainders, index lists
// in model files, per-class progress.
#include "oversampling.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "imbgen/core/error.h"
#include "knn.h"

namespace imbgen {

std::vector<size_t> allocate(const std::vector<double>& weights, size_t n) {
  double total = 0.0;
  for (double w : weights) {
    check_internal(w >= 0.0 && std::isfinite(w), "allocate: weights must be finite and >= 0");
    total += w;
  }
  check_internal(total > 0.0, "allocate: the weights sum to 0");
  std::vector<size_t> counts(weights.size());
  std::vector<double> remainder(weights.size());
  size_t given = 0;
  for (size_t i = 0; i < weights.size(); ++i) {
    const double share = static_cast<double>(n) * (weights[i] / total);
    counts[i] = std::min(n, static_cast<size_t>(std::floor(share)));
    remainder[i] = share - std::floor(share);
    given += counts[i];
  }
  // Rounding can leave given a little above n in theory; take back from the smallest remainders.
  std::vector<size_t> order(weights.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return remainder[a] > remainder[b]; });
  for (size_t t = 0; given < n; t = (t + 1) % order.size()) {
    if (weights[order[t]] > 0.0) {
      ++counts[order[t]];
      ++given;
    }
  }
  for (size_t t = order.size(); given > n && t > 0; --t) {
    if (counts[order[t - 1]] > 0) {
      --counts[order[t - 1]];
      --given;
    }
  }
  return counts;
}

size_t smote_step(const Matrix& rows, const std::vector<size_t>& neighbors, size_t k, size_t base,
                  double scale, Rng& rng, double* out) {
  const size_t nn = neighbors[base * k + rng.index(k)];
  interpolate(rows.row(base), rows.row(nn), scale * rng.uniform(), rows.cols, out);
  return nn;
}

std::vector<size_t> smote_rows(const Matrix& rows, const std::vector<size_t>& neighbors, size_t k,
                               size_t n, Rng& rng, Matrix& out, size_t first) {
  std::vector<size_t> bases(n);
  for (size_t i = 0; i < n; ++i) {
    bases[i] = rng.index(rows.rows);
    smote_step(rows, neighbors, k, bases[i], 1.0, rng, out.row(first + i));
  }
  return bases;
}

void smote_rows(const Matrix& rows, const std::vector<size_t>& neighbors, size_t k, size_t n,
                Rng& rng, const MutableNumberBlock& out) {
  check_internal(out.rows == n && out.cols == rows.cols, "smote_rows: the block is not n x d");
  const size_t d = rows.cols;
  // smote_step's draws and arithmetic with scale 1 (1 * u is u).
  const IndexDraw base_of(rows.rows), neighbour_of(k);
  const auto next_row = [&](double* to) {
    const size_t base = base_of(rng);
    const size_t nn = neighbors[base * k + neighbour_of(rng)];
    interpolate(rows.row(base), rows.row(nn), rng.uniform(), d, to);
  };
  if (out.col_stride == 1) {  // row-major: each row in place
    for (size_t i = 0; i < n; ++i) next_row(&out(i, 0));
    return;
  }
  // Rows are made whole, kBlock at a time, in a buffer that stays in cache, then copied out
  // column by column (a column-major block is written in runs, not one value per column a row).
  constexpr size_t kBlock = 64;
  std::vector<double> buffer(kBlock * d);
  for (size_t i0 = 0; i0 < n; i0 += kBlock) {
    const size_t m = std::min(kBlock, n - i0);
    for (size_t i = 0; i < m; ++i) next_row(&buffer[i * d]);
    for (size_t c = 0; c < d; ++c)
      for (size_t i = 0; i < m; ++i) out(i0 + i, c) = buffer[i * d + c];
  }
}

void write_indices(BinaryWriter& w, const std::vector<size_t>& v) {
  w.u64(v.size());
  for (size_t i : v) w.u64(i);
}

std::vector<size_t> read_indices(BinaryReader& r, const std::string& what, size_t bound) {
  const uint64_t n = r.length(what, 8);
  std::vector<size_t> out(n);
  for (uint64_t i = 0; i < n; ++i) {
    const uint64_t v = r.u64(what);
    if (v >= bound) {
      throw Error(ErrorKind::kInvalidArgument, "corrupt: " + what + " holds index " +
                                                   std::to_string(v) + ", expected below " +
                                                   std::to_string(bound));
    }
    out[i] = static_cast<size_t>(v);
  }
  return out;
}

std::vector<size_t> other_class_counts(const Matrix& x, const std::vector<int>& y, int cls,
                                       const std::vector<size_t>& rows, size_t m, int threads) {
  const std::vector<size_t> nn = knn_search(x, x.select_rows(rows), m, rows, threads);
  std::vector<size_t> counts(rows.size(), 0);
  for (size_t i = 0; i < rows.size(); ++i) {
    for (size_t t = 0; t < m; ++t) counts[i] += y[nn[i * m + t]] != cls ? 1 : 0;
  }
  return counts;
}

void check_total_rows(const std::string& generator, size_t rows, size_t m, const char* setting) {
  if (rows >= m + 1) return;
  throw Error(ErrorKind::kInvalidArgument, generator + ": fit: x has " + std::to_string(rows) +
                                               " rows in all; " + setting + " = " +
                                               std::to_string(m) + " needs at least " +
                                               std::to_string(m + 1) + " (lower " + setting + ")");
}

double normal_cdf(double z) { return 0.5 * std::erfc(-z / std::sqrt(2.0)); }

double normal_quantile(double p) {
  if (p <= 0.0) return -std::numeric_limits<double>::infinity();
  if (p >= 1.0) return std::numeric_limits<double>::infinity();
  // Horner evaluation of a degree-7 polynomial, c[0] + c[1] r + ... + c[7] r^7.
  auto poly = [](const double(&c)[8], double r) {
    double v = c[7];
    for (int i = 6; i >= 0; --i) v = v * r + c[i];
    return v;
  };
  const double q = p - 0.5;
  if (std::fabs(q) <= 0.425) {
    static const double a[8] = {3.3871328727963666080e0,  1.3314166789178437745e+2,
                                1.9715909503065514427e+3, 1.3731693765509461125e+4,
                                4.5921953931549871457e+4, 6.7265770927008700853e+4,
                                3.3430575583588128105e+4, 2.5090809287301226727e+3};
    static const double b[8] = {1.0,
                                4.2313330701600911252e+1,
                                6.8718700749205790830e+2,
                                5.3941960214247511077e+3,
                                2.1213794301586595867e+4,
                                3.9307895800092710610e+4,
                                2.8729085735721942674e+4,
                                5.2264952788528545610e+3};
    const double r = 0.180625 - q * q;
    return q * poly(a, r) / poly(b, r);
  }
  double r = std::sqrt(-std::log(q < 0.0 ? p : 1.0 - p));
  double v;
  if (r <= 5.0) {
    static const double c[8] = {1.42343711074968357734e0,  4.63033784615654529590e0,
                                5.76949722146069140550e0,  3.64784832476320460504e0,
                                1.27045825245236838258e0,  2.41780725177450611770e-1,
                                2.27238449892691845833e-2, 7.74545014278341407640e-4};
    static const double d[8] = {1.0,
                                2.05319162663775882187e0,
                                1.67638483018380384940e0,
                                6.89767334985100004550e-1,
                                1.48103976427480074590e-1,
                                1.51986665636164571966e-2,
                                5.47593808499534494600e-4,
                                1.05075007164441684324e-9};
    r -= 1.6;
    v = poly(c, r) / poly(d, r);
  } else {
    static const double e[8] = {6.65790464350110377720e0,  5.46378491116411436990e0,
                                1.78482653991729133580e0,  2.96560571828504891230e-1,
                                2.65321895265761230930e-2, 1.24266094738807843860e-3,
                                2.71155556874348757815e-5, 2.01033439929228813265e-7};
    static const double f[8] = {1.0,
                                5.99832206555887937690e-1,
                                1.36929880922735805310e-1,
                                1.48753612908506148525e-2,
                                7.86869131145613259100e-4,
                                1.84631831751005468180e-5,
                                1.42151175831644588870e-7,
                                2.04426310338993978564e-15};
    r -= 5.0;
    v = poly(e, r) / poly(f, r);
  }
  return q < 0.0 ? -v : v;
}

void report_class(Observer* observer, const std::string& generator, int cls,
                  std::vector<std::pair<std::string, double>> values) {
  if (!observer) return;
  observer->on_progress({generator + ": class " + std::to_string(cls), 1, 1, std::move(values)});
}

}  // namespace imbgen
