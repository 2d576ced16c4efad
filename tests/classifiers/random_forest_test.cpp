// imbgen's own random forest engine (classifiers/random_forest.cpp): its trees against
// scikit-learn's CART, its binning, missing values, threads and its options; the tests common to
// both engines are in classifier_test.cpp.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <set>
#include <string>
#include <vector>

#include "imbgen/classifiers/classifier.h"
#include "imbgen/classifiers/classifier_configs.h"
#include "imbgen/classifiers/metrics.h"
#include "imbgen/core/error.h"
#include "imbgen/core/rng.h"

namespace imbgen {
namespace {

struct Rows {
  Matrix x;
  std::vector<int> y;
  std::vector<double> w;
};

// Rows i = begin..end-1 of the scikit-learn script below: three features in steps of 1/8 (exact
// in scikit-learn's float32, so both sides put their thresholds at the same midpoints), three
// classes from a rule with every 7th label moved on, weights 1..3.
Rows cart_rows(int begin, int end, int classes) {
  Rows d{Matrix(static_cast<size_t>(end - begin), 3), {}, {}};
  for (int i = begin; i < end; ++i) {
    const auto r = static_cast<size_t>(i - begin);
    const double a = ((i * 37) % 101) / 8.0, b = ((i * 53) % 97) / 8.0,
                 c = ((i * i * 7) % 89) / 8.0;
    int k = a + b < 12 ? 0 : (c < 5 ? 1 : 2);
    if (i % 7 == 0) k = (k + 1) % 3;
    d.x(r, 0) = a;
    d.x(r, 1) = b;
    d.x(r, 2) = c;
    d.y.push_back(classes == 3 ? k : (k == 2 ? 1 : 0));
    d.w.push_back(1 + i % 3);
  }
  return d;
}

RandomForestConfig one_cart_tree(int depth) {
  RandomForestConfig config;
  config.n_estimators = 1;
  config.subsample = 1.0;
  config.colsample_bynode = 1.0;
  config.max_depth = depth;
  return config;
}

// Reference probabilities from /usr/bin/python3 (scikit-learn 1.2.1) on 20 held-out rows: P(class
// 1) for two classes, all three per row for three.
//
//   import numpy as np
//   from sklearn.tree import DecisionTreeClassifier
//   def rows(begin, end):
//       X, y, w = [], [], []
//       for i in range(begin, end):
//           a = ((i * 37) % 101) / 8; b = ((i * 53) % 97) / 8; c = ((i * i * 7) % 89) / 8
//           k = 0 if a + b < 12 else (1 if c < 5 else 2)
//           if i % 7 == 0: k = (k + 1) % 3
//           X.append((a, b, c)); y.append(k); w.append(1 + i % 3)
//       return np.array(X), np.array(y), np.array(w, dtype=float)
//   X, y, w = rows(0, 90); Xt, _, _ = rows(90, 110)
//   cases = [(2, 0, 1), (2, 0, 2), (2, 0, 3), (2, 1, 1), (2, 1, 2), (2, 1, 3), (3, 0, 3), (3, 1,
//   2)] for classes, weighted, depth in cases:
//       yy = y if classes == 3 else (y == 2).astype(int)
//       t = DecisionTreeClassifier(max_depth=depth, random_state=0).fit(
//           X, yy, sample_weight=w if weighted else None)
//       p = t.predict_proba(Xt)
//       p = p[:, 1] if classes == 2 else p.ravel()
//       print(classes, weighted, depth, ["%.12g" % v for v in p])
//
// One tree on every row and every feature, grown to a depth, is CART: the same cuts (Gini
// decrease, with sample weights), the same thresholds (midpoints between the values on either
// side) and leaf frequencies, so the same scores on rows it has not seen.
TEST(RandomForestEngine, OneTreeIsSklearnCartOnHeldOutRows) {
  struct Case {
    int classes;
    bool weighted;
    int depth;
    std::vector<double> want;
  };
  // clang-format off
  const std::vector<Case> cases = {
      {2, false, 1, {0, 0, 0.395833333333, 0, 0.395833333333, 0.395833333333, 0.395833333333, 0, 0,
        0.395833333333, 0.395833333333, 0, 0, 0, 0.395833333333, 0, 0.395833333333, 0.395833333333,
        0, 0.395833333333}},
      {2, false, 2, {0, 0, 0.666666666667, 0, 0.666666666667, 0.666666666667, 0.125, 0, 0, 0.125,
        0.666666666667, 0, 0, 0, 0.125, 0, 0.666666666667, 0.125, 0, 0.666666666667}},
      {2, false, 3, {0, 0, 0.529411764706, 0, 0.529411764706, 0.529411764706, 0.0454545454545, 0, 0,
        0.0454545454545, 1, 0, 0, 0, 0.0454545454545, 0, 0.529411764706, 0.0454545454545, 0, 1}},
      {2, true, 1, {0, 0, 0.416666666667, 0, 0.416666666667, 0.416666666667, 0.416666666667, 0, 0,
        0.416666666667, 0.416666666667, 0, 0, 0, 0.416666666667, 0, 0.416666666667, 0.416666666667,
        0, 0.416666666667}},
      {2, true, 2, {0, 0, 0.639344262295, 0, 0.639344262295, 0.639344262295, 0.0285714285714, 0, 0,
        0.0285714285714, 0.639344262295, 0, 0, 0, 0.0285714285714, 0, 0.639344262295,
        0.0285714285714, 0, 0.639344262295}},
      {2, true, 3, {0, 0, 0.488372093023, 0, 0.488372093023, 0.488372093023, 0, 0, 0, 0, 1, 0, 0, 0,
        0, 0, 0.488372093023, 0, 0, 1}},
      {3, false, 3, {0.8, 0.2, 0, 0.5, 0.5, 0, 0.470588235294, 0, 0.529411764706, 0.5, 0.5, 0,
        0.470588235294, 0, 0.529411764706, 0.470588235294, 0, 0.529411764706, 0.909090909091,
        0.0454545454545, 0.0454545454545, 0.8, 0.2, 0, 0, 1, 0, 0.909090909091, 0.0454545454545,
        0.0454545454545, 0, 0, 1, 0, 1, 0, 0.5, 0.5, 0, 0, 1, 0, 0.909090909091, 0.0454545454545,
        0.0454545454545, 0.8, 0.2, 0, 0.470588235294, 0, 0.529411764706, 0.909090909091,
        0.0454545454545, 0.0454545454545, 0, 1, 0, 0, 0, 1}},
      {3, true, 2, {0.595238095238, 0.404761904762, 0, 0.119047619048, 0.880952380952, 0,
        0.360655737705, 0, 0.639344262295, 0.119047619048, 0.880952380952, 0, 0.360655737705, 0,
        0.639344262295, 0.360655737705, 0, 0.639344262295, 0.914285714286, 0.0571428571429,
        0.0285714285714, 0.595238095238, 0.404761904762, 0, 0.119047619048, 0.880952380952, 0,
        0.914285714286, 0.0571428571429, 0.0285714285714, 0.360655737705, 0, 0.639344262295,
        0.595238095238, 0.404761904762, 0, 0.119047619048, 0.880952380952, 0, 0.595238095238,
        0.404761904762, 0, 0.914285714286, 0.0571428571429, 0.0285714285714, 0.595238095238,
        0.404761904762, 0, 0.360655737705, 0, 0.639344262295, 0.914285714286, 0.0571428571429,
        0.0285714285714, 0.595238095238, 0.404761904762, 0, 0.360655737705, 0, 0.639344262295}},
  };
  // clang-format on
  for (const Case& c : cases) {
    const Rows train = cart_rows(0, 90, c.classes), test = cart_rows(90, 110, c.classes);
    auto clf = make_random_forest(one_cart_tree(c.depth));
    clf->fit(train.x, train.y, c.weighted ? train.w : std::vector<double>{});
    const Matrix p = clf->predict_proba(test.x);
    std::vector<double> got = p.data;
    if (c.classes == 2) {
      got.clear();
      for (size_t i = 0; i < p.rows; ++i) got.push_back(p(i, 1));
    }
    ASSERT_EQ(got.size(), c.want.size());
    for (size_t i = 0; i < got.size(); ++i) {
      EXPECT_NEAR(got[i], c.want[i], 1e-9) << c.classes << " classes, weighted " << c.weighted
                                           << ", depth " << c.depth << ", value " << i;
    }
  }
}

// A feature with more distinct values than max_bin is cut into bins of about equal row counts,
// and a cut lies halfway between the values on either side of it: 200 values 0..199 in 4 bins
// of 50 can split at 99.5, in 3 bins (of 67, 67, 66 rows) they cannot.
TEST(RandomForestEngine, BinsHoldEqualRowCountsAndCutBetweenValues) {
  Matrix x(200, 1);
  std::vector<int> y(200);
  for (size_t i = 0; i < 200; ++i) {
    x(i, 0) = static_cast<double>((i * 73) % 200);  // every value once, not in order
    y[i] = x(i, 0) >= 100 ? 1 : 0;
  }
  Matrix probe(4, 1);
  probe.data = {99.0, 99.49, 99.51, 100.0};
  for (int max_bin : {4, 3}) {
    RandomForestConfig config = one_cart_tree(1);
    config.max_bin = max_bin;
    auto clf = make_random_forest(config);
    clf->fit(x, y, {});
    const Matrix p = clf->predict_proba(probe);
    if (max_bin == 4) {
      EXPECT_EQ(p(0, 1), 0.0);
      EXPECT_EQ(p(1, 1), 0.0);
      EXPECT_EQ(p(2, 1), 1.0);
      EXPECT_EQ(p(3, 1), 1.0);
    } else {
      // The best cut of three bins is at 66.5 or 133.5: one side stays mixed.
      EXPECT_EQ(p(1, 1), p(2, 1));
      EXPECT_GT(p(1, 1), 0.0);
      EXPECT_LT(p(1, 1), 1.0);
    }
  }
}

// Missing values have a bin of their own: when they carry the class, a split separates present
// from missing values, and missing values at prediction time follow them. A split on a node
// without missing rows sends unseen missing values to its heavier side.
TEST(RandomForestEngine, MissingValuesGoWhereTheTrainingRowsWent) {
  Matrix x(60, 1);
  std::vector<int> y(60);
  for (size_t i = 0; i < 60; ++i) {
    y[i] = i % 4 == 0 ? 1 : 0;
    x(i, 0) = y[i] == 1 ? std::nan("") : static_cast<double>(i % 9);
  }
  auto clf = make_random_forest(one_cart_tree(0));
  clf->fit(x, y, {});
  Matrix probe(3, 1);
  probe.data = {std::nan(""), 4.0, -100.0};
  const Matrix p = clf->predict_proba(probe);
  EXPECT_EQ(p(0, 1), 1.0);
  EXPECT_EQ(p(1, 1), 0.0);
  EXPECT_EQ(p(2, 1), 0.0);

  // No missing value in training: 45 rows below 3, 15 above; a missing value goes below.
  Matrix x2(60, 1);
  std::vector<int> y2(60);
  for (size_t i = 0; i < 60; ++i) {
    x2(i, 0) = static_cast<double>(i % 4);
    y2[i] = i % 4 == 3 ? 1 : 0;
  }
  auto clf2 = make_random_forest(one_cart_tree(1));
  clf2->fit(x2, y2, {});
  Matrix missing(1, 1);
  missing.data = {std::nan("")};
  EXPECT_EQ(clf2->predict_proba(missing)(0, 1), 0.0);
}

// As in XGBoost, a drawn feature that is constant in the node counts towards the features drawn
// at a split, and a node whose drawn features are all constant stays a leaf: with one informative
// feature among eight constant ones, one unlimited tree with every feature at each split
// separates the training rows, and with sqrt (3 of 9) it stops early for some seed.
TEST(RandomForestEngine, ConstantFeaturesCountTowardsTheDraw) {
  const size_t n = 80;
  Matrix x(n, 9);
  std::vector<int> y(n);
  for (size_t i = 0; i < n; ++i) {
    x(i, 4) = static_cast<double>((i * 31) % n);
    y[i] = (i * 31) % n % 3 == 0 ? 1 : 0;  // alternating runs along the feature: a deep tree
    for (size_t j = 0; j < 9; ++j) {
      if (j != 4) x(i, j) = 1.5;
    }
  }
  auto separates = [&](const nlohmann::json& colsample, uint64_t seed) {
    auto clf = make_classifier(
        "random_forest", {{"n_estimators", 1}, {"subsample", 1.0}, {"colsample_bynode", colsample}},
        {seed, 1});
    clf->fit(x, y, {});
    const Matrix p = clf->predict_proba(x);
    for (size_t i = 0; i < n; ++i) {
      if (p(i, 1) != y[i]) return false;
    }
    return true;
  };
  int stopped_early = 0;
  for (uint64_t seed = 1; seed <= 5; ++seed) {
    EXPECT_TRUE(separates(1.0, seed)) << seed;
    if (!separates("sqrt", seed)) ++stopped_early;
  }
  EXPECT_GE(stopped_early, 4);  // a node draws the feature with probability 1/3
}

// A row of weight 0 is not a training row: one CART tree without it is the same tree. Weights
// that are all 0 leave nothing to learn from.
TEST(RandomForestEngine, RowsOfWeightZeroAreLeftOut) {
  const Rows all = cart_rows(0, 90, 2), test = cart_rows(90, 110, 2);
  Rows kept{Matrix(0, 3), {}, {}};
  std::vector<double> w = all.w;
  std::vector<double> kept_values;
  for (size_t i = 0; i < 90; ++i) {
    if (i % 5 == 0) {
      w[i] = 0;
      continue;
    }
    kept_values.insert(kept_values.end(), all.x.data.begin() + 3 * i,
                       all.x.data.begin() + 3 * i + 3);
    kept.y.push_back(all.y[i]);
    kept.w.push_back(all.w[i]);
  }
  kept.x = Matrix(kept.y.size(), 3);
  kept.x.data = kept_values;
  auto with_zeros = make_random_forest(one_cart_tree(0));
  auto without = make_random_forest(one_cart_tree(0));
  with_zeros->fit(all.x, all.y, w);
  without->fit(kept.x, kept.y, kept.w);
  EXPECT_EQ(with_zeros->predict_proba(test.x).data, without->predict_proba(test.x).data);
}

// Each tree draws from its own stream: the forest is the same on one thread or two, another seed
// gives another forest.
TEST(RandomForestEngine, ThreadsDoNotChangeTheForestSeedsDo) {
  const Rows train = cart_rows(0, 90, 3), test = cart_rows(90, 110, 3);
  auto fit = [&](uint64_t seed, int threads) {
    auto clf = make_classifier("random_forest", {{"n_estimators", 30}}, {seed, threads});
    clf->fit(train.x, train.y, {});
    return clf->predict_proba(test.x).data;
  };
  const std::vector<double> one = fit(7, 1);
  EXPECT_EQ(one, fit(7, 2));
  EXPECT_EQ(one, fit(7, 1));
  EXPECT_NE(one, fit(8, 1));
  for (size_t i = 0; i < 20; ++i) {
    EXPECT_NEAR(one[3 * i] + one[3 * i + 1] + one[3 * i + 2], 1.0, 1e-12) << i;
  }
}

// With reg_lambda > 0 a leaf's frequency is shrunk towards the class prior: one depth-1 tree on
// two classes, a pure leaf of W rows holds (W + l p) / (W + l) with l = lambda / (p (1 - p)).
TEST(RandomForestEngine, RegLambdaShrinksLeavesTowardsThePrior) {
  Matrix x(40, 1);
  std::vector<int> y(40);
  for (size_t i = 0; i < 40; ++i) {
    x(i, 0) = static_cast<double>(i);
    y[i] = i >= 30 ? 1 : 0;  // p = 0.25; the pure leaves hold 30 and 10 rows
  }
  RandomForestConfig config = one_cart_tree(1);
  config.reg_lambda = 0.75;  // l = 0.75 / (0.25 * 0.75) = 4
  auto clf = make_random_forest(config);
  clf->fit(x, y, {});
  Matrix probe(2, 1);
  probe.data = {0.0, 39.0};
  const Matrix p = clf->predict_proba(probe);
  EXPECT_NEAR(p(0, 1), (0 + 4 * 0.25) / (30 + 4), 1e-12);
  EXPECT_NEAR(p(1, 1), (10 + 4 * 0.25) / (10 + 4), 1e-12);
}

TEST(RandomForestEngine, EngineOption) {
  EXPECT_EQ(RandomForestConfig().to_json()["engine"], "imbgen");
  EXPECT_EQ(RandomForestConfig::from_json({{"engine", "xgboost"}}).engine, "xgboost");
  auto message = [](const nlohmann::json& j) {
    try {
      make_classifier("random_forest", j);
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::kInvalidArgument);
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(message({{"engine", "sklearn"}}),
            "random_forest config: 'engine' must be \"imbgen\" or \"xgboost\", got \"sklearn\"");
  EXPECT_EQ(message({{"engine", 1}}),
            "random_forest config: 'engine': expected \"imbgen\" or \"xgboost\", got 1");
  EXPECT_EQ(message({{"max_bin", 70000}}),
            "random_forest config: 'max_bin' must be <= 65535 with engine \"imbgen\", got 70000");
  EXPECT_EQ(message({{"max_bin", 70000}, {"engine", "xgboost"}}), "no error");

  // Both engines learn the rule; their forests differ.
  const Rows train = cart_rows(0, 90, 2), test = cart_rows(90, 110, 2);
  std::vector<std::vector<double>> scores;
  for (const char* engine : {"imbgen", "xgboost"}) {
    auto clf = make_classifier("random_forest", {{"engine", engine}});
    clf->fit(train.x, train.y, {});
    const Matrix p = clf->predict_proba(test.x);
    std::vector<double> s;
    for (size_t i = 0; i < p.rows; ++i) s.push_back(p(i, 1));
    EXPECT_GT(roc_auc(test.y, s), 0.85) << engine;
    scores.push_back(s);
  }
  EXPECT_NE(scores[0], scores[1]);
}

}  // namespace
}  // namespace imbgen
