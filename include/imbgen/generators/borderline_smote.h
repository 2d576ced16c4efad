// Borderline-SMOTE (Han, Wang and Mao 2005, "Borderline-SMOTE: A New Over-Sampling Method in
// Imbalanced Data Sets Learning", ICIC): SMOTE from the class rows on the border only, the
// "danger" rows whose m nearest rows are at least half, but not all, of other classes.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "imbgen/generators/config.h"
#include "imbgen/generators/generator.h"

namespace imbgen {

// kind 1: a new row lies between a danger row and one of its k nearest rows of the same class,
//   x + u (x_nn - x), u ~ U[0, 1).
// kind 2: the k nearest rows among all rows; toward a row of another class the step is halved,
//   u ~ U[0, 0.5), so the new row stays nearer the class (the paper's borderline-SMOTE2, as
//   imbalanced-learn >= 0.11 searches the neighbours; 0.10 indexed the wrong rows).
struct BorderlineSmoteConfig : ConfigBase<BorderlineSmoteConfig> {
  static constexpr const char* kName = "borderline_smote";

  int k_neighbors = 5;
  int m_neighbors = 10;
  int kind = 1;

  template <class V>
  void visit(V& v) {
    v("k_neighbors", k_neighbors, in_range(1, 1000), "neighbours used to build new rows");
    v("m_neighbors", m_neighbors, in_range(1, 1000),
      "neighbours among all training rows that decide whether a class row is in danger: "
      "m/2 <= (rows of other classes among them) < m; all m of other classes: noise, skipped");
    v("kind", kind, Choices{{1, 2}, "1 (borderline-SMOTE1) or 2 (borderline-SMOTE2)"},
      "1: interpolate toward class neighbours; 2: toward any neighbour, half a step toward "
      "another class");
  }
};

// fit() sees every training row (the danger test needs the other classes) and treats all columns
// as numeric (one-hot blocks are interpolated like numbers; the caller's inverse transform takes
// the argmax). Needs k_neighbors + 1 rows of the class and m_neighbors + 1 rows in all; throws
// Error(kInvalidArgument) when a class has no danger row (naming its safe and noise counts):
// imbalanced-learn would silently add nothing. sample(c, n) spreads n rows uniformly over the
// (danger row, neighbour) pairs. history(): per class, its rows and danger/safe/noise counts.
inline std::unique_ptr<Generator> make_borderline_smote(const BorderlineSmoteConfig& config = {}) {
  return make_generator(BorderlineSmoteConfig::kName, config.to_json());
}

}  // namespace imbgen
