// k-means SMOTE, Douzas, Bacao and Last 2018 (Information Sciences 465), Algorithm 1, with the
// filter and density of imbalanced-learn's KMeansSMOTE: k-means over all rows (seeded greedy
// k-means++ and Lloyd's iterations), clusters kept when the class share reaches a threshold,
// new rows shared by sparsity = mean distance^e / count, SMOTE inside each kept cluster.
#include "imbgen/generators/kmeans_smote.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <sstream>
#include <utility>

#include "common.h"
#include "imbgen/core/error.h"
#include "imbgen/core/rng.h"
#include "knn.h"
#include "oversampling.h"
#include "registry.h"

namespace imbgen {
namespace {

constexpr const char* kName = "kmeans_smote";
constexpr int kMaxIterations = 300;
constexpr double kTolerance = 1e-4;
constexpr size_t kMaxDistanceRows = 2000;

double squared_distance(const double* a, const double* b, size_t d) {
  double s = 0.0;
  for (size_t j = 0; j < d; ++j) s += (a[j] - b[j]) * (a[j] - b[j]);
  return s;
}

// Assigns each row to its nearest centre (ties: the lower centre); returns whether any changed.
bool assign(const Matrix& x, const Matrix& centers, std::vector<size_t>& labels) {
  bool changed = false;
  for (size_t i = 0; i < x.rows; ++i) {
    size_t best = 0;
    double best_d = squared_distance(x.row(i), centers.row(0), x.cols);
    for (size_t c = 1; c < centers.rows; ++c) {
      const double d2 = squared_distance(x.row(i), centers.row(c), x.cols);
      if (d2 < best_d) {
        best_d = d2;
        best = c;
      }
    }
    changed = changed || labels[i] != best;
    labels[i] = best;
  }
  return changed;
}

// Greedy k-means++ (Arthur and Vassilvitskii 2007; 2 + floor(ln k) candidates per centre, the
// one that lowers the potential most, as scikit-learn), then Lloyd's iterations. Cluster labels.
std::vector<size_t> kmeans(const Matrix& x, size_t k, uint64_t seed) {
  const size_t n = x.rows, d = x.cols;
  Rng rng(seed);
  Matrix centers(k, d);
  std::vector<double> closest(n);
  const size_t first = rng.index(n);
  std::copy(x.row(first), x.row(first) + d, centers.row(0));
  for (size_t i = 0; i < n; ++i) closest[i] = squared_distance(x.row(i), centers.row(0), d);
  const size_t trials = 2 + static_cast<size_t>(std::log(static_cast<double>(k)));
  std::vector<double> cumulative(n), candidate_d(n), best_d(n);
  for (size_t c = 1; c < k; ++c) {
    double total = 0.0;
    for (size_t i = 0; i < n; ++i) cumulative[i] = total += closest[i];
    size_t best = 0;
    double best_potential = std::numeric_limits<double>::infinity();
    for (size_t t = 0; t < trials; ++t) {
      size_t pick;
      if (total > 0.0) {
        const double r = rng.uniform() * total;
        pick = static_cast<size_t>(std::upper_bound(cumulative.begin(), cumulative.end(), r) -
                                   cumulative.begin());
        pick = std::min(pick, n - 1);
      } else {
        pick = rng.index(n);  // every row sits on a centre already
      }
      double potential = 0.0;
      for (size_t i = 0; i < n; ++i) {
        candidate_d[i] = std::min(closest[i], squared_distance(x.row(i), x.row(pick), d));
        potential += candidate_d[i];
      }
      if (potential < best_potential) {
        best_potential = potential;
        best = pick;
        best_d.swap(candidate_d);
      }
    }
    std::copy(x.row(best), x.row(best) + d, centers.row(c));
    closest.swap(best_d);
  }

  // Tolerance: kTolerance times the mean column variance (scikit-learn's KMeans tol).
  double mean_var = 0.0;
  for (size_t j = 0; j < d; ++j) {
    double mean = 0.0, var = 0.0;
    for (size_t i = 0; i < n; ++i) mean += x(i, j);
    mean /= static_cast<double>(n);
    for (size_t i = 0; i < n; ++i) var += (x(i, j) - mean) * (x(i, j) - mean);
    mean_var += var / static_cast<double>(n);
  }
  const double tolerance = kTolerance * mean_var / static_cast<double>(d);

  std::vector<size_t> labels(n, k);
  assign(x, centers, labels);
  std::vector<double> sums(k * d);
  std::vector<size_t> counts(k);
  for (int it = 0; it < kMaxIterations; ++it) {
    std::fill(sums.begin(), sums.end(), 0.0);
    std::fill(counts.begin(), counts.end(), 0);
    for (size_t i = 0; i < n; ++i) {
      ++counts[labels[i]];
      for (size_t j = 0; j < d; ++j) sums[labels[i] * d + j] += x(i, j);
    }
    double shift = 0.0;
    for (size_t c = 0; c < k; ++c) {
      if (counts[c] == 0) continue;  // an emptied cluster keeps its centre
      for (size_t j = 0; j < d; ++j) {
        const double v = sums[c * d + j] / static_cast<double>(counts[c]);
        shift += (v - centers(c, j)) * (v - centers(c, j));
        centers(c, j) = v;
      }
    }
    const bool changed = assign(x, centers, labels);
    if (!changed || shift <= tolerance) break;
  }
  return labels;
}

// Mean Euclidean distance over the pairs of rows (of a seeded sample of kMaxDistanceRows rows
// when there are more).
double mean_distance(const Matrix& rows, uint64_t seed) {
  std::vector<size_t> use(rows.rows);
  for (size_t i = 0; i < use.size(); ++i) use[i] = i;
  if (use.size() > kMaxDistanceRows) {
    Rng rng(seed);
    rng.shuffle(use);
    use.resize(kMaxDistanceRows);
    std::sort(use.begin(), use.end());
  }
  double sum = 0.0;
  for (size_t a = 0; a < use.size(); ++a) {
    for (size_t b = a + 1; b < use.size(); ++b) {
      sum += std::sqrt(squared_distance(rows.row(use[a]), rows.row(use[b]), rows.cols));
    }
  }
  const double pairs = 0.5 * static_cast<double>(use.size()) * static_cast<double>(use.size() - 1);
  return sum / pairs;
}

struct Cluster {
  uint64_t id = 0;                // k-means cluster index
  uint64_t size = 0;              // its rows, all classes
  double weight = 0.0;            // share of the new rows
  Matrix rows;                    // [m, d] its rows of the class
  std::vector<size_t> neighbors;  // [m, k] indices into rows
};

struct ClassModel {
  double threshold = 0.0;
  std::vector<Cluster> clusters;
};

class KmeansSmote : public GeneratorBase<KmeansSmoteConfig> {
 public:
  using GeneratorBase::GeneratorBase;

