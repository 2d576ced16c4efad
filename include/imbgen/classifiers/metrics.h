// Binary and multi-class classification metrics, defined as scikit-learn defines them.
#pragma once

#include <cstdint>
#include <vector>

#include <nlohmann/json.hpp>

#include "imbgen/data/matrix.h"

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

// ---- Several classes ----

// One class against the rest.
struct ClassMetrics {
  double precision = 0, recall = 0, f1 = 0;
  int64_t support = 0;  // rows of the class in the labels
  // One-vs-rest ROC-AUC and average precision of the class's score column; NaN when the class
  // is absent from the labels or is every label.
  double roc_auc = 0, pr_auc = 0;
};

struct MulticlassMetrics {
  std::vector<ClassMetrics> classes;  // per class index 0..k-1
  double accuracy = 0, balanced_accuracy = 0, mcc = 0;
  // Unweighted means over the k classes; weighted by support.
  double macro_precision = 0, macro_recall = 0, macro_f1 = 0;
  double weighted_precision = 0, weighted_recall = 0, weighted_f1 = 0;
  // Means of the per-class values that are defined (NaN when none is).
  double macro_roc_auc = 0, macro_pr_auc = 0;
  std::vector<std::vector<int64_t>> confusion;  // [true class][predicted class], k x k

  // Keys: accuracy, balanced_accuracy, mcc, macro {precision, recall, f1, roc_auc, pr_auc},
  // weighted {precision, recall, f1}, classes [{class, precision, recall, f1, support, roc_auc,
  // pr_auc}], confusion_matrix (rows: true class). NaN is written as null.
  nlohmann::json to_json() const;
};

// y: class index per row in [0, k); scores: [rows, k] class scores (probabilities), k >= 2. The
// prediction is the argmax of a row (ties: the lower class, as numpy.argmax). As scikit-learn
// 1.2 with labels = range(k): precision/recall/F1 with zero_division = 0 (a class never
// predicted has precision 0), macro and weighted averages over all k classes; accuracy;
// balanced accuracy = mean recall over the classes present in y; MCC (Gorodkin 2004, sklearn's
// multi-class matthews_corrcoef; 0 when undefined); one-vs-rest roc_auc / average_precision per
// class and their macro mean over the defined ones (sklearn raises instead when a class is
// absent). Throws Error(kInvalidArgument) naming the problem for a length mismatch, no rows,
// fewer than 2 columns, a label outside [0, k) or a non-finite score.
MulticlassMetrics multiclass_metrics(const std::vector<int>& y, const Matrix& scores);

}  // namespace imbgen
