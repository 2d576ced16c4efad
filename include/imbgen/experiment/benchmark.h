// `imbgen benchmark`: data sets x strategies x classifiers x repeated stratified k-fold, with
// metrics at the default and at tuned thresholds, confidence intervals and paired tests against
// the baselines. Cells run in parallel and are stored as they finish, so a run can be resumed.
//
// The protocol, per data set, repeat r and fold f (the test fold is never seen by anything fit):
//   1. stratified k-fold of all rows (seed: seed, data set name, r) -> training rows, test fold;
//   2. the training rows are split, stratified, into a fit part and a validation part
//      (validation_fraction; same split for every strategy);
//   3. per strategy (a cell): the encoder and the generator are fit on the fit part only; the
//      generator adds rows until minority/majority = ratio; every classifier is fit on that
//      training set, scores the validation part and the test fold;
//   4. thresholds are tuned on the validation scores (best F1; the highest recall at precision
//      >= min_precision), and the test fold is scored at the default threshold and at both.
//   The model behind every number of a cell is the one fit on the fit part: simple and honest
//   (nothing is refit after tuning, so validation rows never reach a model), at the price of
//   fitting on (1 - validation_fraction) of the training rows.
// Seeds: the fold split from (seed, data set, r); in a cell, the generator from (seed, data set,
// r, f, strategy) and the classifiers from (seed, data set, r, f), so strategies are compared on
// the same folds, validation rows and classifier seeds. Results do not depend on jobs/threads:
// the classifiers module gives each thread its own C library rand() stream, which liblinear and
// libsvm draw from (src/classifiers/thread_rand.cpp), and XGBoost's results do not depend on
// nthread. Nor do they depend on the process or machine that computed a cell (BenchmarkControl::
// cluster), on one build.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "imbgen/core/observer.h"
#include "imbgen/data/table.h"
#include "imbgen/experiment/auto.h"
#include "imbgen/experiment/cluster.h"

namespace imbgen {

// What the results depend on (stored with the cells; --resume requires the same).
struct BenchmarkConfig {
  // Names as include/imbgen/experiment/strategy.h reads them: none, class_weight, auto, a
  // generator (adds rows up to `ratio`), or GENERATOR@RATIO (up to its own ratio). Each is a
  // strategy of its own: its own cells (keyed by the name), statistics and comparisons.
  std::vector<std::string> strategies = {"none", "class_weight", "random", "smote", "gan"};
  std::vector<std::string> classifiers = {"logistic", "linear_svm", "svm_rbf", "random_forest",
                                          "xgboost"};
  // Minority/majority row ratio after augmentation, in (0, 1], for generators named without one.
  double ratio = 1.0;
  int folds = 5;    // k of the stratified k-fold, >= 2
  int repeats = 2;  // repetitions of the k-fold with different shuffles, >= 1
  uint64_t seed = 42;
  // Share of each fold's training rows held out to tune thresholds, in (0, 1).
  double validation_fraction = 0.2;
  // Precision the second tuned threshold must reach on the validation rows, in (0, 1].
  double min_precision = 0.9;
  // Per-strategy generator and per-classifier configuration, as in RunConfig.
  nlohmann::json generator_configs = nlohmann::json::object();
  nlohmann::json classifier_configs = nlohmann::json::object();
  // Fidelity/privacy evaluation of each generator's rows on the first fold of the first repeat
  // only (it costs more than the fits). evaluation_config holds EvaluationConfig keys; t-SNE is
  // off unless evaluation_config sets "tsne".
  bool evaluate = true;
  nlohmann::json evaluation_config = nlohmann::json::object();
  // Statistics: confidence level of the intervals, significance level of the marks, and the
  // strategies every other strategy is compared with (those not run are skipped).
  double confidence = 0.95;
  double alpha = 0.05;
  std::vector<std::string> baselines = {"none", "smote"};
  // The `auto` strategy: per cell and classifier, inner stratified cross-validation of the
  // candidates on the fit part only (never the validation part or the test fold), then a refit
  // on the whole fit part with the choice. In to_json() (and the store) only when auto runs.
  AutoConfig auto_config;

