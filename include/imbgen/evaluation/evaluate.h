// Can the synthetic rows be trusted? One call compares synthetic rows of a class with the real
// training rows of that class (and, as the reference score of fresh real data, the holdout rows
// with the training rows): per-column tests, correlations, detection, MMD, precision/recall/
// density/coverage, privacy distances and 2-D embeddings, with a plain-words verdict per block.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "imbgen/core/observer.h"
#include "imbgen/data/matrix.h"
#include "imbgen/data/table.h"

namespace imbgen {

struct EvaluationConfig {
  uint64_t seed = 42;   // every subsample, fold split, permutation and t-SNE init derives from it
  int threads = 1;      // distance loops, permutations and t-SNE (>= 1)
  double alpha = 0.01;  // significance level of "differs" in the verdicts (KS, chi-square, MMD)
  std::vector<double> quantiles = {0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99};  // each in [0, 1]

  // Detection (classifier two-sample test).
  bool detection = true;
  std::vector<std::string> detection_classifiers = {"xgboost", "logistic"};  // registry names
  // Optional config per classifier name (missing: the classifier's defaults), e.g.
  // {"xgboost": {"n_estimators": 100}}. Keys must be among detection_classifiers.
  nlohmann::json detection_configs = nlohmann::json::object();
  int detection_folds = 5;            // >= 2
  int64_t detection_max_rows = 5000;  // rows per set at most (subsampled), >= detection_folds
  // Threads of each detector (XGBoost's nthread), >= 1. Apart from `threads` because the sets are
  // small and XGBoost's OpenMP threads spin-wait: on a busy 2-core machine nthread = 2 measured
  // 25x slower than 1 (90 s vs 3.7 s for 5 folds on 800 rows; OMP_WAIT_POLICY=passive avoids it).
  int detection_threads = 1;

  // Maximum mean discrepancy (RBF kernel, median-heuristic bandwidth).
  bool mmd = true;
  int64_t mmd_max_rows = 1000;     // rows per set at most (memory grows with the square), >= 2
  int64_t mmd_permutations = 200;  // >= 0

  // Precision / recall / density / coverage.
  bool prdc = true;
  int64_t prdc_k = 5;            // >= 1
  int64_t prdc_max_rows = 5000;  // rows per set at most, > prdc_k

  // Privacy distances.
  bool privacy = true;
  int64_t histogram_bins = 30;  // distance-to-closest-record histogram for plots, >= 1

  // Embeddings.
  bool pca = true;
  int64_t pca_max_points = 3000;  // projected points kept per set for plots, >= 1
  bool tsne = true;
  double tsne_perplexity = 30.0;   // > 0
  int64_t tsne_max_points = 3000;  // all sets together, shared equally, >= 3
  int64_t tsne_iterations = 1000;  // >= 250 (the early-exaggeration phase)
  double tsne_theta = 0.5;         // Barnes-Hut angle in [0, 1]; 0 = exact gradient
  int64_t roc_curve_points = 101;  // points kept per ROC curve for plots, >= 2

  // Outputs stay bounded however wide the table. Every column and pair counts in the summaries
  // and verdicts; the detail is kept for the columns that differ most, and the block says what
  // was left out.
  int64_t max_detail_columns = 100;  // columns.per_column entries (numbers and plots), >= 1
  int64_t max_heatmap_columns = 40;  // columns of the correlation matrices kept for plots, >= 2

