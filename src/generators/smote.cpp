// SMOTE, Chawla, Bowyer, Hall and Kegelmeyer 2002 (JAIR 16), Section 4.2: for a random class row
// x and one of its k nearest same-class neighbours x_nn chosen at random, the new row is
// x + u * (x_nn - x) with u ~ U[0, 1).
#include "imbgen/generators/smote.h"

#include <map>
#include <utility>

#include "common.h"
#include "imbgen/core/rng.h"
#include "knn.h"
#include "oversampling.h"
#include "registry.h"

namespace imbgen {
namespace {

struct ClassModel {
  Matrix rows;                    // [n_c, d] training rows of the class
  std::vector<size_t> neighbors;  // [n_c, k] indices into rows
};

class Smote : public GeneratorBase<SmoteConfig> {
 public:
  using GeneratorBase::GeneratorBase;

  size_t min_class_rows() const override { return static_cast<size_t>(config_.k_neighbors) + 1; }
  bool fits_own_rows_only() const override { return true; }

  void fit(const Matrix& x, const std::vector<int>& y, const FitOptions& options) override {
    const size_t k = static_cast<size_t>(config_.k_neighbors);
    const std::string hint = "k_neighbors = " + std::to_string(k) +
                             " needs k_neighbors + 1 rows; lower k_neighbors or use 'random'";
    begin_fit(name(), x, y, options, min_class_rows(), hint);
    std::map<int, ClassModel> models;
    for (int c : options.classes) {
      ClassModel& m = models[c];
      m.rows = class_rows(name(), x, y, c, min_class_rows(), hint);
      m.neighbors = knn_within(m.rows, k, options.threads);
    }
    models_ = std::move(models);
  }

  Matrix sample(int cls, size_t n, uint64_t seed) const override {
    const ClassModel& m = model_of(models_, name(), cls);
    Matrix out(n, m.rows.cols);
    Rng rng(mix_seed(seed, static_cast<uint64_t>(cls)));
    smote_rows(m.rows, m.neighbors, static_cast<size_t>(config_.k_neighbors), n, rng, out);
    return out;
  }

  void sample_into(int cls, size_t n, uint64_t seed, const MutableNumberBlock& out) const override {
    const ClassModel& m = model_of(models_, name(), cls);
    Rng rng(mix_seed(seed, static_cast<uint64_t>(cls)));
    smote_rows(m.rows, m.neighbors, static_cast<size_t>(config_.k_neighbors), n, rng, out);
  }

  void save_state(std::ostream& out) const override {
    BinaryWriter w(out);
    write_per_class(w, models_, [](BinaryWriter& bw, const ClassModel& m) { bw.matrix(m.rows); });
  }

  // Only the rows are stored; the neighbours are recomputed (deterministic).
  void load_state(std::istream& in) override {
    BinaryReader r(in);
    const size_t k = static_cast<size_t>(config_.k_neighbors);
    auto models = read_per_class<ClassModel>(r, 24, [k](BinaryReader& br, int) {
      ClassModel m;
      m.rows = br.matrix("the rows");
      if (m.rows.rows < k + 1 || m.rows.cols == 0) {
        throw Error(ErrorKind::kInvalidArgument,
                    "corrupt: the rows are " + std::to_string(m.rows.rows) + " x " +
                        std::to_string(m.rows.cols) + " values; k_neighbors = " +
                        std::to_string(k) + " needs at least " + std::to_string(k + 1) + " rows");
      }
      m.neighbors = knn_within(m.rows, k);
      return m;
    });
    r.expect_end("the smote state");
    models_ = std::move(models);
  }

 private:
  std::map<int, ClassModel> models_;
};

}  // namespace

GeneratorSpec smote_generator() {
  return make_spec<Smote, SmoteConfig>(
      "SMOTE (Chawla et al. 2002): new rows on segments between a class row and one of its k "
      "nearest class rows");
}

}  // namespace imbgen
