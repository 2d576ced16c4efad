// evaluate(): runs every fidelity, privacy and embedding block on synthetic vs real rows (and
// holdout vs real as the reference), times each block and writes a plain-words verdict per block.
#include "imbgen/evaluation/evaluate.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <functional>
#include <limits>
#include <string>

#include "evaluation/common.h"
#include "imbgen/core/error.h"
#include "imbgen/core/rng.h"
#include "imbgen/data/scaler.h"
#include "imbgen/evaluation/detection.h"
#include "imbgen/evaluation/distances.h"
#include "imbgen/evaluation/embedding.h"
#include "imbgen/evaluation/statistics.h"

namespace imbgen {
namespace {

using json = nlohmann::json;
using evaluation_detail::percentile;
using evaluation_detail::random_subset;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Streams of the evaluation seed, one per block, so turning a block off changes no other block.
enum Stream : uint64_t {
  kDetectionStream = 1,
  kMmdStream,
  kPrdcStream,
  kPrivacyStream,
  kPcaStream,
  kTsneStream,
};

json num(double v) { return std::isfinite(v) ? json(v) : json(nullptr); }
// The number num() stored (NaN for null).
double number_of(const json& j) { return j.is_number() ? j.get<double>() : kNaN; }

json numbers(const std::vector<double>& v) {
  json out = json::array();
  for (double x : v) out.push_back(num(x));
  return out;
}

json matrix_json(const Matrix& m) {
  json out = json::array();
  for (size_t i = 0; i < m.rows; ++i) {
    json row = json::array();
    for (size_t j = 0; j < m.cols; ++j) row.push_back(num(m(i, j)));
    out.push_back(std::move(row));
  }
  return out;
}

std::string fixed(double v, int digits) {
  if (!std::isfinite(v)) return "n/a";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

// Shortest readable form: 0.01, 0.001, 1e-05.
std::string general(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

std::string pvalue_text(double p) { return p < 0.001 ? "p < 0.001" : "p = " + fixed(p, 3); }

std::string percent(double share) { return fixed(100.0 * share, 0) + "%"; }

json summary_json(const ColumnSummary& s) {
  return {{"count", s.count},  {"mean", num(s.mean)}, {"std", num(s.std)},
          {"min", num(s.min)}, {"max", num(s.max)},   {"quantiles", numbers(s.quantiles)}};
}

// Counts of `values` in `bins` equal-width bins over [lo, hi]; values beyond fall in the end
// bins (so every value is counted).
std::vector<double> histogram(const std::vector<double>& values, double lo, double hi,
                              size_t bins) {
  std::vector<double> counts(bins, 0.0);
  const double width = hi > lo ? (hi - lo) / static_cast<double>(bins) : 1.0;
  for (double v : values) {
    double pos = std::floor((v - lo) / width);
    pos = std::min(std::max(pos, 0.0), static_cast<double>(bins - 1));
    counts[static_cast<size_t>(pos)] += 1.0;
  }
  return counts;
}

std::vector<double> bin_edges(double lo, double hi, size_t bins) {
  std::vector<double> edges(bins + 1);
  const double width = hi > lo ? (hi - lo) / static_cast<double>(bins) : 1.0;
  for (size_t b = 0; b <= bins; ++b) edges[b] = lo + width * static_cast<double>(b);
  return edges;
}

Matrix subsample(const Matrix& x, size_t max_rows, Rng& rng) {
  if (x.rows <= max_rows) return x;
  return x.select_rows(random_subset(x.rows, max_rows, rng));
}

json coordinates(const Matrix& points) {
  json xs = json::array(), ys = json::array();
  for (size_t i = 0; i < points.rows; ++i) {
    xs.push_back(num(points(i, 0)));
    ys.push_back(points.cols > 1 ? num(points(i, 1)) : json(0.0));
  }
  return {{"x", xs}, {"y", ys}};
}

// Reports t-SNE iterations under the evaluation's task name.
class TsneProgress : public Observer {
 public:
  explicit TsneProgress(Observer* inner) : inner_(inner) {}
  void on_progress(const Progress& p) override {
    Progress q = p;
    q.task = "evaluate: tsne";
    inner_->on_progress(q);
  }
  void on_message(const std::string& m) override { inner_->on_message(m); }

 private:
  Observer* inner_;
};

void check_finite(const Matrix& x, const char* set, const std::vector<std::string>& names) {
  for (size_t i = 0; i < x.rows; ++i) {
    for (size_t j = 0; j < x.cols; ++j) {
      const double v = x(i, j);
      if (!std::isfinite(v)) {
        throw Error(ErrorKind::kInvalidArgument,
                    std::string("evaluate: ") + set + " row " + std::to_string(i) + ", column '" +
                        names[j] + "': expected a finite number, got " +
                        (std::isnan(v) ? "nan" : (v > 0 ? "inf" : "-inf")));
      }
    }
  }
}

void check_inputs(const Matrix& real, const Matrix& synthetic, const Matrix* holdout,
                  const std::vector<std::string>& names, const std::vector<ColumnKind>& kinds) {
  auto shape_error = [](const std::string& what) {
    throw Error(ErrorKind::kInvalidArgument, "evaluate: " + what);
  };
  if (synthetic.cols != real.cols) {
    shape_error("synthetic rows have " + std::to_string(synthetic.cols) +
                " columns, real rows have " + std::to_string(real.cols));
  }
  if (holdout != nullptr && holdout->cols != real.cols && holdout->rows > 0) {
    shape_error("holdout rows have " + std::to_string(holdout->cols) + " columns, real rows have " +
                std::to_string(real.cols));
  }
  if (names.size() != real.cols) {
    shape_error("expected one column name per column (" + std::to_string(real.cols) + "), got " +
                std::to_string(names.size()));
  }
  if (!kinds.empty() && kinds.size() != real.cols) {
    shape_error("column_kinds must be empty or have one kind per column (" +
                std::to_string(real.cols) + "), got " + std::to_string(kinds.size()));
  }
  if (real.cols == 0) shape_error("no columns to compare");
  if (real.rows < 2 || synthetic.rows < 2) {
    shape_error("needs at least 2 real and 2 synthetic rows, got " + std::to_string(real.rows) +
                " real and " + std::to_string(synthetic.rows) + " synthetic rows");
  }
  check_finite(real, "real", names);
  check_finite(synthetic, "synthetic", names);
  if (holdout != nullptr) check_finite(*holdout, "holdout", names);
}

// ---- the blocks ----

class Evaluation {
 public:
  Evaluation(const Matrix& real, const Matrix& synthetic, const Matrix* holdout,
             const std::vector<std::string>& names, const std::vector<ColumnKind>& kinds,
             const EvaluationConfig& config)
      : real_(real),
        synthetic_(synthetic),
        holdout_(holdout != nullptr && holdout->rows > 0 ? holdout : nullptr),
        names_(names),
        kinds_(kinds.empty() ? std::vector<ColumnKind>(real.cols, ColumnKind::kNumeric) : kinds),
        config_(config) {
    scaler_.fit(real_);
    real_z_ = scaler_.transform(real_);
    synthetic_z_ = scaler_.transform(synthetic_);
    if (holdout_ != nullptr) holdout_z_ = scaler_.transform(*holdout_);
  }

  json columns() const {
    std::vector<json> entries;
    std::vector<std::pair<double, double>> rank;  // (p-value, -statistic): most different first
    size_t differ = 0, differ_holdout = 0;
    std::vector<std::string> differing;
    double sum_ks = 0, sum_w = 0, max_w = -1;
    size_t n_numeric = 0;
    std::string max_w_name;
    const size_t bins = static_cast<size_t>(config_.histogram_bins);
    for (size_t j = 0; j < real_.cols; ++j) {
      const std::vector<double> r = column(real_, j);
      const std::vector<double> s = column(synthetic_, j);
      std::vector<double> h;
      if (holdout_ != nullptr) h = column(*holdout_, j);
      json entry = {{"name", names_[j]}};
      entry["real"] = summary_json(describe(r, config_.quantiles));
      entry["synthetic"] = summary_json(describe(s, config_.quantiles));
      if (!h.empty()) entry["holdout"] = summary_json(describe(h, config_.quantiles));
      double p = 1.0, p_holdout = 1.0;
      if (kinds_[j] == ColumnKind::kCategorical) {
        entry["kind"] = "categorical";
        std::vector<double> values, ca, cb;
        category_counts(r, s, values, ca, cb);
        const ChiSquareResult chi = chi_square_homogeneity(ca, cb);
        entry["tvd"] = num(total_variation_distance(ca, cb));
        entry["chi_square"] = {
            {"statistic", num(chi.statistic)}, {"pvalue", num(chi.pvalue)}, {"dof", chi.dof}};
        p = chi.pvalue;
        json plot = {{"categories", values}, {"real", ca}, {"synthetic", cb}};
        if (!h.empty()) {
          std::vector<double> hv, ha, hb;
          category_counts(r, h, hv, ha, hb);
          const ChiSquareResult chh = chi_square_homogeneity(ha, hb);
          entry["holdout_tvd"] = num(total_variation_distance(ha, hb));
          entry["holdout_chi_square"] = {
              {"statistic", num(chh.statistic)}, {"pvalue", num(chh.pvalue)}, {"dof", chh.dof}};
          p_holdout = chh.pvalue;
          plot["holdout_categories"] = hv;
          plot["holdout"] = hb;
        }
        entry["plot"] = plot;
      } else {
        entry["kind"] = "numeric";
        const KsResult ks = ks_2samp(r, s);
        const double scale = scaler_.scale()[j];
        const double w = wasserstein_1d(r, s) / scale;
        entry["ks"] = {
            {"statistic", num(ks.statistic)}, {"pvalue", num(ks.pvalue)}, {"exact", ks.exact}};
        entry["wasserstein"] = num(w);
        p = ks.pvalue;
        ++n_numeric;
        sum_ks += ks.statistic;
        sum_w += w;
        if (w > max_w) {
          max_w = w;
          max_w_name = names_[j];
        }
        double lo =
            std::min(*std::min_element(r.begin(), r.end()), *std::min_element(s.begin(), s.end()));
        double hi =
            std::max(*std::max_element(r.begin(), r.end()), *std::max_element(s.begin(), s.end()));
        if (!h.empty()) {
          const KsResult kh = ks_2samp(r, h);
          entry["holdout_ks"] = {
              {"statistic", num(kh.statistic)}, {"pvalue", num(kh.pvalue)}, {"exact", kh.exact}};
          entry["holdout_wasserstein"] = num(wasserstein_1d(r, h) / scale);
          p_holdout = kh.pvalue;
          lo = std::min(lo, *std::min_element(h.begin(), h.end()));
          hi = std::max(hi, *std::max_element(h.begin(), h.end()));
        }
        json plot = {{"edges", bin_edges(lo, hi, bins)},
                     {"real", histogram(r, lo, hi, bins)},
                     {"synthetic", histogram(s, lo, hi, bins)}};
        if (!h.empty()) plot["holdout"] = histogram(h, lo, hi, bins);
        entry["plot"] = plot;
      }
      if (p < config_.alpha) {
        ++differ;
        differing.push_back(names_[j]);
      }
      if (!h.empty() && p_holdout < config_.alpha) ++differ_holdout;
      const double statistic = entry.contains("ks") ? number_of(entry["ks"]["statistic"])
                                                    : number_of(entry["tvd"]);
      rank.emplace_back(std::isfinite(p) ? p : 1.0,
                        std::isfinite(statistic) ? -statistic : 0.0);
      entries.push_back(std::move(entry));
    }
    const size_t d = real_.cols;
    // The detail of at most max_detail_columns columns, those that differ most, in table order.
    const size_t keep = std::min(d, static_cast<size_t>(config_.max_detail_columns));
    std::vector<size_t> order(d);
    for (size_t j = 0; j < d; ++j) order[j] = j;
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t a, size_t b) { return rank[a] < rank[b]; });
    order.resize(keep);
    std::sort(order.begin(), order.end());
    json per_column = json::array();
    for (size_t j : order) per_column.push_back(std::move(entries[j]));
    json summary = {{"columns", d},
                    {"differ", differ},
                    {"differing_columns", differing},
                    {"mean_ks_statistic", num(n_numeric ? sum_ks / n_numeric : kNaN)},
                    {"mean_wasserstein", num(n_numeric ? sum_w / n_numeric : kNaN)}};
    if (holdout_ != nullptr) summary["holdout_differ"] = differ_holdout;
    std::string verdict = std::to_string(differ) + " of " + std::to_string(d) + " columns differ" +
                          " at p < " + general(config_.alpha) + " (KS test" +
                          (n_numeric < d ? ", chi-square for categorical columns)" : ")");
    if (holdout_ != nullptr) {
      verdict +=
          "; fresh real rows: " + std::to_string(differ_holdout) + " of " + std::to_string(d);
    }
    if (n_numeric > 0) {
      summary["max_wasserstein"] = num(max_w);
      summary["max_wasserstein_column"] = max_w_name;
      verdict += ". Largest shift: '" + max_w_name + "' (Wasserstein " + fixed(max_w, 2) +
                 " real standard deviations)";
    }
    verdict += ".";
    json out = {{"alpha", config_.alpha},
                {"quantile_levels", config_.quantiles},
                {"per_column", per_column},
                {"summary", summary},
                {"verdict", verdict}};
    if (keep < d) {
      summary["per_column_kept"] = keep;
      out["summary"] = summary;
      out["left_out"] = "per_column holds the " + std::to_string(keep) + " of " +
                        std::to_string(d) +
                        " columns that differ most (smallest p-values); the summary and the "
                        "verdict count every column (evaluation.max_detail_columns keeps more)";
    }
    return out;
  }

  json correlations() const {
    const Matrix pr = pearson_matrix(real_), ps = pearson_matrix(synthetic_);
    const Matrix sr = spearman_matrix(real_), ss = spearman_matrix(synthetic_);
    const MatrixDifference pd = upper_triangle_difference(pr, ps);
    const MatrixDifference sd = upper_triangle_difference(sr, ss);
    auto diff_json = [](const MatrixDifference& m) {
      return json{{"mean_abs_diff", num(m.mean_abs_diff)},
                  {"max_abs_diff", num(m.max_abs_diff)},
                  {"pairs", m.pairs},
                  {"skipped_pairs", m.skipped}};
    };
    json out = {{"pearson", diff_json(pd)}, {"spearman", diff_json(sd)}};
    // Heatmaps of at most max_heatmap_columns columns: those whose Pearson correlations differ
    // most (a matrix grows with the square of the width), in table order.
    const size_t d = real_.cols;
    std::vector<size_t> shown(d);
    for (size_t j = 0; j < d; ++j) shown[j] = j;
    if (d > static_cast<size_t>(config_.max_heatmap_columns)) {
      std::vector<double> worst(d, 0.0);
      for (size_t a = 0; a < d; ++a)
        for (size_t b = 0; b < d; ++b) {
          const double diff = std::abs(pr(a, b) - ps(a, b));
          if (a != b && std::isfinite(diff)) worst[a] = std::max(worst[a], diff);
        }
      std::stable_sort(shown.begin(), shown.end(),
                       [&](size_t a, size_t b) { return worst[a] > worst[b]; });
      shown.resize(static_cast<size_t>(config_.max_heatmap_columns));
      std::sort(shown.begin(), shown.end());
      out["plot_left_out"] =
          "the heatmaps show the " + std::to_string(shown.size()) + " of " + std::to_string(d) +
          " columns whose Pearson correlations differ most; the numbers above cover every pair "
          "(evaluation.max_heatmap_columns shows more)";
    }
    auto part = [&](const Matrix& m) {
      Matrix sub(shown.size(), shown.size());
      for (size_t a = 0; a < shown.size(); ++a)
        for (size_t b = 0; b < shown.size(); ++b) sub(a, b) = m(shown[a], shown[b]);
      return matrix_json(sub);
    };
    std::vector<std::string> shown_names;
    for (size_t j : shown) shown_names.push_back(names_[j]);
    json plot = {{"columns", shown_names},
                 {"pearson_real", part(pr)},
                 {"pearson_synthetic", part(ps)},
                 {"spearman_real", part(sr)},
                 {"spearman_synthetic", part(ss)}};
    double holdout_pearson = kNaN, holdout_spearman = kNaN;
    // A correlation from fewer than 10 rows has a standard error above 0.35: no yardstick (2
    // holdout rows of a rare class once made 0.94 look "as well preserved as fresh real rows").
    constexpr size_t kMinHoldoutRows = 10;
    if (holdout_ != nullptr && holdout_->rows < kMinHoldoutRows) {
      out["holdout_skipped"] = "needs at least " + std::to_string(kMinHoldoutRows) +
                               " holdout rows, got " + std::to_string(holdout_->rows);
    } else if (holdout_ != nullptr) {
      const Matrix ph = pearson_matrix(*holdout_), sh = spearman_matrix(*holdout_);
      holdout_pearson = upper_triangle_difference(pr, ph).mean_abs_diff;
      holdout_spearman = upper_triangle_difference(sr, sh).mean_abs_diff;
      out["pearson"]["holdout_mean_abs_diff"] = num(holdout_pearson);
      out["spearman"]["holdout_mean_abs_diff"] = num(holdout_spearman);
      plot["pearson_holdout"] = part(ph);
      plot["spearman_holdout"] = part(sh);
    }
    out["plot"] = plot;
    std::string verdict;
    if (pd.pairs == 0) {
      verdict = "No column pair to compare (fewer than 2 non-constant columns).";
    } else {
      const double m = pd.mean_abs_diff;
      verdict = "Pearson correlations differ by " + fixed(m, 3) + " on average over " +
                std::to_string(pd.pairs) + " column pairs (Spearman " + fixed(sd.mean_abs_diff, 3) +
                ")";
      if (std::isfinite(holdout_pearson)) {
        verdict += "; fresh real rows: " + fixed(holdout_pearson, 3) + " (Spearman " +
                   fixed(holdout_spearman, 3) + ")";
      }
      // With a holdout the yardstick is fresh real data (small samples alone move correlations);
      // without one, fixed thresholds.
      std::string quality;
      if (std::isfinite(holdout_pearson)) {
        quality = m <= 1.5 * holdout_pearson + 0.03   ? "as well preserved as in fresh real rows"
                  : m <= 2.5 * holdout_pearson + 0.05 ? "somewhat distorted"
                                                      : "clearly distorted";
      } else {
        quality = m < 0.05   ? "well preserved"
                  : m < 0.15 ? "roughly preserved"
                             : "clearly distorted";
      }
      verdict += ": correlations " + quality + ".";
    }
    out["verdict"] = verdict;
    return out;
  }

  json detection() const {
    json out = {{"synthetic", json::object()}};
    if (holdout_ != nullptr) out["holdout"] = json::object();
    const uint64_t seed = mix_seed(config_.seed, kDetectionStream);
    const int folds = config_.detection_folds;
    const size_t cap = static_cast<size_t>(config_.detection_max_rows);
    Rng rng(seed);
    const Matrix real = subsample(real_, cap, rng);
    const Matrix synthetic = subsample(synthetic_, cap, rng);
    Matrix holdout;
    if (holdout_ != nullptr) holdout = subsample(*holdout_, cap, rng);
    // Synthetic rows as many as the holdout's (when fewer than the synthetic set used above),
    // drawn from a stream of their own so the other subsamples stay as they were.
    Matrix matched_synthetic;
    if (holdout_ != nullptr && holdout.rows > 0 &&
        std::min(real.rows, holdout.rows) < std::min(real.rows, synthetic.rows)) {
      Rng matched_rng(mix_seed(seed, 1));
      matched_synthetic = subsample(synthetic, holdout.rows, matched_rng);
      out["synthetic_matched"] = json::object();
    }
    double best = kNaN, best_holdout = kNaN, best_matched = kNaN;
    std::string best_name;
    std::vector<std::string> parts;
    for (const std::string& name : config_.detection_classifiers) {
      const json cfg = config_.detection_configs.contains(name) ? config_.detection_configs[name]
                                                                : json::object();
      auto run = [&](const Matrix& other, const char* set) -> json {
        const size_t rows = std::min(real.rows, other.rows);
        // Fewer than 4 rows of each set per test fold give fold AUCs of a handful of possible
        // values: noise, not evidence (9 real rows of a rare class once scored AUC 1.00 for
        // copies of those very rows).
        const size_t needed = 4 * static_cast<size_t>(folds);
        if (rows < needed) {
          return {{"skipped", std::to_string(folds) + " folds need at least " +
                                  std::to_string(needed) +
                                  " rows in each set (4 per test fold) for a meaningful AUC, got " +
                                  std::to_string(real.rows) + " real and " +
                                  std::to_string(other.rows) + " " + set + " rows"}};
        }
        const DetectionResult r =
            detection_test(real, other, name, cfg, folds, seed, config_.detection_threads);
        const Curve roc = thin_curve(r.roc, static_cast<size_t>(config_.roc_curve_points));
        return {{"roc_auc", num(r.roc_auc)},
                {"roc_auc_std", num(r.roc_auc_std)},
                {"fold_roc_auc", numbers(r.fold_roc_auc)},
                {"pooled_roc_auc", num(r.pooled_roc_auc)},
                {"rows_per_set", r.rows_per_set},
                {"folds", r.folds},
                {"plot", {{"fpr", numbers(roc.x)}, {"tpr", numbers(roc.y)}}}};
      };
      const json s = run(synthetic, "synthetic");
      out["synthetic"][name] = s;
      if (s.contains("roc_auc") && !s["roc_auc"].is_null()) {
        const double auc = s["roc_auc"].get<double>();
        parts.push_back(name + " " + fixed(auc, 2));
        if (!(auc <= best)) {
          best = auc;
          best_name = name;
        }
      }
      if (holdout_ != nullptr) {
        const json h = run(holdout, "holdout");
        out["holdout"][name] = h;
        if (h.contains("roc_auc") && !h["roc_auc"].is_null()) {
          const double auc = h["roc_auc"].get<double>();
          if (!(auc <= best_holdout)) best_holdout = auc;
        }
        // The holdout is usually smaller than the synthetic set, and a detector trained on fewer
        // rows finds fewer differences: the same test on as many synthetic rows as holdout rows
        // is the like-for-like comparison with the fresh real rows' score.
        if (matched_synthetic.rows > 0) {
          const json m = run(matched_synthetic, "synthetic");
          out["synthetic_matched"][name] = m;
          if (m.contains("roc_auc") && !m["roc_auc"].is_null()) {
            const double auc = m["roc_auc"].get<double>();
            if (!(auc <= best_matched)) best_matched = auc;
          }
        }
      }
    }
    std::string verdict;
    if (!std::isfinite(best)) {
      verdict = "Detection skipped: too few rows (" + std::to_string(folds) + " folds need " +
                std::to_string(4 * folds) + " rows per set, 4 per test fold).";
    } else {
      const std::string quality = best < 0.6    ? "hard to tell apart"
                                  : best < 0.75 ? "somewhat distinguishable"
                                  : best < 0.9  ? "clearly distinguishable"
                                                : "easily told apart";
      std::string list;
      for (size_t i = 0; i < parts.size(); ++i) list += (i ? ", " : "") + parts[i];
      verdict = "Detector AUC " + fixed(best, 2) + ": " + quality + " (" + list +
                "; 0.5 = indistinguishable)";
      if (std::isfinite(best_holdout)) {
        verdict += "; fresh real rows score " + fixed(best_holdout, 2);
        if (std::isfinite(best_matched)) {
          verdict += " and the synthetic rows " + fixed(best_matched, 2) + " with as few rows (" +
                     std::to_string(matched_synthetic.rows) + " per set)";
        }
      }
      verdict += ".";
    }
    out["verdict"] = verdict;
    return out;
  }

  json mmd() const {
    const uint64_t seed = mix_seed(config_.seed, kMmdStream);
    Rng rng(seed);
    const size_t cap = static_cast<size_t>(config_.mmd_max_rows);
    const size_t perms = static_cast<size_t>(config_.mmd_permutations);
    const Matrix real = subsample(real_z_, cap, rng);
    const Matrix synthetic = subsample(synthetic_z_, cap, rng);
    const MmdResult s = mmd_rbf(real, synthetic, perms, seed, 0.0, config_.threads);
    auto to_json = [&](const MmdResult& r, size_t other_rows) {
      return json{{"mmd2", num(r.mmd2)},           {"pvalue", num(r.pvalue)},
                  {"bandwidth", num(r.bandwidth)}, {"permutations", r.permutations},
                  {"rows_real", real.rows},        {"rows_other", other_rows}};
    };
    json out = {{"synthetic", to_json(s, synthetic.rows)}};
    std::string verdict =
        "MMD^2 " + fixed(s.mmd2, 4) + " (" + pvalue_text(s.pvalue) + "): " +
        (s.pvalue < config_.alpha ? "the distributions differ" : "no significant difference");
    if (holdout_ != nullptr) {
      if (holdout_->rows >= 2) {
        const Matrix holdout = subsample(holdout_z_, cap, rng);
        // The synthetic comparison's bandwidth, so the two MMD values share one kernel.
        const MmdResult h = mmd_rbf(real, holdout, perms, seed, s.bandwidth, config_.threads);
        out["holdout"] = to_json(h, holdout.rows);
        verdict +=
            "; fresh real rows: MMD^2 " + fixed(h.mmd2, 4) + " (" + pvalue_text(h.pvalue) + ")";
      } else {
        out["holdout"] = {{"skipped", "needs at least 2 holdout rows"}};
      }
    }
    out["verdict"] = verdict + ".";
    return out;
  }

  json prdc_block() const {
    const size_t k = static_cast<size_t>(config_.prdc_k);
    const size_t cap = static_cast<size_t>(config_.prdc_max_rows);
    Rng rng(mix_seed(config_.seed, kPrdcStream));
    const Matrix real = subsample(real_z_, cap, rng);
    if (real.rows <= k) {
      const std::string why = "k = " + std::to_string(k) + " needs more than " + std::to_string(k) +
                              " real rows, got " + std::to_string(real.rows);
      return {{"skipped", why}, {"verdict", "Precision/recall skipped: " + why + "."}};
    }
    // Equal-sized fake sets, so recall and coverage (which grow with the fake set) compare fairly
    // between synthetic and holdout rows.
    size_t fake_rows = std::min(real.rows, synthetic_z_.rows);
    const bool use_holdout = holdout_ != nullptr && holdout_->rows > k;
    if (use_holdout) fake_rows = std::min(fake_rows, holdout_->rows);
    auto to_json = [&](const Prdc& p, size_t rows) {
      return json{{"precision", num(p.precision)},
                  {"recall", num(p.recall)},
                  {"density", num(p.density)},
                  {"coverage", num(p.coverage)},
                  {"k", k},
                  {"rows_real", real.rows},
                  {"rows_other", rows}};
    };
    json out = json::object();
    if (fake_rows <= k) {
      const std::string why =
          "k = " + std::to_string(k) + " needs more than " + std::to_string(k) + " synthetic rows";
      return {{"skipped", why}, {"verdict", "Precision/recall skipped: " + why + "."}};
    }
    const Matrix synthetic = subsample(synthetic_z_, fake_rows, rng);
    const Prdc s = prdc(real, synthetic, k, config_.threads);
    out["synthetic"] = to_json(s, synthetic.rows);
    Prdc h;
    if (use_holdout) {
      const Matrix holdout = subsample(holdout_z_, fake_rows, rng);
      h = prdc(real, holdout, k, config_.threads);
      out["holdout"] = to_json(h, holdout.rows);
    } else if (holdout_ != nullptr) {
      out["holdout"] = {{"skipped", "k = " + std::to_string(k) + " needs more than " +
                                        std::to_string(k) + " holdout rows"}};
    }
    std::string verdict = "Precision " + fixed(s.precision, 2) + ", recall " + fixed(s.recall, 2) +
                          ", density " + fixed(s.density, 2) + ", coverage " + fixed(s.coverage, 2);
    if (use_holdout) {
      verdict += " (fresh real rows: " + fixed(h.precision, 2) + ", " + fixed(h.recall, 2) + ", " +
                 fixed(h.density, 2) + ", " + fixed(h.coverage, 2) + ")";
    }
    // Flags: below half, or (with a reference) below 3/4 of what fresh real rows get.
    auto low = [&](double v, double ref) { return v < 0.5 || (use_holdout && v < 0.75 * ref); };
    std::vector<std::string> flags;
    if (low(s.recall, h.recall) || low(s.coverage, h.coverage)) {
      flags.push_back(
          "low recall/coverage: parts of the real data are not covered (mode collapse?)");
    }
    if (low(s.precision, h.precision)) {
      flags.push_back("low precision: many synthetic rows lie off the real data's manifold");
    }
    if (flags.empty()) flags.push_back("no sign of mode collapse or off-manifold rows");
    verdict += ": ";
    for (size_t i = 0; i < flags.size(); ++i) verdict += (i ? "; " : "") + flags[i];
    out["verdict"] = verdict + ".";
    return out;
  }

  json privacy() const {
    const uint64_t seed = mix_seed(config_.seed, kPrivacyStream);
    const PrivacyResult s = privacy_metrics(real_, synthetic_, holdout_, seed, config_.threads);
    auto to_json = [&](const PrivacyResult& r) {
      json j = {{"rows", r.n_query},
                {"dcr_median", num(r.dcr_median)},
                {"dcr_p05", num(r.dcr_p05)},
                {"dcr_mean", num(r.dcr_mean)},
                {"nndr_median", num(r.nndr_median)},
                {"nndr_p05", num(r.nndr_p05)},
                {"exact_copies", r.exact_copies},
                {"exact_copy_share",
                 num(static_cast<double>(r.exact_copies) / static_cast<double>(r.n_query))}};
      if (holdout_ != nullptr) {
        j["holdout_share"] = num(r.holdout_share);
        j["reference_rows"] = r.reference_rows;
      }
      return j;
    };
    json out = {{"synthetic", to_json(s)}};
    PrivacyResult h;
    const bool reference = holdout_ != nullptr && holdout_->rows >= 2;
    if (reference) {
      h = privacy_reference(real_, *holdout_, seed, config_.threads);
      out["holdout"] = to_json(h);
    } else if (holdout_ != nullptr) {
      out["holdout"] = {{"skipped", "needs at least 2 holdout rows"}};
    }
    // Histogram of distances to the closest record, up to the larger 99th percentile.
    const size_t bins = static_cast<size_t>(config_.histogram_bins);
    double hi = percentile(s.dcr, 99.0);
    if (reference) hi = std::max(hi, percentile(h.dcr, 99.0));
    if (!(hi > 0.0)) hi = 1.0;
    json plot = {{"dcr_edges", bin_edges(0.0, hi, bins)},
                 {"dcr_synthetic", histogram(s.dcr, 0.0, hi, bins)}};
    if (reference) plot["dcr_holdout"] = histogram(h.dcr, 0.0, hi, bins);
    out["plot"] = plot;

    std::string verdict = "Median distance to the closest real record " + fixed(s.dcr_median, 2);
    verdict += reference ? " (fresh real rows: " + fixed(h.dcr_median, 2) + ")" : "";
    verdict += "; " + std::to_string(s.exact_copies) + " exact copies of training rows";
    verdict += reference ? " (fresh real rows: " + std::to_string(h.exact_copies) + ")" : "";
    std::vector<std::string> flags;
    if (holdout_ != nullptr && std::isfinite(s.holdout_share)) {
      verdict += "; " + percent(s.holdout_share) +
                 " of synthetic rows are closer to the training rows than to unseen real rows " +
                 "(50% ideal";
      verdict += reference && std::isfinite(h.holdout_share)
                     ? ", fresh real rows: " + percent(h.holdout_share) + ")"
                     : ")";
      if (s.holdout_share >= 0.9) {
        flags.push_back("strong sign of memorisation");
      } else if (s.holdout_share >= 0.6) {
        flags.push_back("possible memorisation");
      }
    }
    // Real data can hold duplicate rows, so fresh rows may "copy" training rows too: flag only
    // copies beyond the fresh rows' share.
    const double copy_share = static_cast<double>(s.exact_copies) / static_cast<double>(s.n_query);
    const double fresh_share =
        reference ? static_cast<double>(h.exact_copies) / static_cast<double>(h.n_query) : 0.0;
    if (s.exact_copies > 0 && copy_share > fresh_share + 0.01) {
      flags.push_back("training rows are copied");
    }
    if (reference && s.dcr_median < 0.5 * h.dcr_median) {
      flags.push_back("synthetic rows sit unusually close to training records");
    }
    verdict += flags.empty() ? ": no sign of memorisation" : ": ";
    for (size_t i = 0; i < flags.size(); ++i) verdict += (i ? "; " : "") + flags[i];
    out["verdict"] = verdict + ".";
    return out;
  }

  json pca() const {
    if (real_.cols < 2) {
      const std::string why = "needs at least 2 columns";
      return {{"skipped", why}, {"verdict", "PCA skipped: " + why + "."}};
    }
    const Pca p = fit_pca(real_z_, 2);
    Rng rng(mix_seed(config_.seed, kPcaStream));
    const size_t cap = static_cast<size_t>(config_.pca_max_points);
    json plot = {{"real", coordinates(p.transform(subsample(real_z_, cap, rng)))},
                 {"synthetic", coordinates(p.transform(subsample(synthetic_z_, cap, rng)))},
                 {"components", matrix_json(p.components)},
                 {"columns", names_}};
    if (holdout_ != nullptr) {
      plot["holdout"] = coordinates(p.transform(subsample(holdout_z_, cap, rng)));
    }
    const double explained = p.explained_variance_ratio[0] + p.explained_variance_ratio[1];
    return {{"explained_variance", numbers(p.explained_variance)},
            {"explained_variance_ratio", numbers(p.explained_variance_ratio)},
            {"plot", plot},
            {"verdict",
             "PCA fit on the real rows (standardised): the first two components "
             "explain " +
                 percent(explained) + " of their variance."}};
  }

  json tsne_block(Observer* observer) const {
    // Share the point budget equally between the sets; a set smaller than its share gives the
    // rest to the others.
    std::vector<const Matrix*> sets = {&real_z_, &synthetic_z_};
    if (holdout_ != nullptr) sets.push_back(&holdout_z_);
    std::vector<size_t> take(sets.size(), 0);
    std::vector<size_t> order(sets.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::sort(order.begin(), order.end(),
              [&](size_t a, size_t b) { return sets[a]->rows < sets[b]->rows; });
    size_t budget = static_cast<size_t>(config_.tsne_max_points);
    for (size_t t = 0; t < order.size(); ++t) {
      const size_t share = budget / (order.size() - t);
      take[order[t]] = std::min(sets[order[t]]->rows, share);
      budget -= take[order[t]];
    }
    Rng rng(mix_seed(config_.seed, kTsneStream));
    Matrix pooled;
    std::vector<Matrix> parts;
    for (size_t i = 0; i < sets.size(); ++i) {
      parts.push_back(subsample(*sets[i], take[i], rng));
      pooled = Matrix::vstack(pooled, parts.back());
    }
    if (pooled.rows < 3) {
      return {{"skipped", "needs at least 3 points"},
              {"verdict", "t-SNE skipped: needs at least 3 points."}};
    }
    TsneConfig tc;
    tc.perplexity = config_.tsne_perplexity;
    tc.iterations = static_cast<int>(config_.tsne_iterations);
    tc.theta = config_.tsne_theta;
    tc.seed = mix_seed(config_.seed, kTsneStream);
    tc.threads = config_.threads;
    TsneProgress progress(observer);
    const TsneResult r = tsne(pooled, tc, observer != nullptr ? &progress : nullptr);
    // Trustworthiness of the map at k = 5 (needs k < n / 2).
    const double trust =
        pooled.rows > 10 ? trustworthiness(pooled, r.embedding, 5, config_.threads) : kNaN;
    static const char* kSetNames[] = {"real", "synthetic", "holdout"};
    json plot = json::object();
    json points = json::object();
    size_t offset = 0;
    for (size_t i = 0; i < parts.size(); ++i) {
      std::vector<size_t> rows(parts[i].rows);
      for (size_t t = 0; t < rows.size(); ++t) rows[t] = offset + t;
      plot[kSetNames[i]] = coordinates(r.embedding.select_rows(rows));
      points[kSetNames[i]] = parts[i].rows;
      offset += parts[i].rows;
    }
    json history = json::array();
    for (const auto& [it, kl] : r.kl_history) history.push_back({it, num(kl)});
    plot["kl_history"] = history;
    return {{"points", points},
            {"perplexity", num(r.perplexity)},
            {"iterations", tc.iterations},
            {"theta", tc.theta},
            {"kl_divergence", num(r.kl_divergence)},
            {"trustworthiness", num(trust)},
            {"plot", plot},
            {"verdict", "t-SNE map of " + std::to_string(pooled.rows) + " points (KL divergence " +
                            fixed(r.kl_divergence, 2) + ", trustworthiness " + fixed(trust, 2) +
                            "): synthetic points should mix with the real ones."}};
  }

 private:
  const Matrix& real_;
  const Matrix& synthetic_;
  const Matrix* holdout_;
  const std::vector<std::string>& names_;
  std::vector<ColumnKind> kinds_;
  const EvaluationConfig& config_;
  StandardScaler scaler_;
  Matrix real_z_, synthetic_z_, holdout_z_;
};

}  // namespace

std::vector<std::string> evaluation_block_names() {
  return {"columns", "correlations", "detection", "mmd", "prdc", "privacy", "pca", "tsne"};
}

json evaluate(const Matrix& real, const Matrix& synthetic, const Matrix* holdout,
              const std::vector<std::string>& column_names, const EvaluationConfig& config,
              Observer* observer, const std::vector<ColumnKind>& column_kinds) {
  config.validate();
  check_inputs(real, synthetic, holdout, column_names, column_kinds);
  const auto start = std::chrono::steady_clock::now();
  const Evaluation ev(real, synthetic, holdout, column_names, column_kinds, config);

  const bool has_holdout = holdout != nullptr && holdout->rows > 0;
  json result = {{"format", "imbgen.evaluation"},
                 {"version", 1},
                 {"config", config.to_json()},
                 {"rows",
                  {{"real", real.rows},
                   {"synthetic", synthetic.rows},
                   {"holdout", has_holdout ? holdout->rows : 0},
                   {"columns", real.cols}}}};
  const std::vector<std::pair<std::string, std::function<json()>>> blocks = {
      {"columns", [&] { return ev.columns(); }},
      {"correlations", [&] { return ev.correlations(); }},
      {"detection", [&] { return config.detection ? ev.detection() : json(); }},
      {"mmd", [&] { return config.mmd ? ev.mmd() : json(); }},
      {"prdc", [&] { return config.prdc ? ev.prdc_block() : json(); }},
      {"privacy", [&] { return config.privacy ? ev.privacy() : json(); }},
      {"pca", [&] { return config.pca ? ev.pca() : json(); }},
      {"tsne", [&] { return config.tsne ? ev.tsne_block(observer) : json(); }},
  };
  const std::vector<bool> enabled = {true,        true,           config.detection, config.mmd,
                                     config.prdc, config.privacy, config.pca,       config.tsne};
  const int64_t total = std::count(enabled.begin(), enabled.end(), true);
  int64_t step = 0;
  json timings = json::object();
  json verdicts = json::object();
  for (size_t b = 0; b < blocks.size(); ++b) {
    if (!enabled[b]) continue;
    const std::string& name = blocks[b].first;
    if (observer != nullptr) {
      Progress p;
      p.task = "evaluate: " + name;
      p.step = ++step;
      p.total = total;
      observer->on_progress(p);
    }
    const auto t0 = std::chrono::steady_clock::now();
    json block = blocks[b].second();
    timings[name] = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (block.contains("verdict")) verdicts[name] = block["verdict"];
    result[name] = std::move(block);
  }
  timings["total"] =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  result["verdicts"] = verdicts;
  result["timings"] = timings;
  return result;
}

}  // namespace imbgen
