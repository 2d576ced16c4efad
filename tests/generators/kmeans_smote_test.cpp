// k-means SMOTE: k-means finds three separated blobs, the cluster filter keeps the blobs where
// the class share reaches the threshold, the sparsity weights match imbalanced-learn's formula,
// and the allocation gives exactly n rows.
#include "imbgen/generators/kmeans_smote.h"

#include <gtest/gtest.h>

#include <array>
#include <string>
#include <vector>

#include "generators/baseline_helpers.h"
#include "imbgen/core/error.h"
#include "imbgen/generators/generator.h"

namespace imbgen {
namespace {

using testing_helpers::error_message;

// Blob B near (0, 0): 20 class 1 rows on a 0.1 grid and 5 class 0 rows (share 0.8). Blob C near
// (10, 10): 10 class 1 rows on a 0.3 grid among 40 class 0 rows (share 0.2). Blob A near
// (-10, 10): 30 class 0 rows.
void blobs(Matrix& x, std::vector<int>& y) {
  std::vector<std::array<double, 3>> rows;  // x0, x1, class
  for (int i = 0; i < 4; ++i) {
    for (int j = 0; j < 5; ++j) rows.push_back({0.1 * i, 0.1 * j, 1});
  }
  for (auto p : {std::array<double, 2>{0.05, 0.05},
                 {0.15, 0.25},
                 {0.25, 0.15},
                 {0.35, 0.35},
                 {0.05, 0.35}}) {
    rows.push_back({p[0], p[1], 0});
  }
  for (int i = 0; i < 2; ++i) {
    for (int j = 0; j < 5; ++j) rows.push_back({10 + 0.3 * i, 10 + 0.3 * j, 1});
  }
  for (int i = 0; i < 5; ++i) {
    for (int j = 0; j < 8; ++j) rows.push_back({9.9 + 0.2 * i, 9.9 + 0.2 * j, 0});
  }
  for (int i = 0; i < 5; ++i) {
    for (int j = 0; j < 6; ++j) rows.push_back({-10 + 0.2 * i, 10 + 0.2 * j, 0});
  }
  x = Matrix(rows.size(), 2);
  y.assign(rows.size(), 0);
  for (size_t r = 0; r < rows.size(); ++r) {
    x(r, 0) = rows[r][0];
    x(r, 1) = rows[r][1];
    y[r] = static_cast<int>(rows[r][2]);
  }
}

std::unique_ptr<Generator> fit(const nlohmann::json& config) {
  Matrix x;
  std::vector<int> y;
  blobs(x, y);
  auto g = make_generator("kmeans_smote", config);
  FitOptions options;
  options.classes = {1};
  g->fit(x, y, options);
  return g;
}

TEST(KmeansSmote, KeepsOnlyTheClustersWhereTheClassIsCommon) {
  // "auto" threshold with one modelled class: 0.5. Only blob B (0.8) qualifies.
  auto g = fit({{"n_clusters", 3}});
  const nlohmann::json h = g->history()["classes"]["1"];
  EXPECT_EQ(h["threshold"], 0.5);
  ASSERT_EQ(h["clusters"].size(), 1u);
  EXPECT_EQ(h["clusters"][0]["rows"], 25);
  EXPECT_EQ(h["clusters"][0]["class_rows"], 20);
  EXPECT_EQ(h["clusters"][0]["weight"], 1.0);
  const Matrix s = g->sample(1, 300, 4);
  for (size_t i = 0; i < s.rows; ++i) {  // inside blob B's class rows' box
    EXPECT_GE(s(i, 0), 0.0);
    EXPECT_LE(s(i, 0), 0.3 + 1e-12);
    EXPECT_GE(s(i, 1), 0.0);
    EXPECT_LE(s(i, 1), 0.4 + 1e-12);
  }
}

// With threshold 0.1 both blobs qualify. Sparsity = mean distance^e / n with imbalanced-learn's
// e = 0.16 * log_1.6(n)^1.8:
//   /usr/bin/python3, imbalanced-learn 0.10:
//   B = [(0.1*i, 0.1*j) for i in range(4) for j in range(5)]
//   C = [(10+0.3*i, 10+0.3*j) for i in range(2) for j in range(5)]
//   k = KMeansSMOTE(k_neighbors=2, density_exponent='auto')
//   sB = k._find_cluster_sparsity(np.array(B))  # 8.368898985882536e-05
//   sC = k._find_cluster_sparsity(np.array(C))  # 0.024457809501149595
//   w = np.array([sB, sC]) / (sB + sC)          # [0.0034101010535068817, 0.9965898989464931]
//   [math.ceil(1000 * v) for v in w]            # [4, 997]: 1001 rows for 1000 asked
TEST(KmeansSmote, SharesRowsBySparsityAsImbalancedLearn) {
  auto g = fit({{"n_clusters", 3}, {"cluster_balance_threshold", 0.1}});
  const nlohmann::json clusters = g->history()["classes"]["1"]["clusters"];
  ASSERT_EQ(clusters.size(), 2u);
  double w_b = -1, w_c = -1;
  for (const auto& c : clusters) {
    (c["class_rows"] == 20 ? w_b : w_c) = c["weight"].get<double>();
  }
  EXPECT_NEAR(w_b, 0.0034101010535068817, 1e-12);
  EXPECT_NEAR(w_c, 0.9965898989464931, 1e-12);
  // Largest remainders: 3.41 -> 3, 996.59 -> 997; exactly 1000 rows.
  const Matrix s = g->sample(1, 1000, 5);
  ASSERT_EQ(s.rows, 1000u);
  size_t in_b = 0;
  for (size_t i = 0; i < s.rows; ++i) in_b += s(i, 0) < 5.0 ? 1 : 0;
  EXPECT_EQ(in_b, 3u);
}

TEST(KmeansSmote, NoQualifyingClusterIsAClearError) {
  Matrix x;
  std::vector<int> y;
  blobs(x, y);
  auto g = make_generator("kmeans_smote", {{"n_clusters", 3}, {"cluster_balance_threshold", 0.9}});
  FitOptions options;
  options.classes = {1};
  ErrorKind kind{};
  const std::string message = error_message([&] { g->fit(x, y, options); }, &kind);
  // The cluster's index depends on the k-means start; the rest of the message does not.
  const std::string head =
      "kmeans_smote: class 1: no cluster of the 3 k-means clusters qualifies: a cluster needs a "
      "class share of at least cluster_balance_threshold = 0.9 and at least k_neighbors + 1 = 3 "
      "rows of the class; the best share is 0.8 (cluster ";
  const std::string tail =
      ", 20 of 25 rows) (lower cluster_balance_threshold or change n_clusters)";
  EXPECT_EQ(message.substr(0, head.size()), head) << message;
  ASSERT_GE(message.size(), tail.size());
  EXPECT_EQ(message.substr(message.size() - tail.size()), tail) << message;
  EXPECT_EQ(kind, ErrorKind::kInvalidArgument);
}

TEST(KmeansSmoteConfig, AutoAndNumbersRoundTrip) {
  const KmeansSmoteConfig defaults;
  EXPECT_EQ(defaults.to_json(), nlohmann::json({{"k_neighbors", 2},
                                                {"n_clusters", 8},
                                                {"cluster_balance_threshold", "auto"},
                                                {"density_exponent", "auto"}}));
  const nlohmann::json set = {{"cluster_balance_threshold", 0.25}, {"density_exponent", "auto"}};
  const KmeansSmoteConfig c = KmeansSmoteConfig::from_json(set);
  ASSERT_TRUE(c.cluster_balance_threshold.has_value());
  EXPECT_EQ(*c.cluster_balance_threshold, 0.25);
  EXPECT_FALSE(c.density_exponent.has_value());
  EXPECT_EQ(KmeansSmoteConfig::from_json(c.to_json()).to_json(), c.to_json());
  EXPECT_EQ(
      error_message([] {
        KmeansSmoteConfig::from_json(
            {{"cluster_balance_threshold", "half"}, {"density_exponent", -1}, {"n_clusters", 0}});
      }),
      "kmeans_smote config: cluster_balance_threshold: expected a number or \"auto\", got "
      "\"half\"; n_clusters must be in [1, 100000], got 0; density_exponent must be in "
      "[0, 1000] or \"auto\", got -1");
}

TEST(KmeansSmote, TooFewRowsAreClearErrors) {
  Matrix x;
  std::vector<int> y;
  blobs(x, y);
  FitOptions options;
  options.classes = {1};
  auto many = make_generator("kmeans_smote", {{"n_clusters", 200}});
  EXPECT_EQ(error_message([&] { many->fit(x, y, options); }),
            "kmeans_smote: fit: x has 105 rows in all; n_clusters = 200 needs at least as many "
            "(lower n_clusters)");
  auto big_k = make_generator("kmeans_smote", {{"k_neighbors", 30}});
  EXPECT_EQ(error_message([&] { big_k->fit(x, y, options); }),
            "kmeans_smote: class 1 has 30 training rows; kmeans_smote needs at least 31 "
            "(k_neighbors = 30 needs k_neighbors + 1 rows; lower k_neighbors or use 'random')");
}

}  // namespace
}  // namespace imbgen
