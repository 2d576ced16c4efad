// t-SNE (van der Maaten & Hinton 2008) with the Barnes-Hut approximation of the repulsive forces
// on a quadtree (van der Maaten 2014, "Accelerating t-SNE using Tree-Based Algorithms", sec. 4),
// optimised as scikit-learn 1.2 does (early exaggeration, momentum, per-parameter gains).
//
// Why Barnes-Hut: the exact gradient is O(n^2) per iteration. Measured on this project's 2-core
// machine with 3,000 points of the fraud rows (bench/evaluation_bench.cpp, BM_Tsne, 50 iterations):
// exact ~100 ms per iteration even on 2 threads (~100 s for the default 1,000 iterations);
// Barnes-Hut (theta 0.5) ~3.5-4.5 ms per iteration on 1 thread (~4 s for 1,000 iterations).
// theta = 0 selects the exact gradient (used by the tests on small inputs).
#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <string>

#include "evaluation/parallel.h"
#include "imbgen/core/error.h"
#include "imbgen/core/rng.h"
#include "imbgen/evaluation/distances.h"
#include "imbgen/evaluation/embedding.h"

namespace imbgen {
namespace {

// Symmetric sparse P in compressed rows.
struct SparseP {
  std::vector<size_t> start;  // [n + 1]
  std::vector<size_t> column;
  std::vector<double> value;
};

// Conditional p_{j|i} over i's neighbours (squared distances d2), with the Gaussian precision
// found by bisection so that the entropy equals log(perplexity) (scikit-learn's
// _binary_search_perplexity: 100 steps, tolerance 1e-5). Distances are shifted by their minimum
// before exp(), which leaves p unchanged and avoids underflow.
void conditional_p(const std::vector<double>& d2, double perplexity, std::vector<double>& p) {
  const size_t k = d2.size();
  p.assign(k, 0.0);
  const double target = std::log(perplexity);
  const double shift = *std::min_element(d2.begin(), d2.end());
  double beta = 1.0;
  double beta_min = -std::numeric_limits<double>::infinity();
  double beta_max = std::numeric_limits<double>::infinity();
  for (int step = 0; step < 100; ++step) {
    double sum = 0.0;
    for (size_t j = 0; j < k; ++j) {
      p[j] = std::exp(-(d2[j] - shift) * beta);
      sum += p[j];
    }
    double weighted = 0.0;
    for (size_t j = 0; j < k; ++j) {
      p[j] /= sum;
      weighted += (d2[j] - shift) * p[j];
    }
    const double entropy = std::log(sum) + beta * weighted;
    const double diff = entropy - target;
    if (std::abs(diff) <= 1e-5) break;
    if (diff > 0.0) {
      beta_min = beta;
      beta = std::isinf(beta_max) ? beta * 2.0 : (beta + beta_max) / 2.0;
    } else {
      beta_max = beta;
      beta = std::isinf(beta_min) ? beta / 2.0 : (beta + beta_min) / 2.0;
    }
  }
}

SparseP joint_probabilities(const Matrix& x, double perplexity, size_t neighbours, int threads) {
  const size_t n = x.rows;
  const Neighbours nn = nearest_neighbours(x, x, neighbours, true, threads);
  std::vector<double> cond(n * neighbours);
  parallel_for(n, threads, [&](size_t begin, size_t end) {
    std::vector<double> d2(neighbours), p;
    for (size_t i = begin; i < end; ++i) {
      for (size_t t = 0; t < neighbours; ++t) {
        const double d = nn.distances[i * neighbours + t];
        d2[t] = d * d;
      }
      conditional_p(d2, perplexity, p);
      std::copy(p.begin(), p.end(), cond.begin() + static_cast<long>(i * neighbours));
    }
  });
  // P = (C + C^T) / sum: each row of C sums to 1, so the sum is 2n.
  std::vector<std::vector<std::pair<size_t, double>>> rows(n);
  for (size_t i = 0; i < n; ++i) {
    for (size_t t = 0; t < neighbours; ++t) {
      const size_t j = nn.indices[i * neighbours + t];
      const double v = cond[i * neighbours + t];
      rows[i].emplace_back(j, v);
      rows[j].emplace_back(i, v);
    }
  }
  SparseP p;
  p.start.assign(n + 1, 0);
  double total = 0.0;
  for (size_t i = 0; i < n; ++i) {
    auto& r = rows[i];
    std::sort(r.begin(), r.end());
    for (size_t a = 0; a < r.size();) {
      size_t b = a;
      double v = 0.0;
      while (b < r.size() && r[b].first == r[a].first) v += r[b++].second;
      p.column.push_back(r[a].first);
      p.value.push_back(v);
      total += v;
      a = b;
    }
    p.start[i + 1] = p.column.size();
  }
  for (double& v : p.value) v /= total;
  return p;
}

// Quadtree over the 2-D embedding. A leaf holds one position (points at exactly that position,
// or beyond the depth limit, are chained through next_point).
class QuadTree {
 public:
  explicit QuadTree(const std::vector<double>& y) : y_(y), next_point_(y.size() / 2, -1) {
    const size_t n = y.size() / 2;
    double lo[2] = {std::numeric_limits<double>::infinity(),
                    std::numeric_limits<double>::infinity()};
    double hi[2] = {-lo[0], -lo[1]};
    for (size_t i = 0; i < n; ++i) {
      for (int a = 0; a < 2; ++a) {
        lo[a] = std::min(lo[a], y[2 * i + a]);
        hi[a] = std::max(hi[a], y[2 * i + a]);
      }
    }
    const double width = std::max({hi[0] - lo[0], hi[1] - lo[1], 1e-12}) * (1.0 + 1e-6);
    nodes_.reserve(8 * n + 1);
    nodes_.push_back(Node{(lo[0] + hi[0]) / 2, (lo[1] + hi[1]) / 2, width / 2});
    for (size_t i = 0; i < n; ++i) insert(static_cast<int>(i));
    // The traversal reads a compact copy of the nodes laid out depth first (each node's four
    // children together), and the points are visited in the same depth-first order: consecutive
    // queries walk similar paths through memory that is close together.
    cells_.reserve(nodes_.size());
    order_.reserve(n);
    cells_.push_back(cell_of(nodes_[0]));
    std::vector<std::pair<int, int>> pending = {{0, 0}};  // (node, its cell)
    while (!pending.empty()) {
      const auto [node_index, cell_index] = pending.back();
      pending.pop_back();
      const Node& node = nodes_[static_cast<size_t>(node_index)];
      if (node.first_child < 0) {
        for (int p = node.point; p >= 0; p = next_point_[static_cast<size_t>(p)]) {
          order_.push_back(p);
        }
        continue;
      }
      const int first = static_cast<int>(cells_.size());
      cells_[static_cast<size_t>(cell_index)].first_child = first;
      for (int c = 0; c < 4; ++c) {
        cells_.push_back(cell_of(nodes_[static_cast<size_t>(node.first_child + c)]));
      }
      for (int c = 3; c >= 0; --c) pending.emplace_back(node.first_child + c, first + c);
    }
  }

