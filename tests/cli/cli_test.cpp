// End-to-end tests of the imbgen binary: the main job on a small slice of the credit card data,
// reproducibility, the metrics recomputed with scikit-learn, no test rows reaching a generator,
// and every bad input exiting non-zero with a message that names the problem.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <algorithm>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "imbgen/core/files.h"
#include "imbgen/data/csv.h"
#include "imbgen/data/table.h"
#include "imbgen/generators/generator.h"

namespace fs = std::filesystem;

namespace {

struct Result {
  int code = -1;
  std::string output;  // stdout and stderr together
};

Result run_command(const std::string& command) {
  Result r;
  FILE* p = ::popen((command + " 2>&1").c_str(), "r");
  if (!p) return r;
  char buf[4096];
  size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) r.output.append(buf, n);
  const int status = ::pclose(p);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

Result imbgen(const std::string& args) { return run_command(std::string(IMBGEN_BIN) + " " + args); }

const std::string kSmall = std::string(IMBGEN_TEST_DATA) + "/creditcard-small.csv.gz";
// Small but complete: every strategy and classifier, with a short GAN and a small SVM sample.
const std::string kFast =
    "--set gan.steps=300 --set svm_rbf.max_train_rows=1500 --threads 2 --seed 7 --quiet";

fs::path make_temp_dir() {
  std::string tmpl = (fs::temp_directory_path() / "imbgen-cli-XXXXXX").string();
  return fs::path(::mkdtemp(tmpl.data()));
}

void write_text(const fs::path& p, const std::string& text) {
  std::ofstream(p, std::ios::binary) << text;
}

// The main job, run twice with the same seed, shared by the tests below.
class RunJob : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new fs::path(make_temp_dir());
    first_ = new Result(imbgen("run --data " + kSmall + " --drop Time " + kFast + " --out " +
                               (*dir_ / "a").string()));
    second_ = new Result(imbgen("run --data " + kSmall + " --drop Time " + kFast + " --out " +
                                (*dir_ / "b").string()));
  }
  static void TearDownTestSuite() {
    fs::remove_all(*dir_);
    delete dir_;
    delete first_;
    delete second_;
  }
  static fs::path* dir_;
  static Result* first_;
  static Result* second_;
};
fs::path* RunJob::dir_ = nullptr;
Result* RunJob::first_ = nullptr;
Result* RunJob::second_ = nullptr;

TEST_F(RunJob, WritesEveryOutputAndPrintsTheTable) {
  ASSERT_EQ(first_->code, 0) << first_->output;
  EXPECT_NE(first_->output.find("PR-AUC"), std::string::npos) << first_->output;
  const fs::path a = *dir_ / "a";
  for (const char* f : {"results.json", "metrics.csv", "predictions.csv", "synthetic/random.csv",
                        "synthetic/smote.csv", "synthetic/gan.csv"}) {
    EXPECT_TRUE(fs::exists(a / f)) << f;
  }
  const auto results = nlohmann::json::parse(imbgen::read_file(a / "results.json"));
  ASSERT_EQ(results.at("results").size(), 25u);
  // Which BLAS kernels summed the products (the same seed gives the same rows on the same ones).
  EXPECT_EQ(results.at("blas").get<std::string>().rfind("OpenBLAS ", 0), 0u) << results.at("blas");
  for (const auto& e : results.at("results")) {
    for (const char* k : {"accuracy", "precision", "recall", "f1", "roc_auc", "pr_auc", "mcc",
                          "balanced_accuracy", "recall_at_precision_90"}) {
      EXPECT_TRUE(e.at("metrics").contains(k)) << k;
    }
  }
  // 2,880 genuine and 120 fraud rows; 80/20 split -> 2,304 and 96 training rows; ratio 1 adds
  // 2,208 rows per generator.
  const auto syn = imbgen::read_csv((a / "synthetic/gan.csv").string());
  EXPECT_EQ(syn.rows.size(), 2208u);
  EXPECT_EQ(syn.header.back(), "Class");
  EXPECT_EQ(syn.header.size(), 30u);
  // No staging leftovers.
  for (const auto& entry : fs::directory_iterator(a))
    EXPECT_EQ(entry.path().filename().string().rfind(".staging", 0), std::string::npos);
}

TEST_F(RunJob, MetricsAgreeWithScikitLearn) {
  ASSERT_EQ(first_->code, 0) << first_->output;
  const Result check = run_command(std::string("/usr/bin/python3 ") + IMBGEN_SOURCE_DIR +
                                   "/tests/cli/check_predictions.py " + (*dir_ / "a").string());
  EXPECT_EQ(check.code, 0) << check.output;
  EXPECT_NE(check.output.find("0 mismatches"), std::string::npos) << check.output;
}

TEST_F(RunJob, SameSeedGivesIdenticalRowsAndScores) {
  ASSERT_EQ(first_->code, 0) << first_->output;
  ASSERT_EQ(second_->code, 0) << second_->output;
  for (const char* f : {"predictions.csv", "synthetic/random.csv", "synthetic/smote.csv",
                        "synthetic/gan.csv"}) {
    EXPECT_EQ(imbgen::read_file(*dir_ / "a" / f), imbgen::read_file(*dir_ / "b" / f)) << f;
  }
}

// `random` copies rows of what the generator was given: every copy must be a training fraud row,
// so a copy of a test-only fraud row would show the test split leaking into the generator.
TEST_F(RunJob, GeneratorsSeeTrainingRowsOnly) {
  ASSERT_EQ(first_->code, 0) << first_->output;
  const imbgen::Table table = imbgen::load_table(kSmall, {"Class", {"Time"}});
  std::set<size_t> test_rows;
  const auto pred = imbgen::read_csv((*dir_ / "a" / "predictions.csv").string());
  for (const auto& r : pred.rows) test_rows.insert(std::stoul(r[2]));
  std::set<std::vector<double>> train_fraud, test_fraud;
  size_t n_fraud = 0;
  for (size_t i = 0; i < table.rows(); ++i) {
    if (table.classes[static_cast<size_t>(table.y[i])] != "1") continue;
    ++n_fraud;
    std::vector<double> row(table.x.row(i), table.x.row(i) + table.x.cols);
    (test_rows.count(i) ? test_fraud : train_fraud).insert(row);
  }
  ASSERT_EQ(n_fraud, 120u);
  ASSERT_FALSE(test_fraud.empty());
  imbgen::LoadOptions single;
  single.allow_single_class = true;
  const imbgen::Table syn =
      imbgen::load_table((*dir_ / "a" / "synthetic/random.csv").string(), single);
  for (size_t i = 0; i < syn.rows(); ++i) {
    std::vector<double> row(syn.x.row(i), syn.x.row(i) + syn.x.cols);
    EXPECT_TRUE(train_fraud.count(row)) << "synthetic row " << i << " is not a training fraud";
  }
}

