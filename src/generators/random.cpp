// Random oversampling: synthetic rows are copies of the class's training rows drawn uniformly with
// replacement (imbalanced-learn's RandomOverSampler without shrinkage).
#include "imbgen/generators/random.h"

#include <algorithm>
#include <map>

#include "common.h"
#include "imbgen/core/rng.h"
#include "registry.h"

namespace imbgen {
namespace {

class RandomOversampler : public GeneratorBase<RandomConfig> {
 public:
  using GeneratorBase::GeneratorBase;
  bool fits_own_rows_only() const override { return true; }

  void fit(const Matrix& x, const std::vector<int>& y, const FitOptions& options) override {
    begin_fit(name(), x, y, options, 1);
    std::map<int, Matrix> rows;
    for (int c : options.classes) rows[c] = class_rows(name(), x, y, c, 1);
    rows_ = std::move(rows);
  }

  Matrix sample(int cls, size_t n, uint64_t seed) const override {
    const Matrix& src = model_of(rows_, name(), cls);
    Matrix out(n, src.cols);
    Rng rng(mix_seed(seed, static_cast<uint64_t>(cls)));
    for (size_t i = 0; i < n; ++i) {
      const double* r = src.row(rng.index(src.rows));
      std::copy(r, r + src.cols, out.row(i));
    }
    return out;
  }

  void save_state(std::ostream& out) const override {
    BinaryWriter w(out);
    write_per_class(w, rows_, [](BinaryWriter& bw, const Matrix& m) { bw.matrix(m); });
  }

  void load_state(std::istream& in) override {
    BinaryReader r(in);
    auto rows = read_per_class<Matrix>(r, 16, [](BinaryReader& br, int) {
      Matrix m = br.matrix("the rows");
      if (m.rows == 0 || m.cols == 0) {
        throw Error(ErrorKind::kInvalidArgument, "corrupt: the rows are empty");
      }
      return m;
    });
    r.expect_end("the random oversampler state");
    rows_ = std::move(rows);
  }

 private:
  std::map<int, Matrix> rows_;  // class -> its training rows [n_c, d]
};

}  // namespace

GeneratorSpec random_generator() {
  return make_spec<RandomOversampler, RandomConfig>(
      "Random oversampling: copies of the class's training rows, drawn with replacement");
}

}  // namespace imbgen
