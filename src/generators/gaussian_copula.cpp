// Gaussian copula over empirical marginals (Nelsen 2006, Section 2.10; categories through their
// frequency intervals as in the Synthetic Data Vault, Patki et al. 2016): normal scores per
// column, their correlation R = L L^T, and new rows x_j = F_j^-1(Phi((L g)_j)), g ~ N(0, I).
#include "imbgen/generators/gaussian_copula.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <utility>

#include "common.h"
#include "imbgen/core/error.h"
#include "imbgen/core/rng.h"
#include "oversampling.h"
#include "registry.h"

namespace imbgen {
namespace {

constexpr double kMinPivot = 1e-12;

enum class VarKind : uint8_t { kNumeric, kOneHot, kIndicator };

struct Variable {
  VarKind kind = VarKind::kNumeric;
  size_t start = 0;  // first model column
  size_t width = 1;  // model columns (one-hot block width)
};

// The variables of a layout: one per span (every column numeric when there are no spans).
std::vector<Variable> variables(const std::vector<EncodedSpan>& spans, size_t cols) {
  std::vector<Variable> out;
  if (spans.empty()) {
    for (size_t j = 0; j < cols; ++j) out.push_back({VarKind::kNumeric, j, 1});
    return out;
  }
  for (const EncodedSpan& s : spans) {
    const VarKind kind = s.kind == SpanKind::kOneHot             ? VarKind::kOneHot
                         : s.kind == SpanKind::kMissingIndicator ? VarKind::kIndicator
                                                                 : VarKind::kNumeric;
    out.push_back({kind, s.start, s.width});
  }
  return out;
}

size_t categories(const Variable& v) { return v.kind == VarKind::kIndicator ? 2 : v.width; }

// Category of a row in a categorical variable: the one-hot argmax (first), or indicator > 0.5.
size_t category_of(const Variable& v, const double* row) {
  if (v.kind == VarKind::kIndicator) return row[v.start] > 0.5 ? 1 : 0;
  const double* b = row + v.start;
  return static_cast<size_t>(std::max_element(b, b + v.width) - b);
}

// Lower Cholesky factor of (1 - eps) r + eps I for the smallest eps in {0, 1e-10, ..., 1} that
// gives pivots above kMinPivot; [v, v] row-major.
std::vector<double> cholesky(const std::vector<double>& r, size_t v) {
  for (double eps = 0.0; eps <= 1.0; eps = eps == 0.0 ? 1e-10 : eps * 10.0) {
    std::vector<double> l(v * v, 0.0);
    bool ok = true;
    for (size_t i = 0; i < v && ok; ++i) {
      for (size_t j = 0; j <= i; ++j) {
        double s = (1.0 - eps) * r[i * v + j] + (i == j ? eps : 0.0);
        for (size_t t = 0; t < j; ++t) s -= l[i * v + t] * l[j * v + t];
        if (i == j) {
          if (!(s > kMinPivot)) {
            ok = false;
            break;
          }
          l[i * v + i] = std::sqrt(s);
        } else {
          l[i * v + j] = s / l[j * v + j];
        }
      }
    }
    if (ok) return l;
  }
  throw Error(ErrorKind::kInternal, "gaussian_copula: no Cholesky factor even of the identity");
}

struct ClassModel {
  size_t rows = 0;
  // Per variable: numeric, the sorted values [rows]; categorical, the category frequencies.
  std::vector<std::vector<double>> marginals;
  std::vector<double> chol;  // [v, v] lower Cholesky factor of the score correlation
};

class GaussianCopula : public GeneratorBase<GaussianCopulaConfig> {
 public:
  using GeneratorBase::GeneratorBase;

  size_t min_class_rows() const override { return 2; }

  void fit(const Matrix& x, const std::vector<int>& y, const FitOptions& options) override {
    const std::string hint = "a copula needs 2 rows to estimate correlations; use 'random'";
    begin_fit(name(), x, y, options, min_class_rows(), hint, /*check_spans=*/true);
    const std::vector<Variable> vars = variables(options.spans, x.cols);
    std::map<int, ClassModel> models;
    for (int c : options.classes) {
      models[c] = fit_class(class_rows(name(), x, y, c, min_class_rows(), hint), vars);
      report_class(options.observer, name(), c, {{"variables", static_cast<double>(vars.size())}});
    }
    cols_ = x.cols;
    spans_ = options.spans;
    vars_ = vars;
    models_ = std::move(models);
  }

