// The Classifier interface over liblinear, libsvm and XGBoost, and the registry by name.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "imbgen/data/matrix.h"

namespace imbgen {

enum class ScoreKind {
  kProbability,  // scores in [0, 1]; the default threshold is 0.5
  kDecision,     // signed decision values; the default threshold is 0
};

struct ClassifierContext {
  uint64_t seed = 42;
  int threads = 1;
};

class Classifier {
 public:
  virtual ~Classifier() = default;

  virtual std::string name() const = 0;
  virtual nlohmann::json config() const = 0;
  virtual ScoreKind score_kind() const = 0;

  // x: training rows in original units (models that need standardised features fit their own
  // scaler on these rows, leaving 0/1 columns as they are); y: class index per row;
  // sample_weight: empty (all 1) or one per row.
  virtual void fit(const Matrix& x, const std::vector<int>& y,
                   const std::vector<double>& sample_weight) = 0;

  // Scores [n, n_classes]: probabilities, or decision values (binary: column 1 = decision value,
  // column 0 = its negation). Column c is the score of class c.
  virtual Matrix predict_proba(const Matrix& x) const = 0;

  // Something the user should know about the last fit (e.g. "trained on a stratified sample of
  // 20000 of 55000 rows"); empty when nothing.
  virtual std::string note() const { return {}; }
};

std::unique_ptr<Classifier> make_classifier(const std::string& name,
                                            const nlohmann::json& config = nlohmann::json::object(),
                                            const ClassifierContext& context = {});
std::vector<std::string> classifier_names();

// scikit-learn's class_weight="balanced" as per-row weights: n / (n_classes * count[y_i]).
std::vector<double> balanced_sample_weights(const std::vector<int>& y);

}  // namespace imbgen
