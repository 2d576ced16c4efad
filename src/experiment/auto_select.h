// The inner cross-validation behind the `auto` strategy, shared by `imbgen run` and `imbgen
// benchmark`: every candidate's training set on each inner fold's fit rows, every classifier fit
// on it and scored (PR-AUC) on the inner fold's held-out rows.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "imbgen/classifiers/classifier.h"
#include "imbgen/core/observer.h"
#include "imbgen/data/table.h"
#include "imbgen/experiment/auto.h"

namespace imbgen::experiment_detail {

struct AutoChoice {
  std::string chosen;
  std::string best_by_mean;  // the best mean (differs from `chosen` when the first was kept)
  std::vector<std::string> candidates;     // in the order tried
  std::vector<double> mean_pr_auc;         // per candidate, mean over the inner folds (NaN: none)
  std::vector<std::vector<double>> folds;  // per candidate, per inner fold
  // Candidates left out and why (a ratio the rows already reach).
  std::map<std::string, std::string> skipped;
  int inner_folds = 0;

  // {"chosen", "choices": {chosen: 1}, "folds": 1, "inner_folds", "inner_pr_auc", "skipped"}:
  // the shape of include/imbgen/experiment/auto.h for one outer fold.
  nlohmann::json to_json() const;
};

struct AutoJob {
  const Table* table = nullptr;  // every row of the data
  std::vector<size_t> rows;      // the training rows auto may use (indices into *table)
  int positive = 1;              // the minority class index (two classes)
  AutoConfig config;
  std::vector<std::string> classifiers;
  nlohmann::json classifier_configs = nlohmann::json::object();
  nlohmann::json generator_configs = nlohmann::json::object();
  ClassifierContext context;     // the classifiers' seed and threads
  uint64_t seed = 0;             // the inner folds and the generators' seeds derive from it
  Observer* observer = nullptr;  // passed to the generators (progress, cancellation)
  // Called once per inner fold with the table rows fit on and the rows scored.
  std::function<void(const std::vector<size_t>& fit, const std::vector<size_t>& scored)> on_fold;
};

// The index of the chosen candidate from each candidate's inner-fold scores ([candidate][fold];
// a candidate with a non-finite score is out): the best mean, ties to the earlier one; but the
// first candidate (the simplest, none by default) is kept unless the best beats it by more than
// one standard error of their paired fold differences (the one-standard-error rule), so that
// noise between near-equal candidates does not move the choice away from the data as it is.
// Returns candidates.size() when no candidate has finite scores.
size_t choose_candidate(const std::vector<std::vector<double>>& folds);

// Classifier name -> its choice. Throws Error(kInvalidArgument) when the rows hold fewer than
// inner_folds rows of a class, or when no candidate can be tried; errors of the components
// (a generator's, a classifier's) pass through.
std::map<std::string, AutoChoice> select_by_inner_cv(const AutoJob& job);

// The rows a candidate adds to `train` for the positive class: {positive: n} for a generator
// with a ratio the rows do not reach yet, {} otherwise (also for none and class_weight).
std::map<int, size_t> candidate_rows(const std::string& candidate, const Table& train,
                                     int positive);

}  // namespace imbgen::experiment_detail
