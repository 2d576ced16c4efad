// ADASYN, He, Bai, Garcia and Li 2008 (IJCNN), Algorithm steps (b)-(c): r_i = Delta_i / K for
// the K nearest rows of all classes, normalised to a density; g_i = r_i * G new rows from class
// row i, each x_i + u (x_zi - x_i) with x_zi one of its K nearest class rows, u ~ U[0, 1).
#include "imbgen/generators/adasyn.h"

#include <map>
#include <utility>

#include "binary_io.h"
#include "common.h"
#include "config_reflect.h"
#include "imbgen/core/error.h"
#include "imbgen/core/rng.h"
#include "knn.h"
#include "oversampling.h"
#include "registry.h"

namespace imbgen {
namespace {

constexpr const char* kName = "adasyn";

struct ClassModel {
  Matrix rows;                    // [n_c, d] the class rows
  std::vector<size_t> others;     // [n_c] rows of other classes among the K nearest (Delta_i)
  std::vector<size_t> neighbors;  // [n_c, K] nearest class rows, indices into rows
};

class Adasyn : public Generator {
 public:
  explicit Adasyn(const AdasynConfig& config) : config_(config) {}

  std::string name() const override { return kName; }
  nlohmann::json config() const override { return config_.to_json(); }

  void fit(const Matrix& x, const std::vector<int>& y, const FitOptions& options) override {
    check_fit_inputs(kName, x, y, options);
    const size_t k = static_cast<size_t>(config_.n_neighbors);
    const std::string hint = "n_neighbors = " + std::to_string(k) +
                             " needs n_neighbors + 1 rows; lower n_neighbors or use 'random'";
    std::map<int, ClassModel> models;
    for (int c : options.classes) {
      ClassModel model;
      model.rows = class_rows(kName, x, y, c, k + 1, hint);
      const std::vector<size_t> index = rows_of_class(y, c);
      model.others = other_class_counts(x, y, c, index, k, options.threads);
      size_t weighted = 0;
      for (size_t o : model.others) weighted += o > 0 ? 1 : 0;
      if (weighted == 0) {
        throw Error(ErrorKind::kInvalidArgument,
                    std::string(kName) + ": class " + std::to_string(c) + ": none of the " +
                        std::to_string(k) + " nearest rows of any of its " +
                        std::to_string(index.size()) +
                        " rows is of another class, so every ADASYN weight is 0 and there is "
                        "nothing to spread the new rows by (use smote)");
      }
      model.neighbors = knn_within(model.rows, k, options.threads);
      report_class(options.observer, kName, c,
                   {{"rows_with_other_class_neighbors", static_cast<double>(weighted)}});
      models[c] = std::move(model);
    }
    models_ = std::move(models);
  }

  Matrix sample(int cls, size_t n, uint64_t seed) const override {
    auto it = models_.find(cls);
    if (it == models_.end()) throw unfit_class_error(kName, cls, map_classes(models_));
    const ClassModel& m = it->second;
    const size_t d = m.rows.cols;
    const size_t k = m.neighbors.size() / m.rows.rows;
    Matrix out(n, d);
    if (n == 0) return out;
    const std::vector<double> weights(m.others.begin(), m.others.end());
    const std::vector<size_t> counts = allocate(weights, n);
    Rng rng(mix_seed(seed, static_cast<uint64_t>(cls)));
    size_t r = 0;
    for (size_t i = 0; i < m.rows.rows; ++i) {
      for (size_t g = 0; g < counts[i]; ++g, ++r) {
        const size_t nn = m.neighbors[i * k + rng.index(k)];
        interpolate(m.rows.row(i), m.rows.row(nn), rng.uniform(), d, out.row(r));
      }
    }
    return out;
  }

  void save_state(std::ostream& out) const override {
    BinaryWriter w(out);
    w.u64(models_.size());
    for (const auto& [c, m] : models_) {
      w.i64(c);
      w.matrix(m.rows);
      write_indices(w, m.others);
      write_indices(w, m.neighbors);
    }
  }

  void load_state(std::istream& in) override {
    BinaryReader r(in);
    const size_t k = static_cast<size_t>(config_.n_neighbors);
    const uint64_t n = r.length("class count", 40);
    std::map<int, ClassModel> models;
    for (uint64_t i = 0; i < n; ++i) {
      const int c = static_cast<int>(r.i64("class"));
      const std::string what = "class " + std::to_string(c);
      ClassModel m;
      m.rows = r.matrix(what + " rows");
      m.others = read_indices(r, what + " weights", k + 1);
      m.neighbors = read_indices(r, what + " neighbours", m.rows.rows);
      size_t total = 0;
      for (size_t o : m.others) total += o;
      if (m.rows.rows < k + 1 || m.rows.cols == 0 || m.others.size() != m.rows.rows ||
          m.neighbors.size() != m.rows.rows * k || total == 0) {
        throw Error(ErrorKind::kInvalidArgument,
                    "corrupt: " + what +
                        ": rows, weights and neighbours do not fit together "
                        "(n_neighbors = " +
                        std::to_string(k) + ")");
      }
      models[c] = std::move(m);
    }
    r.expect_end("the adasyn state");
    models_ = std::move(models);
  }

  nlohmann::json history() const override {
    if (models_.empty()) return nlohmann::json::object();
    nlohmann::json classes = nlohmann::json::object();
    for (const auto& [c, m] : models_) {
      size_t weighted = 0;
      for (size_t o : m.others) weighted += o > 0 ? 1 : 0;
      classes[std::to_string(c)] = {{"rows", m.rows.rows},
                                    {"rows_with_other_class_neighbors", weighted}};
    }
    return {{"classes", classes}};
  }

 private:
  AdasynConfig config_;
  std::map<int, ClassModel> models_;
};

}  // namespace

template class ConfigBase<AdasynConfig>;

std::unique_ptr<Generator> make_adasyn(const AdasynConfig& config) {
  config.validate();
  return std::make_unique<Adasyn>(config);
}

GeneratorSpec adasyn_generator() {
  return make_spec<Adasyn, AdasynConfig>(
      "ADASYN (He et al. 2008): SMOTE with more new rows near class rows surrounded by other "
      "classes");
}

}  // namespace imbgen
