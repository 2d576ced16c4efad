// Conformance suite over every registered classifier, plus checks of single classifiers against
// scikit-learn and of the registry's and configs' error messages.
#include "imbgen/classifiers/classifier.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <numeric>
#include <string>
#include <vector>

#include "imbgen/classifiers/classifier_configs.h"
#include "imbgen/classifiers/metrics.h"
#include "imbgen/core/error.h"
#include "imbgen/core/rng.h"

namespace imbgen {
namespace {

struct Dataset {
  Matrix x;
  std::vector<int> y;
};

// n rows, 4 features, about 30% positives (or `classes` balanced classes): class c shifts
// features 0 and 1 by 2.5 * c; feature 2 is noise on a large scale, feature 3 pure noise.
Dataset make_data(size_t n, uint64_t seed, int classes = 2) {
  Rng rng(seed);
  Dataset d{Matrix(n, 4), std::vector<int>(n)};
  for (size_t i = 0; i < n; ++i) {
    const int c = classes == 2 ? (rng.uniform() < 0.3 ? 1 : 0) : static_cast<int>(i % classes);
    d.y[i] = c;
    d.x(i, 0) = rng.normal() + 2.5 * c;
    d.x(i, 1) = rng.normal() - 2.5 * c;
    d.x(i, 2) = 1000.0 + 300.0 * rng.normal();
    d.x(i, 3) = rng.normal();
  }
  return d;
}

std::vector<double> column(const Matrix& m, size_t c) {
  std::vector<double> out(m.rows);
  for (size_t i = 0; i < m.rows; ++i) out[i] = m(i, c);
  return out;
}

std::string error_message(const std::function<void()>& f, ErrorKind kind) {
  try {
    f();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), kind) << e.what();
    return e.what();
  }
  ADD_FAILURE() << "expected an imbgen::Error";
  return {};
}

class ClassifierConformance : public ::testing::TestWithParam<std::string> {
 protected:
  std::unique_ptr<Classifier> make(uint64_t seed = 3, int threads = 1) {
    return make_classifier(GetParam(), nlohmann::json::object(), {seed, threads});
  }
};

TEST_P(ClassifierConformance, FitsSeparableDataWithHighAuc) {
  const Dataset train = make_data(300, 1), test = make_data(200, 2);
  auto clf = make();
  EXPECT_EQ(clf->name(), GetParam());
  clf->fit(train.x, train.y, {});
  const Matrix scores = clf->predict_proba(test.x);
  ASSERT_EQ(scores.rows, test.x.rows);
  ASSERT_EQ(scores.cols, 2u);
  for (size_t i = 0; i < scores.rows; ++i) {
    ASSERT_TRUE(std::isfinite(scores(i, 0)) && std::isfinite(scores(i, 1)));
    if (clf->score_kind() == ScoreKind::kProbability) {
      EXPECT_GE(scores(i, 1), 0.0);
      EXPECT_LE(scores(i, 1), 1.0);
      EXPECT_NEAR(scores(i, 0) + scores(i, 1), 1.0, 1e-6);
    } else {
      EXPECT_EQ(scores(i, 0), -scores(i, 1));
    }
  }
  EXPECT_GT(roc_auc(test.y, column(scores, 1)), 0.97);
  const double threshold = clf->score_kind() == ScoreKind::kProbability ? 0.5 : 0.0;
  EXPECT_GT(binary_metrics(test.y, column(scores, 1), threshold).accuracy, 0.9);
}

TEST_P(ClassifierConformance, SameSeedGivesIdenticalScores) {
  const Dataset train = make_data(250, 4), test = make_data(50, 5);
  auto a = make(11), b = make(11);
  a->fit(train.x, train.y, {});
  b->fit(train.x, train.y, {});
  EXPECT_EQ(a->predict_proba(test.x).data, b->predict_proba(test.x).data);
  // Refitting the same instance gives the same model too.
  const Matrix first = a->predict_proba(test.x);
  a->fit(train.x, train.y, {});
  EXPECT_EQ(a->predict_proba(test.x).data, first.data);
}

TEST_P(ClassifierConformance, ConfigRoundTripsThroughJson) {
  auto clf = make();
  const nlohmann::json config = clf->config();
  ASSERT_TRUE(config.is_object());
  EXPECT_FALSE(config.empty());  // defaults are included
  const nlohmann::json reparsed = nlohmann::json::parse(config.dump());
  EXPECT_EQ(make_classifier(GetParam(), reparsed)->config(), config);
}

TEST_P(ClassifierConformance, UnknownConfigKeyIsAnError) {
  const std::string msg = error_message(
      [&] {
        make_classifier(GetParam(), {{"no_such_key", 1}});
      },
      ErrorKind::kInvalidArgument);
  EXPECT_NE(msg.find(GetParam() + " config: unknown key 'no_such_key' (valid keys: "),
            std::string::npos)
      << msg;
}

