// `imbgen benchmark` end to end on a small slice of the credit card data: the shape of the
// outputs, results independent of --jobs, an interrupted run resumed to the same result, the
// store's rules, configuration errors, and the tuned thresholds against scikit-learn.
#include "imbgen/experiment/benchmark.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "data/temp_dir.h"
#include "imbgen/core/error.h"
#include "imbgen/core/files.h"
#include "imbgen/data/csv.h"

namespace imbgen {
namespace {

namespace fs = std::filesystem;

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

// Fast settings: a short GAN, a small SVM sample, no generator evaluation. The classifiers on
// liblinear/libsvm draw from the global rand(), so they are in to test independence of jobs.
BenchmarkConfig fast_config() {
  BenchmarkConfig c;
  c.strategies = {"none", "smote", "gan"};
  c.classifiers = {"logistic", "linear_svm", "svm_rbf", "xgboost"};
  c.folds = 2;
  c.repeats = 2;
  c.seed = 7;
  c.generator_configs = {{"gan", {{"steps", 60}}}};
  c.classifier_configs = {{"svm_rbf", {{"max_train_rows", 400}}},
                          {"xgboost", {{"n_estimators", 30}}}};
  c.evaluate = false;
  return c;
}

BenchmarkControl control_in(const std::string& dir, int jobs = 1) {
  BenchmarkControl c;
  c.dir = dir;
  c.jobs = jobs;
  c.threads = 2;
  return c;
}

// What must not depend on how the run was scheduled: every entry's metrics and thresholds, and
// the statistics.
nlohmann::json comparable(const BenchmarkOutcome& o) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& r : o.results) {
    nlohmann::json entries = nlohmann::json::array();
    for (const auto& e : r.at("results")) {
      entries.push_back({e.at("dataset"), e.at("repeat"), e.at("fold"), e.at("strategy"),
                         e.at("classifier"), e.at("metrics"), e.at("thresholds")});
    }
    out.push_back({entries, r.at("statistics")});
  }
  return out;
}

template <typename F>
std::string error_of(F&& f, ErrorKind expected = ErrorKind::kInvalidArgument) {
  try {
    f();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), expected) << e.what();
    return e.what();
  }
  ADD_FAILURE() << "expected an error";
  return "";
}

// One uninterrupted run with one job, the reference of the tests below.
class Benchmark : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    tmp_ = new testing::TempDir();
    reference_ = new BenchmarkOutcome(
        run_benchmark(small_data(), fast_config(), control_in(tmp_->path("reference"))));
  }
  static void TearDownTestSuite() {
    delete reference_;
    delete tmp_;
  }
  static testing::TempDir* tmp_;
  static BenchmarkOutcome* reference_;
};
testing::TempDir* Benchmark::tmp_ = nullptr;
BenchmarkOutcome* Benchmark::reference_ = nullptr;

