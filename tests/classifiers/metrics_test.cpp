// Binary metrics and curves against scikit-learn 1.2.1, plus seeded property loops.
#include "imbgen/classifiers/metrics.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "imbgen/core/error.h"
#include "imbgen/core/rng.h"

namespace imbgen {
namespace {

// Expected values below were produced with /usr/bin/python3 (scikit-learn 1.2.1) by:
//
//   import numpy as np
//   from sklearn import metrics as M
//   def rap(y, s, p):
//       prec, rec, _ = M.precision_recall_curve(y, s)
//       ok = rec[:-1][prec[:-1] >= p]
//       return ok.max() if ok.size else 0.0
//   def show(name, y, s, t):
//       y = np.array(y); s = np.array(s, dtype=float); yp = (s >= t).astype(int)
//       print(name)
//       print(" acc=%r prec=%r rec=%r f1=%r" % (M.accuracy_score(y, yp),
//             M.precision_score(y, yp, zero_division=0), M.recall_score(y, yp, zero_division=0),
//             M.f1_score(y, yp, zero_division=0)))
//       print(" mcc=%r bal=%r cm=%r" % (M.matthews_corrcoef(y, yp),
//             M.balanced_accuracy_score(y, yp),
//             M.confusion_matrix(y, yp, labels=[0, 1]).ravel().tolist()))
//       print(" auc=%r ap=%r rap90=%r rap50=%r" % (M.roc_auc_score(y, s),
//             M.average_precision_score(y, s), rap(y, s, 0.9), rap(y, s, 0.5)))
//   ya = [0,1,1,0,1,0,0,1,1,0,0,1]
//   sa = [0.1,0.4,0.35,0.8,0.8,0.35,0.1,0.9,0.4,0.2,0.6,0.35]
//   show("A", ya, sa, 0.4)
//   fpr, tpr, th = M.roc_curve(ya, sa, drop_intermediate=False)
//   print(" roc fpr", fpr.tolist()); print(" roc tpr", tpr.tolist()); print(" roc th", th.tolist())
//   p, r, th = M.precision_recall_curve(ya, sa)
//   print(" pr prec", p.tolist()); print(" pr rec", r.tolist()); print(" pr th", th.tolist())
//   show("B all-negative predictions", ya, sa, 0.95)
//   n = 200
//   yd = [1 if (i * 13) % 7 < 2 else 0 for i in range(n)]
//   sd = [((i * 37) % 11) / 10 + 0.05 * yd[i] * ((i * 5) % 3) for i in range(n)]
//   show("D", yd, sd, 0.5)
//   ye = [0,0,0,0,1]; se=[0.3,0.3,0.3,0.3,0.3]   # all tied
//   show("E all tied", ye, se, 0.5)
//   yc = [0,0,0,0]; sc = [0.1,0.7,0.3,0.2]
//   yp = (np.array(sc) >= 0.5).astype(int)
//   print("C one class: bal=%r mcc=%r prec=%r" % (M.balanced_accuracy_score(yc, yp),
//         M.matthews_corrcoef(yc, yp), M.precision_score(yc, yp, zero_division=0)))
//
// Output:
//   A
//    acc=0.6666666666666666 prec=0.6666666666666666 rec=0.6666666666666666 f1=0.6666666666666666
//    mcc=0.3333333333333333 bal=0.6666666666666666 cm=[4, 2, 2, 4]
//    auc=0.7361111111111112 ap=0.7222222222222222 rap90=0.16666666666666666 rap50=1.0
//    roc fpr [0.0, 0.0, 0.16666666666666666, 0.3333333333333333, 0.3333333333333333, 0.5,
//             0.6666666666666666, 1.0]
//    roc tpr [0.0, 0.16666666666666666, 0.3333333333333333, 0.3333333333333333,
//             0.6666666666666666, 1.0, 1.0, 1.0]
//    roc th [1.9, 0.9, 0.8, 0.6, 0.4, 0.35, 0.2, 0.1]
//    pr prec [0.5, 0.6, 0.6666666666666666, 0.6666666666666666, 0.5, 0.6666666666666666, 1.0, 1.0]
//    pr rec [1.0, 1.0, 1.0, 0.6666666666666666, 0.3333333333333333, 0.3333333333333333,
//            0.16666666666666666, 0.0]
//    pr th [0.1, 0.2, 0.35, 0.4, 0.6, 0.8, 0.9]
//   B all-negative predictions
//    acc=0.5 prec=0.0 rec=0.0 f1=0.0
//    mcc=0.0 bal=0.5 cm=[6, 0, 6, 0]
//    auc=0.7361111111111112 ap=0.7222222222222222 rap90=0.16666666666666666 rap50=1.0
//   D
//    acc=0.485 prec=0.2909090909090909 rec=0.5614035087719298 f1=0.38323353293413176
//    mcc=0.014471725240633917 bal=0.5079744816586922 cm=[65, 78, 25, 32]
//    auc=0.5428781744571218 ap=0.34515353460415704 rap90=0.05263157894736842
//    rap50=0.05263157894736842
//   E all tied
//    acc=0.8 prec=0.0 rec=0.0 f1=0.0
//    mcc=0.0 bal=0.5 cm=[4, 0, 1, 0]
//    auc=0.5 ap=0.2 rap90=0.0 rap50=0.0
//   C one class: bal=0.75 mcc=0.0 prec=0.0
//
// Tolerance 1e-12: the same arithmetic up to the order of a few additions.
constexpr double kTol = 1e-12;

const std::vector<int> kLabelsA = {0, 1, 1, 0, 1, 0, 0, 1, 1, 0, 0, 1};
const std::vector<double> kScoresA = {0.1, 0.4, 0.35, 0.8, 0.8, 0.35,
                                      0.1, 0.9, 0.4,  0.2, 0.6, 0.35};

struct Reference {
  double accuracy, precision, recall, f1, mcc, balanced_accuracy;
  int64_t tn, fp, fn, tp;
  double roc_auc, ap, rap90, rap50;
};

void expect_matches(const std::vector<int>& y, const std::vector<double>& s, double threshold,
                    const Reference& r) {
  const BinaryMetrics m = binary_metrics(y, s, threshold);
  EXPECT_NEAR(m.accuracy, r.accuracy, kTol);
  EXPECT_NEAR(m.precision, r.precision, kTol);
  EXPECT_NEAR(m.recall, r.recall, kTol);
  EXPECT_NEAR(m.f1, r.f1, kTol);
  EXPECT_NEAR(m.mcc, r.mcc, kTol);
  EXPECT_NEAR(m.balanced_accuracy, r.balanced_accuracy, kTol);
  EXPECT_EQ(m.confusion.tn, r.tn);
  EXPECT_EQ(m.confusion.fp, r.fp);
  EXPECT_EQ(m.confusion.fn, r.fn);
  EXPECT_EQ(m.confusion.tp, r.tp);
  EXPECT_NEAR(m.roc_auc, r.roc_auc, kTol);
  EXPECT_NEAR(m.pr_auc, r.ap, kTol);
  EXPECT_NEAR(m.recall_at_precision_90, r.rap90, kTol);
  EXPECT_NEAR(roc_auc(y, s), r.roc_auc, kTol);
  EXPECT_NEAR(average_precision(y, s), r.ap, kTol);
  EXPECT_NEAR(recall_at_precision(y, s, 0.5), r.rap50, kTol);
}

void expect_vector_near(const std::vector<double>& got, const std::vector<double>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) EXPECT_NEAR(got[i], want[i], kTol) << "index " << i;
}

TEST(BinaryMetrics, MatchesSklearnWithTies) {
  expect_matches(kLabelsA, kScoresA, 0.4,
                 {2.0 / 3, 2.0 / 3, 2.0 / 3, 2.0 / 3, 0.3333333333333333, 0.6666666666666666, 4, 2,
                  2, 4, 0.7361111111111112, 0.7222222222222222, 0.16666666666666666, 1.0});
}

TEST(BinaryMetrics, AllNegativePredictionsGiveZeroNotNaN) {
  expect_matches(kLabelsA, kScoresA, 0.95,
                 {0.5, 0.0, 0.0, 0.0, 0.0, 0.5, 6, 0, 6, 0, 0.7361111111111112, 0.7222222222222222,
                  0.16666666666666666, 1.0});
}

TEST(BinaryMetrics, MatchesSklearnOnManyTies) {
  std::vector<int> y;
  std::vector<double> s;
  for (int i = 0; i < 200; ++i) {
    y.push_back((i * 13) % 7 < 2 ? 1 : 0);
    s.push_back(((i * 37) % 11) / 10.0 + 0.05 * y.back() * ((i * 5) % 3));
  }
  expect_matches(y, s, 0.5,
                 {0.485, 0.2909090909090909, 0.5614035087719298, 0.38323353293413176,
                  0.014471725240633917, 0.5079744816586922, 65, 78, 25, 32, 0.5428781744571218,
                  0.34515353460415704, 0.05263157894736842, 0.05263157894736842});
}

TEST(BinaryMetrics, AllScoresTied) {
  expect_matches({0, 0, 0, 0, 1}, {0.3, 0.3, 0.3, 0.3, 0.3}, 0.5,
                 {0.8, 0.0, 0.0, 0.0, 0.0, 0.5, 4, 0, 1, 0, 0.5, 0.2, 0.0, 0.0});
}

TEST(BinaryMetrics, OneClassGivesNaNRankingMetrics) {
  const BinaryMetrics m = binary_metrics({0, 0, 0, 0}, {0.1, 0.7, 0.3, 0.2}, 0.5);
  EXPECT_NEAR(m.balanced_accuracy, 0.75, kTol);  // sklearn: recall of the only class present
  EXPECT_EQ(m.mcc, 0.0);
  EXPECT_EQ(m.precision, 0.0);
  EXPECT_TRUE(std::isnan(m.roc_auc));
  EXPECT_TRUE(std::isnan(m.pr_auc));
  EXPECT_TRUE(std::isnan(roc_auc({1, 1}, {0.2, 0.4})));
  // NaN is written as null.
  EXPECT_NE(m.to_json().dump().find("\"roc_auc\":null"), std::string::npos);
}

TEST(BinaryMetrics, JsonHasEveryKey) {
  const nlohmann::json j = binary_metrics(kLabelsA, kScoresA, 0.4).to_json();
  for (const char* key : {"accuracy", "precision", "recall", "f1", "roc_auc", "pr_auc", "mcc",
                          "balanced_accuracy", "recall_at_precision_90"}) {
    EXPECT_TRUE(j.at(key).is_number()) << key;
  }
  EXPECT_EQ(j.at("confusion_matrix").at("tp"), 4);
  EXPECT_EQ(j.at("confusion_matrix").at("fn"), 2);
}

TEST(RocCurve, MatchesSklearnWithoutDroppingPoints) {
  const Curve c = roc_curve(kLabelsA, kScoresA);
  expect_vector_near(c.x, {0.0, 0.0, 1.0 / 6, 1.0 / 3, 1.0 / 3, 0.5, 2.0 / 3, 1.0});
  expect_vector_near(c.y, {0.0, 1.0 / 6, 1.0 / 3, 1.0 / 3, 2.0 / 3, 1.0, 1.0, 1.0});
  expect_vector_near(c.thresholds, {1.9, 0.9, 0.8, 0.6, 0.4, 0.35, 0.2, 0.1});
}

TEST(PrCurve, MatchesSklearn) {
  const Curve c = pr_curve(kLabelsA, kScoresA);
  expect_vector_near(c.y, {0.5, 0.6, 2.0 / 3, 2.0 / 3, 0.5, 2.0 / 3, 1.0, 1.0});
  expect_vector_near(c.x, {1.0, 1.0, 1.0, 2.0 / 3, 1.0 / 3, 1.0 / 3, 1.0 / 6, 0.0});
  expect_vector_near(c.thresholds, {0.1, 0.2, 0.35, 0.4, 0.6, 0.8, 0.9});
}

// /usr/bin/python3 -W ignore -c "
//   from sklearn import metrics as M
//   print(M.precision_recall_curve([0,0,0],[0.1,0.5,0.5]))
//   print(M.roc_curve([0,0,0],[0.1,0.5,0.5], drop_intermediate=False))"
// (array([0., 0., 1.]), array([1., 1., 0.]), array([0.1, 0.5]))
// (array([0., 0.66666667, 1.]), array([nan, nan, nan]), array([1.5, 0.5, 0.1]))
TEST(Curves, NoPositivesFollowSklearn) {
  const Curve pr = pr_curve({0, 0, 0}, {0.1, 0.5, 0.5});
  expect_vector_near(pr.y, {0.0, 0.0, 1.0});
  expect_vector_near(pr.x, {1.0, 1.0, 0.0});
  expect_vector_near(pr.thresholds, {0.1, 0.5});
  const Curve roc = roc_curve({0, 0, 0}, {0.1, 0.5, 0.5});
  expect_vector_near(roc.x, {0.0, 2.0 / 3, 1.0});
  ASSERT_EQ(roc.y.size(), 3u);
  for (double v : roc.y) EXPECT_TRUE(std::isnan(v));
  expect_vector_near(roc.thresholds, {1.5, 0.5, 0.1});
}

// Seeded property loop: perfect scores are perfect, reversed ones have AUC 0, and roc_auc equals
// the pairwise (Mann-Whitney) definition with ties counted one half.
TEST(BinaryMetrics, PropertiesOnRandomData) {
  Rng rng(7);
  for (int trial = 0; trial < 50; ++trial) {
    const size_t n = 5 + rng.index(60);
    std::vector<int> y(n);
    for (auto& v : y) v = rng.uniform() < 0.3 ? 1 : 0;
    y[0] = 0;
    y[1] = 1;
    std::vector<double> perfect(n), reversed(n), rounded(n);
    for (size_t i = 0; i < n; ++i) {
      perfect[i] = y[i] + 0.9 * rng.uniform();
      reversed[i] = -perfect[i];
      rounded[i] = std::round(rng.uniform() * 4) / 4;  // many ties
    }
    const BinaryMetrics m = binary_metrics(y, perfect, 1.0);
    EXPECT_EQ(m.accuracy, 1.0);
    EXPECT_EQ(m.precision, 1.0);
    EXPECT_EQ(m.recall, 1.0);
    EXPECT_EQ(m.f1, 1.0);
    EXPECT_EQ(m.mcc, 1.0);
    EXPECT_EQ(m.balanced_accuracy, 1.0);
    EXPECT_EQ(m.roc_auc, 1.0);
    EXPECT_EQ(m.pr_auc, 1.0);
    EXPECT_EQ(m.recall_at_precision_90, 1.0);
    EXPECT_EQ(roc_auc(y, reversed), 0.0);
    EXPECT_NEAR(binary_metrics(y, reversed, -1.0).mcc, -1.0, kTol);

    double pairs = 0, wins = 0;
    for (size_t i = 0; i < n; ++i) {
      for (size_t j = 0; j < n; ++j) {
        if (y[i] != 1 || y[j] != 0) continue;
        pairs += 1;
        wins += rounded[i] > rounded[j] ? 1.0 : rounded[i] == rounded[j] ? 0.5 : 0.0;
      }
    }
    EXPECT_NEAR(roc_auc(y, rounded), wins / pairs, 1e-12) << "trial " << trial;
  }
}

TEST(BinaryMetrics, RejectsBadInput) {
  auto message = [](auto&& f) {
    try {
      f();
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::kInvalidArgument);
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(message([] {
              roc_auc({0, 1}, {0.5});
            }),
            "roc_auc: expected one score per label, got 2 labels and 1 scores");
  EXPECT_EQ(message([] {
              average_precision({0, 2}, {0.5, 0.1});
            }),
            "average_precision: label 1: expected 0 or 1, got 2");
  EXPECT_EQ(message([] {
              binary_metrics({0, 1}, {0.5, std::nan("")}, 0.5);
            }),
            "binary_metrics: score 1: expected a finite number, got nan");
  EXPECT_EQ(message([] { pr_curve({}, {}); }), "pr_curve: expected at least one label, got none");
  EXPECT_EQ(message([] {
              binary_metrics({0, 1}, {0.1, 0.2}, std::nan(""));
            }),
            "binary_metrics: threshold is NaN");
}

}  // namespace
}  // namespace imbgen
