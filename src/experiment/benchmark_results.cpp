// A benchmark's outputs: results.json per data set (every fold's entries, generators, the
// statistics with intervals and paired tests, the per-classifier summary), metrics.csv,
// summary.csv and, for several data sets, wins.csv.
#include "benchmark_results.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <filesystem>
#include <limits>
#include <map>
#include <sstream>

#include "cell.h"
#include "imbgen/core/error.h"
#include "imbgen/core/files.h"
#include "imbgen/core/formats.h"
#include "imbgen/core/text.h"
#include "imbgen/core/threads.h"
#include "imbgen/core/version.h"
#include "imbgen/data/csv.h"
#include "imbgen/experiment/run.h"
#include "imbgen/experiment/statistics.h"

namespace imbgen::experiment_detail {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

double number(const nlohmann::json& j) { return j.is_number() ? j.get<double>() : kNaN; }

// JSON cannot hold NaN: null stands for "not a number" (as the report reads it).
nlohmann::json num(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(); }

std::string fmt(double v, int digits = 3) {
  if (!std::isfinite(v)) return "n/a";
  std::ostringstream ss;
  ss.setf(std::ios::fixed);
  ss.precision(digits);
  ss << v;
  std::string s = ss.str();
  if (s[0] == '-' && s.find_first_not_of("-0.") == std::string::npos) s.erase(0, 1);  // no -0.000
  return s;
}

// "+0.012", "-0.004", "±0.000" (as the report writes differences).
std::string signed_fmt(double v, int digits = 3) {
  const std::string s = fmt(v, digits);
  if (s == "n/a" || s[0] == '-') return s;
  return (s.find_first_not_of("0.") == std::string::npos ? "±" : "+") + s;
}

// "p = 0.43", "p < 0.001".
std::string p_text(double p) {
  if (!std::isfinite(p)) return "p n/a";
  if (p < 0.001) return "p < 0.001";
  std::ostringstream ss;
  ss.precision(2);
  ss << p;
  return "p = " + ss.str();
}

// Metric values per (strategy, classifier): [pair index j = repeat * folds + fold] -> value.
using Series = std::map<std::string, std::vector<double>>;  // metric -> values
using Grid = std::map<std::pair<std::string, std::string>, Series>;

struct Comparison {
  PairedTTest t;
  WilcoxonResult w;
  int wins = 0, losses = 0;
};

Comparison compare(const std::vector<double>& a, const std::vector<double>& b, double ratio,
                   double confidence) {
  Comparison c;
  c.t = corrected_resampled_ttest(a, b, ratio, confidence);
  c.w = wilcoxon_signed_rank(a, b);
  for (size_t i = 0; i < a.size(); ++i) {
    if (!std::isfinite(a[i]) || !std::isfinite(b[i])) continue;
    if (a[i] > b[i]) ++c.wins;
    if (a[i] < b[i]) ++c.losses;
  }
  return c;
}

nlohmann::json comparison_json(const Comparison& c) {
  return {{"diff", num(c.t.diff)},
          {"ci_low", num(c.t.ci_low)},
          {"ci_high", num(c.t.ci_high)},
          {"pvalue", num(c.t.pvalue)},
          {"t", num(c.t.t)},
          {"wilcoxon_pvalue", num(c.w.pvalue)},
          {"wilcoxon_statistic", num(c.w.statistic)},
          {"wilcoxon_exact", c.w.exact},
          {"wins", c.wins},
          {"losses", c.losses},
          {"n", c.t.n}};
}

std::string method_text(const BenchmarkConfig& config, double ratio) {
  const int j = config.folds * config.repeats;
  std::ostringstream ss;
  ss << "Stratified " << config.folds << "-fold cross-validation repeated " << config.repeats
     << " time" << (config.repeats == 1 ? "" : "s") << " (" << j
     << " paired test folds). Models were fit on " << fmt(100 * (1 - config.validation_fraction), 0)
     << "% of each fold's training rows; thresholds were tuned on the other "
     << fmt(100 * config.validation_fraction, 0) << "%. Means carry "
     << fmt(100 * config.confidence, 0)
     << "% t-intervals and differences are paired by fold, both with the Nadeau-Bengio corrected "
        "variance (1/"
     << j << " + n_test/n_train = " << fmt(1.0 / j + ratio, 3)
     << " times the sample variance, since the folds' training sets overlap); p-values from the "
        "corrected resampled t-test. Wilcoxon signed-rank p-values (results.json, summary.csv) "
        "treat the folds as independent, so they are optimistic.";
  return ss.str();
}

// What auto chose per classifier over the folds (include/imbgen/experiment/auto.h's shape): the
// count of each choice, the most frequent one (ties: the earlier candidate), and each
// candidate's inner PR-AUC averaged over the folds where it was scored.
nlohmann::json auto_summary(const BenchmarkConfig& config, const nlohmann::json& entries) {
  const std::vector<std::string> order = config.auto_config.expanded_candidates();
  nlohmann::json out = nlohmann::json::object();
  for (const auto& clf : config.classifiers) {
    std::map<std::string, int> counts;
    std::map<std::string, std::pair<double, int>> inner;  // sum, n
    nlohmann::json skipped = nlohmann::json::object();
    int folds = 0, inner_folds = 0;
    for (const auto& e : entries) {
      if (e.at("strategy") != "auto" || e.at("classifier") != clf || !e.contains("auto")) continue;
      const auto& a = e.at("auto");
      ++folds;
      ++counts[a.at("chosen").get<std::string>()];
      inner_folds = a.at("inner_folds").get<int>();
      for (const auto& [cand, v] : a.at("inner_pr_auc").items()) {
        auto& acc = inner[cand];
        if (v.is_number()) {
          acc.first += v.get<double>();
          ++acc.second;
        }
      }
      for (const auto& [cand, why] : a.at("skipped").items()) skipped[cand] = why;
    }
    if (folds == 0) continue;
    std::string chosen;
    int best = 0;
    nlohmann::json choices = nlohmann::json::object();
    nlohmann::json inner_json = nlohmann::json::object();
    for (const auto& cand : order) {
      if (counts.count(cand)) {
        choices[cand] = counts.at(cand);
        if (counts.at(cand) > best) {
          best = counts.at(cand);
          chosen = cand;
        }
      }
      if (inner.count(cand)) {
        const auto& [sum, n] = inner.at(cand);
        inner_json[cand] = n > 0 ? nlohmann::json(sum / n) : nlohmann::json();
      }
    }
    out[clf] = {{"chosen", chosen},           {"choices", choices},         {"folds", folds},
                {"inner_folds", inner_folds}, {"inner_pr_auc", inner_json}, {"skipped", skipped}};
  }
  return out;
}

// Per classifier with an auto summary: auto against the strategy with the best mean PR-AUC on the
// test folds among the others ("hindsight": picked with the test folds' own scores, which auto
// never sees, so the comparison favours it), paired by fold like every comparison.
void add_hindsight(const BenchmarkConfig& config, const Grid& grid, double ratio,
                   nlohmann::json& summary) {
  const std::string metric = "pr_auc";
  for (auto& [clf, s] : summary.items()) {
    std::string best;
    double best_mean = -1;
    for (const auto& strategy : config.strategies) {
      if (strategy == "auto") continue;
      const double m = mean_interval(grid.at({strategy, clf}).at(metric), config.confidence).mean;
      if (std::isfinite(m) && m > best_mean) {  // ties: the earlier strategy
        best_mean = m;
        best = strategy;
      }
    }
    if (best.empty()) continue;
    const Comparison c = compare(grid.at({"auto", clf}).at(metric), grid.at({best, clf}).at(metric),
                                 ratio, config.confidence);
    nlohmann::json h = comparison_json(c);
    h["best"] = best;
    h["significant"] = std::isfinite(c.t.pvalue) && c.t.pvalue < config.alpha;
    // "on the test folds -0.009 PR-AUC against 'gan', the best of the other strategies there
    // (95% CI -0.040 to +0.022, p = 0.56, better in 3/10 folds)"
    // Equal in every fold: auto chose that strategy (or one scoring the same) every time.
    const bool same = c.wins == 0 && c.losses == 0 && c.t.n > 0;
    h["text"] =
        same ? "on the test folds the same as '" + best +
                   "', the best of the other strategies there, in every fold"
             : "on the test folds " + signed_fmt(c.t.diff) + " PR-AUC against '" + best +
                   "', the best of the other strategies there (" + fmt(100 * config.confidence, 0) +
                   "% CI " + signed_fmt(c.t.ci_low) + " to " + signed_fmt(c.t.ci_high) + ", " +
                   p_text(c.t.pvalue) + ", better in " + std::to_string(c.wins) + "/" +
                   std::to_string(c.t.n) + " folds)" +
                   (h["significant"].get<bool>() && c.t.diff < 0 ? ": significantly worse" : "");
    s["hindsight"] = std::move(h);
  }
}

// Per classifier: the best strategy by mean PR-AUC and how it compares with the baselines.
nlohmann::json summary_json(const BenchmarkConfig& config, const Grid& grid, double ratio) {
  const std::string metric = "pr_auc";
  nlohmann::json out = nlohmann::json::array();
  for (const auto& clf : config.classifiers) {
    nlohmann::json s = {{"classifier", clf}, {"metric", metric}};
    std::vector<std::pair<double, std::string>> ranking;
    for (const auto& strategy : config.strategies) {
      const MeanInterval mi = mean_interval(grid.at({strategy, clf}).at(metric), config.confidence);
      ranking.emplace_back(std::isfinite(mi.mean) ? mi.mean : -1.0, strategy);
    }
    std::stable_sort(ranking.begin(), ranking.end(),
                     [](const auto& a, const auto& b) { return a.first > b.first; });
    nlohmann::json rank_json = nlohmann::json::array();
    for (const auto& [m, name] : ranking)
      rank_json.push_back({{"strategy", name}, {"mean", num(m >= 0 ? m : kNaN)}});
    s["ranking"] = rank_json;
    const std::string best = ranking.front().second;
    const Series& best_series = grid.at({best, clf});
    const double j = static_cast<double>(config.folds * config.repeats);
    const MeanInterval bi =
        mean_interval(best_series.at(metric), config.confidence, 1.0 / j + ratio);
    s["best"] = best;
    s["mean"] = num(bi.mean);
    s["ci_low"] = num(bi.ci_low);
    s["ci_high"] = num(bi.ci_high);
    nlohmann::json vs = nlohmann::json::object();
    for (const auto& b : config.baselines) {
      if (b == best || !grid.count({b, clf})) continue;
      const Comparison c =
          compare(best_series.at(metric), grid.at({b, clf}).at(metric), ratio, config.confidence);
      nlohmann::json cj = comparison_json(c);
      cj["significant"] = std::isfinite(c.t.pvalue) && c.t.pvalue < config.alpha;
      // How often the gain holds beyond the headline metric.
      std::vector<std::string> better, worse;
      for (const auto& m : statistics_metrics()) {
        const Comparison cm =
            compare(best_series.at(m), grid.at({b, clf}).at(m), ratio, config.confidence);
        if (!(cm.t.pvalue < config.alpha)) continue;
        (cm.t.diff > 0 ? better : worse).push_back(m);
      }
      cj["metrics_better"] = better;
      cj["metrics_worse"] = worse;
      vs[b] = std::move(cj);
    }
    s["vs"] = vs;
    // Every strategy against "none" on the headline metric: which gains are significant.
    std::vector<std::string> gains, losses;
    if (grid.count({"none", clf})) {
      for (const auto& strategy : config.strategies) {
        if (strategy == "none") continue;
        const Comparison c = compare(grid.at({strategy, clf}).at(metric),
                                     grid.at({"none", clf}).at(metric), ratio, config.confidence);
        if (!(c.t.pvalue < config.alpha)) continue;
        (c.t.diff > 0 ? gains : losses).push_back(strategy);
      }
      s["significantly_better_than_none"] = gains;
      s["significantly_worse_than_none"] = losses;
    }
    // Plain words.
    std::string verdict;
    const std::string name = "'" + best + "'";
    if (best == "none") {
      verdict = "Nothing beat training on the data as it is (mean PR-AUC " + fmt(bi.mean) + ").";
    } else if (vs.contains("none")) {
      const auto& c = vs.at("none");
      const double diff = number(c.at("diff")), p = number(c.at("pvalue"));
      verdict = name + " is best with PR-AUC " + fmt(bi.mean) + ", " + signed_fmt(diff) +
                " over 'none' (" + fmt(100 * config.confidence, 0) + "% CI " +
                signed_fmt(number(c.at("ci_low"))) + " to " + signed_fmt(number(c.at("ci_high"))) +
                ", " + p_text(p) + ", better in " + std::to_string(c.at("wins").get<int>()) + "/" +
                std::to_string(c.at("n").get<size_t>()) + " folds): " +
                (c.at("significant").get<bool>() ? "a significant gain."
                                                 : "not significantly better than 'none'.");
    } else {
      verdict = name + " is best with PR-AUC " + fmt(bi.mean) + " (no 'none' baseline was run).";
    }
    auto listed = [](const std::vector<std::string>& v) {
      std::string text;
      for (const auto& x : v) text += (text.empty() ? "'" : ", '") + x + "'";
      return text;
    };
    if (!gains.empty()) verdict += " Significantly better than 'none': " + listed(gains) + ".";
    if (!losses.empty()) verdict += " Significantly worse than 'none': " + listed(losses) + ".";
    s["verdict"] = verdict;
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace

const std::vector<std::string>& statistics_metrics() {
  static const std::vector<std::string> metrics = {"pr_auc",
                                                   "roc_auc",
                                                   "f1",
                                                   "precision",
                                                   "recall",
                                                   "mcc",
                                                   "balanced_accuracy",
                                                   "accuracy",
                                                   "recall_at_precision_90",
                                                   "f1_tuned",
                                                   "precision_tuned",
                                                   "recall_tuned",
                                                   "mcc_tuned",
                                                   "precision_at_target",
                                                   "recall_at_target"};
  return metrics;
}

nlohmann::json assemble_results(const BenchmarkData& data, int positive,
                                const BenchmarkConfig& config,
                                const std::vector<nlohmann::json>& cells) {
  const Table& table = data.table;
  check_internal(!cells.empty(), "assemble_results: no cells");
  nlohmann::json results;
  results["format"] = kResultsFormat;
  results["format_version"] = kResultsFormatVersion;
  results["imbgen_version"] = version();
  results["blas"] = blas_kernels().describe();  // the kernels decide the last bits
  results["kind"] = "benchmark";
  results["dataset"] = experiment_detail::dataset_summary(table);
  results["dataset"]["name"] = data.name;
  results["dataset"]["positive_class"] = table.classes[static_cast<size_t>(positive)];
  // The first fold's rows the models were fit on, and its test fold.
  results["dataset"]["train"] = cells.front().at("classes").at("fit");
  results["dataset"]["test"] = cells.front().at("classes").at("test");
  results["config"] = config.to_json();

  // Entries, metric series and the test/train size ratio of Nadeau & Bengio.
  const size_t n_pairs = static_cast<size_t>(config.folds * config.repeats);
  Grid grid;
  for (const auto& s : config.strategies) {
    for (const auto& c : config.classifiers) {
      Series& series = grid[{s, c}];
      for (const auto& m : statistics_metrics()) series[m].assign(n_pairs, kNaN);
    }
  }
  nlohmann::json entries = nlohmann::json::array();
  double ratio_sum = 0;
  size_t ratio_n = 0;
  std::map<std::string, std::vector<const nlohmann::json*>> generator_cells;
  for (const auto& cell : cells) {
    const int repeat = cell.at("repeat").get<int>(), fold = cell.at("fold").get<int>();
    const std::string strategy = cell.at("strategy").get<std::string>();
    const size_t j = static_cast<size_t>(repeat * config.folds + fold);
    ratio_sum += number(cell.at("rows").at("test")) / number(cell.at("rows").at("fit"));
    ++ratio_n;
    if (cell.contains("generator")) generator_cells[strategy].push_back(&cell);
    for (const auto& e : cell.at("results")) {
      nlohmann::json entry = e;
      entry["dataset"] = data.name;
      entry["repeat"] = repeat;
      entry["fold"] = fold;
      entry["strategy"] = strategy;
      const std::string clf = e.at("classifier").get<std::string>();
      auto it = grid.find({strategy, clf});
      check_internal(it != grid.end() && j < n_pairs,
                     "assemble_results: a stored cell does not match the configuration");
      for (const auto& m : statistics_metrics()) {
        if (e.at("metrics").contains(m)) it->second.at(m)[j] = number(e.at("metrics").at(m));
      }
      entries.push_back(std::move(entry));
    }
  }
  const double ratio = ratio_n ? ratio_sum / static_cast<double>(ratio_n) : 0.0;
  if (contains(config.strategies, "auto")) {
    results["auto"] = auto_summary(config, entries);
    add_hindsight(config, grid, ratio, results["auto"]);
  }
  results["results"] = std::move(entries);

  // Generators: the first fold's history and evaluation, mean timings over the folds.
  nlohmann::json generators = nlohmann::json::object();
  for (const auto& strategy : config.strategies) {
    auto it = generator_cells.find(strategy);
    if (it == generator_cells.end()) continue;
    const nlohmann::json& first = it->second.front()->at("generator");
    nlohmann::json g = first;
    double fit = 0, sample = 0;
    nlohmann::json per_fold = nlohmann::json::array();
    for (const nlohmann::json* c : it->second) {
      const double f = number(c->at("generator").at("fit_seconds"));
      fit += f;
      sample += number(c->at("generator").at("sample_seconds"));
      per_fold.push_back(num(f));
    }
    const double n = static_cast<double>(it->second.size());
    g["fit_seconds"] = fit / n;
    g["sample_seconds"] = sample / n;
    g["fit_seconds_per_fold"] = per_fold;
    generators[strategy] = std::move(g);
  }
  results["generators"] = std::move(generators);

  // Statistics in the shape the report reads (include/imbgen/report/report.h).
  const double variance_factor = 1.0 / static_cast<double>(n_pairs) + ratio;
  nlohmann::json stat_cells = nlohmann::json::array();
  for (const auto& s : config.strategies) {
    for (const auto& c : config.classifiers) {
      const Series& series = grid.at({s, c});
      nlohmann::json sc = {{"strategy", s}, {"classifier", c}};
      nlohmann::json metrics = nlohmann::json::object();
      size_t n = 0;
      for (const auto& m : statistics_metrics()) {
        const MeanInterval mi = mean_interval(series.at(m), config.confidence, variance_factor);
        if (m == "pr_auc") n = mi.n;
        metrics[m] = {{"mean", num(mi.mean)},
                      {"std", num(mi.std)},
                      {"ci_low", num(mi.ci_low)},
                      {"ci_high", num(mi.ci_high)},
                      {"n", mi.n}};
      }
      sc["n"] = n;
      sc["metrics"] = std::move(metrics);
      nlohmann::json comparisons = nlohmann::json::object();
      for (const auto& b : config.baselines) {
        if (b == s || !grid.count({b, c})) continue;
        nlohmann::json per_metric = nlohmann::json::object();
        for (const auto& m : statistics_metrics()) {
          per_metric[m] = comparison_json(
              compare(series.at(m), grid.at({b, c}).at(m), ratio, config.confidence));
        }
        comparisons[b] = std::move(per_metric);
      }
      sc["comparisons"] = std::move(comparisons);
      stat_cells.push_back(std::move(sc));
    }
  }
  results["statistics"] = {
      {"confidence", config.confidence},
      {"alpha", config.alpha},
      {"repeats", n_pairs},
      {"method", method_text(config, ratio)},
      {"test", "corrected resampled t-test (Nadeau & Bengio 2003)"},
      {"protocol",
       {{"folds", config.folds},
        {"repeats", config.repeats},
        {"pairs", n_pairs},
        {"validation_fraction", config.validation_fraction},
        {"min_precision", config.min_precision},
        {"test_train_ratio", ratio},
        {"variance_factor", variance_factor}}},
      {"cells", std::move(stat_cells)},
      {"summary", summary_json(config, grid, ratio)},
  };
  return results;
}

}  // namespace imbgen::experiment_detail

namespace imbgen {

using experiment_detail::statistics_metrics;

nlohmann::json benchmark_wins(const BenchmarkOutcome& outcome) {
  std::vector<std::string> classifiers, strategies;
  auto add = [](std::vector<std::string>& v, const std::string& s) {
    if (std::find(v.begin(), v.end(), s) == v.end()) v.push_back(s);
  };
  std::map<std::pair<std::string, std::string>, std::array<int, 4>> counts;  // datasets, best, +, -
  for (const auto& r : outcome.results) {
    const auto& config = r.at("config");
    for (const auto& c : config.at("classifiers")) add(classifiers, c.get<std::string>());
    for (const auto& s : config.at("strategies")) add(strategies, s.get<std::string>());
    const double alpha = r.at("statistics").at("alpha").get<double>();
    for (const auto& cell : r.at("statistics").at("cells")) {
      auto& k = counts[{cell.at("classifier").get<std::string>(),
                        cell.at("strategy").get<std::string>()}];
      ++k[0];
      const auto& comps = cell.at("comparisons");
      if (comps.contains("none")) {
        const auto& c = comps.at("none").at("pr_auc");
        const double p = experiment_detail::number(c.at("pvalue"));
        const double d = experiment_detail::number(c.at("diff"));
        if (p < alpha && d > 0) ++k[2];
        if (p < alpha && d < 0) ++k[3];
      }
    }
    for (const auto& s : r.at("statistics").at("summary")) {
      ++counts[{s.at("classifier").get<std::string>(), s.at("best").get<std::string>()}][1];
    }
  }
  nlohmann::json out = nlohmann::json::array();
  for (const auto& c : classifiers) {
    for (const auto& s : strategies) {
      auto it = counts.find({c, s});
      if (it == counts.end()) continue;
      out.push_back({{"classifier", c},
                     {"strategy", s},
                     {"datasets", it->second[0]},
                     {"best", it->second[1]},
                     {"better_than_none", it->second[2]},
                     {"worse_than_none", it->second[3]}});
    }
  }
  return out;
}

std::vector<std::vector<std::string>> benchmark_summary_table(const BenchmarkOutcome& outcome) {
  std::vector<std::vector<std::string>> table;
  std::vector<std::string> baselines;
  for (const auto& r : outcome.results)
    for (const auto& b : r.at("config").at("baselines"))
      if (std::find(baselines.begin(), baselines.end(), b) == baselines.end())
        baselines.push_back(b.get<std::string>());
  std::vector<std::string> header = {"dataset", "strategy", "classifier", "metric", "n",
                                     "mean",    "std",      "ci_low",     "ci_high"};
  for (const auto& b : baselines) {
    for (const char* k : {"diff", "ci_low", "ci_high", "p_ttest", "p_wilcoxon", "wins", "losses"})
      header.push_back("vs_" + b + "_" + k);
  }
  table.push_back(std::move(header));
  for (size_t d = 0; d < outcome.results.size(); ++d) {
    for (const auto& cell : outcome.results[d].at("statistics").at("cells")) {
      for (const auto& [metric, v] : cell.at("metrics").items()) {
        std::vector<std::string> row = {outcome.names[d], cell.at("strategy").get<std::string>(),
                                        cell.at("classifier").get<std::string>(), metric,
                                        std::to_string(v.at("n").get<size_t>())};
        for (const char* k : {"mean", "std", "ci_low", "ci_high"})
          row.push_back(format_number(experiment_detail::number(v.at(k))));
        for (const auto& b : baselines) {
          const auto& comps = cell.at("comparisons");
          if (!comps.contains(b)) {
            row.insert(row.end(), 7, "");
            continue;
          }
          const auto& c = comps.at(b).at(metric);
          for (const char* k : {"diff", "ci_low", "ci_high", "pvalue", "wilcoxon_pvalue"})
            row.push_back(format_number(experiment_detail::number(c.at(k))));
          row.push_back(std::to_string(c.at("wins").get<int>()));
          row.push_back(std::to_string(c.at("losses").get<int>()));
        }
        table.push_back(std::move(row));
      }
    }
  }
  return table;
}

std::vector<std::string> write_benchmark_outputs(const BenchmarkOutcome& outcome,
                                                 const std::string& dir) {
  namespace fs = std::filesystem;
  if (!outcome.complete) {
    throw Error(ErrorKind::kInvalidArgument,
                "write_benchmark_outputs: the benchmark is not complete (" +
                    std::to_string(outcome.cells_resumed + outcome.cells_run) + " of " +
                    std::to_string(outcome.cells_total) + " cells)");
  }
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw Error(ErrorKind::kIo, "cannot create output folder '" + dir + "': " + ec.message());

  // metrics.csv: one row per (data set, repeat, fold, strategy, classifier).
  {
    AtomicFile f(fs::path(dir) / "metrics.csv");
    const std::vector<std::string> keys = statistics_metrics();
    std::vector<std::string> header = {"dataset", "repeat", "fold", "strategy", "classifier"};
    header.insert(header.end(), keys.begin(), keys.end());
    for (const char* k :
         {"tn", "fp", "fn", "tp", "threshold", "threshold_best_f1", "threshold_at_target",
          "target_reached", "train_rows", "synthetic_rows", "fit_seconds"})
      header.emplace_back(k);
    write_csv_row(f.stream(), header);
    for (const auto& r : outcome.results) {
      for (const auto& e : r.at("results")) {
        std::vector<std::string> row = {
            e.at("dataset").get<std::string>(), std::to_string(e.at("repeat").get<int>()),
            std::to_string(e.at("fold").get<int>()), e.at("strategy").get<std::string>(),
            e.at("classifier").get<std::string>()};
        for (const auto& k : keys)
          row.push_back(
              format_number(experiment_detail::number(e.at("metrics").value(k, nlohmann::json()))));
        const auto& cm = e.at("metrics").at("confusion_matrix");
        for (const char* k : {"tn", "fp", "fn", "tp"})
          row.push_back(std::to_string(cm.at(k).get<int64_t>()));
        const auto& th = e.at("thresholds");
        row.push_back(format_number(experiment_detail::number(e.at("threshold"))));
        row.push_back(format_number(experiment_detail::number(th.at("best_f1"))));
        row.push_back(format_number(experiment_detail::number(th.at("precision_target"))));
        row.push_back(th.at("precision_target_reached").get<bool>() ? "1" : "0");
        row.push_back(std::to_string(e.at("train_rows").get<size_t>()));
        row.push_back(std::to_string(e.at("synthetic_rows").get<size_t>()));
        row.push_back(format_number(experiment_detail::number(e.at("fit_seconds"))));
        write_csv_row(f.stream(), row);
      }
    }
    f.commit();
  }

  // summary.csv: one row per (data set, strategy, classifier, metric).
  {
    AtomicFile f(fs::path(dir) / "summary.csv");
    for (const auto& row : benchmark_summary_table(outcome)) write_csv_row(f.stream(), row);
    f.commit();
  }

  if (outcome.results.size() > 1) {
    AtomicFile f(fs::path(dir) / "wins.csv");
    write_csv_row(f.stream(), {"classifier", "strategy", "datasets", "best", "better_than_none",
                               "worse_than_none"});
    for (const auto& w : benchmark_wins(outcome)) {
      write_csv_row(
          f.stream(),
          {w.at("classifier").get<std::string>(), w.at("strategy").get<std::string>(),
           std::to_string(w.at("datasets").get<int>()), std::to_string(w.at("best").get<int>()),
           std::to_string(w.at("better_than_none").get<int>()),
           std::to_string(w.at("worse_than_none").get<int>())});
    }
    f.commit();
  }

  std::vector<std::string> folders;
  for (size_t d = 0; d < outcome.results.size(); ++d) {
    const fs::path folder =
        outcome.results.size() == 1 ? fs::path(dir) : fs::path(dir) / outcome.names[d];
    fs::create_directories(folder, ec);
    if (ec) {
      throw Error(ErrorKind::kIo,
                  "cannot create output folder '" + folder.string() + "': " + ec.message());
    }
    write_file_atomic(folder / "results.json", outcome.results[d].dump(2) + "\n");
    folders.push_back(folder.string());
  }
  return folders;
}

}  // namespace imbgen
