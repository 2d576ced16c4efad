// Borderline-SMOTE, Han, Wang and Mao 2005 (ICIC), Section 3: a class row is in DANGER when
// m/2 <= m' < m of its m nearest rows (all classes) are of other classes; new rows come from the
// danger rows only. Borderline-SMOTE1 interpolates toward the k nearest rows of the same class
// with u ~ U[0, 1); borderline-SMOTE2 toward the k nearest rows of any class, with u ~ U[0, 0.5)
// when the neighbour is of another class.
#include "imbgen/generators/borderline_smote.h"

#include <map>
#include <utility>

#include "common.h"
#include "imbgen/core/error.h"
#include "imbgen/core/rng.h"
#include "knn.h"
#include "oversampling.h"
#include "registry.h"

namespace imbgen {
namespace {

struct ClassModel {
  uint64_t rows = 0, danger = 0, safe = 0, noise = 0;  // counts, for history()
  Matrix anchors;                                      // [danger, d] the danger rows
  Matrix targets;                  // [danger * k, d] the k neighbours of each danger row
  std::vector<uint8_t> half_step;  // [danger * k] 1: neighbour of another class (u < 0.5)
};

class BorderlineSmote : public GeneratorBase<BorderlineSmoteConfig> {
 public:
  using GeneratorBase::GeneratorBase;

  size_t min_class_rows() const override { return static_cast<size_t>(config_.k_neighbors) + 1; }

  void fit(const Matrix& x, const std::vector<int>& y, const FitOptions& options) override {
    const size_t k = static_cast<size_t>(config_.k_neighbors);
    const size_t m = static_cast<size_t>(config_.m_neighbors);
    begin_fit(name(), x, y, options, min_class_rows(),
              "k_neighbors = " + std::to_string(k) +
                  " needs k_neighbors + 1 rows; lower k_neighbors or use 'random'");
    check_total_rows(name(), x.rows, m, "m_neighbors");
    std::map<int, ClassModel> models;
    for (int c : options.classes) {
      ClassModel& model = models[c];
      const std::vector<size_t> index = rows_of_class(y, c);
      const std::vector<size_t> others = other_class_counts(x, y, c, index, m, options.threads);
      model.rows = index.size();
      std::vector<size_t> danger_local, danger_global;
      for (size_t i = 0; i < index.size(); ++i) {
        switch (border_of(others[i], m)) {
          case Border::kNoise:
            ++model.noise;
            break;
          case Border::kDanger:
            danger_local.push_back(i);
            danger_global.push_back(index[i]);
            break;
          case Border::kSafe:
            ++model.safe;
            break;
        }
      }
      model.danger = danger_local.size();
      if (danger_local.empty()) throw no_danger_error(c, model);
      const Matrix rows = x.select_rows(index);
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
      report_class(options.observer, name(), c,
                   {{"danger", static_cast<double>(model.danger)},
                    {"safe", static_cast<double>(model.safe)},
                    {"noise", static_cast<double>(model.noise)}});
    }
    models_ = std::move(models);
  }

  Matrix sample(int cls, size_t n, uint64_t seed) const override {
    const ClassModel& m = model_of(models_, name(), cls);
    const size_t d = m.anchors.cols;
    const size_t k = m.targets.rows / m.anchors.rows;
    Matrix out(n, d);
    Rng rng(mix_seed(seed, static_cast<uint64_t>(cls)));
    for (size_t i = 0; i < n; ++i) {
      const Pair p = draw_pair(m.anchors.rows, k, rng);  // uniform over (danger row, neighbour)
      const size_t target = p.anchor * k + p.slot;
      const double u = rng.uniform();
      interpolate(m.anchors.row(p.anchor), m.targets.row(target), m.half_step[target] ? 0.5 * u : u,
                  d, out.row(i));
    }
    return out;
  }

  void save_state(std::ostream& out) const override {
    BinaryWriter w(out);
    write_per_class(w, models_, [](BinaryWriter& bw, const ClassModel& m) {
      bw.u64(m.rows);
      bw.u64(m.safe);
      bw.u64(m.noise);
      bw.matrix(m.anchors);
      bw.matrix(m.targets);
      bw.u64(m.half_step.size());
      bw.bytes(m.half_step.data(), m.half_step.size());
    });
  }

  void load_state(std::istream& in) override {
    BinaryReader r(in);
    const size_t k = static_cast<size_t>(config_.k_neighbors);
    auto models = read_per_class<ClassModel>(r, 48, [k](BinaryReader& br, int) {
      ClassModel m;
      m.rows = br.u64("the row count");
      m.safe = br.u64("the safe count");
      m.noise = br.u64("the noise count");
      m.anchors = br.matrix("the danger rows");
      m.targets = br.matrix("the neighbours");
      m.half_step.resize(br.length("the steps", 1));
      br.bytes(m.half_step.data(), m.half_step.size(), "the steps");
      m.danger = m.anchors.rows;
      if (m.anchors.rows == 0 || m.anchors.cols == 0 || m.targets.cols != m.anchors.cols ||
          m.targets.rows != m.anchors.rows * k || m.half_step.size() != m.targets.rows ||
          m.rows != m.danger + m.safe + m.noise) {
        throw Error(ErrorKind::kInvalidArgument,
                    "corrupt: danger rows, neighbours and counts do not fit together "
                    "(k_neighbors = " +
                        std::to_string(k) + ")");
      }
      return m;
    });
    r.expect_end("the borderline_smote state");
    models_ = std::move(models);
  }

  nlohmann::json history() const override {
    return per_class_history(models_, [&](const ClassModel& m) -> nlohmann::json {
      return {{"rows", m.rows}, {"danger", m.danger}, {"safe", m.safe}, {"noise", m.noise}};
    });
  }

 private:
  Error no_danger_error(int c, const ClassModel& model) const {
    return Error(ErrorKind::kInvalidArgument,
                 name() + ": class " + std::to_string(c) +
                     " has no borderline (danger) row: of its " + std::to_string(model.rows) +
                     " rows, " + std::to_string(model.safe) +
                     " are safe (fewer than half of their m_neighbors = " +
                     std::to_string(config_.m_neighbors) +
                     " nearest rows are of other classes) and " + std::to_string(model.noise) +
                     " are noise (all are); borderline-SMOTE builds rows from danger rows "
                     "only (use smote, or change m_neighbors)");
  }

  std::map<int, ClassModel> models_;
};

}  // namespace

GeneratorSpec borderline_smote_generator() {
  return make_spec<BorderlineSmote, BorderlineSmoteConfig>(
      "Borderline-SMOTE (Han et al. 2005): SMOTE from the class rows on the class border only");
}

}  // namespace imbgen
