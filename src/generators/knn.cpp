// Exact k nearest neighbours by blocked brute force with pruning. Eight queries are scored
// together against each data row (their columns interleaved, so the inner loop vectorises), and a
// data row is dropped as soon as its partial squared distance exceeds the current k-th best of
// every query of the tile (partial sums only grow, so the pruning is exact). Columns are summed in
// order of decreasing variance, so the partial sums grow fastest, and the data rows are visited
// outwards from the tile along the widest column, nearest first, until the rows left on each side
// are too far in that column alone: on tables in original units (a time, an amount) a query
// scores a small share of the rows.
#include "knn.h"

#include <algorithm>
#include <array>
#include <functional>
#include <limits>
#include <numeric>
#include <thread>

#include "imbgen/core/error.h"

namespace imbgen {
namespace {

constexpr size_t kTile = 8;        // queries scored together
constexpr size_t kCheckEvery = 4;  // columns between two pruning checks
constexpr double kInf = std::numeric_limits<double>::infinity();

// Column indices by decreasing variance over the data rows (ties: the lower index).
std::vector<size_t> column_order(const Matrix& data) {
  const size_t d = data.cols;
  std::vector<double> mean(d, 0.0), var(d, 0.0);
  for (size_t i = 0; i < data.rows; ++i) {
    const double* x = data.row(i);
    for (size_t c = 0; c < d; ++c) mean[c] += x[c];
  }
  for (double& m : mean) m /= static_cast<double>(std::max<size_t>(data.rows, 1));
  for (size_t i = 0; i < data.rows; ++i) {
    const double* x = data.row(i);
    for (size_t c = 0; c < d; ++c) var[c] += (x[c] - mean[c]) * (x[c] - mean[c]);
  }
  std::vector<size_t> order(d);
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return var[a] > var[b]; });
  return order;
}

// The data rows sorted by the first column of `order` (the widest), and a copy of them in that
// order with their columns in `order`, so that a walk along the sorted rows reads memory in
// sequence: a tile of queries starts among the rows nearest to it and walks outwards.
struct Projection {
  std::vector<size_t> rows;  // data row of each sorted row
  Matrix x;                  // [n, d]: sorted row i is data row rows[i], columns in `order`
};

Projection project(const Matrix& data, const std::vector<size_t>& order) {
  Projection p;
  p.rows.resize(data.rows);
  std::iota(p.rows.begin(), p.rows.end(), size_t{0});
  if (!order.empty()) {
    const size_t c = order[0];
    std::stable_sort(p.rows.begin(), p.rows.end(),
                     [&](size_t a, size_t b) { return data(a, c) < data(b, c); });
  }
  // No columns: one column of zeros, every distance 0.
  p.x = Matrix(data.rows, std::max<size_t>(order.size(), 1));
  for (size_t i = 0; i < data.rows; ++i) {
    const double* from = data.row(p.rows[i]);
    double* to = p.x.row(i);
    for (size_t c = 0; c < order.size(); ++c) to[c] = from[order[c]];
  }
  return p;
}

