// Property tests for the seeded stratified split and k-fold: partitions, class shares,
// reproducibility, and bad arguments.
#include "imbgen/data/split.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "imbgen/core/error.h"
#include "imbgen/core/rng.h"

namespace imbgen {
namespace {

// Labels with skewed class sizes, in a seeded random order.
std::vector<int> random_labels(uint64_t seed, size_t n_classes, size_t max_per_class) {
  Rng rng(seed);
  std::vector<int> y;
  for (size_t c = 0; c < n_classes; ++c) {
    const size_t count = 1 + rng.index(max_per_class);
    y.insert(y.end(), count, static_cast<int>(c));
  }
  rng.shuffle(y);
  return y;
}

std::map<int, size_t> counts_of(const std::vector<int>& y, const std::vector<size_t>& rows) {
  std::map<int, size_t> counts;
  for (size_t i : rows) ++counts[y[i]];
  return counts;
}

void expect_partition(const std::vector<size_t>& a, const std::vector<size_t>& b, size_t n) {
  ASSERT_TRUE(std::is_sorted(a.begin(), a.end()));
  ASSERT_TRUE(std::is_sorted(b.begin(), b.end()));
  std::vector<int> seen(n, 0);
  for (size_t i : a) ++seen.at(i);
  for (size_t i : b) ++seen.at(i);
  for (size_t i = 0; i < n; ++i) ASSERT_EQ(seen[i], 1) << "row " << i;
}

TEST(StratifiedSplit, PartitionsRowsAndKeepsClassShares) {
  for (uint64_t seed = 0; seed < 50; ++seed) {
    const auto y = random_labels(seed, 2 + seed % 4, 300);
    const double fraction = 0.1 + 0.8 * Rng(seed + 1000).uniform();
    const Split s = stratified_split(y, fraction, seed);
    expect_partition(s.train, s.test, y.size());
    const auto all = counts_of(y, [&] {
      std::vector<size_t> rows(y.size());
      for (size_t i = 0; i < rows.size(); ++i) rows[i] = i;
      return rows;
    }());
    auto test = counts_of(y, s.test);
    auto train = counts_of(y, s.train);
    for (const auto& [c, n] : all) {
      size_t expected = static_cast<size_t>(std::llround(static_cast<double>(n) * fraction));
      if (n >= 2)
        expected = std::clamp<size_t>(expected, 1, n - 1);
      else
        expected = 0;
      EXPECT_EQ(test[c], expected) << "class " << c << " of " << n << " at " << fraction;
      if (n >= 2) {
        EXPECT_GE(train[c], 1u);
      }
    }
  }
}

TEST(StratifiedSplit, FraudLikeImbalanceKeepsTheRatio) {
  std::vector<int> y(10000, 0);
  for (size_t i = 0; i < 10000; i += 70) y[i] = 1;  // 143 positives, 1.43%
  const Split s = stratified_split(y, 0.25, 7);
  const auto test = counts_of(y, s.test);
  const auto train = counts_of(y, s.train);
  EXPECT_EQ(test.at(1), 36u);  // round(143 * 0.25) = 35.75 -> 36
  EXPECT_EQ(train.at(1), 107u);
  EXPECT_EQ(test.at(0), 2464u);  // round(9857 * 0.25) = 2464.25 -> 2464
}

TEST(StratifiedSplit, SameSeedSameSplitDifferentSeedDifferentSplit) {
  const auto y = random_labels(11, 3, 500);
  const Split a = stratified_split(y, 0.3, 42);
  const Split b = stratified_split(y, 0.3, 42);
  const Split c = stratified_split(y, 0.3, 43);
  EXPECT_EQ(a.train, b.train);
  EXPECT_EQ(a.test, b.test);
  EXPECT_NE(a.test, c.test);
}

TEST(StratifiedSplit, TinyClassesStayInTrainOrInBothParts) {
  const std::vector<int> y = {0, 1, 1, 0, 2, 0, 0};
  const Split s = stratified_split(y, 0.9, 1);
  const auto test = counts_of(y, s.test);
  EXPECT_EQ(test.count(2), 0u);  // the single row of class 2 is in train
  EXPECT_EQ(test.at(1), 1u);     // 2 rows: 1 test, 1 train despite 0.9
  EXPECT_EQ(test.at(0), 3u);     // round(3.6) = 4, capped at 4 - 1
}

TEST(StratifiedSplit, RejectsBadArguments) {
  const std::vector<int> y = {0, 1, 0, 1};
  for (double f : {0.0, 1.0, -0.5, 2.0, std::nan("")}) {
    try {
      stratified_split(y, f, 1);
      ADD_FAILURE() << "no error for fraction " << f;
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::kInvalidArgument);
      EXPECT_NE(std::string(e.what()).find("test_fraction must be in (0, 1)"), std::string::npos);
    }
  }
  EXPECT_THROW(stratified_split({}, 0.2, 1), Error);
  try {
    stratified_split({0, -1, 1}, 0.5, 1);
    ADD_FAILURE() << "no error for a negative label";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("label at row 1 is -1"), std::string::npos) << e.what();
  }
}

