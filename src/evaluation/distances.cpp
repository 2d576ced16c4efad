// Brute-force nearest neighbours, RBF maximum mean discrepancy with a permutation test, and
// precision/recall/density/coverage (Naeem et al. 2020). Inputs are a few thousand rows, where a
// tidy O(n^2 d) loop over rows beats building a tree (d is ~30, where trees degrade anyway).
#include "imbgen/evaluation/distances.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>

#include "evaluation/common.h"
#include "evaluation/parallel.h"
#include "imbgen/core/error.h"
#include "imbgen/core/rng.h"

namespace imbgen {

using evaluation_detail::check_same_columns;
using evaluation_detail::squared_distance;

Neighbours nearest_neighbours(const Matrix& query, const Matrix& reference, size_t k, bool same_set,
                              int threads) {
  check_same_columns(query, reference, "nearest_neighbours");
  if (k == 0) throw Error(ErrorKind::kInvalidArgument, "nearest_neighbours: k must be >= 1");
  const size_t candidates =
      same_set ? (reference.rows > 0 ? reference.rows - 1 : 0) : reference.rows;
  if (candidates < k) {
    throw Error(ErrorKind::kInvalidArgument,
                "nearest_neighbours: k = " + std::to_string(k) + " needs at least " +
                    std::to_string(same_set ? k + 1 : k) + " reference rows, got " +
                    std::to_string(reference.rows));
  }
  Neighbours out;
  out.k = k;
  out.distances.assign(query.rows * k, 0.0);
  out.indices.assign(query.rows * k, 0);
  const size_t d = query.cols;
  parallel_for(query.rows, threads, [&](size_t begin, size_t end) {
    std::vector<double> best(k);
    std::vector<size_t> best_index(k);
    for (size_t i = begin; i < end; ++i) {
      size_t filled = 0;
      const double* q = query.row(i);
      for (size_t j = 0; j < reference.rows; ++j) {
        if (same_set && j == i) continue;
        const double s = squared_distance(q, reference.row(j), d);
        if (filled == k && s >= best[k - 1]) continue;
        // Insert after every entry <= s, so earlier (lower) indices win ties.
        size_t pos = filled < k ? filled : k - 1;
        while (pos > 0 && best[pos - 1] > s) {
          best[pos] = best[pos - 1];
          best_index[pos] = best_index[pos - 1];
          --pos;
        }
        best[pos] = s;
        best_index[pos] = j;
        if (filled < k) ++filled;
      }
      for (size_t t = 0; t < k; ++t) {
        out.distances[i * k + t] = std::sqrt(best[t]);
        out.indices[i * k + t] = best_index[t];
      }
    }
  });
  return out;
}

MmdResult mmd_rbf(const Matrix& x, const Matrix& y, size_t permutations, uint64_t seed,
                  double bandwidth, int threads) {
  check_same_columns(x, y, "mmd_rbf");
  if (x.rows < 2 || y.rows < 2) {
    throw Error(ErrorKind::kInvalidArgument, "mmd_rbf: each sample needs at least 2 rows, got " +
                                                 std::to_string(x.rows) + " and " +
                                                 std::to_string(y.rows));
  }
  const Matrix z = Matrix::vstack(x, y);
  const size_t n = z.rows;
  const size_t m = x.rows;
  // Squared distances of the pooled rows, then (in place) kernel values. [n, n], symmetric.
  std::vector<double> kernel(n * n, 0.0);
  parallel_for(n, threads, [&](size_t begin, size_t end) {
    for (size_t i = begin; i < end; ++i) {
      for (size_t j = 0; j < n; ++j) {
        kernel[i * n + j] = i == j ? 0.0 : squared_distance(z.row(i), z.row(j), z.cols);
      }
    }
  });
  MmdResult result;
  if (bandwidth > 0.0) {
    result.bandwidth = bandwidth;
  } else {
    std::vector<double> upper;
    upper.reserve(n * (n - 1) / 2);
    for (size_t i = 0; i < n; ++i) {
      for (size_t j = i + 1; j < n; ++j) upper.push_back(kernel[i * n + j]);
    }
    // Median of squared distances = square of the median distance (monotone), except for the
    // mean of the two middle values when the count is even: take sqrt first.
    const size_t mid = upper.size() / 2;
    std::nth_element(upper.begin(), upper.begin() + static_cast<long>(mid), upper.end());
    double median = std::sqrt(upper[mid]);
    if (upper.size() % 2 == 0) {
      const double below = *std::max_element(upper.begin(), upper.begin() + static_cast<long>(mid));
      median = 0.5 * (median + std::sqrt(below));
    }
    result.bandwidth = median > 0.0 ? median : 1.0;
  }
  const double inv = 1.0 / (2.0 * result.bandwidth * result.bandwidth);
  double total = 0.0;  // sum over i != j
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = 0; j < n; ++j) {
      double& v = kernel[i * n + j];
      v = i == j ? 0.0 : std::exp(-v * inv);
      total += v;
    }
  }

  // Sum of the kernel over ordered pairs i != j inside one group.
  auto within = [&](const std::vector<size_t>& group) {
    double s = 0.0;
    for (size_t a : group) {
      const double* row = kernel.data() + a * n;
      for (size_t b : group) s += row[b];
    }
    return s;
  };
  const double mm = static_cast<double>(m);
  const double nn = static_cast<double>(n - m);
  auto statistic = [&](const std::vector<size_t>& order) {
    const std::vector<size_t> gx(order.begin(), order.begin() + static_cast<long>(m));
    const std::vector<size_t> gy(order.begin() + static_cast<long>(m), order.end());
    const double sxx = within(gx);
    const double syy = within(gy);
    const double sxy = 0.5 * (total - sxx - syy);
    return sxx / (mm * (mm - 1.0)) + syy / (nn * (nn - 1.0)) - 2.0 * sxy / (mm * nn);
  };
  std::vector<size_t> identity(n);
  std::iota(identity.begin(), identity.end(), size_t{0});
  result.mmd2 = statistic(identity);
  result.permutations = permutations;
  std::vector<int> exceed(permutations, 0);
  const Rng base(seed);
  parallel_for(permutations, threads, [&](size_t begin, size_t end) {
    for (size_t p = begin; p < end; ++p) {
      Rng rng = base.derive(p);
      std::vector<size_t> order = identity;
      rng.shuffle(order);
      // A tiny tolerance so permutations that only reorder equal sums count as ">=".
      exceed[p] = statistic(order) >= result.mmd2 - 1e-12 ? 1 : 0;
    }
  });
  const double count = std::accumulate(exceed.begin(), exceed.end(), 0.0);
  result.pvalue = (1.0 + count) / (1.0 + static_cast<double>(permutations));
  return result;
}

