// SMOTE (Chawla, Bowyer, Hall and Kegelmeyer 2002, "SMOTE: Synthetic Minority Over-sampling
// Technique", JAIR 16): a new row lies on the segment between a class row and one of its k
// nearest neighbours of the same class.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "imbgen/generators/config.h"
#include "imbgen/generators/generator.h"

namespace imbgen {

struct SmoteConfig : ConfigBase<SmoteConfig> {
  static constexpr const char* kName = "smote";

  int k_neighbors = 5;

  template <class V>
  void visit(V& v) {
    v("k_neighbors", k_neighbors, in_range(1, 1000),
      "neighbours per row among the training rows of the same class (Euclidean distance on the "
      "raw features, as imbalanced-learn); fit() needs k_neighbors + 1 rows per class");
  }
};

inline std::unique_ptr<Generator> make_smote(const SmoteConfig& config = {}) {
  return make_generator(SmoteConfig::kName, config.to_json());
}

}  // namespace imbgen
