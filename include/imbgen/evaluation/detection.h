// Classifier two-sample test ("detection"): how well a classifier tells real rows from other
// rows (synthetic, or a holdout as the reference). ROC-AUC 0.5 means indistinguishable.
#pragma once

#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "imbgen/classifiers/metrics.h"
#include "imbgen/data/matrix.h"

namespace imbgen {

struct DetectionResult {
  std::string classifier;
  size_t rows_per_set = 0;  // rows used from each set (the smaller set's size)
  int folds = 0;
  std::vector<double> fold_roc_auc;  // ROC-AUC on each held-out fold
  double roc_auc = 0;                // mean of fold_roc_auc
  double roc_auc_std = 0;            // population std of fold_roc_auc
  double pooled_roc_auc = 0;         // ROC-AUC of all out-of-fold scores together
  Curve roc;                         // ROC curve of the out-of-fold scores (for plots)
};

// Labels real rows 0 and `other` rows 1, subsamples the larger set to the smaller's size (seeded),
// splits them by stratified_kfold(folds, seed), and for every fold fits
// make_classifier(classifier, config, {seed, threads}) on the other folds and scores the held-out
// one (predict_proba column 1). Throws Error(kInvalidArgument) when a set has fewer rows than
// folds, folds < 2 or the column counts differ; classifier errors pass through.
DetectionResult detection_test(const Matrix& real, const Matrix& other,
                               const std::string& classifier,
                               const nlohmann::json& classifier_config, int folds, uint64_t seed,
                               int threads = 1);

// Keeps at most `max_points` points of a curve (always the first and last; evenly spaced
// indices in between), so plots stay small. max_points >= 2.
Curve thin_curve(const Curve& curve, size_t max_points);

}  // namespace imbgen