// Queries qidx[begin, end) -> out[q * k ...]; columns summed in `order`.
//
// Rows are visited outwards from the tile's queries along the widest column. A side stops at the
// first row whose first term alone, (x - q)^2 for that column, exceeds the k-th best distance of
// every query of the tile and lies beyond each of them: the rows further on that side have a first
// term at least as large (rounding is monotone), and a sum never falls below its first term. As
// rows come in no particular index order, a list keeps its rows sorted by (distance, index), and a
// row that ties the k-th best with a lower index still enters: the lists are a full sort's.
void search_range(const Matrix& data, const Matrix& queries, size_t k,
                  const std::vector<size_t>& exclude, const std::vector<size_t>& order,
                  const Projection& proj, const std::vector<size_t>& qidx, size_t begin,
                  size_t end, size_t* out) {
  const size_t d = data.cols, n = data.rows;
  // [d, kTile]: the tile's queries, transposed (one zero column when there are none, to match
  // the projection's keys)
  std::vector<double> qt(std::max<size_t>(d, 1) * kTile, 0.0);
  std::vector<double> best_d(kTile * k);  // [kTile, k] squared distances, ascending
  std::vector<size_t> best_i(kTile * k);  // [kTile, k] data row indices
  for (size_t q0 = begin; q0 < end; q0 += kTile) {
    const size_t nt = std::min(kTile, end - q0);
    std::array<double, kTile> worst;  // k-th best so far (inf until k found; -1: padding)
    std::array<size_t, kTile> filled{};
    std::array<size_t, kTile> skip;
    for (size_t t = 0; t < kTile; ++t) {
      // Padding lanes repeat the first query and never accept a row (worst = -1 < any distance).
      const size_t q = qidx[q0 + (t < nt ? t : 0)];
      const double* qr = queries.row(q);
      for (size_t c = 0; c < d; ++c) qt[c * kTile + t] = qr[order[c]];
      worst[t] = t < nt ? kInf : -1.0;
      skip[t] = exclude.empty() ? kNoExclusion : exclude[q];
    }
    // The tile's queries are neighbours along the widest column (sorted by it): start at the
    // first row not below the smallest of them.
    double qlo = kInf;
    for (size_t t = 0; t < nt; ++t) qlo = std::min(qlo, qt[t]);
    const Matrix& px = proj.x;
    const auto key = [&](size_t i) { return px(i, 0); };
    size_t lo = 0, hi = n;  // the first sorted row whose key is not below qlo
    while (lo < hi) {
      const size_t mid = lo + (hi - lo) / 2;
      if (key(mid) < qlo) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    size_t up = lo;
    size_t down = up;  // the next row below is down - 1
    bool up_open = up < n, down_open = down > 0;
    while (up_open || down_open) {
      const bool take_up =
          !down_open || (up_open && key(up) - qlo <= qlo - key(down - 1));
      const size_t at = take_up ? up : down - 1;
      const double x0 = key(at);
      bool side_done = true;
      for (size_t t = 0; t < nt && side_done; ++t) {
        const double gap = x0 - qt[t];
        side_done = (take_up ? gap >= 0.0 : gap <= 0.0) && gap * gap > worst[t];
      }
      if (take_up) {
        ++up;
        up_open = !side_done && up < n;
      } else {
        --down;
        down_open = !side_done && down > 0;
      }
      if (side_done) continue;
      const size_t j = proj.rows[at];
      const double* x = px.row(at);
      std::array<double, kTile> acc{};
      bool pruned = false;
      for (size_t c = 0; c < d;) {
        const size_t stop = std::min(d, c + kCheckEvery);
        for (; c < stop; ++c) {
          const double xc = x[c];
          const double* qc = &qt[c * kTile];
          for (size_t t = 0; t < kTile; ++t) {
            const double diff = xc - qc[t];
            acc[t] += diff * diff;
          }
        }
        if (c < d) {
          // A partial sum equal to the k-th best may still tie it with a lower index.
          bool alive = false;
          for (size_t t = 0; t < kTile; ++t) alive |= acc[t] <= worst[t];
          if (!alive) {
            pruned = true;
            break;
          }
        }
      }
      if (pruned) continue;
      for (size_t t = 0; t < nt; ++t) {
        if (j == skip[t]) continue;
        double* bd = &best_d[t * k];
        size_t* bi = &best_i[t * k];
        const bool full = filled[t] == k;
        if (full && !(acc[t] < worst[t] || (acc[t] == worst[t] && j < bi[k - 1]))) continue;
        size_t pos = std::min(filled[t], k - 1);
        // Shift the rows after row j in (distance, index) order one place right.
        while (pos > 0 && (bd[pos - 1] > acc[t] || (bd[pos - 1] == acc[t] && bi[pos - 1] > j))) {
          bd[pos] = bd[pos - 1];
          bi[pos] = bi[pos - 1];
          --pos;
        }
        bd[pos] = acc[t];
        bi[pos] = j;
        if (filled[t] < k) ++filled[t];
        if (filled[t] == k) worst[t] = bd[k - 1];
      }
    }
    for (size_t t = 0; t < nt; ++t) {
      std::copy(&best_i[t * k], &best_i[t * k] + k, out + qidx[q0 + t] * k);
    }
  }
}

}  // namespace

std::vector<size_t> knn_search(const Matrix& data, const Matrix& queries, size_t k,
                               const std::vector<size_t>& exclude, int threads) {
  check_internal(queries.cols == data.cols, "knn_search: queries and data differ in columns");
  check_internal(exclude.empty() || exclude.size() == queries.rows,
                 "knn_search: exclude needs one entry per query");
  check_internal(threads >= 1, "knn_search: threads must be >= 1");
  const size_t available = exclude.empty() ? data.rows : (data.rows == 0 ? 0 : data.rows - 1);
  check_internal(k <= available, "knn_search: k = " + std::to_string(k) + " but only " +
                                     std::to_string(available) + " candidate rows");
  std::vector<size_t> out(queries.rows * k);
  if (k == 0 || queries.rows == 0) return out;
  // Whole tiles per thread, so that threads never share a tile.
  const size_t tiles = (queries.rows + kTile - 1) / kTile;
  const size_t workers = std::min(tiles, static_cast<size_t>(threads));
  const std::vector<size_t> order = column_order(data);
  // Queries sorted by the widest column, so that a tile holds neighbouring queries and a data row
  // far from all of them is passed over early.
  std::vector<size_t> qidx(queries.rows);
  std::iota(qidx.begin(), qidx.end(), size_t{0});
  if (!order.empty()) {
    const size_t c = order[0];
    std::stable_sort(qidx.begin(), qidx.end(),
                     [&](size_t a, size_t b) { return queries(a, c) < queries(b, c); });
  }
  const Projection proj = project(data, order);
  if (workers <= 1) {
    search_range(data, queries, k, exclude, order, proj, qidx, 0, queries.rows, out.data());
    return out;
  }
  std::vector<std::thread> pool;
  pool.reserve(workers);
  for (size_t w = 0; w < workers; ++w) {
    const size_t begin = std::min(queries.rows, tiles * w / workers * kTile);
    const size_t end = std::min(queries.rows, tiles * (w + 1) / workers * kTile);
    pool.emplace_back(search_range, std::cref(data), std::cref(queries), k, std::cref(exclude),
                      std::cref(order), std::cref(proj), std::cref(qidx), begin, end, out.data());
  }
  for (std::thread& t : pool) t.join();
  return out;
}

std::vector<size_t> knn_within(const Matrix& rows, size_t k, int threads) {
  std::vector<size_t> self(rows.rows);
  std::iota(self.begin(), self.end(), size_t{0});
  return knn_search(rows, rows, k, self, threads);
}

}  // namespace imbgen
