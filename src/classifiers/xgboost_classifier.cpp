// "xgboost" and "random_forest": tree ensembles from XGBoost (Chen & Guestrin 2016, "XGBoost: A
// Scalable Tree Boosting System", KDD) through its C API; "random_forest" is XGBoost's
// random-forest mode (one round of parallel trees on row/column subsamples, Breiman 2001 style).
#include <xgboost/c_api.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <mutex>
#include <utility>

#include "classifiers/common.h"
#include "imbgen/classifiers/classifier_configs.h"
#include "imbgen/core/error.h"
#include "imbgen/core/rng.h"

namespace imbgen {
namespace {

// Every XGBoost call goes through here: a non-zero status becomes an Error with XGBoost's message.
void xgb_check(int status, const std::string& who, const char* call) {
  if (status != 0) {
    throw Error(ErrorKind::kInternal, who + ": XGBoost " + call + " failed: " + XGBGetLastError());
  }
}

struct DMatrixDeleter {
  void operator()(void* h) const { XGDMatrixFree(h); }
};
struct BoosterDeleter {
  void operator()(void* h) const { XGBoosterFree(h); }
};
using DMatrixPtr = std::unique_ptr<void, DMatrixDeleter>;
using BoosterPtr = std::unique_ptr<void, BoosterDeleter>;

// Rows as a float DMatrix; NaN marks a missing value (XGBoost learns a default direction).
DMatrixPtr make_dmatrix(const std::string& who, const Matrix& x) {
  std::vector<float> values(x.data.begin(), x.data.end());
  DMatrixHandle h = nullptr;
  xgb_check(XGDMatrixCreateFromMat(values.data(), x.rows, x.cols, std::nanf(""), &h), who,
            "XGDMatrixCreateFromMat");
  return DMatrixPtr(h);
}

class XgboostClassifier final : public Classifier {
 public:
  // `params`: the booster parameters that do not depend on the data; `rounds`: boosting rounds.
  XgboostClassifier(std::string name, nlohmann::json config,
                    std::vector<std::pair<std::string, std::string>> params, int rounds,
                    const ClassifierContext& context)
      : name_(std::move(name)),
        config_(std::move(config)),
        params_(std::move(params)),
        rounds_(rounds),
        context_(context) {}

  std::string name() const override { return name_; }
  nlohmann::json config() const override { return config_; }
  ScoreKind score_kind() const override { return ScoreKind::kProbability; }

  void fit(const Matrix& x, const std::vector<int>& y,
           const std::vector<double>& sample_weight) override {
    booster_.reset();
    n_classes_ = detail::check_fit_input(name_, x, y, sample_weight, false);
    DMatrixPtr train = make_dmatrix(name_, x);
    const std::vector<float> labels(y.begin(), y.end());
    xgb_check(XGDMatrixSetFloatInfo(train.get(), "label", labels.data(), labels.size()), name_,
              "XGDMatrixSetFloatInfo(label)");
    if (!sample_weight.empty()) {
      const std::vector<float> w(sample_weight.begin(), sample_weight.end());
      xgb_check(XGDMatrixSetFloatInfo(train.get(), "weight", w.data(), w.size()), name_,
                "XGDMatrixSetFloatInfo(weight)");
    }

    std::vector<std::pair<std::string, std::string>> params = params_;
    params.emplace_back("nthread", std::to_string(context_.threads));
    params.emplace_back("seed", std::to_string(mix_seed(context_.seed, 3) & 0x7fffffffULL));
    params.emplace_back("verbosity", "0");
    if (n_classes_ == 2) {
      params.emplace_back("objective", "binary:logistic");
      // Start from the (weighted) positive rate rather than 0.5: with rare positives the first
      // trees otherwise spend themselves moving every row towards the prior. Clamped away from
      // 0 and 1, where the logit is undefined.
      double pos = 0, total = 0;
      for (size_t i = 0; i < y.size(); ++i) {
        const double wi = sample_weight.empty() ? 1.0 : sample_weight[i];
        total += wi;
        if (y[i] == 1) pos += wi;
      }
      const double prior = total > 0 ? std::clamp(pos / total, 1e-6, 1 - 1e-6) : 0.5;
      params.emplace_back("base_score", detail::format_double(prior));
    } else {
      params.emplace_back("objective", "multi:softprob");
      params.emplace_back("num_class", std::to_string(n_classes_));
    }

    DMatrixHandle dmats[] = {train.get()};
    BoosterHandle h = nullptr;
    xgb_check(XGBoosterCreate(dmats, 1, &h), name_, "XGBoosterCreate");
    BoosterPtr booster(h);
    for (const auto& [key, value] : params) {
      xgb_check(XGBoosterSetParam(booster.get(), key.c_str(), value.c_str()), name_,
                ("XGBoosterSetParam(" + key + "=" + value + ")").c_str());
    }
    for (int round = 0; round < rounds_; ++round) {
      xgb_check(XGBoosterUpdateOneIter(booster.get(), round, train.get()), name_,
                "XGBoosterUpdateOneIter");
    }
    booster_ = std::move(booster);
    n_features_ = x.cols;
  }