  // Throws Error(kInvalidArgument) listing every problem at once.
  void validate() const;
  nlohmann::json to_json() const;
  // Missing keys keep their defaults; unknown keys and wrong types throw Error(kInvalidArgument)
  // listing every problem.
  static BenchmarkConfig from_json(const nlohmann::json& j);
};

struct BenchmarkData {
  std::string name;  // letters, digits, '.', '_', '-': names the cells, folders and CSV rows
  Table table;       // two classes
};

// A data set name from a file path: the file name without .gz/.csv, other characters than
// letters, digits, '.', '_' and '-' replaced by '_' ("data/creditcard.csv.gz" -> "creditcard").
std::string dataset_name(const std::string& path);

// The rows of one inner fold of `auto` (indices into the data set's table), for tests.
struct AutoInnerFold {
  std::string dataset;
  int repeat = 0, fold = 0;
  std::vector<size_t> test;          // the cell's test fold
  std::vector<size_t> validation;    // the cell's threshold-tuning rows
  std::vector<size_t> inner_fit;     // the rows the inner fold fits on
  std::vector<size_t> inner_scored;  // the rows it scores
};

// How to run (none of it changes the results).
struct BenchmarkControl {
  std::string dir = "imbgen-bench";  // output folder; the cell store is DIR/cells
  bool resume = false;               // continue the store in DIR/cells (see CellStore)
  int jobs = 1;                      // cells computed at once, >= 1
  int threads = 1;                   // threads in all; each classifier gets max(1, threads/jobs)
  // Progress: on_progress with task "benchmark", step = cells finished in this call, total =
  // cells to compute in this call (resumed cells excluded); on_message for notes. Called from
  // worker threads, one call at a time.
  Observer* observer = nullptr;
  // When it becomes true (a SIGINT handler, say), running cells are abandoned at their next
  // checkpoint (nothing partial is stored) and run_benchmark returns with complete = false.
  const std::atomic<bool>* stop = nullptr;
  // Test hook: stop as above once this many cells have been stored in this call (< 0: never).
  int64_t stop_after_cells = -1;
  // The ranks of an MPI job computing this benchmark together (include/imbgen/cluster/mpi.h), or
  // nullptr for this process alone. Every rank calls run_benchmark with the same data, config and
  // jobs/threads; rank 0 opens the store, checks that every rank runs the same imbgen on the same
  // benchmark (data and options; else Error(kInvalidArgument) naming the rank), then hands out
  // cells one at a time to its own `jobs` threads and to the other ranks' (`jobs` threads each)
  // as they become free, stores what they send back and returns the outcome. A cell is one data
  // set, repeat, fold and strategy: the generator fit and every classifier trained on its rows, so
  // no fit is repeated on two ranks. Another rank returns when rank 0 ends the run (an outcome with
  // complete = false and its rank); an error in one of its cells is sent to rank 0, which throws it
  // with the cell and the rank named. `stop`, `observer` and `stop_after_cells` are used on rank 0
  // only; when `stop` ends a cluster run, rank 0 first tells the observer (on_message) which cell
  // each rank was computing.
  Cluster* cluster = nullptr;
  // Test hook (ranks other than 0): the process kills itself (SIGKILL, as a crash would) when it
  // is handed its Nth cell (< 1: never).
  int64_t kill_at_cell = -1;
  // Test hook: called with every inner fold of `auto` (from worker threads; jobs = 1 to keep the
  // calls in order).
  std::function<void(const AutoInnerFold&)> on_auto_fold;