TEST_P(ClassifierConformance, SampleWeightsChangeTheFit) {
  const Dataset train = make_data(200, 6), test = make_data(50, 7);
  auto plain = make(), weighted = make();
  plain->fit(train.x, train.y, {});
  weighted->fit(train.x, train.y, balanced_sample_weights(train.y));
  const Matrix a = plain->predict_proba(test.x), b = weighted->predict_proba(test.x);
  double max_diff = 0;
  for (size_t i = 0; i < a.data.size(); ++i)
    max_diff = std::max(max_diff, std::fabs(a.data[i] - b.data[i]));
  EXPECT_GT(max_diff, 1e-3);
}

TEST_P(ClassifierConformance, HandlesThreeClasses) {
  const Dataset train = make_data(240, 8, 3), test = make_data(90, 9, 3);
  auto clf = make();
  clf->fit(train.x, train.y, {});
  const Matrix scores = clf->predict_proba(test.x);
  ASSERT_EQ(scores.rows, 90u);
  ASSERT_EQ(scores.cols, 3u);
  size_t correct = 0;
  for (size_t i = 0; i < scores.rows; ++i) {
    size_t best = 0;
    double sum = 0;
    for (size_t c = 0; c < 3; ++c) {
      sum += scores(i, c);
      if (scores(i, c) > scores(i, best)) best = c;
    }
    if (clf->score_kind() == ScoreKind::kProbability) {
      EXPECT_NEAR(sum, 1.0, 1e-6);
    }
    correct += static_cast<int>(best) == test.y[i];
  }
  EXPECT_GT(static_cast<double>(correct) / 90.0, 0.85);
}

TEST_P(ClassifierConformance, RejectsBadInput) {
  const Dataset d = make_data(20, 10);
  auto clf = make();
  EXPECT_EQ(error_message([&] { clf->predict_proba(d.x); }, ErrorKind::kInvalidArgument),
            GetParam() + ": predict_proba: the classifier is not fitted; call fit() first");
  EXPECT_EQ(error_message([&] { clf->fit(d.x, std::vector<int>(19, 0), {}); },
                          ErrorKind::kInvalidArgument),
            GetParam() + ": fit: expected one label per row (20), got 19 labels");
  EXPECT_EQ(error_message([&] { clf->fit(d.x, std::vector<int>(20, 1), {}); },
                          ErrorKind::kInvalidArgument),
            GetParam() + ": fit: class 0 has no training rows (labels must cover 0..1)");
  EXPECT_EQ(error_message([&] { clf->fit(d.x, std::vector<int>(20, 0), {}); },
                          ErrorKind::kInvalidArgument),
            GetParam() +
                ": fit: expected at least two classes in the training labels, got only class 0 "
                "(20 rows)");
  std::vector<double> w(20, 1.0);
  w[3] = -1;
  EXPECT_EQ(error_message([&] { clf->fit(d.x, d.y, w); }, ErrorKind::kInvalidArgument),
            GetParam() + ": fit: sample weight of row 3: expected a finite number >= 0, got -1");
  clf->fit(d.x, d.y, {});
  EXPECT_EQ(error_message([&] { clf->predict_proba(Matrix(2, 3)); }, ErrorKind::kInvalidArgument),
            GetParam() + ": predict_proba: expected 4 feature columns (as in fit), got 3");
}

INSTANTIATE_TEST_SUITE_P(AllClassifiers, ClassifierConformance,
                         ::testing::ValuesIn(classifier_names()),
                         [](const auto& test_param) { return test_param.param; });

TEST(ClassifierRegistry, UnknownNameListsValidNames) {
  EXPECT_EQ(error_message([] { make_classifier("knn"); }, ErrorKind::kNotFound),
            "unknown classifier 'knn'; valid names: logistic, linear_svm, svm_rbf, random_forest, "
            "xgboost");
}

TEST(ClassifierRegistry, InvalidConfigListsEveryProblem) {
  EXPECT_EQ(
      error_message(
          [] {
            make_classifier("svm_rbf", {{"C", -1}, {"gamma", "auto"}, {"max_train_rows", 1.5}});
          },
          ErrorKind::kInvalidArgument),
      "svm_rbf config: 'gamma': expected \"scale\" or a number, got \"auto\"; "
      "'max_train_rows': expected an integer, got 1.5; 'C' must be a finite number > 0, "
      "got -1");
  EXPECT_EQ(error_message(
                [] {
                  make_classifier("xgboost", {{"learning_rate", 0}, {"max_depth", 0}});
                },
                ErrorKind::kInvalidArgument),
            "xgboost config: 'max_depth' must be >= 1, got 0; 'learning_rate' must be in (0, 1], "
            "got 0");
  EXPECT_EQ(error_message([] { make_classifier("logistic", nlohmann::json::array()); },
                          ErrorKind::kInvalidArgument),
            "logistic config: expected a JSON object, got array");
  EXPECT_EQ(error_message(
                [] {
                  make_classifier("random_forest", {}, {1, 0});
                },
                ErrorKind::kInvalidArgument),
            "random_forest: context.threads must be >= 1, got 0");
}

