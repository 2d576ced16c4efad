// SMOTE-NC: the category of a new row is the one most frequent among the base row's neighbours,
// the Med/2 one-hot encoding decides the neighbours as in imbalanced-learn, one-hot blocks are
// written back exactly, and without categorical columns it is SMOTE.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <vector>

#include "generators/baseline_helpers.h"
#include "imbgen/core/error.h"
#include "imbgen/generators/generator.h"

namespace imbgen {
namespace {

using testing_helpers::error_message;
using testing_helpers::rows_of;

// Columns: two numeric, one categorical with categories A and B as a one-hot block.
std::vector<EncodedSpan> spans() {
  return {
      {SpanKind::kNumeric, 0, 0, 1}, {SpanKind::kNumeric, 1, 1, 1}, {SpanKind::kOneHot, 2, 2, 2}};
}

// Rows (x0, x1, category 0 = A / 1 = B) -> model columns with the one-hot block.
Matrix encode(const std::vector<std::vector<double>>& rows) {
  Matrix m(rows.size(), 4);
  for (size_t i = 0; i < rows.size(); ++i) {
    m(i, 0) = rows[i][0];
    m(i, 1) = rows[i][1];
    m(i, 2 + static_cast<size_t>(rows[i][2])) = 1.0;
  }
  return m;
}

// Ten class 0 rows (they play no part); the class 1 rows follow.
const std::vector<std::vector<double>> kOthers = {{5, 5, 0}, {6, 5, 1}, {7, 5, 0}, {8, 5, 1},
                                                  {9, 5, 0}, {9, 6, 1}, {9, 7, 0}, {9, 8, 1},
                                                  {9, 9, 0}, {9, 9, 1}};

std::unique_ptr<Generator> fit(const std::vector<std::vector<double>>& class1, int k) {
  std::vector<std::vector<double>> all = kOthers;
  all.insert(all.end(), class1.begin(), class1.end());
  std::vector<int> y(kOthers.size(), 0);
  y.resize(all.size(), 1);
  auto g = make_generator("smote_nc", {{"k_neighbors", k}});
  FitOptions options;
  options.classes = {1};
  options.spans = spans();
  g->fit(encode(all), y, options);
  return g;
}

// The category of a new row, checking that the block is an exact one-hot vector.
int category(const Matrix& s, size_t r) {
  EXPECT_TRUE((s(r, 2) == 1.0 && s(r, 3) == 0.0) || (s(r, 2) == 0.0 && s(r, 3) == 1.0)) << r;
  return s(r, 3) == 1.0 ? 1 : 0;
}

// Two groups of four, k = 3: each row's neighbours are the other three of its group. Left group
// A, B, B, B: every new row is B, also from the A row (its neighbours are B, B, B). Right group
// A, A, A, B: every new row is A. imbalanced-learn 0.10 agrees:
//   P2 = np.array([[0,0,0],[0.1,0.05,1],[0.2,-0.05,1],[0.3,0,1],[10,1,0],[10.1,1.05,0],
//                  [10.2,0.95,0],[10.3,1,1]]); N = the ten class 0 rows above
//   s2 = SMOTENC(categorical_features=[2], k_neighbors=3, random_state=0,
//                sampling_strategy={1: 2000}); new2 = s2.fit_resample(X2, y2)[0][len(X2):]
//   np.unique(new2[new2[:,0]<5][:,2])  # [1.]  (B)
//   np.unique(new2[new2[:,0]>5][:,2])  # [0.]  (A)
//   s2.median_std_                     # 2.751249142591568
TEST(SmoteNc, TakesTheCategoryMostFrequentAmongTheNeighbours) {
  auto g = fit({{0, 0, 0},
                {0.1, 0.05, 1},
                {0.2, -0.05, 1},
                {0.3, 0, 1},
                {10, 1, 0},
                {10.1, 1.05, 0},
                {10.2, 0.95, 0},
                {10.3, 1, 1}},
               3);
  EXPECT_NEAR(g->history()["classes"]["1"]["median_std"].get<double>(), 2.751249142591568, 1e-12);
  const Matrix s = g->sample(1, 1000, 4);
  size_t left = 0;
  for (size_t r = 0; r < s.rows; ++r) {
    if (s(r, 0) < 5) {
      ++left;
      EXPECT_EQ(category(s, r), 1) << "row " << r;
    } else {
      EXPECT_EQ(category(s, r), 0) << "row " << r;
    }
  }
  EXPECT_GT(left, 400u);
  EXPECT_LT(left, 600u);
}

// k = 1. The row at 0 (A) is nearer in numbers to 0.4 (B) than to 1 (A), but a different
// category costs Med^2 / 2 = 13.2 in squared distance (Med = 5.1435), so its neighbour is the A
// row at 1; every new row left of 5 is therefore A (the B row's neighbour is the A row at 0).
// Without the penalty the row at 0 would make B rows. imbalanced-learn 0.10 agrees:
//   P = np.array([[0,0,0],[0.4,0,1],[1,0,0],[20,0,1],[21,0,1],[22,0,1]], float)
//   s = SMOTENC(categorical_features=[2], k_neighbors=1, random_state=0,
//               sampling_strategy={1: 2000}); s.median_std_  # 5.143496432929214
//   categories of the new rows: x < 5 -> [0.] (A), x > 5 -> [1.] (B)
TEST(SmoteNc, ADifferentCategoryCostsMedSquaredOverTwo) {
  auto g = fit({{0, 0, 0}, {0.4, 0, 1}, {1, 0, 0}, {20, 0, 1}, {21, 0, 1}, {22, 0, 1}}, 1);
  EXPECT_NEAR(g->history()["classes"]["1"]["median_std"].get<double>(), 5.143496432929214, 1e-12);
  const Matrix s = g->sample(1, 600, 8);
  for (size_t r = 0; r < s.rows; ++r) {
    EXPECT_EQ(category(s, r), s(r, 0) < 5 ? 0 : 1) << "row " << r << " at " << s(r, 0);
  }
}

TEST(SmoteNc, WithoutCategoricalColumnsItIsSmote) {
  Matrix x(40, 3);
  std::vector<int> y(40, 0);
  for (size_t i = 0; i < 40; ++i) {
    y[i] = i % 3 == 0 ? 1 : 0;
    for (size_t c = 0; c < 3; ++c) x(i, c) = std::sin(1.7 * static_cast<double>(i * 3 + c));
  }
  FitOptions options;
  options.classes = {1};
  auto nc = make_generator("smote_nc");
  auto smote = make_generator("smote");
  nc->fit(x, y, options);
  smote->fit(x, y, options);
  const Matrix a = nc->sample(1, 200, 12);
  const Matrix b = smote->sample(1, 200, 12);
  ASSERT_EQ(a.data.size(), b.data.size());
  EXPECT_EQ(std::memcmp(a.data.data(), b.data.data(), a.data.size() * sizeof(double)), 0);
  // Numeric spans only: the same.
  options.spans = {{SpanKind::kNumeric, 0, 0, 1},
                   {SpanKind::kNumeric, 1, 1, 1},
                   {SpanKind::kMissingIndicator, 1, 2, 1}};
  nc->fit(x, y, options);
  const Matrix c = nc->sample(1, 200, 12);
  EXPECT_EQ(std::memcmp(c.data.data(), b.data.data(), c.data.size() * sizeof(double)), 0);
}

TEST(SmoteNc, BadLayoutsAreClearErrors) {
  const Matrix x = encode({{0, 0, 0}, {1, 1, 1}, {2, 2, 0}, {3, 3, 1}, {4, 4, 0}, {5, 5, 1}});
  const std::vector<int> y(6, 1);
  auto g = make_generator("smote_nc", {{"k_neighbors", 2}});
  FitOptions options;
  options.classes = {1};
  options.spans = {{SpanKind::kNumeric, 0, 0, 1}, {SpanKind::kOneHot, 2, 2, 2}};
  EXPECT_EQ(error_message([&] { g->fit(x, y, options); }),
            "smote_nc: fit: FitOptions.spans do not describe the columns of x: span 1 (table "
            "column 2) starts at model column 2, expected 1 (pass TableEncoder::spans() of the "
            "encoder that made x)");
  options.spans = {{SpanKind::kOneHot, 0, 0, 2}, {SpanKind::kOneHot, 1, 2, 2}};
  EXPECT_EQ(error_message([&] { g->fit(x, y, options); }),
            "smote_nc: fit: every column of the table is categorical; SMOTE-NC needs at least "
            "one numeric column (use 'random', or a model of categorical data)");
  options.spans = spans();
  options.spans.pop_back();
  EXPECT_EQ(error_message([&] { g->fit(x, y, options); }),
            "smote_nc: fit: FitOptions.spans do not describe the columns of x: they cover 2 "
            "columns but x has 4 (pass TableEncoder::spans() of the encoder that made x)");
}

TEST(SmoteNcConfig, RejectsBadValues) {
  EXPECT_EQ(error_message([] {
              make_generator("smote_nc", {{"k_neighbors", 0}});
            }),
            "smote_nc config: k_neighbors must be in [1, 1000], got 0");
}

}  // namespace
}  // namespace imbgen
