// Whole-row comparisons by distances: nearest neighbours, maximum mean discrepancy, the
// precision/recall/density/coverage of Naeem et al. (2020), and privacy distances (distance to
// the closest record, nearest-neighbour distance ratio, exact copies, the closer-to-training
// share). All distances are Euclidean; callers standardise features first where stated.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "imbgen/data/matrix.h"

namespace imbgen {

// ---- nearest neighbours (brute force) ----

struct Neighbours {
  size_t k = 0;
  std::vector<double> distances;  // [n_query * k], Euclidean, ascending within a row
  std::vector<size_t> indices;    // [n_query * k], rows of `reference`
};

// The k nearest rows of `reference` for every row of `query`. With `same_set` (query and
// reference are the same rows) a row is not its own neighbour. Ties keep the lower index first.
// Throws Error(kInvalidArgument) when k is 0, the column counts differ or there are fewer than k
// candidate rows.
Neighbours nearest_neighbours(const Matrix& query, const Matrix& reference, size_t k, bool same_set,
                              int threads = 1);

// ---- maximum mean discrepancy ----

struct MmdResult {
  double mmd2 = 0;       // unbiased estimate of MMD^2 (Gretton et al. 2012, eq. 3); may be < 0
  double pvalue = 1;     // permutation p-value: (1 + #{permuted >= observed}) / (1 + permutations)
  double bandwidth = 0;  // sigma of k(a, b) = exp(-|a - b|^2 / (2 sigma^2))
  size_t permutations = 0;
};

// MMD with an RBF kernel. bandwidth <= 0 picks the median heuristic: sigma = the median
// Euclidean distance between distinct rows of x and y pooled (1 when that median is 0). Both
// inputs need >= 2 rows and the same columns. Memory: (rows(x) + rows(y))^2 doubles, so callers
// subsample large inputs first.
MmdResult mmd_rbf(const Matrix& x, const Matrix& y, size_t permutations, uint64_t seed,
                  double bandwidth = 0.0, int threads = 1);

// ---- precision / recall / density / coverage ----

struct Prdc {
  double precision = 0;  // share of fake rows inside some real row's k-NN ball
  double recall = 0;     // share of real rows inside some fake row's k-NN ball
  double density = 0;    // mean count of real balls holding a fake row, divided by k
  double coverage = 0;   // share of real balls that hold at least one fake row
};

// Naeem, Oh, Uh, Choi & Yoo (2020), "Reliable Fidelity and Diversity Metrics for Generative
// Models", eq. 1-4, with strict "<" as their reference code. Ball radii are the distance to the
// k-th nearest other row of the same set. Needs more than k rows in each set.
Prdc prdc(const Matrix& real, const Matrix& fake, size_t k, int threads = 1);

// ---- privacy ----

struct PrivacyResult {
  size_t n_query = 0;
  std::vector<double> dcr;  // per query row: distance to the closest training row (standardised)
  double dcr_median = 0, dcr_p05 = 0, dcr_mean = 0;
  // Nearest-neighbour distance ratio: closest / second-closest training row (0/0 counts as 1).
  // Low values: a row sits much closer to one training record than to any other.
  double nndr_median = 0, nndr_p05 = 0;
  size_t exact_copies = 0;  // query rows equal, value for value, to a training row
  // Share of query rows closer to a training row than to a holdout row (ties count 1/2), with
  // both reference sets subsampled to the same size. 0.5 is ideal; near 1 means memorisation.
  // NaN when no holdout was given.
  double holdout_share = 0;
  size_t reference_rows = 0;  // rows in each subsampled reference set (0 without holdout)
};

// Privacy of `query` rows (synthetic) against the `train` rows they were generated from, in
// original units: features are standardised with train's mean and population std, exact copies
// compare original values. `holdout` (may be null) are real rows the generator never saw.
// Throws Error(kInvalidArgument) for column counts that differ, or fewer than 2 training rows.
PrivacyResult privacy_metrics(const Matrix& train, const Matrix& query, const Matrix* holdout,
                              uint64_t seed, int threads = 1);

// The reference scores of fresh real data: the same metrics for the holdout rows themselves.
// The holdout share leaves each holdout row out of its own reference set (reference sets of
// min(rows(train), rows(holdout) - 1) rows). Needs >= 2 holdout rows.
PrivacyResult privacy_reference(const Matrix& train, const Matrix& holdout, uint64_t seed,
                                int threads = 1);

}  // namespace imbgen
