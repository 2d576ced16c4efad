// The report's #generators section: per generator, timings, training curves, and the fidelity and
// privacy evaluation (verdicts, metric table, per-column tests and the plots' placeholders).
#include <cmath>
#include <cstdlib>

#include "imbgen/core/error.h"
#include "report/html.h"
#include "report/sections.h"

namespace imbgen::report_detail {
namespace {

using Attributes = std::vector<std::pair<std::string, std::string>>;

// The evaluation's blocks in the order evaluate() runs them, with their display names.
const std::vector<std::pair<std::string, std::string>>& block_names() {
  static const std::vector<std::pair<std::string, std::string>> names = {
      {"columns", "Columns"},
      {"correlations", "Correlations"},
      {"detection", "Detection"},
      {"mmd", "MMD"},
      {"prdc", "Coverage"},
      {"privacy", "Privacy"},
      {"pca", "PCA"},
      {"tsne", "t-SNE"}};
  return names;
}

// Lenient lookups inside the evaluation JSON: a missing key or another type gives NaN / nullptr
// (the evaluation's shape is documented in include/imbgen/evaluation/evaluate.h).
double get(const json& j, std::initializer_list<const char*> path) {
  const json* at = &j;
  for (const char* key : path) {
    if (!at->is_object()) return kNaN;
    auto it = at->find(key);
    if (it == at->end()) return kNaN;
    at = &*it;
  }
  return at->is_number() ? at->get<double>() : kNaN;
}

const json* find(const json& j, std::initializer_list<const char*> path) {
  const json* at = &j;
  for (const char* key : path) {
    if (!at->is_object()) return nullptr;
    auto it = at->find(key);
    if (it == at->end() || it->is_null()) return nullptr;
    at = &*it;
  }
  return at;
}

std::string text_of(const json* j) {
  return j != nullptr && j->is_string() ? j->get<std::string>() : "";
}

double alpha_of(const json& evaluation) {
  double a = get(evaluation, {"columns", "alpha"});
  if (!std::isfinite(a)) a = get(evaluation, {"config", "alpha"});
  return std::isfinite(a) ? a : 0.01;
}

// The largest detection ROC-AUC over the detectors of `set` ("synthetic" or "holdout").
double best_detection(const json& evaluation, const char* set) {
  double best = kNaN;
  if (const json* s = find(evaluation, {"detection", set}); s != nullptr && s->is_object()) {
    for (const auto& [name, r] : s->items()) {
      const double auc = get(r, {"roc_auc"});
      if (std::isfinite(auc) && !(auc <= best)) best = auc;
    }
  }
  return best;
}

Badge block_badge_rules(const json& evaluation, const json& b, const std::string& block,
                        const std::string& label);

// A block's status for its badge. The rules follow the evaluation's own verdict thresholds
// (src/evaluation/evaluate.cpp); the columns block has none, so: fine when no more columns differ
// than for fresh real rows, bad when more than half differ.
Badge block_badge(const json& evaluation, const std::string& block, const std::string& label) {
  const json& b = evaluation.at(block);
  if (b.contains("skipped")) return {Status::kSkip, label, "skipped"};
  Badge badge = block_badge_rules(evaluation, b, block, label);
  // A status the evaluation states itself ("good", "warn", "bad") wins over the rules below.
  const std::string stated = text_of(find(b, {"status"}));
  if (stated == "good") badge.status = Status::kGood;
  if (stated == "warn") badge.status = Status::kWarn;
  if (stated == "bad") badge.status = Status::kBad;
  return badge;
}

Badge block_badge_rules(const json& evaluation, const json& b, const std::string& block,
                        const std::string& label) {
  if (block == "columns") {
    const double differ = get(b, {"summary", "differ"});
    const double cols = get(b, {"summary", "columns"});
    const double ref = get(b, {"summary", "holdout_differ"});
    Status s = Status::kWarn;
    if (differ == 0 || (std::isfinite(ref) && differ <= ref)) {
      s = Status::kGood;
    } else if (differ > 0.5 * cols) {
      s = Status::kBad;
    }
    return {s, label, num(differ, 0) + " of " + num(cols, 0) + " differ"};
  }
  if (block == "correlations") {
    const double m = get(b, {"pearson", "mean_abs_diff"});
    if (!std::isfinite(m)) return {Status::kSkip, label, "n/a"};
    // With fresh real rows the yardstick is their own difference (small samples move
    // correlations too).
    const double h = get(b, {"pearson", "holdout_mean_abs_diff"});
    Status s;
    if (std::isfinite(h)) {
      s = m <= 1.5 * h + 0.03 ? Status::kGood : m <= 2.5 * h + 0.05 ? Status::kWarn : Status::kBad;
    } else {
      s = m < 0.05 ? Status::kGood : m < 0.15 ? Status::kWarn : Status::kBad;
    }
    return {s, label, "mean |\u0394r| " + num(m, 2)};
  }
  if (block == "detection") {
    const double auc = best_detection(evaluation, "synthetic");
    if (!std::isfinite(auc)) return {Status::kSkip, label, "n/a"};
    const Status s = auc < 0.6 ? Status::kGood : auc < 0.75 ? Status::kWarn : Status::kBad;
    return {s, label, "AUC " + num(auc, 2)};
  }
  if (block == "mmd") {
    const double p = get(b, {"synthetic", "pvalue"});
    if (!std::isfinite(p)) return {Status::kSkip, label, "n/a"};
    return {p < alpha_of(evaluation) ? Status::kWarn : Status::kGood, label, pvalue(p)};
  }
  if (block == "prdc") {
    const double precision = get(b, {"synthetic", "precision"});
    const double recall = get(b, {"synthetic", "recall"});
    const double coverage = get(b, {"synthetic", "coverage"});
    auto low = [&](double v, const char* key) {
      const double ref = get(b, {"holdout", key});
      return v < 0.5 || (std::isfinite(ref) && v < 0.75 * ref);
    };
    const int flags = (low(recall, "recall") || low(coverage, "coverage") ? 1 : 0) +
                      (low(precision, "precision") ? 1 : 0);
    const Status s = flags == 0 ? Status::kGood : flags == 1 ? Status::kWarn : Status::kBad;
    return {s, label, "precision " + num(precision, 2) + ", coverage " + num(coverage, 2)};
  }
  if (block == "privacy") {
    const double share = get(b, {"synthetic", "holdout_share"});
    const double copies = get(b, {"synthetic", "exact_copies"});
    const double dcr = get(b, {"synthetic", "dcr_median"});
    const double ref_dcr = get(b, {"holdout", "dcr_median"});
    // Real data can hold duplicate rows: copies count only beyond the fresh rows' share.
    const double copy_share = get(b, {"synthetic", "exact_copy_share"});
    const double ref_share = get(b, {"holdout", "exact_copy_share"});
    const bool copied =
        copies > 0 && !(copy_share <= (std::isfinite(ref_share) ? ref_share : 0) + 0.01);
    Status s = Status::kGood;
    if (share >= 0.9 || copied) {
      s = Status::kBad;
    } else if (share >= 0.6 || (std::isfinite(ref_dcr) && dcr < 0.5 * ref_dcr)) {
      s = Status::kWarn;
    }
    std::string text = num(copies, 0) + " copies";
    if (std::isfinite(share)) text += ", " + percent(share, 0) + " nearer training";
    return {s, label, text};
  }
  return {Status::kInfo, label, "drawn"};
}

// One row of the fidelity table: metric, synthetic value, fresh-real value, what is better.
void metric_row(std::string& out, const std::string& metric, const std::string& synthetic,
                const std::string& reference, const std::string& better) {
  out += "<tr><th scope=\"row\">" + escape(metric) + "</th><td>" + synthetic + "</td><td>" +
         reference + "</td><td class=\"hint\">" + escape(better) + "</td></tr>\n";
}

std::string skipped_row(const std::string& label, const json& block) {
  return "<tr><th scope=\"row\">" + escape(label) + "</th><td colspan=\"3\" class=\"muted\">" +
         "skipped: " + escape(text_of(find(block, {"skipped"}))) + "</td></tr>\n";
}

// Mean of per_column[].<key>.statistic (or per_column[].<key> when it is a number).
double per_column_mean(const json& columns, const char* key, const char* sub) {
  const json* pc = find(columns, {"per_column"});
  if (pc == nullptr || !pc->is_array()) return kNaN;
  double sum = 0;
  int n = 0;
  for (const auto& c : *pc) {
    const double v = sub != nullptr ? get(c, {key, sub}) : get(c, {key});
    if (std::isfinite(v)) {
      sum += v;
      ++n;
    }
  }
  return n > 0 ? sum / n : kNaN;
}

std::string fidelity_table(const json& ev) {
  std::string out =
      "<div class=\"table-wrap\"><table class=\"data fidelity\"><thead><tr><th>Metric</th>"
      "<th>Synthetic rows</th><th>Fresh real rows<br><span class=\"muted\">(reference: unseen "
      "real rows of the class)</span></th><th>Better</th></tr></thead><tbody>\n";
  const std::string none = "<span class=\"muted\">\u2014</span>";
  auto or_none = [&](const std::string& s) { return s == "n/a" ? none : s; };
  if (const json* b = find(ev, {"columns"})) {
    if (b->contains("skipped")) {
      out += skipped_row("Columns", *b);
    } else {
      const double cols = get(*b, {"summary", "columns"});
      const double ref = get(*b, {"summary", "holdout_differ"});
      metric_row(out, "Columns that differ (p < " + num(alpha_of(ev), 2) + ")",
                 num(get(*b, {"summary", "differ"}), 0) + " of " + num(cols, 0),
                 std::isfinite(ref) ? num(ref, 0) + " of " + num(cols, 0) : none, "fewer");
      metric_row(out, "Mean KS statistic", num(get(*b, {"summary", "mean_ks_statistic"})),
                 or_none(num(per_column_mean(*b, "holdout_ks", "statistic"))), "lower");
      metric_row(out, "Mean Wasserstein distance (real std units)",
                 num(get(*b, {"summary", "mean_wasserstein"})),
                 or_none(num(per_column_mean(*b, "holdout_wasserstein", nullptr))), "lower");
    }
  }
  if (const json* b = find(ev, {"correlations"})) {
    if (b->contains("skipped")) {
      out += skipped_row("Correlations", *b);
    } else {
      for (const auto& [key, label] :
           {std::pair<const char*, const char*>{"pearson", "Pearson"}, {"spearman", "Spearman"}}) {
        metric_row(out, std::string(label) + " correlation, mean |difference|",
                   num(get(*b, {key, "mean_abs_diff"})),
                   or_none(num(get(*b, {key, "holdout_mean_abs_diff"}))), "lower");
      }
    }
  }
  if (const json* b = find(ev, {"detection"})) {
    const json* s = find(*b, {"synthetic"});
    if (b->contains("skipped") || s == nullptr || !s->is_object() || s->empty()) {
      out += skipped_row("Detection", *b);
    } else {
      for (const auto& [name, r] : s->items()) {
        if (r.contains("skipped")) {
          out += skipped_row("Detection ROC-AUC (" + name + ")", r);
          continue;
        }
        std::string value = num(get(r, {"roc_auc"}));
        const double sd = get(r, {"roc_auc_std"});
        if (std::isfinite(sd)) value += " <span class=\"ci\">\u00b1 " + num(sd) + "</span>";
        metric_row(out, "Detection ROC-AUC (" + name + ")", value,
                   or_none(num(get(*b, {"holdout", name.c_str(), "roc_auc"}))), "closer to 0.5");
        // The like-for-like comparison: as many synthetic rows as holdout rows.
        const double matched = get(*b, {"synthetic_matched", name.c_str(), "roc_auc"});
        if (std::isfinite(matched)) {
          const double rows = get(*b, {"synthetic_matched", name.c_str(), "rows_per_set"});
          metric_row(out,
                     "Detection ROC-AUC (" + name + "), " +
                         (std::isfinite(rows) ? num(rows, 0) : std::string("as many")) +
                         " rows per set as the holdout",
                     num(matched), or_none(num(get(*b, {"holdout", name.c_str(), "roc_auc"}))),
                     "closer to 0.5");
        }
      }
    }
  }
  if (const json* b = find(ev, {"mmd"})) {
    if (b->contains("skipped") || find(*b, {"synthetic"}) == nullptr) {
      out += skipped_row("MMD", *b);
    } else {
      auto cell = [&](const char* set) {
        const double v = get(*b, {set, "mmd2"});
        if (!std::isfinite(v)) return none;
        return num(v, 4) + " <span class=\"ci\">(" + pvalue(get(*b, {set, "pvalue"})) + ")</span>";
      };
      metric_row(out, "MMD\u00b2 (RBF kernel)", cell("synthetic"), cell("holdout"), "lower");
    }
  }
  if (const json* b = find(ev, {"prdc"})) {
    if (b->contains("skipped") || find(*b, {"synthetic"}) == nullptr) {
      out += skipped_row("Precision / recall", *b);
    } else {
      for (const auto& [key, label] :
           {std::pair<const char*, const char*>{"precision", "Precision (realistic rows)"},
            {"recall", "Recall (real data covered)"},
            {"density", "Density"},
            {"coverage", "Coverage"}}) {
        metric_row(out, label, num(get(*b, {"synthetic", key})),
                   or_none(num(get(*b, {"holdout", key}))),
                   std::string(key) == "density" ? "closer to 1" : "higher");
      }
    }
  }
  if (const json* b = find(ev, {"privacy"})) {
    if (b->contains("skipped") || find(*b, {"synthetic"}) == nullptr) {
      out += skipped_row("Privacy", *b);
    } else {
      metric_row(out, "Distance to closest training record, median",
                 num(get(*b, {"synthetic", "dcr_median"})),
                 or_none(num(get(*b, {"holdout", "dcr_median"}))), "close to the reference");
      metric_row(out, "Distance to closest training record, 5th percentile",
                 num(get(*b, {"synthetic", "dcr_p05"})),
                 or_none(num(get(*b, {"holdout", "dcr_p05"}))), "not far below the reference");
      metric_row(out, "Nearest-neighbour distance ratio, median",
                 num(get(*b, {"synthetic", "nndr_median"})),
                 or_none(num(get(*b, {"holdout", "nndr_median"}))), "close to the reference");
      metric_row(out, "Exact copies of training rows",
                 num(get(*b, {"synthetic", "exact_copies"}), 0),
                 or_none(num(get(*b, {"holdout", "exact_copies"}), 0)), "0");
      metric_row(out, "Closer to training rows than to unseen rows",
                 percent(get(*b, {"synthetic", "holdout_share"}), 0),
                 or_none(percent(get(*b, {"holdout", "holdout_share"}), 0)), "about 50%");
    }
  }
  out += "</tbody></table></div>\n";
  return out;
}

std::string column_table(const json& columns, double alpha) {
  const json* pc = find(columns, {"per_column"});
  if (pc == nullptr || !pc->is_array() || pc->empty()) return "";
  std::string out =
      "<details class=\"columns-table\"><summary>All " + count(static_cast<int64_t>(pc->size())) +
      " columns: tests and summaries</summary><div class=\"table-wrap\"><table class=\"data\">"
      "<thead><tr><th>Column</th><th>Test</th><th>Statistic</th><th>p-value</th>"
      "<th>Differs</th><th>Fresh real p</th><th>Wasserstein / TVD</th><th>Real mean</th>"
      "<th>Synthetic mean</th><th>Real std</th><th>Synthetic std</th></tr></thead><tbody>\n";
  for (const auto& c : *pc) {
    const bool categorical = text_of(find(c, {"kind"})) == "categorical";
    const char* test = categorical ? "chi_square" : "ks";
    const char* ref = categorical ? "holdout_chi_square" : "holdout_ks";
    const double p = get(c, {test, "pvalue"});
    const double distance = categorical ? get(c, {"tvd"}) : get(c, {"wasserstein"});
    out += "<tr><th scope=\"row\">" + escape(text_of(find(c, {"name"}))) + "</th><td>" +
           (categorical ? "\u03c7\u00b2" : "KS") + "</td><td>" + num(get(c, {test, "statistic"})) +
           "</td><td>" + (std::isfinite(p) && p < 0.001 ? "&lt; 0.001" : num(p)) + "</td><td>" +
           (p < alpha ? badge_html(Status::kWarn, "yes") : "") + "</td><td>" +
           num(get(c, {ref, "pvalue"})) + "</td><td>" + num(distance) + "</td>";
    if (categorical) {
      out += "<td colspan=\"4\" class=\"muted text\">categorical</td></tr>\n";
    } else {
      out += "<td>" + compact(get(c, {"real", "mean"})) + "</td><td>" +
             compact(get(c, {"synthetic", "mean"})) + "</td><td>" +
             compact(get(c, {"real", "std"})) + "</td><td>" +
             compact(get(c, {"synthetic", "std"})) + "</td></tr>\n";
    }
  }
  out += "</tbody></table></div></details>\n";
  return out;
}

bool has_plot(const json& ev, std::initializer_list<const char*> path) {
  return find(ev, path) != nullptr;
}

std::string evaluation_html(const std::string& name, const std::string& id, const json& ev) {
  std::string out;
  const Attributes gen = {{"generator", name}};
  // Verdicts.
  out += "<h4 id=\"" + id + "-verdicts\">Verdicts</h4>\n<ul class=\"verdicts\">\n";
  for (const auto& [block, label] : block_names()) {
    const json* b = find(ev, {block.c_str()});
    if (b == nullptr) continue;
    const Badge badge = block_badge(ev, block, label);
    std::string verdict = text_of(find(*b, {"verdict"}));
    if (verdict.empty() && b->contains("skipped"))
      verdict = "Skipped: " + text_of(find(*b, {"skipped"})) + ".";
    out +=
        "<li>" + badge_html(badge.status, label) + " <span>" + escape(verdict) + "</span></li>\n";
  }
  out += "</ul>\n";
  const json* rows = find(ev, {"rows"});
  if (rows != nullptr) {
    out += "<p class=\"muted small\">Compared: " +
           count_number(get(*rows, {"synthetic"})) + " synthetic rows, " +
           count_number(get(*rows, {"real"})) + " real training rows of the class";
    const double holdout = get(*rows, {"holdout"});
    if (holdout > 0) {
      out += ", and " + count_number(holdout) +
             " fresh real rows (not seen by the generator) as the reference";
    }
    out += ".</p>\n";
  }
  // Metric table.
  out += "<h4 id=\"" + id + "-fidelity\">Fidelity and privacy</h4>\n" + fidelity_table(ev);

  // Embeddings.
  std::string embed;
  if (has_plot(ev, {"pca", "plot", "real"})) {
    std::string note;
    const json* ratio = find(ev, {"pca", "explained_variance_ratio"});
    if (ratio != nullptr && ratio->is_array() && ratio->size() >= 2 && (*ratio)[0].is_number() &&
        (*ratio)[1].is_number()) {
      note = "The two components explain " +
             percent((*ratio)[0].get<double>() + (*ratio)[1].get<double>(), 0) +
             " of the real rows' variance.";
    }
    embed += figure("PCA (fit on the real rows, standardised)", "pca", gen, note);
  }
  if (has_plot(ev, {"tsne", "plot", "real"})) {
    std::string note = "Synthetic points should mix with the real ones";
    const double trust = get(ev, {"tsne", "trustworthiness"});
    if (std::isfinite(trust)) note += "; trustworthiness of the map " + num(trust, 2);
    embed += figure("t-SNE", "tsne", gen, note + ".");
  }
  if (!embed.empty()) {
    out += "<h4 id=\"" + id +
           "-embeddings\">Real and synthetic rows in two dimensions</h4>\n"
           "<div class=\"grid2\">" +
           embed + "</div>\n";
  }

  // Per-column distributions.
  if (const json* columns = find(ev, {"columns"});
      columns != nullptr && !columns->contains("skipped")) {
    const json* pc = find(*columns, {"per_column"});
    const size_t n = pc != nullptr && pc->is_array() ? pc->size() : 0;
    bool any_plot = false;
    for (size_t i = 0; i < n; ++i) any_plot = any_plot || find((*pc)[i], {"plot"}) != nullptr;
    if (any_plot) {
      out += "<h4 id=\"" + id + "-columns\">Per-column distributions</h4>\n";
      std::string caption = "Share of rows per bin, real (blue) vs synthetic (orange)";
      if (n > static_cast<size_t>(kMaxColumnPlots)) {
        caption += "; the " + std::to_string(kMaxColumnPlots) + " of " + std::to_string(n) +
                   " columns with the largest test statistic";
      }
      out += figure(caption, "columns", gen,
                    "Panel titles give the two-sample test's p-value (KS for numeric columns, "
                    "chi-square for categorical ones).",
                    "wide");
    }
    out += column_table(*columns, alpha_of(ev));
  }

  // Correlations.
  if (const json* plot = find(ev, {"correlations", "plot"})) {
    const json* cols = find(*plot, {"columns"});
    if (cols != nullptr && cols->is_array() && cols->size() >= 2 &&
        find(*plot, {"pearson_real"}) != nullptr && find(*plot, {"pearson_synthetic"}) != nullptr) {
      out += "<h4 id=\"" + id + "-correlations\">Correlations</h4>\n";
      out +=
          "<p class=\"controls\"><label>Coefficient <select class=\"corr-method\" "
          "data-generator=\"" +
          escape(name) + "\"><option value=\"pearson\">Pearson</option>";
      if (find(*plot, {"spearman_real"}) != nullptr &&
          find(*plot, {"spearman_synthetic"}) != nullptr)
        out += "<option value=\"spearman\">Spearman</option>";
      out += "</select></label></p>\n<div class=\"grid3\">";
      for (const auto& [which, caption] : {std::pair<const char*, const char*>{"real", "Real rows"},
                                           {"synthetic", "Synthetic rows"},
                                           {"diff", "Difference (synthetic \u2212 real)"}}) {
        Attributes a = gen;
        a.emplace_back("which", which);
        out += figure(caption, "corr", a);
      }
      out += "</div>\n";
    }
  }

  // Detection ROC and distances to the closest record.
  std::string extra;
  bool detection_plot = false;
  if (const json* s = find(ev, {"detection", "synthetic"}); s != nullptr && s->is_object()) {
    for (const auto& [det, r] : s->items())
      detection_plot = detection_plot || find(r, {"plot", "fpr"});
  }
  if (detection_plot) {
    extra +=
        figure("Detection: ROC of classifiers telling real from synthetic rows", "detection", gen,
               "The diagonal (AUC 0.5) means indistinguishable; dashed lines: fresh real rows.");
  }
  if (has_plot(ev, {"privacy", "plot", "dcr_edges"})) {
    extra += figure("Privacy: distance to the closest training record", "dcr", gen,
                    "Synthetic rows much closer than fresh real rows hint at memorised records.");
  }
  if (!extra.empty()) {
    out += "<h4 id=\"" + id + "-detection\">Detection and privacy</h4>\n<div class=\"grid2\">" +
           extra + "</div>\n";
  }
  return out;
}

// Series keys of a history object: every array of numbers except the x axis.
bool has_series(const json& h) {
  if (!h.is_object()) return false;
  for (const auto& [key, v] : h.items()) {
    if (key == "step" || key == "epoch" || key == "iteration") continue;
    if (v.is_array() && !v.empty() && v[0].is_number()) return true;
  }
  return false;
}

std::string class_label(const Model& model, const std::string& key) {
  const json& r = *model.results;
  const json* order = find(r, {"dataset", "class_order"});
  if (order != nullptr && order->is_array()) {
    char* end = nullptr;
    const long i = std::strtol(key.c_str(), &end, 10);
    if (end != key.c_str() && *end == '\0' && i >= 0 && static_cast<size_t>(i) < order->size() &&
        (*order)[static_cast<size_t>(i)].is_string()) {
      return "class '" + (*order)[static_cast<size_t>(i)].get<std::string>() + "'";
    }
  }
  return "class " + key;
}

std::string history_html(const Model& model, const std::string& name, const std::string& id,
                         const json& history) {
  std::string charts;
  const json* classes = find(history, {"classes"});
  if (classes != nullptr && classes->is_object()) {
    for (const auto& [key, h] : classes->items()) {
      if (!has_series(h)) continue;
      charts += figure(name + ", " + class_label(model, key), "history",
                       {{"generator", name}, {"class", key}});
    }
  } else if (has_series(history)) {
    charts += figure(name, "history", {{"generator", name}});
  }
  if (charts.empty()) return "";
  std::string note;
  const double every = get(history, {"every"});
  if (std::isfinite(every)) note = " Each point is the mean over " + num(every, 0) + " steps.";
  return "<h4 id=\"" + id +
         "-training\">Training curves</h4>\n<p class=\"muted small\">Losses on "
         "the left axis; other recorded values (e.g. the discriminator's mean output on real and "
         "fake rows) on the right." +
         escape(note) + "</p>\n<div class=\"grid2\">" + charts + "</div>\n";
}

}  // namespace

std::vector<Badge> generator_badges(const json& evaluation) {
  std::vector<Badge> out;
  if (!evaluation.is_object()) return out;
  for (const auto& [block, label] : block_names()) {
    if (block == "pca" || block == "tsne") continue;
    if (!evaluation.contains(block) || !evaluation[block].is_object()) continue;
    out.push_back(block_badge(evaluation, block, label));
  }
  return out;
}

const json kEmptyObject = json::object();

std::string generators_section(const Model& model, TocEntry& toc) {
  const json& r = *model.results;
  const json* gens = object_member(r, "generators", "");
  // "failed": training diverged; "skipped": every class it should add rows to was too small.
  const json* failed = object_member(r, "failed", "");
  const json* skipped = object_member(r, "skipped", "");
  const bool any_failed = (failed != nullptr && !failed->empty()) ||
                          (skipped != nullptr && !skipped->empty());
  if ((gens == nullptr || gens->empty()) && !any_failed) return "";
  toc = {"generators", "Generators", {}};
  std::string out =
      "<section id=\"generators\">\n<h2>Generators: can the synthetic rows be trusted?</h2>\n"
      "<p class=\"lead\">Each generator learned the minority class from the training split only. "
      "Its synthetic rows are compared with the real training rows of that class and, as the "
      "reference a perfect generator would reach, with fresh real rows it never saw.</p>\n";
  if (any_failed) {
    out += "<div class=\"notes\"><p><strong>Skipped:</strong></p><ul>";
    for (const json* list : {failed, skipped}) {
      if (list == nullptr) continue;
      for (const auto& [name, why] : list->items()) {
        out += "<li><code>" + escape(name) + "</code>: " +
               escape(why.is_string() ? why.get<std::string>() : why.dump()) + "</li>";
      }
    }
    out += "</ul></div>\n";
  }
  if (gens == nullptr) gens = &kEmptyObject;
  for (const auto& [name, g] : gens->items()) {
    const std::string path = "generators." + name;
    if (!g.is_object()) {
      throw Error(ErrorKind::kInvalidArgument, path + ": expected an object, got a" +
                                                   std::string(g.is_array() ? "n " : " ") +
                                                   g.type_name());
    }
    const std::string id = "gen-" + id_part(name);
    toc.children.push_back({id, name, {}});
    out += "<article class=\"generator\" id=\"" + id + "\">\n<h3>" + escape(name) + "</h3>\n";
    const double fit = number_member(g, "fit_seconds", path);
    const double sample = number_member(g, "sample_seconds", path);
    const double rows = number_member(g, "synthetic_rows", path);
    std::vector<std::string> facts;
    if (std::isfinite(rows)) facts.push_back(count_number(rows) + " synthetic rows");
    if (std::isfinite(fit)) facts.push_back("fit " + seconds(fit));
    if (std::isfinite(sample)) facts.push_back("sampling " + seconds(sample));
    if (!facts.empty()) {
      out += "<p class=\"facts\">";
      for (size_t i = 0; i < facts.size(); ++i) out += (i ? " \u00b7 " : "") + escape(facts[i]);
      out += "</p>\n";
    }
    if (const json* classes = object_member(g, "skipped_classes", path)) {
      if (!classes->empty()) {
        out += "<div class=\"notes\"><p><strong>Classes without rows from " + escape(name) +
               ":</strong></p><ul>";
        for (const auto& [label, why] : classes->items()) {
          out += "<li><code>" + escape(label) + "</code>: " +
                 escape(why.is_string() ? why.get<std::string>() : why.dump()) + "</li>";
        }
        out += "</ul></div>\n";
      }
    }
    if (const json* history = object_member(g, "history", path))
      out += history_html(model, name, id, *history);
    const std::string evaluated_class = string_member(g, "evaluation_class", path);
    if (!evaluated_class.empty()) {
      out += "<p class=\"muted\">Evaluated here on class <code>" + escape(evaluated_class) +
             "</code>, the rarest class it generated rows for; results.json "
             "(<code>evaluation_by_class</code>) and <code>evaluation/" +
             escape(name) + ".csv</code> hold every class's evaluation.</p>\n";
    }
    if (const json* ev = object_member(g, "evaluation", path)) {
      out += evaluation_html(name, id, *ev);
    } else {
      out += "<p class=\"muted\">No fidelity evaluation in this results file.</p>\n";
    }
    if (const json* config = member(g, "config", path)) {
      out += "<details><summary>Configuration</summary><pre>" + escape(config->dump(2)) +
             "</pre></details>\n";
    }
    out += "</article>\n";
  }
  out += "</section>\n";
  return out;
}

}  // namespace imbgen::report_detail
