// SMOTE: neighbours match scikit-learn, every synthetic row lies on a segment between a class row
// and one of its k nearest same-class neighbours, and too-small classes are refused.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

#include "generators/knn.h"
#include "imbgen/core/error.h"
#include "imbgen/core/rng.h"
#include "imbgen/generators/generator.h"

namespace imbgen {
namespace {

TEST(SmoteNeighbors, MatchScikitLearn) {
  const double pts[10][2] = {{0.0, 0.0}, {1.0, 0.2}, {2.1, 0.1}, {0.3, 1.7}, {1.6, 1.4},
                             {3.0, 2.2}, {0.9, 3.1}, {2.4, 3.3}, {4.2, 0.6}, {3.7, 3.9}};
  Matrix x(10, 2);
  for (size_t i = 0; i < 10; ++i) {
    x(i, 0) = pts[i][0];
    x(i, 1) = pts[i][1];
  }
  // /usr/bin/python3:
  //   from sklearn.neighbors import NearestNeighbors
  //   d, i = NearestNeighbors(n_neighbors=4).fit(X).kneighbors(X); print(i[:, 1:].tolist())
  const std::vector<std::vector<size_t>> expected = {{1, 3, 2}, {0, 2, 4}, {1, 4, 0}, {4, 6, 1},
                                                     {3, 1, 2}, {7, 4, 9}, {7, 3, 4}, {5, 9, 6},
                                                     {5, 2, 4}, {7, 5, 6}};
  const std::vector<size_t> nn = knn_within(x, 3);
  ASSERT_EQ(nn.size(), 30u);
  for (size_t i = 0; i < 10; ++i) {
    EXPECT_EQ(std::vector<size_t>(nn.begin() + 3 * i, nn.begin() + 3 * i + 3), expected[i]) << i;
  }
}

// The k nearest other rows of row i, computed independently (full sort of the distances).
std::vector<size_t> brute_knn(const Matrix& x, size_t i, size_t k) {
  std::vector<size_t> idx;
  for (size_t j = 0; j < x.rows; ++j) {
    if (j != i) idx.push_back(j);
  }
  auto dist = [&](size_t j) {
    double s = 0;
    for (size_t c = 0; c < x.cols; ++c) s += std::pow(x(i, c) - x(j, c), 2);
    return std::sqrt(s);
  };
  std::stable_sort(idx.begin(), idx.end(), [&](size_t a, size_t b) { return dist(a) < dist(b); });
  idx.resize(k);
  return idx;
}

TEST(Smote, EverySyntheticRowLiesOnASegmentToANearNeighbour) {
  // 40 rows of class 1 (4 columns, different scales) among 100 rows of class 0.
  Rng rng(17);
  Matrix x(140, 4);
  std::vector<int> y(140, 0);
  for (size_t i = 0; i < x.rows; ++i) {
    y[i] = i % 7 < 2 ? 1 : 0;
    for (size_t c = 0; c < 4; ++c) x(i, c) = rng.normal() * (c + 1) + (y[i] ? 3.0 : 0.0);
  }
  std::vector<size_t> rows1;
  for (size_t i = 0; i < y.size(); ++i) {
    if (y[i] == 1) rows1.push_back(i);
  }
  const Matrix m = x.select_rows(rows1);
  const size_t k = 5;

  auto g = make_generator("smote");
  FitOptions options;
  options.classes = {1};
  g->fit(x, y, options);
  const Matrix s = g->sample(1, 400, 99);
  size_t strictly_inside = 0;
  for (size_t r = 0; r < s.rows; ++r) {
    bool found = false;
    for (size_t i = 0; i < m.rows && !found; ++i) {
      for (size_t j : brute_knn(m, i, k)) {
        // u = <s - a, b - a> / |b - a|^2, then the residual of s - (a + u (b - a)).
        double num = 0, den = 0;
        for (size_t c = 0; c < 4; ++c) {
          num += (s(r, c) - m(i, c)) * (m(j, c) - m(i, c));
          den += (m(j, c) - m(i, c)) * (m(j, c) - m(i, c));
        }
        const double u = num / den;
        double resid = 0;
        for (size_t c = 0; c < 4; ++c) {
          resid = std::max(resid, std::abs(s(r, c) - (m(i, c) + u * (m(j, c) - m(i, c)))));
        }
        if (resid < 1e-9 && u >= -1e-12 && u <= 1.0 + 1e-12) {
          found = true;
          if (u > 1e-6 && u < 1 - 1e-6) ++strictly_inside;
          break;
        }
      }
    }
    ASSERT_TRUE(found) << "synthetic row " << r << " is on no segment to a 5-nearest neighbour";
  }
  EXPECT_GT(strictly_inside, 390u);  // u ~ U[0, 1): almost never an endpoint
}

TEST(Smote, AClassWithTooFewRowsIsRefused) {
  Matrix x(12, 2, 0.0);
  std::vector<int> y = {0, 0, 0, 0, 0, 0, 0, 2, 2, 2, 2, 2};
  for (size_t i = 0; i < 12; ++i) x(i, 0) = static_cast<double>(i);
  auto g = make_generator("smote");
  FitOptions options;
  options.classes = {2};
  try {
    g->fit(x, y, options);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInvalidArgument);
    EXPECT_STREQ(e.what(),
                 "smote: class 2 has 5 training rows; smote needs at least 6 (k_neighbors = 5 "
                 "needs k_neighbors + 1 rows; lower k_neighbors or use 'random')");
  }
  auto small_k = make_generator("smote", {{"k_neighbors", 4}});
  small_k->fit(x, y, options);
  EXPECT_EQ(small_k->sample(2, 10, 1).rows, 10u);
}

}  // namespace
}  // namespace imbgen
