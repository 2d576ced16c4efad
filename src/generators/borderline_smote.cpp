// Borderline-SMOTE, Han, Wang and Mao 2005 (ICIC), Section 3: a class row is in DANGER when
// m/2 <= m' < m of its m nearest rows (all classes) are of other classes; new rows come from the
// danger rows only. Borderline-SMOTE1 interpolates toward the k nearest rows of the same class
// with u ~ U[0, 1); borderline-SMOTE2 toward the k nearest rows of any class, with u ~ U[0, 0.5)
// when the neighbour is of another class.
#include "imbgen/generators/borderline_smote.h"

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

constexpr const char* kName = "borderline_smote";

struct ClassModel {
  uint64_t rows = 0, danger = 0, safe = 0, noise = 0;  // counts, for history()
  Matrix anchors;                                      // [danger, d] the danger rows
  Matrix targets;                  // [danger * k, d] the k neighbours of each danger row
  std::vector<uint8_t> half_step;  // [danger * k] 1: neighbour of another class (u < 0.5)
};

class BorderlineSmote : public Generator {
 public:
  explicit BorderlineSmote(const BorderlineSmoteConfig& config) : config_(config) {}

  std::string name() const override { return kName; }
  nlohmann::json config() const override { return config_.to_json(); }

  void fit(const Matrix& x, const std::vector<int>& y, const FitOptions& options) override {
    check_fit_inputs(kName, x, y, options);
    const size_t k = static_cast<size_t>(config_.k_neighbors);
    const size_t m = static_cast<size_t>(config_.m_neighbors);
    const std::string hint = "k_neighbors = " + std::to_string(k) +
                             " needs k_neighbors + 1 rows; lower k_neighbors or use 'random'";
    std::map<int, ClassModel> models;
    for (int c : options.classes) {
      const Matrix rows = class_rows(kName, x, y, c, k + 1, hint);
      check_total_rows(kName, x.rows, m, "m_neighbors");
      const std::vector<size_t> index = rows_of_class(y, c);
      const std::vector<size_t> others = other_class_counts(x, y, c, index, m, options.threads);
      ClassModel model;
      model.rows = index.size();
      std::vector<size_t> danger_local, danger_global;
      for (size_t i = 0; i < index.size(); ++i) {
        if (others[i] == m) {
          ++model.noise;
        } else if (2 * others[i] >= m) {
          danger_local.push_back(i);
          danger_global.push_back(index[i]);
        } else {
          ++model.safe;
        }
      }
      model.danger = danger_local.size();
      if (danger_local.empty()) {
        throw Error(ErrorKind::kInvalidArgument,
                    std::string(kName) + ": class " + std::to_string(c) +
                        " has no borderline (danger) row: of its " + std::to_string(model.rows) +
                        " rows, " + std::to_string(model.safe) +
                        " are safe (fewer than half of their m_neighbors = " + std::to_string(m) +
                        " nearest rows are of other classes) and " + std::to_string(model.noise) +
                        " are noise (all are); borderline-SMOTE builds rows from danger rows "
                        "only (use smote, or change m_neighbors)");
      }
      model.anchors = rows.select_rows(danger_local);
      std::vector<size_t> nn;
      if (config_.kind == 1) {
        nn = knn_search(rows, model.anchors, k, danger_local, options.threads);
        for (size_t& i : nn) i = index[i];  // class row -> row of x
      } else {
        nn = knn_search(x, model.anchors, k, danger_global, options.threads);
      }
      model.targets = x.select_rows(nn);
      model.half_step.resize(nn.size());
      for (size_t t = 0; t < nn.size(); ++t) model.half_step[t] = y[nn[t]] != c ? 1 : 0;
      report_class(options.observer, kName, c,
                   {{"danger", static_cast<double>(model.danger)},
                    {"safe", static_cast<double>(model.safe)},
                    {"noise", static_cast<double>(model.noise)}});
      models[c] = std::move(model);
    }
    models_ = std::move(models);
  }

  Matrix sample(int cls, size_t n, uint64_t seed) const override {
    auto it = models_.find(cls);
    if (it == models_.end()) throw unfit_class_error(kName, cls, map_classes(models_));
    const ClassModel& m = it->second;
    const size_t d = m.anchors.cols;
    const size_t k = m.targets.rows / m.anchors.rows;
    Matrix out(n, d);
    Rng rng(mix_seed(seed, static_cast<uint64_t>(cls)));
    for (size_t i = 0; i < n; ++i) {
      const size_t pair = rng.index(m.targets.rows);  // uniform over (danger row, neighbour)
      const double u = rng.uniform();
      interpolate(m.anchors.row(pair / k), m.targets.row(pair), m.half_step[pair] ? 0.5 * u : u, d,
                  out.row(i));
    }
    return out;
  }

  void save_state(std::ostream& out) const override {
    BinaryWriter w(out);
    w.u64(models_.size());
    for (const auto& [c, m] : models_) {
      w.i64(c);
      w.u64(m.rows);
      w.u64(m.safe);
      w.u64(m.noise);
      w.matrix(m.anchors);
      w.matrix(m.targets);
      w.u64(m.half_step.size());
      w.bytes(m.half_step.data(), m.half_step.size());
    }
  }

  void load_state(std::istream& in) override {
    BinaryReader r(in);
    const size_t k = static_cast<size_t>(config_.k_neighbors);
    const uint64_t n = r.length("class count", 48);
    std::map<int, ClassModel> models;
    for (uint64_t i = 0; i < n; ++i) {
      const int c = static_cast<int>(r.i64("class"));
      const std::string what = "class " + std::to_string(c);
      ClassModel m;
      m.rows = r.u64(what + " row count");
      m.safe = r.u64(what + " safe count");
      m.noise = r.u64(what + " noise count");
      m.anchors = r.matrix(what + " danger rows");
      m.targets = r.matrix(what + " neighbours");
      m.half_step.resize(r.length(what + " steps", 1));
      r.bytes(m.half_step.data(), m.half_step.size(), what + " steps");
      m.danger = m.anchors.rows;
      if (m.anchors.rows == 0 || m.anchors.cols == 0 || m.targets.cols != m.anchors.cols ||
          m.targets.rows != m.anchors.rows * k || m.half_step.size() != m.targets.rows ||
          m.rows != m.danger + m.safe + m.noise) {
        throw Error(ErrorKind::kInvalidArgument,
                    "corrupt: " + what +
                        ": danger rows, neighbours and counts do not fit "
                        "together (k_neighbors = " +
                        std::to_string(k) + ")");
      }
      models[c] = std::move(m);
    }
    r.expect_end("the borderline_smote state");
    models_ = std::move(models);
  }

  nlohmann::json history() const override {
    if (models_.empty()) return nlohmann::json::object();
    nlohmann::json classes = nlohmann::json::object();
    for (const auto& [c, m] : models_) {
      classes[std::to_string(c)] = {
          {"rows", m.rows}, {"danger", m.danger}, {"safe", m.safe}, {"noise", m.noise}};
    }
    return {{"classes", classes}};
  }

 private:
  BorderlineSmoteConfig config_;
  std::map<int, ClassModel> models_;
};

}  // namespace

template class ConfigBase<BorderlineSmoteConfig>;

std::unique_ptr<Generator> make_borderline_smote(const BorderlineSmoteConfig& config) {
  config.validate();
  return std::make_unique<BorderlineSmote>(config);
}

GeneratorSpec borderline_smote_generator() {
  return make_spec<BorderlineSmote, BorderlineSmoteConfig>(
      "Borderline-SMOTE (Han et al. 2005): SMOTE from the class rows on the class border only");
}

}  // namespace imbgen
