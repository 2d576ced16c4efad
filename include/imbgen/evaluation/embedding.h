// Two-dimensional pictures of real and synthetic rows: PCA (fit on the real rows) and t-SNE
// (van der Maaten & Hinton 2008; Barnes-Hut gradient, van der Maaten 2014), plus the
// trustworthiness score of an embedding (Venna & Kaski 2001, as scikit-learn defines it).
#pragma once

#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "imbgen/core/observer.h"
#include "imbgen/data/matrix.h"

namespace imbgen {

// ---- PCA ----

struct Pca {
  std::vector<double> mean;                      // [d], the fitted rows' column means
  Matrix components;                             // [n_components, d], unit rows, by variance
  std::vector<double> explained_variance;        // eigenvalues of the covariance (ddof = 1)
  std::vector<double> explained_variance_ratio;  // share of the total variance

  // (x - mean) projected on the components: [rows, n_components].
  Matrix transform(const Matrix& x) const;
};

// Principal components from the eigen-decomposition (cyclic Jacobi) of the covariance matrix,
// as scikit-learn's PCA up to each component's sign. Sign convention: the loading with the
// largest magnitude in each component is positive. Needs >= 2 rows and 1 <= n_components <= d.
Pca fit_pca(const Matrix& x, size_t n_components);

// ---- t-SNE ----

struct TsneConfig {
  double perplexity = 30.0;          // > 0; lowered to (rows - 1) / 3 for small inputs
  int iterations = 1000;             // total gradient steps, >= exaggeration_iterations
  double early_exaggeration = 12.0;  // > 0, applied for the first exaggeration_iterations
  int exaggeration_iterations = 250;
  double learning_rate = 0.0;  // 0 = "auto": max(rows / early_exaggeration / 4, 50), sklearn's
  // Barnes-Hut opening angle; 0 = the exact O(n^2) gradient. The default matches scikit-learn.
  double theta = 0.5;
  std::string init = "pca";  // "pca" (scaled so the first coordinate has std 1e-4) or "random"
  uint64_t seed = 42;        // random init
  int threads = 1;
  int kl_every = 50;  // record the KL divergence every this many iterations (>= 1)

  std::vector<std::string> problems() const;
  void validate() const;  // throws Error(kInvalidArgument) listing every problem
};

struct TsneResult {
  Matrix embedding;       // [rows, 2]
  double perplexity = 0;  // the perplexity used (after lowering for small inputs)
  // (iteration, KL(P || Q)) with the unexaggerated P; Q's normaliser is the one the gradient
  // computed (exact for theta = 0, the Barnes-Hut estimate otherwise).
  std::vector<std::pair<int, double>> kl_history;
  double kl_divergence = 0;  // at the last iteration
};

// Embeds the rows of x (already scaled as wanted) in 2 dimensions. P: Gaussian conditionals on
// the floor(3 * perplexity) + 1 nearest neighbours (every other row when theta = 0), each with its
// bandwidth found by bisection to match the perplexity, symmetrised and normalised. Optimisation
// as scikit-learn: momentum 0.5 during exaggeration then 0.8, per-parameter gains (+0.2 / x0.8,
// at least 0.01). Reports progress as task "t-SNE" every kl_every iterations. Needs >= 3 rows.
TsneResult tsne(const Matrix& x, const TsneConfig& config, Observer* observer = nullptr);

// Trustworthiness T(k) in [0, 1] of `low` as an embedding of `high` (same rows): how far the k
// nearest neighbours in the embedding rank among the original space's neighbours
// (sklearn.manifold.trustworthiness, Euclidean). Needs 1 <= k < rows / 2.
double trustworthiness(const Matrix& high, const Matrix& low, size_t k, int threads = 1);

}  // namespace imbgen
