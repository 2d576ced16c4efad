// Typed configurations of the registered classifiers, with their defaults, validation and JSON
// round trip, and typed factories. make_classifier(name, json) parses into these structs.
#pragma once

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "imbgen/classifiers/classifier.h"

namespace imbgen {

// Sample weights: liblinear 2.3 and libsvm take per-class C multipliers only, so "logistic",
// "linear_svm" and "svm_rbf" accept sample weights that are constant within each class (e.g.
// balanced_sample_weights) and apply them exactly as per-class weights; weights that vary inside a
// class throw Error(kUnsupported). "random_forest" and "xgboost" take any per-row weights.
//
// Reproducibility: the same data, config and ClassifierContext::seed give identical scores.
// liblinear's dual solver and libsvm's Platt scaling draw from the C library's rand(); fit() seeds
// it from the context seed. glibc's rand() is process-global, so this module replaces it with one
// stream per thread (src/classifiers/thread_rand.cpp) and fits running at the same time in
// different threads stay reproducible; the XGBoost models have no such limit.
// Scaling: "logistic", "linear_svm" and "svm_rbf" standardise each column on the training rows
// passed to fit() (scikit-learn's StandardScaler), except 0/1 columns (every training value 0 or
// 1), which keep their values, as a scikit-learn pipeline leaves one-hot columns unscaled. (In
// imbgen's pipeline those are the encoder's one-hot and missing-indicator columns; standardising
// a rare category's column would scale it up by 1 / sqrt(share) and let it dominate the penalty
// and the RBF kernel's distances: measured on adult, 5 folds, svm_rbf scaling them reached PR-AUC
// 0.746 instead of 0.768 and took 990 s per fit instead of 70 s.) The tree models need no
// scaling.
// Missing values: NaN features are an error for the liblinear/libsvm models and "missing" for
// XGBoost (which learns a default direction per split).
//
// Every config struct below follows the same contract:
//   problems()   every invalid value, one line each (empty when valid);
//   validate()   throws Error(kInvalidArgument) listing every problem at once;
//   to_json()    the full config, defaults included;
//   from_json()  missing keys keep their defaults; unknown keys, wrong types and invalid values
//                throw Error(kInvalidArgument) listing every problem at once.

// "logistic": liblinear L2-regularised logistic regression (solver L2R_LR) on standardised
// features: scikit-learn's LogisticRegression(solver="liblinear", intercept_scaling=bias). The
// bias feature is regularised like the weights, so the intercept's penalty is
// (intercept / bias)^2 / 2: the default bias of 100 leaves the intercept practically free, as
// scikit-learn's default LogisticRegression() (lbfgs, unpenalised intercept) does; with bias 1 a
// rare class's intercept (about logit of its share, e.g. -6) is pulled towards 0.
struct LogisticConfig {
  double c = 1.0;       // JSON "C": inverse regularisation strength, > 0
  double eps = 1e-4;    // liblinear stopping tolerance, > 0 (scikit-learn's tol)
  double bias = 100.0;  // value of the constant bias feature; a negative value fits no intercept

  std::vector<std::string> problems() const;
  void validate() const;
  nlohmann::json to_json() const;
  static LogisticConfig from_json(const nlohmann::json& j);
};

// "linear_svm": liblinear L2-regularised squared-hinge SVM on standardised features. Scores are
// decision values (ScoreKind::kDecision).
struct LinearSvmConfig {
  double c = 1.0;  // JSON "C", > 0
  // liblinear stopping tolerance, > 0 (liblinear's default for its primal solver; scikit-learn
  // passes tol=1e-4 to either).
  double eps = 0.01;
  double bias = 1.0;  // as LogisticConfig::bias
  // "primal" (L2R_L2LOSS_SVC, trust-region Newton), "dual" (L2R_L2LOSS_SVC_DUAL, coordinate
  // descent) or "auto": primal when the training rows outnumber the features, as scikit-learn
  // 1.3's LinearSVC(dual="auto"). Both solve the same strictly convex problem; on many rows and
  // few features the dual one needs far more passes (the full-size credit card table: 1,000
  // passes without converging in 131 s, against 8 Newton steps in 1.7 s).
  std::string solver = "auto";

  std::vector<std::string> problems() const;
  void validate() const;
  nlohmann::json to_json() const;
  static LinearSvmConfig from_json(const nlohmann::json& j);
};

// "svm_rbf": libsvm C-SVC with an RBF kernel on standardised features. Scores are decision values
// (ScoreKind::kDecision), as scikit-learn's SVC().decision_function; with `probability`, libsvm's
// Platt-scaled probabilities instead.
struct SvmRbfConfig {
  double c = 1.0;  // JSON "C", > 0
  // RBF gamma; empty = "scale": 1 / (n_features * var(Z)) over all entries of the standardised
  // training rows actually used, as scikit-learn's SVC(gamma="scale"). JSON: "scale" or a number.
  std::optional<double> gamma;
  double eps = 1e-3;             // libsvm stopping tolerance, > 0
  double cache_size_mb = 200.0;  // kernel cache, > 0
  bool shrinking = true;         // libsvm's shrinking heuristic (solver "libsvm" and probability)
  // "imbgen": imbgen's own solver of the same dual problem (classifiers/svm_solver.h), several
  // times faster on dense rows; "libsvm": libsvm's svm_train. With `probability`, libsvm's always
  // (its Platt scaling trains inside it).
  std::string solver = "imbgen";
  // Platt-scaled probabilities (scikit-learn's SVC(probability=True)): libsvm fits the sigmoid on
  // an internal 5-fold cross-validation, so a fit costs about 7 times as much. Off by default, as
  // in scikit-learn: the decision values rank rows the same way (PR-AUC and ROC-AUC need only the
  // order), without the ties that clamping the probabilities to [1e-7, 1 - 1e-7] makes.
  bool probability = false;
  // Kernel SVM training is O(n^2)..O(n^3): larger training sets are reduced to a stratified sample
  // of this many rows (seeded by ClassifierContext::seed). 0 = no limit.
  int64_t max_train_rows = 20000;

