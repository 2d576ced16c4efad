// "logistic" and "linear_svm": L2-regularised linear models from liblinear (Fan et al. 2008,
// "LIBLINEAR: A Library for Large Linear Classification", JMLR 9) on standardised features.
#include <linear.h>

#include <climits>
#include <cstdlib>
#include <memory>

#include "classifiers/common.h"
#include "classifiers/thread_rand.h"
#include "imbgen/classifiers/classifier_configs.h"
#include "imbgen/core/error.h"
#include "imbgen/core/rng.h"
#include "imbgen/data/scaler.h"

namespace imbgen {
namespace {

void silent_print(const char*) {}

struct ModelDeleter {
  void operator()(model* m) const { free_and_destroy_model(&m); }
};

// Feature nodes for one standardised row: indices 1..d (zeros skipped, as liblinear's sparse
// format allows), then the bias feature at d+1 when bias >= 0, then the terminator.
void append_row(const double* z, size_t d, double bias, std::vector<feature_node>& out) {
  for (size_t j = 0; j < d; ++j) {
    if (z[j] != 0.0) out.push_back({static_cast<int>(j + 1), z[j]});
  }
  if (bias >= 0) out.push_back({static_cast<int>(d + 1), bias});
  out.push_back({-1, 0.0});
}

class LiblinearClassifier final : public Classifier {
 public:
  // logistic: solver L2R_LR; otherwise the squared-hinge SVM, solver "auto", "primal" or "dual"
  // (LinearSvmConfig::solver).
  LiblinearClassifier(std::string name, bool logistic, double c, double eps, double bias,
                      nlohmann::json config, uint64_t seed, std::string svm_solver = "auto")
      : name_(std::move(name)),
        logistic_(logistic),
        svm_solver_(std::move(svm_solver)),
        c_(c),
        eps_(eps),
        bias_(bias),
        config_(std::move(config)),
        seed_(seed) {}

  std::string name() const override { return name_; }
  nlohmann::json config() const override { return config_; }
  ScoreKind score_kind() const override {
    return logistic_ ? ScoreKind::kProbability : ScoreKind::kDecision;
  }

  void fit(const Matrix& x, const std::vector<int>& y,
           const std::vector<double>& sample_weight) override {
    model_.reset();
    n_classes_ = detail::check_fit_input(name_, x, y, sample_weight, true);
    // liblinear 2.3 has no per-row weights (problem.W arrived in later versions); its per-class
    // C multipliers are exact instance weights when the weights are constant within each class.
    const std::vector<double> class_w =
        detail::class_constant_weights(name_, y, n_classes_, sample_weight);

    scaler_ = detail::fit_feature_scaler(x);
    const Matrix z = scaler_.transform(x);  // [n, d]
    const size_t n = x.rows, d = x.cols;
    if (n > INT_MAX || d >= INT_MAX) {
      throw Error(ErrorKind::kUnsupported,
                  name_ + ": liblinear indexes rows and features with int; got " +
                      std::to_string(n) + " rows and " + std::to_string(d) + " features");
    }

    std::vector<feature_node> nodes;
    nodes.reserve(n * (d + 2));
    std::vector<size_t> starts(n);
    for (size_t i = 0; i < n; ++i) {
      starts[i] = nodes.size();
      append_row(z.row(i), d, bias_, nodes);
    }
    std::vector<feature_node*> rows(n);
    for (size_t i = 0; i < n; ++i) rows[i] = nodes.data() + starts[i];
    std::vector<double> labels(y.begin(), y.end());

    problem prob{};
    prob.l = static_cast<int>(n);
    prob.n = static_cast<int>(bias_ >= 0 ? d + 1 : d);
    prob.y = labels.data();
    prob.x = rows.data();
    prob.bias = bias_;

    std::vector<int> weight_label;
    std::vector<double> weight;
    for (int c = 0; c < n_classes_; ++c) {
      if (class_w[static_cast<size_t>(c)] != 1.0) {
        weight_label.push_back(c);
        weight.push_back(class_w[static_cast<size_t>(c)]);
      }
    }
    parameter param{};
    const bool primal = svm_solver_ == "primal" || (svm_solver_ == "auto" && n > d);
    param.solver_type = logistic_ ? L2R_LR : (primal ? L2R_L2LOSS_SVC : L2R_L2LOSS_SVC_DUAL);
    param.eps = eps_;
    param.C = c_;
    param.nr_weight = static_cast<int>(weight.size());
    param.weight_label = weight_label.empty() ? nullptr : weight_label.data();
    param.weight = weight.empty() ? nullptr : weight.data();
    param.p = 0.1;
    param.init_sol = nullptr;

    if (const char* problem_text = check_parameter(&prob, &param)) {
      throw Error(ErrorKind::kInvalidArgument,
                  name_ + ": liblinear rejected the parameters: " + problem_text);
    }
    set_print_string_function(&silent_print);
    // The dual coordinate-descent solver visits rows in an order drawn with the C library's rand():
    // seeding it here makes the fit reproducible (rand() is process-global, so fits running
    // concurrently in other threads can still interleave their draws).
    classifiers_detail::seed_thread_rand(static_cast<unsigned>(mix_seed(seed_, 0)));
    model_.reset(train(&prob, &param));
    check_internal(model_ != nullptr, name_ + ": liblinear train() returned no model");
    check_internal(get_nr_class(model_.get()) == n_classes_,
                   name_ + ": liblinear model has an unexpected number of classes");
    label_.assign(static_cast<size_t>(n_classes_), 0);
    get_labels(model_.get(), label_.data());
    n_features_ = d;
  }

