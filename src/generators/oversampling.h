// Pieces shared by the SMOTE-family baselines (SMOTE-NC, borderline-SMOTE, ADASYN, SVM-SMOTE,
// k-means SMOTE) and the Gaussian copula: allocation of n rows by weights, index lists in model
// files, interpolation, per-class progress.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "binary_io.h"
#include "imbgen/core/observer.h"
#include "imbgen/data/encoder.h"
#include "imbgen/data/matrix.h"

namespace imbgen {

// Splits n into integer counts proportional to `weights` (>= 0, not all 0) that sum to exactly
// n: floor(n * w_i / sum w) each, then one more to the largest remainders (ties: lower index).
// imbalanced-learn rounds each count on its own (np.rint or ceil), which can miss n; the caller
// of Generator::sample asks for exactly n rows.
std::vector<size_t> allocate(const std::vector<double>& weights, size_t n);

// out = a + step * (b - a) over d columns.
inline void interpolate(const double* a, const double* b, double step, size_t d, double* out) {
  for (size_t j = 0; j < d; ++j) out[j] = a[j] + step * (b[j] - a[j]);
}

// A list of indices in a model file: u64 count + u64 values.
void write_indices(BinaryWriter& w, const std::vector<size_t>& v);
// Reads a list written by write_indices; throws Error(kInvalidArgument) "corrupt: ..." naming
// `what` when an index is >= bound.
std::vector<size_t> read_indices(BinaryReader& r, const std::string& what, size_t bound);

// The keys of a per-class map, ascending.
template <typename T>
std::vector<int> map_classes(const std::map<int, T>& m) {
  std::vector<int> out;
  out.reserve(m.size());
  for (const auto& entry : m) out.push_back(entry.first);
  return out;
}

// Indices of the rows of class `cls` in y, ascending.
std::vector<size_t> rows_of_class(const std::vector<int>& y, int cls);

// For each index r in `rows` (rows of x), how many of the m nearest other rows of x (exact, see
// knn.h) have a label other than `cls`: the "majority neighbour" count of borderline-SMOTE,
// SVM-SMOTE and ADASYN. Needs m < x.rows.
std::vector<size_t> other_class_counts(const Matrix& x, const std::vector<int>& y, int cls,
                                       const std::vector<size_t>& rows, size_t m, int threads);

// Throws Error(kInvalidArgument) "<generator>: fit: x has N rows in all; <setting> = m needs at
// least m + 1 (...)" when x has fewer than m + 1 rows.
void check_total_rows(const std::string& generator, size_t rows, size_t m, const char* setting);

// Throws Error(kInvalidArgument) "<generator>: fit: FitOptions.spans ..." unless the spans tile
// the `cols` columns of x in order (each starts where the previous ends, width >= 1, one-hot
// blocks at least 1 wide, the last ends at cols). Empty spans are valid (all numeric).
void check_spans(const std::string& generator, const std::vector<EncodedSpan>& spans, size_t cols);
// Spans in a model file (kind, column, start, width); read_spans checks they tile `cols` columns.
void write_spans(BinaryWriter& w, const std::vector<EncodedSpan>& spans);
std::vector<EncodedSpan> read_spans(BinaryReader& r, size_t cols);

// Standard normal distribution: cdf Phi(z) and quantile Phi^-1(p) for p in (0, 1) (Wichura 1988,
// algorithm AS 241 PPND16, relative error about 1e-16); the quantile gives -inf / +inf at 0 / 1.
// Shared with quantile.cpp (the TabDDPM quantile transformer).
double normal_cdf(double z);
double normal_quantile(double p);

// One progress event "<generator>: class <c>", step 1 of 1, with the given values (e.g. the
// number of danger rows), when `observer` is not null.
void report_class(Observer* observer, const std::string& generator, int cls,
                  std::vector<std::pair<std::string, double>> values);

}  // namespace imbgen
