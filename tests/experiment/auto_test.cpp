// The `auto` strategy and ratio-named strategies in the benchmark: auto's inner cross-validation
// sees a fold's fit part only (checked on the row indices it receives), its scores are those of
// the strategy it chose, ratio names are strategies of their own, and auto picks the obviously
// better candidate on a constructed table.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <set>
#include <string>

#include "data/temp_dir.h"
#include "experiment/auto_select.h"
#include "imbgen/core/error.h"
#include "imbgen/core/rng.h"
#include "imbgen/data/csv.h"
#include "imbgen/experiment/benchmark.h"

namespace imbgen {
namespace {

const std::string kSmall = std::string(IMBGEN_TEST_DATA) + "/creditcard-small.csv.gz";

const std::vector<BenchmarkData>& small_data() {
  static const std::vector<BenchmarkData> data = [] {
    LoadOptions options;
    options.target = "Class";
    options.drop = {"Time"};
    return std::vector<BenchmarkData>{{"credit", load_table(kSmall, options)}};
  }();
  return data;
}

BenchmarkConfig auto_config() {
  BenchmarkConfig c;
  c.strategies = {"none", "class_weight", "random@0.5", "auto"};
  c.classifiers = {"logistic", "xgboost"};
  c.folds = 2;
  c.repeats = 1;
  c.seed = 11;
  c.classifier_configs = {{"xgboost", {{"n_estimators", 20}}}};
  c.auto_config.candidates = {"none", "class_weight", "random@0.5"};
  c.auto_config.inner_folds = 2;
  c.evaluate = false;
  return c;
}

// One cell at a time on one thread, the store in tmp.
BenchmarkControl one_job_in(const testing::TempDir& tmp) {
  BenchmarkControl control;
  control.dir = tmp.path("bench");
  control.jobs = 1;
  control.threads = 1;
  return control;
}

std::set<size_t> as_set(const std::vector<size_t>& v) { return {v.begin(), v.end()}; }

bool disjoint(const std::set<size_t>& a, const std::vector<size_t>& b) {
  return std::none_of(b.begin(), b.end(), [&](size_t i) { return a.count(i) > 0; });
}

TEST(AutoBenchmark, InnerFoldsSeeTheFitPartOnlyAndAutoScoresAsItsChoice) {
  testing::TempDir tmp;
  BenchmarkControl control = one_job_in(tmp);
  std::vector<AutoInnerFold> seen;
  control.on_auto_fold = [&](const AutoInnerFold& f) { seen.push_back(f); };
  const BenchmarkConfig config = auto_config();
  const BenchmarkOutcome o = run_benchmark(small_data(), config, control);
  ASSERT_TRUE(o.complete);

  // 2 outer folds x 2 inner folds.
  ASSERT_EQ(seen.size(), 4u);
  const size_t n = small_data()[0].table.rows();
  for (size_t outer = 0; outer < 2; ++outer) {
    const AutoInnerFold& a = seen[2 * outer];
    const AutoInnerFold& b = seen[2 * outer + 1];
    EXPECT_EQ(a.fold, static_cast<int>(outer));
    EXPECT_EQ(b.fold, static_cast<int>(outer));
    ASSERT_FALSE(a.test.empty());
    ASSERT_FALSE(a.validation.empty());
    const std::set<size_t> test = as_set(a.test), validation = as_set(a.validation);
    std::set<size_t> scored_union;
    for (const AutoInnerFold* f : {&a, &b}) {
      // Never the test fold, never the threshold-tuning rows.
      EXPECT_TRUE(disjoint(test, f->inner_fit));
      EXPECT_TRUE(disjoint(test, f->inner_scored));
      EXPECT_TRUE(disjoint(validation, f->inner_fit));
      EXPECT_TRUE(disjoint(validation, f->inner_scored));
      EXPECT_TRUE(disjoint(as_set(f->inner_fit), f->inner_scored));
      for (size_t i : f->inner_scored) scored_union.insert(i);
      EXPECT_EQ(f->inner_fit.size() + f->inner_scored.size(), n - test.size() - validation.size());
    }
    // The inner held-out parts cover the fit part exactly once.
    EXPECT_EQ(scored_union.size(), n - test.size() - validation.size());
    EXPECT_EQ(a.inner_scored.size() + b.inner_scored.size(), scored_union.size());
  }

  // Each auto entry records its choice and has exactly the scores of that strategy's own cell:
  // the refit is the chosen strategy on the same rows with the same seeds.
  const auto& r = o.results.at(0);
  int auto_entries = 0;
  for (const auto& e : r.at("results")) {
    if (e.at("strategy") != "auto") continue;
    ++auto_entries;
    const std::string chosen = e.at("auto").at("chosen");
    EXPECT_EQ(e.at("auto").at("inner_pr_auc").size(), 3u);
    bool matched = false;
    for (const auto& other : r.at("results")) {
      if (other.at("strategy") != chosen || other.at("classifier") != e.at("classifier") ||
          other.at("fold") != e.at("fold") || other.at("repeat") != e.at("repeat"))
        continue;
      matched = true;
      EXPECT_EQ(other.at("metrics"), e.at("metrics")) << chosen;
      EXPECT_EQ(other.at("thresholds"), e.at("thresholds")) << chosen;
    }
    EXPECT_TRUE(matched) << chosen;
  }
  EXPECT_EQ(auto_entries, 4);  // 2 folds x 2 classifiers
  for (const char* clf : {"logistic", "xgboost"}) {
    const auto& s = r.at("auto").at(clf);
    EXPECT_EQ(s.at("folds"), 2);
    EXPECT_EQ(s.at("inner_folds"), 2);
    int total = 0;
    for (const auto& [name, count] : s.at("choices").items()) total += count.get<int>();
    EXPECT_EQ(total, 2);

    // Hindsight: auto against the other strategy with the best mean test PR-AUC, recomputed
    // here from the entries (per fold j: values[strategy][j]).
    std::map<std::string, std::vector<double>> values;
    for (const auto& e : r.at("results"))
      if (e.at("classifier") == clf)
        values[e.at("strategy").get<std::string>()].push_back(e.at("metrics").at("pr_auc"));
    std::string best;
    double best_mean = -1;
    for (const char* strategy : {"none", "class_weight", "random@0.5"}) {
      const auto& v = values.at(strategy);
      ASSERT_EQ(v.size(), 2u);
      const double m = (v[0] + v[1]) / 2;
      if (m > best_mean) {
        best_mean = m;
        best = strategy;
      }
    }
    const auto& h = s.at("hindsight");
    EXPECT_EQ(h.at("best"), best);
    const auto& a = values.at("auto");
    const auto& b = values.at(best);
    EXPECT_NEAR(h.at("diff").get<double>(), ((a[0] - b[0]) + (a[1] - b[1])) / 2, 1e-12);
    EXPECT_EQ(h.at("n"), 2);
    EXPECT_EQ(h.at("wins"), (a[0] > b[0]) + (a[1] > b[1]));
    const std::string text = h.at("text");
    if (a == b) {
      EXPECT_EQ(text, "on the test folds the same as '" + best +
                          "', the best of the other strategies there, in every fold");
    } else {
      EXPECT_EQ(text.rfind("on the test folds ", 0), 0u) << text;
      EXPECT_EQ(text.find("-0.000"), std::string::npos) << text;  // "±0.000"
      EXPECT_NE(
          text.find("against '" + best + "', the best of the other strategies there (95% CI "),
          std::string::npos)
          << text;
    }
    // The sentence the console and the report print ends with it.
    const std::string sentence = auto_choice_text(clf, s);
    EXPECT_EQ(sentence.substr(sentence.size() - text.size()), text) << sentence;
  }
  // Ratio names are strategies of their own, compared with the baselines.
  bool random_compared = false;
  for (const auto& c : r.at("statistics").at("cells"))
    if (c.at("strategy") == "random@0.5") random_compared = c.at("comparisons").contains("none");
  EXPECT_TRUE(random_compared);
  // The store keeps the ratio in the cell's key ('@' is stored as '-').
  EXPECT_TRUE(std::filesystem::exists(std::filesystem::path(control.dir) / "cells" / "credit" /
                                      "r0-f1-random-0.5.json"));
  EXPECT_EQ(r.at("config").at("auto").at("inner_folds"), 2);
}

TEST(AutoBenchmark, AChoiceAtTheBenchmarksRatioIsThatGeneratorsOwnCell) {
  // "random@1" at the benchmark's ratio 1 is the strategy "random", generator seed included, so
  // auto's refit of it scores exactly as the "random" cell (a fresh seed would draw other rows).
  testing::TempDir tmp;
  const BenchmarkControl control = one_job_in(tmp);
  BenchmarkConfig config = auto_config();
  config.strategies = {"none", "random", "auto"};
  config.auto_config.candidates = {"random@1"};  // the only candidate: always chosen
  const BenchmarkOutcome o = run_benchmark(small_data(), config, control);
  ASSERT_TRUE(o.complete);
  const auto& r = o.results.at(0);
  int matched = 0;
  for (const auto& e : r.at("results")) {
    if (e.at("strategy") != "auto") continue;
    EXPECT_EQ(e.at("auto").at("chosen"), "random@1");
    for (const auto& other : r.at("results")) {
      if (other.at("strategy") != "random" || other.at("classifier") != e.at("classifier") ||
          other.at("fold") != e.at("fold") || other.at("repeat") != e.at("repeat"))
        continue;
      ++matched;
      EXPECT_EQ(other.at("metrics"), e.at("metrics"));
      EXPECT_EQ(other.at("synthetic_rows"), e.at("synthetic_rows"));
    }
  }
  EXPECT_EQ(matched, 4);  // 2 folds x 2 classifiers
}

TEST(AutoBenchmark, ConfigurationErrorsUpFront) {
  BenchmarkConfig c = auto_config();
  c.strategies = {"none", "smote@0.50", "none@1"};
  c.auto_config.inner_folds = 1;
  try {
    c.validate();
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    const std::string msg = e.what();
    for (const char* part : {"write it 'smote@0.5'", "'none' adds no rows",
                             "auto options are set, but 'auto' is not among the strategies"})
      EXPECT_NE(msg.find(part), std::string::npos) << part << "\n" << msg;
  }
  // A ratio the data already reaches (the slice is 120 frauds of 3,000: 0.0417).
  BenchmarkConfig low = auto_config();
  low.strategies = {"none", "smote@0.04"};
  low.auto_config = AutoConfig{};
  BenchmarkControl control;
  testing::TempDir tmp;
  control.dir = tmp.path("low");
  try {
    run_benchmark(small_data(), low, control);
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("strategy 'smote@0.04' adds rows up to minority/majority "
                                         "0.04, which the data already reaches (0.042)"),
              std::string::npos)
        << e.what();
  }
  // The store key, the config and the results without auto carry no trace of it.
  BenchmarkConfig plain = auto_config();
  plain.strategies = {"none", "smote"};
  plain.auto_config = AutoConfig{};
  EXPECT_FALSE(plain.to_json().contains("auto"));
  EXPECT_EQ(BenchmarkConfig::from_json(auto_config().to_json()).auto_config,
            auto_config().auto_config);
}

// A table where class weights are obviously better than none for XGBoost with a large
// min_child_weight: without weights, the few positives cannot hold a leaf of their own.
TEST(AutoSelect, PicksTheObviouslyBetterCandidate) {
  Table t;
  t.target = "y";
  t.classes = {"0", "1"};
  for (const char* name : {"a", "b", "c"})
    t.columns.push_back({std::string(name), ColumnKind::kNumeric, {}});
  Rng rng(5);
  const size_t n = 1200;
  t.x = Matrix(n, 3);
  t.y.resize(n);
  for (size_t i = 0; i < n; ++i) {
    const bool positive = i % 40 == 0;  // 30 positives
    t.y[i] = positive ? 1 : 0;
    for (size_t c = 0; c < 3; ++c) t.x(i, c) = rng.normal();
    if (positive) {
      t.x(i, 0) += 3.0;
      t.x(i, 1) += 3.0;
    }
  }
  experiment_detail::AutoJob job;
  job.table = &t;
  for (size_t i = 0; i < n; ++i) job.rows.push_back(i);
  job.positive = 1;
  job.config.candidates = {"none", "class_weight"};
  job.config.inner_folds = 3;
  job.classifiers = {"xgboost"};
  job.classifier_configs = {{"xgboost", {{"n_estimators", 20}, {"min_child_weight", 30}}}};
  job.context = ClassifierContext{3, 1};
  job.seed = 9;
  const auto choices = experiment_detail::select_by_inner_cv(job);
  const auto& c = choices.at("xgboost");
  ASSERT_EQ(c.candidates, (std::vector<std::string>{"none", "class_weight"}));
  EXPECT_EQ(c.chosen, "class_weight");
  EXPECT_GT(c.mean_pr_auc[1], c.mean_pr_auc[0] + 0.2)
      << c.mean_pr_auc[0] << " vs " << c.mean_pr_auc[1];
  EXPECT_EQ(c.to_json().at("chosen"), "class_weight");
}

// The one-standard-error rule: a candidate whose gain over the first is noise keeps the first;
// a consistent gain, however small, wins; non-finite candidates are out.
TEST(AutoSelect, KeepsTheFirstCandidateUnlessTheGainExceedsOneStandardError) {
  using experiment_detail::choose_candidate;
  const std::vector<double> base = {0.50, 0.50, 0.50};
  // Mean gain 0.01, differences +0.1, -0.1, +0.03: standard error 0.058.
  EXPECT_EQ(choose_candidate({base, {0.60, 0.40, 0.53}}), 0u);
  // Mean gain 0.05, differences 0.05 +- 0.01: standard error 0.0058.
  EXPECT_EQ(choose_candidate({base, {0.60, 0.40, 0.53}, {0.55, 0.56, 0.54}}), 2u);
  // The best by mean among the others, ties to the earlier.
  EXPECT_EQ(choose_candidate({base, {0.55, 0.56, 0.54}, {0.55, 0.56, 0.54}}), 1u);
  // The first is never worse off than itself; a lower best keeps it.
  EXPECT_EQ(choose_candidate({base, {0.4, 0.4, 0.4}}), 0u);
  // Without finite scores a candidate is out: the first finite one is the reference.
  EXPECT_EQ(choose_candidate({{NAN, 0.5, 0.5}, {0.2, 0.2, 0.2}, {0.3, 0.31, 0.29}}), 2u);
  EXPECT_EQ(choose_candidate({{NAN, 0.5, 0.5}}), 1u);  // none: folds.size()
  EXPECT_EQ(choose_candidate({}), 0u);
}

}  // namespace
}  // namespace imbgen