  // Every invalid value, one line each (empty when valid).
  std::vector<std::string> problems() const;
  // Throws Error(kInvalidArgument) "evaluation config: p1; p2; ..." listing every problem.
  void validate() const;
  nlohmann::json to_json() const;
  // Missing keys keep their defaults; unknown keys, wrong types and invalid values throw
  // Error(kInvalidArgument) listing every problem at once.
  static EvaluationConfig from_json(const nlohmann::json& j);
};

// The names of the metric blocks, in the order evaluate() runs them (the progress task names are
// "evaluate: <name>"): columns, correlations, detection, mmd, prdc, privacy, pca, tsne.
std::vector<std::string> evaluation_block_names();

// Compares `synthetic` with `real` (the training rows the generator saw), all in original units
// [rows, columns]. With `holdout` (real rows the generator never saw; may be null) every
// whole-row and privacy metric is also computed for holdout vs real, under the key "holdout"
// next to "synthetic": the score fresh real data gets. Whole-row distances use features
// standardised with the real rows' mean and std.
//
// `column_kinds` is the extension point for categorical columns: empty means all numeric; a
// categorical column (values are category codes) gets total variation distance and a chi-square
// test instead of KS and Wasserstein; whole-row metrics use its codes as numbers.
//
// Returns {"format": "imbgen.evaluation", "version": 1, "config", "rows": {...}, "columns",
// "correlations", "detection", "mmd", "prdc", "privacy", "pca", "tsne", "verdicts",
// "timings"}. Each block has a "verdict" string; plot data (coordinates, matrices, curves,
// histograms) sits under each block's "plot" key. A block that cannot run on these inputs
// (e.g. fewer rows than folds) holds {"skipped": reason} instead; a block turned off in the
// config is absent. Non-finite numbers (e.g. the correlation of a constant column) are null.
// The blocks' main keys:
//   columns.per_column[]: name, kind, real/synthetic/holdout {count, mean, std, min, max,
//     quantiles (at columns.quantile_levels)}, ks {statistic, pvalue, exact}, wasserstein (W1
//     divided by the real column's population std), holdout_ks, holdout_wasserstein; categorical:
//     tvd, chi_square {statistic, pvalue, dof}. columns.summary: differ, holdout_differ, ...
//   correlations.{pearson,spearman}: mean_abs_diff, max_abs_diff, pairs, holdout_mean_abs_diff
//   detection.{synthetic,holdout}.<classifier>: roc_auc (mean over folds), roc_auc_std,
//     fold_roc_auc, pooled_roc_auc, rows_per_set, folds
//   mmd.{synthetic,holdout}: mmd2, pvalue, bandwidth, permutations, rows_real, rows_other
//   prdc.{synthetic,holdout}: precision, recall, density, coverage, k, rows_real, rows_other
//   privacy.{synthetic,holdout}: dcr_median, dcr_p05, dcr_mean, nndr_median, nndr_p05,
//     exact_copies, exact_copy_share, holdout_share, reference_rows
//   pca: explained_variance, explained_variance_ratio; plot {real, synthetic, holdout: {x, y}}
//   tsne: points, perplexity, iterations, theta, kl_divergence, trustworthiness (k = 5);
//     plot {real, synthetic, holdout: {x, y}, kl_history: [[iteration, kl], ...]}
//
// Progress: observer->on_progress({"evaluate: <block>", i, n}) as each block starts, and
// t-SNE iterations as {"evaluate: tsne", iteration, iterations, {{"kl_divergence", v}}}.
// Throws Error(kInvalidArgument) for an invalid config, column counts or names that do not
// match, fewer than 2 real or synthetic rows, or a non-finite value (names set, row, column).
nlohmann::json evaluate(const Matrix& real, const Matrix& synthetic, const Matrix* holdout,
                        const std::vector<std::string>& column_names,
                        const EvaluationConfig& config, Observer* observer = nullptr,
                        const std::vector<ColumnKind>& column_kinds = {});

// One "key,value" row per scalar of an evaluate() result (header "key,value"): keys are dotted
// paths ("detection.synthetic.xgboost.roc_auc"); array elements that are objects with a "name"
// are keyed by that name ("columns.per_column.V14.ks.pvalue"), other array elements by index;
// "plot" subtrees are left out; null is an empty value.
std::string flatten_to_csv(const nlohmann::json& result);

}  // namespace imbgen
