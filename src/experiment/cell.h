// The work of one cell, shared by `imbgen run` and `imbgen benchmark`: build a strategy's training
// set from training rows (as is, class-weighted, or with a generator's rows), fit a classifier on
// it and score rows, and evaluate a generator's rows.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "imbgen/classifiers/classifier.h"
#include "imbgen/classifiers/metrics.h"
#include "imbgen/core/observer.h"
#include "imbgen/data/table.h"
#include "imbgen/evaluation/evaluate.h"
#include "imbgen/experiment/space.h"

namespace imbgen::experiment_detail {

// Synthetic positive rows needed to bring the minority/majority ratio of `train` to `ratio`.
size_t rows_to_add(const Table& train, int positive, double ratio);

struct TrainingSet {
  Matrix x;                     // table values: the training rows, then the synthetic rows
  std::vector<int> y;           // class index per row
  std::vector<double> weights;  // empty: unweighted
  Matrix synthetic;             // the generator's rows alone (table values; empty otherwise)
  std::vector<int> synthetic_y;
  // Generator strategies: {config, seed, fit_seconds, sample_seconds, synthetic_rows,
  // synthetic_rows_by_class, history};
  // null for "none" and "class_weight".
  nlohmann::json generator;
};

// The training set of `strategy` ("none", "class_weight" or a generator name) for `train`.
// A generator is fit on `train` only (Model::fit with `seed`, in `space`) for the classes of
// `n_new` (class index -> rows to add) and adds Model::generate(n_new, seed): class c's rows drawn
// with class_sample_seed(seed, c), in table values, class by class in index order. Throws
// Error(kInvalidArgument) when `n_new` is empty (no class needs rows) and Error(kDiverged) when a
// generator produces a non-finite value.
TrainingSet build_training_set(const std::string& strategy, const Table& train,
                               const ModelSpace& space, const std::map<int, size_t>& n_new,
                               const nlohmann::json& generator_config, uint64_t seed,
                               Observer* observer);

struct Scored {
  // Score of class `positive` for each row of each matrix passed to fit_and_score, same order
  // (empty when `positive` < 0).
  std::vector<std::vector<double>> scores;
  // Every class's score ([rows, classes], predict_proba) for each matrix, same order.
  std::vector<Matrix> proba;
  ScoreKind kind = ScoreKind::kProbability;
  double default_threshold = 0.5;  // 0.5 for probabilities, 0 for decision values
  double fit_seconds = 0;
  std::string note;
  nlohmann::json config;
};

// Fits classifier `name` on x_model (classifier space), y and weights, then scores every matrix
// of `score_on` (classifier space); `positive` < 0 keeps the full score matrices only. Safe to call
// from several threads at once, reproducibly: the classifiers module gives each thread its own
// rand() stream (liblinear and libsvm draw from rand()).
Scored fit_and_score(const std::string& name, const nlohmann::json& config,
                     const ClassifierContext& context, const Matrix& x_model,
                     const std::vector<int>& y, const std::vector<double>& weights,
                     const std::vector<const Matrix*>& score_on, int positive);

// The evaluation module's report on `synthetic` (table values, class `positive`) against the
// training rows of that class, with the rows of that class in `holdout_table` as the holdout.
// Missing numbers are imputed with the training imputation values first.
nlohmann::json evaluate_synthetic(const Table& train, const Table& holdout_table,
                                  const ModelSpace& space, const Matrix& synthetic, int positive,
                                  const EvaluationConfig& config, Observer* observer);

// A curve thinned to at most `max_points` points (first and last kept), as {x_name: [...],
// y_name: [...]}.
nlohmann::json curve_json(const Curve& c, const char* x_name, const char* y_name,
                          size_t max_points = 200);

// {"roc": {fpr, tpr}, "pr": {recall, precision}} for results[].curves.
nlohmann::json curves_json(const std::vector<int>& labels, const std::vector<double>& scores);

// Class label -> row count over `rows` of `t`.
nlohmann::json class_summary(const Table& t, const std::vector<size_t>& rows);

// results.json's "dataset" for `t`, as run and benchmark both write it: source, rows, features,
// columns, target, classes (over every row), class_order and column_summary.
nlohmann::json dataset_summary(const Table& t);

double seconds_since(std::chrono::steady_clock::time_point t0);

}  // namespace imbgen::experiment_detail
