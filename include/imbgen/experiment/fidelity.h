// Fidelity and privacy of synthetic rows on tables (the evaluation module works on matrices of
// finite values): what `imbgen evaluate`, imbgen.evaluate() in Python and the model card use.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>

#include "imbgen/core/observer.h"
#include "imbgen/data/table.h"
#include "imbgen/evaluation/evaluate.h"
#include "imbgen/experiment/model.h"

namespace imbgen {

// evaluate() (include/imbgen/evaluation/evaluate.h) of `synthetic` against `real`, with
// `holdout` (may be null) as the score of fresh real rows. The tables must have the same
// columns (names, order and kinds); categories are compared by text, whatever their codes in
// each file. Missing numbers are imputed with the real rows' medians. Throws
// Error(kInvalidArgument) naming the tables' sources when the columns differ, and as evaluate().
nlohmann::json evaluate_tables(const Table& real, const Table& synthetic, const Table* holdout,
                               const EvaluationConfig& config, Observer* observer = nullptr);

// The model card's fidelity summary: for each class the model was fit on, as many rows as
// `train` has of that class (drawn with class_sample_seed(seed, class)) against those rows,
// with the config's blocks (t-SNE and PCA off). `train` must be the model's training table.
// Returns {"seed", "classes": {label: {"rows", "detection_auc", "mean_ks", "pearson_diff",
// "mmd_pvalue", "coverage", "dcr_median", "exact_copy_share", "verdicts": {...}}}}; a class
// with too few rows for a block has {"skipped": reason} there.
nlohmann::json evaluate_model(const Model& model, const Table& train, uint64_t seed,
                              EvaluationConfig config = {}, Observer* observer = nullptr);

// The headline numbers of one evaluate() result, as in evaluate_model()'s per-class entries.
nlohmann::json fidelity_summary(const nlohmann::json& evaluation);

}  // namespace imbgen
