// Borderline-SMOTE: the danger rows of a hand-built example (as imbalanced-learn finds them), new
// rows only from them, borderline-2's half step toward other classes, and the clear errors.
#include <gtest/gtest.h>

#include <vector>

#include "generators/baseline_helpers.h"
#include "imbgen/core/error.h"
#include "imbgen/generators/generator.h"

namespace imbgen {
namespace {

using testing_helpers::error_message;
using testing_helpers::rows_of;

// On a line (second column 0). Class 1: four safe rows at 0..3, two danger rows at 10 and 9.3
// (two of their three nearest rows are of class 0), a noise row at 20 (all three are).
// Hand count with m = 3: row 10 -> {10.5 (0), 9.3 (1), 11 (0)}; row 9.3 -> {10 (1), 10.5 (0),
// 11 (0)}; row 20 -> {20.4, 19.5, 20.8}, all class 0. Checked with imbalanced-learn 0.10:
//   P = np.array([[0,0],[1,0],[2,0],[3,0],[10,0],[9.3,0],[20,0]], float)
//   N = np.array([[10.5,0],[11,0],[19.5,0],[20.4,0],[20.8,0],[30,0],[31,0],[32,0]], float)
//   X = np.vstack([N,P]); y = np.array([0]*len(N)+[1]*len(P))
//   b = BorderlineSMOTE(m_neighbors=3, k_neighbors=1); b._validate_estimator(); b.nn_m_.fit(X)
//   b._in_danger_noise(b.nn_m_, P, 1, y, kind='danger')  # F F F F T T F
//   b._in_danger_noise(b.nn_m_, P, 1, y, kind='noise')   # F F F F F F T
void line_example(Matrix& x, std::vector<int>& y) {
  x = rows_of({{10.5, 0},
               {11, 0},
               {19.5, 0},
               {20.4, 0},
               {20.8, 0},
               {30, 0},
               {31, 0},
               {32, 0},
               {0, 0},
               {1, 0},
               {2, 0},
               {3, 0},
               {10, 0},
               {9.3, 0},
               {20, 0}});
  y = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1};
}

std::unique_ptr<Generator> fit(const nlohmann::json& config, const Matrix& x,
                               const std::vector<int>& y) {
  auto g = make_generator("borderline_smote", config);
  FitOptions options;
  options.classes = {1};
  g->fit(x, y, options);
  return g;
}

TEST(BorderlineSmote, FindsExactlyTheDangerRowsOfAHandBuiltExample) {
  Matrix x;
  std::vector<int> y;
  line_example(x, y);
  auto g = fit({{"m_neighbors", 3}, {"k_neighbors", 1}, {"kind", 1}}, x, y);
  EXPECT_EQ(g->history()["classes"]["1"],
            nlohmann::json({{"rows", 7}, {"danger", 2}, {"safe", 4}, {"noise", 1}}));
  // Borderline-1 with k = 1: each danger row's class neighbour is the other one, so every new row
  // lies between 9.3 and 10; a row built from a safe row would lie in [0, 3], from the noise
  // row between 20 and 10.
  const Matrix s = g->sample(1, 500, 3);
  ASSERT_EQ(s.rows, 500u);
  double low = 1e9, high = -1e9;
  for (size_t i = 0; i < s.rows; ++i) {
    EXPECT_EQ(s(i, 1), 0.0);
    low = std::min(low, s(i, 0));
    high = std::max(high, s(i, 0));
  }
  EXPECT_GE(low, 9.3);
  EXPECT_LE(high, 10.0);
  EXPECT_LT(low, 9.4);  // both ends are reached: both danger rows are bases
  EXPECT_GT(high, 9.9);
}

TEST(BorderlineSmote, KindTwoStepsHalfWayAtMostTowardOtherClasses) {
  Matrix x;
  std::vector<int> y;
  line_example(x, y);
  // k = 2 among all rows: 10 -> {10.5 (class 0), 9.3}; 9.3 -> {10, 10.5 (class 0)}.
  auto g = fit({{"m_neighbors", 3}, {"k_neighbors", 2}, {"kind", 2}}, x, y);
  const Matrix s = g->sample(1, 2000, 5);
  size_t beyond_10 = 0;
  for (size_t i = 0; i < s.rows; ++i) {
    // From 10 toward 10.5: [10, 10.25); from 9.3 toward 10.5: [9.3, 9.9); class pairs: [9.3, 10].
    ASSERT_GE(s(i, 0), 9.3);
    ASSERT_LT(s(i, 0), 10.25);
    beyond_10 += s(i, 0) > 10.0 ? 1 : 0;
  }
  // A quarter of the pairs is (10, 10.5): about 500 rows beyond 10.
  EXPECT_GT(beyond_10, 400u);
  EXPECT_LT(beyond_10, 600u);
}

TEST(BorderlineSmote, AClassWithoutDangerRowsIsAClearError) {
  // Two far-apart groups: every class 1 row is safe.
  Matrix x = rows_of({{0, 0},
                      {0, 1},
                      {1, 0},
                      {1, 1},
                      {0.5, 0.5},
                      {0.2, 0.7},
                      {50, 50},
                      {50, 51},
                      {51, 50},
                      {51, 51},
                      {50.5, 50.5},
                      {50.2, 50.7}});
  std::vector<int> y = {1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0};
  auto g = make_generator("borderline_smote", {{"m_neighbors", 4}, {"k_neighbors", 3}});
  FitOptions options;
  options.classes = {1};
  ErrorKind kind{};
  EXPECT_EQ(error_message([&] { g->fit(x, y, options); }, &kind),
            "borderline_smote: class 1 has no borderline (danger) row: of its 6 rows, 6 are "
            "safe (fewer than half of their m_neighbors = 4 nearest rows are of other classes) "
            "and 0 are noise (all are); borderline-SMOTE builds rows from danger rows only (use "
            "smote, or change m_neighbors)");
  EXPECT_EQ(kind, ErrorKind::kInvalidArgument);
}

TEST(BorderlineSmote, TooFewRowsAreClearErrors) {
  Matrix x;
  std::vector<int> y;
  line_example(x, y);
  FitOptions options;
  options.classes = {1};
  auto big_k = make_generator("borderline_smote", {{"k_neighbors", 7}});
  EXPECT_EQ(error_message([&] { big_k->fit(x, y, options); }),
            "borderline_smote: class 1 has 7 training rows; borderline_smote needs at least 8 "
            "(k_neighbors = 7 needs k_neighbors + 1 rows; lower k_neighbors or use 'random')");
  auto big_m = make_generator("borderline_smote", {{"m_neighbors", 15}});
  EXPECT_EQ(error_message([&] { big_m->fit(x, y, options); }),
            "borderline_smote: fit: x has 15 rows in all; m_neighbors = 15 needs at least 16 "
            "(lower m_neighbors)");
}

TEST(BorderlineSmoteConfig, ReportsEveryProblem) {
  EXPECT_EQ(error_message([] {
              make_generator("borderline_smote",
                             {{"k_neighbors", 0}, {"m_neighbors", 2000}, {"kind", 3}});
            }),
            "borderline_smote config: k_neighbors must be in [1, 1000], got 0; m_neighbors must "
            "be in [1, 1000], got 2000; kind must be 1 (borderline-SMOTE1) or 2 "
            "(borderline-SMOTE2), got 3");
}

}  // namespace
}  // namespace imbgen
