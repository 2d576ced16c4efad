// Borderline-SMOTE (Han, Wang and Mao 2005, "Borderline-SMOTE: A New Over-Sampling Method in
// Imbalanced Data Sets Learning", ICIC): SMOTE from the class rows on the border only, the
// "danger" rows whose m nearest rows are at least half, but not all, of other classes.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "imbgen/generators/generator.h"

namespace imbgen {

struct BorderlineSmoteConfig {
  // Neighbours used to build new rows (as SMOTE's k).
  int k_neighbors = 5;
  // Neighbours, among all training rows of every class, that decide whether a class row is in
  // danger: m/2 <= (rows of other classes among them) < m. All m of other classes: noise, skipped.
  int m_neighbors = 10;
  // 1: a new row lies between a danger row and one of its k nearest rows of the same class,
  //    x + u (x_nn - x), u ~ U[0, 1).
  // 2: the k nearest rows among all rows; toward a row of another class the step is halved,
  //    u ~ U[0, 0.5), so the new row stays nearer the class (the paper's borderline-SMOTE2, as
  //    imbalanced-learn >= 0.11 searches the neighbours; 0.10 indexed the wrong rows).
  int kind = 1;

  std::vector<std::string> problems() const;
  void validate() const;  // throws Error(kInvalidArgument) listing every problem
  nlohmann::json to_json() const;
  // Missing keys take their defaults; unknown keys, wrong types and invalid values throw one
  // Error(kInvalidArgument) that lists them all.
  static BorderlineSmoteConfig from_json(const nlohmann::json& j);
};

// fit() sees every training row (the danger test needs the other classes) and treats all columns
// as numeric (one-hot blocks are interpolated like numbers; the caller's inverse transform takes
// the argmax). Needs k_neighbors + 1 rows of the class and m_neighbors + 1 rows in all; throws
// Error(kInvalidArgument) when a class has no danger row (naming its safe and noise counts):
// imbalanced-learn would silently add nothing. sample(c, n) spreads n rows uniformly over the
// (danger row, neighbour) pairs. history(): per class, its rows and danger/safe/noise counts.
std::unique_ptr<Generator> make_borderline_smote(const BorderlineSmoteConfig& config = {});

}  // namespace imbgen
