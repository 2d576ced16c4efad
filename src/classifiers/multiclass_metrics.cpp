// Multi-class classification metrics with scikit-learn 1.2's definitions: per-class precision,
// recall and F1, macro and weighted averages, balanced accuracy, multi-class MCC, one-vs-rest
// ROC-AUC and average precision, and the confusion matrix of the argmax predictions.
#include <cmath>
#include <limits>
#include <sstream>
#include <string>

#include "imbgen/classifiers/metrics.h"
#include "imbgen/core/error.h"

namespace imbgen {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

void check_input(const std::vector<int>& y, const Matrix& scores) {
  auto fail = [](const std::string& what) {
    throw Error(ErrorKind::kInvalidArgument, "multiclass_metrics: " + what);
  };
  if (y.size() != scores.rows) {
    fail("expected one score row per label, got " + std::to_string(y.size()) + " labels and " +
         std::to_string(scores.rows) + " score rows");
  }
  if (y.empty()) fail("expected at least one label, got none");
  if (scores.cols < 2) {
    fail("expected a score column per class (at least 2), got " + std::to_string(scores.cols));
  }
  for (size_t i = 0; i < y.size(); ++i) {
    if (y[i] < 0 || static_cast<size_t>(y[i]) >= scores.cols) {
      fail("label " + std::to_string(i) + ": expected a class in [0, " +
           std::to_string(scores.cols) + "), got " + std::to_string(y[i]));
    }
    for (size_t c = 0; c < scores.cols; ++c) {
      if (!std::isfinite(scores(i, c))) {
        std::ostringstream s;
        s << "score row " << i << ", class " << c << ": expected a finite number, got "
          << scores(i, c);
        fail(s.str());
      }
    }
  }
}

double safe_div(double a, double b) { return b != 0 ? a / b : 0.0; }

// Mean of the values that are not NaN; NaN when there is none.
double defined_mean(const std::vector<double>& v) {
  double sum = 0;
  size_t n = 0;
  for (double x : v) {
    if (!std::isnan(x)) {
      sum += x;
      ++n;
    }
  }
  return n ? sum / static_cast<double>(n) : kNaN;
}

}  // namespace

nlohmann::json MulticlassMetrics::to_json() const {
  nlohmann::json per_class = nlohmann::json::array();
  for (size_t c = 0; c < classes.size(); ++c) {
    const ClassMetrics& m = classes[c];
    per_class.push_back({{"class", c},
                         {"precision", m.precision},
                         {"recall", m.recall},
                         {"f1", m.f1},
                         {"support", m.support},
                         {"roc_auc", m.roc_auc},
                         {"pr_auc", m.pr_auc}});
  }
  return {{"accuracy", accuracy},
          {"balanced_accuracy", balanced_accuracy},
          {"mcc", mcc},
          {"macro",
           {{"precision", macro_precision},
            {"recall", macro_recall},
            {"f1", macro_f1},
            {"roc_auc", macro_roc_auc},
            {"pr_auc", macro_pr_auc}}},
          {"weighted",
           {{"precision", weighted_precision}, {"recall", weighted_recall}, {"f1", weighted_f1}}},
          {"classes", per_class},
          {"confusion_matrix", confusion}};
}

MulticlassMetrics multiclass_metrics(const std::vector<int>& y, const Matrix& scores) {
  check_input(y, scores);
  const size_t k = scores.cols, n = y.size();
  MulticlassMetrics m;
  m.confusion.assign(k, std::vector<int64_t>(k, 0));
  for (size_t i = 0; i < n; ++i) {
    size_t pred = 0;
    for (size_t c = 1; c < k; ++c) {
      if (scores(i, c) > scores(i, pred)) pred = c;
    }
    ++m.confusion[static_cast<size_t>(y[i])][pred];
  }
  std::vector<double> t(k, 0), p(k, 0);  // true and predicted counts per class
  double correct = 0;
  for (size_t a = 0; a < k; ++a) {
    for (size_t b = 0; b < k; ++b) {
      const auto v = static_cast<double>(m.confusion[a][b]);
      t[a] += v;
      p[b] += v;
    }
    correct += static_cast<double>(m.confusion[a][a]);
  }
  const double total = static_cast<double>(n);
  m.accuracy = correct / total;

  m.classes.resize(k);
  std::vector<double> recalls_present, aucs(k), aps(k);
  std::vector<int> one_vs_rest(n);
  std::vector<double> column(n);
  for (size_t c = 0; c < k; ++c) {
    ClassMetrics& cm = m.classes[c];
    const double tp = static_cast<double>(m.confusion[c][c]);
    cm.support = static_cast<int64_t>(t[c]);
    cm.precision = safe_div(tp, p[c]);
    cm.recall = safe_div(tp, t[c]);
    cm.f1 = safe_div(2 * tp, p[c] + t[c]);  // 2 tp / (2 tp + fp + fn)
    if (t[c] > 0) recalls_present.push_back(cm.recall);
    for (size_t i = 0; i < n; ++i) {
      one_vs_rest[i] = static_cast<size_t>(y[i]) == c ? 1 : 0;
      column[i] = scores(i, c);
    }
    cm.roc_auc = roc_auc(one_vs_rest, column);  // NaN when the class is absent or everything
    cm.pr_auc = average_precision(one_vs_rest, column);
    aucs[c] = cm.roc_auc;
    aps[c] = cm.pr_auc;
    m.macro_precision += cm.precision / static_cast<double>(k);
    m.macro_recall += cm.recall / static_cast<double>(k);
    m.macro_f1 += cm.f1 / static_cast<double>(k);
    m.weighted_precision += cm.precision * t[c] / total;
    m.weighted_recall += cm.recall * t[c] / total;
    m.weighted_f1 += cm.f1 * t[c] / total;
  }
  m.balanced_accuracy = defined_mean(recalls_present);
  m.macro_roc_auc = defined_mean(aucs);
  m.macro_pr_auc = defined_mean(aps);

  // sklearn.metrics.matthews_corrcoef: cov(yt, yp) / sqrt(cov(yt, yt) cov(yp, yp)).
  double tp_sum = 0, pp = 0, tt = 0;
  for (size_t c = 0; c < k; ++c) {
    tp_sum += p[c] * t[c];
    pp += p[c] * p[c];
    tt += t[c] * t[c];
  }
  const double cov_ytyp = correct * total - tp_sum;
  const double cov_ypyp = total * total - pp;
  const double cov_ytyt = total * total - tt;
  m.mcc = cov_ypyp * cov_ytyt != 0 ? cov_ytyp / std::sqrt(cov_ytyt * cov_ypyp) : 0.0;
  return m;
}

}  // namespace imbgen
