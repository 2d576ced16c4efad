// SMOTE (Chawla, Bowyer, Hall and Kegelmeyer 2002, "SMOTE: Synthetic Minority Over-sampling
// Technique", JAIR 16): a new row lies on the segment between a class row and one of its k
// nearest neighbours of the same class.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "imbgen/generators/generator.h"

namespace imbgen {

struct SmoteConfig {
  // Neighbours per row, searched among the training rows of the same class (Euclidean distance
  // on the raw features, as imbalanced-learn). fit() needs at least k_neighbors + 1 rows per class.
  int k_neighbors = 5;

  // Every problem with the values, one line each; empty when valid.
  std::vector<std::string> problems() const;
  // Throws Error(kInvalidArgument) listing every problem.
  void validate() const;
  nlohmann::json to_json() const;
  // Missing keys take their defaults; unknown keys, wrong types and invalid values throw one
  // Error(kInvalidArgument) that lists them all.
  static SmoteConfig from_json(const nlohmann::json& j);
};

std::unique_ptr<Generator> make_smote(const SmoteConfig& config = {});

}  // namespace imbgen
