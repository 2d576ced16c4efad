// The `auto` strategy: per classifier, choose among none, class_weight and candidate generators x
// ratios by inner stratified cross-validation on the training rows only (mean PR-AUC over the
// inner folds; ties go to the earlier candidate, and the first candidate, none by default, is kept
// unless the best beats it by more than one standard error of their paired inner-fold
// differences), then refit on all training rows with the choice. Its options are the
// `auto.KEY=VALUE` settings.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace imbgen {

struct AutoConfig {
  // Strategy names: none, class_weight, a generator (one candidate per entry of `ratios`) or
  // GENERATOR@RATIO (that ratio only). A deep generator costs a fit per inner fold; the reference
  // GAN is in at 1:1, as the benchmark's default gan strategy (with these candidates, auto took
  // 1.9x the time of the five default strategies together on the bundled data and mammography).
  std::vector<std::string> candidates = {"none", "class_weight", "smote", "gan@1"};
  // Minority/majority ratios of the generators listed without one, each in (0, 1].
  std::vector<double> ratios = {0.25, 1.0};
  int inner_folds = 3;  // k of the inner stratified k-fold, >= 2

  // Every problem, one line each ("auto.inner_folds: expected an integer >= 2, got 1").
  std::vector<std::string> problems() const;
  nlohmann::json to_json() const;
  // Keys candidates (array of names or comma-separated text), ratios (array of numbers or
  // comma-separated text), inner_folds. Missing keys keep their defaults; unknown keys, wrong
  // types and bad values throw Error(kInvalidArgument) listing every problem and the valid keys.
  static AutoConfig from_json(const nlohmann::json& j);
  // The candidates with the ratios applied: "none", "class_weight", "smote@0.1", ... (each once).
  std::vector<std::string> expanded_candidates() const;
  bool operator==(const AutoConfig& o) const { return to_json() == o.to_json(); }
  bool operator!=(const AutoConfig& o) const { return !(*this == o); }
};

// What auto chose for one classifier, in results.json's `auto.<classifier>` shape:
//   {"chosen": "smote@0.5", "choices": {"smote@0.5": 6, "none": 4}, "folds": 10,
//    "inner_folds": 3, "inner_pr_auc": {"none": 0.88, "smote@0.5": 0.91, ...},
//    "skipped": {"smote@0.1": "why"}}
// `chosen` is the most frequent choice over the outer folds (one for `imbgen run`), inner_pr_auc
// the candidates' inner-CV PR-AUC (mean over outer folds; null where it could not be computed).
// A benchmark adds "hindsight": auto against the other strategy with the best mean PR-AUC on the
// test folds, paired by fold ({"best", "diff", "ci_low", "ci_high", "pvalue", "wins", "n",
// "significant", "text", ...}). That strategy is picked with the test folds' scores, which auto
// never sees, so the comparison favours it: it measures what choosing inside the folds cost.
// The plain sentence for it: "for random_forest: smote@0.5, inner PR-AUC 0.910 against 0.880 for
// none" (with outer folds: "smote@0.5 in 6 of 10 folds (none 4), ...", then the hindsight's
// text).
std::string auto_choice_text(const std::string& classifier, const nlohmann::json& choice);

// Problems with auto's options for a job running `strategies`, one line each: its own problems
// when "auto" is among them; options other than the defaults when it is not.
std::vector<std::string> auto_problems(const std::vector<std::string>& strategies,
                                       const AutoConfig& config);

// The generators a job runs: those behind `strategies`, and auto's candidates' when "auto" is
// among them (each once).
std::vector<std::string> generators_in_use(const std::vector<std::string>& strategies,
                                           const AutoConfig& config);

}  // namespace imbgen