TEST_F(Benchmark, RunsEveryCellAndSummarises) {
  const BenchmarkOutcome& o = *reference_;
  ASSERT_TRUE(o.complete);
  EXPECT_EQ(o.cells_total, 12);  // 3 strategies x 2 folds x 2 repeats
  EXPECT_EQ(o.cells_run, 12);
  EXPECT_EQ(o.cells_resumed, 0);
  ASSERT_EQ(o.results.size(), 1u);
  const auto& r = o.results[0];
  EXPECT_EQ(r.at("kind"), "benchmark");
  ASSERT_EQ(r.at("results").size(), 48u);  // x 4 classifiers
  for (const auto& e : r.at("results")) {
    for (const char* k : {"pr_auc", "roc_auc", "f1", "f1_tuned", "precision_tuned", "recall_tuned",
                          "precision_at_target", "recall_at_target"}) {
      ASSERT_TRUE(e.at("metrics").contains(k)) << k;
    }
    EXPECT_TRUE(e.contains("repeat") && e.contains("fold"));
    // Curves only for the first fold of the first repeat (the report draws those).
    EXPECT_EQ(e.contains("curves"), e.at("repeat") == 0 && e.at("fold") == 0);
  }
  const auto& stats = r.at("statistics");
  EXPECT_EQ(stats.at("repeats"), 4);
  EXPECT_EQ(stats.at("cells").size(), 12u);  // strategies x classifiers
  // The statistics agree with the entries: means over the 4 folds, paired differences.
  for (const auto& cell : stats.at("cells")) {
    double sum = 0, base_sum = 0;
    int n = 0;
    for (const auto& e : r.at("results")) {
      if (e.at("classifier") != cell.at("classifier")) continue;
      if (e.at("strategy") == cell.at("strategy")) {
        sum += e.at("metrics").at("pr_auc").get<double>();
        ++n;
      }
      if (e.at("strategy") == "none") base_sum += e.at("metrics").at("pr_auc").get<double>();
    }
    ASSERT_EQ(n, 4);
    const auto& m = cell.at("metrics").at("pr_auc");
    EXPECT_NEAR(m.at("mean").get<double>(), sum / 4, 1e-12);
    EXPECT_LE(m.at("ci_low").get<double>(), m.at("mean").get<double>());
    EXPECT_GE(m.at("ci_high").get<double>(), m.at("mean").get<double>());
    if (cell.at("strategy") == "none") {
      EXPECT_FALSE(cell.at("comparisons").contains("none"));
      EXPECT_TRUE(cell.at("comparisons").contains("smote"));
    } else {
      const auto& c = cell.at("comparisons").at("none").at("pr_auc");
      EXPECT_NEAR(c.at("diff").get<double>(), (sum - base_sum) / 4, 1e-12);
      const double p = c.at("pvalue").get<double>(), pw = c.at("wilcoxon_pvalue").get<double>();
      EXPECT_TRUE(p >= 0 && p <= 1) << p;
      EXPECT_TRUE(pw >= 0 && pw <= 1) << pw;
      EXPECT_EQ(c.at("n"), 4);
    }
  }
  ASSERT_EQ(stats.at("summary").size(), 4u);
  for (const auto& s : stats.at("summary")) {
    EXPECT_FALSE(s.at("verdict").get<std::string>().empty());
    EXPECT_EQ(s.at("ranking").size(), 3u);
  }
  // Generators: mean timings over the 4 folds and the first fold's training curves.
  const auto& gan = r.at("generators").at("gan");
  EXPECT_EQ(gan.at("fit_seconds_per_fold").size(), 4u);
  EXPECT_TRUE(gan.contains("history"));
  EXPECT_FALSE(gan.contains("evaluation"));  // evaluate = false
}

TEST_F(Benchmark, FoldsPartitionTheRowsAndGeneratorsSeeTheFitPartOnly) {
  const fs::path cells = fs::path(reference_->store) / "credit";
  for (int repeat = 0; repeat < 2; ++repeat) {
    size_t test_rows = 0;
    for (int fold = 0; fold < 2; ++fold) {
      const auto cell =
          nlohmann::json::parse(read_file(cells / ("r" + std::to_string(repeat) + "-f" +
                                                   std::to_string(fold) + "-gan.json")))
              .at("cell");
      const auto& rows = cell.at("rows");
      EXPECT_EQ(rows.at("fit").get<size_t>() + rows.at("validation").get<size_t>(),
                rows.at("train").get<size_t>());
      EXPECT_EQ(rows.at("train").get<size_t>() + rows.at("test").get<size_t>(), 3000u);
      test_rows += rows.at("test").get<size_t>();
      // ratio 1: the generator fills the fit part's minority up to its majority.
      const auto& fit = cell.at("classes").at("fit");
      EXPECT_EQ(rows.at("synthetic").get<size_t>(),
                fit.at("0").get<size_t>() - fit.at("1").get<size_t>());
      for (const auto& e : cell.at("results"))
        EXPECT_EQ(e.at("train_rows"),
                  rows.at("fit").get<size_t>() + rows.at("synthetic").get<size_t>());
    }
    EXPECT_EQ(test_rows, 3000u);  // each row is tested once per repeat
  }
}

