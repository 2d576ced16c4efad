#include "classifiers/svm_decision.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "core/vector_clones.h"
#include "imbgen/core/error.h"

namespace imbgen::classifiers_detail {
namespace {

// out[s] = sum over features j in order of (row[j] - sv_by_feature[j * n_sv + s])^2.
IMBGEN_VECTOR_CLONES
void squared_distances(const double* __restrict row, size_t n_features,
                       const double* __restrict sv_by_feature, size_t n_sv,
                       double* __restrict out) {
  std::fill(out, out + n_sv, 0.0);
  for (size_t j = 0; j < n_features; ++j) {
    const double x = row[j];
    const double* feature = sv_by_feature + j * n_sv;
    for (size_t s = 0; s < n_sv; ++s) {
      const double d = x - feature[s];
      out[s] += d * d;
    }
  }
}

}  // namespace

RbfDecision::RbfDecision(const svm_model& model, size_t n_features)
    : n_features_(n_features),
      n_sv_(static_cast<size_t>(model.l)),
      n_classes_(static_cast<size_t>(model.nr_class)),
      gamma_(model.param.gamma) {
  check_internal(model.param.svm_type == C_SVC && model.param.kernel_type == RBF &&
                     model.nr_class >= 2 && model.l >= 0 && model.nSV != nullptr,
                 "RbfDecision: not a C-SVC model with an RBF kernel");
  sv_by_feature_.assign(n_features_ * n_sv_, 0.0);
  for (size_t s = 0; s < n_sv_; ++s) {
    for (const svm_node* p = model.SV[s]; p->index != -1; ++p) {
      check_internal(p->index >= 1 && static_cast<size_t>(p->index) <= n_features_,
                     "RbfDecision: a support vector's feature index is out of range");
      sv_by_feature_[static_cast<size_t>(p->index - 1) * n_sv_ + s] = p->value;
    }
  }
  coef_.resize((n_classes_ - 1) * n_sv_);
  for (size_t c = 0; c + 1 < n_classes_; ++c) {
    std::copy(model.sv_coef[c], model.sv_coef[c] + n_sv_, coef_.begin() + c * n_sv_);
  }
  rho_.assign(model.rho, model.rho + n_pairs());
  start_.resize(n_classes_);
  count_.resize(n_classes_);
  size_t next = 0;
  for (size_t c = 0; c < n_classes_; ++c) {
    start_[c] = next;
    count_[c] = static_cast<size_t>(model.nSV[c]);
    next += count_[c];
  }
  check_internal(next == n_sv_, "RbfDecision: the classes' support vectors do not add up");
}

RbfDecision::RbfDecision(size_t n_features, double gamma, const std::vector<size_t>& class_counts,
                         std::vector<double> sv_by_feature, std::vector<double> coef,
                         std::vector<double> rho)
    : n_features_(n_features),
      n_classes_(class_counts.size()),
      gamma_(gamma),
      sv_by_feature_(std::move(sv_by_feature)),
      coef_(std::move(coef)),
      rho_(std::move(rho)) {
  check_internal(n_classes_ >= 2, "RbfDecision: needs two classes or more");
  for (size_t c = 0; c < n_classes_; ++c) {
    start_.push_back(n_sv_);
    count_.push_back(class_counts[c]);
    n_sv_ += class_counts[c];
  }
  check_internal(sv_by_feature_.size() == n_features_ * n_sv_ &&
                     coef_.size() == (n_classes_ - 1) * n_sv_ && rho_.size() == n_pairs(),
                 "RbfDecision: the parts' sizes do not match");
}

void RbfDecision::values(const double* row, double* out, std::vector<double>& kernel) const {
  kernel.resize(n_sv_);
  squared_distances(row, n_features_, sv_by_feature_.data(), n_sv_, kernel.data());
  for (double& k : kernel) k = std::exp(-gamma_ * k);
  // svm_predict_values: for the pair (i, j), the coefficients of class i's support vectors are
  // in sv_coef[j - 1] and those of class j's in sv_coef[i].
  size_t pair = 0;
  for (size_t i = 0; i < n_classes_; ++i) {
    for (size_t j = i + 1; j < n_classes_; ++j, ++pair) {
      const double* coef_i = coef_.data() + (j - 1) * n_sv_;
      const double* coef_j = coef_.data() + i * n_sv_;
      double sum = 0.0;
      for (size_t k = start_[i]; k < start_[i] + count_[i]; ++k) sum += coef_i[k] * kernel[k];
      for (size_t k = start_[j]; k < start_[j] + count_[j]; ++k) sum += coef_j[k] * kernel[k];
      out[pair] = sum - rho_[pair];
    }
  }
}

}  // namespace imbgen::classifiers_detail