TEST(ClassifierConfig, DefaultsAndRoundTrip) {
  SvmRbfConfig svm;
  EXPECT_EQ(svm.to_json()["gamma"], "scale");
  EXPECT_EQ(svm.to_json()["max_train_rows"], 20000);
  EXPECT_EQ(svm.to_json()["solver"], "imbgen");
  svm.gamma = 0.25;
  svm.shrinking = false;
  svm.solver = "libsvm";
  const SvmRbfConfig back = SvmRbfConfig::from_json(svm.to_json());
  EXPECT_EQ(back.gamma, 0.25);
  EXPECT_FALSE(back.shrinking);
  EXPECT_EQ(back.solver, "libsvm");
  EXPECT_EQ(error_message(
                [] {
                  SvmRbfConfig::from_json({{"solver", "smo"}});
                },
                ErrorKind::kInvalidArgument),
            "svm_rbf config: 'solver' must be \"imbgen\" or \"libsvm\", got \"smo\"");
  EXPECT_EQ(RandomForestConfig::from_json({{"n_estimators", 7}}).n_estimators, 7);
  EXPECT_EQ(LogisticConfig::from_json({}).c, 1.0);
}

TEST(ClassifierConfig, RandomForestDefaultsAreScikitLearnsForest) {
  const RandomForestConfig rf;
  EXPECT_EQ(rf.to_json()["max_depth"], 0);  // unlimited
  EXPECT_EQ(rf.to_json()["colsample_bynode"], "sqrt");
  EXPECT_EQ(rf.to_json()["reg_lambda"], 0.0);
  EXPECT_FALSE(RandomForestConfig::from_json({{"colsample_bynode", "sqrt"}}).colsample_bynode);
  EXPECT_EQ(RandomForestConfig::from_json({{"colsample_bynode", 0.25}}).colsample_bynode, 0.25);
  EXPECT_EQ(error_message(
                [] {
                  make_classifier(
                      "random_forest",
                      {{"colsample_bynode", "log2"}, {"max_depth", -1}, {"min_child_weight", 0}});
                },
                ErrorKind::kInvalidArgument),
            "random_forest config: 'colsample_bynode': expected \"sqrt\" or a number, got "
            "\"log2\"; 'max_depth' must be >= 0 (0 = unlimited), got -1; 'min_child_weight' and "
            "'reg_lambda' cannot both be 0 (a leaf without weight would divide by zero)");
}

// Rows shared with the scikit-learn script below: 24 training rows, 8 test rows.
Dataset sklearn_rows(int begin, int end) {
  Dataset d{Matrix(static_cast<size_t>(end - begin), 3), {}};
  for (int i = begin; i < end; ++i) {
    const int y = (i * 5) % 8 < 3 ? 1 : 0;
    const auto r = static_cast<size_t>(i - begin);
    d.y.push_back(y);
    d.x(r, 0) = ((i * 7) % 10) / 3.0 + 0.8 * y;
    d.x(r, 1) = ((i * 3) % 11) * 100 - 50 * y;
    d.x(r, 2) = ((i * i) % 13) / 13.0;
  }
  return d;
}

// Reference values from /usr/bin/python3 (scikit-learn 1.2.1):
//
//   import numpy as np
//   from sklearn.preprocessing import StandardScaler
//   from sklearn.linear_model import LogisticRegression
//   from sklearn.svm import LinearSVC
//   rows = []
//   for i in range(32):
//       y = 1 if (i * 5) % 8 < 3 else 0
//       rows.append((((i * 7) % 10) / 3 + 0.8 * y, ((i * 3) % 11) * 100 - 50 * y,
//                    ((i * i) % 13) / 13, y))
//   a = np.array(rows); X, y = a[:, :3], a[:, 3].astype(int)
//   sc = StandardScaler().fit(X[:24]); Z = sc.transform(X)
//   for cw in [None, "balanced"]:
//       lr = LogisticRegression(C=1.0, solver="liblinear", tol=1e-10, max_iter=10000,
//                               class_weight=cw).fit(Z[:24], y[:24])
//       print("logistic", cw, [float(v) for v in lr.predict_proba(Z[24:])[:, 1]])
//   svc = LinearSVC(C=1.0, loss="squared_hinge", dual=True, tol=1e-10,
//                   max_iter=1000000).fit(Z[:24], y[:24])
//   print("linear_svm", [float(v) for v in svc.decision_function(Z[24:])])
//
// scikit-learn's liblinear solves the same strictly convex problem (bias feature 1, regularised,
// intercept_scaling=1; class_weight="balanced" = per-class C multipliers n / (2 n_c), what
// balanced_sample_weights gives). Both sides run to a tight tolerance, so the optima agree to the
// solvers' accuracy: 1e-6 on probabilities and decision values leaves a wide margin over the
// <= 1.5e-10 differences measured, and is far below the differences between distinct models.
constexpr double kSklearnTol = 1e-6;

