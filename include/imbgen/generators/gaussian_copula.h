// Gaussian copula over the empirical marginals (Nelsen 2006, "An Introduction to Copulas",
// Section 2.10; the categorical handling of the Synthetic Data Vault, Patki, Wedge and
// Veeramachaneni 2016): each column is mapped to a normal score through its own distribution,
// the scores' correlation is learned, and new rows are correlated normals mapped back.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "imbgen/generators/config.h"
#include "imbgen/generators/generator.h"

namespace imbgen {

// The model has no settings; the struct keeps the config shape of every family (an empty JSON
// object, unknown keys are errors).
struct GaussianCopulaConfig : ConfigBase<GaussianCopulaConfig> {
  static constexpr const char* kName = "gaussian_copula";

  template <class V>
  void visit(V&) {}
};

// Per class, from its rows (needs 2). Variables from FitOptions::spans (empty: every column
// numeric):
// - numeric column: its score is Phi^-1(rank / (n + 1)) (ties: average rank); a new value is
//   the empirical quantile at u = Phi(z), linear between the sorted values placed at
//   1/(n+1), ..., n/(n+1), and the smallest / largest value beyond them (never outside the
//   training range);
// - one-hot block (categorical column) and missing indicator (two categories, 0 and 1): each
//   category owns an interval of [0, 1) as wide as its frequency in the class, in column order;
//   a row's score is Phi^-1 of its category's interval midpoint; a new row takes the category
//   whose interval holds u (a category absent from the class is never drawn), written back as
//   a one-hot vector (or 0/1).
// The correlation of the scores (Pearson; a constant variable is uncorrelated) is shrunk toward
// the identity only as far as needed for a Cholesky factor. Throws Error(kInvalidArgument) when
// the spans do not tile x's columns or a class has fewer than 2 rows. history(): per class, its
// rows and variables.
inline std::unique_ptr<Generator> make_gaussian_copula(const GaussianCopulaConfig& config = {}) {
  return make_generator(GaussianCopulaConfig::kName, config.to_json());
}

}  // namespace imbgen
