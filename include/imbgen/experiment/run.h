// The main job: split the data, build each strategy's training set (as is, class-weighted, or
// augmented with a generator's rows), train each classifier, and score it on the untouched test
// split. `run_experiment` returns everything as JSON; `write_run_outputs` writes the result files.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "imbgen/core/observer.h"
#include "imbgen/data/table.h"
#include "imbgen/experiment/auto.h"
#include "imbgen/experiment/model.h"

namespace imbgen {

struct RunConfig {
  // Names as include/imbgen/experiment/strategy.h reads them: none, class_weight, auto, a
  // generator, or GENERATOR@RATIO (that generator with its own minority/majority ratio).
  std::vector<std::string> strategies = {"none", "class_weight", "random", "smote", "gan"};
  std::vector<std::string> classifiers = {"logistic", "linear_svm", "svm_rbf", "random_forest",
                                          "xgboost"};
  // Minority/majority row ratio after augmentation (a generator adds rows until it is reached),
  // used when `sampling` is empty, for generators named without a ratio.
  double ratio = 1.0;
  // How many rows a generator adds per class, SamplingStrategy::parse's text: "auto", a ratio,
  // or "label=count,..." final counts. Empty: the ratio above, for every class but the majority.
  std::string sampling;
  double test_fraction = 0.2;
  uint64_t seed = 42;
  int threads = 2;
  // Per-strategy generator configuration, e.g. {"gan": {"steps": 1000}}; missing = defaults.
  nlohmann::json generator_configs = nlohmann::json::object();
  // Per-classifier configuration, e.g. {"svm_rbf": {"max_train_rows": 5000}}.
  nlohmann::json classifier_configs = nlohmann::json::object();
  // Fidelity and privacy of every generator's rows (evaluation module): the synthetic rows against
  // the real training rows of their class, with the test rows of that class as the holdout.
  bool evaluate = true;
  // EvaluationConfig keys, e.g. {"tsne": false}; its seed and threads come from this config.
  nlohmann::json evaluation_config = nlohmann::json::object();
  // The `auto` strategy's candidates and inner folds (options other than the defaults without
  // "auto" among the strategies are an error). Two classes only.
  AutoConfig auto_config;

  // Every problem at once (unknown strategy or classifier names, ratio <= 0, ...).
  void validate() const;
  nlohmann::json to_json() const;
};

// Strategy names without a ratio: "none", "class_weight", "auto", and every generator name.
std::vector<std::string> strategy_names();


struct RunOutput {
  nlohmann::json results;  // the content of results.json
  // One row per (strategy, classifier, test row): the inputs of predictions.csv.
  struct Prediction {
    std::string strategy, classifier;
    std::vector<size_t> rows;  // row index in the data file (0-based, header excluded)
    // Two classes: 1 = positive (minority) class, 0 = other; several: the class index.
    std::vector<int> labels;
    std::vector<double> scores;  // two classes: score of the positive class
    std::vector<int> predicted;  // several classes: the predicted class index (argmax)
    Matrix proba;                // several classes: [rows, classes] class scores
  };
  std::vector<Prediction> predictions;
  std::vector<SyntheticRows> synthetic;
  // Flat CSV of each generator's evaluation (evaluation/<strategy>.csv), when evaluated.
  std::vector<std::pair<std::string, std::string>> evaluation_csv;
  // Further files written with the others (relative path, content), e.g. report.html.
  std::vector<std::pair<std::string, std::string>> extra_files;
  Table schema;  // the table's schema (no rows), for writing synthetic CSVs
  // What the user should know although the run went on: a column left out, a strategy or a
  // class skipped because it has too few training rows for a generator. Also in results.json.
  std::vector<std::string> warnings;
  // More than two classes: metrics are multi-class (per class, macro and weighted averages) and
  // predictions.csv holds every class's score.
  bool multiclass = false;
};

// Per-column summary of the whole table for results.json (dataset.column_summary): numeric
// columns: count, missing, mean, std (sample), min, median, max and per-class count/mean/std;
// categorical: count, missing, levels, top, top_share and the labels by code.
nlohmann::json column_summary(const Table& table);

// Runs the whole job on `table`. Generators and scalers see training rows only. A generator whose
// training diverges (Error kDiverged) skips that strategy only: results["failed"][strategy]
// holds the message and the other strategies go on. Before anything trains, two kinds of messy
// data are handled rather than refused: a numeric column with no value in the training rows is
// left out (results["dataset"]["left_out_columns"]), and a class with fewer training rows than a
// generator needs (Generator::min_class_rows) gets no rows from it
// (results["generators"][g]["skipped_classes"]), or the generator is skipped when no class is
// left to it (results["skipped"][g]); each is in RunOutput::warnings. Every other error stops
// the run. With two classes
// the minority class is the positive one (binary metrics, curves, tuned threshold 0.5/0); with
// more, every class that the sampling strategy raises gets its own generator rows and its own
// fidelity evaluation, and the metrics are multi-class (macro averages under the binary names:
// precision, recall, f1, roc_auc and pr_auc are macro means over the classes).
RunOutput run_experiment(const Table& table, const RunConfig& config, Observer* observer);

// Writes results.json, metrics.csv, predictions.csv, synthetic/<strategy>.csv,
// evaluation/<strategy>.csv and the extra files under `dir` (created if missing). They are
// staged next to `dir` and swapped in at once (core/output_folder.h): a failure, a full disk or a
// killed process leaves `dir` as it was, success leaves exactly this run's outputs (an earlier
// run's synthetic/*.csv of other strategies are gone) and every file of the user's kept.
// Throws Error(kIo) naming the file and the system's reason.
void write_run_outputs(const RunOutput& output, const std::string& dir);

}  // namespace imbgen