TEST_F(Benchmark, ResultsDoNotDependOnJobs) {
  const BenchmarkOutcome two =
      run_benchmark(small_data(), fast_config(), control_in(tmp_->path("jobs2"), 2));
  ASSERT_TRUE(two.complete);
  EXPECT_EQ(comparable(two), comparable(*reference_));
}

TEST_F(Benchmark, AnInterruptedRunResumesToTheSameResult) {
  const std::string dir = tmp_->path("interrupted");
  BenchmarkControl control = control_in(dir, 2);
  control.stop_after_cells = 5;
  const BenchmarkOutcome first = run_benchmark(small_data(), fast_config(), control);
  EXPECT_FALSE(first.complete);
  EXPECT_TRUE(first.results.empty());
  EXPECT_GE(first.cells_run, 5);
  EXPECT_LT(first.cells_run, 12);
  // Without --resume the store is protected.
  const std::string msg =
      error_of([&] { run_benchmark(small_data(), fast_config(), control_in(dir)); });
  EXPECT_NE(msg.find("--resume"), std::string::npos) << msg;

  control.stop_after_cells = -1;
  control.resume = true;
  const BenchmarkOutcome second = run_benchmark(small_data(), fast_config(), control);
  ASSERT_TRUE(second.complete);
  EXPECT_EQ(second.cells_resumed, first.cells_run);
  EXPECT_EQ(second.cells_resumed + second.cells_run, 12);
  EXPECT_EQ(comparable(second), comparable(*reference_));
}

// A stop request (what the CLI's SIGINT handler sets) abandons the cells in progress: only whole
// cells are stored, and nothing runs once it is set.
class StopAfterFirstCell : public Observer {
 public:
  explicit StopAfterFirstCell(std::atomic<bool>& stop) : stop_(stop) {}
  void on_progress(const Progress& p) override {
    if (p.step >= 1) stop_ = true;
  }

 private:
  std::atomic<bool>& stop_;
};

TEST_F(Benchmark, AStopRequestKeepsOnlyWholeCells) {
  const std::string dir = tmp_->path("stopped");
  std::atomic<bool> stop{false};
  StopAfterFirstCell observer(stop);
  BenchmarkControl control = control_in(dir, 2);
  control.stop = &stop;
  control.observer = &observer;
  const BenchmarkOutcome o = run_benchmark(small_data(), fast_config(), control);
  EXPECT_FALSE(o.complete);
  EXPECT_GE(o.cells_run, 1);
  EXPECT_LT(o.cells_run, 12);
  size_t files = 0;
  for (const auto& entry : fs::recursive_directory_iterator(fs::path(dir) / "cells")) {
    const std::string name = entry.path().filename().string();
    EXPECT_EQ(name.find(".tmp-"), std::string::npos) << name;
    if (entry.path().extension() == ".json" && name != "manifest.json") {
      ++files;
      const auto j = nlohmann::json::parse(read_file(entry.path()));
      EXPECT_EQ(j.at("cell").at("results").size(), 4u) << name;
    }
  }
  EXPECT_EQ(files, static_cast<size_t>(o.cells_run));

  // Already stopped: nothing runs.
  control.resume = true;
  control.observer = nullptr;
  const BenchmarkOutcome none = run_benchmark(small_data(), fast_config(), control);
  EXPECT_FALSE(none.complete);
  EXPECT_EQ(none.cells_run, 0);
}

TEST_F(Benchmark, ResumeRefusesAnotherConfiguration) {
  BenchmarkConfig other = fast_config();
  other.folds = 3;
  BenchmarkControl control = control_in(tmp_->path("reference"));
  control.resume = true;
  const std::string msg = error_of([&] { run_benchmark(small_data(), other, control); });
  EXPECT_NE(msg.find("different configuration"), std::string::npos) << msg;
  EXPECT_NE(msg.find("settings.folds: 2 in the store, 3 now"), std::string::npos) << msg;
  // The same configuration resumes a complete store without computing anything.
  const BenchmarkOutcome again = run_benchmark(small_data(), fast_config(), control);
  ASSERT_TRUE(again.complete);
  EXPECT_EQ(again.cells_run, 0);
  EXPECT_EQ(comparable(again), comparable(*reference_));
}

