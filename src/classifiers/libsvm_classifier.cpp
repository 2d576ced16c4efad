// "svm_rbf": libsvm's kernel SVM (Chang & Lin 2011, "LIBSVM: A library for support vector
// machines", ACM TIST 2(3)), C-SVC with an RBF kernel on standardised features, trained by
// imbgen's own solver of the same problem (svm_solver.h) or, with solver "libsvm" or
// `probability`, by libsvm's svm_train. Scores are decision values, or with `probability`
// Platt-scaled probabilities (Platt 1999, as improved by Lin, Lin & Weng 2007).
#include <libsvm/svm.h>

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdlib>
#include <memory>

#include "classifiers/common.h"
#include "classifiers/svm_decision.h"
#include "classifiers/svm_solver.h"
#include "classifiers/thread_rand.h"
#include "imbgen/classifiers/classifier_configs.h"
#include "imbgen/core/error.h"
#include "imbgen/core/rng.h"
#include "imbgen/data/scaler.h"

namespace imbgen {
namespace {

void silent_print(const char*) {}

struct SvmModelDeleter {
  void operator()(svm_model* m) const { svm_free_and_destroy_model(&m); }
};

void append_row(const double* z, size_t d, std::vector<svm_node>& out) {
  for (size_t j = 0; j < d; ++j) {
    if (z[j] != 0.0) out.push_back({static_cast<int>(j + 1), z[j]});
  }
  out.push_back({-1, 0.0});
}

class SvmRbfClassifier final : public Classifier {
 public:
  SvmRbfClassifier(const SvmRbfConfig& config, const ClassifierContext& context)
      : config_(config), context_(context) {}

  std::string name() const override { return "svm_rbf"; }
  nlohmann::json config() const override { return config_.to_json(); }
  ScoreKind score_kind() const override {
    return config_.probability ? ScoreKind::kProbability : ScoreKind::kDecision;
  }
  std::string note() const override { return note_; }

