// Binary classification metrics and curves with scikit-learn's definitions (1.2): one sort of the
// scores, ties grouped into one threshold as in sklearn.metrics._ranking._binary_clf_curve.
#include "imbgen/classifiers/metrics.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <sstream>
#include <string>

#include "imbgen/core/error.h"

namespace imbgen {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

void check_input(const char* who, const std::vector<int>& labels,
                 const std::vector<double>& scores) {
  auto fail = [&](const std::string& what) {
    throw Error(ErrorKind::kInvalidArgument, std::string(who) + ": " + what);
  };
  if (labels.size() != scores.size()) {
    fail("expected one score per label, got " + std::to_string(labels.size()) + " labels and " +
         std::to_string(scores.size()) + " scores");
  }
  if (labels.empty()) fail("expected at least one label, got none");
  for (size_t i = 0; i < labels.size(); ++i) {
    if (labels[i] != 0 && labels[i] != 1) {
      fail("label " + std::to_string(i) + ": expected 0 or 1, got " + std::to_string(labels[i]));
    }
    if (!std::isfinite(scores[i])) {
      std::ostringstream s;
      s << "score " << i << ": expected a finite number, got " << scores[i];
      fail(s.str());
    }
  }
}

// Cumulative false/true positive counts at each distinct score, scores descending (the rows with
// score >= thresholds[i] are predicted positive at point i).
struct ClfCurve {
  std::vector<double> fps, tps, thresholds;
};

ClfCurve binary_clf_curve(const std::vector<int>& labels, const std::vector<double>& scores) {
  std::vector<size_t> order(scores.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return scores[a] > scores[b]; });
  ClfCurve c;
  double tp = 0, fp = 0;
  for (size_t k = 0; k < order.size(); ++k) {
    const size_t i = order[k];
    if (labels[i] == 1) {
      tp += 1;
    } else {
      fp += 1;
    }
    // The last row of a run of equal scores closes a threshold.
    if (k + 1 == order.size() || scores[order[k + 1]] != scores[i]) {
      c.fps.push_back(fp);
      c.tps.push_back(tp);
      c.thresholds.push_back(scores[i]);
    }
  }
  return c;
}

// Precision at each point of a ClfCurve (0 where nothing is predicted positive).
std::vector<double> precisions(const ClfCurve& c) {
  std::vector<double> p(c.tps.size());
  for (size_t i = 0; i < p.size(); ++i) {
    const double ps = c.tps[i] + c.fps[i];
    p[i] = ps != 0 ? c.tps[i] / ps : 0.0;
  }
  return p;
}

bool both_classes(const std::vector<int>& labels) {
  bool pos = false, neg = false;
  for (int l : labels) (l == 1 ? pos : neg) = true;
  return pos && neg;
}

double safe_div(double a, double b) { return b != 0 ? a / b : 0.0; }

}  // namespace

nlohmann::json BinaryMetrics::to_json() const {
  return {
      {"accuracy", accuracy},
      {"precision", precision},
      {"recall", recall},
      {"f1", f1},
      {"roc_auc", roc_auc},
      {"pr_auc", pr_auc},
      {"mcc", mcc},
      {"balanced_accuracy", balanced_accuracy},
      {"recall_at_precision_90", recall_at_precision_90},
      {"confusion_matrix",
       {{"tn", confusion.tn}, {"fp", confusion.fp}, {"fn", confusion.fn}, {"tp", confusion.tp}}}};
}

BinaryMetrics binary_metrics(const std::vector<int>& labels, const std::vector<double>& scores,
                             double threshold) {
  check_input("binary_metrics", labels, scores);
  if (std::isnan(threshold)) {
    throw Error(ErrorKind::kInvalidArgument, "binary_metrics: threshold is NaN");
  }
  BinaryMetrics m;
  ConfusionMatrix& cm = m.confusion;
  for (size_t i = 0; i < labels.size(); ++i) {
    const bool predicted = scores[i] >= threshold;
    if (labels[i] == 1) {
      ++(predicted ? cm.tp : cm.fn);
    } else {
      ++(predicted ? cm.fp : cm.tn);
    }
  }
  const double tp = static_cast<double>(cm.tp), tn = static_cast<double>(cm.tn);
  const double fp = static_cast<double>(cm.fp), fn = static_cast<double>(cm.fn);
  const double n = tp + tn + fp + fn;
  m.accuracy = (tp + tn) / n;
  m.precision = safe_div(tp, tp + fp);
  m.recall = safe_div(tp, tp + fn);
  m.f1 = safe_div(2 * tp, 2 * tp + fp + fn);
  // Matthews correlation; 0 when a row or column of the confusion matrix is empty (sklearn).
  const double denom = (tp + fp) * (tp + fn) * (tn + fp) * (tn + fn);
  m.mcc = denom != 0 ? (tp * tn - fp * fn) / std::sqrt(denom) : 0.0;
  // Mean recall over the classes present in the labels (sklearn ignores an absent class).
  const bool has_pos = tp + fn > 0, has_neg = tn + fp > 0;
  if (has_pos && has_neg) {
    m.balanced_accuracy = 0.5 * (tp / (tp + fn) + tn / (tn + fp));
  } else {
    m.balanced_accuracy = has_pos ? tp / (tp + fn) : tn / (tn + fp);
  }
  m.roc_auc = roc_auc(labels, scores);
  m.pr_auc = average_precision(labels, scores);
  m.recall_at_precision_90 = recall_at_precision(labels, scores, 0.9);
  return m;
}

