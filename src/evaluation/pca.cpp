// PCA by the eigen-decomposition of the covariance matrix (cyclic Jacobi rotations: d is a few
// dozen columns, where Jacobi is simple, robust and accurate to rounding), and the
// trustworthiness score of an embedding.
#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>

#include "evaluation/common.h"
#include "evaluation/parallel.h"
#include "imbgen/core/error.h"
#include "imbgen/evaluation/distances.h"
#include "imbgen/evaluation/embedding.h"

namespace imbgen {
namespace {

// Eigenvalues (returned) and eigenvectors (columns of `vectors`) of the symmetric matrix `a`
// [d, d], by cyclic Jacobi sweeps until the off-diagonal mass is negligible.
std::vector<double> jacobi_eigen(Matrix a, Matrix& vectors) {
  const size_t d = a.rows;
  vectors = Matrix(d, d, 0.0);
  for (size_t i = 0; i < d; ++i) vectors(i, i) = 1.0;
  double scale = 0.0;
  for (double v : a.data) scale += v * v;
  for (int sweep = 0; sweep < 100; ++sweep) {
    double off = 0.0;
    for (size_t p = 0; p < d; ++p) {
      for (size_t q = p + 1; q < d; ++q) off += a(p, q) * a(p, q);
    }
    if (off <= 1e-30 * scale || off == 0.0) break;
    for (size_t p = 0; p < d; ++p) {
      for (size_t q = p + 1; q < d; ++q) {
        const double apq = a(p, q);
        if (apq == 0.0) continue;
        // Rotation angle that zeroes a(p, q) (Golub & Van Loan, Algorithm 8.4.1).
        const double tau = (a(q, q) - a(p, p)) / (2.0 * apq);
        const double t = (tau >= 0 ? 1.0 : -1.0) / (std::abs(tau) + std::sqrt(1.0 + tau * tau));
        const double c = 1.0 / std::sqrt(1.0 + t * t);
        const double s = t * c;
        for (size_t k = 0; k < d; ++k) {  // columns p and q
          const double akp = a(k, p), akq = a(k, q);
          a(k, p) = c * akp - s * akq;
          a(k, q) = s * akp + c * akq;
        }
        for (size_t k = 0; k < d; ++k) {  // rows p and q
          const double apk = a(p, k), aqk = a(q, k);
          a(p, k) = c * apk - s * aqk;
          a(q, k) = s * apk + c * aqk;
        }
        for (size_t k = 0; k < d; ++k) {
          const double vkp = vectors(k, p), vkq = vectors(k, q);
          vectors(k, p) = c * vkp - s * vkq;
          vectors(k, q) = s * vkp + c * vkq;
        }
      }
    }
  }
  std::vector<double> values(d);
  for (size_t i = 0; i < d; ++i) values[i] = a(i, i);
  return values;
}

}  // namespace

Matrix Pca::transform(const Matrix& x) const {
  if (x.cols != mean.size()) {
    throw Error(ErrorKind::kInvalidArgument, "Pca::transform: expected " +
                                                 std::to_string(mean.size()) + " columns, got " +
                                                 std::to_string(x.cols));
  }
  Matrix out(x.rows, components.rows, 0.0);
  for (size_t i = 0; i < x.rows; ++i) {
    for (size_t c = 0; c < components.rows; ++c) {
      double s = 0.0;
      for (size_t j = 0; j < x.cols; ++j) s += (x(i, j) - mean[j]) * components(c, j);
      out(i, c) = s;
    }
  }
  return out;
}

Pca fit_pca(const Matrix& x, size_t n_components) {
  if (x.rows < 2) {
    throw Error(ErrorKind::kInvalidArgument,
                "fit_pca: needs at least 2 rows, got " + std::to_string(x.rows));
  }
  if (n_components < 1 || n_components > x.cols) {
    throw Error(ErrorKind::kInvalidArgument, "fit_pca: n_components must be in [1, " +
                                                 std::to_string(x.cols) + "], got " +
                                                 std::to_string(n_components));
  }
  const size_t d = x.cols;
  Pca pca;
  pca.mean.assign(d, 0.0);
  for (size_t i = 0; i < x.rows; ++i) {
    for (size_t j = 0; j < d; ++j) pca.mean[j] += x(i, j);
  }
  for (double& m : pca.mean) m /= static_cast<double>(x.rows);
  Matrix cov(d, d, 0.0);
  std::vector<double> c(d);
  for (size_t i = 0; i < x.rows; ++i) {
    for (size_t j = 0; j < d; ++j) c[j] = x(i, j) - pca.mean[j];
    for (size_t a = 0; a < d; ++a) {
      for (size_t b = a; b < d; ++b) cov(a, b) += c[a] * c[b];
    }
  }
  for (size_t a = 0; a < d; ++a) {
    for (size_t b = a; b < d; ++b) {
      cov(a, b) /= static_cast<double>(x.rows - 1);
      cov(b, a) = cov(a, b);
    }
  }
  Matrix vectors;
  const std::vector<double> values = jacobi_eigen(cov, vectors);
  std::vector<size_t> order(d);
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t p, size_t q) { return values[p] > values[q]; });
  double total = 0.0;
  for (double v : values) total += std::max(0.0, v);
  pca.components = Matrix(n_components, d, 0.0);
  for (size_t c2 = 0; c2 < n_components; ++c2) {
    const size_t col = order[c2];
    size_t biggest = 0;
    for (size_t j = 0; j < d; ++j) {
      if (std::abs(vectors(j, col)) > std::abs(vectors(biggest, col))) biggest = j;
    }
    const double sign = vectors(biggest, col) < 0.0 ? -1.0 : 1.0;
    for (size_t j = 0; j < d; ++j) pca.components(c2, j) = sign * vectors(j, col);
    const double v = std::max(0.0, values[col]);
    pca.explained_variance.push_back(v);
    pca.explained_variance_ratio.push_back(total > 0.0 ? v / total : 0.0);
  }
  return pca;
}