TEST_F(Benchmark, WritesMetricsSummaryAndResults) {
  const std::string dir = tmp_->path("outputs");
  const auto folders = write_benchmark_outputs(*reference_, dir);
  ASSERT_EQ(folders, std::vector<std::string>{dir});
  const CsvData metrics = read_csv(dir + "/metrics.csv");
  EXPECT_EQ(metrics.rows.size(), 48u);
  EXPECT_EQ(metrics.header[0], "dataset");
  const CsvData summary = read_csv(dir + "/summary.csv");
  EXPECT_EQ(summary.rows.size(), 12u * 15u);  // cells x metrics
  EXPECT_NE(std::find(summary.header.begin(), summary.header.end(), "vs_none_p_wilcoxon"),
            summary.header.end());
  const auto results = nlohmann::json::parse(read_file(dir + "/results.json"));
  EXPECT_EQ(results.at("statistics"), reference_->results[0].at("statistics"));
  EXPECT_FALSE(fs::exists(dir + "/wins.csv"));  // one data set

  BenchmarkOutcome incomplete;
  const std::string msg = error_of([&] { write_benchmark_outputs(incomplete, dir); });
  EXPECT_NE(msg.find("not complete"), std::string::npos) << msg;
}

// The whole default set of strategies and classifiers, 2 folds x 1 repeat, with the evaluation
// of the first fold's generator rows: finishes in seconds.
TEST(BenchmarkEndToEnd, DefaultStrategiesAndClassifiersOnTheSmallSlice) {
  testing::TempDir tmp;
  BenchmarkConfig config;
  config.folds = 2;
  config.repeats = 1;
  config.generator_configs = {{"gan", {{"steps", 100}}}};
  config.classifier_configs = {{"svm_rbf", {{"max_train_rows", 500}}}};
  config.evaluation_config = {{"mmd_permutations", 20}, {"pca", false}};
  const BenchmarkOutcome o = run_benchmark(small_data(), config, control_in(tmp.path("e2e"), 2));
  ASSERT_TRUE(o.complete);
  const auto& r = o.results.at(0);
  EXPECT_EQ(r.at("results").size(), 2u * 5u * 5u);
  for (const char* g : {"random", "smote", "gan"}) {
    const auto& gen = r.at("generators").at(g);
    EXPECT_TRUE(gen.contains("evaluation")) << g;  // first fold only, t-SNE off
    EXPECT_FALSE(gen.at("evaluation").contains("tsne")) << g;
  }
  EXPECT_EQ(r.at("statistics").at("summary").size(), 5u);
}

TEST(BenchmarkConfig, JsonRoundTripAndErrors) {
  BenchmarkConfig c = fast_config();
  c.baselines = {"none"};
  const BenchmarkConfig back = BenchmarkConfig::from_json(c.to_json());
  EXPECT_EQ(back.to_json(), c.to_json());
  const std::string unknown = error_of([] {
    BenchmarkConfig::from_json({{"fold", 3}, {"repeats", "two"}});
  });
  EXPECT_NE(unknown.find("unknown key 'fold'"), std::string::npos) << unknown;
  EXPECT_NE(unknown.find("'repeats': expected an integer, got \"two\""), std::string::npos)
      << unknown;
}

TEST(BenchmarkConfig, ValidateReportsEveryProblemAtOnce) {
  BenchmarkConfig c;
  c.strategies = {"none", "gann", "none"};
  c.folds = 1;
  c.validation_fraction = 1.0;
  c.baselines = {"nothing"};
  c.generator_configs = {{"gan", {{"stepz", 10}}}};
  c.strategies.push_back("gan");
  const std::string msg = error_of([&] { c.validate(); });
  for (const char* part :
       {"unknown strategy 'gann'", "strategy 'none' is listed twice", "folds must be >= 2, got 1",
        "validation fraction must be in (0, 1), got 1", "unknown baseline strategy 'nothing'",
        "generator 'gan':"}) {
    EXPECT_NE(msg.find(part), std::string::npos) << part << "\n" << msg;
  }
  EXPECT_NE(msg.find("stepz"), std::string::npos) << msg;
}