  Matrix sample(int cls, size_t n, uint64_t seed) const override {
    const ClassModel& m = model_of(models_, name(), cls);
    const size_t v = vars_.size();
    Matrix out(n, cols_);
    Rng rng(mix_seed(seed, static_cast<uint64_t>(cls)));
    std::vector<double> g(v);
    for (size_t i = 0; i < n; ++i) {
      for (double& e : g) e = rng.normal();
      double* o = out.row(i);
      for (size_t a = 0; a < v; ++a) {
        double z = 0.0;
        for (size_t b = 0; b <= a; ++b) z += m.chol[a * v + b] * g[b];  // (L g)_a
        const double u = normal_cdf(z);
        const Variable& var = vars_[a];
        const std::vector<double>& marginal = m.marginals[a];
        if (var.kind == VarKind::kNumeric) {
          o[var.start] = quantile(marginal, u);
          continue;
        }
        size_t pick = 0;
        double cumulative = 0.0;
        for (size_t j = 0; j < marginal.size(); ++j) {
          if (marginal[j] <= 0.0) continue;
          pick = j;  // the last category with rows, should rounding leave u above the sum
          cumulative += marginal[j];
          if (u < cumulative) break;
        }
        if (var.kind == VarKind::kIndicator) {
          o[var.start] = static_cast<double>(pick);
        } else {
          o[var.start + pick] = 1.0;
        }
      }
    }
    return out;
  }

  void save_state(std::ostream& out) const override {
    BinaryWriter w(out);
    w.u64(cols_);
    write_spans(w, spans_);
    write_per_class(w, models_, [](BinaryWriter& bw, const ClassModel& m) {
      bw.u64(m.rows);
      for (const std::vector<double>& marginal : m.marginals) bw.f64_vector(marginal);
      bw.f64_vector(m.chol);
    });
  }

  void load_state(std::istream& in) override {
    BinaryReader r(in);
    const uint64_t cols = read_column_count(r);
    std::vector<EncodedSpan> spans = read_spans(r, cols);
    const std::vector<Variable> vars = variables(spans, cols);
    auto models = read_per_class<ClassModel>(r, 24, [&](BinaryReader& br, int) {
      ClassModel m;
      m.rows = br.u64("the row count");
      bool ok = m.rows >= 2 && cols > 0;
      for (const Variable& var : vars) {
        std::vector<double> marginal = br.f64_vector("a marginal");
        if (var.kind == VarKind::kNumeric) {
          ok = ok && marginal.size() == m.rows &&
               std::is_sorted(marginal.begin(), marginal.end()) &&
               std::all_of(marginal.begin(), marginal.end(),
                           [](double e) { return std::isfinite(e); });
        } else {
          const double sum = std::accumulate(marginal.begin(), marginal.end(), 0.0);
          ok = ok && marginal.size() == categories(var) && std::fabs(sum - 1.0) < 1e-9 &&
               std::all_of(marginal.begin(), marginal.end(), [](double e) { return e >= 0.0; });
        }
        m.marginals.push_back(std::move(marginal));
      }
      m.chol = br.f64_vector("the correlation factor");
      ok = ok && m.chol.size() == vars.size() * vars.size() &&
           std::all_of(m.chol.begin(), m.chol.end(), [](double e) { return std::isfinite(e); });
      if (!ok) {
        throw Error(ErrorKind::kInvalidArgument,
                    "corrupt: marginals and correlation factor do not fit the " +
                        std::to_string(vars.size()) + " variables");
      }
      return m;
    });
    r.expect_end("the gaussian_copula state");
    cols_ = cols;
    spans_ = std::move(spans);
    vars_ = vars;
    models_ = std::move(models);
  }

  nlohmann::json history() const override {
    return per_class_history(models_, [&](const ClassModel& m) -> nlohmann::json {
      return {{"rows", m.rows}, {"variables", vars_.size()}};
    });
  }

