// Pieces shared by the SMOTE family (SMOTE, SMOTE-NC, borderline-SMOTE, ADASYN, SVM-SMOTE,
// k-means SMOTE) and the Gaussian copula: SMOTE's step and the draws of new rows, the danger /
// safe / noise rule, allocation of n rows by weights, index lists in model files, per-class
// progress.
#pragma once

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "binary_io.h"
#include "imbgen/core/observer.h"
#include "imbgen/core/rng.h"
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

// SMOTE's new row from class row `base` (Chawla et al. 2002, Section 4.2): one of its k nearest
// class rows, neighbors[base * k + t] with t ~ U{0..k-1}, then u ~ U[0, 1), both from `rng`;
// out = rows[base] + scale * u * (rows[nn] - rows[base]). Returns nn.
size_t smote_step(const Matrix& rows, const std::vector<size_t>& neighbors, size_t k, size_t base,
                  double scale, Rng& rng, double* out);

// n SMOTE rows from base rows drawn uniformly (rng.index(rows.rows) before each smote_step),
// written to out's rows first..first+n-1. Returns the base row of each.
std::vector<size_t> smote_rows(const Matrix& rows, const std::vector<size_t>& neighbors, size_t k,
                               size_t n, Rng& rng, Matrix& out, size_t first = 0);
// The same rows (the same draws and numbers) written to out's rows 0..n-1, any strides, without
// the base rows.
void smote_rows(const Matrix& rows, const std::vector<size_t>& neighbors, size_t k, size_t n,
                Rng& rng, const MutableNumberBlock& out);

// A (anchor, neighbour slot) pair drawn uniformly among anchors * k pairs, as imbalanced-learn
// draws from its flattened neighbour table.
struct Pair {
  size_t anchor;
  size_t slot;
};
inline Pair draw_pair(size_t anchors, size_t k, Rng& rng) {
  const size_t p = rng.index(anchors * k);
  return {p / k, p % k};
}

// Where a class row stands by the m' of its m nearest rows (all classes) that are of another
// class (Han et al. 2005, Section 3): all m: noise; at least m/2: danger (on the border); fewer:
// safe. Borderline-SMOTE and SVM-SMOTE.
enum class Border { kSafe, kDanger, kNoise };
inline Border border_of(size_t others, size_t m) {
  return others == m ? Border::kNoise : 2 * others >= m ? Border::kDanger : Border::kSafe;
}

// A list of indices in a model file: u64 count + u64 values.
void write_indices(BinaryWriter& w, const std::vector<size_t>& v);
// Reads a list written by write_indices; throws Error(kInvalidArgument) "corrupt: ..." naming
// `what` when an index is >= bound.
std::vector<size_t> read_indices(BinaryReader& r, const std::string& what, size_t bound);

// For each index r in `rows` (rows of x), how many of the m nearest other rows of x (exact, see
// knn.h) have a label other than `cls`: the "majority neighbour" count of borderline-SMOTE,
// SVM-SMOTE and ADASYN. Needs m < x.rows.
std::vector<size_t> other_class_counts(const Matrix& x, const std::vector<int>& y, int cls,
                                       const std::vector<size_t>& rows, size_t m, int threads);

// Throws Error(kInvalidArgument) "<generator>: fit: x has N rows in all; <setting> = m needs at
// least m + 1 (...)" when x has fewer than m + 1 rows.
void check_total_rows(const std::string& generator, size_t rows, size_t m, const char* setting);

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
