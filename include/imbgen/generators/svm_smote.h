// SVM-SMOTE (Nguyen, Cooper and Kamei 2011, "Borderline over-sampling for imbalanced data
// classification", IJKESDP 3(1)): SMOTE from the class's support vectors of an RBF SVM trained
// on all rows: interpolation toward class neighbours where the border is contested, extrapolation
// away from them where the class is safe.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "imbgen/generators/config.h"
#include "imbgen/generators/generator.h"

namespace imbgen {

// The SVM: libsvm C-SVC, RBF kernel, gamma = 1 / (n_features * variance of all values of x)
// (scikit-learn's gamma="scale", as imbalanced-learn's default SVC), penalty svm_c, on x as given
// (not rescaled). max_svm_rows = 0 trains it on every row (as imbalanced-learn); otherwise, when x
// has more rows, every row of the modelled classes is kept and a seeded uniform sample of the
// other rows fills up to max_svm_rows (kernel SVM training grows quadratically or worse in the
// rows: about 5 s on the 28,313 training rows of the bundled credit card data).
struct SvmSmoteConfig : ConfigBase<SvmSmoteConfig> {
  static constexpr const char* kName = "svm_smote";

  int k_neighbors = 5;
  int m_neighbors = 10;
  double out_step = 0.5;
  double svm_c = 1.0;
  int max_svm_rows = 0;

  template <class V>
  void visit(V& v) {
    v("k_neighbors", k_neighbors, in_range(1, 1000),
      "class neighbours of each support vector used to build new rows");
    v("m_neighbors", m_neighbors, in_range(1, 1000),
      "neighbours among all rows that classify a support vector: all of other classes -> noise "
      "(dropped); at least m/2 -> danger (interpolation); fewer -> safe (extrapolation)");
    v("out_step", out_step, in_range(0, 1),
      "extrapolation from a safe support vector x away from its neighbour: "
      "x - out_step * u * (x_nn - x), u ~ U[0, 1)");
    v("svm_c", svm_c, positive(), "penalty C of the RBF C-SVC");
    v("max_svm_rows", max_svm_rows, at_least(0, "0 = every row"),
      "rows the SVM is trained on: every row of the modelled classes and a seeded sample of the "
      "others, at least 100");
    v.rule([this](std::vector<std::string>& p) {
      if (max_svm_rows > 0 && max_svm_rows < 100) {
        p.push_back("max_svm_rows must be 0 (every row) or at least 100, got " +
                    std::to_string(max_svm_rows));
      }
    });
  }
};

// fit() sees every training row and treats all columns as numeric (one-hot blocks are
// interpolated like numbers). One SVM serves every class in options.classes (one-vs-one inside
// libsvm). Needs k_neighbors + 1 rows of the class and m_neighbors + 1 rows in all; throws
// Error(kInvalidArgument) when a class has no support vector left after dropping the noise ones.
// sample(c, n): a fraction f ~ Beta(10, 10) of the rows, floor(f (n + 1)) capped at n, from the
// danger support vectors, the rest from the safe ones (all n from one kind when the other is
// empty; imbalanced-learn then returns fewer than asked). history(): per class, its rows and
// support vector counts (danger, safe, noise).
inline std::unique_ptr<Generator> make_svm_smote(const SvmSmoteConfig& config = {}) {
  return make_generator(SvmSmoteConfig::kName, config.to_json());
}

}  // namespace imbgen
