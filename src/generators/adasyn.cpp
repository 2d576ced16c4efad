// ADASYN, He, Bai, Garcia and Li 2008 (IJCNN), Algorithm steps (b)-(c): r_i = Delta_i / K for
// the K nearest rows of all classes, normalised to a density; g_i = r_i * G new rows from class
// row i, each x_i + u (x_zi - x_i) with x_zi one of its K nearest class rows, u ~ U[0, 1).
#include "imbgen/generators/adasyn.h"

#include <algorithm>
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
  Matrix rows;                    // [n_c, d] the class rows
  std::vector<size_t> others;     // [n_c] rows of other classes among the K nearest (Delta_i)
  std::vector<size_t> neighbors;  // [n_c, K] nearest class rows, indices into rows
};

size_t rows_with_other_classes(const ClassModel& m) {
  return static_cast<size_t>(
      std::count_if(m.others.begin(), m.others.end(), [](size_t o) { return o > 0; }));
}

class Adasyn : public GeneratorBase<AdasynConfig> {
 public:
  using GeneratorBase::GeneratorBase;

  size_t min_class_rows() const override { return static_cast<size_t>(config_.n_neighbors) + 1; }

  void fit(const Matrix& x, const std::vector<int>& y, const FitOptions& options) override {
    const size_t k = static_cast<size_t>(config_.n_neighbors);
    const std::string hint = "n_neighbors = " + std::to_string(k) +
                             " needs n_neighbors + 1 rows; lower n_neighbors or use 'random'";
    begin_fit(name(), x, y, options, min_class_rows(), hint);
    std::map<int, ClassModel> models;
    for (int c : options.classes) {
      ClassModel& model = models[c];
      model.rows = class_rows(name(), x, y, c, min_class_rows(), hint);
      model.others = other_class_counts(x, y, c, rows_of_class(y, c), k, options.threads);
      const size_t weighted = rows_with_other_classes(model);
      if (weighted == 0) {
        throw Error(ErrorKind::kInvalidArgument,
                    name() + ": class " + std::to_string(c) + ": none of the " + std::to_string(k) +
                        " nearest rows of any of its " + std::to_string(model.rows.rows) +
                        " rows is of another class, so every ADASYN weight is 0 and there is "
                        "nothing to spread the new rows by (use smote)");
      }
      model.neighbors = knn_within(model.rows, k, options.threads);
      report_class(options.observer, name(), c,
                   {{"rows_with_other_class_neighbors", static_cast<double>(weighted)}});
    }
    models_ = std::move(models);
  }

  Matrix sample(int cls, size_t n, uint64_t seed) const override {
    const ClassModel& m = model_of(models_, name(), cls);
    const size_t k = m.neighbors.size() / m.rows.rows;
    Matrix out(n, m.rows.cols);
    if (n == 0) return out;
    const std::vector<size_t> counts =
        allocate(std::vector<double>(m.others.begin(), m.others.end()), n);
    Rng rng(mix_seed(seed, static_cast<uint64_t>(cls)));
    size_t r = 0;
    for (size_t i = 0; i < m.rows.rows; ++i) {
      for (size_t g = 0; g < counts[i]; ++g)
        smote_step(m.rows, m.neighbors, k, i, 1.0, rng, out.row(r++));
    }
    return out;
  }

  void save_state(std::ostream& out) const override {
    BinaryWriter w(out);
    write_per_class(w, models_, [](BinaryWriter& bw, const ClassModel& m) {
      bw.matrix(m.rows);
      write_indices(bw, m.others);
      write_indices(bw, m.neighbors);
    });
  }

  void load_state(std::istream& in) override {
    BinaryReader r(in);
    const size_t k = static_cast<size_t>(config_.n_neighbors);
    auto models = read_per_class<ClassModel>(r, 40, [k](BinaryReader& br, int) {
      ClassModel m;
      m.rows = br.matrix("the rows");
      m.others = read_indices(br, "the weights", k + 1);
      m.neighbors = read_indices(br, "the neighbours", m.rows.rows);
      if (m.rows.rows < k + 1 || m.rows.cols == 0 || m.others.size() != m.rows.rows ||
          m.neighbors.size() != m.rows.rows * k || rows_with_other_classes(m) == 0) {
        throw Error(ErrorKind::kInvalidArgument,
                    "corrupt: rows, weights and neighbours do not fit together (n_neighbors = " +
                        std::to_string(k) + ")");
      }
      return m;
    });
    r.expect_end("the adasyn state");
    models_ = std::move(models);
  }

  nlohmann::json history() const override {
    return per_class_history(models_, [&](const ClassModel& m) -> nlohmann::json {
      return {{"rows", m.rows.rows},
              {"rows_with_other_class_neighbors", rows_with_other_classes(m)}};
    });
  }

 private:
  std::map<int, ClassModel> models_;
};

}  // namespace

GeneratorSpec adasyn_generator() {
  return make_spec<Adasyn, AdasynConfig>(
      "ADASYN (He et al. 2008): SMOTE with more new rows near class rows surrounded by other "
      "classes");
}

}  // namespace imbgen