TEST(StratifiedKFold, EveryRowInExactlyOneTestFoldAndClassesSpreadEvenly) {
  for (uint64_t seed = 0; seed < 30; ++seed) {
    const auto y = random_labels(seed + 500, 2 + seed % 3, 200);
    const int k = 2 + static_cast<int>(seed % 9);
    const auto folds = stratified_kfold(y, k, seed);
    ASSERT_EQ(folds.size(), static_cast<size_t>(k));
    std::vector<int> in_test(y.size(), 0);
    std::vector<size_t> sizes;
    std::map<int, std::vector<size_t>> per_class;  // class -> test count per fold
    for (const auto& f : folds) {
      expect_partition(f.train, f.test, y.size());
      for (size_t i : f.test) ++in_test[i];
      sizes.push_back(f.test.size());
      const auto counts = counts_of(y, f.test);
      for (int c = 0; c <= *std::max_element(y.begin(), y.end()); ++c) {
        per_class[c].push_back(counts.count(c) ? counts.at(c) : 0);
      }
    }
    for (int v : in_test) ASSERT_EQ(v, 1);
    EXPECT_LE(*std::max_element(sizes.begin(), sizes.end()) -
                  *std::min_element(sizes.begin(), sizes.end()),
              1u);
    for (const auto& [c, counts] : per_class) {
      EXPECT_LE(*std::max_element(counts.begin(), counts.end()) -
                    *std::min_element(counts.begin(), counts.end()),
                1u)
          << "class " << c;
    }
  }
}

TEST(StratifiedKFold, SameSeedSameFolds) {
  const auto y = random_labels(9, 2, 400);
  const auto a = stratified_kfold(y, 5, 123);
  const auto b = stratified_kfold(y, 5, 123);
  const auto c = stratified_kfold(y, 5, 124);
  bool any_diff = false;
  for (size_t f = 0; f < a.size(); ++f) {
    EXPECT_EQ(a[f].test, b[f].test);
    EXPECT_EQ(a[f].train, b[f].train);
    any_diff = any_diff || a[f].test != c[f].test;
  }
  EXPECT_TRUE(any_diff);
}

TEST(StratifiedKFold, RejectsBadK) {
  const std::vector<int> y = {0, 1, 0, 1};
  for (int k : {1, 0, -3, 5}) {
    try {
      stratified_kfold(y, k, 1);
      ADD_FAILURE() << "no error for k = " << k;
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::kInvalidArgument);
      EXPECT_NE(std::string(e.what()).find("k must be between 2 and the number of rows (4), got " +
                                           std::to_string(k)),
                std::string::npos)
          << e.what();
    }
  }
  EXPECT_EQ(stratified_kfold(y, 4, 1).size(), 4u);
}

}  // namespace
}  // namespace imbgen