TEST_F(RunJob, WritesAReportAndEvaluatesEveryGenerator) {
  ASSERT_EQ(first_->code, 0) << first_->output;
  const fs::path a = *dir_ / "a";
  const std::string html = imbgen::read_file(a / "report.html");
  EXPECT_NE(html.find("<html"), std::string::npos);
  EXPECT_GT(html.size(), 1000000u);  // plotly.js is inlined
  const auto results = nlohmann::json::parse(imbgen::read_file(a / "results.json"));
  for (const char* g : {"random", "smote", "gan"}) {
    EXPECT_TRUE(fs::exists(a / "evaluation" / (std::string(g) + ".csv"))) << g;
    const auto& ev = results.at("generators").at(g).at("evaluation");
    EXPECT_TRUE(ev.at("verdicts").contains("detection")) << g;
    // Copies of training rows must show up as exact copies; SMOTE/GAN rows are new.
    if (std::string(g) == "random") {
      EXPECT_GT(ev.at("privacy").at("synthetic").at("exact_copies").get<double>(), 100.0);
    }
  }
  // The report can be written again from results.json alone.
  fs::remove(a / "report.html");
  const Result again = imbgen("report " + a.string());
  EXPECT_EQ(again.code, 0) << again.output;
  EXPECT_TRUE(fs::exists(a / "report.html"));
}

TEST_F(RunJob, EvaluateCommandComparesFiles) {
  ASSERT_EQ(first_->code, 0) << first_->output;
  const fs::path a = *dir_ / "a";
  const Result r = imbgen("evaluate --real " + kSmall + " --drop Time --target Class --class 1 "
                          "--synthetic " + (a / "synthetic/smote.csv").string() +
                          " --set evaluation.tsne=false --quiet --out " + (a / "ev").string());
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("detection"), std::string::npos) << r.output;
  const auto ev = nlohmann::json::parse(imbgen::read_file(a / "ev" / "evaluation.json"));
  EXPECT_EQ(ev.at("rows").at("real").get<int>(), 120);
  EXPECT_FALSE(ev.contains("tsne"));
  EXPECT_TRUE(fs::exists(a / "ev" / "evaluation.csv"));
  const Result bad = imbgen("evaluate --real " + kSmall + " --target Class --class 7 --synthetic " +
                            (a / "synthetic/smote.csv").string() + " --out " + (a / "ev2").string());
  EXPECT_NE(bad.code, 0);
  EXPECT_NE(bad.output.find("no class '7'"), std::string::npos) << bad.output;
}

TEST(Cli, HelpShowsEveryCommandAndDefaults) {
  const Result top = imbgen("--help");
  EXPECT_EQ(top.code, 0);
  for (const char* cmd : {"run", "fit", "sample", "augment", "evaluate", "report"})
    EXPECT_NE(top.output.find(cmd), std::string::npos) << cmd;
  const Result run = imbgen("run --help");
  EXPECT_EQ(run.code, 0);
  EXPECT_NE(run.output.find("--ratio"), std::string::npos);
  EXPECT_NE(run.output.find("none,class_weight,random,smote,gan"), std::string::npos) << run.output;
  for (const char* cmd : {"fit", "sample", "augment"}) EXPECT_EQ(imbgen(std::string(cmd) + " --help").code, 0);
}

// A table with categorical columns and missing values (a slice of UCI Adult) runs end to end, and
// the synthetic rows come back in the original schema: known category labels, integer columns as
// integers, no missing number invented where the column had none.
TEST(Cli, MixedTypeTableRunsEndToEnd) {
  const fs::path dir = make_temp_dir();
  const Result r = imbgen("run --data " + std::string(IMBGEN_TEST_DATA) +
                          "/adult-small.csv --target target --strategies none,random,smote,gan "
                          "--classifiers logistic,xgboost --set gan.steps=100 --quiet --out " +
                          dir.string());
  ASSERT_EQ(r.code, 0) << r.output;
  const imbgen::Table real =
      imbgen::load_table(std::string(IMBGEN_TEST_DATA) + "/adult-small.csv", {"target", {}});
  for (const char* g : {"random", "smote", "gan"}) {
    const auto syn = imbgen::read_csv((dir / "synthetic" / (std::string(g) + ".csv")).string());
    ASSERT_FALSE(syn.rows.empty()) << g;
    ASSERT_EQ(syn.header.size(), real.columns.size() + 1) << g;
    for (size_t c = 0; c < real.columns.size(); ++c) {
      const auto& col = real.columns[c];
      for (const auto& row : syn.rows) {
        const std::string& v = row[c];
        if (col.kind == imbgen::ColumnKind::kCategorical) {
          EXPECT_NE(std::find(col.categories.begin(), col.categories.end(), v), col.categories.end())
              << g << ": column " << col.name << " got unknown category '" << v << "'";
        } else if (col.integer && !v.empty()) {
          EXPECT_EQ(v.find_first_of(".eE"), std::string::npos) << g << ": " << col.name << " = " << v;
        }
        if (col.kind == imbgen::ColumnKind::kNumeric && !col.has_missing) {
          EXPECT_FALSE(v.empty());
        }
      }
    }
  }
  fs::remove_all(dir);
}

// Five classes (NSL-KDD slice: normal 563, DoS 350, R2L 209, Probe 85, U2R 11 rows; see
// tests/data/README.md): every class but the majority is raised to the majority's training count,
// each generator (ctgan conditionally) produces every class's rows, metrics are multi-class and
// agree with scikit-learn, and every generated class is evaluated.
TEST(Cli, FiveClassTableRunsEndToEnd) {
  const fs::path dir = make_temp_dir();
  const std::string data = std::string(IMBGEN_TEST_DATA) + "/nsl-kdd-small.csv.gz";
  const Result r = imbgen("run --data " + data +
                          " --target target --strategies none,class_weight,random,smote,ctgan "
                          "--classifiers logistic,xgboost --set ctgan.steps=60 "
                          "--set evaluation.tsne=false --seed 3 --quiet --out " + dir.string());
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("Macro PR-AUC"), std::string::npos) << r.output;
  const auto results = nlohmann::json::parse(imbgen::read_file(dir / "results.json"));
  const auto& ds = results.at("dataset");
  EXPECT_EQ(ds.at("metric_average"), "macro");
  EXPECT_FALSE(ds.contains("positive_class"));
  const auto& train = ds.at("train");
  ASSERT_EQ(train.size(), 5u);
  size_t majority = 0;
  for (const auto& [label, n] : train.items()) majority = std::max(majority, n.get<size_t>());
  EXPECT_EQ(train.at("U2R").get<size_t>() + ds.at("test").at("U2R").get<size_t>(), 11u);
  for (const char* g : {"random", "smote", "ctgan"}) {
    // Training rows + synthetic rows = the majority's count, for every class.
    const auto syn = imbgen::read_csv((dir / "synthetic" / (std::string(g) + ".csv")).string());
    std::map<std::string, size_t> counts;
    for (const auto& row : syn.rows) ++counts[row.back()];
    for (const auto& [label, n] : train.items()) {
      const size_t have = n.get<size_t>();
      EXPECT_EQ(have + counts[label], majority) << g << ", class " << label;
    }
    const auto& gen = results.at("generators").at(g);
    EXPECT_EQ(gen.at("evaluation_by_class").size(), 4u) << g;
    EXPECT_EQ(gen.at("evaluation_class"), "U2R") << g;  // the rarest generated class
    EXPECT_TRUE(fs::exists(dir / "evaluation" / (std::string(g) + ".csv"))) << g;
  }
  for (const auto& e : results.at("results")) {
    EXPECT_EQ(e.at("metrics").at("classes").size(), 5u);
    EXPECT_EQ(e.at("confusion_matrix").size(), 5u);
  }
  const Result check = run_command("/usr/bin/python3 " + std::string(IMBGEN_SOURCE_DIR) +
                                   "/tests/cli/check_predictions.py " + dir.string());
  EXPECT_EQ(check.code, 0) << check.output;
  EXPECT_NE(check.output.find("0 mismatches"), std::string::npos) << check.output;
  const std::string html = imbgen::read_file(dir / "report.html");
  EXPECT_NE(html.find("macro averages"), std::string::npos);
  EXPECT_NE(html.find("<h4>Per class</h4>"), std::string::npos);
  fs::remove_all(dir);
}