  Matrix predict_proba(const Matrix& x) const override {
    detail::check_predict_input(name_, booster_ != nullptr, n_features_, x, false);
    const auto k = static_cast<size_t>(n_classes_);
    Matrix out(x.rows, k);
    if (x.rows == 0) return out;
    DMatrixPtr dmat = make_dmatrix(name_, x);
    // The result buffer belongs to the booster: one prediction at a time per classifier.
    std::lock_guard<std::mutex> lock(predict_mutex_);
    bst_ulong len = 0;
    const float* result = nullptr;
    xgb_check(XGBoosterPredict(booster_.get(), dmat.get(), 0, 0, 0, &len, &result), name_,
              "XGBoosterPredict");
    if (k == 2) {
      check_internal(len == x.rows, name_ + ": XGBoost returned an unexpected prediction size");
      for (size_t i = 0; i < x.rows; ++i) {
        out(i, 1) = result[i];
        out(i, 0) = 1.0 - static_cast<double>(result[i]);
      }
    } else {
      check_internal(len == x.rows * k, name_ + ": XGBoost returned an unexpected prediction size");
      std::copy(result, result + len, out.data.begin());  // [n, k] row-major, as ours
    }
    return out;
  }

 private:
  std::string name_;
  nlohmann::json config_;
  std::vector<std::pair<std::string, std::string>> params_;
  int rounds_;
  ClassifierContext context_;

  BoosterPtr booster_;
  mutable std::mutex predict_mutex_;
  int n_classes_ = 0;
  size_t n_features_ = 0;
};

}  // namespace

std::unique_ptr<Classifier> make_random_forest(const RandomForestConfig& config,
                                               const ClassifierContext& context) {
  config.validate();
  detail::check_context("random_forest", context);
  using detail::format_double;
  std::vector<std::pair<std::string, std::string>> params = {
      {"booster", "gbtree"},
      {"tree_method", "hist"},
      {"num_parallel_tree", std::to_string(config.n_estimators)},
      {"eta", "1"},
      {"max_depth", std::to_string(config.max_depth)},
      {"subsample", format_double(config.subsample)},
      {"colsample_bynode", format_double(config.colsample_bynode)},
      {"min_child_weight", format_double(config.min_child_weight)},
      {"lambda", format_double(config.reg_lambda)},
      {"max_bin", std::to_string(config.max_bin)},
  };
  return std::make_unique<XgboostClassifier>("random_forest", config.to_json(), std::move(params),
                                             1, context);
}

std::unique_ptr<Classifier> make_xgboost(const XgboostConfig& config,
                                         const ClassifierContext& context) {
  config.validate();
  detail::check_context("xgboost", context);
  using detail::format_double;
  std::vector<std::pair<std::string, std::string>> params = {
      {"booster", "gbtree"},
      {"tree_method", "hist"},
      {"eta", format_double(config.learning_rate)},
      {"max_depth", std::to_string(config.max_depth)},
      {"subsample", format_double(config.subsample)},
      {"colsample_bytree", format_double(config.colsample_bytree)},
      {"min_child_weight", format_double(config.min_child_weight)},
      {"lambda", format_double(config.reg_lambda)},
      {"max_bin", std::to_string(config.max_bin)},
  };
  return std::make_unique<XgboostClassifier>("xgboost", config.to_json(), std::move(params),
                                             config.n_estimators, context);
}

}  // namespace imbgen
