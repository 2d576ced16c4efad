// Random oversampling: synthetic rows are copies of the class's training rows drawn uniformly with
// replacement (imbalanced-learn's RandomOverSampler without shrinkage).
#include "imbgen/generators/random.h"

#include <algorithm>
#include <map>

#include "binary_io.h"
#include "common.h"
#include "config_reflect.h"
#include "imbgen/core/error.h"
#include "imbgen/core/rng.h"
#include "registry.h"

namespace imbgen {
namespace {

constexpr const char* kName = "random";

class RandomOversampler : public Generator {
 public:
  explicit RandomOversampler(const RandomConfig& config) : config_(config) {}

  std::string name() const override { return kName; }
  nlohmann::json config() const override { return config_.to_json(); }

  void fit(const Matrix& x, const std::vector<int>& y, const FitOptions& options) override {
    check_fit_inputs(kName, x, y, options);
    std::map<int, Matrix> rows;
    for (int c : options.classes) rows[c] = class_rows(kName, x, y, c, 1);
    rows_ = std::move(rows);
  }

  Matrix sample(int cls, size_t n, uint64_t seed) const override {
    auto it = rows_.find(cls);
    if (it == rows_.end()) throw unfit_class_error(kName, cls, fitted_classes());
    const Matrix& src = it->second;
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
    w.u64(rows_.size());
    for (const auto& [c, m] : rows_) {
      w.i64(c);
      w.matrix(m);
    }
  }

  void load_state(std::istream& in) override {
    BinaryReader r(in);
    const uint64_t n = r.length("class count", 16);
    std::map<int, Matrix> rows;
    for (uint64_t i = 0; i < n; ++i) {
      const int c = static_cast<int>(r.i64("class"));
      const std::string what = "rows of class " + std::to_string(c);
      Matrix m = r.matrix(what);
      if (m.rows == 0 || m.cols == 0) {
        throw Error(ErrorKind::kInvalidArgument, "corrupt: " + what + " is empty");
      }
      rows[c] = std::move(m);
    }
    r.expect_end("the random oversampler state");
    rows_ = std::move(rows);
  }

 private:
  std::vector<int> fitted_classes() const {
    std::vector<int> out;
    for (const auto& [c, m] : rows_) out.push_back(c);
    return out;
  }

  RandomConfig config_;
  std::map<int, Matrix> rows_;  // class -> its training rows [n_c, d]
};

}  // namespace

template class ConfigBase<RandomConfig>;

std::unique_ptr<Generator> make_random(const RandomConfig& config) {
  config.validate();
  return std::make_unique<RandomOversampler>(config);
}

GeneratorSpec random_generator() {
  return make_spec<RandomOversampler, RandomConfig>(
      "Random oversampling: copies of the class's training rows, drawn with replacement");
}

}  // namespace imbgen