// --targets gives final training counts for the listed classes only.
TEST(Cli, TargetsRaiseOnlyTheListedClasses) {
  const fs::path dir = make_temp_dir();
  const std::string data = std::string(IMBGEN_TEST_DATA) + "/nsl-kdd-small.csv.gz";
  const Result r = imbgen("run --data " + data +
                          " --target target --strategies random --classifiers logistic "
                          "--targets U2R=100,R2L=200 --no-evaluate --quiet --out " + dir.string());
  ASSERT_EQ(r.code, 0) << r.output;
  const auto results = nlohmann::json::parse(imbgen::read_file(dir / "results.json"));
  const auto& train = results.at("dataset").at("train");
  const auto syn = imbgen::read_csv((dir / "synthetic" / "random.csv").string());
  std::map<std::string, size_t> counts;
  for (const auto& row : syn.rows) ++counts[row.back()];
  EXPECT_EQ(counts.size(), 2u);
  EXPECT_EQ(counts["U2R"] + train.at("U2R").get<size_t>(), 100u);
  EXPECT_EQ(counts["R2L"] + train.at("R2L").get<size_t>(), 200u);
  EXPECT_EQ(results.at("config").at("sampling"), "U2R=100,R2L=200");
  fs::remove_all(dir);
}

TEST(Cli, BenchmarkPointsSeveralClassesToRun) {
  const Result r = imbgen("benchmark --data " + std::string(IMBGEN_TEST_DATA) +
                          "/nsl-kdd-small.csv.gz --target target --quiet --out " +
                          (fs::temp_directory_path() / "imbgen-never-written").string());
  EXPECT_NE(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("5 classes"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("'imbgen run' handles several classes"), std::string::npos) << r.output;
}

// A generator whose training diverges loses its own cells only: the rest is written, the failure
// is in results.json, the report and the output, and the exit code says "diverged".
TEST(Cli, DivergedStrategyIsSkippedAndTheRestIsWritten) {
  const fs::path dir = make_temp_dir();
  const Result r = imbgen("run --data " + kSmall +
                          " --drop Time --strategies none,vae,smote --classifiers logistic "
                          "--set vae.lr=1e12 --set vae.steps=200 --no-evaluate --quiet --out " +
                          dir.string());
  EXPECT_EQ(r.code, 7) << r.output;
  EXPECT_NE(r.output.find("strategy 'vae' was skipped"), std::string::npos) << r.output;
  const auto results = nlohmann::json::parse(imbgen::read_file(dir / "results.json"));
  EXPECT_NE(results.at("failed").at("vae").get<std::string>().find("diverged"), std::string::npos);
  std::set<std::string> strategies;
  for (const auto& e : results.at("results")) strategies.insert(e.at("strategy"));
  EXPECT_EQ(strategies, (std::set<std::string>{"none", "smote"}));
  EXPECT_FALSE(fs::exists(dir / "synthetic" / "vae.csv"));
  EXPECT_TRUE(fs::exists(dir / "synthetic" / "smote.csv"));
  EXPECT_NE(imbgen::read_file(dir / "report.html").find("<strong>Skipped:</strong>"),
            std::string::npos);
  fs::remove_all(dir);
}

TEST(Cli, UnknownOptionIsAUsageError) {
  const Result r = imbgen("run --no-such-flag");
  EXPECT_EQ(r.code, 2);
}

TEST(Cli, FitSampleAndAugmentRoundTrip) {
  const fs::path dir = make_temp_dir();
  const std::string model = (dir / "smote.imbgen").string();
  Result fit = imbgen("fit --data " + kSmall + " --drop Time --generator smote --quiet -o " + model);
  ASSERT_EQ(fit.code, 0) << fit.output;
  const Result s1 = imbgen("sample -m " + model + " -n 50 --seed 3 -o " + (dir / "s1.csv").string());
  const Result s2 = imbgen("sample -m " + model + " -n 50 --seed 3 -o " + (dir / "s2.csv").string());
  ASSERT_EQ(s1.code, 0) << s1.output;
  ASSERT_EQ(s2.code, 0) << s2.output;
  EXPECT_EQ(imbgen::read_file(dir / "s1.csv"), imbgen::read_file(dir / "s2.csv"));
  const auto rows = imbgen::read_csv((dir / "s1.csv").string());
  EXPECT_EQ(rows.rows.size(), 50u);
  EXPECT_EQ(rows.header.front(), "V1");
  EXPECT_EQ(rows.rows[0].back(), "1");

  const Result bad_class = imbgen("sample -m " + model + " --class 0 -o " + (dir / "x.csv").string());
  EXPECT_NE(bad_class.code, 0);
  EXPECT_NE(bad_class.output.find("class '0': the model was fit on class 1 only"), std::string::npos) << bad_class.output;
  EXPECT_FALSE(fs::exists(dir / "x.csv"));

  write_text(dir / "garbage.imbgen", "Time,V1\n1,2\n");
  const Result bad_model = imbgen("sample -m " + (dir / "garbage.imbgen").string() + " -o " +
                                  (dir / "y.csv").string());
  EXPECT_NE(bad_model.code, 0);
  EXPECT_NE(bad_model.output.find("garbage.imbgen"), std::string::npos) << bad_model.output;
  EXPECT_FALSE(fs::exists(dir / "y.csv"));

  const Result aug = imbgen("augment --data " + kSmall + " --drop Time -g random --ratio 0.5 --quiet -o " +
                            (dir / "aug.csv").string());
  ASSERT_EQ(aug.code, 0) << aug.output;
  const imbgen::Table augmented = imbgen::load_table((dir / "aug.csv").string(), {"Class", {}});
  // 2,880 genuine rows; fraud raised from 120 to 0.5 * 2,880 = 1,440.
  EXPECT_EQ(augmented.rows(), 2880u + 1440u);
  fs::remove_all(dir);
}

// Training rows of the small slice as `imbgen run --seed 7` splits them: every data row whose
// index is not among the test rows of predictions.csv, with its fields exactly as in the file.
std::string training_rows_csv(const fs::path& run_dir) {
  std::set<size_t> test_rows;
  for (const auto& r : imbgen::read_csv((run_dir / "predictions.csv").string()).rows)
    test_rows.insert(std::stoul(r[2]));
  const auto all = imbgen::read_csv(kSmall);
  std::ostringstream out;
  imbgen::write_csv_row(out, all.header);
  for (size_t i = 0; i < all.rows.size(); ++i)
    if (test_rows.count(i) == 0) imbgen::write_csv_row(out, all.rows[i]);
  return out.str();
}

// The rows after the first `skip` data rows of a CSV file, header dropped.
std::string rows_after(const fs::path& csv, size_t skip) {
  std::istringstream in(imbgen::read_file(csv));
  std::string line, out;
  std::getline(in, line);  // header
  for (size_t i = 0; std::getline(in, line); ++i)
    if (i >= skip) out += line + "\n";
  return out;
}

// One seeding rule whichever door the rows come through: `imbgen run`'s synthetic rows are those
// `imbgen augment` adds to the same training rows with the same generator, options and seed.
TEST(Cli, RunAndAugmentGiveTheSameRowsForTheSameSeed) {
  const fs::path dir = make_temp_dir();
  const Result run = imbgen("run --data " + kSmall +
                            " --drop Time --strategies smote,gan --classifiers logistic --seed 7 "
                            "--set gan.steps=60 --no-evaluate --quiet --out " +
                            (dir / "run").string());
  ASSERT_EQ(run.code, 0) << run.output;
  write_text(dir / "train.csv", training_rows_csv(dir / "run"));
  const size_t n_train = imbgen::read_csv((dir / "train.csv").string()).rows.size();
  EXPECT_EQ(n_train, 2400u);
  for (const std::string g : {"smote", "gan"}) {
    const Result aug = imbgen("augment --data " + (dir / "train.csv").string() +
                              " --target Class --drop Time -g " + g +
                              " --set gan.steps=60 --seed 7 --quiet -o " +
                              (dir / (g + ".csv")).string());
    if (g == "smote") {
      // gan.steps is an option for a generator this command does not fit: an error.
      ASSERT_NE(aug.code, 0) << aug.output;
      EXPECT_NE(aug.output.find("'gan'"), std::string::npos) << aug.output;
      const Result again = imbgen("augment --data " + (dir / "train.csv").string() +
                                  " --target Class --drop Time -g smote --seed 7 --quiet -o " +
                                  (dir / "smote.csv").string());
      ASSERT_EQ(again.code, 0) << again.output;
    } else {
      ASSERT_EQ(aug.code, 0) << aug.output;
    }
    const std::string from_run = rows_after(dir / "run" / "synthetic" / (g + ".csv"), 0);
    const std::string from_augment = rows_after(dir / (g + ".csv"), n_train);
    EXPECT_FALSE(from_run.empty());
    EXPECT_EQ(from_run, from_augment) << g;
  }
  fs::remove_all(dir);
}

// The example program (examples/fit_and_sample.cpp) and `imbgen fit` + `imbgen sample` are two
// doors to one library: same generator, seeds and data, same bytes.
TEST(Cli, ExampleProgramMatchesFitAndSample) {
  const fs::path dir = make_temp_dir();
  // Rows on stdout into the file, the card's line on stderr into run.output.
  const Result run = run_command("(" + std::string(IMBGEN_EXAMPLE_BIN) + " " + kSmall +
                                 " Class smote 5 > " + (dir / "example.csv").string() + ")");
  ASSERT_EQ(run.code, 0) << run.output;
  EXPECT_NE(run.output.find("fit \"smote\" on 3000 rows (sha256:"), std::string::npos) << run.output;
  const std::string example = imbgen::read_file(dir / "example.csv");
  const std::string model = (dir / "m.imbgen").string();
  ASSERT_EQ(imbgen("fit --data " + kSmall + " --target Class -g smote --seed 7 -q -o " + model).code,
            0);
  const Result sample = imbgen("sample -m " + model + " -n 5 --class 1 --seed 11 -o " +
                               (dir / "s.csv").string());
  ASSERT_EQ(sample.code, 0) << sample.output;
  EXPECT_EQ(example, imbgen::read_file(dir / "s.csv"));
  EXPECT_EQ(std::count(example.begin(), example.end(), '\n'), 6);
  fs::remove_all(dir);
}

TEST(Cli, FitKeepsAModelCardWithAFidelitySummary) {
  const fs::path dir = make_temp_dir();
  const std::string model = (dir / "m.imbgen").string();
  const Result fit = imbgen("fit --data " + kSmall +
                            " --drop Time -g smote --seed 3 --evaluate -q -o " + model);
  ASSERT_EQ(fit.code, 0) << fit.output;
  EXPECT_NE(fit.output.find("detection"), std::string::npos) << fit.output;
  nlohmann::json meta;
  imbgen::load_generator(model, &meta);
  const auto& card = meta.at("card");
  EXPECT_EQ(card.at("generator"), "smote");
  EXPECT_EQ(card.at("seed"), 3);
  EXPECT_EQ(card.at("classes").at("1"), 120);
  EXPECT_EQ(card.at("classes").at("0"), 2880);
  EXPECT_EQ(card.at("data").at("rows"), 3000);
  EXPECT_EQ(card.at("data").at("fingerprint").get<std::string>().rfind("sha256:", 0), 0u);
  EXPECT_EQ(card.at("data").at("columns").size(), 29u);
  const auto& f = card.at("fidelity").at("classes").at("1");
  EXPECT_EQ(f.at("rows"), 120);
  // SMOTE's rows lie between real neighbours: a detector cannot tell them apart well.
  EXPECT_LT(f.at("detection_auc").get<double>(), 0.75);
  fs::remove_all(dir);
}

// --counts draws several classes in one file: each class's rows are those `--class` draws with
// the same seed, in the order given; NDJSON and standard output carry the same rows.
TEST(Cli, SampleSeveralClassesAtOnce) {
  const fs::path dir = make_temp_dir();
  const std::string model = (dir / "m.imbgen").string();
  ASSERT_EQ(imbgen("fit --data " + kSmall + " --drop Time -g smote --class 0,1 -q -o " + model).code,
            0);
  const auto sample = [&](const std::string& args, const std::string& file) {
    const Result r = imbgen("sample -m " + model + " --seed 9 " + args + " -o " + (dir / file).string());
    EXPECT_EQ(r.code, 0) << r.output;
    return imbgen::read_file(dir / file);
  };
  const std::string both = sample("--counts 1=3,0=2", "both.csv");
  const std::string ones = sample("--class 1 -n 3", "ones.csv");
  const std::string zeros = sample("--class 0 -n 2", "zeros.csv");
  const auto header_end = [](const std::string& text) { return text.find('\n') + 1; };
  EXPECT_EQ(both, ones + zeros.substr(header_end(zeros)));
  const auto rows = imbgen::read_csv((dir / "both.csv").string());
  ASSERT_EQ(rows.rows.size(), 5u);
  EXPECT_EQ(rows.rows[2].back(), "1");
  EXPECT_EQ(rows.rows[3].back(), "0");

  const std::string ndjson = sample("--counts 1=3,0=2 --format ndjson", "both.ndjson");
  std::vector<nlohmann::json> lines;
  std::istringstream in(ndjson);
  for (std::string line; std::getline(in, line);) lines.push_back(nlohmann::json::parse(line));
  ASSERT_EQ(lines.size(), 5u);
  EXPECT_EQ(lines[0].at("Class"), "1");
  EXPECT_EQ(lines[4].at("Class"), "0");
  EXPECT_EQ(lines[4].at("V1").get<double>(), std::stod(rows.rows[4].at(0)));

  const Result out = imbgen("sample -m " + model + " --seed 9 --counts 1=3,0=2 -o -");
  EXPECT_EQ(out.code, 0);
  EXPECT_EQ(out.output.substr(0, both.size()), both);  // then the line on standard error

  const Result twice = imbgen("sample -m " + model + " --counts 1=3,1=2 -o " + (dir / "x.csv").string());
  EXPECT_EQ(twice.code, 3);
  EXPECT_NE(twice.output.find("class '1' is given twice"), std::string::npos) << twice.output;
  const Result unknown = imbgen("sample -m " + model + " --counts 1=3,7=2 -o " + (dir / "x.csv").string());
  EXPECT_EQ(unknown.code, 3);
  EXPECT_NE(unknown.output.find("class '7': the model was fit on classes 0, 1 only"),
            std::string::npos)
      << unknown.output;
  EXPECT_EQ(imbgen("sample -m " + model + " --counts 1=3 -n 4").code, 2);  // excludes --rows
  EXPECT_FALSE(fs::exists(dir / "x.csv"));
  fs::remove_all(dir);
}

// Each was once a crash, a wrong exit code or a silent mistake.
TEST(Cli, OtherCommandsRejectBadInputClearly) {
  const fs::path dir = make_temp_dir();
  const std::string model = (dir / "m.imbgen").string();
  ASSERT_EQ(imbgen("fit --data " + kSmall + " --drop Time -g random -q -o " + model).code, 0);

  Result r = imbgen("sample -m " + model + " -n -5 -o " + (dir / "s.csv").string());
  EXPECT_EQ(r.code, 3) << r.output;  // was 70: the unsigned option wrapped -5
  EXPECT_NE(r.output.find("--rows"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(dir / "s.csv"));

  r = imbgen("benchmark --data " + kSmall + " --jobs 0 --out " + (dir / "b").string());
  EXPECT_EQ(r.code, 3) << r.output;  // was SIGFPE in the progress banner
  EXPECT_NE(r.output.find("--jobs must be >= 1, got 0"), std::string::npos) << r.output;

  fs::create_directories(dir / "folder.imbgen");
  r = imbgen("sample -m " + (dir / "folder.imbgen").string() + " -o " + (dir / "s.csv").string());
  EXPECT_EQ(r.code, 3) << r.output;
  EXPECT_NE(r.output.find("is a folder"), std::string::npos) << r.output;

  fs::create_directories(dir / "empty-results");
  write_text(dir / "empty-results" / "results.json", "{}");
  r = imbgen("report " + (dir / "empty-results").string());
  EXPECT_EQ(r.code, 3) << r.output;
  EXPECT_NE(r.output.find("not imbgen results"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("wrote"), std::string::npos) << r.output;  // nothing claimed
  EXPECT_FALSE(fs::exists(dir / "empty-results" / "report.html"));

  fs::create_directories(dir / "folder-results" / "results.json");
  r = imbgen("report " + (dir / "folder-results").string());
  EXPECT_EQ(r.code, 3) << r.output;
  EXPECT_NE(r.output.find("is a folder"), std::string::npos) << r.output;

  r = imbgen("fit --data " + kSmall + " --drop Time -g smote --set gan.steps=10 -q -o " + model);
  EXPECT_EQ(r.code, 3) << r.output;  // was accepted silently
  EXPECT_NE(r.output.find("'gan'"), std::string::npos) << r.output;
  fs::remove_all(dir);
}

// Without --target, `imbgen evaluate` compares every column (it used to drop the last one).
TEST(Cli, EvaluateWithoutTargetComparesEveryColumn) {
  const fs::path dir = make_temp_dir();
  std::string real = "a,b,c\n", syn = "a,b,c\n";
  for (int i = 0; i < 60; ++i) {
    real += std::to_string(i % 10) + "," + std::to_string(i % 7) + "," + std::to_string(i) + "\n";
    syn += std::to_string((i + 3) % 10) + "," + std::to_string(i % 5) + "," +
           std::to_string(2 * i) + "\n";
  }
  write_text(dir / "real.csv", real);
  write_text(dir / "syn.csv", syn);
  const Result r = imbgen("evaluate --real " + (dir / "real.csv").string() + " --synthetic " +
                          (dir / "syn.csv").string() +
                          " --set evaluation.tsne=false --set evaluation.detection=false -q --out " +
                          (dir / "ev").string());
  ASSERT_EQ(r.code, 0) << r.output;
  const auto ev = nlohmann::json::parse(imbgen::read_file(dir / "ev" / "evaluation.json"));
  EXPECT_EQ(ev.at("columns").at("per_column").size(), 3u);
  EXPECT_NE(r.output.find("of 3 columns"), std::string::npos) << r.output;
  fs::remove_all(dir);
}

// Outputs stay bounded however wide the table: 300 columns once gave a results.json of tens of MB
// (every correlation matrix in full, every column's histograms); now the detail is capped and the
// files say what was left out.
TEST(Cli, WideTableGivesBoundedOutputs) {
  const fs::path dir = make_temp_dir();
  std::string csv;
  for (int j = 0; j < 300; ++j) csv += "c" + std::to_string(j) + ",";
  csv += "y\n";
  for (int i = 0; i < 50; ++i) {
    for (int j = 0; j < 300; ++j) csv += std::to_string((i * 7919 + j * 104729) % 1000 / 100.0) + ",";
    csv += (i < 15 ? "1\n" : "0\n");
  }
  write_text(dir / "wide.csv", csv);
  const Result r = imbgen("run --data " + (dir / "wide.csv").string() +
                          " --strategies random --classifiers logistic --set evaluation.tsne=false "
                          "--quiet --out " + (dir / "out").string());
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_LT(fs::file_size(dir / "out" / "results.json"), 3u << 20);
  EXPECT_LT(fs::file_size(dir / "out" / "report.html"), 8u << 20);  // 4.8 MB of it is plotly.js
  EXPECT_LT(fs::file_size(dir / "out" / "evaluation" / "random.csv"), 1u << 20);
  const auto results = nlohmann::json::parse(imbgen::read_file(dir / "out" / "results.json"));
  const auto& ev = results.at("generators").at("random").at("evaluation");
  EXPECT_EQ(ev.at("columns").at("per_column").size(), 100u);
  EXPECT_EQ(ev.at("columns").at("summary").at("columns"), 300);
  EXPECT_NE(ev.at("columns").at("left_out").get<std::string>().find("100 of 300 columns"),
            std::string::npos);
  EXPECT_EQ(ev.at("correlations").at("plot").at("columns").size(), 40u);
  EXPECT_EQ(ev.at("correlations").at("pearson").at("pairs").get<size_t>() +
                ev.at("correlations").at("pearson").at("skipped_pairs").get<size_t>(),
            300u * 299u / 2u);
  fs::remove_all(dir);
}

// Messy real data, as in the thyroid-disease table: four classes, one of them with 2 rows, and a
// numeric column missing in every row. The main job runs to the end: the empty column is left
// out with a warning, each generator that cannot model the tiny class skips that class (recorded
// in results.json and the report), and both are found before anything trains.
TEST(Cli, MessyDataRunsToTheEndWithTheSkipsRecorded) {
  const fs::path dir = make_temp_dir();
  std::string csv = "age,sex,TSH,TBG,T3,class\n";
  const std::vector<std::pair<std::string, int>> classes = {
      {"negative", 150}, {"compensated", 30}, {"primary", 12}, {"secondary", 2}};
  int i = 0;
  for (const auto& [label, n] : classes) {
    for (int k = 0; k < n; ++k, ++i) {
      const std::string tsh = i % 9 == 0 ? "?" : std::to_string(0.5 + (i * 37 % 50) / 10.0 +
                                                                 (label == "primary" ? 20 : 0));
      csv += std::to_string(20 + i * 13 % 60) + "," + (i % 11 == 0 ? "" : i % 2 ? "F" : "M") +
             "," + tsh + ",," + std::to_string(1 + (i * 7 % 30) / 10.0) + "," + label + "\n";
    }
  }
  write_text(dir / "thyroid.csv", csv);
  const Result r = imbgen("run --data " + (dir / "thyroid.csv").string() +
                          " --strategies none,random,smote,gan --classifiers logistic,xgboost "
                          "--set gan.steps=30 --set evaluation.tsne=false "
                          "--set evaluation.detection=false --threads 2 --seed 3 --out " +
                          (dir / "out").string());
  ASSERT_EQ(r.code, 0) << r.output;
  for (const char* f : {"results.json", "metrics.csv", "predictions.csv", "report.html",
                        "synthetic/random.csv", "synthetic/smote.csv", "synthetic/gan.csv"})
    EXPECT_TRUE(fs::exists(dir / "out" / f)) << f;
  const auto results = nlohmann::json::parse(imbgen::read_file(dir / "out" / "results.json"));
  const auto& left_out = results.at("dataset").at("left_out_columns");
  ASSERT_EQ(left_out.size(), 1u);
  EXPECT_EQ(left_out[0].at("column"), "TBG");
  EXPECT_EQ(results.at("dataset").at("features"), 4);
  const auto& gens = results.at("generators");
  const std::string smote = gens.at("smote").at("skipped_classes").at("secondary");
  EXPECT_NE(smote.find("class 'secondary' has 1 training row; smote needs at least 6"),
            std::string::npos) << smote;
  EXPECT_NE(smote.find("use 'random'"), std::string::npos) << smote;
  EXPECT_NE(gens.at("gan").at("skipped_classes").at("secondary").get<std::string>().find(
                "gan needs at least 2"),
            std::string::npos);
  EXPECT_FALSE(gens.at("random").contains("skipped_classes"));
  EXPECT_TRUE(gens.at("random").at("synthetic_rows_by_class").contains("secondary"));
  EXPECT_FALSE(gens.at("smote").at("synthetic_rows_by_class").contains("secondary"));
  EXPECT_TRUE(gens.at("smote").at("synthetic_rows_by_class").contains("primary"));
  EXPECT_TRUE(results.at("failed").empty());
  EXPECT_TRUE(results.at("skipped").empty());
  std::set<std::string> strategies;
  for (const auto& e : results.at("results")) strategies.insert(e.at("strategy"));
  EXPECT_EQ(strategies, (std::set<std::string>{"none", "random", "smote", "gan"}));
  // Warnings, found before any training (the progress lines start after them).
  const size_t tbg = r.output.find("warning: numeric column 'TBG' has no value in the");
  const size_t cls = r.output.find(
      "warning: smote adds no rows to class 'secondary': it has 1 training row; smote needs at "
      "least 6");
  const size_t progress = r.output.find("] ");
  EXPECT_NE(tbg, std::string::npos) << r.output;
  EXPECT_NE(cls, std::string::npos) << r.output;
  EXPECT_LT(std::max(tbg, cls), progress) << r.output;
  EXPECT_EQ(r.output.find("::"), std::string::npos) << r.output;  // no internal names
  const std::string report = imbgen::read_file(dir / "out" / "report.html");
  EXPECT_NE(report.find("Classes without rows from smote"), std::string::npos);
  EXPECT_NE(report.find("TBG</code>: numeric column"), std::string::npos);
  fs::remove_all(dir);
}

// Two classes with 4 minority rows: SMOTE (6 rows) cannot run at all, so that strategy is skipped
// with the reason and the way out; the others are written and the run succeeds.
TEST(Cli, StrategyWhoseClassIsTooSmallIsSkippedAndTheRestIsWritten) {
  const fs::path dir = make_temp_dir();
  std::string csv = "a,b,Class\n";
  for (int i = 0; i < 40; ++i) csv += std::to_string(i) + "," + std::to_string(i % 7) + ",0\n";
  for (int i = 0; i < 4; ++i) csv += std::to_string(100 + i) + "," + std::to_string(i) + ",1\n";
  write_text(dir / "small.csv", csv);
  const Result r = imbgen("run --data " + (dir / "small.csv").string() +
                          " --strategies none,smote,random --classifiers logistic --no-evaluate "
                          "--quiet --out " + (dir / "out").string());
  ASSERT_EQ(r.code, 0) << r.output;
  const auto results = nlohmann::json::parse(imbgen::read_file(dir / "out" / "results.json"));
  const std::string why = results.at("skipped").at("smote");
  EXPECT_NE(why.find("class '1' has 3 training rows; smote needs at least 6 (k_neighbors = 5); "
                     "hint: --set smote.k_neighbors=2 fits it, or use 'random'"),
            std::string::npos) << why;
  EXPECT_NE(r.output.find("warning: strategy 'smote' was skipped"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(dir / "out" / "synthetic" / "smote.csv"));
  EXPECT_TRUE(fs::exists(dir / "out" / "synthetic" / "random.csv"));
  std::set<std::string> strategies;
  for (const auto& e : results.at("results")) strategies.insert(e.at("strategy"));
  EXPECT_EQ(strategies, (std::set<std::string>{"none", "random"}));
  EXPECT_NE(imbgen::read_file(dir / "out" / "report.html").find("<strong>Skipped:</strong>"),
            std::string::npos);
  fs::remove_all(dir);
}

// `imbgen benchmark` needs every cell, so a generator that cannot be fit in some fold is an error,
// found before the first cell trains (no cell store is made).
TEST(Cli, BenchmarkFindsAClassTooSmallForAGeneratorBeforeAnyCell) {
  const fs::path dir = make_temp_dir();
  std::string csv = "a,b,Class\n";
  for (int i = 0; i < 60; ++i) csv += std::to_string(i) + "," + std::to_string(i % 7) + ",0\n";
  for (int i = 0; i < 10; ++i) csv += std::to_string(100 + i) + "," + std::to_string(i) + ",1\n";
  write_text(dir / "small.csv", csv);
  const Result r = imbgen("benchmark --data " + (dir / "small.csv").string() +
                          " --strategies none,smote --classifiers logistic --folds 5 --repeats 1 "
                          "--set smote.k_neighbors=7 --no-evaluate --quiet --out " +
                          (dir / "out").string());
  EXPECT_EQ(r.code, 3) << r.output;
  EXPECT_NE(r.output.find("data set 'small': class '1' has"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("smote needs at least 8"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(dir / "out" / "cells"));
  fs::remove_all(dir);
}

// Every command checks every option before it reads data or trains: here the data file does not
// exist, so an error about the file (exit 4) would mean the option was reached too late.
TEST(Cli, EveryCommandChecksItsOptionsBeforeAnyWork) {
  const std::string missing = "/nonexistent/imbgen-test/data.csv";
  struct Case {
    std::string args;
    std::vector<std::string> expected;
  };
  const std::vector<Case> cases = {
      // A typo in the last strategy's setting: found before the first strategy trains.
      {"run --data " + missing + " --strategies none,random,smote,gan --set gan.stepz=5",
       {"gan", "stepz"}},
      {"run --data " + missing + " --strategies none,random,gan --set gan.steps=-3",
       {"gan", "steps"}},
      {"run --data " + missing + " --classifiers logistic --set evaluation.tsne_perplexity=-1",
       {"evaluation", "tsne_perplexity"}},
      {"benchmark --data " + missing + " --strategies none,smote --set smote.k_neighbors=0",
       {"smote", "k_neighbors"}},
      {"benchmark --data " + missing + " --strategies none,smote --set gan.steps=5",
       {"'gan'", "does not use"}},
      {"benchmark --data " + missing + " --classifiers logistic --set xgboost.max_depth=3",
       {"'xgboost'", "does not use"}},
      {"fit --data " + missing + " -g smote --set smote.k_neighbors=0", {"smote", "k_neighbors"}},
      {"fit --data " + missing + " -g smote --set logistic.C=2", {"'logistic'"}},
      {"augment --data " + missing + " -g smote --set ctgan.epochs=1", {"'ctgan'"}},
      {"augment --data " + missing + " -g random --ratio 2", {"--ratio"}},
      {"evaluate --real " + missing + " --synthetic " + missing +
           " --set evaluation.tsne_perplexity=-1",
       {"tsne_perplexity"}},
      {"evaluate --real " + missing + " --synthetic " + missing + " --set smote.k_neighbors=3",
       {"'smote'", "does not use"}},
      {"sample -m " + missing + " -n -5", {"--rows"}},
      {"serve --models /nonexistent/imbgen-test --threads 0", {"--threads"}},
      {"serve --models /nonexistent/imbgen-test --port 70000", {"--port"}},
  };
  for (const auto& c : cases) {
    // `timeout`: a serve that missed its check would otherwise listen until the test's limit.
    const Result r = run_command("timeout 60 " + std::string(IMBGEN_BIN) + " " + c.args);
    EXPECT_EQ(r.code, 3) << c.args << "\n" << r.output;
    for (const auto& e : c.expected)
      EXPECT_NE(r.output.find(e), std::string::npos) << c.args << ": " << e << "\n" << r.output;
    EXPECT_EQ(r.output.find("no such file"), std::string::npos) << c.args << "\n" << r.output;
  }
}

// ---- bad input: non-zero exit, a message naming the problem, nothing written ----

struct BadInput {
  std::string name;
  std::string csv;        // file content ("" = do not create the file)
  std::string args;       // extra arguments
  std::vector<std::string> expected;  // substrings of the message
};
void PrintTo(const BadInput& b, std::ostream* os) { *os << b.name; }

class CliBadInput : public ::testing::TestWithParam<BadInput> {};

TEST_P(CliBadInput, ExitsNonZeroWithAClearMessageAndWritesNothing) {
  const BadInput& b = GetParam();
  const fs::path dir = make_temp_dir();
  const fs::path data = dir / "bad.csv";
  if (!b.csv.empty()) write_text(data, b.csv);
  // A result from an earlier run must survive a failed run untouched.
  fs::create_directories(dir / "out");
  write_text(dir / "out" / "results.json", "{\"earlier\": true}\n");
  const Result r = imbgen("run --data " + data.string() + " " + b.args + " --quiet --out " +
                          (dir / "out").string());
  EXPECT_NE(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("imbgen: error:"), std::string::npos) << r.output;
  // No control character but the line break reaches the terminal, whatever the file holds.
  for (char c : r.output)
    EXPECT_TRUE(c == '\n' || static_cast<unsigned char>(c) >= 0x20) << r.output;
  for (const auto& e : b.expected) EXPECT_NE(r.output.find(e), std::string::npos) << e << "\n" << r.output;
  EXPECT_EQ(imbgen::read_file(dir / "out" / "results.json"), "{\"earlier\": true}\n");
  size_t files = 0;
  for ([[maybe_unused]] const auto& f : fs::recursive_directory_iterator(dir / "out")) ++files;
  EXPECT_EQ(files, 1u);
  fs::remove_all(dir);
}

const std::string kHeader = "a,b,Class\n";
std::string rows(int n0, int n1) {
  std::string s;
  for (int i = 0; i < n0; ++i) s += std::to_string(i) + "," + std::to_string(i % 7) + ",0\n";
  for (int i = 0; i < n1; ++i) s += std::to_string(100 + i) + "," + std::to_string(i % 5) + ",1\n";
  return s;
}

INSTANTIATE_TEST_SUITE_P(
    Cases, CliBadInput,
    ::testing::Values(
        BadInput{"MissingFile", "", "", {"bad.csv", "no such file"}},
        BadInput{"EmptyFile", "\n", "", {"bad.csv"}},
        BadInput{"HeaderOnly", kHeader, "", {"bad.csv", "no data rows"}},
        BadInput{"RaggedRow", kHeader + "1,2,0\n3,0\n" + rows(20, 10), "",
                 {"bad.csv:3", "expected 3 fields", "got 2"}},
        BadInput{"NonNumericValue", kHeader + "1,2,0\n3,abc,0\n" + rows(20, 10), "",
                 {"bad.csv:3", "column 'b'", "abc"}},
        BadInput{"OutOfRangeValue", kHeader + rows(20, 10) + "1,1e999,0\n", "",
                 {"bad.csv:32", "column 'b'", "1e999"}},
        BadInput{"InfValue", kHeader + rows(20, 10) + "inf,1,0\n", "",
                 {"bad.csv:32", "column 'a'", "inf"}},
        BadInput{"TypoInNumericColumn", kHeader + rows(20, 10) + "4,abc,1\n", "",
                 {"bad.csv:32", "column 'b'", "abc"}},
        BadInput{"UnknownTarget", kHeader + rows(20, 10), "--target label", {"label", "Class"}},
        BadInput{"UnknownDropColumn", kHeader + rows(20, 10), "--drop zz", {"zz"}},
        BadInput{"SingleClass", kHeader + rows(30, 0), "", {"Class", "single class"}},
        BadInput{"UnknownStrategy", kHeader + rows(20, 10), "--strategies gann",
                 {"unknown strategy 'gann'", "smote"}},
        BadInput{"UnknownClassifier", kHeader + rows(20, 10), "--classifiers forest",
                 {"unknown classifier 'forest'", "random_forest"}},
        BadInput{"BadRatio", kHeader + rows(20, 10), "--ratio 0", {"ratio"}},
        BadInput{"UnknownTargetLabel", kHeader + rows(40, 10),
                 "--strategies random --targets fraud=100", {"'fraud'", "0, 1"}},
        BadInput{"TargetBelowCurrentCount", kHeader + rows(40, 10),
                 "--strategies random --targets 1=2", {"target 2", "class '1'"}},
        BadInput{"BadSamplingText", kHeader + rows(40, 10), "--sampling 1.5", {"ratio 1.5"}},
        BadInput{"RatioAndTargetsTogether", kHeader + rows(40, 10), "--ratio 0.5 --targets 1=30",
                 {"--ratio", "excludes"}},
        BadInput{"BadSetting", kHeader + rows(20, 10), "--set gan.stepz=5 --strategies gan",
                 {"stepz"}},
        // Checked before anything trains, even when the bad option is for the last strategy.
        BadInput{"BadSettingOfTheLastStrategy", kHeader + rows(20, 10),
                 "--strategies none,random,gan --set gan.steps=-3", {"gan", "steps"}},
        BadInput{"SettingForAGeneratorNotInUse", kHeader + rows(20, 10),
                 "--strategies smote --set gan.steps=10", {"'gan'", "does not use", "smote"}},
        BadInput{"SettingForAClassifierNotInUse", kHeader + rows(20, 10),
                 "--classifiers logistic --set xgboost.max_depth=3", {"'xgboost'", "logistic"}},
        BadInput{"NamelessHeaderColumn", ",a,Class\n" + rows(20, 10), "",
                 {"bad.csv", "column 1 of the header has no name", "index=False"}},
        // Text from the file is escaped in messages: a NUL no longer cuts the message short (the
        // hint after the value is there), an escape sequence cannot reach the terminal.
        BadInput{"NulByteInAField", kHeader + rows(20, 10) + std::string("4,2\0" "3,1\n", 8), "",
                 {"bad.csv:32", "column 'b'", "got \"2\\03\"", "--categorical b"}},
        BadInput{"EscapeSequenceInAField", kHeader + rows(20, 10) + "4,\x1b[31mred,1\n", "",
                 {"bad.csv:32", "column 'b'", "got \"\\x1b[31mred\""}},
        BadInput{"LineBreakInAQuotedNumber", kHeader + rows(20, 10) + "4,\"2\n3\",1\n", "",
                 {"bad.csv:32", "column 'b'", "got \"2\\n3\""}},
        BadInput{"ControlCharacterInAColumnName", "a,b\x07,Class\n" + rows(20, 10),
                 "--drop zz", {"'zz' is not in the header", "b\\x07"}},
        // Latin-1 (or any text that is not UTF-8) is refused where it is, with the way out.
        BadInput{"NotUtf8", kHeader + rows(20, 10) + "4,x\xe9y,1\n", "",
                 {"bad.csv:32", "column 'b'", "\"x\\xe9y\" is not UTF-8", "0xE9", "iconv"}}),
    [](const ::testing::TestParamInfo<BadInput>& p) { return p.param.name; });

// --ratios makes one strategy per generator and ratio, and auto says what it chose, in run and
// in benchmark, on the 3,000-row slice with cheap classifiers.
TEST(Cli, RatiosAndAutoInRunAndBenchmark) {
  const fs::path dir = make_temp_dir();
  const std::string common = "--data " + kSmall +
                             " --drop Time --classifiers logistic,xgboost --set "
                             "xgboost.n_estimators=20 --set auto.candidates=none,class_weight,"
                             "random --set auto.ratios=0.1,0.5 --set auto.inner_folds=2 ";
  Result r = imbgen("run " + common +
                    "--strategies none,random,auto --ratios 0.1,0.5 --no-evaluate --quiet --out " +
                    (dir / "run").string());
  ASSERT_EQ(r.code, 0) << r.output;
  const auto results = nlohmann::json::parse(imbgen::read_file(dir / "run" / "results.json"));
  std::set<std::string> strategies;
  for (const auto& e : results.at("results")) strategies.insert(e.at("strategy"));
  EXPECT_EQ(strategies, (std::set<std::string>{"none", "random@0.1", "random@0.5", "auto"}));
  // random@0.5 brings the 96 training frauds of 2,304 others to 1,152.
  for (const auto& e : results.at("results"))
    if (e.at("strategy") == "random@0.5") {
      EXPECT_EQ(e.at("synthetic_rows"), 1056);
    }
  for (const char* clf : {"logistic", "xgboost"}) {
    const auto& a = results.at("auto").at(clf);
    EXPECT_EQ(a.at("inner_pr_auc").size(), 4u);  // none, class_weight, random@0.1, random@0.5
    const std::string line =
        "for " + std::string(clf) + ": " + a.at("chosen").get<std::string>() + ", inner PR-AUC ";
    EXPECT_NE(r.output.find(line), std::string::npos) << line << "\n" << r.output;
  }
  EXPECT_TRUE(fs::exists(dir / "run" / "synthetic" / "random@0.1.csv"));
  EXPECT_NE(imbgen::read_file(dir / "run" / "report.html").find("What <code>auto</code> chose"),
            std::string::npos);

  r = imbgen("benchmark " + common +
             "--strategies none,random,auto --ratios 0.5 --folds 2 --repeats 1 --jobs 1 "
             "--threads 1 --no-evaluate --quiet --out " +
             (dir / "bench").string());
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("random@0.5"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find(" in 2 of 2 folds"), std::string::npos) << r.output;
  EXPECT_NE(imbgen::read_file(dir / "bench" / "metrics.csv").find(",random@0.5,"),
            std::string::npos);

  // Bad values are named before anything runs.
  r = imbgen("run " + common + "--strategies none,auto --ratios 0.1,2 --out " +
             (dir / "bad").string());
  EXPECT_EQ(r.code, 3) << r.output;
  EXPECT_NE(r.output.find("--ratios '0.1,2': '2' is not a number in (0, 1]"), std::string::npos)
      << r.output;
  r = imbgen("run --data " + kSmall +
             " --drop Time --strategies none,smote --set "
             "auto.inner_folds=1 --out " +
             (dir / "bad").string());
  EXPECT_EQ(r.code, 3) << r.output;
  EXPECT_NE(r.output.find("auto.inner_folds: expected an integer >= 2, got 1"), std::string::npos)
      << r.output;
  r = imbgen("run --data " + kSmall + " --drop Time --ratio 0.5 --ratios 0.1 --out " +
             (dir / "bad").string());
  EXPECT_EQ(r.code, 2) << r.output;  // excluded options: a usage error
  EXPECT_FALSE(fs::exists(dir / "bad"));
  fs::remove_all(dir);
}

}  // namespace
