// ADASYN (He, Bai, Garcia and Li 2008, "ADASYN: Adaptive Synthetic Sampling Approach for
// Imbalanced Learning", IJCNN): SMOTE whose rows per class row grow with the share of other
// classes among that row's nearest neighbours, so hard-to-learn rows get more synthetic rows.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "imbgen/generators/config.h"
#include "imbgen/generators/generator.h"

namespace imbgen {

struct AdasynConfig : ConfigBase<AdasynConfig> {
  static constexpr const char* kName = "adasyn";

  int n_neighbors = 5;

  // Neighbours (imbalanced-learn's n_neighbors): among all training rows to weigh each class row
  // (r_i = rows of other classes among its n_neighbors nearest / n_neighbors), and among the
  // class rows to build new rows (x + u (x_nn - x), u ~ U[0, 1)).
  template <class V>
  void visit(V& v) {
    v("n_neighbors", n_neighbors, in_range(1, 1000),
      "neighbours that weigh each class row (among all rows) and build new rows (among the "
      "class rows)");
  }
};

// fit() sees every training row and treats all columns as numeric (one-hot blocks are
// interpolated like numbers). Needs n_neighbors + 1 rows of the class; throws
// Error(kInvalidArgument) when no class row has a neighbour of another class (every r_i = 0, the
// division by zero imbalanced-learn also refuses). sample(c, n) gives row i of the class
// g_i = n r_i / sum r rows (largest remainders, so the counts add up to exactly n, where
// imbalanced-learn's np.rint may miss n), in class row order: the first g_0 rows come from class
// row 0, the next g_1 from class row 1, ... history(): per class, its rows and how many have a
// neighbour of another class.
inline std::unique_ptr<Generator> make_adasyn(const AdasynConfig& config = {}) {
  return make_generator(AdasynConfig::kName, config.to_json());
}

}  // namespace imbgen
