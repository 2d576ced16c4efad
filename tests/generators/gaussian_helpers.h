// Helpers of the GAN-family learning tests: a correlated 2-D Gaussian, the moments of generated
// rows, and their median over several trainings.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "imbgen/core/rng.h"
#include "imbgen/data/matrix.h"

namespace imbgen {
namespace testing_helpers {

// A correlated 2-D Gaussian: mean (5, -3), sd (2, 0.5), correlation 0.8.
inline Matrix gaussian_rows(size_t n, uint64_t seed) {
  Rng rng(seed);
  Matrix x(n, 2);
  for (size_t i = 0; i < n; ++i) {
    const double a = rng.normal();
    const double b = 0.8 * a + 0.6 * rng.normal();
    x(i, 0) = 5.0 + 2.0 * a;
    x(i, 1) = -3.0 + 0.5 * b;
  }
  return x;
}

struct Moments {
  double mean[2], sd[2], corr;
};

// The means, population sds and correlation of the first two columns.
inline Moments moments(const Matrix& x) {
  Moments m{};
  const double n = static_cast<double>(x.rows);
  for (size_t c = 0; c < 2; ++c) {
    double s = 0;
    for (size_t i = 0; i < x.rows; ++i) s += x(i, c);
    m.mean[c] = s / n;
  }
  double v0 = 0, v1 = 0, cov = 0;
  for (size_t i = 0; i < x.rows; ++i) {
    const double a = x(i, 0) - m.mean[0];
    const double b = x(i, 1) - m.mean[1];
    v0 += a * a;
    v1 += b * b;
    cov += a * b;
  }
  m.sd[0] = std::sqrt(v0 / n);
  m.sd[1] = std::sqrt(v1 / n);
  m.corr = cov / std::sqrt(v0 * v1);
  return m;
}

// The median of each statistic over several trainings: one adversarial run can land in a poor
// spot (a seed, or another BLAS kernel's rounding, moves it), the median of several does not.
inline Moments median_moments(const std::vector<Moments>& runs) {
  auto median = [&](auto get) {
    std::vector<double> v;
    for (const auto& m : runs) v.push_back(get(m));
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
  };
  Moments out{};
  for (int c = 0; c < 2; ++c) {
    out.mean[c] = median([c](const Moments& m) { return m.mean[c]; });
    out.sd[c] = median([c](const Moments& m) { return m.sd[c]; });
  }
  out.corr = median([](const Moments& m) { return m.corr; });
  return out;
}

}  // namespace testing_helpers
}  // namespace imbgen
