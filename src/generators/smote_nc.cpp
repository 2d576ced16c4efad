// SMOTE-NC, Chawla, Bowyer, Hall and Kegelmeyer 2002 (JAIR 16), Section 6.1, with the encoding
// of imbalanced-learn 0.10: Med = median of the class's numeric standard deviations; one-hot
// cells scaled to Med / 2 for the neighbour search; numeric columns interpolated as SMOTE; each
// categorical block set to the category most frequent among the base row's k neighbours.
#include "imbgen/generators/smote_nc.h"

#include <algorithm>
#include <cmath>
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
  Matrix rows;                    // [n_c, d] the class rows (one-hot blocks hold 0/1)
  double median_std = 0.0;        // Med
  std::vector<size_t> neighbors;  // [n_c, k] indices into rows
};

// numpy.median of the population standard deviations of `columns` over the rows.
double median_std(const Matrix& rows, const std::vector<size_t>& columns) {
  std::vector<double> stds;
  for (size_t c : columns) {
    double mean = 0.0;
    for (size_t i = 0; i < rows.rows; ++i) mean += rows(i, c);
    mean /= static_cast<double>(rows.rows);
    double var = 0.0;
    for (size_t i = 0; i < rows.rows; ++i) var += (rows(i, c) - mean) * (rows(i, c) - mean);
    stds.push_back(std::sqrt(var / static_cast<double>(rows.rows)));
  }
  std::sort(stds.begin(), stds.end());
  const size_t h = stds.size() / 2;
  return stds.size() % 2 == 1 ? stds[h] : 0.5 * (stds[h - 1] + stds[h]);
}

class SmoteNc : public GeneratorBase<SmoteNcConfig> {
 public:
  using GeneratorBase::GeneratorBase;

  size_t min_class_rows() const override { return static_cast<size_t>(config_.k_neighbors) + 1; }

  void fit(const Matrix& x, const std::vector<int>& y, const FitOptions& options) override {
    const size_t k = static_cast<size_t>(config_.k_neighbors);
    const std::string hint = "k_neighbors = " + std::to_string(k) +
                             " needs k_neighbors + 1 rows; lower k_neighbors or use 'random'";
    begin_fit(name(), x, y, options, min_class_rows(), hint, /*check_spans=*/true);
    const std::vector<size_t> numeric = numeric_columns(options.spans);
    if (has_categories(options.spans) && numeric.empty()) {
      throw Error(ErrorKind::kInvalidArgument,
                  name() +
                      ": fit: every column of the table is categorical; SMOTE-NC needs at least "
                      "one numeric column (use 'random', or a model of categorical data)");
    }
    std::map<int, ClassModel> models;
    for (int c : options.classes) {
      ClassModel& m = models[c];
      m.rows = class_rows(name(), x, y, c, min_class_rows(), hint);
      fit_neighbors(m, options.spans, numeric, options.threads);
      report_class(options.observer, name(), c, {{"median_std", m.median_std}});
    }
    spans_ = options.spans;
    models_ = std::move(models);
  }

  Matrix sample(int cls, size_t n, uint64_t seed) const override {
    const ClassModel& m = model_of(models_, name(), cls);
    const size_t k = static_cast<size_t>(config_.k_neighbors);
    Matrix out(n, m.rows.cols);
    // The main stream draws exactly as smote does; category ties use their own stream.
    Rng rng(mix_seed(seed, static_cast<uint64_t>(cls)));
    Rng ties = rng.derive(1);
    const std::vector<size_t> bases = smote_rows(m.rows, m.neighbors, k, n, rng, out);
    std::vector<double> votes;
    std::vector<size_t> best;
    for (size_t i = 0; i < n; ++i) {
      double* o = out.row(i);
      for (const EncodedSpan& s : spans_) {
        if (s.kind != SpanKind::kOneHot) continue;
        votes.assign(s.width, 0.0);
        for (size_t t = 0; t < k; ++t) {
          const double* r = m.rows.row(m.neighbors[bases[i] * k + t]) + s.start;
          for (size_t j = 0; j < s.width; ++j) votes[j] += r[j];
        }
        const double top = *std::max_element(votes.begin(), votes.end());
        best.clear();
        for (size_t j = 0; j < s.width; ++j) {
          if (votes[j] == top) best.push_back(j);
        }
        const size_t pick = best.size() == 1 ? best[0] : best[ties.index(best.size())];
        std::fill(o + s.start, o + s.start + s.width, 0.0);
        o[s.start + pick] = 1.0;
      }
    }
    return out;
  }

