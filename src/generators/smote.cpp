// SMOTE, Chawla, Bowyer, Hall and Kegelmeyer 2002 (JAIR 16), Section 4.2: for a random class row
// x and one of its k nearest same-class neighbours x_nn chosen at random, the new row is
// x + u * (x_nn - x) with u ~ U[0, 1). Neighbours are found by brute force (classes are small).
#include "imbgen/generators/smote.h"

#include <algorithm>
#include <map>
#include <numeric>
#include <utility>

#include "binary_io.h"
#include "common.h"
#include "config_reflect.h"
#include "imbgen/core/error.h"
#include "imbgen/core/rng.h"
#include "neighbors.h"
#include "registry.h"

namespace imbgen {
namespace {

constexpr const char* kName = "smote";

struct ClassModel {
  Matrix rows;                    // [n_c, d] training rows of the class
  std::vector<size_t> neighbors;  // [n_c, k] indices into rows
};

class Smote : public Generator {
 public:
  explicit Smote(const SmoteConfig& config) : config_(config) {}

  std::string name() const override { return kName; }
  nlohmann::json config() const override { return config_.to_json(); }

  void fit(const Matrix& x, const std::vector<int>& y, const FitOptions& options) override {
    check_fit_inputs(kName, x, y, options);
    const size_t k = static_cast<size_t>(config_.k_neighbors);
    const std::string hint = "k_neighbors = " + std::to_string(k) +
                             " needs k_neighbors + 1 rows; lower k_neighbors or use 'random'";
    std::map<int, ClassModel> models;
    for (int c : options.classes) {
      ClassModel m;
      m.rows = class_rows(kName, x, y, c, k + 1, hint);
      m.neighbors = nearest_neighbors(m.rows, k);
      models[c] = std::move(m);
    }
    models_ = std::move(models);
  }

  Matrix sample(int cls, size_t n, uint64_t seed) const override {
    auto it = models_.find(cls);
    if (it == models_.end()) throw unfit_class_error(kName, cls, fitted_classes());
    const ClassModel& m = it->second;
    const size_t d = m.rows.cols;
    const size_t k = static_cast<size_t>(config_.k_neighbors);
    Matrix out(n, d);
    Rng rng(mix_seed(seed, static_cast<uint64_t>(cls)));
    for (size_t i = 0; i < n; ++i) {
      const size_t base = rng.index(m.rows.rows);
      const size_t nn = m.neighbors[base * k + rng.index(k)];
      const double u = rng.uniform();
      const double* a = m.rows.row(base);
      const double* b = m.rows.row(nn);
      double* o = out.row(i);
      for (size_t j = 0; j < d; ++j) o[j] = a[j] + u * (b[j] - a[j]);
    }
    return out;
  }

  void save_state(std::ostream& out) const override {
    BinaryWriter w(out);
    w.u64(models_.size());
    for (const auto& [c, m] : models_) {
      w.i64(c);
      w.matrix(m.rows);
    }
  }

  // Only the rows are stored; the neighbours are recomputed (deterministic).
  void load_state(std::istream& in) override {
    BinaryReader r(in);
    const size_t k = static_cast<size_t>(config_.k_neighbors);
    const uint64_t n = r.length("class count", 24);
    std::map<int, ClassModel> models;
    for (uint64_t i = 0; i < n; ++i) {
      const int c = static_cast<int>(r.i64("class"));
      const std::string what = "rows of class " + std::to_string(c);
      ClassModel m;
      m.rows = r.matrix(what);
      if (m.rows.rows < k + 1 || m.rows.cols == 0) {
        throw Error(ErrorKind::kInvalidArgument,
                    "corrupt: " + what + " has " + std::to_string(m.rows.rows) + " x " +
                        std::to_string(m.rows.cols) + " values; k_neighbors = " +
                        std::to_string(k) + " needs at least " + std::to_string(k + 1) + " rows");
      }
      m.neighbors = nearest_neighbors(m.rows, k);
      models[c] = std::move(m);
    }
    r.expect_end("the smote state");
    models_ = std::move(models);
  }

 private:
  std::vector<int> fitted_classes() const {
    std::vector<int> out;
    for (const auto& [c, m] : models_) out.push_back(c);
    return out;
  }

  SmoteConfig config_;
  std::map<int, ClassModel> models_;
};

}  // namespace

std::vector<size_t> nearest_neighbors(const Matrix& rows, size_t k) {
  const size_t n = rows.rows;
  check_internal(k < n, "nearest_neighbors: k must be smaller than the number of rows");
  std::vector<size_t> out(n * k);
  std::vector<std::pair<double, size_t>> dist;
  dist.reserve(n - 1);
  for (size_t i = 0; i < n; ++i) {
    dist.clear();
    const double* a = rows.row(i);
    for (size_t j = 0; j < n; ++j) {
      if (j == i) continue;
      const double* b = rows.row(j);
      double s = 0.0;
      for (size_t c = 0; c < rows.cols; ++c) s += (a[c] - b[c]) * (a[c] - b[c]);
      dist.emplace_back(s, j);  // squared distance orders like the distance
    }
    // pair ordering: by distance, then by index.
    std::partial_sort(dist.begin(), dist.begin() + static_cast<long>(k), dist.end());
    for (size_t t = 0; t < k; ++t) out[i * k + t] = dist[t].second;
  }
  return out;
}

template class ConfigBase<SmoteConfig>;

std::unique_ptr<Generator> make_smote(const SmoteConfig& config) {
  config.validate();
  return std::make_unique<Smote>(config);
}

GeneratorSpec smote_generator() {
  return make_spec<Smote, SmoteConfig>(
      "SMOTE (Chawla et al. 2002): new rows on segments between a class row and one of its k "
      "nearest class rows");
}

}  // namespace imbgen
