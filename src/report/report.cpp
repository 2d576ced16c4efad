// The self-contained HTML report: the page skeleton, header with the verdict summary, table of
// contents and the summary, data set, downstream and run sections (generators.cpp renders the
// generator sections); page.js draws the charts with the inlined plotly.js.
#include "imbgen/report/report.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>

#include "imbgen/core/error.h"
#include "imbgen/core/files.h"
#include "imbgen/core/formats.h"
#include "imbgen/core/output_folder.h"
#include "imbgen/experiment/auto.h"
#include "report/assets.h"
#include "report/html.h"
#include "report/model.h"
#include "report/sections.h"

namespace imbgen {
namespace report_detail {
namespace {

constexpr const char* kNone = "\u2014";  // em dash: no value

// Okabe & Ito's colour-blind-safe palette (yellow, the least legible on white, last); the
// baseline `none` is grey.
const std::vector<std::string>& palette() {
  static const std::vector<std::string> colours = {"#0072B2", "#D55E00", "#009E73", "#CC79A7",
                                                   "#E69F00", "#56B4E9", "#000000", "#F0E442"};
  return colours;
}

double finite_or(double v, double fallback) { return std::isfinite(v) ? v : fallback; }

json num_json(double v) { return std::isfinite(v) ? json(v) : json(nullptr); }

// "0.812 [0.790, 0.834]" (the interval when known).
std::string interval_html(const Interval& i, int digits = 3) {
  std::string out = num(i.mean, digits);
  if (std::isfinite(i.low) && std::isfinite(i.high))
    out += " <span class=\"ci\">[" + num(i.low, digits) + ", " + num(i.high, digits) + "]</span>";
  return out;
}

std::string comparison_html(const Comparison& c) {
  if (!std::isfinite(c.diff)) return kNone;
  std::string out = signed_num(c.diff);
  if (std::isfinite(c.low) && std::isfinite(c.high))
    out += " <span class=\"ci\">[" + signed_num(c.low) + ", " + signed_num(c.high) + "]</span>";
  if (std::isfinite(c.pvalue)) out += " <span class=\"ci\">" + pvalue(c.pvalue) + "</span>";
  return out;
}

std::string code(const std::string& s) { return "<code>" + escape(s) + "</code>"; }

// ---- header ----

std::string dataset_name(const json& r) {
  const json* ds = object_member(r, "dataset", "");
  const std::string source = ds ? string_member(*ds, "source", "dataset") : "";
  if (source.empty()) return "results";
  return std::filesystem::path(source).filename().string();
}

std::string header_html(const Model& model, const std::vector<Helped>& helped) {
  const json& r = *model.results;
  std::string out = "<header class=\"hero\" id=\"top\">\n<p class=\"eyebrow\">imbgen report</p>\n";
  out += "<h1>" + escape(dataset_name(r)) + "</h1>\n";
  std::vector<std::string> facts;
  if (const json* ds = object_member(r, "dataset", "")) {
    const double rows = number_member(*ds, "rows", "dataset");
    const double features = number_member(*ds, "features", "dataset");
    if (std::isfinite(rows)) facts.push_back(count_number(rows) + " rows");
    if (std::isfinite(features))
      facts.push_back(count_number(features) + " features");
    const std::string target = string_member(*ds, "target", "dataset");
    if (!target.empty()) facts.push_back("target " + code(target));
    const std::string positive = string_member(*ds, "positive_class", "dataset");
    if (!positive.empty()) {
      std::string f = "positive class " + code(positive);
      const json* classes = object_member(*ds, "classes", "dataset");
      if (classes != nullptr && std::isfinite(rows) && rows > 0) {
        const double n = number_member(*classes, positive, "dataset.classes");
        if (std::isfinite(n)) f += " (" + percent(n / rows, 2) + ")";
      }
      facts.push_back(f);
    }
  }
  if (model.has_statistics && model.repeats > 0)
    facts.push_back(count(model.repeats) + " repetitions");
  const std::string version = string_member(r, "imbgen_version", "");
  if (!version.empty()) facts.push_back("imbgen " + escape(version));
  if (!facts.empty()) {
    out += "<p class=\"facts\">";
    for (size_t i = 0; i < facts.size(); ++i) out += (i ? " \u00b7 " : "") + facts[i];
    out += "</p>\n";
  }

  std::string cards;
  if (!helped.empty()) {
    cards +=
        "<div class=\"card\"><h2><a href=\"#summary\">What helped</a></h2><table "
        "class=\"mini\"><thead><tr><th>Classifier</th><th>Best by PR-AUC</th><th>PR-AUC</th>"
        "<th>vs none</th></tr></thead><tbody>";
    for (const auto& h : helped) {
      cards += "<tr><th scope=\"row\">" + escape(h.classifier) + "</th>";
      if (h.best.empty()) {
        cards += "<td colspan=\"3\" class=\"muted\">no PR-AUC</td>";
      } else {
        cards += "<td><strong>" + escape(h.best) + "</strong></td><td>" + num(h.best_value.mean) +
                 "</td><td>" +
                 badge_html(h.status, h.best == "none"                ? "baseline"
                                      : std::isfinite(h.vs_none.diff) ? signed_num(h.vs_none.diff)
                                                                      : "n/a") +
                 "</td>";
      }
      cards += "</tr>";
    }
    cards += "</tbody></table>";
    const OverallAdvice advice = overall_advice(model, helped);
    if (!advice.text.empty()) cards += "<p class=\"overall\">" + escape(advice.text) + "</p>";
    cards += "</div>\n";
  }
  if (const json* gens = object_member(r, "generators", "")) {
    for (const auto& [name, g] : gens->items()) {
      if (!g.is_object()) continue;
      auto ev = g.find("evaluation");
      if (ev == g.end() || !ev->is_object()) continue;
      const auto badges = generator_badges(*ev);
      if (badges.empty()) continue;
      cards += "<div class=\"card\"><h2><a href=\"#gen-" + id_part(name) +
               "\">Synthetic rows: " + escape(name) + "</a></h2><ul class=\"plain\">";
      for (const auto& b : badges)
        cards += "<li>" + badge_html(b.status, b.label) + " " + escape(b.text) + "</li>";
      cards += "</ul></div>\n";
    }
  }
  if (!cards.empty()) out += "<div class=\"cards\">\n" + cards + "</div>\n";
  out += "</header>\n";
  return out;
}

// ---- table of contents ----

std::string toc_html(const std::vector<TocEntry>& entries) {
  std::string out =
      "<nav id=\"toc\" aria-label=\"Contents\">\n<p class=\"toc-title\"><a href=\"#top\">imbgen "
      "report</a></p>\n<ol>\n";
  for (const auto& e : entries) {
    out += "<li><a href=\"#" + e.id + "\">" + escape(e.title) + "</a>";
    if (!e.children.empty()) {
      out += "<ol>";
      for (const auto& c : e.children)
        out += "<li><a href=\"#" + c.id + "\">" + escape(c.title) + "</a></li>";
      out += "</ol>";
    }
    out += "</li>\n";
  }
  out += "</ol>\n</nav>\n";
  return out;
}

// ---- summary ----

// The summary heatmap shows gains over `none` when some classifier has a `none` cell and another
// strategy to compare, else absolute PR-AUC values.
bool summary_shows_gains(const Model& model) {
  bool none = false, other = false;
  for (const auto& [key, cell] : model.cells) {
    if (key.first == "none") {
      none = true;
    } else {
      other = true;
    }
  }
  return none && other;
}

bool any_pr_auc(const Model& model) {
  for (const auto& [key, cell] : model.cells)
    if (std::isfinite(cell.value("pr_auc"))) return true;
  return false;
}

std::string summary_section(const Model& model, const std::vector<Helped>& helped) {
  if (helped.empty() || !any_pr_auc(model)) return "";
  std::string out =
      "<section id=\"summary\">\n<h2>What helped</h2>\n<p class=\"lead\">For each classifier, "
      "the training set that gave the highest PR-AUC (area under the precision-recall curve, the "
      "score that matters most when positives are rare) on the test split, and its gain over "
      "training on the data as it is (<code>none</code>) and over SMOTE.";
  if (model.has_statistics) {
    out += " Values are means over the repetitions with " + percent(model.confidence, 0) +
           " confidence intervals in brackets; gains are paired differences.";
  } else {
    out +=
        " One train/test split: differences this small can be noise; <code>imbgen "
        "benchmark</code> repeats the run and adds confidence intervals.";
  }
  out +=
      " The verdict says which strategy to use: one that beats <code>none</code> "
      "significantly, or none of them.</p>\n";
  const OverallAdvice advice = overall_advice(model, helped);
  if (!advice.text.empty())
    out += "<p class=\"overall\"><strong>Overall:</strong> " + badge_html(advice.status, "") + " " +
           escape(advice.text) + "</p>\n";
  out +=
      "<div class=\"table-wrap\"><table class=\"data summary\"><thead><tr>"
      "<th>Classifier</th><th class=\"text\">Best strategy</th><th>PR-AUC</th>"
      "<th>Gain over none</th><th>Gain over smote</th><th class=\"text\">Verdict</th></tr>"
      "</thead><tbody>\n";
  for (const auto& h : helped) {
    out += "<tr><th scope=\"row\"><a href=\"#clf-" + id_part(h.classifier) + "\">" +
           escape(h.classifier) + "</a></th>";
    if (h.best.empty()) {
      out += "<td colspan=\"4\" class=\"muted\">no PR-AUC</td>";
    } else {
      out += "<td class=\"text\"><strong>" + escape(h.best) + "</strong></td><td>" +
             interval_html(h.best_value) + "</td><td>" +
             (h.best == "none" ? std::string("<span class=\"muted\">baseline</span>")
                               : comparison_html(h.vs_none)) +
             "</td><td>" +
             (h.best == "smote" ? std::string("<span class=\"muted\">is smote</span>")
                                : comparison_html(h.vs_smote)) +
             "</td>";
    }
    out += "<td class=\"verdict\">" + badge_html(h.status, "") + " " + escape(h.verdict) +
           "</td></tr>\n";
  }
  out += "</tbody></table></div>\n";
  // What auto chose, when it ran (results.json "auto", include/imbgen/experiment/auto.h).
  if (const json* chosen = object_member(*model.results, "auto", "");
      chosen != nullptr && !chosen->empty()) {
    out +=
        "<h3 id=\"auto-choices\">What <code>auto</code> chose</h3>\n<p>For each classifier, "
        "<code>auto</code> scored its candidates by stratified cross-validation inside the "
        "training rows (never the test rows) and refit the best on all of them. In a benchmark, "
        "each line ends with how it did on the test folds against the best of the other "
        "strategies there: that one is picked with the test folds' own scores, which "
        "<code>auto</code> never sees, so the comparison favours it.</p>\n"
        "<ul class=\"auto-choices\">\n";
    for (const auto& [clf, choice] : chosen->items()) {
      if (!choice.is_object()) continue;
      out += "<li>" + escape(auto_choice_text(clf, choice)) + "</li>\n";
    }
    out += "</ul>\n";
  }
  const bool gains = summary_shows_gains(model);
  out += figure(gains ? "PR-AUC gain over none, per strategy and classifier"
                      : "PR-AUC per strategy and classifier",
                "summary", {},
                gains ? "Blue: better than training on the data as it is; red: worse." +
                            (model.has_statistics ? " * marks a significant difference (p < " +
                                                        num(model.alpha, 2) + ")."
                                                  : std::string())
                      : "No 'none' baseline in this run: absolute PR-AUC values.",
                "wide");
  out += "</section>\n";
  return out;
}

// ---- data set ----

std::string dataset_section(const Model& model) {
  const json& r = *model.results;
  const json* ds = object_member(r, "dataset", "");
  if (ds == nullptr) return "";
  std::string out = "<section id=\"dataset\">\n<h2>Data set</h2>\n";
  out +=
      "<div class=\"split\"><div class=\"table-wrap\"><table class=\"data facts-table\"><tbody>\n";
  auto row = [&](const std::string& k, const std::string& v) {
    out += "<tr><th scope=\"row\">" + escape(k) + "</th><td>" + v + "</td></tr>\n";
  };
  const std::string source = string_member(*ds, "source", "dataset");
  if (!source.empty()) row("Source", code(source));
  const double rows = number_member(*ds, "rows", "dataset");
  if (std::isfinite(rows)) row("Rows", count_number(rows));
  const double features = number_member(*ds, "features", "dataset");
  if (std::isfinite(features)) row("Features", count_number(features));
  if (const json* left_out = array_member(*ds, "left_out_columns", "dataset");
      left_out != nullptr && !left_out->empty()) {
    std::string cell;
    for (const auto& c : *left_out) {
      if (!c.is_object()) continue;
      cell += (cell.empty() ? "" : "<br>") + code(string_member(c, "column", "left_out_columns")) +
              ": " + escape(string_member(c, "reason", "left_out_columns"));
    }
    row("Left out", cell);
  }
  const std::string target = string_member(*ds, "target", "dataset");
  if (!target.empty()) row("Target column", code(target));
  const std::string positive = string_member(*ds, "positive_class", "dataset");
  if (!positive.empty()) row("Positive (minority) class", code(positive));
  bool any_classes = false;
  for (const char* split : {"classes", "train", "test"}) {
    const json* counts = object_member(*ds, split, "dataset");
    if (counts == nullptr || counts->empty()) continue;
    any_classes = true;
    double total = 0, lo = kNaN, hi = kNaN;
    std::string cell;
    for (const auto& [label, n] : counts->items()) {
      const double v = number_member(*counts, label, std::string("dataset.") + split);
      total += finite_or(v, 0);
      if (!(v >= lo)) lo = v;
      if (!(v <= hi)) hi = v;
    }
    for (const auto& [label, n] : counts->items()) {
      const double v = number_member(*counts, label, std::string("dataset.") + split);
      cell += (cell.empty() ? "" : ", ") + code(label) + " " + count_number(v) +
              " <span class=\"muted\">(" + percent(total > 0 ? v / total : kNaN, 2) + ")</span>";
    }
    const std::string name = std::string(split) == "classes" ? "All rows"
                             : std::string(split) == "train" ? "Training split"
                                                             : "Test split";
    row(name, cell);
    if (std::string(split) == "classes" && lo > 0)
      row("Imbalance (majority : minority)", num(hi / lo, 1) + " : 1");
  }
  out += "</tbody></table></div>\n";
  if (any_classes) out += figure("Class balance", "classes");
  out += "</div>\n";

  // Per-column summary.
  if (const json* summary = array_member(*ds, "column_summary", "dataset");
      summary != nullptr && !summary->empty()) {
    std::vector<std::string> labels;  // classes with per-class means, in the first row's order
    for (const auto& c : *summary) {
      if (const auto bc = c.find("by_class"); bc != c.end() && bc->is_object())
        for (const auto& [label, v] : bc->items())
          if (std::find(labels.begin(), labels.end(), label) == labels.end())
            labels.push_back(label);
    }
    out +=
        "<h3 id=\"dataset-columns\">Columns</h3>\n<div class=\"table-wrap tall\"><table "
        "class=\"data\"><thead><tr><th>Column</th><th "
        "class=\"text\">Kind</th><th>Count</th><th>Missing</th>"
        "<th>Mean</th><th>Std</th><th>Min</th><th>Median</th><th>Max</th>";
    for (const auto& l : labels) out += "<th>Mean, class " + escape(l) + "</th>";
    out += "</tr></thead><tbody>\n";
    for (size_t i = 0; i < summary->size(); ++i) {
      const json& c = (*summary)[i];
      const std::string path = "dataset.column_summary[" + std::to_string(i) + "]";
      if (!c.is_object()) {
        throw Error(ErrorKind::kInvalidArgument,
                    path + ": expected an object, got a " + std::string(c.type_name()));
      }
      auto n = [&](const char* key) { return compact(number_member(c, key, path)); };
      const double cnt = number_member(c, "count", path);
      const double missing = number_member(c, "missing", path);
      const std::string kind = string_member(c, "kind", path, "numeric");
      out += "<tr><th scope=\"row\">" + escape(string_member(c, "name", path, "?")) +
             "</th><td class=\"text\">" + escape(kind) + "</td><td>" +
             (std::isfinite(cnt) ? count_number(cnt) : "n/a") + "</td><td>" +
             (std::isfinite(missing) ? count_number(missing) : kNone) + "</td>";
      if (kind == "categorical") {
        // Levels and the most frequent one instead of moments of category codes.
        const double levels = number_member(c, "levels", path);
        const std::string top = string_member(c, "top", path);
        std::string text =
            std::isfinite(levels) ? count_number(levels) + " levels" : std::string();
        if (!top.empty()) {
          text += (text.empty() ? "" : "; ") + std::string("most frequent ") + code(top);
          const double share = number_member(c, "top_share", path);
          if (std::isfinite(share)) text += " (" + percent(share, 0) + ")";
        }
        out += "<td colspan=\"5\" class=\"text\">" + (text.empty() ? kNone : text) + "</td>";
      } else {
        out += "<td>" + n("mean") + "</td><td>" + n("std") + "</td><td>" + n("min") + "</td><td>" +
               n("median") + "</td><td>" + n("max") + "</td>";
      }
      const json* bc = object_member(c, "by_class", path);
      for (const auto& l : labels) {
        const json* cls = bc ? object_member(*bc, l, path + ".by_class") : nullptr;
        out += "<td>" +
               (cls ? compact(number_member(*cls, "mean", path + ".by_class." + l)) : kNone) +
               "</td>";
      }
      out += "</tr>\n";
    }
    out += "</tbody></table></div>\n";
  } else if (const json* columns = array_member(*ds, "columns", "dataset");
             columns != nullptr && !columns->empty()) {
    out += "<p class=\"muted small\">Columns: ";
    for (size_t i = 0; i < columns->size(); ++i) {
      const json& c = (*columns)[i];
      out += (i ? ", " : "") + code(c.is_string() ? c.get<std::string>() : c.dump());
    }
    out += ".</p>\n";
  }
  out += "</section>\n";
  return out;
}

// ---- downstream ----

// Significance marks of `cell` on `metric` against the baselines none (n) and smote (s).
std::string marks(const Model& model, const Cell& cell, const std::string& metric) {
  std::string out;
  for (const auto& [baseline, letter] :
       {std::pair<const char*, const char*>{"none", "n"}, {"smote", "s"}}) {
    if (cell.strategy == baseline) continue;
    auto b = cell.comparisons.find(baseline);
    if (b == cell.comparisons.end()) continue;
    auto c = b->second.find(metric);
    if (c == b->second.end() || !(c->second.pvalue < model.alpha)) continue;
    const bool up = c->second.diff > 0;
    out += "<sup class=\"sig " + std::string(up ? "up" : "down") + "\" title=\"vs " + baseline +
           ": " + signed_num(c->second.diff) + ", " + pvalue(c->second.pvalue) + "\">" +
           (up ? "\u25b2" : "\u25bc") + letter + "</sup>";
  }
  return out;
}

std::string metric_table(const Model& model, const std::string& classifier) {
  std::vector<const Cell*> cells;
  for (const auto& s : model.strategies)
    if (const Cell* c = model.cell(s, classifier)) cells.push_back(c);
  if (cells.empty()) return "";
  const auto& metrics = table_metrics();
  std::vector<double> best(metrics.size(), kNaN);
  for (size_t m = 0; m < metrics.size(); ++m)
    for (const Cell* c : cells) {
      const double v = c->value(metrics[m].key);
      if (std::isfinite(v) && !(v <= best[m])) best[m] = v;
    }
  // A metric no cell has (e.g. recall at precision 0.9 with several classes) gets no column.
  std::vector<size_t> shown;
  for (size_t m = 0; m < metrics.size(); ++m)
    if (std::isfinite(best[m])) shown.push_back(m);
  std::string out =
      "<div class=\"table-wrap\"><table class=\"data metrics\"><thead><tr>"
      "<th>Strategy</th>";
  for (size_t m : shown) out += "<th>" + escape(metrics[m].label) + "</th>";
  out += "<th>Training rows</th><th>Synthetic rows</th><th>Fit time</th></tr></thead><tbody>\n";
  for (const Cell* c : cells) {
    out += "<tr><th scope=\"row\">" + escape(c->strategy);
    if (c->n > 1) out += " <span class=\"muted small\">(n = " + count(c->n) + ")</span>";
    out += "</th>";
    for (size_t m : shown) {
      const Interval i = c->interval(metrics[m].key);
      const bool is_best = std::isfinite(i.mean) && i.mean == best[m];
      out += std::string(is_best ? "<td class=\"best\">" : "<td>") + interval_html(i) +
             marks(model, *c, metrics[m].key) + "</td>";
    }
    auto first = [&](const char* key) {
      return c->entries.empty() ? kNaN : number_member(*c->entries[0], key, "results[]");
    };
    const double train_rows = first("train_rows"), syn = first("synthetic_rows");
    double fit = 0;
    for (const json* e : c->entries) fit += finite_or(number_member(*e, "fit_seconds", ""), 0);
    out += "<td>" + (std::isfinite(train_rows) ? count_number(train_rows) : kNone) +
           "</td><td>" + (std::isfinite(syn) ? count_number(syn) : kNone) +
           "</td><td>" +
           (c->entries.empty() ? std::string(kNone)
                               : seconds(fit / static_cast<double>(c->entries.size()))) +
           "</td></tr>\n";
  }
  out += "</tbody></table></div>\n";
  return out;
}

double test_prevalence(const json& r) {
  const json* ds = object_member(r, "dataset", "");
  if (ds == nullptr) return kNaN;
  const json* test = object_member(*ds, "test", "dataset");
  const std::string positive = string_member(*ds, "positive_class", "dataset");
  if (test == nullptr || positive.empty()) return kNaN;
  double total = 0;
  for (const auto& [label, n] : test->items())
    total += finite_or(number_member(*test, label, "dataset.test"), 0);
  const double pos = number_member(*test, positive, "dataset.test");
  return total > 0 && std::isfinite(pos) ? pos / total : kNaN;
}

// Several classes: recall and one-vs-rest PR-AUC of every class (first repetition of a cell),
// one row per strategy. Empty when no entry has per-class metrics.
std::string per_class_table(const Model& model, const std::string& classifier) {
  std::vector<std::string> labels;
  std::string rows;
  for (const auto& s : model.strategies) {
    const Cell* c = model.cell(s, classifier);
    if (c == nullptr || c->entries.empty()) continue;
    const json* metrics = object_member(*c->entries.front(), "metrics", "results[]");
    const json* classes =
        metrics == nullptr ? nullptr : array_member(*metrics, "classes", "results[].metrics");
    if (classes == nullptr) continue;
    if (labels.empty()) {
      for (const auto& k : *classes) {
        if (!k.is_object()) {
          throw Error(
              ErrorKind::kInvalidArgument,
              "results[].metrics.classes[]: expected an object, got " + std::string(k.type_name()));
        }
        labels.push_back(string_member(k, "class", "results[].metrics.classes[]"));
      }
    }
    rows += "<tr><th scope=\"row\">" + escape(s) + "</th>";
    for (const auto& k : *classes) {
      const std::string path = "results[].metrics.classes[]";
      rows += "<td>" + num(number_member(k, "recall", path)) + "</td><td>" +
              num(number_member(k, "pr_auc", path)) + "</td>";
    }
    rows += "</tr>";
  }
  if (rows.empty()) return "";
  std::string head = "<tr><th rowspan=\"2\">Strategy</th>";
  for (const auto& l : labels) head += "<th colspan=\"2\">" + escape(l) + "</th>";
  head += "</tr><tr>";
  for (size_t i = 0; i < labels.size(); ++i) head += "<th>Recall</th><th>PR-AUC</th>";
  head += "</tr>";
  return "<h4>Per class</h4>\n<div class=\"table-wrap\"><table class=\"data metrics\"><thead>" +
         head + "</thead><tbody>" + rows + "</tbody></table></div>\n";
}

std::string downstream_section(const Model& model, TocEntry& toc) {
  if (model.cells.empty()) return "";
  const json& r = *model.results;
  toc = {"downstream", "Classifiers", {}};
  std::string out =
      "<section id=\"downstream\">\n<h2>Classifiers on each training set</h2>\n"
      "<p class=\"lead\">Every classifier was trained on every strategy's training "
      "set and scored on the untouched test split";
  const double prevalence = test_prevalence(r);
  if (std::isfinite(prevalence)) out += " (positives: " + percent(prevalence, 2) + " of its rows)";
  out += ". ";
  if (model.has_statistics) {
    out += "Values are means with " + percent(model.confidence, 0) + " confidence intervals";
    if (model.repeats > 0) out += " over " + count(model.repeats) + " repetitions";
    out += ". ";
    if (!model.method.empty()) out += escape(model.method) + " ";
    out += "\u25b2/\u25bc mark a significant gain/loss (p &lt; " + num(model.alpha, 2) +
           ") against <code>none</code> (n) or <code>smote</code> (s). ";
  }
  const bool macro =
      string_member(r, "metric_average", "") == "macro" ||
      (object_member(r, "dataset", "") != nullptr &&
       string_member(*object_member(r, "dataset", ""), "metric_average", "dataset") == "macro");
  if (macro) {
    out +=
        "With more than two classes, PR-AUC, ROC-AUC, precision, recall and F1 are macro "
        "averages: the mean over the classes of each class against the rest (AUCs) or of the "
        "per-class value with the highest-scoring class as the prediction; the table per class "
        "below each classifier shows recall and PR-AUC of every class. The best value of each "
        "column is in bold.</p>\n";
  } else {
    out +=
        "The best value of each column is in bold. Precision, recall, F1, MCC and balanced "
        "accuracy are taken at the classifier's default threshold.</p>\n";
  }
  if (any_pr_auc(model)) {
    out += figure(std::string("PR-AUC by strategy") +
                      (model.has_statistics ? " (error bars: confidence intervals)" : ""),
                  "prauc", {}, "", "wide");
  }
  for (const auto& classifier : model.classifiers) {
    const std::string id = "clf-" + id_part(classifier);
    toc.children.push_back({id, classifier, {}});
    out +=
        "<article class=\"classifier\" id=\"" + id + "\">\n<h3>" + escape(classifier) + "</h3>\n";
    bool curves = false;
    bool repeated = false;
    for (const auto& s : model.strategies) {
      if (const Cell* c = model.cell(s, classifier)) {
        curves = curves || c->curves() != nullptr;
        repeated = repeated || c->entries.size() > 1;
      }
    }
    if (curves) {
      const std::string note = repeated ? "Curves of each strategy's first repetition." : "";
      out += "<div class=\"grid2\">" +
             figure("ROC curves", "roc", {{"classifier", classifier}}, note) +
             figure("Precision-recall curves", "pr", {{"classifier", classifier}},
                    "Dotted line: the share of positives in the test split (a random "
                    "classifier's precision).") +
             "</div>\n";
    }
    out += metric_table(model, classifier);
    if (macro) out += per_class_table(model, classifier);
    std::string notes;
    for (const auto& s : model.strategies) {
      const Cell* c = model.cell(s, classifier);
      if (c == nullptr) continue;
      for (const json* e : c->entries) {
        const std::string note = string_member(*e, "note", "results[]");
        if (!note.empty()) {
          notes += "<li>" + code(s) + ": " + escape(note) + "</li>";
          break;
        }
      }
    }
    if (!notes.empty()) out += "<ul class=\"notes\">" + notes + "</ul>\n";
    out += "</article>\n";
  }
  out += "</section>\n";
  return out;
}

// ---- run details ----

std::string run_section(const Model& model) {
  const json& r = *model.results;
  std::string out = "<section id=\"run\">\n<h2>Run details</h2>\n<p>";
  const std::string version = string_member(r, "imbgen_version", "");
  out += "Written by imbgen " + escape(version.empty() ? "(version unknown)" : version) +
         "; charts drawn with plotly.js " + escape(plotly_version()) +
         " (MIT licence), inlined in this file. The page loads nothing from the network; every "
         "figure's data is in <code>results.json</code>, and <code>imbgen report DIR</code> "
         "writes this page again from it.</p>\n";
  if (const json* gens = object_member(r, "generators", ""); gens != nullptr && !gens->empty()) {
    out +=
        "<h3>Generator timings</h3>\n<div class=\"table-wrap\"><table class=\"data\"><thead>"
        "<tr><th>Generator</th><th>Fit</th><th>Sampling</th><th>Synthetic rows</th>"
        "<th>Evaluation</th></tr></thead><tbody>\n";
    for (const auto& [name, g] : gens->items()) {
      const std::string path = "generators." + name;
      const double rows = number_member(g, "synthetic_rows", path);
      double eval_seconds = kNaN;
      if (const json* ev = object_member(g, "evaluation", path)) {
        auto t = ev->find("timings");
        if (t != ev->end() && t->is_object() && t->contains("total") && (*t)["total"].is_number())
          eval_seconds = (*t)["total"].get<double>();
      }
      out += "<tr><th scope=\"row\">" + escape(name) + "</th><td>" +
             seconds(number_member(g, "fit_seconds", path)) + "</td><td>" +
             seconds(number_member(g, "sample_seconds", path)) + "</td><td>" +
             (std::isfinite(rows) ? count_number(rows) : kNone) + "</td><td>" +
             (std::isfinite(eval_seconds) ? seconds(eval_seconds) : kNone) + "</td></tr>\n";
    }
    out += "</tbody></table></div>\n";
  }
  if (!model.cells.empty()) {
    out +=
        "<h3>Classifier fit times</h3>\n<div class=\"table-wrap\"><table class=\"data\"><thead>"
        "<tr><th>Strategy</th>";
    for (const auto& c : model.classifiers) out += "<th>" + escape(c) + "</th>";
    out += "</tr></thead><tbody>\n";
    for (const auto& s : model.strategies) {
      out += "<tr><th scope=\"row\">" + escape(s) + "</th>";
      for (const auto& c : model.classifiers) {
        const Cell* cell = model.cell(s, c);
        double fit = 0;
        int n = 0;
        if (cell != nullptr) {
          for (const json* e : cell->entries) {
            const double v = number_member(*e, "fit_seconds", "");
            if (std::isfinite(v)) {
              fit += v;
              ++n;
            }
          }
        }
        out += "<td>" + (n > 0 ? seconds(fit / n) : std::string(kNone)) + "</td>";
      }
      out += "</tr>\n";
    }
    out += "</tbody></table></div>\n";
  }
  if (const json* config = member(r, "config", "")) {
    out += "<details><summary>Configuration</summary><pre>" + escape(config->dump(2)) +
           "</pre></details>\n";
  }
  out += "</section>\n";
  return out;
}

// ---- data for the charts ----

json view_json(const Model& model) {
  json v;
  v["strategies"] = model.strategies;
  v["classifiers"] = model.classifiers;
  json colours = json::object();
  size_t k = 0;
  for (const auto& s : model.strategies)
    colours[s] = s == "none" ? std::string("#6E7781") : palette()[k++ % palette().size()];
  v["colors"] = colours;
  v["prevalence"] = num_json(test_prevalence(*model.results));
  v["has_statistics"] = model.has_statistics;
  v["confidence"] = model.confidence;
  v["max_column_plots"] = kMaxColumnPlots;
  v["alpha"] = model.alpha;
  v["summary_gains"] = summary_shows_gains(model);
  json pr = json::object(), gain = json::object();
  for (const auto& c : model.classifiers) {
    for (const auto& s : model.strategies) {
      const Cell* cell = model.cell(s, c);
      if (cell == nullptr) continue;
      const Interval i = cell->interval("pr_auc");
      pr[c][s] = {{"mean", num_json(i.mean)}, {"low", num_json(i.low)}, {"high", num_json(i.high)}};
      if (model.cell("none", c) != nullptr) {
        const Comparison d =
            s == "none" ? Comparison{0, kNaN, kNaN, kNaN} : compare(model, *cell, "none", "pr_auc");
        gain[c][s] = {{"diff", num_json(d.diff)},
                      {"low", num_json(d.low)},
                      {"high", num_json(d.high)},
                      {"pvalue", num_json(d.pvalue)}};
      }
    }
  }
  v["pr_auc"] = pr;
  v["gain"] = gain;
  // Labels of categorical columns by code, for the bars of the evaluation's column plots.
  json labels = json::object();
  const json* ds = object_member(*model.results, "dataset", "");
  const json* summary = ds ? array_member(*ds, "column_summary", "dataset") : nullptr;
  if (summary != nullptr) {
    for (const auto& c : *summary) {
      auto name = c.find("name");
      auto cats = c.find("categories");
      if (name != c.end() && name->is_string() && cats != c.end() && cats->is_array())
        labels[name->get<std::string>()] = *cats;
    }
  }
  v["category_labels"] = labels;
  return v;
}

std::string page(const json& results) {
  const Model model = build_model(results);
  const auto helped = what_helped(model);
  std::vector<TocEntry> toc;
  std::string body;
  if (std::string s = summary_section(model, helped); !s.empty()) {
    toc.push_back({"summary", "What helped", {}});
    body += s;
  }
  if (std::string s = dataset_section(model); !s.empty()) {
    toc.push_back({"dataset", "Data set", {}});
    body += s;
  }
  TocEntry gen_toc;
  if (std::string s = generators_section(model, gen_toc); !s.empty()) {
    toc.push_back(gen_toc);
    body += s;
  }
  TocEntry clf_toc;
  if (std::string s = downstream_section(model, clf_toc); !s.empty()) {
    toc.push_back(clf_toc);
    body += s;
  }
  toc.push_back({"run", "Run details", {}});
  body += run_section(model);

  // An inline script or style ends at the first "</script" / "</style" (CMake checks the
  // assets when it embeds them; this guards the binary too).
  auto check_inline = [](std::string_view asset, const char* name) {
    std::string lower(asset);
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    check_internal(
        lower.find("</script") == std::string::npos && lower.find("</style") == std::string::npos,
        std::string("report: the embedded ") + name + " cannot be inlined");
  };
  check_inline(plotly_js(), "plotly.js");
  check_inline(page_js(), "page.js");
  check_inline(page_css(), "page.css");

  const std::string title = "imbgen report: " + dataset_name(results);
  std::string html;
  html.reserve(plotly_js().size() + body.size() + 65536);
  html +=
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  // Nothing may be fetched: scripts and styles are inline, images only data/blob URLs (plotly's
  // "download as PNG").
  html +=
      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
      "script-src 'unsafe-inline' 'unsafe-eval'; style-src 'unsafe-inline'; "
      "img-src data: blob:; font-src data:\">\n";
  html += "<meta name=\"generator\" content=\"imbgen " +
          escape(string_member(results, "imbgen_version", "")) + "\">\n";
  html += "<title>" + escape(title) + "</title>\n<style>\n";
  html += page_css();
  html +=
      "</style>\n</head>\n<body>\n<a class=\"skip\" href=\"#main\">Skip to content</a>\n"
      "<div class=\"layout\">\n";
  html += toc_html(toc);
  html += "<main id=\"main\">\n";
  html += header_html(model, helped);
  html += body;
  html += "<footer><p>imbgen report \u00b7 charts by plotly.js " + escape(plotly_version()) +
          " \u00b7 works offline</p></footer>\n</main>\n</div>\n";
  html += "<script type=\"application/json\" id=\"imbgen-data\">" + script_json(results) +
          "</script>\n";
  html += "<script type=\"application/json\" id=\"imbgen-view\">" + script_json(view_json(model)) +
          "</script>\n";
  html += "<script>\n";
  html += plotly_js();
  html += "\n</script>\n<script>\n";
  html += page_js();
  html += "\n</script>\n</body>\n</html>\n";
  return html;
}

}  // namespace

std::string figure(const std::string& caption, const std::string& kind,
                   const std::vector<std::pair<std::string, std::string>>& attributes,
                   const std::string& note, const std::string& css_class) {
  std::string out = "<figure class=\"figure" + (css_class.empty() ? "" : " " + css_class) +
                    "\"><figcaption>" + escape(caption) +
                    "</figcaption><div class=\"chart\" "
                    "data-chart=\"" +
                    escape(kind) + "\"";
  for (const auto& [key, value] : attributes) out += " data-" + key + "=\"" + escape(value) + "\"";
  out += "></div>";
  if (!note.empty()) out += "<p class=\"note\">" + escape(note) + "</p>";
  out += "</figure>\n";
  return out;
}

std::string badge_html(Status status, const std::string& text) {
  return "<span class=\"badge " + std::string(status_class(status)) +
         "\"><span aria-hidden=\"true\">" + status_icon(status) + "</span>" +
         (text.empty() ? "" : " " + escape(text)) + "</span>";
}

}  // namespace report_detail

std::vector<std::string> what_helped_lines(const nlohmann::json& results) {
  using namespace report_detail;
  const Model model = build_model(results);
  const auto helped = what_helped(model);
  std::vector<std::string> out;
  for (const auto& h : helped)
    if (!h.best.empty()) out.push_back(h.classifier + ": " + h.verdict);
  const OverallAdvice advice = overall_advice(model, helped);
  if (!advice.text.empty()) out.push_back("overall: " + advice.text);
  return out;
}

std::string render_report(const nlohmann::json& results) {
  // Refuse what is not a results file before drawing an empty page from it.
  if (!results.is_object()) return report_detail::page(results);  // names what it got
  if (results.contains("format")) {
    if (results.at("format") != kResultsFormat) {
      throw Error(ErrorKind::kInvalidArgument,
                  "not imbgen results: \"format\" is " + results.at("format").dump() +
                      ", expected \"" + kResultsFormat + "\"");
    }
    const auto& v = results.value("format_version", nlohmann::json());
    if (!v.is_number_integer()) {
      throw Error(ErrorKind::kInvalidArgument, "\"format_version\": expected an integer, got " +
                                                   v.dump());
    }
    if (v.get<int64_t>() > kResultsFormatVersion) {
      throw Error(ErrorKind::kUnsupported,
                  "results format version " + v.dump() + " is newer than this imbgen reads (" +
                      std::to_string(kResultsFormatVersion) + "); upgrade imbgen");
    }
  } else if (!results.contains("results") && !results.contains("dataset") &&
             !results.contains("generators") && !results.contains("statistics")) {
    // imbgen 0.1 wrote no format name; a file with none of the sections is not results at all.
    throw Error(ErrorKind::kInvalidArgument,
                "not imbgen results: no \"format\": \"" + std::string(kResultsFormat) +
                    "\" and none of \"dataset\", \"results\", \"generators\", "
                    "\"statistics\" (written by `imbgen run` or `imbgen benchmark`?)");
  }
  return report_detail::page(results);
}

void write_report(const nlohmann::json& results, const std::string& path) {
  const std::string html = render_report(results);
  write_file_atomic(path, html);
}

std::string regenerate_report(const std::string& dir) {
  namespace fs = std::filesystem;
  const fs::path in = fs::path(dir) / "results.json";
  if (!fs::exists(in)) {
    throw Error(ErrorKind::kNotFound, "'" + in.string() +
                                          "': no such file; hint: give the output folder of "
                                          "`imbgen run` or `imbgen benchmark`");
  }
  nlohmann::json results;
  try {
    results = nlohmann::json::parse(read_file(in));
  } catch (const nlohmann::json::exception& e) {  // parse_error, or out_of_range for 1e999
    throw Error(ErrorKind::kInvalidArgument,
                "'" + in.string() + "': not valid JSON (" + e.what() + ")");
  }
  const fs::path out = fs::path(dir) / "report.html";
  try {
    write_report(results, out.string());
  } catch (const Error& e) {
    if (e.kind() != ErrorKind::kInvalidArgument) throw;
    throw Error(e.kind(), "'" + in.string() + "': " + e.what());
  }
  return out.string();
}

std::vector<std::string> write_benchmark_outputs_and_reports(const BenchmarkOutcome& outcome,
                                                             const std::string& dir) {
  namespace fs = std::filesystem;
  // Every file staged next to `dir` and swapped in at once (the cell store in it is carried
  // over): a failure or a kill leaves the earlier outputs, never a mix.
  std::vector<std::string> owned = {"metrics.csv", "summary.csv", "wins.csv", "results.json",
                                    "report.html"};
  if (outcome.results.size() > 1) owned.insert(owned.end(), outcome.names.begin(), outcome.names.end());
  OutputFolder folder(dir, owned);
  std::vector<std::string> folders;
  try {
    const std::vector<std::string> staged =
        write_benchmark_outputs(outcome, folder.staging().string());
    for (size_t d = 0; d < staged.size(); ++d) {
      write_report(outcome.results[d], (fs::path(staged[d]) / "report.html").string());
      const fs::path rel = fs::path(staged[d]).lexically_relative(folder.staging());
      folders.push_back(rel == "." ? dir : (fs::path(dir) / rel).string());
    }
  } catch (const Error& e) {
    throw folder.in_folder_terms(e);
  }
  folder.commit();
  return folders;
}

std::string report_plotly_version() { return report_detail::plotly_version(); }

}  // namespace imbgen
