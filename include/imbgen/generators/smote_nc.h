// SMOTE-NC (Chawla, Bowyer, Hall and Kegelmeyer 2002, "SMOTE: Synthetic Minority Over-sampling
// Technique", JAIR 16, Section 6.1): SMOTE for tables with numeric and categorical columns.
// Numeric columns are interpolated as in SMOTE; a categorical column takes the value most
// frequent among the k nearest neighbours; distances charge a difference in a category.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "imbgen/generators/config.h"
#include "imbgen/generators/generator.h"

namespace imbgen {

struct SmoteNcConfig : ConfigBase<SmoteNcConfig> {
  static constexpr const char* kName = "smote_nc";

  int k_neighbors = 5;

  template <class V>
  void visit(V& v) {
    v("k_neighbors", k_neighbors, in_range(1, 1000),
      "neighbours per class row, searched among the rows of the same class");
  }
};

// Reads FitOptions::spans: one-hot spans are the categorical columns, every other column
// (numeric, missing indicator) is numeric. As imbalanced-learn 0.10: the penalty Med is the
// median of the standard deviations (ddof 0) of the class's numeric columns (kNumeric spans);
// for the neighbour search a one-hot 1 becomes Med / 2, so two rows that differ in one category
// are Med^2 / 2 apart in squared distance; a new row's category in each block is the one most
// frequent among the k neighbours of its base row (ties: a seeded random choice among the most
// frequent), written back as a one-hot vector. The median is taken per modelled class
// (imbalanced-learn takes the smallest class's for every class; the same for two classes).
// Without a one-hot span it is SMOTE, with the same rows as "smote" for the same seed. Throws
// Error(kInvalidArgument) when the spans do not tile x's columns, when every column is
// categorical (SMOTE-NC needs a numeric column), and for a class with fewer than k_neighbors + 1
// rows. history(): per class, its rows and Med.
inline std::unique_ptr<Generator> make_smote_nc(const SmoteNcConfig& config = {}) {
  return make_generator(SmoteNcConfig::kName, config.to_json());
}

}  // namespace imbgen