  void fit(const Matrix& x_all, const std::vector<int>& y_all,
           const std::vector<double>& weight_all) override {
    model_.reset();
    fitted_ = false;
    note_.clear();
    n_classes_ = detail::check_fit_input(name(), x_all, y_all, weight_all, true);

    // Kernel SVM cost grows quadratically or worse in the rows: train on a stratified sample.
    Matrix x_sample;
    std::vector<int> y_sample;
    std::vector<double> w_sample;
    const Matrix* x = &x_all;
    const std::vector<int>* y = &y_all;
    const std::vector<double>* w = &weight_all;
    const auto limit = static_cast<size_t>(config_.max_train_rows);
    if (limit > 0 && x_all.rows > limit) {
      const size_t m = std::max(limit, static_cast<size_t>(n_classes_));
      const std::vector<size_t> keep =
          detail::stratified_sample(y_all, n_classes_, m, mix_seed(context_.seed, 1));
      x_sample = x_all.select_rows(keep);
      y_sample.reserve(keep.size());
      for (size_t i : keep) y_sample.push_back(y_all[i]);
      if (!weight_all.empty()) {
        for (size_t i : keep) w_sample.push_back(weight_all[i]);
      }
      x = &x_sample;
      y = &y_sample;
      w = &w_sample;
      note_ = "trained on a stratified sample of " + std::to_string(keep.size()) + " of " +
              std::to_string(x_all.rows) + " rows";
    }
    if (x->rows > INT_MAX || x->cols >= INT_MAX) {
      throw Error(ErrorKind::kUnsupported,
                  "svm_rbf: libsvm indexes rows and features with int; got " +
                      std::to_string(x->rows) + " rows and " + std::to_string(x->cols) +
                      " features (lower max_train_rows)");
    }
    // libsvm has per-class C multipliers only; they equal instance weights when the weights are
    // constant within each class (e.g. balanced_sample_weights).
    const std::vector<double> class_w = detail::class_constant_weights(name(), *y, n_classes_, *w);

    // The scaler sees every row passed to fit(); the SVM the (possibly sampled) rows.
    scaler_ = detail::fit_feature_scaler(x_all);
    const Matrix z = scaler_.transform(*x);  // [m, d]
    const size_t n = z.rows, d = z.cols;

    double gamma = 1.0;
    if (config_.gamma) {
      gamma = *config_.gamma;
    } else {
      // scikit-learn's gamma="scale": 1 / (n_features * Z.var()), Z.var() over all entries.
      double mean = 0;
      for (double v : z.data) mean += v;
      mean /= static_cast<double>(z.data.size());
      double var = 0;
      for (double v : z.data) var += (v - mean) * (v - mean);
      var /= static_cast<double>(z.data.size());
      gamma = var > 0 ? 1.0 / (static_cast<double>(d) * var) : 1.0;
    }

    if (!config_.probability && config_.solver == "imbgen") {
      fit_own(z, *y, class_w, gamma);
      n_features_ = d;
      fitted_ = true;
      return;
    }
    // The model keeps pointers into the training nodes (its support vectors): nodes_ lives as
    // long as model_.
    nodes_.clear();
    nodes_.reserve(n * (d + 1));
    std::vector<size_t> starts(n);
    for (size_t i = 0; i < n; ++i) {
      starts[i] = nodes_.size();
      append_row(z.row(i), d, nodes_);
    }
    rows_.assign(n, nullptr);
    for (size_t i = 0; i < n; ++i) rows_[i] = nodes_.data() + starts[i];
    std::vector<double> labels(y->begin(), y->end());

    svm_problem prob{};
    prob.l = static_cast<int>(n);
    prob.y = labels.data();
    prob.x = rows_.data();

    std::vector<int> weight_label;
    std::vector<double> weight;
    for (int c = 0; c < n_classes_; ++c) {
      if (class_w[static_cast<size_t>(c)] != 1.0) {
        weight_label.push_back(c);
        weight.push_back(class_w[static_cast<size_t>(c)]);
      }
    }
    svm_parameter param{};
    param.svm_type = C_SVC;
    param.kernel_type = RBF;
    param.degree = 3;
    param.gamma = gamma;
    param.coef0 = 0;
    param.cache_size = config_.cache_size_mb;
    param.eps = config_.eps;
    param.C = config_.c;
    param.nr_weight = static_cast<int>(weight.size());
    param.weight_label = weight_label.empty() ? nullptr : weight_label.data();
    param.weight = weight.empty() ? nullptr : weight.data();
    param.nu = 0.5;
    param.p = 0.1;
    param.shrinking = config_.shrinking ? 1 : 0;
    param.probability = config_.probability ? 1 : 0;

    if (const char* problem_text = svm_check_parameter(&prob, &param)) {
      throw Error(ErrorKind::kInvalidArgument,
                  std::string("svm_rbf: libsvm rejected the parameters: ") + problem_text);
    }
    svm_set_print_string_function(&silent_print);
    if (config_.probability) {
      // Platt scaling fits its sigmoid on an internal 5-fold cross-validation whose folds are
      // drawn with the C library's rand(): seeding it here makes the probabilities reproducible
      // (rand() is process-global, so fits running concurrently in other threads can interleave
      // their draws). Without it, libsvm's training draws nothing.
      classifiers_detail::seed_thread_rand(static_cast<unsigned>(mix_seed(context_.seed, 2)));
    }
    model_.reset(svm_train(&prob, &param));
    check_internal(model_ != nullptr, "svm_rbf: libsvm svm_train() returned no model");
    check_internal(!config_.probability || svm_check_probability_model(model_.get()),
                   "svm_rbf: libsvm svm_train() returned no probability model");
    check_internal(svm_get_nr_class(model_.get()) == n_classes_,
                   "svm_rbf: libsvm model has an unexpected number of classes");
    label_.assign(static_cast<size_t>(n_classes_), 0);
    svm_get_labels(model_.get(), label_.data());
    n_features_ = d;
    if (!config_.probability) decision_ = classifiers_detail::RbfDecision(*model_, d);
    fitted_ = true;
  }

  Matrix predict_proba(const Matrix& x) const override {
    detail::check_predict_input(name(), fitted_, n_features_, x, true);
    const Matrix z = scaler_.transform(x);
    const auto k = static_cast<size_t>(n_classes_);
    Matrix out(x.rows, k);
    std::vector<svm_node> nodes;
    // Probabilities: k values. Decision values: one per pair of classes (a, b), a < b in libsvm's
    // class order: (0, 1), (0, 2), ..., (1, 2), ...; positive means a.
    std::vector<double> values(config_.probability ? k : k * (k - 1) / 2);
    std::vector<double> votes(k), confidence(k), kernel;
    for (size_t i = 0; i < x.rows; ++i) {
      if (config_.probability) {
        nodes.clear();
        append_row(z.row(i), x.cols, nodes);
        svm_predict_probability(model_.get(), nodes.data(), values.data());
        for (size_t j = 0; j < k; ++j) out(i, static_cast<size_t>(label_[j])) = values[j];
        continue;
      }
      // svm_predict_values' values, computed several times faster (svm_decision.h).
      decision_.values(z.row(i), values.data(), kernel);
      if (k == 2) {
        out(i, static_cast<size_t>(label_[0])) = values[0];
        out(i, static_cast<size_t>(label_[1])) = -values[0];
        continue;
      }
      // Several classes: one score per class from the pairwise values, as scikit-learn's
      // SVC(decision_function_shape="ovr"): the class's votes plus its summed confidence squashed
      // into (-1/3, 1/3), so the confidence orders rows within one vote count only.
      std::fill(votes.begin(), votes.end(), 0.0);
      std::fill(confidence.begin(), confidence.end(), 0.0);
      size_t pair = 0;
      for (size_t a = 0; a < k; ++a) {
        for (size_t b = a + 1; b < k; ++b, ++pair) {
          votes[values[pair] >= 0 ? a : b] += 1;
          confidence[a] += values[pair];
          confidence[b] -= values[pair];
        }
      }
      for (size_t j = 0; j < k; ++j) {
        out(i, static_cast<size_t>(label_[j])) =
            votes[j] + confidence[j] / (3 * (std::fabs(confidence[j]) + 1));
      }
    }
    return out;
  }