double trustworthiness(const Matrix& high, const Matrix& low, size_t k, int threads) {
  if (high.rows != low.rows) {
    throw Error(ErrorKind::kInvalidArgument,
                "trustworthiness: the two matrices must hold the same rows, got " +
                    std::to_string(high.rows) + " and " + std::to_string(low.rows));
  }
  const size_t n = high.rows;
  if (k < 1 || 2 * k >= n) {
    throw Error(ErrorKind::kInvalidArgument,
                "trustworthiness: k must satisfy 1 <= k < rows / 2, got k = " + std::to_string(k) +
                    " for " + std::to_string(n) + " rows");
  }
  const Neighbours embedded = nearest_neighbours(low, low, k, true, threads);
  std::vector<double> penalty(n, 0.0);
  parallel_for(n, threads, [&](size_t begin, size_t end) {
    std::vector<double> dist(n);
    for (size_t i = begin; i < end; ++i) {
      for (size_t l = 0; l < n; ++l) {
        dist[l] = evaluation_detail::squared_distance(high.row(i), high.row(l), high.cols);
      }
      for (size_t t = 0; t < k; ++t) {
        const size_t j = embedded.indices[i * k + t];
        // Rank of j among i's neighbours in the original space (1 = nearest).
        size_t rank = 1;
        for (size_t l = 0; l < n; ++l) {
          if (l != i && dist[l] < dist[j]) ++rank;
        }
        if (rank > k) penalty[i] += static_cast<double>(rank - k);
      }
    }
  });
  const double total = std::accumulate(penalty.begin(), penalty.end(), 0.0);
  const double dn = static_cast<double>(n), dk = static_cast<double>(k);
  return 1.0 - total * 2.0 / (dn * dk * (2.0 * dn - 3.0 * dk - 1.0));
}

}  // namespace imbgen