double roc_auc(const std::vector<int>& labels, const std::vector<double>& scores) {
  check_input("roc_auc", labels, scores);
  if (!both_classes(labels)) return kNaN;
  const ClfCurve c = binary_clf_curve(labels, scores);
  const double n_pos = c.tps.back(), n_neg = c.fps.back();
  // Trapezoids between consecutive points, starting at (0, 0): ties form one diagonal segment.
  double area = 0, prev_fpr = 0, prev_tpr = 0;
  for (size_t i = 0; i < c.tps.size(); ++i) {
    const double fpr = c.fps[i] / n_neg, tpr = c.tps[i] / n_pos;
    area += (fpr - prev_fpr) * (tpr + prev_tpr) / 2;
    prev_fpr = fpr;
    prev_tpr = tpr;
  }
  return area;
}

double average_precision(const std::vector<int>& labels, const std::vector<double>& scores) {
  check_input("average_precision", labels, scores);
  if (!both_classes(labels)) return kNaN;
  const ClfCurve c = binary_clf_curve(labels, scores);
  const std::vector<double> p = precisions(c);
  const double n_pos = c.tps.back();
  double ap = 0, prev_recall = 0;
  for (size_t i = 0; i < p.size(); ++i) {
    const double recall = c.tps[i] / n_pos;
    ap += (recall - prev_recall) * p[i];
    prev_recall = recall;
  }
  return ap;
}

double recall_at_precision(const std::vector<int>& labels, const std::vector<double>& scores,
                           double min_precision) {
  check_input("recall_at_precision", labels, scores);
  if (std::isnan(min_precision)) {
    throw Error(ErrorKind::kInvalidArgument, "recall_at_precision: min_precision is NaN");
  }
  const Curve pr = pr_curve(labels, scores);
  double best = 0;
  // The last point (recall 0, precision 1) is sklearn's end marker, not a threshold.
  for (size_t i = 0; i + 1 < pr.x.size(); ++i) {
    if (pr.y[i] >= min_precision) best = std::max(best, pr.x[i]);
  }
  return best;
}

Curve roc_curve(const std::vector<int>& labels, const std::vector<double>& scores) {
  check_input("roc_curve", labels, scores);
  const ClfCurve c = binary_clf_curve(labels, scores);
  const double n_pos = c.tps.back(), n_neg = c.fps.back();
  Curve r;
  // The extra first point (0, 0) at threshold max(score) + 1, as scikit-learn 1.2.
  r.x.push_back(0);
  r.y.push_back(0);
  r.thresholds.push_back(c.thresholds.front() + 1);
  for (size_t i = 0; i < c.tps.size(); ++i) {
    // NaN when a class is absent (sklearn warns and divides by zero the same way).
    r.x.push_back(n_neg > 0 ? c.fps[i] / n_neg : kNaN);
    r.y.push_back(n_pos > 0 ? c.tps[i] / n_pos : kNaN);
    r.thresholds.push_back(c.thresholds[i]);
  }
  if (n_neg == 0) r.x.front() = kNaN;
  if (n_pos == 0) r.y.front() = kNaN;
  return r;
}

Curve pr_curve(const std::vector<int>& labels, const std::vector<double>& scores) {
  check_input("pr_curve", labels, scores);
  const ClfCurve c = binary_clf_curve(labels, scores);
  const std::vector<double> p = precisions(c);
  const double n_pos = c.tps.back();
  Curve r;
  // Thresholds ascending (recall decreasing), then the end point (recall 0, precision 1).
  for (size_t k = c.tps.size(); k-- > 0;) {
    r.x.push_back(n_pos > 0 ? c.tps[k] / n_pos : 1.0);  // sklearn: recall 1 with no positives
    r.y.push_back(p[k]);
    r.thresholds.push_back(c.thresholds[k]);
  }
  r.x.push_back(0);
  r.y.push_back(1);
  return r;
}

}  // namespace imbgen