  std::vector<std::string> problems() const;
  void validate() const;
  nlohmann::json to_json() const;
  static SvmRbfConfig from_json(const nlohmann::json& j);
};

// "random_forest": Breiman's random forest of `n_estimators` CART trees, each on a row subsample
// without replacement (0.632 ~ the share of distinct rows in a bootstrap sample) with a feature
// subsample at every split, grown to pure leaves by default; the score is the mean of the trees'
// leaf class frequencies, as in scikit-learn's RandomForestClassifier. Two engines grow it:
// - "imbgen" (the default since 0.11.0): imbgen's own tree builder (classifiers/random_forest.cpp),
//   on histograms of at most max_bin bins per feature (one bin per value where a feature has no
//   more distinct values, where the cuts are CART's) with thresholds halfway between training
//   values; splits maximise the Gini decrease over the drawn features (constant ones count
//   towards colsample_bynode, as in XGBoost), every impure node with a possible cut there splits
//   (as in CART), and several classes share one tree.
// - "xgboost": XGBoost's random-forest mode, one boosting round of parallel trees. Every row
//   starts at the class prior, so the split gain is the Gini decrease and, with reg_lambda = 0,
//   each leaf holds its class frequency exactly (several classes: one tree per class and round,
//   the frequencies normalised to sum to 1).
// min_child_weight is in XGBoost's hessian units: a row of class share p weighs p (1 - p)
// (2 p (1 - p) for several classes; with engine "imbgen" the rarest class's), so the default
// allows single-row leaves unless p < 1e-5.
struct RandomForestConfig {
  int n_estimators = 100;    // trees, >= 1
  int max_depth = 0;         // >= 0; 0 = unlimited
  double subsample = 0.632;  // (0, 1]
  // Share of the features drawn at each split, (0, 1]; empty = "sqrt": floor(sqrt(d)) of d, as
  // scikit-learn's max_features="sqrt". JSON: "sqrt" or a number.
  std::optional<double> colsample_bynode;
  double min_child_weight = 1e-5;  // >= 0
  // >= 0. 0 keeps leaf values exact class frequencies; > 0 shrinks small leaves towards the
  // prior. min_child_weight and reg_lambda cannot both be 0.
  double reg_lambda = 0.0;
  int max_bin = 256;  // >= 2 (histogram bins per feature); <= 65535 with engine "imbgen"
  std::string engine = "imbgen";  // "imbgen" or "xgboost" (see above)

  std::vector<std::string> problems() const;
  void validate() const;
  nlohmann::json to_json() const;
  static RandomForestConfig from_json(const nlohmann::json& j);
};

// "xgboost": gradient-boosted trees (tree_method "hist"), objective binary:logistic (two classes)
// or multi:softprob. For two classes the base score is the training (weighted) positive rate, as
// XGBoost 2.x estimates it, rather than 1.7's fixed 0.5.
struct XgboostConfig {
  int n_estimators = 200;         // boosting rounds, >= 1
  int max_depth = 6;              // >= 1
  double learning_rate = 0.1;     // eta, (0, 1]
  double subsample = 1.0;         // (0, 1]
  double colsample_bytree = 1.0;  // (0, 1]
  double min_child_weight = 1.0;  // >= 0
  double reg_lambda = 1.0;        // >= 0
  int max_bin = 256;              // >= 2

  std::vector<std::string> problems() const;
  void validate() const;
  nlohmann::json to_json() const;
  static XgboostConfig from_json(const nlohmann::json& j);
};

// Typed factories (validate the config, then build). make_classifier(name, json) calls these.
// context.threads must be >= 1 (XGBoost's nthread; liblinear and libsvm are single-threaded).
std::unique_ptr<Classifier> make_logistic(const LogisticConfig& config,
                                          const ClassifierContext& context = {});
std::unique_ptr<Classifier> make_linear_svm(const LinearSvmConfig& config,
                                            const ClassifierContext& context = {});
std::unique_ptr<Classifier> make_svm_rbf(const SvmRbfConfig& config,
                                         const ClassifierContext& context = {});
std::unique_ptr<Classifier> make_random_forest(const RandomForestConfig& config,
                                               const ClassifierContext& context = {});
std::unique_ptr<Classifier> make_xgboost(const XgboostConfig& config,
                                         const ClassifierContext& context = {});

}  // namespace imbgen
