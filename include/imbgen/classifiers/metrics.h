// Binary classification metrics, defined as scikit-learn defines them.
#pragma once

#include <cstdint>
#include <vector>

#include <nlohmann/json.hpp>

namespace imbgen {

struct ConfusionMatrix {
  int64_t tn = 0, fp = 0, fn = 0, tp = 0;
};

struct BinaryMetrics {
  double accuracy = 0, precision = 0, recall = 0, f1 = 0;
  double roc_auc = 0, pr_auc = 0, mcc = 0, balanced_accuracy = 0;
  double recall_at_precision_90 = 0;
  ConfusionMatrix confusion;

  // Keys: accuracy, precision, recall, f1, roc_auc, pr_auc, mcc, balanced_accuracy,
  // recall_at_precision_90, confusion_matrix {tn, fp, fn, tp}.
  nlohmann::json to_json() const;
};

// labels: 1 = positive, 0 = negative. A row is predicted positive when score >= threshold.
// Zero-division cases give 0 (scikit-learn's zero_division=0). roc_auc/pr_auc are NaN when only
// one class is present.
BinaryMetrics binary_metrics(const std::vector<int>& labels, const std::vector<double>& scores,
                             double threshold);

double roc_auc(const std::vector<int>& labels, const std::vector<double>& scores);
// Average precision: sum over thresholds of (R_n - R_{n-1}) * P_n (sklearn average_precision_score).
double average_precision(const std::vector<int>& labels, const std::vector<double>& scores);
// Largest recall among thresholds whose precision >= min_precision (0 if none).
double recall_at_precision(const std::vector<int>& labels, const std::vector<double>& scores,
                           double min_precision);

struct Curve {
  std::vector<double> x, y, thresholds;
};
// ROC: x = false positive rate, y = true positive rate (sklearn roc_curve, drop_intermediate=False).
Curve roc_curve(const std::vector<int>& labels, const std::vector<double>& scores);
// PR: x = recall, y = precision (sklearn precision_recall_curve).
Curve pr_curve(const std::vector<int>& labels, const std::vector<double>& scores);

}  // namespace imbgen