 private:
  // One-against-one as libsvm (a two-class problem per pair of classes, rows of both; C times the
  // class's weight) with imbgen's solver (svm_solver.h), the support vectors gathered per class as
  // in a libsvm model. Classes in label order.
  void fit_own(const Matrix& z, const std::vector<int>& y, const std::vector<double>& class_w,
               double gamma) {
    const auto k = static_cast<size_t>(n_classes_);
    const size_t n = z.rows, d = z.cols;
    std::vector<std::vector<size_t>> rows_of(k);
    for (size_t i = 0; i < n; ++i) rows_of[static_cast<size_t>(y[i])].push_back(i);
    std::vector<std::vector<double>> alphas;  // per pair: class a's rows, then class b's
    std::vector<double> rho;
    std::vector<char> support(n, 0);
    bool converged = true;
    for (size_t a = 0; a < k; ++a) {
      for (size_t b = a + 1; b < k; ++b) {
        std::vector<double> x;
        std::vector<signed char> sign;
        x.reserve((rows_of[a].size() + rows_of[b].size()) * d);
        for (size_t c : {a, b}) {
          for (size_t i : rows_of[c]) {
            x.insert(x.end(), z.row(i), z.row(i) + d);
            sign.push_back(c == a ? 1 : -1);
          }
        }
        classifiers_detail::RbfSvmProblem problem;
        problem.x = x.data();
        problem.n = sign.size();
        problem.d = d;
        problem.y = sign.data();
        problem.c_positive = config_.c * class_w[a];
        problem.c_negative = config_.c * class_w[b];
        problem.gamma = gamma;
        problem.eps = config_.eps;
        problem.cache_mb = config_.cache_size_mb;
        classifiers_detail::RbfSvmSolution solution = classifiers_detail::solve_rbf_svm(problem);
        converged = converged && solution.converged;
        size_t s = 0;
        for (size_t c : {a, b}) {
          for (size_t i : rows_of[c]) support[i] |= solution.alpha[s++] > 0 ? 1 : 0;
        }
        alphas.push_back(std::move(solution.alpha));
        rho.push_back(solution.rho);
      }
    }
    // Support vectors grouped by class, in row order within a class.
    std::vector<size_t> position(n, 0), counts(k, 0);
    size_t n_sv = 0;
    for (size_t c = 0; c < k; ++c) {
      for (size_t i : rows_of[c]) {
        if (support[i]) position[i] = n_sv++, ++counts[c];
      }
    }
    std::vector<double> by_feature(d * n_sv);
    for (size_t i = 0; i < n; ++i) {
      if (!support[i]) continue;
      for (size_t f = 0; f < d; ++f) by_feature[f * n_sv + position[i]] = z(i, f);
    }
    std::vector<double> coef((k - 1) * n_sv, 0.0);
    size_t pair = 0;
    for (size_t a = 0; a < k; ++a) {
      for (size_t b = a + 1; b < k; ++b, ++pair) {
        const std::vector<double>& alpha = alphas[pair];
        size_t s = 0;
        for (size_t i : rows_of[a]) {
          if (alpha[s] > 0) coef[(b - 1) * n_sv + position[i]] = alpha[s];
          ++s;
        }
        for (size_t i : rows_of[b]) {
          if (alpha[s] > 0) coef[a * n_sv + position[i]] = -alpha[s];
          ++s;
        }
      }
    }
    decision_ = classifiers_detail::RbfDecision(d, gamma, counts, std::move(by_feature),
                                                std::move(coef), std::move(rho));
    label_.resize(k);
    for (size_t c = 0; c < k; ++c) label_[c] = static_cast<int>(c);
    if (!converged) {
      note_ += std::string(note_.empty() ? "" : "; ") +
               "the solver stopped at its iteration limit before reaching eps";
    }
  }

  SvmRbfConfig config_;
  ClassifierContext context_;

  StandardScaler scaler_;
  std::vector<svm_node> nodes_;
  std::vector<svm_node*> rows_;
  std::unique_ptr<svm_model, SvmModelDeleter> model_;
  classifiers_detail::RbfDecision decision_;  // without `probability`
  bool fitted_ = false;
  std::vector<int> label_;  // libsvm's class order
  int n_classes_ = 0;
  size_t n_features_ = 0;
  std::string note_;
};

}  // namespace

std::unique_ptr<Classifier> make_svm_rbf(const SvmRbfConfig& config,
                                         const ClassifierContext& context) {
  config.validate();
  detail::check_context("svm_rbf", context);
  return std::make_unique<SvmRbfClassifier>(config, context);
}

}  // namespace imbgen
