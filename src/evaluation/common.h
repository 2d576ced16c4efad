// Small helpers shared by the evaluation sources: distances, seeded subsets, percentiles.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "imbgen/core/rng.h"
#include "imbgen/data/matrix.h"

namespace imbgen::evaluation_detail {

inline double squared_distance(const double* a, const double* b, size_t d) {
  double s = 0.0;
  for (size_t j = 0; j < d; ++j) {
    const double t = a[j] - b[j];
    s += t * t;
  }
  return s;
}

// `k` distinct indices of [0, n) drawn with `rng`, ascending; all of [0, n) when k >= n.
std::vector<size_t> random_subset(size_t n, size_t k, Rng& rng);

// numpy.percentile(values, q) with q in [0, 100] (linear interpolation); NaN for no values.
double percentile(std::vector<double> values, double q);

// Throws Error(kInvalidArgument) naming `what` when the matrices' column counts differ.
void check_same_columns(const Matrix& a, const Matrix& b, const char* what);

}  // namespace imbgen::evaluation_detail