TEST(Logistic, MatchesSklearnLiblinear) {
  const Dataset train = sklearn_rows(0, 24), test = sklearn_rows(24, 32);
  const std::vector<double> plain = {0.4625153178780999,  0.24285660279809268, 0.23059827356402984,
                                     0.34807816197734875, 0.34124404229873495, 0.4532871049939237,
                                     0.2025423979737331,  0.5966573582060594};
  const std::vector<double> balanced = {
      0.5620709608889349, 0.34672371042055167, 0.3294664552385235, 0.45463059031281255,
      0.4484290179153766, 0.5542475237168285,  0.2971050014922895, 0.674705646419683};
  LogisticConfig config;
  config.eps = 1e-10;
  config.bias = 1.0;  // intercept_scaling=1
  auto clf = make_logistic(config);
  clf->fit(train.x, train.y, {});
  const Matrix p = clf->predict_proba(test.x);
  for (size_t i = 0; i < plain.size(); ++i) EXPECT_NEAR(p(i, 1), plain[i], kSklearnTol) << i;
  clf->fit(train.x, train.y, balanced_sample_weights(train.y));
  const Matrix pb = clf->predict_proba(test.x);
  for (size_t i = 0; i < balanced.size(); ++i) {
    EXPECT_NEAR(pb(i, 1), balanced[i], kSklearnTol) << i;
  }
}

// Reference values from /usr/bin/python3 (scikit-learn 1.2.1), rows and scaling as above:
//
//   for cw in [None, "balanced"]:
//       lr = LogisticRegression(tol=1e-10, max_iter=10000, class_weight=cw).fit(Z[:24], y[:24])
//       print("lbfgs", cw, [float(v) for v in lr.predict_proba(Z[24:])[:, 1]])
//
// scikit-learn's default LogisticRegression() (lbfgs) leaves the intercept unpenalised. The
// default "logistic" (bias 100: the intercept's penalty is (intercept / 100)^2 / 2, tolerance
// 1e-4) is the same model up to that tiny penalty and the tolerance: measured at most 1.2e-5 from
// the lbfgs optimum, so 1e-4 leaves a margin; bias 1 (the default before) is more than 0.01 off.
TEST(Logistic, DefaultsMatchSklearnDefaultLogisticRegression) {
  constexpr double kLbfgsTol = 1e-4;
  const Dataset train = sklearn_rows(0, 24), test = sklearn_rows(24, 32);
  const std::vector<double> plain = {0.441146262391041,  0.22565503355896313, 0.2136086859237029,
                                     0.3274373620969768, 0.32121515156082336, 0.43275418610519395,
                                     0.1871880616385522, 0.5779340377566436};
  const std::vector<double> balanced = {
      0.5605766653042819,  0.3452710682287563, 0.32802535069500965, 0.4530647728705527,
      0.44689766238472234, 0.5527980428289794, 0.2957592890606845,  0.6734690478398645};
  auto clf = make_classifier("logistic");
  clf->fit(train.x, train.y, {});
  const Matrix p = clf->predict_proba(test.x);
  for (size_t i = 0; i < plain.size(); ++i) EXPECT_NEAR(p(i, 1), plain[i], kLbfgsTol) << i;
  clf->fit(train.x, train.y, balanced_sample_weights(train.y));
  const Matrix pb = clf->predict_proba(test.x);
  for (size_t i = 0; i < balanced.size(); ++i) {
    EXPECT_NEAR(pb(i, 1), balanced[i], kLbfgsTol) << i;
  }
  // With bias 1 the penalised intercept gives a visibly different model on these rows.
  auto old = make_classifier("logistic", {{"bias", 1.0}});
  old->fit(train.x, train.y, {});
  EXPECT_GT(std::fabs(old->predict_proba(test.x)(0, 1) - plain[0]), 0.01);
}

TEST(LinearSvm, MatchesSklearnLinearSvcDecisionValues) {
  const Dataset train = sklearn_rows(0, 24), test = sklearn_rows(24, 32);
  const std::vector<double> want = {
      -0.08132557474463381, -0.6374610868669934,  -0.6280829955872219, -0.33235108221401044,
      -0.36638808487940666, -0.12541428877441707, -0.7278297227070616, 0.21354455546640216};
  // The same optimum from either solver ("auto" takes the primal one: 24 rows, 3 features).
  for (const char* solver : {"auto", "primal", "dual"}) {
    LinearSvmConfig config;
    config.eps = 1e-10;
    config.solver = solver;
    auto clf = make_linear_svm(config);
    EXPECT_EQ(clf->score_kind(), ScoreKind::kDecision);
    clf->fit(train.x, train.y, {});
    const Matrix d = clf->predict_proba(test.x);
    for (size_t i = 0; i < want.size(); ++i)
      EXPECT_NEAR(d(i, 1), want[i], kSklearnTol) << solver << " " << i;
  }
}

