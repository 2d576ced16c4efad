// SVM-SMOTE: the support vectors and their danger/safe split match scikit-learn's SVC and
// imbalanced-learn's rule on a small example; danger vectors interpolate toward class neighbours,
// safe ones extrapolate away from them by at most out_step.
#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "generators/baseline_helpers.h"
#include "imbgen/core/error.h"
#include "imbgen/generators/generator.h"

namespace imbgen {
namespace {

using testing_helpers::error_message;
using testing_helpers::step_on_line;

// /usr/bin/python3 (scikit-learn 1.2.1, imbalanced-learn 0.10):
//   rng = np.random.RandomState(3)
//   N = np.round(rng.normal(0, 1, (30, 2)), 2); P = np.round(rng.normal(1.6, 0.8, (12, 2)), 2)
//   X = np.vstack([N, P]); y = np.array([0]*30 + [1]*12)
//   svc = SVC(gamma='scale').fit(X, y); sv = svc.support_[y[svc.support_] == 1]
//   # sorted(sv) = [32, 33, 34, 35, 38, 39, 40, 41]
//   s = SVMSMOTE(m_neighbors=4, k_neighbors=2); s._validate_estimator(); s.nn_m_.fit(X)
//   noise = s._in_danger_noise(s.nn_m_, X[sv], 1, y, kind='noise'); kept = sv[~noise]
//   danger = s._in_danger_noise(s.nn_m_, X[kept], 1, y, kind='danger')
//   # noise 0; danger rows [32, 33, 35, 40, 41]; safe rows [34, 38, 39]
const double kN[30][2] = {
    {1.79, 0.44},   {0.1, -1.86},  {-0.28, -0.35}, {-0.08, -0.63}, {-0.04, -0.48}, {-1.31, 0.88},
    {0.88, 1.71},   {0.05, -0.4},  {-0.55, -1.55}, {0.98, -1.1},   {-1.19, -0.21}, {1.49, 0.24},
    {-1.02, -0.71}, {0.63, -0.16}, {-0.77, -0.23}, {0.75, 1.98},   {-1.24, -0.63}, {-0.8, -2.42},
    {-0.92, -1.02}, {1.12, -0.13}, {-1.62, 0.65},  {-0.36, -1.74}, {-0.6, -0.59},  {-0.87, 0.03},
    {-2.25, -0.27}, {1.01, 0.85},  {1.11, 1.12},   {1.49, -1.12},  {0.85, -1.86},  {-0.6, -1.91}};
const double kP[12][2] = {{2.44, 2.67}, {1.44, 3.02}, {1.06, 1.72}, {1.72, 0.75},
                          {1.95, 3.15}, {0.78, 2.32}, {1.48, 3.02}, {1.99, 2.14},
                          {2.11, 1.8},  {0.48, 2.71}, {0.5, 1.79},  {2.09, 0.93}};
// Class rows (index into kP, row of X - 30) of the danger and safe support vectors.
const std::vector<size_t> kDanger = {2, 3, 5, 10, 11};
const std::vector<size_t> kSafe = {4, 8, 9};

void example(Matrix& x, std::vector<int>& y) {
  x = Matrix(42, 2);
  y.assign(42, 0);
  for (size_t i = 0; i < 30; ++i) std::copy(kN[i], kN[i] + 2, x.row(i));
  for (size_t i = 0; i < 12; ++i) {
    std::copy(kP[i], kP[i] + 2, x.row(30 + i));
    y[30 + i] = 1;
  }
}

// The two nearest other class rows of class row i.
std::vector<size_t> class_neighbors(size_t i) {
  std::vector<size_t> idx;
  for (size_t j = 0; j < 12; ++j) {
    if (j != i) idx.push_back(j);
  }
  auto d2 = [&](size_t j) {
    return (kP[i][0] - kP[j][0]) * (kP[i][0] - kP[j][0]) +
           (kP[i][1] - kP[j][1]) * (kP[i][1] - kP[j][1]);
  };
  std::stable_sort(idx.begin(), idx.end(), [&](size_t a, size_t b) { return d2(a) < d2(b); });
  return {idx[0], idx[1]};
}

// Whether row s is anchor + step * (neighbour - anchor) for an anchor in `anchors`, one of its
// two class neighbours and a step in [lo, hi].
bool made_from(const double* s, const std::vector<size_t>& anchors, double lo, double hi) {
  for (size_t a : anchors) {
    for (size_t nb : class_neighbors(a)) {
      double residual = 0.0;
      const double step = step_on_line(s, kP[a], kP[nb], 2, &residual);
      if (residual < 1e-12 && step >= lo - 1e-12 && step <= hi + 1e-12) return true;
    }
  }
  return false;
}

TEST(SvmSmote, DangerAndSafeSupportVectorsMatchScikitLearn) {
  Matrix x;
  std::vector<int> y;
  example(x, y);
  auto g = make_generator("svm_smote", {{"m_neighbors", 4}, {"k_neighbors", 2}});
  FitOptions options;
  options.classes = {1};
  g->fit(x, y, options);
  EXPECT_EQ(g->history()["classes"]["1"],
            nlohmann::json({{"rows", 12}, {"danger", 5}, {"safe", 3}, {"noise", 0}}));

  // Danger rows first (interpolation, step in [0, 1)), then safe rows (extrapolation, step in
  // (-0.5, 0]); a Beta(10, 10) share of the 400 rows is danger.
  const Matrix s = g->sample(1, 400, 21);
  size_t r = 0;
  while (r < s.rows && made_from(s.row(r), kDanger, 0.0, 1.0)) ++r;
  const size_t n_danger = r;
  for (; r < s.rows; ++r) {
    EXPECT_TRUE(made_from(s.row(r), kSafe, -0.5, 0.0)) << "row " << r;
  }
  EXPECT_GT(n_danger, 60u);  // Beta(10, 10) lies in [0.15, 0.85] with probability ~0.9999
  EXPECT_LT(n_danger, 340u);
}

TEST(SvmSmote, OutStepZeroCopiesTheSafeSupportVectors) {
  Matrix x;
  std::vector<int> y;
  example(x, y);
  auto g = make_generator("svm_smote", {{"m_neighbors", 4}, {"k_neighbors", 2}, {"out_step", 0.0}});
  FitOptions options;
  options.classes = {1};
  g->fit(x, y, options);
  const Matrix s = g->sample(1, 300, 2);
  size_t copies = 0;
  for (size_t i = 0; i < s.rows; ++i) {
    for (size_t a : kSafe) {
      copies += (s(i, 0) == kP[a][0] && s(i, 1) == kP[a][1]) ? 1 : 0;
    }
  }
  EXPECT_GT(copies, 30u);
}

TEST(SvmSmote, MaxSvmRowsKeepsTheModelledClassesAndSamplesTheOthers) {
  // 138 rows of class 0 (the example's, repeated with small shifts) and the 12 of class 1.
  Matrix x(150, 2);
  std::vector<int> y(150, 0);
  for (size_t i = 0; i < 138; ++i) {
    x(i, 0) = kN[i % 30][0] + 0.01 * static_cast<double>(i / 30);
    x(i, 1) = kN[i % 30][1];
  }
  for (size_t i = 0; i < 12; ++i) {
    std::copy(kP[i], kP[i] + 2, x.row(138 + i));
    y[138 + i] = 1;
  }
  FitOptions options;
  options.classes = {1};
  auto g = make_generator("svm_smote", {{"m_neighbors", 4}, {"max_svm_rows", 100}});
  g->fit(x, y, options);  // the SVM sees the 12 rows of class 1 and 88 of class 0
  EXPECT_EQ(g->history()["classes"]["1"]["rows"], 12);
  EXPECT_EQ(g->sample(1, 50, 1).rows, 50u);
  options.classes = {0, 1};
  EXPECT_EQ(error_message([&] { g->fit(x, y, options); }),
            "svm_smote: fit: the modelled classes have 150 rows, max_svm_rows = 100 leaves no "
            "room for the other classes (raise max_svm_rows, or 0 for all)");
}

TEST(SvmSmote, OnlyNoiseSupportVectorsIsAClearError) {
  // Each class 1 row sits in the middle of four class 0 rows: all its m = 3 nearest rows are of
  // class 0, so every support vector is noise. scikit-learn agrees that all six are support
  // vectors:
  //   P = np.array([[10.0*i, 0] for i in range(6)])
  //   N = np.array([p + d for p in P for d in [(0.1,0),(-0.1,0),(0,0.1),(0,-0.1)]])
  //   X = np.vstack([N, P]); y = np.array([0]*len(N) + [1]*len(P))
  //   s = SVC(gamma='scale').fit(X, y); s.support_[y[s.support_] == 1]  # [24, ..., 29]
  Matrix x(30, 2);
  std::vector<int> y(30, 0);
  const double d[4][2] = {{0.1, 0}, {-0.1, 0}, {0, 0.1}, {0, -0.1}};
  for (size_t i = 0; i < 6; ++i) {
    for (size_t t = 0; t < 4; ++t) {
      x(4 * i + t, 0) = 10.0 * static_cast<double>(i) + d[t][0];
      x(4 * i + t, 1) = d[t][1];
    }
    x(24 + i, 0) = 10.0 * static_cast<double>(i);
    y[24 + i] = 1;
  }
  auto g = make_generator("svm_smote", {{"m_neighbors", 3}, {"k_neighbors", 2}});
  FitOptions options;
  options.classes = {1};
  ErrorKind kind{};
  EXPECT_EQ(error_message([&] { g->fit(x, y, options); }, &kind),
            "svm_smote: class 1 has 6 support vectors, every one noise (all 3 of its m_neighbors "
            "nearest rows are of other classes); SVM-SMOTE has no row to start from (use smote or "
            "borderline_smote)");
  EXPECT_EQ(kind, ErrorKind::kInvalidArgument);
}

TEST(SvmSmoteConfig, RejectsBadValues) {
  EXPECT_EQ(error_message([] {
              make_generator("svm_smote", {{"out_step", 1.5}, {"svm_c", 0.0}, {"max_svm_rows", 5}});
            }),
            "svm_smote config: out_step must be in [0, 1], got 1.5; svm_c must be a finite "
            "number > 0, got 0; max_svm_rows must be 0 (every row) or at least 100, got 5");
}

}  // namespace
}  // namespace imbgen
