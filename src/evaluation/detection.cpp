// Classifier two-sample test (Lopez-Paz & Oquab 2017, "Revisiting Classifier Two-Sample Tests"):
// cross-validated ROC-AUC of a classifier trained to separate real from other rows.
#include "imbgen/evaluation/detection.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "evaluation/common.h"
#include "imbgen/classifiers/classifier.h"
#include "imbgen/core/error.h"
#include "imbgen/core/rng.h"
#include "imbgen/data/split.h"

namespace imbgen {

Curve thin_curve(const Curve& curve, size_t max_points) {
  check_internal(max_points >= 2, "thin_curve: max_points must be >= 2");
  const size_t n = curve.x.size();
  if (n <= max_points) return curve;
  Curve out;
  for (size_t t = 0; t < max_points; ++t) {
    const size_t i = static_cast<size_t>(std::llround(
        static_cast<double>(t) * static_cast<double>(n - 1) / static_cast<double>(max_points - 1)));
    out.x.push_back(curve.x[i]);
    out.y.push_back(curve.y[i]);
    if (i < curve.thresholds.size()) out.thresholds.push_back(curve.thresholds[i]);
  }
  return out;
}

DetectionResult detection_test(const Matrix& real, const Matrix& other,
                               const std::string& classifier,
                               const nlohmann::json& classifier_config, int folds, uint64_t seed,
                               int threads) {
  evaluation_detail::check_same_columns(real, other, "detection_test");
  if (folds < 2) {
    throw Error(ErrorKind::kInvalidArgument,
                "detection_test: folds must be >= 2, got " + std::to_string(folds));
  }
  const size_t size = std::min(real.rows, other.rows);
  if (size < static_cast<size_t>(folds)) {
    throw Error(ErrorKind::kInvalidArgument,
                "detection_test: " + std::to_string(folds) + " folds need at least " +
                    std::to_string(folds) + " rows in each set, got " + std::to_string(real.rows) +
                    " real and " + std::to_string(other.rows) + " other rows");
  }
  Rng rng(seed);
  const Matrix a = real.select_rows(evaluation_detail::random_subset(real.rows, size, rng));
  const Matrix b = other.select_rows(evaluation_detail::random_subset(other.rows, size, rng));
  const Matrix x = Matrix::vstack(a, b);
  std::vector<int> y(2 * size, 0);
  std::fill(y.begin() + static_cast<long>(size), y.end(), 1);

  DetectionResult result;
  result.classifier = classifier;
  result.rows_per_set = size;
  result.folds = folds;
  std::vector<double> oof(x.rows, 0.0);
  const std::vector<Split> splits = stratified_kfold(y, folds, seed);
  const ClassifierContext context{seed, threads};
  for (const Split& split : splits) {
    std::vector<int> train_y, test_y;
    for (size_t i : split.train) train_y.push_back(y[i]);
    for (size_t i : split.test) test_y.push_back(y[i]);
    std::unique_ptr<Classifier> model = make_classifier(classifier, classifier_config, context);
    model->fit(x.select_rows(split.train), train_y, {});
    const Matrix scores = model->predict_proba(x.select_rows(split.test));
    std::vector<double> s(split.test.size());
    for (size_t t = 0; t < split.test.size(); ++t) {
      s[t] = scores(t, 1);
      oof[split.test[t]] = s[t];
    }
    result.fold_roc_auc.push_back(roc_auc(test_y, s));
  }
  double sum = 0.0;
  for (double v : result.fold_roc_auc) sum += v;
  result.roc_auc = sum / static_cast<double>(folds);
  double ss = 0.0;
  for (double v : result.fold_roc_auc) ss += (v - result.roc_auc) * (v - result.roc_auc);
  result.roc_auc_std = std::sqrt(ss / static_cast<double>(folds));
  result.pooled_roc_auc = roc_auc(y, oof);
  result.roc = roc_curve(y, oof);
  return result;
}

}  // namespace imbgen