// Reference values from /usr/bin/python3 (scikit-learn 1.2.1), rows and scaling as above:
//
//   from sklearn.svm import SVC
//   for cw in [None, "balanced"]:
//       svc = SVC(tol=1e-10, class_weight=cw).fit(Z[:24], y[:24])
//       print("svm_rbf", cw, [float(v) for v in svc.decision_function(Z[24:])])
//   print("default", [float(v) for v in SVC().fit(Z[:24], y[:24]).decision_function(Z[24:])])
//
// scikit-learn's SVC wraps libsvm too: the same dual problem (gamma "scale" on the same
// standardised rows, class_weight "balanced" as per-class C multipliers). At a tight tolerance
// both reach its optimum. At the default tolerance 1e-3 the two libsvm versions (Debian's and
// scikit-learn's fork) stop at different iterates near it, measured up to 5.7e-4 apart: 2e-3
// checks the defaults (C 1, gamma "scale") without asking for more than the tolerance gives.
TEST(SvmRbf, MatchesSklearnSvcDecisionValues) {
  const Dataset train = sklearn_rows(0, 24), test = sklearn_rows(24, 32);
  const std::vector<double> plain = {
      -0.7459781582515912, -0.6280054167027209,  -0.8270147851143277, -1.0200684626004264,
      -0.5607989265507345, -0.08993163673811805, -0.7526610314304922, 1.016731209723864};
  const std::vector<double> balanced = {
      -0.6676811843091195, -0.31132430504132114, -0.7185407949809917, -1.025924206238563,
      -0.08578644798848292, 0.45467910441695886, -0.5268443449047997, 1.3036786939247385};
  const std::vector<double> defaults = {
      -0.746141944141622,  -0.6281561440776614,  -0.8268923328354311, -1.020152965993573,
      -0.5609625480009066, -0.09021473763046733, -0.7527820803151115, 1.0163657653457487};
  auto tight = make_classifier("svm_rbf", {{"eps", 1e-10}});
  EXPECT_EQ(tight->score_kind(), ScoreKind::kDecision);
  tight->fit(train.x, train.y, {});
  const Matrix d = tight->predict_proba(test.x);
  for (size_t i = 0; i < plain.size(); ++i) {
    EXPECT_NEAR(d(i, 1), plain[i], kSklearnTol) << i;
    EXPECT_EQ(d(i, 0), -d(i, 1)) << i;
  }
  tight->fit(train.x, train.y, balanced_sample_weights(train.y));
  const Matrix db = tight->predict_proba(test.x);
  for (size_t i = 0; i < balanced.size(); ++i) EXPECT_NEAR(db(i, 1), balanced[i], kSklearnTol);
  auto plain_default = make_classifier("svm_rbf");
  plain_default->fit(train.x, train.y, {});
  const Matrix dd = plain_default->predict_proba(test.x);
  for (size_t i = 0; i < defaults.size(); ++i) EXPECT_NEAR(dd(i, 1), defaults[i], 2e-3) << i;
}

// Three classes: 45 rows, the first 36 for training. Reference from /usr/bin/python3
// (scikit-learn 1.2.1), whose default decision_function_shape="ovr" turns libsvm's pairwise values
// into one score per class (votes plus squashed summed confidence):
//
//   rows = []
//   for i in range(45):
//       c = i % 3
//       rows.append((((i * 7) % 10) / 3 + 1.1 * c, ((i * 3) % 11) * 100 - 40 * (c == 1),
//                    ((i * i) % 13) / 13 + 0.5 * (c == 2), c))
//   a = np.array(rows); X, y = a[:, :3], a[:, 3].astype(int)
//   sc = StandardScaler().fit(X[:36]); Z = sc.transform(X)
//   print(SVC(tol=1e-10).fit(Z[:36], y[:36]).decision_function(Z[36:]).tolist())
TEST(SvmRbf, ThreeClassScoresMatchSklearnOvrDecisionFunction) {
  Dataset d{Matrix(45, 3), {}};
  for (int i = 0; i < 45; ++i) {
    const int c = i % 3;
    const auto r = static_cast<size_t>(i);
    d.y.push_back(c);
    d.x(r, 0) = ((i * 7) % 10) / 3.0 + 1.1 * c;
    d.x(r, 1) = ((i * 3) % 11) * 100 - 40.0 * (c == 1);
    d.x(r, 2) = ((i * i) % 13) / 13.0 + 0.5 * (c == 2);
  }
  std::vector<size_t> first(36), last(9);
  std::iota(first.begin(), first.end(), 0);
  std::iota(last.begin(), last.end(), 36);
  const std::vector<int> y_train(d.y.begin(), d.y.begin() + 36);
  const std::vector<std::vector<double>> want = {
      {2.2265216995057435, 0.9522861114246941, -0.2204807036490211},
      {-0.19276732209450215, 2.2057978003290013, 0.9349892948467182},
      {-0.22622763177285865, 1.175723014528355, 2.1664388244063724},
      {2.185853132682543, 1.1420516590176804, -0.22232661211461882},
      {1.1311140155001265, 2.1674853831180805, -0.207937478366017},
      {-0.23022090239665138, 1.1069452803348077, 2.212574351080047},
      {2.189769241853783, 1.1294791203396484, -0.22060642648126946},
      {2.194942103795517, 1.1820877971493098, -0.24106246544981128},
      {-0.15805572052429367, 0.8998385502097918, 2.190351937742736}};
  auto clf = make_classifier("svm_rbf", {{"eps", 1e-10}});
  clf->fit(d.x.select_rows(first), y_train, {});
  const Matrix s = clf->predict_proba(d.x.select_rows(last));
  ASSERT_EQ(s.cols, 3u);
  for (size_t i = 0; i < want.size(); ++i) {
    for (size_t c = 0; c < 3; ++c) EXPECT_NEAR(s(i, c), want[i][c], kSklearnTol) << i << " " << c;
  }
}

