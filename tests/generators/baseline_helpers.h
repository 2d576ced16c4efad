// Helpers of the SMOTE-family baseline tests: literal matrices and "where on the line through a
// and b does s lie".
#pragma once

#include <algorithm>
#include <cmath>
#include <initializer_list>
#include <string>
#include <vector>

#include "imbgen/core/error.h"
#include "imbgen/data/matrix.h"

namespace imbgen {
namespace testing_helpers {

inline Matrix rows_of(std::initializer_list<std::initializer_list<double>> rows) {
  Matrix m(rows.size(), rows.begin()->size());
  size_t i = 0;
  for (const auto& r : rows) {
    std::copy(r.begin(), r.end(), m.row(i++));
  }
  return m;
}

// s = a + step * (b - a) (+ residual): returns step; `residual` gets the largest deviation of s
// from the line through a and b.
inline double step_on_line(const double* s, const double* a, const double* b, size_t d,
                           double* residual) {
  double num = 0.0, den = 0.0;
  for (size_t c = 0; c < d; ++c) {
    num += (s[c] - a[c]) * (b[c] - a[c]);
    den += (b[c] - a[c]) * (b[c] - a[c]);
  }
  const double step = den > 0.0 ? num / den : 0.0;
  double r = 0.0;
  for (size_t c = 0; c < d; ++c) r = std::max(r, std::abs(s[c] - (a[c] + step * (b[c] - a[c]))));
  *residual = r;
  return step;
}

// The message of the Error `f` throws (with its kind checked by the caller), or "no error".
template <typename F>
std::string error_message(F f, ErrorKind* kind = nullptr) {
  try {
    f();
  } catch (const Error& e) {
    if (kind) *kind = e.kind();
    return e.what();
  }
  return "no error";
}

}  // namespace testing_helpers
}  // namespace imbgen
