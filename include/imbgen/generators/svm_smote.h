// SVM-SMOTE (Nguyen, Cooper and Kamei 2011, "Borderline over-sampling for imbalanced data
// classification", IJKESDP 3(1)): SMOTE from the class's support vectors of an RBF SVM trained
// on all rows: interpolation toward class neighbours where the border is contested, extrapolation
// away from them where the class is safe.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "imbgen/generators/generator.h"

namespace imbgen {

struct SvmSmoteConfig {
  // Class neighbours of each support vector used to build new rows.
  int k_neighbors = 5;
  // Neighbours among all rows that classify a support vector: all m of other classes -> noise
  // (dropped); at least m/2 -> danger (interpolation); fewer -> safe (extrapolation).
  int m_neighbors = 10;
  // Extrapolation from a safe support vector x away from its neighbour x_nn:
  // x - out_step * u * (x_nn - x), u ~ U[0, 1). In [0, 1].
  double out_step = 0.5;
  // The SVM: libsvm C-SVC, RBF kernel, gamma = 1 / (n_features * variance of all values of x)
  // (scikit-learn's gamma="scale", as imbalanced-learn's default SVC), penalty svm_c, on x as
  // given (not rescaled).
  double svm_c = 1.0;
  // 0: train the SVM on every row (as imbalanced-learn). Otherwise, when x has more rows, every
  // row of the modelled classes is kept and a seeded uniform sample of the other rows fills up to
  // max_svm_rows (kernel SVM training grows quadratically or worse in the rows: about 5 s on the
  // 28,313 training rows of the bundled credit card data).
  int max_svm_rows = 0;

  std::vector<std::string> problems() const;
  void validate() const;  // throws Error(kInvalidArgument) listing every problem
  nlohmann::json to_json() const;
  // Missing keys take their defaults; unknown keys, wrong types and invalid values throw one
  // Error(kInvalidArgument) that lists them all.
  static SvmSmoteConfig from_json(const nlohmann::json& j);
};

// fit() sees every training row and treats all columns as numeric (one-hot blocks are
// interpolated like numbers). One SVM serves every class in options.classes (one-vs-one inside
// libsvm). Needs k_neighbors + 1 rows of the class and m_neighbors + 1 rows in all; throws
// Error(kInvalidArgument) when a class has no support vector left after dropping the noise ones.
// sample(c, n): a fraction f ~ Beta(10, 10) of the rows, floor(f (n + 1)) capped at n, from the
// danger support vectors, the rest from the safe ones (all n from one kind when the other is
// empty; imbalanced-learn then returns fewer than asked). history(): per class, its rows and
// support vector counts (danger, safe, noise).
std::unique_ptr<Generator> make_svm_smote(const SvmSmoteConfig& config = {});

}  // namespace imbgen