// probability=true: libsvm's Platt-scaled probabilities, rows summing to 1, ranking the rows as
// the decision values of libsvm's own model do (binary Platt scaling is a monotone map of them).
TEST(SvmRbf, ProbabilityOptionGivesPlattProbabilities) {
  const Dataset train = make_data(200, 21), test = make_data(60, 22);
  auto decision = make_classifier("svm_rbf", {{"solver", "libsvm"}});
  auto platt = make_classifier("svm_rbf", {{"probability", true}});
  EXPECT_EQ(platt->score_kind(), ScoreKind::kProbability);
  EXPECT_EQ(platt->config().at("probability"), true);
  EXPECT_EQ(decision->config().at("probability"), false);
  decision->fit(train.x, train.y, {});
  platt->fit(train.x, train.y, {});
  const Matrix d = decision->predict_proba(test.x), p = platt->predict_proba(test.x);
  size_t concordant = 0, pairs = 0;
  for (size_t i = 0; i < test.x.rows; ++i) {
    EXPECT_NEAR(p(i, 0) + p(i, 1), 1.0, 1e-12);
    EXPECT_GE(p(i, 1), 0.0);
    EXPECT_LE(p(i, 1), 1.0);
    for (size_t j = 0; j < i; ++j) {
      if (d(i, 1) == d(j, 1) || p(i, 1) == p(j, 1)) continue;
      ++pairs;
      concordant += (d(i, 1) < d(j, 1)) == (p(i, 1) < p(j, 1));
    }
  }
  EXPECT_GT(pairs, 1000u);
  EXPECT_EQ(concordant, pairs);
}

TEST(LinearSvm, SolverIsAutoPrimalOrDual) {
  EXPECT_EQ(LinearSvmConfig::from_json({}).solver, "auto");
  EXPECT_EQ(LinearSvmConfig::from_json({{"solver", "dual"}}).to_json().at("solver"), "dual");
  for (const nlohmann::json& bad : {nlohmann::json("newton"), nlohmann::json(1)}) {
    try {
      LinearSvmConfig::from_json({{"solver", bad}});
      ADD_FAILURE() << "no error for " << bad.dump();
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("\"auto\", \"primal\" or \"dual\""),
                std::string::npos)
          << e.what();
    }
  }
}

// Reference values from /usr/bin/python3 (scikit-learn 1.2.1): the rows of sklearn_rows with a
// fourth, 0/1 column, standardised as a scikit-learn pipeline does it (numbers scaled, the 0/1
// column, like a one-hot column, left as it is):
//
//   rows.append((..., 1.0 if (i * 5) % 7 < 2 else 0.0, y))   # otherwise the script above
//   sc = StandardScaler().fit(X[:24, :3])
//   Z = np.hstack([sc.transform(X[:, :3]), X[:, 3:]])
//   lr = LogisticRegression(C=1.0, solver="liblinear", tol=1e-10, max_iter=10000).fit(Z[:24],
//                                                                                     y[:24])
//   print([float(v) for v in lr.predict_proba(Z[24:])[:, 1]])
//
// Standardising the 0/1 column as well moves these probabilities by up to 0.035.
TEST(Logistic, LeavesZeroOneColumnsUnscaledAsSklearnPipelines) {
  // sklearn_rows(begin, end) with the 0/1 column appended.
  auto rows = [](int begin, int end) {
    const Dataset d = sklearn_rows(begin, end);
    Dataset out{Matrix(d.x.rows, 4), d.y};
    for (size_t r = 0; r < d.x.rows; ++r) {
      for (size_t j = 0; j < 3; ++j) out.x(r, j) = d.x(r, j);
      out.x(r, 3) = ((static_cast<size_t>(begin) + r) * 5) % 7 < 2 ? 1.0 : 0.0;
    }
    return out;
  };
  const Dataset train = rows(0, 24), test = rows(24, 32);
  const std::vector<double> want = {0.47468391223637063, 0.2331459684238694, 0.23010245692196948,
                                    0.34168993448512486, 0.3514685205833553, 0.4415225771098172,
                                    0.20206573150177232, 0.6123067806600959};
  LogisticConfig config;
  config.eps = 1e-10;
  config.bias = 1.0;
  auto clf = make_logistic(config);
  clf->fit(train.x, train.y, {});
  const Matrix p = clf->predict_proba(test.x);
  for (size_t i = 0; i < want.size(); ++i) EXPECT_NEAR(p(i, 1), want[i], kSklearnTol) << i;
}