  Matrix predict_proba(const Matrix& x) const override {
    detail::check_predict_input(name_, model_ != nullptr, n_features_, x, true);
    const Matrix z = scaler_.transform(x);
    const auto k = static_cast<size_t>(n_classes_);
    Matrix out(x.rows, k);
    std::vector<feature_node> nodes;
    std::vector<double> values(k);
    for (size_t i = 0; i < x.rows; ++i) {
      nodes.clear();
      append_row(z.row(i), x.cols, model_->bias, nodes);
      if (logistic_) {
        predict_probability(model_.get(), nodes.data(), values.data());
        for (size_t j = 0; j < k; ++j) out(i, static_cast<size_t>(label_[j])) = values[j];
      } else if (k == 2) {
        // One decision value, positive for label_[0].
        predict_values(model_.get(), nodes.data(), values.data());
        out(i, static_cast<size_t>(label_[0])) = values[0];
        out(i, static_cast<size_t>(label_[1])) = -values[0];
      } else {
        // One-vs-rest: one decision value per class, in label_ order.
        predict_values(model_.get(), nodes.data(), values.data());
        for (size_t j = 0; j < k; ++j) out(i, static_cast<size_t>(label_[j])) = values[j];
      }
    }
    return out;
  }

 private:
  std::string name_;
  bool logistic_;
  std::string svm_solver_;
  double c_, eps_, bias_;
  nlohmann::json config_;
  uint64_t seed_;

  StandardScaler scaler_;
  std::unique_ptr<model, ModelDeleter> model_;
  std::vector<int> label_;  // liblinear's class order: label_[j] is the class of its j-th output
  int n_classes_ = 0;
  size_t n_features_ = 0;
};

}  // namespace

std::unique_ptr<Classifier> make_logistic(const LogisticConfig& config,
                                          const ClassifierContext& context) {
  config.validate();
  detail::check_context("logistic", context);
  return std::make_unique<LiblinearClassifier>("logistic", true, config.c, config.eps, config.bias,
                                               config.to_json(), context.seed);
}

std::unique_ptr<Classifier> make_linear_svm(const LinearSvmConfig& config,
                                            const ClassifierContext& context) {
  config.validate();
  detail::check_context("linear_svm", context);
  return std::make_unique<LiblinearClassifier>("linear_svm", false, config.c, config.eps,
                                               config.bias, config.to_json(), context.seed,
                                               config.solver);
}

}  // namespace imbgen