  size_t min_class_rows() const override { return static_cast<size_t>(config_.k_neighbors) + 1; }

  void fit(const Matrix& x, const std::vector<int>& y, const FitOptions& options) override {
    const size_t k = static_cast<size_t>(config_.k_neighbors);
    const auto n_clusters = static_cast<size_t>(config_.n_clusters);
    begin_fit(name(), x, y, options, min_class_rows(),
              "k_neighbors = " + std::to_string(k) +
                  " needs k_neighbors + 1 rows; lower k_neighbors or use 'random'");
    if (x.rows < n_clusters) {
      throw Error(ErrorKind::kInvalidArgument,
                  std::string(kName) + ": fit: x has " + std::to_string(x.rows) +
                      " rows in all; n_clusters = " + std::to_string(n_clusters) +
                      " needs at least as many (lower n_clusters)");
    }
    const std::vector<size_t> labels = kmeans(x, n_clusters, mix_seed(options.seed, 0x4b4d));
    std::vector<size_t> sizes(n_clusters, 0);
    for (size_t l : labels) ++sizes[l];

    const double threshold = config_.cluster_balance_threshold.value_or(
        1.0 / (2.0 * static_cast<double>(options.classes.size())));
    std::map<int, ClassModel> models;
    for (int c : options.classes) {
      ClassModel& model = models[c];
      model.threshold = threshold;
      std::vector<std::vector<size_t>> members(n_clusters);  // class rows of x per cluster
      for (size_t i = 0; i < x.rows; ++i) {
        if (y[i] == c) members[labels[i]].push_back(i);
      }
      std::vector<double> log_sparsity;
      for (size_t cl = 0; cl < n_clusters; ++cl) {
        const size_t m = members[cl].size();
        if (sizes[cl] == 0 || m < k + 1 ||
            static_cast<double>(m) / static_cast<double>(sizes[cl]) < threshold) {
          continue;
        }
        Cluster cluster;
        cluster.id = cl;
        cluster.size = sizes[cl];
        cluster.rows = x.select_rows(members[cl]);
        cluster.neighbors = knn_within(cluster.rows, k, options.threads);
        const double e = config_.density_exponent.value_or(
            0.16 * std::pow(std::log(static_cast<double>(m)) / std::log(1.6), 1.8));
        const double mean = mean_distance(cluster.rows, mix_seed(options.seed, cl));
        log_sparsity.push_back(mean > 0.0 ? e * std::log(mean) - std::log(static_cast<double>(m))
                                          : -std::numeric_limits<double>::infinity());
        model.clusters.push_back(std::move(cluster));
      }
      if (model.clusters.empty()) throw no_cluster_error(c, members, sizes, threshold, k);
      // Normalised sparsities, computed from logs (mean^e overflows for large exponents).
      const double top = *std::max_element(log_sparsity.begin(), log_sparsity.end());
      double total = 0.0;
      for (size_t i = 0; i < model.clusters.size(); ++i) {
        model.clusters[i].weight = std::isfinite(top) ? std::exp(log_sparsity[i] - top) : 1.0;
        total += model.clusters[i].weight;
      }
      for (Cluster& cl : model.clusters) cl.weight /= total;
      report_class(options.observer, name(), c,
                   {{"clusters_kept", static_cast<double>(model.clusters.size())}});
    }
    models_ = std::move(models);
  }

