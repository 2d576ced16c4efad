// The exact kNN of the SMOTE-family baselines: equal to a full sort of the distances (ties by
// the lower index) with and without excluded rows, and on any thread count.
#include "generators/knn.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <vector>

#include "imbgen/core/error.h"
#include "imbgen/core/rng.h"

namespace imbgen {
namespace {

// Small integer coordinates: many exact ties, and sums that are exact in any order.
Matrix integer_rows(size_t n, size_t d, uint64_t seed) {
  Rng rng(seed);
  Matrix x(n, d);
  for (double& v : x.data) v = static_cast<double>(rng.index(5));
  // One wide column, so that the column order of the search differs from 0, 1, 2, ...
  for (size_t i = 0; i < n; ++i) x(i, d - 1) *= 7.0;
  return x;
}

// The k nearest rows of `data` to query q by a full sort of (squared distance, index).
std::vector<size_t> sorted_knn(const Matrix& data, const double* q, size_t k, size_t skip) {
  std::vector<std::pair<double, size_t>> all;
  for (size_t j = 0; j < data.rows; ++j) {
    if (j == skip) continue;
    double s = 0.0;
    for (size_t c = 0; c < data.cols; ++c) s += (data(j, c) - q[c]) * (data(j, c) - q[c]);
    all.emplace_back(s, j);
  }
  std::sort(all.begin(), all.end());
  std::vector<size_t> out;
  for (size_t t = 0; t < k; ++t) out.push_back(all[t].second);
  return out;
}

TEST(Knn, EqualsAFullSortWithTiesByLowerIndex) {
  const Matrix data = integer_rows(300, 4, 3);
  const Matrix queries = integer_rows(37, 4, 4);  // not a multiple of the tile of 8
  for (int threads : {1, 3}) {
    for (size_t k : {1u, 7u, 300u}) {
      const std::vector<size_t> nn = knn_search(data, queries, k, {}, threads);
      ASSERT_EQ(nn.size(), queries.rows * k);
      for (size_t q = 0; q < queries.rows; ++q) {
        EXPECT_EQ(std::vector<size_t>(nn.begin() + q * k, nn.begin() + (q + 1) * k),
                  sorted_knn(data, queries.row(q), k, kNoExclusion))
            << "query " << q << ", k " << k << ", threads " << threads;
      }
    }
  }
}

TEST(Knn, SkipsTheExcludedRowOfEachQuery) {
  const Matrix data = integer_rows(200, 3, 5);
  std::vector<size_t> rows = {0, 5, 17, 18, 100, 199, 42, 7, 8, 9, 10};
  const Matrix queries = data.select_rows(rows);
  std::vector<size_t> exclude = rows;
  exclude[3] = kNoExclusion;  // this query may find its own row
  const size_t k = 11;
  const std::vector<size_t> nn = knn_search(data, queries, k, exclude, 2);
  for (size_t q = 0; q < rows.size(); ++q) {
    const std::vector<size_t> got(nn.begin() + q * k, nn.begin() + (q + 1) * k);
    EXPECT_EQ(got, sorted_knn(data, queries.row(q), k, exclude[q])) << q;
    if (exclude[q] != kNoExclusion) {
      EXPECT_EQ(std::count(got.begin(), got.end(), rows[q]), 0) << q;
    }
  }
  // Not excluded: its first neighbour is at distance 0 (itself, or an equal row before it).
  for (size_t c = 0; c < data.cols; ++c) EXPECT_EQ(data(nn[3 * k], c), data(18, c));
  EXPECT_LE(nn[3 * k], 18u);
}

TEST(Knn, WithinARowSetFindsEachRowsNearestOtherRows) {
  Rng rng(9);
  Matrix real(90, 3);
  for (double& v : real.data) v = rng.normal();
  for (const Matrix& rows : {integer_rows(150, 5, 6), real}) {
    const size_t k = 5;
    const std::vector<size_t> nn = knn_within(rows, k, 2);
    for (size_t i = 0; i < rows.rows; ++i) {
      EXPECT_EQ(std::vector<size_t>(nn.begin() + i * k, nn.begin() + (i + 1) * k),
                sorted_knn(rows, rows.row(i), k, i))
          << i;
    }
  }
}

TEST(Knn, TooLargeAKIsAnInternalError) {
  const Matrix rows = integer_rows(4, 2, 1);
  EXPECT_THROW(knn_within(rows, 4), Error);
  EXPECT_EQ(knn_within(rows, 3).size(), 12u);
  EXPECT_EQ(knn_search(rows, rows, 4).size(), 16u);
}

}  // namespace
}  // namespace imbgen
