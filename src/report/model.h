// The report's reading of results.json: type-checked access (absent parts are fine, wrong types
// are errors that name the value), the strategy x classifier cells with their values, confidence
// intervals and comparisons, and the "what helped" summary.
#pragma once

#include <cstdint>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

namespace imbgen::report_detail {

using json = nlohmann::json;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// ---- type-checked access; `path` names the value in errors ("results[2].metrics") ----

// obj[key] when present and not null, else nullptr. Throws Error(kInvalidArgument) when `obj`
// is not an object.
const json* member(const json& obj, const std::string& key, const std::string& path);
// As member(), and the value must be an object / array / string.
const json* object_member(const json& obj, const std::string& key, const std::string& path);
const json* array_member(const json& obj, const std::string& key, const std::string& path);
std::string string_member(const json& obj, const std::string& key, const std::string& path,
                          const std::string& fallback = "");
// A number, NaN when absent or null; throws for any other type.
double number_member(const json& obj, const std::string& key, const std::string& path);

// ---- metrics ----

struct MetricInfo {
  const char* key;
  const char* label;
};
// The metrics shown in tables, headline (pr_auc) first.
const std::vector<MetricInfo>& table_metrics();

struct Interval {
  double mean = kNaN, low = kNaN, high = kNaN;
};
struct Comparison {
  double diff = kNaN, low = kNaN, high = kNaN, pvalue = kNaN;
  double wins = kNaN, n = kNaN;  // folds where the cell beat the baseline, of n (statistics)
};

struct Cell {
  std::string strategy, classifier;
  std::vector<const json*> entries;       // results[] entries of this cell, in file order
  std::map<std::string, Interval> stats;  // statistics.cells[].metrics, when present
  std::map<std::string, std::map<std::string, Comparison>> comparisons;  // baseline -> metric
  int64_t n = 0;  // repetitions behind the values

  // The statistics' mean, else the mean of the entries' finite values (NaN when none).
  double value(const std::string& metric) const;
  // The statistics' interval, else {value(metric), NaN, NaN}.
  Interval interval(const std::string& metric) const;
  // The entry whose curves are drawn (the first holding curves), or nullptr.
  const json* curves() const;
};

struct Model {
  const json* results = nullptr;
  std::vector<std::string> strategies;   // config order, then order of appearance
  std::vector<std::string> classifiers;  // likewise
  std::map<std::pair<std::string, std::string>, Cell> cells;  // (strategy, classifier)
  bool has_statistics = false;
  double confidence = 0.95, alpha = 0.05;
  int64_t repeats = 0;
  std::string method;

  const Cell* cell(const std::string& strategy, const std::string& classifier) const;
  bool has(const std::string& strategy) const;
};

// Reads `results`, checking the type of every value the report uses.
Model build_model(const json& results);

// "What helped" for one classifier: the best strategy by PR-AUC and its gain over the baselines.
enum class Status { kGood, kWarn, kBad, kInfo, kSkip };
const char* status_class(Status s);  // CSS class: "good", "warn", ...
const char* status_icon(Status s);   // a text mark, so the meaning is not carried by colour alone

struct Helped {
  std::string classifier;
  std::string best;  // empty when no strategy has a PR-AUC
  Interval best_value;
  bool has_none = false, has_smote = false;
  Comparison vs_none, vs_smote;  // diff only (NaN interval) without statistics
  // The strategy to use for this classifier: `best` when it is significantly better than none
  // (or when there is no none to compare with), else "none". Empty without a PR-AUC.
  std::string use;
  Status status = Status::kInfo;
  std::string verdict;  // plain words: the answer first, then the evidence
};
std::vector<Helped> what_helped(const Model& model);

// The answer across classifiers: the best model (classifier and strategy by mean PR-AUC) and
// which strategy to use on this data, with its evidence; "none of them: keep your data as it
// is, tune the threshold" when no strategy beat none significantly for the best classifier.
struct OverallAdvice {
  std::string classifier, strategy;  // the best model by mean PR-AUC; empty when none
  Interval value;
  Status status = Status::kInfo;
  std::string text;  // plain words
};
OverallAdvice overall_advice(const Model& model, const std::vector<Helped>& helped);

// The comparison's evidence in words: "+0.030 PR-AUC over 'none' (95% CI +0.010 to +0.050,
// p = 0.004, better in 9/10 folds)"; what is unknown is left out.
std::string evidence_text(const Model& model, const Comparison& c, const std::string& baseline);

// The comparison of `cell` with `baseline` on `metric`: from the statistics when present, else
// the difference of the two values. Both cells must exist for a difference.
Comparison compare(const Model& model, const Cell& cell, const std::string& baseline,
                   const std::string& metric);

}  // namespace imbgen::report_detail
