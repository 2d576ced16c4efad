// The quantile transformer of TabDDPM: agreement with scikit-learn's
// QuantileTransformer(output_distribution="normal"), round trips, and its binary form.
#include "generators/quantile.h"

#include <gtest/gtest.h>

#include <cmath>
#include <sstream>
#include <string>
#include <vector>

#include "generators/binary_io.h"
#include "imbgen/core/error.h"
#include "imbgen/core/rng.h"

namespace imbgen {
namespace {

Matrix from_rows(const std::vector<std::vector<double>>& rows) {
  Matrix m(rows.size(), rows[0].size());
  for (size_t i = 0; i < rows.size(); ++i) {
    for (size_t j = 0; j < rows[i].size(); ++j) m(i, j) = rows[i][j];
  }
  return m;
}

void expect_near(const Matrix& got, const std::vector<std::vector<double>>& want, double tol,
                 const std::string& what) {
  ASSERT_EQ(got.rows, want.size()) << what;
  for (size_t i = 0; i < got.rows; ++i) {
    for (size_t j = 0; j < got.cols; ++j) {
      EXPECT_NEAR(got(i, j), want[i][j], tol) << what << " row " << i << " column " << j;
    }
  }
}

// Reference values from scikit-learn 1.2.1 (numpy 1.24.2, scipy 1.10.1):
//   import numpy as np
//   from sklearn.preprocessing import QuantileTransformer
//   X = np.array([[3.0, 0.5], [1.0, 0.5], [4.0, 0.5], [1.0, 2.0], [5.0, 2.0], [9.0, 7.5],
//                 [2.0, 0.5], [6.0, -1.0], [5.0, 3.0], [3.0, 0.5], [5.0, 2.0], [8.0, 10.0]])
//   Q = np.array([[0.0, -2.0], [1.0000001, 0.55], [2.5, 1.0], [7.0, 5.0], [9.0, 10.0],
//                 [12.0, 11.0]])
//   Z = np.array([[-6.0, -1.5], [-0.3, 0.0], [0.0, 0.7], [1.2, 5.0]])
//   qt = QuantileTransformer(output_distribution="normal",
//                            n_quantiles=min(1000, len(X))).fit(X)
//   print(qt.transform(X), qt.transform(Q), qt.inverse_transform(Z))
//   qt5 = QuantileTransformer(output_distribution="normal", n_quantiles=5).fit(X)
//   print(qt5.quantiles_, qt5.transform(Q), qt5.inverse_transform(Z))
// (values printed with 15 significant digits). The columns have ties, so the averaged
// ascending/descending interpolation matters.
const std::vector<std::vector<double>> kX = {{3.0, 0.5}, {1.0, 0.5}, {4.0, 0.5}, {1.0, 2.0},
                                             {5.0, 2.0}, {9.0, 7.5}, {2.0, 0.5}, {6.0, -1.0},
                                             {5.0, 3.0}, {3.0, 0.5}, {5.0, 2.0}, {8.0, 10.0}};
const std::vector<std::vector<double>> kQ = {{0.0, -2.0}, {1.0000001, 0.55}, {2.5, 1.0},
                                             {7.0, 5.0},  {9.0, 10.0},       {12.0, 11.0}};
const std::vector<std::vector<double>> kZ = {{-6.0, -1.5}, {-0.3, 0.0}, {0.0, 0.7}, {1.2, 5.0}};

TEST(QuantileNormalTransformer, MatchesScikitLearnWithOneQuantilePerRow) {
  QuantileNormalTransformer qt;
  qt.fit(from_rows(kX), 1000);  // min(1000, 12 rows) = 12 levels
  EXPECT_EQ(qt.n_quantiles(), 12u);
  EXPECT_NEAR(qt.references()[1], 1.0 / 11.0, 1e-15);
  expect_near(qt.transform(from_rows(kX)),
              {{-0.472789120992267, -0.604585346583237},
               {-5.19933758260558, -0.604585346583237},
               {-0.114185294321428, -0.604585346583237},
               {-5.19933758260558, 0.348755695517045},
               {0.348755695517045, 0.348755695517045},
               {5.19933758270342, 1.33517773611894},
               {-0.908457868537385, -0.604585346583237},
               {0.908457868537385, -5.19933758260558},
               {0.348755695517045, 0.908457868537385},
               {-0.472789120992267, -0.604585346583237},
               {0.348755695517045, 0.348755695517045},
               {1.33517773611894, 5.19933758270342}},
              1e-9, "transform(X)");
  expect_near(qt.transform(from_rows(kQ)),
              {{-5.19933758260558, -5.19933758260558},
               {-1.3351776805534, -0.106543031914974},
               {-0.747858594763302, -0.0379883512302822},
               {1.09680356209351, 1.07398750264033},
               {5.19933758270342, 5.19933758270342},
               {5.19933758270342, 5.19933758270342}},
              1e-9, "transform(Q)");
  expect_near(qt.inverse_transform(from_rows(kZ)),
              {{1.0, 0.102318820936158},
               {3.20297435592152, 1.25},
               {4.5, 2.3383998255462},
               {7.46846725512242, 9.99999211708177}},
              1e-9, "inverse_transform(Z)");
}

TEST(QuantileNormalTransformer, MatchesScikitLearnWithFewerQuantilesThanRows) {
  QuantileNormalTransformer qt;
  qt.fit(from_rows(kX), 5);
  ASSERT_EQ(qt.n_quantiles(), 5u);
  const std::vector<std::vector<double>> quantiles = {
      {1.0, -1.0}, {2.75, 0.5}, {4.5, 1.25}, {5.25, 2.25}, {9.0, 10.0}};
  for (size_t k = 0; k < 5; ++k) {
    EXPECT_NEAR(qt.quantiles(0)[k], quantiles[k][0], 1e-12) << k;
    EXPECT_NEAR(qt.quantiles(1)[k], quantiles[k][1], 1e-12) << k;
  }
  expect_near(qt.transform(from_rows(kQ)),
              {{-5.19933758260558, -5.19933758260558},
               {-5.19933758260558, -0.622925723210088},
               {-0.791638607743375, -0.210428394247925},
               {1.11077161663679, 0.989168627340635},
               {5.19933758270342, 5.19933758270342},
               {5.19933758270342, 5.19933758270342}},
              1e-9, "transform(Q)");
  expect_near(qt.inverse_transform(from_rows(kZ)),
              {{1.0, -0.599156792386852},
               {3.67462004467733, 1.25},
               {4.5, 2.49912678108474},
               {7.27395494667438, 9.99999111380127}},
              1e-9, "inverse_transform(Z)");
}

TEST(QuantileNormalTransformer, RoundTripsValuesInsideTheTrainingRange) {
  // Seeded property loop: skewed columns with and without ties; any value between the smallest
  // and largest training value comes back (the maps are monotone and piecewise linear).
  Rng rng(11);
  for (int trial = 0; trial < 5; ++trial) {
    const size_t n = 20 + 150 * static_cast<size_t>(trial);
    Matrix x(n, 2);
    for (size_t i = 0; i < n; ++i) {
      x(i, 0) = std::exp(2.0 * rng.normal());     // log-normal
      x(i, 1) = std::floor(4.0 * rng.uniform());  // heavy ties: 0, 1, 2, 3
    }
    QuantileNormalTransformer qt;
    qt.fit(x, 100);
    const std::vector<double>& q0 = qt.quantiles(0);
    for (int k = 0; k < 200; ++k) {
      const double v = q0.front() + (q0.back() - q0.front()) * (0.001 + 0.998 * rng.uniform());
      const double z = qt.transform(0, v);
      EXPECT_GE(z, QuantileNormalTransformer::min_output());
      EXPECT_LE(z, QuantileNormalTransformer::max_output());
      EXPECT_NEAR(qt.inverse_transform(0, z), v, 1e-9 * (1.0 + std::fabs(v))) << "trial " << trial;
    }
    // A tied column comes back to its values.
    for (double v : {0.0, 1.0, 2.0, 3.0}) {
      EXPECT_NEAR(qt.inverse_transform(1, qt.transform(1, v)), v, 1e-9);
    }
    // The transform is non-decreasing.
    double last = -1e300;
    for (int k = 0; k <= 100; ++k) {
      const double z = qt.transform(0, q0.front() + (q0.back() - q0.front()) * k / 100.0);
      EXPECT_GE(z, last);
      last = z;
    }
  }
}

TEST(QuantileNormalTransformer, SavesAndLoadsExactly) {
  QuantileNormalTransformer qt;
  qt.fit(from_rows(kX), 7);
  std::stringstream buffer;
  BinaryWriter w(buffer);
  qt.save(w);
  BinaryReader r(buffer);
  const QuantileNormalTransformer back = QuantileNormalTransformer::load(r);
  ASSERT_EQ(back.cols(), 2u);
  EXPECT_EQ(back.references(), qt.references());
  for (size_t c = 0; c < 2; ++c) EXPECT_EQ(back.quantiles(c), qt.quantiles(c));
  const Matrix a = qt.transform(from_rows(kQ));
  const Matrix b = back.transform(from_rows(kQ));
  EXPECT_EQ(a.data, b.data);
}

TEST(QuantileNormalTransformer, LoadRejectsQuantilesThatDecrease) {
  std::stringstream buffer;
  BinaryWriter w(buffer);
  w.u64(1);
  w.f64_vector({1.0, 3.0, 2.0});
  BinaryReader r(buffer);
  try {
    QuantileNormalTransformer::load(r);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInvalidArgument);
    EXPECT_STREQ(e.what(),
                 "corrupt: the quantiles of numeric column 0 are not finite and non-decreasing");
  }
}

}  // namespace
}  // namespace imbgen
