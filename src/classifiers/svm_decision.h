// Decision values of a trained libsvm C-SVC model with an RBF kernel, bit for bit the values of
// libsvm's svm_predict_values, but computed several times faster.
//
// libsvm evaluates the kernel of a row with each support vector by walking two sparse node lists
// (a branch per feature) and takes the pairwise sums one row at a time; in an `imbgen benchmark`
// of the bundled data that walk was a sixth of the whole run. Here the support vectors are stored
// feature by feature, so that the squared distances of one row to all of them are a loop over
// the support vectors that vectorises (vector_clones.h). Every value is computed in libsvm's
// order: the squared distance summed over the features in index order (a feature absent from
// libsvm's sparse row is a 0, and (x - 0)^2 = x * x exactly), then exp(-gamma * sum) from the C
// library, then the class pairs' sums of coefficient times kernel in support vector order, minus
// rho. The file is compiled with -ffp-contract=off (classifiers/CMakeLists.txt), so that no copy
// fuses a multiply and an add that libsvm rounds twice.
#pragma once

#include <libsvm/svm.h>

#include <cstddef>
#include <vector>

namespace imbgen::classifiers_detail {

class RbfDecision {
 public:
  RbfDecision() = default;
  // Copies what it needs from `model` (C-SVC, RBF kernel, features 1..n_features); the model may
  // be freed afterwards.
  RbfDecision(const svm_model& model, size_t n_features);
  // The same from the parts of a model: the support vectors grouped by class, class_counts[c] of
  // class c, stored feature by feature ([n_features, n_sv]); coef and rho laid out as libsvm's
  // (below).
  RbfDecision(size_t n_features, double gamma, const std::vector<size_t>& class_counts,
              std::vector<double> sv_by_feature, std::vector<double> coef, std::vector<double> rho);

  size_t n_features() const { return n_features_; }
  // Class pairs (a, b), a < b in libsvm's class order: (0, 1), (0, 2), ..., (1, 2), ...
  size_t n_pairs() const { return n_classes_ * (n_classes_ - 1) / 2; }

  // The decision values of one row of n_features() values into out[0, n_pairs()); positive means
  // the pair's first class. `kernel` is scratch space, resized as needed (reuse it across rows).
  void values(const double* row, double* out, std::vector<double>& kernel) const;

 private:
  size_t n_features_ = 0;
  size_t n_sv_ = 0;
  size_t n_classes_ = 0;
  double gamma_ = 0.0;
  // [n_features, n_sv]: feature j of support vector s at j * n_sv + s.
  std::vector<double> sv_by_feature_;
  // [n_classes - 1, n_sv]: libsvm's sv_coef. For the pair (i, j), class i's coefficients are in
  // row j - 1 and class j's in row i.
  std::vector<double> coef_;
  std::vector<double> rho_;            // [n_pairs]
  std::vector<size_t> start_, count_;  // each class's support vectors: [start, start + count)
};

}  // namespace imbgen::classifiers_detail
