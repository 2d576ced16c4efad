// Seeded subsets, percentiles and shape checks shared by the evaluation sources.
#include "evaluation/common.h"

#include <algorithm>
#include <limits>
#include <numeric>
#include <string>

#include "imbgen/core/error.h"
#include "imbgen/evaluation/statistics.h"

namespace imbgen::evaluation_detail {

std::vector<size_t> random_subset(size_t n, size_t k, Rng& rng) {
  std::vector<size_t> all(n);
  std::iota(all.begin(), all.end(), size_t{0});
  if (k >= n) return all;
  for (size_t i = 0; i < k; ++i) std::swap(all[i], all[i + rng.index(n - i)]);  // partial shuffle
  all.resize(k);
  std::sort(all.begin(), all.end());
  return all;
}

double percentile(std::vector<double> values, double q) {
  if (values.empty()) return std::numeric_limits<double>::quiet_NaN();
  std::sort(values.begin(), values.end());
  return quantile_sorted(values, q / 100.0);
}

void check_same_columns(const Matrix& a, const Matrix& b, const char* what) {
  if (a.cols != b.cols) {
    throw Error(ErrorKind::kInvalidArgument, std::string(what) +
                                                 ": the two row sets must have the same columns, "
                                                 "got " +
                                                 std::to_string(a.cols) + " and " +
                                                 std::to_string(b.cols));
  }
}

}  // namespace imbgen::evaluation_detail
