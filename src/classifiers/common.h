// Private helpers shared by the classifier implementations: input checks, class weights,
// stratified sampling and the JSON config reader.
#pragma once

#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "imbgen/classifiers/classifier.h"
#include "imbgen/classifiers/classifier_configs.h"
#include "imbgen/data/matrix.h"
#include "imbgen/data/scaler.h"

namespace imbgen::detail {

// random_forest with engine "xgboost" (xgboost_classifier.cpp); make_random_forest() has checked
// the config and the context.
std::unique_ptr<Classifier> make_xgboost_random_forest(const RandomForestConfig& config,
                                                       const ClassifierContext& context);

// Throws Error(kInvalidArgument) when context.threads < 1.
void check_context(const std::string& who, const ClassifierContext& context);

// Checks the arguments of Classifier::fit and returns the number of classes (max label + 1).
// Throws Error(kInvalidArgument) naming the classifier when: sizes differ, a label is negative,
// a class in 0..k-1 has no rows, fewer than two classes, a weight is negative or not finite, or
// (when require_finite) a feature is NaN/inf.
int check_fit_input(const std::string& who, const Matrix& x, const std::vector<int>& y,
                    const std::vector<double>& sample_weight, bool require_finite);

// Checks the arguments of predict_proba: fitted, same column count, finite values when required.
void check_predict_input(const std::string& who, bool fitted, size_t fitted_cols, const Matrix& x,
                         bool require_finite);

// Per-class weights from per-row weights that are constant within each class (libraries with
// per-class weights only: liblinear 2.3, libsvm). Empty sample_weight gives all 1. Throws
// Error(kUnsupported) when the weights vary inside a class, Error(kInvalidArgument) when a class
// weight is 0.
std::vector<double> class_constant_weights(const std::string& who, const std::vector<int>& y,
                                           int n_classes, const std::vector<double>& sample_weight);

// A seeded stratified sample of exactly `m` row indices (ascending) out of y.size() (m < size):
// each class gets its share by largest remainder, and at least one row.
std::vector<size_t> stratified_sample(const std::vector<int>& y, int n_classes, size_t m,
                                      uint64_t seed);

// The scaler of the liblinear and libsvm models, fit on x: scikit-learn's StandardScaler on every
// column except 0/1 columns (every value 0 or 1), which keep their values (mean 0, scale 1). In
// imbgen's pipeline those are the encoder's one-hot and missing-indicator columns (its numbers
// arrive standardised already), and a scikit-learn pipeline likewise scales the numbers and
// leaves one-hot columns as they are.
StandardScaler fit_feature_scaler(const Matrix& x);

// Shortest decimal text that reads back to the same double (for library parameter strings).
std::string format_double(double v);

// Reads a config object key by key, collecting every problem; finish() throws them all at once
// together with unknown keys.
class ConfigReader {
 public:
  ConfigReader(const nlohmann::json& j, std::string owner);

  void number(const std::string& key, double& out);
  void integer(const std::string& key, int& out);
  void integer(const std::string& key, int64_t& out);
  void boolean(const std::string& key, bool& out);
  // `parse` returns an error text for a bad value, or nullopt after storing the value.
  void custom(const std::string& key,
              const std::function<std::optional<std::string>(const nlohmann::json&)>& parse);
  // Throws Error(kInvalidArgument) "<owner> config: p1; p2; ..." when anything was wrong,
  // including unknown keys and `value_problems` (from the struct's problems()).
  void finish(const std::vector<std::string>& value_problems);

 private:
  const nlohmann::json* find(const std::string& key);

  nlohmann::json j_;
  std::string owner_;
  std::vector<std::string> known_;
  std::vector<std::string> problems_;
};

// Throws Error(kInvalidArgument) "<owner> config: p1; p2" when problems is not empty.
void throw_if_problems(const std::string& owner, const std::vector<std::string>& problems);

}  // namespace imbgen::detail
