// Tests for StandardScaler against scikit-learn's values, the inverse-transform round trip and the
// JSON form.
#include "imbgen/data/scaler.h"

#include <gtest/gtest.h>

#include <cmath>

#include "imbgen/core/error.h"
#include "imbgen/core/rng.h"

namespace imbgen {
namespace {

Matrix from_rows(const std::vector<std::vector<double>>& rows) {
  Matrix m(rows.size(), rows.empty() ? 0 : rows[0].size());
  for (size_t i = 0; i < rows.size(); ++i) {
    for (size_t j = 0; j < m.cols; ++j) m(i, j) = rows[i][j];
  }
  return m;
}

// Expected values from scikit-learn 1.2.1 (/usr/bin/python3):
//   import numpy as np
//   from sklearn.preprocessing import StandardScaler
//   X = np.array([[1.0, -2.5, 7.0, 1e6],
//                 [2.0,  0.0, 7.0, 1e6 + 1],
//                 [4.0,  3.5, 7.0, 1e6 + 3],
//                 [8.0,  1.25, 7.0, 1e6 + 2],
//                 [16.0, -0.75, 7.0, 1e6 + 5]])
//   s = StandardScaler().fit(X)
//   print(s.mean_.tolist(), s.scale_.tolist(), s.transform(X).tolist())
//   Y = np.array([[0.1 + 0.2], [0.3], [0.3]])
//   print(StandardScaler().fit(Y).scale_.tolist())   # [1.0]: near-constant column
TEST(StandardScaler, MatchesScikitLearn) {
  const Matrix x = from_rows({{1.0, -2.5, 7.0, 1e6},
                              {2.0, 0.0, 7.0, 1e6 + 1},
                              {4.0, 3.5, 7.0, 1e6 + 3},
                              {8.0, 1.25, 7.0, 1e6 + 2},
                              {16.0, -0.75, 7.0, 1e6 + 5}});
  StandardScaler s;
  EXPECT_FALSE(s.fitted());
  s.fit(x);
  EXPECT_TRUE(s.fitted());
  const std::vector<double> mean = {6.2, 0.3, 7.0, 1000002.2};
  const std::vector<double> scale = {5.455272678794343, 2.008730942660067, 1.0, 1.7204650534085253};
  const std::vector<std::vector<double>> z = {
      {-0.9532062476387962, -1.3939149044481254, 0.0, -1.2787240261549462},
      {-0.7698973538621047, -0.14934802547658488, 0.0, -0.6974858324358497},
      {-0.4032795663087215, 1.593045605083572, 0.0, 0.46499055500234315},
      {0.3299560087980448, 0.47293541400918543, 0.0, -0.11624763871675327},
      {1.7964271590115777, -0.5227180891680471, 0.0, 1.627466942440536}};
  ASSERT_EQ(s.mean().size(), 4u);
  for (size_t j = 0; j < 4; ++j) {
    EXPECT_NEAR(s.mean()[j], mean[j], 1e-12 * std::max(1.0, std::abs(mean[j])));
    EXPECT_NEAR(s.scale()[j], scale[j], 1e-12 * scale[j]);
  }
  const Matrix t = s.transform(x);
  for (size_t i = 0; i < 5; ++i) {
    for (size_t j = 0; j < 4; ++j) EXPECT_NEAR(t(i, j), z[i][j], 1e-9) << i << "," << j;
  }
  Matrix inplace = x;
  s.transform_inplace(inplace);
  EXPECT_EQ(inplace.data, t.data);

  StandardScaler near_constant;
  near_constant.fit(from_rows({{0.1 + 0.2}, {0.3}, {0.3}}));
  EXPECT_EQ(near_constant.scale()[0], 1.0);
}

TEST(StandardScaler, InverseTransformRoundTrips) {
  // Property loop: random shapes, offsets and spreads, constant columns included.
  Rng rng(77);
  for (int trial = 0; trial < 200; ++trial) {
    const size_t n = 1 + rng.index(40), d = 1 + rng.index(6);
    Matrix x(n, d);
    for (size_t j = 0; j < d; ++j) {
      const double offset = rng.normal() * std::pow(10.0, static_cast<double>(rng.index(8)));
      const double spread = rng.index(5) == 0 ? 0.0 : std::pow(10.0, rng.normal() * 2.0);
      for (size_t i = 0; i < n; ++i) x(i, j) = offset + spread * rng.normal();
    }
    StandardScaler s;
    s.fit(x);
    const Matrix z = s.transform(x);
    const Matrix back = s.inverse_transform(z);
    for (size_t i = 0; i < n; ++i) {
      for (size_t j = 0; j < d; ++j) {
        ASSERT_NEAR(back(i, j), x(i, j), 1e-12 * (std::abs(x(i, j)) + s.scale()[j]))
            << "trial " << trial;
      }
    }
    if (n >= 2) {  // standardised columns: mean 0, population std 1 (or all 0 when constant)
      for (size_t j = 0; j < d; ++j) {
        double m = 0, v = 0;
        for (size_t i = 0; i < n; ++i) m += z(i, j);
        m /= static_cast<double>(n);
        for (size_t i = 0; i < n; ++i) v += (z(i, j) - m) * (z(i, j) - m);
        v /= static_cast<double>(n);
        // Rounding in x - mean grows with how far the mean is from 0 in units of the scale.
        const double tol =
            1e-12 * static_cast<double>(n) * (1.0 + std::abs(s.mean()[j]) / s.scale()[j]);
        ASSERT_NEAR(m, 0.0, tol);
        if (s.scale()[j] != 1.0) {
          ASSERT_NEAR(v, 1.0, tol);
        }
      }
    }
  }
}

TEST(StandardScaler, JsonRoundTripIsExact) {
  Rng rng(5);
  Matrix x(30, 3);
  for (double& v : x.data) v = rng.normal() * 1e3 + 0.1;
  StandardScaler s;
  s.fit(x);
  const nlohmann::json j = s.to_json();
  EXPECT_EQ(j.at("format"), "imbgen.standard_scaler");
  EXPECT_EQ(j.at("version"), 1);
  const StandardScaler back = StandardScaler::from_json(nlohmann::json::parse(j.dump()));
  EXPECT_EQ(back.mean(), s.mean());
  EXPECT_EQ(back.scale(), s.scale());
}

TEST(StandardScaler, FromJsonReportsEveryProblem) {
  nlohmann::json j = {{"format", "imbgen.standard_scaler"},
                      {"version", 2},
                      {"mean", {1.0, 2.0}},
                      {"scale", {1.0, 0.0, -1.0}},
                      {"extra", true}};
  try {
    StandardScaler::from_json(j);
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_EQ(e.kind(), ErrorKind::kInvalidArgument);
    EXPECT_NE(msg.find("unknown key 'extra'"), std::string::npos) << msg;
    EXPECT_NE(msg.find("\"version\" must be 1, got 2"), std::string::npos) << msg;
    EXPECT_NE(msg.find("\"mean\" has 2 values but \"scale\" has 3"), std::string::npos) << msg;
    EXPECT_NE(msg.find("scale[1] must be a finite number > 0"), std::string::npos) << msg;
    EXPECT_NE(msg.find("scale[2] must be a finite number > 0"), std::string::npos) << msg;
  }
  EXPECT_THROW(StandardScaler::from_json(nlohmann::json::array()), Error);
  EXPECT_THROW(StandardScaler::from_json(
                   {{"format", "other"}, {"version", 1}, {"mean", {1}}, {"scale", {1}}}),
               Error);
}

TEST(StandardScaler, RejectsMisuse) {
  StandardScaler s;
  EXPECT_THROW(s.transform(Matrix(2, 2)), Error);
  EXPECT_THROW(s.fit(Matrix(0, 3)), Error);
  s.fit(Matrix(3, 2, 1.0));
  try {
    s.transform(Matrix(2, 3));
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("fitted on 2 columns, got 3"), std::string::npos)
        << e.what();
  }
  EXPECT_THROW(s.inverse_transform(Matrix(1, 1)), Error);
}

}  // namespace
}  // namespace imbgen