TEST(Logistic, RejectsWeightsThatVaryWithinAClass) {
  const Dataset d = make_data(30, 12);
  std::vector<double> w(30, 1.0);
  size_t row = 0;
  while (d.y[row] != 0) ++row;
  w[row] = 2.0;
  const std::string msg = error_message([&] { make_classifier("logistic")->fit(d.x, d.y, w); },
                                        ErrorKind::kUnsupported);
  EXPECT_NE(msg.find("logistic: sample weights must be constant within each class"),
            std::string::npos)
      << msg;
  EXPECT_NE(msg.find("hint: use balanced_sample_weights()"), std::string::npos) << msg;
}

TEST(Logistic, RejectsNonFiniteFeatures) {
  Dataset d = make_data(30, 13);
  d.x(4, 2) = std::nan("");
  EXPECT_EQ(error_message([&] { make_classifier("logistic")->fit(d.x, d.y, {}); },
                          ErrorKind::kInvalidArgument),
            "logistic: fit: row 4, column 2: expected a finite value, got nan (impute missing "
            "values first, or use random_forest/xgboost)");
}

// Reference leaf frequencies from /usr/bin/python3 (scikit-learn 1.2.1), on sklearn_rows(0, 24):
//
//   from sklearn.tree import DecisionTreeClassifier
//   (rows, X, y as in the script above)
//   for depth in [1, 2, 3]:
//       t = DecisionTreeClassifier(max_depth=depth, random_state=0).fit(X[:24], y[:24])
//       print(depth, [float(v) for v in t.predict_proba(X[:24])[:, 1]])
//
// One tree on every row and every feature is CART: random_forest's split gain is the Gini
// decrease and its score the class frequency of the leaf (XGBoost's cuts lie elsewhere between
// the training values than CART's midpoints, so the check is on the training rows).
TEST(RandomForest, OneFullTreeIsSklearnCart) {
  const Dataset train = sklearn_rows(0, 24);
  const double q = 1.0 / 6, r = 0.3;
  const std::vector<std::vector<double>> want = {
      {0.25, 0.25, 0.25, 0.25, 0.25, 1,    0.25, 0.25, 1,    0.25, 0.25, 0.25,
       0.25, 0.25, 0.25, 0.25, 0.25, 0.25, 1,    0.25, 0.25, 1,    0.25, 0.25},
      {1, q, q, q, q, 1, q, q, 1, q, q, q, q, 1, q, q, q, q, 1, q, q, 1, q, q},
      {1, 0, r, r, 0, 1, r, r, 1, r, r, 0, 0, 1, r, 0, r, r, 1, 0, r, 1, 0, 0}};
  for (int depth = 1; depth <= 3; ++depth) {
    RandomForestConfig config;
    config.n_estimators = 1;
    config.subsample = 1.0;
    config.colsample_bynode = 1.0;
    config.max_depth = depth;
    auto clf = make_random_forest(config);
    clf->fit(train.x, train.y, {});
    const Matrix p = clf->predict_proba(train.x);
    for (size_t i = 0; i < train.x.rows; ++i) {
      EXPECT_NEAR(p(i, 1), want[static_cast<size_t>(depth - 1)][i], 1e-6) << depth << " " << i;
    }
  }
}

// Grown without a depth limit on distinct rows, one tree on all rows separates the training
// rows: every score is the row's own class exactly (two classes and three, where XGBoost's
// softmax hessian carries a factor 2 that predict_proba must undo).
TEST(RandomForest, UnlimitedTreeReproducesTrainingLabels) {
  for (int classes : {2, 3}) {
    const Dataset d = make_data(150, 21, classes);
    auto clf = make_classifier(
        "random_forest", {{"n_estimators", 1}, {"subsample", 1.0}, {"colsample_bynode", 1.0}});
    clf->fit(d.x, d.y, {});
    const Matrix p = clf->predict_proba(d.x);
    for (size_t i = 0; i < d.x.rows; ++i) {
      for (size_t c = 0; c < static_cast<size_t>(classes); ++c) {
        EXPECT_NEAR(p(i, c), c == static_cast<size_t>(d.y[i]) ? 1.0 : 0.0, 1e-6)
            << classes << " classes, row " << i << ", class " << c;
      }
    }
  }
}

// "sqrt" draws floor(sqrt(d)) features per split: with 4 features, 2, as the fraction 0.5 does
// (XGBoost draws max(1, floor(fraction * d))), and not 3 as 0.75 does.
TEST(RandomForest, SqrtDrawsFloorOfSqrtFeatures) {
  const Dataset train = make_data(200, 22), test = make_data(60, 23);
  auto scores = [&](const nlohmann::json& colsample) {
    auto clf = make_classifier("random_forest",
                               {{"n_estimators", 10}, {"colsample_bynode", colsample}}, {7, 1});
    clf->fit(train.x, train.y, {});
    return clf->predict_proba(test.x).data;
  };
  const std::vector<double> sqrt_scores = scores("sqrt");
  EXPECT_EQ(sqrt_scores, scores(0.5));
  EXPECT_NE(sqrt_scores, scores(0.75));
}