TEST(RunBenchmark, RejectsDataItCannotFold) {
  testing::TempDir tmp;
  BenchmarkConfig config = fast_config();
  config.folds = 100;  // 120 fraud rows: 100 folds need 200
  const std::string msg =
      error_of([&] { run_benchmark(small_data(), config, control_in(tmp.path("x"))); });
  EXPECT_NE(msg.find("data set 'credit': class '1' has 120 rows; 100 folds need at least 200"),
            std::string::npos)
      << msg;
  std::vector<BenchmarkData> twice = {small_data()[0], small_data()[0]};
  const std::string dup =
      error_of([&] { run_benchmark(twice, fast_config(), control_in(tmp.path("y"))); });
  EXPECT_NE(dup.find("two data sets are named 'credit'"), std::string::npos) << dup;
}

TEST(DatasetName, FromThePath) {
  EXPECT_EQ(dataset_name("data/creditcard.csv.gz"), "creditcard");
  EXPECT_EQ(dataset_name("/x/adult small.csv"), "adult_small");
  EXPECT_EQ(dataset_name("rows.txt"), "rows.txt");
}

// Reference from /usr/bin/python3 (scikit-learn 1.2.1):
//   rng = np.random.RandomState(7); y = (rng.rand(40) < 0.3).astype(int)
//   s = np.round(np.clip(0.35 * y + rng.rand(40) * 0.7, 0, 1), 2)
//   p, r, t = precision_recall_curve(y, s); p, r = p[:-1], r[:-1]
//   f1 = 2 p r / (p + r) (0 where p + r = 0); i = the last index of f1.max()  -> t[i] 0.39,
//   0.6470588235294118 ok = indices with p >= 0.9; j = the last index of ok with the highest r ->
//   t[j] 0.72
TEST(TuneThresholds, MatchesScikitLearnsCurve) {
  const std::vector<int> labels = {1, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 1, 1, 0, 1, 0, 0, 1,
                                   0, 0, 1, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  const std::vector<double> scores = {0.67, 0.25, 0.46, 0.26, 0.32, 0.5,  0.29, 0.98, 0.48, 0.52,
                                      0.3,  0.3,  0.44, 0.72, 0.64, 0.0,  0.41, 0.5,  0.37, 0.84,
                                      0.67, 0.48, 0.39, 0.22, 0.41, 0.51, 0.68, 0.66, 0.59, 0.33,
                                      0.94, 0.09, 0.22, 0.32, 0.52, 0.34, 0.1,  0.24, 0.23, 0.56};
  const TunedThresholds t = tune_thresholds(labels, scores, 0.9);
  EXPECT_DOUBLE_EQ(t.best_f1, 0.39);
  EXPECT_NEAR(t.best_f1_value, 0.6470588235294118, 1e-15);
  EXPECT_DOUBLE_EQ(t.precision_target, 0.72);
  EXPECT_TRUE(t.reached);
}

TEST(TuneThresholds, TiesKeepTheHighestThresholdAndUnreachedTargetsPredictNothing) {
  // F1 at 0.9: 2/3 (1 of 1 predicted, 1 of 2 positives); at 0.6: 4/6 = 2/3 as well.
  const TunedThresholds tie = tune_thresholds({1, 0, 0, 1}, {0.9, 0.8, 0.7, 0.6}, 0.9);
  EXPECT_DOUBLE_EQ(tie.best_f1, 0.9);
  EXPECT_DOUBLE_EQ(tie.precision_target, 0.9);
  const TunedThresholds none = tune_thresholds({0, 1}, {0.9, 0.1}, 0.9);
  EXPECT_FALSE(none.reached);
  EXPECT_GT(none.precision_target, 0.9);
  EXPECT_LT(none.precision_target, 0.9 + 1e-12);
  const std::string msg = error_of([] { tune_thresholds({1, 0}, {0.5}, 0.9); });
  EXPECT_NE(msg.find("2 labels and 1 scores"), std::string::npos) << msg;
}

}  // namespace
}  // namespace imbgen