Prdc prdc(const Matrix& real, const Matrix& fake, size_t k, int threads) {
  check_same_columns(real, fake, "prdc");
  if (real.rows <= k || fake.rows <= k) {
    throw Error(ErrorKind::kInvalidArgument, "prdc: k = " + std::to_string(k) +
                                                 " needs more than k rows in each set, got " +
                                                 std::to_string(real.rows) + " real and " +
                                                 std::to_string(fake.rows) + " fake rows");
  }
  const Neighbours real_nn = nearest_neighbours(real, real, k, true, threads);
  const Neighbours fake_nn = nearest_neighbours(fake, fake, k, true, threads);
  std::vector<double> real_radius(real.rows), fake_radius(fake.rows);
  for (size_t i = 0; i < real.rows; ++i) real_radius[i] = real_nn.distances[i * k + k - 1];
  for (size_t j = 0; j < fake.rows; ++j) fake_radius[j] = fake_nn.distances[j * k + k - 1];
  const size_t d = real.cols;

  // Per fake row: inside any real ball (precision), and in how many (density).
  std::vector<int> in_some_real_ball(fake.rows, 0);
  std::vector<size_t> real_balls(fake.rows, 0);
  parallel_for(fake.rows, threads, [&](size_t begin, size_t end) {
    for (size_t j = begin; j < end; ++j) {
      for (size_t i = 0; i < real.rows; ++i) {
        const double dist = std::sqrt(squared_distance(fake.row(j), real.row(i), d));
        if (dist < real_radius[i]) ++real_balls[j];
      }
      in_some_real_ball[j] = real_balls[j] > 0 ? 1 : 0;
    }
  });
  // Per real row: inside any fake ball (recall), and its own ball holds a fake row (coverage).
  std::vector<int> in_some_fake_ball(real.rows, 0), covered(real.rows, 0);
  parallel_for(real.rows, threads, [&](size_t begin, size_t end) {
    for (size_t i = begin; i < end; ++i) {
      double nearest_fake = INFINITY;
      for (size_t j = 0; j < fake.rows; ++j) {
        const double dist = std::sqrt(squared_distance(real.row(i), fake.row(j), d));
        if (dist < fake_radius[j]) in_some_fake_ball[i] = 1;
        nearest_fake = std::min(nearest_fake, dist);
      }
      covered[i] = nearest_fake < real_radius[i] ? 1 : 0;
    }
  });
  const double nr = static_cast<double>(real.rows);
  const double nf = static_cast<double>(fake.rows);
  Prdc out;
  out.precision = std::accumulate(in_some_real_ball.begin(), in_some_real_ball.end(), 0.0) / nf;
  out.recall = std::accumulate(in_some_fake_ball.begin(), in_some_fake_ball.end(), 0.0) / nr;
  out.density =
      static_cast<double>(std::accumulate(real_balls.begin(), real_balls.end(), size_t{0})) /
      (static_cast<double>(k) * nf);
  out.coverage = std::accumulate(covered.begin(), covered.end(), 0.0) / nr;
  return out;
}

}  // namespace imbgen
