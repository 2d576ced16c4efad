// evaluate() end to end on the fraud rows: random halves score near-ideal; Gaussian noise with the
// same means and stds is caught by detection and the column tests; copied training rows are
// caught by the privacy metrics. Plus the config's JSON round trip, errors, progress and CSV.
#include "imbgen/evaluation/evaluate.h"

#include <gtest/gtest.h>

#include <cmath>
#include <numeric>
#include <sstream>
#include <string>
#include <vector>

#include "evaluation/fraud_rows.inc"
#include "imbgen/core/error.h"
#include "imbgen/core/rng.h"

namespace imbgen {
namespace {

using json = nlohmann::json;

std::vector<std::string> fraud_names() {
  return std::vector<std::string>(kFraudColumns, kFraudColumns + kFraudColumnCount);
}

// The 492 fraud rows shuffled (seeded) and dealt into three parts of 164 rows: training rows,
// candidate synthetic rows and holdout rows.
struct FraudParts {
  Matrix train, other, holdout;
};

FraudParts fraud_parts(uint64_t seed) {
  std::vector<size_t> order(kFraudRowCount);
  std::iota(order.begin(), order.end(), size_t{0});
  Rng rng(seed);
  rng.shuffle(order);
  Matrix all(kFraudRowCount, kFraudColumnCount);
  std::copy(kFraudRows, kFraudRows + kFraudRowCount * kFraudColumnCount, all.data.begin());
  auto part = [&](size_t p) {
    return all.select_rows(std::vector<size_t>(order.begin() + static_cast<long>(164 * p),
                                               order.begin() + static_cast<long>(164 * (p + 1))));
  };
  return {part(0), part(1), part(2)};
}

EvaluationConfig fast_config() {
  EvaluationConfig c;
  c.tsne_iterations = 300;
  c.mmd_permutations = 100;
  c.detection_configs = {{"xgboost", {{"n_estimators", 100}}}};
  c.threads = 2;
  return c;
}

double auc(const json& r, const char* set, const char* classifier) {
  return r["detection"][set][classifier]["roc_auc"].get<double>();
}

TEST(Evaluate, RandomHalvesOfRealRowsScoreNearIdeal) {
  const FraudParts p = fraud_parts(1);
  const json r = evaluate(p.train, p.other, &p.holdout, fraud_names(), fast_config());
  // Per column: few columns differ, and KS p-values are mostly high.
  EXPECT_LE(r["columns"]["summary"]["differ"].get<int>(), 2);
  int high = 0;
  for (const json& c : r["columns"]["per_column"]) high += c["ks"]["pvalue"].get<double>() > 0.1;
  EXPECT_GE(high, 22);
  EXPECT_LT(r["correlations"]["pearson"]["mean_abs_diff"].get<double>(), 0.15);
  EXPECT_NE(r["verdicts"]["correlations"].get<std::string>().find("as well preserved as in fresh"),
            std::string::npos)
      << r["verdicts"]["correlations"];
  // Whole rows: detectors cannot tell the halves apart; MMD finds no difference.
  EXPECT_LT(auc(r, "synthetic", "xgboost"), 0.65);
  EXPECT_LT(auc(r, "synthetic", "logistic"), 0.65);
  EXPECT_LT(auc(r, "holdout", "xgboost"), 0.65);
  EXPECT_GT(r["mmd"]["synthetic"]["pvalue"].get<double>(), 0.01);
  EXPECT_GT(r["prdc"]["synthetic"]["recall"].get<double>(), 0.6);
  EXPECT_GT(r["prdc"]["synthetic"]["coverage"].get<double>(), 0.6);
  // Privacy: as close to the training rows as to unseen rows.
  const json& priv = r["privacy"]["synthetic"];
  EXPECT_NEAR(priv["holdout_share"].get<double>(), 0.5, 0.1);
  EXPECT_NEAR(r["privacy"]["holdout"]["holdout_share"].get<double>(), 0.5, 0.1);
  EXPECT_GT(priv["dcr_median"].get<double>(),
            0.5 * r["privacy"]["holdout"]["dcr_median"].get<double>());
  EXPECT_LE(priv["exact_copies"].get<int>(), 5);  // the fraud rows hold a few duplicates
  EXPECT_NE(r["verdicts"]["detection"].get<std::string>().find("hard to tell apart"),
            std::string::npos)
      << r["verdicts"]["detection"];
  EXPECT_NE(r["verdicts"]["privacy"].get<std::string>().find("no sign of memorisation"),
            std::string::npos)
      << r["verdicts"]["privacy"];
}

TEST(Evaluate, GaussianNoiseWithSameMomentsIsDetected) {
  const FraudParts p = fraud_parts(2);
  Matrix noise(164, kFraudColumnCount);
  Rng rng(3);
  for (size_t j = 0; j < noise.cols; ++j) {
    double mean = 0, ss = 0;
    for (size_t i = 0; i < p.train.rows; ++i) mean += p.train(i, j) / p.train.rows;
    for (size_t i = 0; i < p.train.rows; ++i) ss += std::pow(p.train(i, j) - mean, 2);
    const double sd = std::sqrt(ss / p.train.rows);
    for (size_t i = 0; i < noise.rows; ++i) noise(i, j) = mean + sd * rng.normal();
  }
  const json r = evaluate(p.train, noise, &p.holdout, fraud_names(), fast_config());
  EXPECT_GT(auc(r, "synthetic", "xgboost"), 0.85);
  EXPECT_LT(auc(r, "holdout", "xgboost"), 0.65);               // while fresh real rows still pass
  EXPECT_GE(r["columns"]["summary"]["differ"].get<int>(), 5);  // halves: 0 or 1
  EXPECT_LT(r["mmd"]["synthetic"]["pvalue"].get<double>(), 0.01);
  EXPECT_GT(r["correlations"]["pearson"]["mean_abs_diff"].get<double>(), 0.2);
  EXPECT_NE(r["verdicts"]["correlations"].get<std::string>().find("distorted"), std::string::npos)
      << r["verdicts"]["correlations"];
  EXPECT_LT(r["prdc"]["synthetic"]["precision"].get<double>(), 0.5);  // off the real manifold
  EXPECT_NE(r["verdicts"]["detection"].get<std::string>().find("told apart"), std::string::npos)
      << r["verdicts"]["detection"];
}

// With fewer holdout rows than synthetic rows, the detection test runs again on as many synthetic
// rows as holdout rows: the like-for-like comparison with the fresh real rows' score. Equal sizes
// need no second run.
TEST(Evaluate, DetectionIsRepeatedAtTheHoldoutsSize) {
  const FraudParts p = fraud_parts(4);
  Matrix noise(400, kFraudColumnCount);
  Rng rng(5);
  for (size_t j = 0; j < noise.cols; ++j) {
    double mean = 0, ss = 0;
    for (size_t i = 0; i < p.train.rows; ++i) mean += p.train(i, j) / p.train.rows;
    for (size_t i = 0; i < p.train.rows; ++i) ss += std::pow(p.train(i, j) - mean, 2);
    const double sd = std::sqrt(ss / p.train.rows);
    for (size_t i = 0; i < noise.rows; ++i) noise(i, j) = mean + sd * rng.normal();
  }
  std::vector<size_t> first60(60);
  std::iota(first60.begin(), first60.end(), size_t{0});
  const Matrix holdout = p.holdout.select_rows(first60);
  EvaluationConfig c = fast_config();
  c.tsne = false;
  const json r = evaluate(p.train, noise, &holdout, fraud_names(), c);
  for (const char* name : {"xgboost", "logistic"}) {
    EXPECT_EQ(r["detection"]["synthetic"][name]["rows_per_set"], 164) << name;
    EXPECT_EQ(r["detection"]["holdout"][name]["rows_per_set"], 60) << name;
    EXPECT_EQ(r["detection"]["synthetic_matched"][name]["rows_per_set"], 60) << name;
  }
  EXPECT_GT(r["detection"]["synthetic_matched"]["xgboost"]["roc_auc"].get<double>(), 0.75);
  EXPECT_NE(r["verdicts"]["detection"].get<std::string>().find("with as few rows (60 per set)"),
            std::string::npos)
      << r["verdicts"]["detection"];

  const json same = evaluate(p.train, p.other, &p.holdout, fraud_names(), c);
  EXPECT_FALSE(same["detection"].contains("synthetic_matched"));
}

// However wide the table, the per-column detail and the heatmaps stay bounded: the columns that
// differ most are kept, the summary counts every column, and the block says what was left out.
TEST(Evaluate, DetailOfWideTablesIsBounded) {
  const FraudParts p = fraud_parts(9);
  EvaluationConfig c = fast_config();
  c.tsne = false;
  c.detection = false;
  c.mmd = false;
  c.prdc = false;
  c.privacy = false;
  c.pca = false;
  c.max_detail_columns = 5;
  c.max_heatmap_columns = 4;
  Matrix shifted = p.other;
  for (size_t i = 0; i < shifted.rows; ++i) shifted(i, 7) += 50.0;  // V8: far off
  const json r = evaluate(p.train, shifted, &p.holdout, fraud_names(), c);
  const json& cols = r["columns"];
  ASSERT_EQ(cols["per_column"].size(), 5u);
  EXPECT_EQ(cols["summary"]["columns"], kFraudColumnCount);
  EXPECT_EQ(cols["summary"]["per_column_kept"], 5);
  bool has_v8 = false;
  for (const auto& e : cols["per_column"]) has_v8 = has_v8 || e["name"] == fraud_names()[7];
  EXPECT_TRUE(has_v8) << "the most shifted column must be kept";
  EXPECT_NE(cols["left_out"].get<std::string>().find("5 of " + std::to_string(kFraudColumnCount)),
            std::string::npos);
  const json& plot = r["correlations"]["plot"];
  EXPECT_EQ(plot["columns"].size(), 4u);
  EXPECT_EQ(plot["pearson_real"].size(), 4u);
  EXPECT_EQ(plot["spearman_holdout"].size(), 4u);
  EXPECT_EQ(r["correlations"]["pearson"]["pairs"].get<size_t>() +
                r["correlations"]["pearson"]["skipped_pairs"].get<size_t>(),
            static_cast<size_t>(kFraudColumnCount * (kFraudColumnCount - 1) / 2));
  EXPECT_TRUE(r["correlations"].contains("plot_left_out"));
  // Below the caps nothing is left out.
  c.max_detail_columns = 100;
  c.max_heatmap_columns = 100;
  const json all = evaluate(p.train, shifted, &p.holdout, fraud_names(), c);
  EXPECT_EQ(all["columns"]["per_column"].size(), static_cast<size_t>(kFraudColumnCount));
  EXPECT_FALSE(all["columns"].contains("left_out"));
  EXPECT_FALSE(all["correlations"].contains("plot_left_out"));
}

// Fewer than 10 holdout rows give no correlation yardstick: fixed thresholds instead.
TEST(Evaluate, CorrelationsNeedTenHoldoutRowsForTheComparison) {
  const FraudParts p = fraud_parts(8);
  EvaluationConfig c = fast_config();
  c.tsne = false;
  c.detection = false;
  c.mmd = false;
  const Matrix nine = p.holdout.select_rows({0, 1, 2, 3, 4, 5, 6, 7, 8});
  const json few = evaluate(p.train, p.other, &nine, fraud_names(), c);
  EXPECT_FALSE(few["correlations"]["pearson"].contains("holdout_mean_abs_diff"));
  EXPECT_EQ(few["correlations"]["holdout_skipped"], "needs at least 10 holdout rows, got 9");
  EXPECT_EQ(few["verdicts"]["correlations"].get<std::string>().find("fresh real rows"),
            std::string::npos)
      << few["verdicts"]["correlations"];
  const Matrix ten = p.holdout.select_rows({0, 1, 2, 3, 4, 5, 6, 7, 8, 9});
  const json enough = evaluate(p.train, p.other, &ten, fraud_names(), c);
  EXPECT_TRUE(enough["correlations"]["pearson"].contains("holdout_mean_abs_diff"));
}

TEST(Evaluate, CopiedTrainingRowsFailPrivacy) {
  const FraudParts p = fraud_parts(4);
  Rng rng(5);
  std::vector<size_t> picks(164);
  for (size_t& v : picks) v = rng.index(p.train.rows);
  const Matrix copies = p.train.select_rows(picks);
  EvaluationConfig c = fast_config();
  c.detection = false;
  c.tsne = false;
  const json r = evaluate(p.train, copies, &p.holdout, fraud_names(), c);
  const json& priv = r["privacy"]["synthetic"];
  EXPECT_EQ(priv["exact_copies"].get<int>(), 164);
  EXPECT_EQ(priv["dcr_median"].get<double>(), 0.0);
  EXPECT_GT(priv["holdout_share"].get<double>(), 0.95);
  EXPECT_NEAR(r["privacy"]["holdout"]["holdout_share"].get<double>(), 0.5, 0.1);
  const std::string verdict = r["verdicts"]["privacy"].get<std::string>();
  EXPECT_NE(verdict.find("strong sign of memorisation"), std::string::npos) << verdict;
  EXPECT_NE(verdict.find("164 exact copies"), std::string::npos) << verdict;
  EXPECT_FALSE(r.contains("detection"));  // turned off: absent
}

TEST(Evaluate, OutputHoldsPlotDataVerdictsAndTimings) {
  const FraudParts p = fraud_parts(6);
  EvaluationConfig c = fast_config();
  c.detection_classifiers = {"logistic"};
  c.detection_configs = json::object();
  c.tsne_max_points = 200;
  const Matrix holdout = p.holdout.select_rows({0, 1, 2, 3, 4, 5, 6, 7, 8, 9});
  const json r = evaluate(p.train, p.other, &holdout, fraud_names(), c);
  EXPECT_EQ(r["format"], "imbgen.evaluation");
  EXPECT_EQ(r["version"], 1);
  EXPECT_EQ(r["rows"]["holdout"], 10);
  for (const std::string& block : evaluation_block_names()) {
    EXPECT_TRUE(r["verdicts"].contains(block)) << block;
    EXPECT_TRUE(r["timings"].contains(block)) << block;
  }
  EXPECT_EQ(r["columns"]["per_column"].size(), 29u);
  EXPECT_EQ(r["columns"]["per_column"][0]["real"]["quantiles"].size(), c.quantiles.size());
  EXPECT_EQ(r["correlations"]["plot"]["pearson_real"].size(), 29u);
  EXPECT_EQ(r["pca"]["plot"]["synthetic"]["x"].size(), 164u);
  EXPECT_EQ(r["pca"]["plot"]["holdout"]["y"].size(), 10u);
  // t-SNE shares its 200 points: all 10 holdout rows, 95 real and 95 synthetic.
  EXPECT_EQ(r["tsne"]["points"]["holdout"], 10);
  EXPECT_EQ(r["tsne"]["points"]["real"], 95);
  EXPECT_EQ(r["tsne"]["plot"]["synthetic"]["x"].size(), 95u);
  EXPECT_GT(r["tsne"]["trustworthiness"].get<double>(), 0.8);
  // PRDC compares equally many synthetic and holdout rows.
  EXPECT_EQ(r["prdc"]["synthetic"]["rows_other"], 10);
  // 10 holdout rows are too few for a 5-fold detection test (4 rows per set and test fold).
  EXPECT_NE(r["detection"]["holdout"]["logistic"]["skipped"].get<std::string>().find(
                "5 folds need at least 20 rows in each set"),
            std::string::npos)
      << r["detection"]["holdout"];
  EXPECT_EQ(r["detection"]["synthetic"]["logistic"]["folds"], 5);
  const double total = r["timings"]["total"].get<double>();
  double sum = 0.0;
  for (const std::string& block : evaluation_block_names())
    sum += r["timings"][block].get<double>();
  EXPECT_LE(sum, total + 1e-9);

  const std::string csv = flatten_to_csv(r);
  EXPECT_EQ(csv.rfind("key,value\n", 0), 0u);
  EXPECT_NE(csv.find("\ndetection.synthetic.logistic.roc_auc,"), std::string::npos);
  EXPECT_NE(csv.find("\ncolumns.per_column.V14.ks.pvalue,"), std::string::npos);
  EXPECT_NE(csv.find("\ncolumns.per_column.Amount.real.quantiles.3,"), std::string::npos);
  EXPECT_NE(csv.find("\nverdicts.privacy,"), std::string::npos);
  EXPECT_EQ(csv.find("plot"), std::string::npos);
  // Every line has a key and a value field (verdicts with commas are quoted).
  std::istringstream lines(csv);
  std::string line;
  while (std::getline(lines, line)) EXPECT_NE(line.find(','), std::string::npos) << line;
}

TEST(Evaluate, SameSeedSameResult) {
  const FraudParts p = fraud_parts(7);
  EvaluationConfig c = fast_config();
  c.detection_classifiers = {"logistic"};
  c.detection_configs = json::object();
  c.tsne_max_points = 100;
  json a = evaluate(p.train, p.other, &p.holdout, fraud_names(), c);
  json b = evaluate(p.train, p.other, &p.holdout, fraud_names(), c);
  a.erase("timings");
  b.erase("timings");
  EXPECT_EQ(a, b);
}

class RecordingObserver : public Observer {
 public:
  void on_progress(const Progress& p) override { tasks.push_back(p.task); }
  std::vector<std::string> tasks;
};

TEST(Evaluate, ReportsEachBlockToTheObserver) {
  const FraudParts p = fraud_parts(8);
  EvaluationConfig c = fast_config();
  c.detection = false;
  c.mmd = false;
  RecordingObserver observer;
  evaluate(p.train, p.other, nullptr, fraud_names(), c, &observer);
  std::vector<std::string> blocks;
  size_t tsne_iterations = 0;
  for (const std::string& t : observer.tasks) {
    if (t == "evaluate: tsne" && !blocks.empty() && blocks.back() == "evaluate: tsne") {
      ++tsne_iterations;
    } else {
      blocks.push_back(t);
    }
  }
  EXPECT_EQ(blocks, (std::vector<std::string>{"evaluate: columns", "evaluate: correlations",
                                              "evaluate: prdc", "evaluate: privacy",
                                              "evaluate: pca", "evaluate: tsne"}));
  EXPECT_EQ(tsne_iterations, 6u);  // every 50 of 300 iterations
}

TEST(Evaluate, TinyInputsSkipWhatCannotRun) {
  Matrix real(4, 2), synthetic(3, 2), holdout(1, 2);
  for (size_t i = 0; i < 4; ++i) {
    real(i, 0) = static_cast<double>(i);
    real(i, 1) = static_cast<double>(i * i);
  }
  for (size_t i = 0; i < 3; ++i) {
    synthetic(i, 0) = 0.5 + static_cast<double>(i);
    synthetic(i, 1) = 1.0;
  }
  const json r = evaluate(real, synthetic, &holdout, {"a", "b"}, fast_config());
  EXPECT_TRUE(r["detection"]["synthetic"]["xgboost"].contains("skipped"));
  EXPECT_TRUE(r["prdc"].contains("skipped"));
  EXPECT_TRUE(r["mmd"]["holdout"].contains("skipped"));
  EXPECT_TRUE(r["privacy"]["holdout"].contains("skipped"));
  EXPECT_TRUE(r["mmd"]["synthetic"].contains("mmd2"));
  EXPECT_EQ(r["tsne"]["points"]["real"], 4);
  EXPECT_NE(r["verdicts"]["detection"].get<std::string>().find("skipped"), std::string::npos);
  // Column b is constant in the synthetic rows: its correlations are null, not NaN.
  EXPECT_TRUE(r["correlations"]["plot"]["pearson_synthetic"][0][1].is_null());
}

TEST(Evaluate, CategoricalColumnsGetChiSquareAndTotalVariation) {
  const FraudParts p = fraud_parts(9);
  Matrix real = p.train, synthetic = p.other;
  for (size_t i = 0; i < real.rows; ++i) real(i, 0) = static_cast<double>(i % 3);
  for (size_t i = 0; i < synthetic.rows; ++i) synthetic(i, 0) = i % 2 == 0 ? 0.0 : 1.0;
  std::vector<ColumnKind> kinds(kFraudColumnCount, ColumnKind::kNumeric);
  kinds[0] = ColumnKind::kCategorical;
  EvaluationConfig c = fast_config();
  c.detection = c.mmd = c.prdc = c.privacy = c.pca = c.tsne = false;
  const json r = evaluate(real, synthetic, nullptr, fraud_names(), c, nullptr, kinds);
  const json& col = r["columns"]["per_column"][0];
  EXPECT_EQ(col["kind"], "categorical");
  EXPECT_FALSE(col.contains("ks"));
  EXPECT_NEAR(col["tvd"].get<double>(), 1.0 / 3.0, 0.01);  // category 2 is missing
  EXPECT_LT(col["chi_square"]["pvalue"].get<double>(), 1e-6);
  EXPECT_EQ(col["chi_square"]["dof"], 2);
  EXPECT_EQ(col["plot"]["categories"], json({0.0, 1.0, 2.0}));
  EXPECT_NE(r["verdicts"]["columns"].get<std::string>().find("chi-square"), std::string::npos);
}

TEST(Evaluate, RejectsBadInputWithClearMessages) {
  const FraudParts p = fraud_parts(10);
  const EvaluationConfig c = fast_config();
  auto message = [&](const Matrix& real, const Matrix& synthetic, const Matrix* holdout,
                     const std::vector<std::string>& names) -> std::string {
    try {
      evaluate(real, synthetic, holdout, names, c);
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::kInvalidArgument);
      return e.what();
    }
    return "no error";
  };
  Matrix narrow(10, 3, 0.0);
  EXPECT_NE(message(p.train, narrow, nullptr, fraud_names())
                .find("synthetic rows have 3 columns, real rows have 29"),
            std::string::npos);
  EXPECT_NE(message(p.train, p.other, &narrow, fraud_names())
                .find("holdout rows have 3 columns, real rows have 29"),
            std::string::npos);
  EXPECT_NE(message(p.train, p.other, nullptr, {"a", "b"})
                .find("expected one column name per column (29), got 2"),
            std::string::npos);
  Matrix bad = p.other;
  bad(3, 1) = std::nan("");
  EXPECT_NE(message(p.train, bad, nullptr, fraud_names())
                .find("synthetic row 3, column 'V2': expected a finite number, got nan"),
            std::string::npos);
  EXPECT_NE(message(p.train, p.other.select_rows({0}), nullptr, fraud_names())
                .find("needs at least 2 real and 2 synthetic rows, got 164 real and 1"),
            std::string::npos);
  EvaluationConfig wrong = c;
  wrong.detection_folds = 1;
  wrong.detection_threads = 0;
  try {
    evaluate(p.train, p.other, nullptr, fraud_names(), wrong);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("detection_folds must be >= 2, got 1"), std::string::npos) << m;
    EXPECT_NE(m.find("detection_threads must be >= 1, got 0"), std::string::npos) << m;
  }
}