  Matrix sample(int cls, size_t n, uint64_t seed) const override {
    const ClassModel& m = model_of(models_, name(), cls);
    const size_t k = static_cast<size_t>(config_.k_neighbors);
    Matrix out(n, m.clusters.front().rows.cols);
    if (n == 0) return out;
    std::vector<double> weights;
    for (const Cluster& cl : m.clusters) weights.push_back(cl.weight);
    const std::vector<size_t> counts = allocate(weights, n);
    Rng rng(mix_seed(seed, static_cast<uint64_t>(cls)));
    size_t first = 0;
    for (size_t i = 0; i < m.clusters.size(); ++i) {
      smote_rows(m.clusters[i].rows, m.clusters[i].neighbors, k, counts[i], rng, out, first);
      first += counts[i];
    }
    return out;
  }

  void save_state(std::ostream& out) const override {
    BinaryWriter w(out);
    write_per_class(w, models_, [](BinaryWriter& bw, const ClassModel& m) {
      bw.f64(m.threshold);
      bw.u64(m.clusters.size());
      for (const Cluster& cl : m.clusters) {
        bw.u64(cl.id);
        bw.u64(cl.size);
        bw.f64(cl.weight);
        bw.matrix(cl.rows);
      }
    });
  }

  // The neighbours inside each cluster are recomputed (deterministic).
  void load_state(std::istream& in) override {
    BinaryReader r(in);
    const size_t k = static_cast<size_t>(config_.k_neighbors);
    auto models = read_per_class<ClassModel>(r, 24, [k](BinaryReader& br, int) {
      ClassModel m;
      m.threshold = br.f64("the threshold");
      const uint64_t clusters = br.length("the cluster count", 40);
      if (clusters == 0) throw Error(ErrorKind::kInvalidArgument, "corrupt: no cluster");
      double total = 0.0;
      for (uint64_t t = 0; t < clusters; ++t) {
        Cluster cl;
        cl.id = br.u64("a cluster id");
        cl.size = br.u64("a cluster size");
        cl.weight = br.f64("a cluster weight");
        cl.rows = br.matrix("the cluster rows");
        if (cl.rows.rows < k + 1 || cl.rows.cols == 0 || cl.size < cl.rows.rows ||
            !(cl.weight >= 0.0 && cl.weight <= 1.0) ||
            (!m.clusters.empty() && cl.rows.cols != m.clusters.front().rows.cols)) {
          throw Error(ErrorKind::kInvalidArgument,
                      "corrupt: cluster " + std::to_string(cl.id) +
                          ": rows, size and weight do not fit together (k_neighbors = " +
                          std::to_string(k) + ")");
        }
        total += cl.weight;
        cl.neighbors = knn_within(cl.rows, k, 1);
        m.clusters.push_back(std::move(cl));
      }
      if (!(total > 0.0)) {
        throw Error(ErrorKind::kInvalidArgument, "corrupt: the cluster weights sum to 0");
      }
      return m;
    });
    r.expect_end("the kmeans_smote state");
    models_ = std::move(models);
  }

  nlohmann::json history() const override {
    return per_class_history(models_, [&](const ClassModel& m) -> nlohmann::json {
      nlohmann::json clusters = nlohmann::json::array();
      for (const Cluster& cl : m.clusters) {
        clusters.push_back({{"cluster", cl.id},
                            {"rows", cl.size},
                            {"class_rows", cl.rows.rows},
                            {"weight", cl.weight}});
      }
      return {{"threshold", m.threshold}, {"clusters", clusters}};
    });
  }

 private:
  Error no_cluster_error(int c, const std::vector<std::vector<size_t>>& members,
                         const std::vector<size_t>& sizes, double threshold, size_t k) const {
    size_t best = 0;
    double best_share = -1.0;
    for (size_t cl = 0; cl < sizes.size(); ++cl) {
      const double share =
          sizes[cl] ? static_cast<double>(members[cl].size()) / static_cast<double>(sizes[cl])
                    : 0.0;
      if (share > best_share) {
        best_share = share;
        best = cl;
      }
    }
    std::ostringstream msg;
    msg << kName << ": class " << c << ": no cluster of the " << sizes.size()
        << " k-means clusters qualifies: a cluster needs a class share of at least "
        << "cluster_balance_threshold = " << threshold
        << " and at least k_neighbors + 1 = " << k + 1 << " rows of the class; the best share is "
        << best_share << " (cluster " << best << ", " << members[best].size() << " of "
        << sizes[best] << " rows) (lower cluster_balance_threshold or change n_clusters)";
    return Error(ErrorKind::kInvalidArgument, msg.str());
  }

  std::map<int, ClassModel> models_;
};

}  // namespace

GeneratorSpec kmeans_smote_generator() {
  return make_spec<KmeansSmote, KmeansSmoteConfig>(
      "k-means SMOTE (Douzas et al. 2018): SMOTE inside the k-means clusters where the class is "
      "common");
}

}  // namespace imbgen
