// ADASYN: the per-row counts follow the share of other-class neighbours of a hand-computed
// example, every new row lies on a segment from its base row to a class neighbour, and the
// degenerate case (no other-class neighbour at all) is a clear error.
#include <gtest/gtest.h>

#include <vector>

#include "generators/baseline_helpers.h"
#include "imbgen/core/error.h"
#include "imbgen/generators/generator.h"

namespace imbgen {
namespace {

using testing_helpers::error_message;
using testing_helpers::rows_of;
using testing_helpers::step_on_line;

// Class 1 rows P0..P5, class 0 rows around them. With K = 2 the other-class neighbours are
// Delta = [0, 0, 0, 1, 1, 2] (P3 at (10, 0.5) has (10.4, 0.2); P4 at (9.5, -0.4) has it too; P5
// at (20, 1) sits between (19.8, 0.9) and (20.3, 1.2)), so r = [0, 0, 0, .25, .25, .5].
//   /usr/bin/python3, scikit-learn 1.2.1 (imbalanced-learn's ADASYN steps):
//   P = np.array([[0,0],[1,0.3],[2,-0.2],[10,0.5],[9.5,-0.4],[20,1.0]])
//   N = np.array([[10.4,0.2],[19.8,0.9],[20.3,1.2],[30,0],[31,0.5],[32,-0.5],[40,0],[41,1]])
//   X = np.vstack([N,P]); y = np.array([0]*len(N)+[1]*len(P)); K = 2
//   idx = NearestNeighbors(n_neighbors=K+1).fit(X).kneighbors(X[y==1],
//                                                            return_distance=False)[:,1:]
//   delta = (y[idx] != 1).sum(1)              # [0, 0, 0, 1, 1, 2]
//   r = delta / K; r = r / r.sum()
//   np.rint(r * 8)                             # [0, 0, 0, 2, 2, 4]
//   np.rint(r * 10)                            # [0, 0, 0, 2, 2, 5]: 9 rows, not 10
//   NearestNeighbors(n_neighbors=K+1).fit(P).kneighbors(P, return_distance=False)[:,1:]
//                                 # [[1,2],[0,2],[1,0],[4,2],[3,2],[3,4]]
const std::vector<std::vector<double>> kClass = {{0, 0},    {1, 0.3},    {2, -0.2},
                                                 {10, 0.5}, {9.5, -0.4}, {20, 1.0}};
const std::vector<std::vector<size_t>> kWithin = {{1, 2}, {0, 2}, {1, 0}, {4, 2}, {3, 2}, {3, 4}};

void example(Matrix& x, std::vector<int>& y) {
  x = rows_of({{10.4, 0.2},
               {19.8, 0.9},
               {20.3, 1.2},
               {30, 0},
               {31, 0.5},
               {32, -0.5},
               {40, 0},
               {41, 1},
               {0, 0},
               {1, 0.3},
               {2, -0.2},
               {10, 0.5},
               {9.5, -0.4},
               {20, 1.0}});
  y = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1};
}

// Rows [first, first + count) of s lie on segments from class row `base` to one of its two
// class neighbours.
void expect_from_base(const Matrix& s, size_t first, size_t count, size_t base) {
  for (size_t r = first; r < first + count; ++r) {
    bool found = false;
    for (size_t nb : kWithin[base]) {
      double residual = 0.0;
      const double u = step_on_line(s.row(r), kClass[base].data(), kClass[nb].data(), 2, &residual);
      found = found || (residual < 1e-12 && u >= -1e-12 && u < 1.0 + 1e-12);
    }
    EXPECT_TRUE(found) << "row " << r << " is not from class row " << base;
  }
}

TEST(Adasyn, RowsPerClassRowFollowTheShareOfOtherClassNeighbours) {
  Matrix x;
  std::vector<int> y;
  example(x, y);
  auto g = make_generator("adasyn", {{"n_neighbors", 2}});
  FitOptions options;
  options.classes = {1};
  g->fit(x, y, options);
  EXPECT_EQ(g->history()["classes"]["1"],
            nlohmann::json({{"rows", 6}, {"rows_with_other_class_neighbors", 3}}));

  // n = 8: g = [0, 0, 0, 2, 2, 4], rows grouped by class row in order.
  const Matrix s = g->sample(1, 8, 1);
  ASSERT_EQ(s.rows, 8u);
  expect_from_base(s, 0, 2, 3);
  expect_from_base(s, 2, 2, 4);
  expect_from_base(s, 4, 4, 5);

  // n = 10: 2.5, 2.5, 5 -> largest remainders give the extra row to the lower index, so exactly
  // 10 rows ([3, 2, 5]) where np.rint gives 9.
  const Matrix t = g->sample(1, 10, 2);
  ASSERT_EQ(t.rows, 10u);
  expect_from_base(t, 0, 3, 3);
  expect_from_base(t, 3, 2, 4);
  expect_from_base(t, 5, 5, 5);
}

TEST(Adasyn, NoOtherClassNeighbourIsAClearError) {
  Matrix x = rows_of({{0, 0},
                      {0, 1},
                      {1, 0},
                      {1, 1},
                      {0.5, 0.5},
                      {0.2, 0.7},
                      {50, 50},
                      {50, 51},
                      {51, 50},
                      {51, 51}});
  std::vector<int> y = {1, 1, 1, 1, 1, 1, 0, 0, 0, 0};
  auto g = make_generator("adasyn");
  FitOptions options;
  options.classes = {1};
  ErrorKind kind{};
  EXPECT_EQ(error_message([&] { g->fit(x, y, options); }, &kind),
            "adasyn: class 1: none of the 5 nearest rows of any of its 6 rows is of another "
            "class, so every ADASYN weight is 0 and there is nothing to spread the new rows by "
            "(use smote)");
  EXPECT_EQ(kind, ErrorKind::kInvalidArgument);
  options.classes = {0};
  EXPECT_EQ(error_message([&] { g->fit(x, y, options); }),
            "adasyn: class 0 has 4 training rows; adasyn needs at least 6 (n_neighbors = 5 "
            "needs n_neighbors + 1 rows; lower n_neighbors or use 'random')");
}

TEST(AdasynConfig, RejectsBadValues) {
  EXPECT_EQ(error_message([] {
              make_generator("adasyn", {{"n_neighbors", -1}});
            }),
            "adasyn config: n_neighbors must be in [1, 1000], got -1");
  EXPECT_EQ(error_message([] {
              make_generator("adasyn", {{"k_neighbors", 5}});
            }),
            "adasyn config: unknown key 'k_neighbors' (valid keys: n_neighbors)");
}

}  // namespace
}  // namespace imbgen
