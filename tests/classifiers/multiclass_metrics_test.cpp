// Multi-class metrics checked against scikit-learn 1.2 on a 4-class example (one class never a
// label, one row with tied scores), the binary case, and the input errors.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "imbgen/classifiers/metrics.h"
#include "imbgen/core/error.h"

namespace imbgen {
namespace {

// /usr/bin/python3 (scikit-learn 1.2.1):
//   rng = np.random.RandomState(7)
//   y = rng.randint(0, 3, 24); s = np.round(rng.dirichlet([1, 1, 1, 0.5], 24), 2)
//   s[5] = [0.3, 0.3, 0.2, 0.2]; pred = s.argmax(1)
//   P, R, F, S = precision_recall_fscore_support(y, pred, labels=range(4), zero_division=0)
//   precision_score / recall_score / f1_score(y, pred, labels=range(4), average=...,
//                                             zero_division=0)
//   accuracy_score(y, pred); balanced_accuracy_score(y, pred); matthews_corrcoef(y, pred)
//   [roc_auc_score(y == c, s[:, c]) for c in range(3)]
//   [average_precision_score(y == c, s[:, c]) for c in range(3)]
//   confusion_matrix(y, pred, labels=range(4))
const std::vector<int> kY = {0, 1, 2, 0, 1, 2, 0, 1, 2, 2, 2, 0,
                             2, 0, 0, 0, 0, 2, 2, 0, 0, 1, 0, 0};
const double kS[24][4] = {
    {0.09, 0.43, 0.09, 0.38}, {0.31, 0.55, 0.12, 0.03}, {0.16, 0.08, 0.48, 0.29},
    {0.31, 0.24, 0.43, 0.01}, {0.23, 0.11, 0.09, 0.57}, {0.3, 0.3, 0.2, 0.2},
    {0.25, 0.35, 0.38, 0.02}, {0.29, 0.16, 0.41, 0.14}, {0.15, 0.7, 0.04, 0.1},
    {0.62, 0.05, 0.18, 0.15}, {0.69, 0.29, 0.02, 0.0},  {0.2, 0.46, 0.28, 0.06},
    {0.56, 0.06, 0.14, 0.25}, {0.05, 0.66, 0.28, 0.02}, {0.26, 0.23, 0.39, 0.12},
    {0.06, 0.15, 0.54, 0.25}, {0.15, 0.14, 0.14, 0.56}, {0.02, 0.64, 0.33, 0.01},
    {0.57, 0.05, 0.34, 0.03}, {0.07, 0.57, 0.29, 0.07}, {0.42, 0.29, 0.01, 0.28},
    {0.12, 0.39, 0.36, 0.12}, {0.12, 0.66, 0.15, 0.07}, {0.73, 0.2, 0.04, 0.03}};

Matrix scores(size_t k) {
  Matrix m(24, k);
  for (size_t i = 0; i < 24; ++i) {
    for (size_t c = 0; c < k; ++c) m(i, c) = kS[i][c];
  }
  return m;
}

constexpr double kTol = 1e-12;

TEST(MulticlassMetrics, MatchScikitLearn) {
  const MulticlassMetrics m = multiclass_metrics(kY, scores(4));
  const std::vector<double> precision = {0.2857142857142857, 0.2222222222222222,
                                         0.16666666666666666, 0.0};
  const std::vector<double> recall = {0.16666666666666666, 0.5, 0.125, 0.0};
  const std::vector<double> f1 = {0.2105263157894737, 0.30769230769230765, 0.14285714285714288,
                                  0.0};
  const std::vector<int64_t> support = {12, 4, 8, 0};
  const std::vector<double> auc = {0.34375, 0.475, 0.4453125};
  const std::vector<double> ap = {0.47482956135786264, 0.19133986928104577, 0.3458896974721783};
  ASSERT_EQ(m.classes.size(), 4u);
  for (size_t c = 0; c < 4; ++c) {
    EXPECT_NEAR(m.classes[c].precision, precision[c], kTol) << c;
    EXPECT_NEAR(m.classes[c].recall, recall[c], kTol) << c;
    EXPECT_NEAR(m.classes[c].f1, f1[c], kTol) << c;
    EXPECT_EQ(m.classes[c].support, support[c]) << c;
    if (c < 3) {
      EXPECT_NEAR(m.classes[c].roc_auc, auc[c], kTol) << c;
      EXPECT_NEAR(m.classes[c].pr_auc, ap[c], kTol) << c;
    }
  }
  EXPECT_TRUE(std::isnan(m.classes[3].roc_auc));  // class 3 is never a label
  EXPECT_TRUE(std::isnan(m.classes[3].pr_auc));
  EXPECT_NEAR(m.macro_precision, 0.16865079365079363, kTol);
  EXPECT_NEAR(m.macro_recall, 0.19791666666666666, kTol);
  EXPECT_NEAR(m.macro_f1, 0.16526894158473107, kTol);
  EXPECT_NEAR(m.weighted_precision, 0.23544973544973544, kTol);
  EXPECT_NEAR(m.weighted_recall, 0.20833333333333334, kTol);
  EXPECT_NEAR(m.weighted_f1, 0.20416425679583575, kTol);
  EXPECT_NEAR(m.accuracy, 0.20833333333333334, kTol);
  EXPECT_NEAR(m.balanced_accuracy, 0.2638888888888889, kTol);
  EXPECT_NEAR(m.mcc, -0.12697168670714545, kTol);
  EXPECT_NEAR(m.macro_roc_auc, 0.4213541666666667, kTol);  // np.mean(auc): over defined classes
  EXPECT_NEAR(m.macro_pr_auc, 0.33735304270369554, kTol);
  const std::vector<std::vector<int64_t>> confusion = {
      {2, 5, 4, 1}, {0, 2, 1, 1}, {5, 2, 1, 0}, {0, 0, 0, 0}};
  EXPECT_EQ(m.confusion, confusion);  // row 5's tie (0.3, 0.3) goes to class 0

  const nlohmann::json j = m.to_json();
  EXPECT_EQ(j["confusion_matrix"], nlohmann::json(confusion));
  EXPECT_EQ(j["classes"][1]["support"], 4);
  EXPECT_NE(j["classes"][3].dump().find("\"roc_auc\":null"), std::string::npos)
      << j["classes"][3].dump();  // NaN is written as null
  EXPECT_EQ(j["macro"]["f1"], m.macro_f1);
  EXPECT_EQ(j["weighted"]["recall"], m.weighted_recall);
}

TEST(MulticlassMetrics, MacroOneVsRestMatchesScikitLearnWithEveryClassPresent) {
  // Three classes, rows normalised to sum 1:
  //   s3 = s[:, :3] / s[:, :3].sum(1, keepdims=True)
  //   roc_auc_score(y, s3, multi_class='ovr', average='macro')              # 0.4126736111111111
  //   average_precision_score(label_binarize(y, classes=[0,1,2]), s3,
  //                           average='macro')                              # 0.33432845315304816
  Matrix s3(24, 3);
  for (size_t i = 0; i < 24; ++i) {
    const double sum = kS[i][0] + kS[i][1] + kS[i][2];
    for (size_t c = 0; c < 3; ++c) s3(i, c) = kS[i][c] / sum;
  }
  const MulticlassMetrics m = multiclass_metrics(kY, s3);
  EXPECT_NEAR(m.macro_roc_auc, 0.4126736111111111, kTol);
  EXPECT_NEAR(m.macro_pr_auc, 0.33432845315304816, kTol);
}

TEST(MulticlassMetrics, TwoClassesAgreeWithTheBinaryMetrics) {
  std::vector<int> y;
  Matrix s(24, 2);
  std::vector<double> positive;
  for (size_t i = 0; i < 24; ++i) {
    y.push_back(kY[i] == 1 ? 1 : 0);
    s(i, 1) = kS[i][1];
    s(i, 0) = 1.0 - kS[i][1];
    positive.push_back(kS[i][1]);
  }
  const MulticlassMetrics m = multiclass_metrics(y, s);
  // argmax of (1 - p, p) is p > 0.5; the binary threshold 0.5 would also take p == 0.5 (none here).
  const BinaryMetrics b = binary_metrics(y, positive, 0.5);
  EXPECT_NEAR(m.classes[1].precision, b.precision, kTol);
  EXPECT_NEAR(m.classes[1].recall, b.recall, kTol);
  EXPECT_NEAR(m.classes[1].f1, b.f1, kTol);
  EXPECT_NEAR(m.accuracy, b.accuracy, kTol);
  EXPECT_NEAR(m.balanced_accuracy, b.balanced_accuracy, kTol);
  EXPECT_NEAR(m.mcc, b.mcc, kTol);
  EXPECT_NEAR(m.classes[1].roc_auc, b.roc_auc, kTol);
  EXPECT_NEAR(m.classes[1].pr_auc, b.pr_auc, kTol);
  EXPECT_EQ(m.confusion[1][1], b.confusion.tp);
  EXPECT_EQ(m.confusion[0][1], b.confusion.fp);
}

TEST(MulticlassMetrics, BadInputsAreNamed) {
  auto message = [](const std::vector<int>& y, const Matrix& s) {
    try {
      multiclass_metrics(y, s);
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::kInvalidArgument);
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(message({0, 1}, Matrix(3, 2)),
            "multiclass_metrics: expected one score row per label, got 2 labels and 3 score rows");
  EXPECT_EQ(message({}, Matrix(0, 2)), "multiclass_metrics: expected at least one label, got none");
  EXPECT_EQ(message({0}, Matrix(1, 1)),
            "multiclass_metrics: expected a score column per class (at least 2), got 1");
  EXPECT_EQ(message({0, 3}, Matrix(2, 3)),
            "multiclass_metrics: label 1: expected a class in [0, 3), got 3");
  Matrix nan(2, 2);
  nan(1, 0) = std::nan("");
  EXPECT_EQ(message({0, 1}, nan),
            "multiclass_metrics: score row 1, class 0: expected a finite number, got nan");
}

}  // namespace
}  // namespace imbgen
