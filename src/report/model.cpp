// Reading results.json for the report: type-checked access, strategy x classifier cells (with the
// benchmark's statistics when present) and the "what helped" summary.
#include "report/model.h"

#include <algorithm>
#include <cmath>

#include "imbgen/core/error.h"
#include "report/html.h"

namespace imbgen::report_detail {
namespace {

std::string a_type(const json& v) {
  const std::string t = v.type_name();
  return (t == "array" || t == "object" ? "an " : "a ") + t;
}

[[noreturn]] void type_error(const std::string& path, const std::string& expected,
                             const json& found) {
  throw Error(ErrorKind::kInvalidArgument,
              path + ": expected " + expected + ", got " + a_type(found));
}

std::string child(const std::string& path, const std::string& key) {
  return path.empty() ? key : path + "." + key;
}

std::string index(const std::string& path, size_t i) {
  return path + "[" + std::to_string(i) + "]";
}

void add_unique(std::vector<std::string>& v, const std::string& s) {
  if (std::find(v.begin(), v.end(), s) == v.end()) v.push_back(s);
}

// Arrays of numbers (or nulls) of equal length under each of `keys` of `obj`, when present.
void check_series(const json& obj, const std::string& path, const std::vector<std::string>& keys) {
  size_t length = 0;
  bool first = true;
  for (const auto& key : keys) {
    const json* a = array_member(obj, key, path);
    if (a == nullptr) continue;
    for (size_t i = 0; i < a->size(); ++i) {
      const json& v = (*a)[i];
      if (!v.is_number() && !v.is_null())
        type_error(index(child(path, key), i), "a number or null", v);
    }
    if (!first && a->size() != length) {
      throw Error(ErrorKind::kInvalidArgument,
                  child(path, key) + ": expected " + std::to_string(length) +
                      " values (as many as the curve's other coordinate), got " +
                      std::to_string(a->size()));
    }
    length = a->size();
    first = false;
  }
}

Interval read_interval(const json& j, const std::string& path) {
  return {number_member(j, "mean", path), number_member(j, "ci_low", path),
          number_member(j, "ci_high", path)};
}

Comparison read_comparison(const json& j, const std::string& path) {
  return {number_member(j, "diff", path),    number_member(j, "ci_low", path),
          number_member(j, "ci_high", path), number_member(j, "pvalue", path),
          number_member(j, "wins", path),    number_member(j, "n", path)};
}

}  // namespace

// ---- access ----

const json* member(const json& obj, const std::string& key, const std::string& path) {
  if (!obj.is_object()) type_error(path.empty() ? "results" : path, "an object", obj);
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return nullptr;
  return &*it;
}

const json* object_member(const json& obj, const std::string& key, const std::string& path) {
  const json* v = member(obj, key, path);
  if (v != nullptr && !v->is_object()) type_error(child(path, key), "an object", *v);
  return v;
}

const json* array_member(const json& obj, const std::string& key, const std::string& path) {
  const json* v = member(obj, key, path);
  if (v != nullptr && !v->is_array()) type_error(child(path, key), "an array", *v);
  return v;
}

std::string string_member(const json& obj, const std::string& key, const std::string& path,
                          const std::string& fallback) {
  const json* v = member(obj, key, path);
  if (v == nullptr) return fallback;
  if (!v->is_string()) type_error(child(path, key), "a string", *v);
  return v->get<std::string>();
}

double number_member(const json& obj, const std::string& key, const std::string& path) {
  const json* v = member(obj, key, path);
  if (v == nullptr) return kNaN;
  if (!v->is_number()) type_error(child(path, key), "a number or null", *v);
  return v->get<double>();
}

// ---- metrics ----

const std::vector<MetricInfo>& table_metrics() {
  static const std::vector<MetricInfo> metrics = {
      {"pr_auc", "PR-AUC"},
      {"roc_auc", "ROC-AUC"},
      {"f1", "F1"},
      {"recall", "Recall"},
      {"precision", "Precision"},
      {"mcc", "MCC"},
      {"balanced_accuracy", "Balanced accuracy"},
      {"recall_at_precision_90", "Recall at precision 0.9"},
  };
  return metrics;
}

double Cell::value(const std::string& metric) const {
  auto it = stats.find(metric);
  if (it != stats.end()) return it->second.mean;
  double sum = 0;
  int64_t used = 0;
  for (const json* e : entries) {
    const json& metrics = e->at("metrics");
    auto m = metrics.find(metric);
    if (m == metrics.end() || !m->is_number()) continue;
    const double v = m->get<double>();
    if (!std::isfinite(v)) continue;
    sum += v;
    ++used;
  }
  return used > 0 ? sum / static_cast<double>(used) : kNaN;
}

Interval Cell::interval(const std::string& metric) const {
  auto it = stats.find(metric);
  if (it != stats.end()) return it->second;
  return {value(metric), kNaN, kNaN};
}

const json* Cell::curves() const {
  for (const json* e : entries) {
    auto c = e->find("curves");
    if (c != e->end() && c->is_object() && (c->contains("roc") || c->contains("pr"))) return e;
  }
  return nullptr;
}

const Cell* Model::cell(const std::string& strategy, const std::string& classifier) const {
  auto it = cells.find({strategy, classifier});
  return it == cells.end() ? nullptr : &it->second;
}

bool Model::has(const std::string& strategy) const {
  return std::find(strategies.begin(), strategies.end(), strategy) != strategies.end();
}

Model build_model(const json& results) {
  Model m;
  m.results = &results;
  if (!results.is_object()) type_error("results.json", "an object", results);
  if (const json* config = object_member(results, "config", "config")) {
    for (const char* key : {"strategies", "classifiers"}) {
      const json* names = array_member(*config, key, "config");
      if (names == nullptr) continue;
      for (size_t i = 0; i < names->size(); ++i) {
        const json& n = (*names)[i];
        if (!n.is_string()) type_error(index(child("config", key), i), "a string", n);
        add_unique(std::string(key) == "strategies" ? m.strategies : m.classifiers,
                   n.get<std::string>());
      }
    }
  }
  if (const json* entries = array_member(results, "results", "")) {
    for (size_t i = 0; i < entries->size(); ++i) {
      const json& e = (*entries)[i];
      const std::string path = index("results", i);
      if (!e.is_object()) type_error(path, "an object", e);
      const json* s = member(e, "strategy", path);
      const json* c = member(e, "classifier", path);
      for (const auto& [key, v] :
           {std::pair<const char*, const json*>{"strategy", s}, {"classifier", c}}) {
        if (v == nullptr) {
          throw Error(ErrorKind::kInvalidArgument,
                      path + ": no '" + key + "' (expected the name of the " + key + ")");
        }
        if (!v->is_string()) type_error(child(path, key), "a string", *v);
      }
      const json* metrics = object_member(e, "metrics", path);
      if (metrics == nullptr) {
        throw Error(ErrorKind::kInvalidArgument,
                    child(path, "metrics") + ": expected an object of metric values, got none");
      }
      for (const auto& metric : table_metrics())
        number_member(*metrics, metric.key, child(path, "metrics"));
      if (const json* cm = object_member(*metrics, "confusion_matrix", child(path, "metrics"))) {
        for (const char* k : {"tn", "fp", "fn", "tp"})
          number_member(*cm, k, child(child(path, "metrics"), "confusion_matrix"));
      }
      for (const char* k : {"train_rows", "synthetic_rows", "fit_seconds", "threshold"})
        number_member(e, k, path);
      string_member(e, "note", path);
      if (const json* curves = object_member(e, "curves", path)) {
        const std::string cpath = child(path, "curves");
        if (const json* roc = object_member(*curves, "roc", cpath))
          check_series(*roc, child(cpath, "roc"), {"fpr", "tpr"});
        if (const json* pr = object_member(*curves, "pr", cpath))
          check_series(*pr, child(cpath, "pr"), {"recall", "precision"});
      }
      const std::string strategy = s->get<std::string>(), classifier = c->get<std::string>();
      add_unique(m.strategies, strategy);
      add_unique(m.classifiers, classifier);
      Cell& cell = m.cells[{strategy, classifier}];
      cell.strategy = strategy;
      cell.classifier = classifier;
      cell.entries.push_back(&e);
      cell.n = static_cast<int64_t>(cell.entries.size());
    }
  }
  if (const json* stats = object_member(results, "statistics", "")) {
    m.has_statistics = true;
    const double confidence = number_member(*stats, "confidence", "statistics");
    const double alpha = number_member(*stats, "alpha", "statistics");
    const double repeats = number_member(*stats, "repeats", "statistics");
    if (std::isfinite(confidence)) m.confidence = confidence;
    if (std::isfinite(alpha)) m.alpha = alpha;
    m.repeats = whole_or(repeats, m.repeats);
    m.method = string_member(*stats, "method", "statistics");
    if (const json* cells = array_member(*stats, "cells", "statistics")) {
      for (size_t i = 0; i < cells->size(); ++i) {
        const json& sc = (*cells)[i];
        const std::string path = index("statistics.cells", i);
        if (!sc.is_object()) type_error(path, "an object", sc);
        const std::string strategy = string_member(sc, "strategy", path);
        const std::string classifier = string_member(sc, "classifier", path);
        if (strategy.empty() || classifier.empty()) {
          throw Error(ErrorKind::kInvalidArgument,
                      path + ": expected non-empty 'strategy' and 'classifier' strings");
        }
        add_unique(m.strategies, strategy);
        add_unique(m.classifiers, classifier);
        Cell& cell = m.cells[{strategy, classifier}];
        cell.strategy = strategy;
        cell.classifier = classifier;
        const double n = number_member(sc, "n", path);
        cell.n = whole_or(n, cell.n);
        if (const json* metrics = object_member(sc, "metrics", path)) {
          for (const auto& [name, v] : metrics->items()) {
            const std::string mpath = child(child(path, "metrics"), name);
            if (!v.is_object()) type_error(mpath, "an object {mean, ci_low, ci_high}", v);
            cell.stats[name] = read_interval(v, mpath);
          }
        }
        if (const json* comps = object_member(sc, "comparisons", path)) {
          for (const auto& [baseline, per_metric] : comps->items()) {
            const std::string bpath = child(child(path, "comparisons"), baseline);
            if (!per_metric.is_object()) type_error(bpath, "an object of metrics", per_metric);
            for (const auto& [name, v] : per_metric.items()) {
              const std::string mpath = child(bpath, name);
              if (!v.is_object()) type_error(mpath, "an object {diff, ci_low, ci_high, pvalue}", v);
              cell.comparisons[baseline][name] = read_comparison(v, mpath);
            }
          }
        }
      }
    }
  }
  // Names listed in the config without any result are left out.
  auto used = [&](const std::string& name, bool strategy) {
    for (const auto& [key, cell] : m.cells)
      if ((strategy ? key.first : key.second) == name) return true;
    return false;
  };
  m.strategies.erase(std::remove_if(m.strategies.begin(), m.strategies.end(),
                                    [&](const std::string& s) { return !used(s, true); }),
                     m.strategies.end());
  m.classifiers.erase(std::remove_if(m.classifiers.begin(), m.classifiers.end(),
                                     [&](const std::string& c) { return !used(c, false); }),
                      m.classifiers.end());
  return m;
}

// ---- what helped ----

const char* status_class(Status s) {
  switch (s) {
    case Status::kGood:
      return "good";
    case Status::kWarn:
      return "warn";
    case Status::kBad:
      return "bad";
    case Status::kInfo:
      return "info";
    case Status::kSkip:
      return "skip";
  }
  return "info";
}

const char* status_icon(Status s) {
  switch (s) {
    case Status::kGood:
      return "\u2714";  // heavy check mark
    case Status::kWarn:
      return "!";
    case Status::kBad:
      return "\u2716";  // heavy multiplication x
    case Status::kInfo:
      return "i";
    case Status::kSkip:
      return "\u2013";  // en dash
  }
  return "i";
}

Comparison compare(const Model& model, const Cell& cell, const std::string& baseline,
                   const std::string& metric) {
  auto b = cell.comparisons.find(baseline);
  if (b != cell.comparisons.end()) {
    auto c = b->second.find(metric);
    if (c != b->second.end()) return c->second;
  }
  Comparison out;
  if (const Cell* base = model.cell(baseline, cell.classifier))
    out.diff = cell.value(metric) - base->value(metric);
  return out;
}

std::string evidence_text(const Model& model, const Comparison& c, const std::string& baseline) {
  std::string text = signed_num(c.diff) + " PR-AUC over '" + baseline + "'";
  std::vector<std::string> parts;
  if (std::isfinite(c.low) && std::isfinite(c.high))
    parts.push_back(num(100 * model.confidence, 0) + "% CI " + signed_num(c.low) + " to " +
                    signed_num(c.high));
  if (std::isfinite(c.pvalue)) parts.push_back(pvalue(c.pvalue));
  if (std::isfinite(c.wins) && std::isfinite(c.n) && c.n > 0)
    parts.push_back("better in " + num(c.wins, 0) + "/" + num(c.n, 0) + " folds");
  if (!parts.empty()) {
    text += " (";
    for (size_t i = 0; i < parts.size(); ++i) text += (i ? ", " : "") + parts[i];
    text += ")";
  }
  return text;
}

namespace {

constexpr const char* kKeepData = "None of them: keep your data as it is, tune the threshold.";

bool significant_gain(const Model& model, const Comparison& c) {
  return std::isfinite(c.pvalue) && c.pvalue < model.alpha && c.diff > 0;
}

}  // namespace

std::vector<Helped> what_helped(const Model& model) {
  std::vector<Helped> out;
  const std::string metric = "pr_auc";
  for (const auto& classifier : model.classifiers) {
    Helped h;
    h.classifier = classifier;
    const Cell* best = nullptr;
    const Cell* best_other = nullptr;  // the best strategy other than none and auto
    for (const auto& strategy : model.strategies) {
      const Cell* c = model.cell(strategy, classifier);
      if (c == nullptr) continue;
      const double v = c->value(metric);
      if (!std::isfinite(v)) continue;
      if (best == nullptr || v > best->value(metric)) best = c;
      // auto is left out: what it chose is one of the others (often none itself).
      if (strategy != "none" && strategy != "auto" &&
          (best_other == nullptr || v > best_other->value(metric)))
        best_other = c;
    }
    auto present = [&](const std::string& s) {
      const Cell* c = model.cell(s, classifier);
      return c != nullptr && std::isfinite(c->value(metric));
    };
    h.has_none = present("none");
    h.has_smote = present("smote");
    if (best == nullptr) {
      h.status = Status::kSkip;
      h.verdict = "No PR-AUC for this classifier.";
      out.push_back(h);
      continue;
    }
    h.best = best->strategy;
    h.best_value = best->interval(metric);
    if (h.has_none && h.best != "none") h.vs_none = compare(model, *best, "none", metric);
    if (h.has_smote && h.best != "smote") h.vs_smote = compare(model, *best, "smote", metric);
    const std::string name = "'" + h.best + "'";
    if (h.best == "none") {
      h.use = "none";
      h.status = Status::kInfo;
      h.verdict = std::string(kKeepData) + " Nothing beat training on the data as it is";
      if (best_other != nullptr) {
        const Comparison c = compare(model, *best_other, "none", metric);
        h.verdict +=
            "; the closest, '" + best_other->strategy + "', " + evidence_text(model, c, "none");
      }
      h.verdict += ".";
    } else if (!h.has_none) {
      h.use = h.best;
      h.status = Status::kInfo;
      h.verdict = name + " is the best of the strategies run (no 'none' baseline to compare with).";
    } else if (std::isfinite(h.vs_none.pvalue)) {
      if (significant_gain(model, h.vs_none)) {
        h.use = h.best;
        h.status = Status::kGood;
        h.verdict = "Use " + name + ": " + evidence_text(model, h.vs_none, "none") + ".";
      } else {
        h.use = "none";
        h.status = Status::kWarn;
        h.verdict = std::string(kKeepData) + " The best, " + name + ", is " +
                    evidence_text(model, h.vs_none, "none") + ": not significantly better.";
      }
    } else {
      h.use = h.best;
      h.status = Status::kInfo;
      h.verdict = name + " scored " + signed_num(h.vs_none.diff) +
                  " PR-AUC over 'none' on this test split (one split: no confidence interval).";
    }
    out.push_back(h);
  }
  return out;
}

OverallAdvice overall_advice(const Model& model, const std::vector<Helped>& helped) {
  OverallAdvice a;
  const Helped* top = nullptr;
  for (const auto& h : helped) {
    if (h.best.empty()) continue;
    if (top == nullptr || h.best_value.mean > top->best_value.mean) top = &h;
  }
  if (top == nullptr) return a;
  a.classifier = top->classifier;
  a.strategy = top->best;
  a.value = top->best_value;
  const std::string model_text = "The best model is " + top->classifier + " with '" + top->best +
                                 "' (mean PR-AUC " + num(top->best_value.mean) + ").";
  std::vector<std::string> gains;  // classifiers a strategy helped significantly
  for (const auto& h : helped)
    if (h.status == Status::kGood) gains.push_back("'" + h.best + "' for " + h.classifier);
  auto listed = [](const std::vector<std::string>& v) {
    std::string t;
    for (size_t i = 0; i < v.size(); ++i) t += (i ? ", " : "") + v[i];
    return t;
  };
  if (top->status == Status::kGood) {
    a.status = Status::kGood;
    a.text = model_text + " Use '" + top->best + "' with " + top->classifier + ": " +
             evidence_text(model, top->vs_none, "none") + ".";
    if (gains.size() > 1) a.text += " Significant gains over 'none': " + listed(gains) + ".";
  } else if (model.has_statistics && top->has_none) {
    a.status = gains.empty() ? Status::kInfo : Status::kWarn;
    a.text = model_text + " " + kKeepData;
    if (top->best == "none") {
      a.text += " No strategy beat the data as it is for " + top->classifier + ".";
    } else {
      a.text += " For " + top->classifier + ", '" + top->best + "' is " +
                evidence_text(model, top->vs_none, "none") + ": not a significant gain.";
    }
    if (!gains.empty())
      a.text += " Significant gains for weaker classifiers only: " + listed(gains) + ".";
  } else {
    a.status = Status::kInfo;
    a.text = model_text + (top->has_none
                               ? " One train/test split: run imbgen benchmark to know whether it "
                                 "beats 'none' beyond noise."
                               : " No 'none' baseline was run to compare with.");
  }
  return a;
}

}  // namespace imbgen::report_detail