  // The points in depth-first order of the tree.
  const std::vector<int>& order() const { return order_; }

  // Unnormalised repulsive force on point i: sum_j w_ij^2 (y_i - y_j), with w = 1 / (1 + d^2),
  // and its share of Z = sum_j w_ij (both over j != i).
  void repulsion(int i, double theta2, double force[2], double& z) const {
    const double yx = y_[2 * i], yy = y_[2 * i + 1];
    double fx = 0.0, fy = 0.0, zi = 0.0;
    int stack[256];
    int top = 0;
    stack[top++] = 0;
    while (top > 0) {
      const Cell& cell = cells_[static_cast<size_t>(stack[--top])];
      if (cell.first_child < 0) {  // leaf: exact over its points
        for (int p = cell.point; p >= 0; p = next_point_[static_cast<size_t>(p)]) {
          if (p == i) continue;
          const double dx = yx - y_[2 * p], dy = yy - y_[2 * p + 1];
          const double w = 1.0 / (1.0 + dx * dx + dy * dy);
          zi += w;
          fx += w * w * dx;
          fy += w * w * dy;
        }
        continue;
      }
      const double dx = yx - cell.com_x, dy = yy - cell.com_y;
      const double d2 = dx * dx + dy * dy;
      if (cell.width2 < theta2 * d2) {  // far enough: the cell acts as one mass
        const double w = 1.0 / (1.0 + d2);
        const double cw = cell.count * w;
        zi += cw;
        fx += cw * w * dx;
        fy += cw * w * dy;
        continue;
      }
      for (int c = 0; c < 4; ++c) {
        const int child = cell.first_child + c;
        if (cells_[static_cast<size_t>(child)].count > 0) stack[top++] = child;
      }
    }
    force[0] = fx;
    force[1] = fy;
    z = zi;
  }