  // Throws Error(kInvalidArgument) naming each bad value (jobs or threads below 1, no folder).
  void validate() const;
};

struct BenchmarkOutcome {
  bool complete = false;  // every cell is stored and `results` is filled
  int64_t cells_total = 0;
  int64_t cells_resumed = 0;  // found in the store
  int64_t cells_run = 0;      // computed and stored in this call
  double seconds = 0;         // wall time of this call
  std::string store;          // the store folder
  // In a cluster: this process's rank (only rank 0 stores cells and fills `results`), and on
  // rank 0 the cells each rank computed.
  int rank = 0;
  std::vector<int64_t> cells_by_rank;
  // Per data set (input order) the content of its results.json: run's shape (imbgen_version,
  // dataset, config, results, generators) where results[] has one entry per (repeat, fold,
  // strategy, classifier) with "dataset", "repeat", "fold", tuned-threshold metrics and
  // "thresholds"; plus "statistics" in the shape include/imbgen/report/report.h documents, with
  // "summary" (per classifier: the best strategy by PR-AUC and its comparisons) and "protocol";
  // with auto, results[].auto (that fold's choice) and "auto" (per classifier, over the folds, in
  // the shape include/imbgen/experiment/auto.h documents).
  std::vector<nlohmann::json> results;
  std::vector<std::string> names;  // data set names, same order
};

// Runs (or resumes) the benchmark. Throws Error(kInvalidArgument) for a bad config or control,
// duplicate data set names, a data set without two classes or with a class of fewer than
// `folds` rows, and as CellStore for the store; an error inside a cell is rethrown with the
// cell named (cells finished before it stay stored).
BenchmarkOutcome run_benchmark(const std::vector<BenchmarkData>& data,
                               const BenchmarkConfig& config, const BenchmarkControl& control);

// Writes the outputs of a complete outcome under `dir`: metrics.csv (one row per repeat, fold,
// strategy and classifier) and summary.csv (one row per strategy, classifier and metric: mean,
// interval, comparisons) for all data sets, and results.json per data set (in `dir` for one
// data set, in dir/<name>/ for several). Each file is written atomically. Returns the folders
// holding a results.json, in data set order. Throws Error(kInvalidArgument) when the outcome is
// not complete, Error(kIo) when a file cannot be written.
std::vector<std::string> write_benchmark_outputs(const BenchmarkOutcome& outcome,
                                                 const std::string& dir);

// summary.csv as a table of texts, header first: per data set, strategy, classifier and metric
// the number of folds, mean, std and interval, and per baseline the paired difference, its
// interval, both p-values, wins and losses (empty when the strategy is the baseline). Numbers as
// format_number writes them; "nan" for none.
std::vector<std::vector<std::string>> benchmark_summary_table(const BenchmarkOutcome& outcome);

// Across data sets, per classifier and strategy: in how many data sets the strategy has the best
// mean PR-AUC, and in how many it is significantly better or worse than "none" (corrected
// resampled t-test, p < alpha). [{"classifier", "strategy", "datasets", "best",
// "better_than_none", "worse_than_none"}], classifiers and strategies in config order.
nlohmann::json benchmark_wins(const BenchmarkOutcome& outcome);

// Thresholds chosen on validation scores (1 = positive label), a row predicted positive when
// its score >= the threshold; candidate thresholds are the distinct scores.
struct TunedThresholds {
  // The highest F1; ties: the highest threshold.
  double best_f1 = std::numeric_limits<double>::quiet_NaN();
  double best_f1_value = 0;  // that F1 on the validation rows
  // The highest recall among thresholds with precision >= min_precision; ties: the highest
  // threshold. When no threshold reaches it: the next double above the largest score (no row
  // predicted positive) and reached = false.
  double precision_target = std::numeric_limits<double>::quiet_NaN();
  bool reached = false;
};
// Throws Error(kInvalidArgument) for empty or mismatched inputs.
TunedThresholds tune_thresholds(const std::vector<int>& labels, const std::vector<double>& scores,
                                double min_precision);

}  // namespace imbgen