 private:
  static ClassModel fit_class(const Matrix& rows, const std::vector<Variable>& vars) {
    const size_t n = rows.rows, v = vars.size();
    ClassModel m;
    m.rows = n;
    Matrix scores(n, v);  // [n, v] normal scores
    std::vector<size_t> order(n);
    for (size_t a = 0; a < v; ++a) {
      const Variable& var = vars[a];
      if (var.kind == VarKind::kNumeric) {
        std::iota(order.begin(), order.end(), size_t{0});
        std::stable_sort(order.begin(), order.end(), [&](size_t p, size_t q) {
          return rows(p, var.start) < rows(q, var.start);
        });
        std::vector<double> sorted(n);
        for (size_t t = 0; t < n; ++t) sorted[t] = rows(order[t], var.start);
        // Average ranks (1-based) over runs of equal values.
        for (size_t t = 0; t < n;) {
          size_t e = t;
          while (e + 1 < n && sorted[e + 1] == sorted[t]) ++e;
          const double rank = 0.5 * static_cast<double>(t + e) + 1.0;
          const double score = normal_quantile(rank / static_cast<double>(n + 1));
          for (size_t s = t; s <= e; ++s) scores(order[s], a) = score;
          t = e + 1;
        }
        m.marginals.push_back(std::move(sorted));
      } else {
        std::vector<double> freq(categories(var), 0.0);
        for (size_t i = 0; i < n; ++i) freq[category_of(var, rows.row(i))] += 1.0;
        std::vector<double> mid(freq.size());
        double below = 0.0;
        for (size_t j = 0; j < freq.size(); ++j) {
          freq[j] /= static_cast<double>(n);
          mid[j] = normal_quantile(below + 0.5 * freq[j]);
          below += freq[j];
        }
        for (size_t i = 0; i < n; ++i) scores(i, a) = mid[category_of(var, rows.row(i))];
        m.marginals.push_back(std::move(freq));
      }
    }
    // Pearson correlation of the scores; a constant variable is uncorrelated with the others.
    std::vector<double> mean(v, 0.0), sd(v, 0.0);
    for (size_t a = 0; a < v; ++a) {
      for (size_t i = 0; i < n; ++i) mean[a] += scores(i, a);
      mean[a] /= static_cast<double>(n);
      for (size_t i = 0; i < n; ++i) sd[a] += (scores(i, a) - mean[a]) * (scores(i, a) - mean[a]);
      sd[a] = std::sqrt(sd[a]);
    }
    std::vector<double> corr(v * v, 0.0);
    for (size_t a = 0; a < v; ++a) {
      corr[a * v + a] = 1.0;
      for (size_t b = 0; b < a; ++b) {
        if (!(sd[a] > 0.0 && sd[b] > 0.0)) continue;
        double s = 0.0;
        for (size_t i = 0; i < n; ++i) s += (scores(i, a) - mean[a]) * (scores(i, b) - mean[b]);
        const double r = std::clamp(s / (sd[a] * sd[b]), -1.0, 1.0);
        corr[a * v + b] = corr[b * v + a] = r;
      }
    }
    m.chol = cholesky(corr, v);
    return m;
  }

  // The value at probability u: sorted[t] sits at (t + 1) / (n + 1), linear in between.
  static double quantile(const std::vector<double>& sorted, double u) {
    const size_t n = sorted.size();
    const double pos = u * static_cast<double>(n + 1) - 1.0;
    if (!(pos > 0.0)) return sorted.front();
    if (pos >= static_cast<double>(n - 1)) return sorted.back();
    const auto lo = static_cast<size_t>(pos);
    const double f = pos - static_cast<double>(lo);
    return sorted[lo] + f * (sorted[lo + 1] - sorted[lo]);
  }

  size_t cols_ = 0;
  std::vector<EncodedSpan> spans_;
  std::vector<Variable> vars_;
  std::map<int, ClassModel> models_;
};

}  // namespace

GeneratorSpec gaussian_copula_generator() {
  return make_spec<GaussianCopula, GaussianCopulaConfig>(
      "Gaussian copula over each column's empirical distribution, one per class");
}

}  // namespace imbgen