 private:
  struct Node {
    double cx = 0, cy = 0, half = 0;  // cell centre and half width
    double com_x = 0, com_y = 0;      // sum of positions while building, then centre of mass
    double count = 0;
    int first_child = -1;  // 4 consecutive children
    int point = -1;        // a leaf's first point
    int depth = 0;
  };
  struct Cell {
    double com_x, com_y, count, width2;  // centre of mass, points, squared cell width
    int first_child, point;
  };
  static Cell cell_of(const Node& node) {
    Cell cell;
    cell.com_x = node.count > 0 ? node.com_x / node.count : 0.0;
    cell.com_y = node.count > 0 ? node.com_y / node.count : 0.0;
    cell.count = node.count;
    cell.width2 = 4.0 * node.half * node.half;
    cell.first_child = -1;
    cell.point = node.point;
    return cell;
  }
  static constexpr int kMaxDepth = 60;  // 256-entry traversal stack: 3 * depth + 4 < 256

  void insert(int p) {
    const double px = y_[2 * static_cast<size_t>(p)], py = y_[2 * static_cast<size_t>(p) + 1];
    size_t at = 0;
    while (true) {
      Node& node = nodes_[at];
      node.com_x += px;
      node.com_y += py;
      node.count += 1;
      if (node.first_child < 0) {
        if (node.point < 0) {
          node.point = p;
          return;
        }
        const int q = node.point;
        const bool same =
            y_[2 * static_cast<size_t>(q)] == px && y_[2 * static_cast<size_t>(q) + 1] == py;
        if (same || node.depth >= kMaxDepth) {  // chain it
          next_point_[static_cast<size_t>(p)] = node.point;
          node.point = p;
          return;
        }
        split(at);
        // Move the resident chain (all at q's position) into its child, then continue.
        Node& parent = nodes_[at];
        const int head = parent.point;
        parent.point = -1;
        size_t child =
            child_of(at, y_[2 * static_cast<size_t>(q)], y_[2 * static_cast<size_t>(q) + 1]);
        Node& c = nodes_[child];
        c.point = head;
        for (int r = head; r >= 0; r = next_point_[static_cast<size_t>(r)]) {
          c.com_x += y_[2 * static_cast<size_t>(r)];
          c.com_y += y_[2 * static_cast<size_t>(r) + 1];
          c.count += 1;
        }
      }
      at = child_of(at, px, py);
    }
  }

  void split(size_t at) {
    const int first = static_cast<int>(nodes_.size());
    const Node parent = nodes_[at];
    const double h = parent.half / 2;
    for (int c = 0; c < 4; ++c) {
      Node child;
      child.cx = parent.cx + ((c & 1) ? h : -h);
      child.cy = parent.cy + ((c & 2) ? h : -h);
      child.half = h;
      child.depth = parent.depth + 1;
      nodes_.push_back(child);
    }
    nodes_[at].first_child = first;
  }

  size_t child_of(size_t at, double px, double py) const {
    const Node& node = nodes_[at];
    const int c = (px >= node.cx ? 1 : 0) + (py >= node.cy ? 2 : 0);
    return static_cast<size_t>(node.first_child + c);
  }