// Scores are mean leaf frequencies, not sigmoid(margin): with rare positives XGBoost's own
// probabilities saturate at 1.0f for most positives. Here every forest score must stay distinct
// enough to rank: no more than a handful of test rows share the top score.
TEST(RandomForest, RarePositivesKeepDistinctScores) {
  Rng rng(23);
  const size_t n = 4000;
  Dataset train{Matrix(n, 4), std::vector<int>(n)}, test{Matrix(n, 4), std::vector<int>(n)};
  for (Dataset* d : {&train, &test}) {
    for (size_t i = 0; i < n; ++i) {
      const int y = rng.uniform() < 0.01 ? 1 : 0;
      d->y[i] = y;
      for (size_t j = 0; j < 4; ++j) d->x(i, j) = rng.normal() + (j < 2 ? 1.5 * y : 0.0);
    }
  }
  auto clf = make_classifier("random_forest");
  clf->fit(train.x, train.y, {});
  const std::vector<double> s = column(clf->predict_proba(test.x), 1);
  const double top = *std::max_element(s.begin(), s.end());
  EXPECT_LT(top, 1.0);
  EXPECT_LE(std::count(s.begin(), s.end(), top), 3);
  EXPECT_GT(roc_auc(test.y, s), 0.75);
}

TEST(Xgboost, TreatsNaNAsMissing) {
  Dataset d = make_data(200, 14);
  for (size_t i = 0; i < d.x.rows; i += 5) d.x(i, 0) = std::nan("");
  for (const char* name : {"xgboost", "random_forest"}) {
    auto clf = make_classifier(name);
    clf->fit(d.x, d.y, {});
    const Matrix p = clf->predict_proba(d.x);
    EXPECT_GT(roc_auc(d.y, column(p, 1)), 0.95) << name;
  }
}

// XGBoost builds trees with OpenMP threads; the result must not depend on their scheduling.
// (Tiny models: OpenMP barriers are slow when the machine is loaded, seconds for the defaults.)
TEST(Xgboost, TwoThreadsGiveIdenticalScores) {
  const Dataset train = make_data(250, 19), test = make_data(50, 20);
  for (const char* name : {"xgboost", "random_forest"}) {
    const nlohmann::json small = {{"n_estimators", 3}, {"max_depth", 3}};
    auto a = make_classifier(name, small, {5, 2});
    auto b = make_classifier(name, small, {5, 2});
    a->fit(train.x, train.y, {});
    b->fit(train.x, train.y, {});
    const Matrix pa = a->predict_proba(test.x);
    EXPECT_EQ(pa.data, b->predict_proba(test.x).data) << name;
    EXPECT_GT(roc_auc(test.y, column(pa, 1)), 0.9) << name;
  }
}

TEST(SvmRbf, TrainsOnAStratifiedSampleAndSaysSo) {
  const Dataset train = make_data(150, 15), test = make_data(100, 16);
  auto clf = make_classifier("svm_rbf", {{"max_train_rows", 60}});
  clf->fit(train.x, train.y, {});
  EXPECT_EQ(clf->note(), "trained on a stratified sample of 60 of 150 rows");
  EXPECT_GT(roc_auc(test.y, column(clf->predict_proba(test.x), 1)), 0.95);
  // A different seed draws a different sample.
  auto other = make_classifier("svm_rbf", {{"max_train_rows", 60}}, {99, 1});
  other->fit(train.x, train.y, {});
  EXPECT_NE(other->predict_proba(test.x).data, clf->predict_proba(test.x).data);
  // No sampling, no note.
  auto full = make_classifier("svm_rbf");
  full->fit(train.x, train.y, {});
  EXPECT_EQ(full->note(), "");
}

// gamma="scale" is 1 / (n_features * var(Z)); standardised columns without constant ones have
// var(Z) = 1 up to rounding, so with 4 features it is 0.25.
TEST(SvmRbf, GammaScaleIsOneOverFeaturesOnStandardisedData) {
  const Dataset train = make_data(120, 17), test = make_data(40, 18);
  auto scale = make_classifier("svm_rbf");
  auto quarter = make_classifier("svm_rbf", {{"gamma", 0.25}});
  auto two = make_classifier("svm_rbf", {{"gamma", 2.0}});
  for (auto* clf : {scale.get(), quarter.get(), two.get()}) clf->fit(train.x, train.y, {});
  const Matrix a = scale->predict_proba(test.x), b = quarter->predict_proba(test.x),
               c = two->predict_proba(test.x);
  double same = 0, other = 0;
  for (size_t i = 0; i < a.data.size(); ++i) {
    same = std::max(same, std::fabs(a.data[i] - b.data[i]));
    other = std::max(other, std::fabs(a.data[i] - c.data[i]));
  }
  EXPECT_LT(same, 1e-6);
  EXPECT_GT(other, 1e-2);
}

}  // namespace
}  // namespace imbgen