  void save_state(std::ostream& out) const override {
    BinaryWriter w(out);
    w.u64(models_.empty() ? 0 : models_.begin()->second.rows.cols);
    write_spans(w, spans_);
    write_per_class(w, models_, [](BinaryWriter& bw, const ClassModel& m) { bw.matrix(m.rows); });
  }

  // Only the rows and spans are stored: Med and the neighbours are recomputed (deterministic).
  void load_state(std::istream& in) override {
    BinaryReader r(in);
    const size_t k = static_cast<size_t>(config_.k_neighbors);
    const uint64_t cols = read_column_count(r);
    std::vector<EncodedSpan> spans = read_spans(r, cols);
    const std::vector<size_t> numeric = numeric_columns(spans);
    if (has_categories(spans) && numeric.empty()) {
      throw Error(ErrorKind::kInvalidArgument, "corrupt: smote_nc spans hold no numeric column");
    }
    auto models = read_per_class<ClassModel>(r, 24, [&](BinaryReader& br, int) {
      ClassModel m;
      m.rows = br.matrix("the rows");
      if (m.rows.rows < k + 1 || m.rows.cols != cols || cols == 0) {
        throw Error(ErrorKind::kInvalidArgument,
                    "corrupt: the rows are " + std::to_string(m.rows.rows) + " x " +
                        std::to_string(m.rows.cols) + " values; expected " + std::to_string(cols) +
                        " columns and at least " + std::to_string(k + 1) + " rows");
      }
      fit_neighbors(m, spans, numeric, 1);
      return m;
    });
    r.expect_end("the smote_nc state");
    spans_ = std::move(spans);
    models_ = std::move(models);
  }

  nlohmann::json history() const override {
    return per_class_history(models_, [&](const ClassModel& m) -> nlohmann::json {
      return {{"rows", m.rows.rows}, {"median_std", m.median_std}};
    });
  }

 private:
  static std::vector<size_t> numeric_columns(const std::vector<EncodedSpan>& spans) {
    std::vector<size_t> numeric;
    for (const EncodedSpan& s : spans) {
      if (s.kind == SpanKind::kNumeric) numeric.push_back(s.start);
    }
    return numeric;
  }

  static bool has_categories(const std::vector<EncodedSpan>& spans) {
    return std::any_of(spans.begin(), spans.end(),
                       [](const EncodedSpan& s) { return s.kind == SpanKind::kOneHot; });
  }

  // Med of the class (with categorical columns) and the k nearest class rows of each class row,
  // one-hot cells scaled to Med / 2.
  void fit_neighbors(ClassModel& m, const std::vector<EncodedSpan>& spans,
                     const std::vector<size_t>& numeric, int threads) const {
    if (has_categories(spans)) m.median_std = median_std(m.rows, numeric);
    Matrix encoded = m.rows;
    for (const EncodedSpan& s : spans) {
      if (s.kind != SpanKind::kOneHot) continue;
      for (size_t i = 0; i < encoded.rows; ++i) {
        for (size_t j = s.start; j < s.start + s.width; ++j) encoded(i, j) *= m.median_std / 2.0;
      }
    }
    m.neighbors = knn_within(encoded, static_cast<size_t>(config_.k_neighbors), threads);
  }

  std::vector<EncodedSpan> spans_;
  std::map<int, ClassModel> models_;
};

}  // namespace

GeneratorSpec smote_nc_generator() {
  return make_spec<SmoteNc, SmoteNcConfig>(
      "SMOTE-NC (Chawla et al. 2002): SMOTE for numeric and categorical columns, categories by "
      "neighbour vote");
}

}  // namespace imbgen
