// Privacy distances of synthetic rows to the training rows: distance to the closest record,
// nearest-neighbour distance ratio, exact copies, and the share of rows closer to the training
// rows than to equally many holdout rows (a membership-inference style check).
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <numeric>
#include <string>
#include <unordered_map>

#include "evaluation/common.h"
#include "evaluation/parallel.h"
#include "imbgen/core/error.h"
#include "imbgen/core/rng.h"
#include "imbgen/data/scaler.h"
#include "imbgen/evaluation/distances.h"

namespace imbgen {
namespace {

using evaluation_detail::check_same_columns;
using evaluation_detail::percentile;
using evaluation_detail::random_subset;
using evaluation_detail::squared_distance;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

uint64_t hash_row(const double* row, size_t d) {
  uint64_t h = 0xcbf29ce484222325ULL;  // FNV-1a over the bytes, with -0.0 read as 0.0
  for (size_t j = 0; j < d; ++j) {
    const double v = row[j] == 0.0 ? 0.0 : row[j];
    uint64_t bits = 0;
    std::memcpy(&bits, &v, sizeof bits);
    for (int b = 0; b < 8; ++b) {
      h ^= (bits >> (8 * b)) & 0xffU;
      h *= 0x100000001b3ULL;
    }
  }
  return h;
}

size_t count_exact_copies(const Matrix& train, const Matrix& query) {
  std::unordered_multimap<uint64_t, size_t> seen;
  seen.reserve(train.rows);
  for (size_t i = 0; i < train.rows; ++i) seen.emplace(hash_row(train.row(i), train.cols), i);
  size_t copies = 0;
  for (size_t q = 0; q < query.rows; ++q) {
    auto range = seen.equal_range(hash_row(query.row(q), query.cols));
    for (auto it = range.first; it != range.second; ++it) {
      if (std::equal(query.row(q), query.row(q) + query.cols, train.row(it->second))) {
        ++copies;
        break;
      }
    }
  }
  return copies;
}

double nearest_distance(const double* q, const Matrix& reference, const std::vector<size_t>& rows) {
  double best = std::numeric_limits<double>::infinity();
  for (size_t r : rows) {
    best = std::min(best, squared_distance(q, reference.row(r), reference.cols));
  }
  return std::sqrt(best);
}

// DCR, NNDR and exact copies of `query` against `train`, both in original units.
PrivacyResult distance_metrics(const Matrix& train, const Matrix& query, const Matrix& train_z,
                               const Matrix& query_z, int threads) {
  PrivacyResult out;
  out.n_query = query.rows;
  const Neighbours nn = nearest_neighbours(query_z, train_z, 2, false, threads);
  out.dcr.resize(query.rows);
  std::vector<double> nndr(query.rows);
  for (size_t i = 0; i < query.rows; ++i) {
    const double d1 = nn.distances[2 * i];
    const double d2 = nn.distances[2 * i + 1];
    out.dcr[i] = d1;
    nndr[i] = d2 > 0.0 ? d1 / d2 : 1.0;
  }
  out.dcr_median = percentile(out.dcr, 50.0);
  out.dcr_p05 = percentile(out.dcr, 5.0);
  out.dcr_mean = query.rows > 0 ? std::accumulate(out.dcr.begin(), out.dcr.end(), 0.0) /
                                      static_cast<double>(query.rows)
                                : kNaN;
  out.nndr_median = percentile(nndr, 50.0);
  out.nndr_p05 = percentile(nndr, 5.0);
  out.exact_copies = count_exact_copies(train, query);
  out.holdout_share = kNaN;
  return out;
}

void check_privacy_inputs(const Matrix& train, const Matrix& query, const Matrix* holdout,
                          const char* what) {
  check_same_columns(train, query, what);
  if (holdout != nullptr) check_same_columns(train, *holdout, what);
  if (train.rows < 2) {
    throw Error(
        ErrorKind::kInvalidArgument,
        std::string(what) + ": needs at least 2 training rows, got " + std::to_string(train.rows));
  }
}

}  // namespace

PrivacyResult privacy_metrics(const Matrix& train, const Matrix& query, const Matrix* holdout,
                              uint64_t seed, int threads) {
  check_privacy_inputs(train, query, holdout, "privacy_metrics");
  StandardScaler scaler;
  scaler.fit(train);
  const Matrix train_z = scaler.transform(train);
  const Matrix query_z = scaler.transform(query);
  PrivacyResult out = distance_metrics(train, query, train_z, query_z, threads);
  if (holdout == nullptr || holdout->rows == 0 || query.rows == 0) return out;

  const Matrix holdout_z = scaler.transform(*holdout);
  const size_t size = std::min(train.rows, holdout->rows);
  Rng rng(seed);
  const std::vector<size_t> train_rows = random_subset(train.rows, size, rng);
  const std::vector<size_t> holdout_rows = random_subset(holdout->rows, size, rng);
  std::vector<double> closer(query.rows, 0.0);
  parallel_for(query.rows, threads, [&](size_t begin, size_t end) {
    for (size_t i = begin; i < end; ++i) {
      const double dt = nearest_distance(query_z.row(i), train_z, train_rows);
      const double dh = nearest_distance(query_z.row(i), holdout_z, holdout_rows);
      closer[i] = dt < dh ? 1.0 : (dt == dh ? 0.5 : 0.0);
    }
  });
  out.holdout_share =
      std::accumulate(closer.begin(), closer.end(), 0.0) / static_cast<double>(query.rows);
  out.reference_rows = size;
  return out;
}

PrivacyResult privacy_reference(const Matrix& train, const Matrix& holdout, uint64_t seed,
                                int threads) {
  check_privacy_inputs(train, holdout, nullptr, "privacy_reference");
  if (holdout.rows < 2) {
    throw Error(
        ErrorKind::kInvalidArgument,
        "privacy_reference: needs at least 2 holdout rows, got " + std::to_string(holdout.rows));
  }
  StandardScaler scaler;
  scaler.fit(train);
  const Matrix train_z = scaler.transform(train);
  const Matrix holdout_z = scaler.transform(holdout);
  PrivacyResult out = distance_metrics(train, holdout, train_z, holdout_z, threads);

  // Each holdout row is compared with `size` training rows and `size` other holdout rows: the
  // first `size` rows of one seeded order of the holdout, skipping the row itself.
  const size_t size = std::min(train.rows, holdout.rows - 1);
  Rng rng(seed);
  const std::vector<size_t> train_rows = random_subset(train.rows, size, rng);
  std::vector<size_t> order(holdout.rows);
  std::iota(order.begin(), order.end(), size_t{0});
  rng.shuffle(order);
  std::vector<double> closer(holdout.rows, 0.0);
  parallel_for(holdout.rows, threads, [&](size_t begin, size_t end) {
    for (size_t i = begin; i < end; ++i) {
      std::vector<size_t> others;
      others.reserve(size);
      for (size_t r : order) {
        if (others.size() == size) break;
        if (r != i) others.push_back(r);
      }
      const double dt = nearest_distance(holdout_z.row(i), train_z, train_rows);
      const double dh = nearest_distance(holdout_z.row(i), holdout_z, others);
      closer[i] = dt < dh ? 1.0 : (dt == dh ? 0.5 : 0.0);
    }
  });
  out.holdout_share =
      std::accumulate(closer.begin(), closer.end(), 0.0) / static_cast<double>(holdout.rows);
  out.reference_rows = size;
  return out;
}

}  // namespace imbgen
