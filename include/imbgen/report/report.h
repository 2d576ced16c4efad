// The HTML report: one self-contained page (plotly.js, script, style and data inlined; it loads
// nothing from the network) built from the content of results.json, written by `imbgen run`,
// `imbgen benchmark` and `imbgen report DIR`.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "imbgen/experiment/benchmark.h"

namespace imbgen {

// Renders `results` (the content of results.json) as an HTML page. Sections, each present only
// when its data is (every key below is optional):
//   #summary     "What helped": per classifier, the best strategy by PR-AUC and its gain over
//                `none` and `smote` (with confidence intervals and p-values from `statistics`).
//   #dataset     dataset.{source, rows, features, target, classes, positive_class, train, test}
//                and the per-column table from dataset.column_summary (shape below).
//   #generators  one article per generators.<name>: timings, training curves from `history`, and
//                the fidelity/privacy blocks, plots and verdicts of `evaluation` (the JSON of
//                imbgen::evaluate(), include/imbgen/evaluation/evaluate.h).
//   #downstream  per classifier: ROC and PR curves of every strategy (results[].curves) and a
//                metric table (confidence intervals and significance marks from `statistics`).
//   #run         config, versions, timings and classifier notes.
//
// Shapes the report reads beyond what `imbgen run` writes today:
//   dataset.column_summary: [{"name": "V14", "kind": "numeric", "count": 227845, "missing": 0,
//       "mean": .., "std": .., "min": .., "median": .., "max": ..,
//       "by_class": {"<label>": {"count": .., "mean": .., "std": ..}}}
//     or {"name": "workclass", "kind": "categorical", "count": .., "missing": .., "levels": 9,
//       "top": "Private", "top_share": 0.7, "categories": ["(missing)", "Federal-gov", ...]}]
//     (all but name optional; "categories", the labels by category code, names the bars of the
//     evaluation's categorical columns)
//   dataset.class_order: ["0", "1"]  labels by class index (names the keys of gan's history).
//   results[].repeat: an integer, when a results file holds several repetitions of one cell
//       (curves are drawn from the first entry of each cell; values are averaged without
//       `statistics`).
//   statistics: {"confidence": 0.95, "alpha": 0.05, "repeats": 10, "method": "text shown under
//       the tables", "cells": [{"strategy": "smote", "classifier": "xgboost", "n": 10,
//       "metrics": {"<metric>": {"mean": .., "std": .., "ci_low": .., "ci_high": ..}},
//       "comparisons": {"<baseline strategy, e.g. none or smote>": {"<metric>": {"diff": ..,
//       "ci_low": .., "ci_high": .., "pvalue": ..}}}}]}
//       `diff` is the cell's mean minus the baseline's (paired); a p-value below `alpha` earns a
//       significance mark. Metric names are those of results[].metrics (pr_auc, roc_auc, ...).
// Numbers may be null (not a number). Throws Error(kInvalidArgument) naming the value (e.g.
// "results[2].metrics.pr_auc: expected a number or null, got a string") when a present value
// has the wrong type.
std::string render_report(const nlohmann::json& results);

// The report's "What helped" in plain text, for the console: one line per classifier
// ("logistic: Use 'smote@0.5': +0.030 PR-AUC over 'none' (...)") and a last line
// "overall: ..."; empty when no strategy has a PR-AUC. Throws as render_report.
std::vector<std::string> what_helped_lines(const nlohmann::json& results);

// render_report(results) written to `path` atomically (a failure leaves `path` as it was).
// Throws Error(kIo) when the file cannot be written.
void write_report(const nlohmann::json& results, const std::string& path);

// `imbgen report DIR`: reads DIR/results.json and writes DIR/report.html; returns the path
// written. Throws Error(kNotFound) when DIR/results.json is missing, Error(kInvalidArgument)
// when it is not valid JSON or has wrong types (message prefixed with the file's path).
std::string regenerate_report(const std::string& dir);

// write_benchmark_outputs() (include/imbgen/experiment/benchmark.h) and a report.html beside
// each results.json; returns the folders. What `imbgen benchmark` and imbgen.benchmark() write.
std::vector<std::string> write_benchmark_outputs_and_reports(const BenchmarkOutcome& outcome,
                                                             const std::string& dir);

// The version of the inlined plotly.js, e.g. "4.1.2".
std::string report_plotly_version();

}  // namespace imbgen
