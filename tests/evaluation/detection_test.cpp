// Detection (classifier two-sample test): the ROC computation it relies on against scikit-learn,
// AUC near 0.5 for rows from one distribution and near 1 for shifted rows, and its errors.
#include "imbgen/evaluation/detection.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "imbgen/classifiers/metrics.h"
#include "imbgen/core/error.h"
#include "imbgen/core/rng.h"

namespace imbgen {
namespace {

Matrix gaussian(size_t n, size_t d, double shift, uint64_t seed) {
  Rng rng(seed);
  Matrix m(n, d);
  for (double& v : m.data) v = rng.normal() + shift;
  return m;
}

// from sklearn.metrics import roc_auc_score, roc_curve
// y = [0,0,1,1,0,1,0,1,1,0]; s = [0.1,0.4,0.35,0.8,0.4,0.9,0.2,0.4,0.7,0.05]
// roc_auc_score(y, s) -> 0.8799999999999999
// roc_curve(y, s, drop_intermediate=False) ->
//   fpr [0, 0, 0, 0, .4, .4, .6, .8, 1], tpr [0, .2, .4, .6, .8, 1, 1, 1, 1]
TEST(Detection, RocComputationMatchesScikitLearn) {
  const std::vector<int> y = {0, 0, 1, 1, 0, 1, 0, 1, 1, 0};
  const std::vector<double> s = {0.1, 0.4, 0.35, 0.8, 0.4, 0.9, 0.2, 0.4, 0.7, 0.05};
  EXPECT_NEAR(roc_auc(y, s), 0.8799999999999999, 1e-12);
  const Curve c = roc_curve(y, s);
  const std::vector<double> fpr = {0, 0, 0, 0, 0.4, 0.4, 0.6, 0.8, 1};
  const std::vector<double> tpr = {0, 0.2, 0.4, 0.6, 0.8, 1, 1, 1, 1};
  ASSERT_EQ(c.x.size(), fpr.size());
  for (size_t i = 0; i < fpr.size(); ++i) {
    EXPECT_NEAR(c.x[i], fpr[i], 1e-12);
    EXPECT_NEAR(c.y[i], tpr[i], 1e-12);
  }
  // Thinning for plots keeps both ends and evenly spaced points between.
  const Curve t = thin_curve(c, 3);
  EXPECT_EQ(t.x, (std::vector<double>{0, 0.4, 1}));
  EXPECT_EQ(t.y, (std::vector<double>{0, 0.8, 1}));
  EXPECT_EQ(thin_curve(c, 100).x.size(), fpr.size());
}

TEST(Detection, SameDistributionIsNearHalfAndShiftIsNearOne) {
  const Matrix real = gaussian(150, 4, 0.0, 1);
  for (const char* name : {"logistic", "xgboost"}) {
    SCOPED_TRACE(name);
    const DetectionResult same =
        detection_test(real, gaussian(300, 4, 0.0, 2), name, nlohmann::json::object(), 5, 7);
    EXPECT_EQ(same.rows_per_set, 150u);  // the larger set is subsampled to the smaller's size
    EXPECT_EQ(same.fold_roc_auc.size(), 5u);
    EXPECT_NEAR(same.roc_auc, 0.5, 0.15);
    const DetectionResult shifted =
        detection_test(real, gaussian(150, 4, 1.5, 3), name, nlohmann::json::object(), 5, 7);
    EXPECT_GT(shifted.roc_auc, 0.9);
    EXPECT_GT(shifted.pooled_roc_auc, 0.9);
    // The pooled curve runs from (0, 0) to (1, 1).
    EXPECT_EQ(shifted.roc.x.front(), 0.0);
    EXPECT_EQ(shifted.roc.y.back(), 1.0);
    double mean = 0.0;
    for (double v : shifted.fold_roc_auc) mean += v / 5.0;
    EXPECT_NEAR(shifted.roc_auc, mean, 1e-12);
  }
}

TEST(Detection, SameSeedSameResult) {
  const Matrix real = gaussian(60, 3, 0.0, 4), other = gaussian(80, 3, 0.3, 5);
  const DetectionResult a = detection_test(real, other, "xgboost", {{"n_estimators", 20}}, 3, 9);
  const DetectionResult b = detection_test(real, other, "xgboost", {{"n_estimators", 20}}, 3, 9);
  EXPECT_EQ(a.fold_roc_auc, b.fold_roc_auc);
}

TEST(Detection, RejectsBadInput) {
  const Matrix real = gaussian(4, 3, 0.0, 1);
  try {
    detection_test(real, gaussian(10, 3, 0.0, 2), "logistic", nlohmann::json::object(), 5, 1);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("5 folds need at least 5 rows in each set, got 4 real"),
              std::string::npos)
        << e.what();
  }
  EXPECT_THROW(detection_test(real, real, "logistic", nlohmann::json::object(), 1, 1), Error);
  EXPECT_THROW(detection_test(real, gaussian(4, 2, 0, 1), "logistic", {}, 2, 1), Error);
  EXPECT_THROW(detection_test(real, real, "no_such_model", nlohmann::json::object(), 2, 1), Error);
}

}  // namespace
}  // namespace imbgen