  const std::vector<double>& y_;
  std::vector<int> next_point_;
  std::vector<Node> nodes_;
  std::vector<Cell> cells_;
  std::vector<int> order_;
};

// Gradient of KL(P || Q) at y (P multiplied by `exaggeration`); returns Z = sum_{i != j} w_ij.
double gradient(const SparseP& p, const std::vector<double>& y, double exaggeration, double theta,
                int threads, std::vector<double>& grad) {
  const size_t n = y.size() / 2;
  std::vector<double> rep(2 * n, 0.0), z_part(n, 0.0);
  if (theta > 0.0) {
    const QuadTree tree(y);
    const double theta2 = theta * theta;
    parallel_for(n, threads, [&](size_t begin, size_t end) {
      for (size_t t = begin; t < end; ++t) {
        const size_t i = static_cast<size_t>(tree.order()[t]);
        tree.repulsion(static_cast<int>(i), theta2, &rep[2 * i], z_part[i]);
      }
    });
  } else {
    parallel_for(n, threads, [&](size_t begin, size_t end) {
      for (size_t i = begin; i < end; ++i) {
        double fx = 0, fy = 0, z = 0;
        for (size_t j = 0; j < n; ++j) {
          if (j == i) continue;
          const double dx = y[2 * i] - y[2 * j], dy = y[2 * i + 1] - y[2 * j + 1];
          const double w = 1.0 / (1.0 + dx * dx + dy * dy);
          z += w;
          fx += w * w * dx;
          fy += w * w * dy;
        }
        rep[2 * i] = fx;
        rep[2 * i + 1] = fy;
        z_part[i] = z;
      }
    });
  }
  const double z = std::accumulate(z_part.begin(), z_part.end(), 0.0);
  parallel_for(n, threads, [&](size_t begin, size_t end) {
    for (size_t i = begin; i < end; ++i) {
      double ax = 0, ay = 0;
      for (size_t e = p.start[i]; e < p.start[i + 1]; ++e) {
        const size_t j = p.column[e];
        const double dx = y[2 * i] - y[2 * j], dy = y[2 * i + 1] - y[2 * j + 1];
        const double w = 1.0 / (1.0 + dx * dx + dy * dy);
        ax += p.value[e] * w * dx;
        ay += p.value[e] * w * dy;
      }
      grad[2 * i] = 4.0 * (exaggeration * ax - rep[2 * i] / z);
      grad[2 * i + 1] = 4.0 * (exaggeration * ay - rep[2 * i + 1] / z);
    }
  });
  return z;
}

// KL(P || Q) with q_ij = w_ij / z over the pairs where p_ij > 0 (the others add nothing).
double kl_divergence(const SparseP& p, const std::vector<double>& y, double z) {
  const size_t n = y.size() / 2;
  double kl = 0.0;
  for (size_t i = 0; i < n; ++i) {
    for (size_t e = p.start[i]; e < p.start[i + 1]; ++e) {
      const size_t j = p.column[e];
      const double dx = y[2 * i] - y[2 * j], dy = y[2 * i + 1] - y[2 * j + 1];
      const double q = 1.0 / (1.0 + dx * dx + dy * dy) / z;
      const double v = p.value[e];
      if (v > 0.0) kl += v * std::log(std::max(v, 1e-300) / std::max(q, 1e-300));
    }
  }
  return kl;
}

}  // namespace

std::vector<std::string> TsneConfig::problems() const {
  std::vector<std::string> out;
  if (!(perplexity > 0.0))
    out.push_back("perplexity must be > 0, got " + std::to_string(perplexity));
  if (exaggeration_iterations < 0) {
    out.push_back("exaggeration_iterations must be >= 0, got " +
                  std::to_string(exaggeration_iterations));
  }
  if (iterations < exaggeration_iterations || iterations < 1) {
    out.push_back("iterations must be >= 1 and >= exaggeration_iterations (" +
                  std::to_string(exaggeration_iterations) + "), got " + std::to_string(iterations));
  }
  if (!(early_exaggeration > 0.0)) {
    out.push_back("early_exaggeration must be > 0, got " + std::to_string(early_exaggeration));
  }
  if (!(learning_rate >= 0.0)) {
    out.push_back("learning_rate must be >= 0 (0 = auto), got " + std::to_string(learning_rate));
  }
  if (!(theta >= 0.0 && theta <= 1.0)) {
    out.push_back("theta must be in [0, 1], got " + std::to_string(theta));
  }
  if (init != "pca" && init != "random") {
    out.push_back("init must be \"pca\" or \"random\", got \"" + init + "\"");
  }
  if (threads < 1) out.push_back("threads must be >= 1, got " + std::to_string(threads));
  if (kl_every < 1) out.push_back("kl_every must be >= 1, got " + std::to_string(kl_every));
  return out;
}

void TsneConfig::validate() const {
  const std::vector<std::string> list = problems();
  if (list.empty()) return;
  std::string message = "t-SNE config: ";
  for (size_t i = 0; i < list.size(); ++i) message += (i ? "; " : "") + list[i];
  throw Error(ErrorKind::kInvalidArgument, message);
}

TsneResult tsne(const Matrix& x, const TsneConfig& config, Observer* observer) {
  config.validate();
  const size_t n = x.rows;
  if (n < 3) {
    throw Error(ErrorKind::kInvalidArgument,
                "tsne: needs at least 3 rows, got " + std::to_string(n));
  }
  TsneResult result;
  result.perplexity = std::min(config.perplexity, static_cast<double>(n - 1) / 3.0);
  const size_t neighbours =
      config.theta > 0.0
          ? std::min(n - 1, static_cast<size_t>(std::floor(3.0 * result.perplexity)) + 1)
          : n - 1;
  const SparseP p = joint_probabilities(x, result.perplexity, neighbours, config.threads);

  // Initial embedding [n, 2], interleaved x/y.
  std::vector<double> y(2 * n);
  if (config.init == "pca" && x.cols >= 2) {
    const Matrix init = fit_pca(x, 2).transform(x);
    double mean = 0, ss = 0;
    for (size_t i = 0; i < n; ++i) mean += init(i, 0);
    mean /= static_cast<double>(n);
    for (size_t i = 0; i < n; ++i) ss += (init(i, 0) - mean) * (init(i, 0) - mean);
    const double sd = std::sqrt(ss / static_cast<double>(n));
    const double scale = sd > 0.0 ? 1e-4 / sd : 1.0;
    for (size_t i = 0; i < n; ++i) {
      y[2 * i] = init(i, 0) * scale;
      y[2 * i + 1] = init(i, 1) * scale;
    }
  } else {
    Rng rng(config.seed);
    for (double& v : y) v = 1e-4 * rng.normal();
  }

  const double rate =
      config.learning_rate > 0.0
          ? config.learning_rate
          : std::max(static_cast<double>(n) / config.early_exaggeration / 4.0, 50.0);
  std::vector<double> grad(2 * n), update(2 * n, 0.0), gains(2 * n, 1.0);
  for (int it = 0; it < config.iterations; ++it) {
    const bool exaggerating = it < config.exaggeration_iterations;
    if (it == config.exaggeration_iterations) {  // a new phase starts from rest, as sklearn's
      std::fill(update.begin(), update.end(), 0.0);
      std::fill(gains.begin(), gains.end(), 1.0);
    }
    const double momentum = exaggerating ? 0.5 : 0.8;
    const double z = gradient(p, y, exaggerating ? config.early_exaggeration : 1.0, config.theta,
                              config.threads, grad);
    const bool record = (it + 1) % config.kl_every == 0 || it + 1 == config.iterations;
    if (record) {
      const double kl = kl_divergence(p, y, z);  // at the positions the gradient was taken
      result.kl_history.emplace_back(it + 1, kl);
      if (observer != nullptr) {
        Progress progress;
        progress.task = "t-SNE";
        progress.step = it + 1;
        progress.total = config.iterations;
        progress.values.emplace_back("kl_divergence", kl);
        observer->on_progress(progress);
      }
    }
    for (size_t i = 0; i < 2 * n; ++i) {
      gains[i] = update[i] * grad[i] < 0.0 ? gains[i] + 0.2 : gains[i] * 0.8;
      gains[i] = std::max(gains[i], 0.01);
      update[i] = momentum * update[i] - rate * gains[i] * grad[i];
      y[i] += update[i];
    }
  }
  result.kl_divergence = result.kl_history.empty() ? 0.0 : result.kl_history.back().second;
  result.embedding = Matrix(n, 2);
  std::copy(y.begin(), y.end(), result.embedding.data.begin());
  return result;
}

}  // namespace imbgen