TEST(EvaluationConfig, JsonRoundTrip) {
  EvaluationConfig c;
  c.seed = 7;
  c.quantiles = {0.1, 0.9};
  c.detection_classifiers = {"xgboost"};
  c.detection_configs = {{"xgboost", {{"max_depth", 3}}}};
  c.tsne = false;
  c.tsne_theta = 0.0;
  const json j = c.to_json();
  const EvaluationConfig back = EvaluationConfig::from_json(j);
  EXPECT_EQ(back.to_json(), j);
  EXPECT_EQ(back.seed, 7u);
  EXPECT_EQ(EvaluationConfig::from_json(json::object()).to_json(), EvaluationConfig{}.to_json());
  EXPECT_TRUE(EvaluationConfig{}.problems().empty());
}

TEST(EvaluationConfig, ReportsEveryProblemAtOnce) {
  const json j = {{"alpha", 2.0},
                  {"prdc_k", 0},
                  {"tsne_theta", "fast"},
                  {"detection_classifiers", {"xgboost", "forest"}},
                  {"colour", "red"}};
  try {
    EvaluationConfig::from_json(j);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInvalidArgument);
    const std::string m = e.what();
    EXPECT_EQ(m.rfind("evaluation config: ", 0), 0u) << m;
    EXPECT_NE(m.find("alpha must be in (0, 1), got 2"), std::string::npos) << m;
    EXPECT_NE(m.find("prdc_k must be >= 1, got 0"), std::string::npos) << m;
    EXPECT_NE(m.find("'tsne_theta': expected a number, got \"fast\""), std::string::npos) << m;
    EXPECT_NE(m.find("unknown classifier 'forest' (valid: "), std::string::npos) << m;
    EXPECT_NE(m.find("unknown key 'colour' (valid keys: seed, threads"), std::string::npos) << m;
  }
  EvaluationConfig c;
  c.detection_configs = {{"xgboost", {{"max_depth", -1}}}, {"svm_rbf", json::object()}};
  const std::vector<std::string> problems = c.problems();
  ASSERT_EQ(problems.size(), 2u);
  EXPECT_NE(problems[0].find("'svm_rbf' is not in detection_classifiers"), std::string::npos)
      << problems[0];
  EXPECT_NE(problems[1].find("max_depth"), std::string::npos) << problems[1];
  EXPECT_THROW(EvaluationConfig::from_json(json::array()), Error);
}

}  // namespace
}  // namespace imbgen
