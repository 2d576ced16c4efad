// The `auto` strategy: its options, the inner cross-validation that picks a candidate per
// classifier, and the plain sentence that says what it picked.
#include "auto_select.h"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "cell.h"
#include "imbgen/classifiers/metrics.h"
#include "imbgen/core/error.h"
#include "imbgen/core/rng.h"
#include "imbgen/core/text.h"
#include "imbgen/data/csv.h"
#include "imbgen/data/split.h"
#include "imbgen/experiment/settings.h"
#include "imbgen/experiment/space.h"
#include "imbgen/experiment/strategy.h"
#include "imbgen/generators/generator.h"

namespace imbgen {
namespace {

constexpr uint64_t kAutoFoldStream = 0x6175746f66;  // "autof"
constexpr uint64_t kAutoGenStream = 0x6175746f67;   // "autog"

// A seed stream from a name (FNV-1a), so seeds do not depend on the order of the candidates.
uint64_t text_stream(const std::string& s) {
  uint64_t h = 14695981039346656037ULL;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

std::string fixed3(double v) {
  if (!std::isfinite(v)) return "n/a";
  std::ostringstream ss;
  ss.setf(std::ios::fixed);
  ss.precision(3);
  ss << v;
  return ss.str();
}

double number_or_nan(const nlohmann::json& j) {
  return j.is_number() ? j.get<double>() : std::nan("");
}

// Members of a results.json the report reads back, which may hold anything: the fallback when
// the member is missing or of another type.
std::string string_member(const nlohmann::json& j, const char* key) {
  const auto it = j.is_object() ? j.find(key) : j.end();
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

int int_member(const nlohmann::json& j, const std::string& key, int fallback) {
  const auto it = j.is_object() ? j.find(key) : j.end();
  return it != j.end() && it->is_number_integer() ? it->get<int>() : fallback;
}

nlohmann::json object_member(const nlohmann::json& j, const char* key) {
  const auto it = j.is_object() ? j.find(key) : j.end();
  return it != j.end() && it->is_object() ? *it : nlohmann::json::object();
}

// A list option given as a JSON array or as comma-separated text (what --set auto.KEY=a,b gives).
bool read_list(const nlohmann::json& v, std::vector<std::string>& out) {
  out.clear();
  if (v.is_string()) {
    std::string item;
    std::stringstream ss(v.get<std::string>());
    while (std::getline(ss, item, ',')) {
      const auto b = item.find_first_not_of(" \t");
      const auto e = item.find_last_not_of(" \t");
      out.push_back(b == std::string::npos ? "" : item.substr(b, e - b + 1));
    }
    return true;
  }
  if (!v.is_array()) return false;
  for (const auto& e : v) {
    if (e.is_string()) {
      out.push_back(e.get<std::string>());
    } else if (e.is_number()) {
      out.push_back(format_number(e.get<double>()));
    } else {
      return false;
    }
  }
  return true;
}

}  // namespace

std::vector<std::string> AutoConfig::problems() const {
  std::vector<std::string> out;
  if (candidates.empty()) out.push_back("auto.candidates: no candidate given");
  std::vector<std::string> seen;
  for (const auto& c : candidates) {
    try {
      const StrategyName n = parse_strategy(c);
      if (n.base == "auto") {
        out.push_back("auto.candidates: 'auto' cannot be its own candidate");
      } else if (contains(seen, c)) {
        out.push_back("auto.candidates: '" + c + "' is listed twice");
      }
    } catch (const Error& e) {
      out.push_back(std::string("auto.candidates: ") + e.what());
    }
    seen.push_back(c);
  }
  for (size_t i = 0; i < ratios.size(); ++i) {
    if (!(ratios[i] > 0.0 && ratios[i] <= 1.0))
      out.push_back("auto.ratios: expected ratios in (0, 1], got " + format_number(ratios[i]));
    for (size_t j = 0; j < i; ++j)
      if (ratios[j] == ratios[i])
        out.push_back("auto.ratios: " + format_number(ratios[i]) + " is listed twice");
  }
  const auto generators = generator_names();
  const bool bare_generator = std::any_of(candidates.begin(), candidates.end(),
                                          [&](auto& c) { return contains(generators, c); });
  if (ratios.empty() && bare_generator)
    out.push_back("auto.ratios: no ratio given for the generators listed without one");
  if (inner_folds < 2)
    out.push_back("auto.inner_folds: expected an integer >= 2, got " + std::to_string(inner_folds));
  return out;
}

nlohmann::json AutoConfig::to_json() const {
  return {{"candidates", candidates}, {"ratios", ratios}, {"inner_folds", inner_folds}};
}

AutoConfig AutoConfig::from_json(const nlohmann::json& j) {
  AutoConfig c;
  std::vector<std::string> problems;
  const std::string valid = "valid keys: candidates, ratios, inner_folds";
  if (!j.is_object()) {
    throw Error(ErrorKind::kInvalidArgument,
                "auto options: expected an object, got " + j.dump() + "; " + valid);
  }
  for (const auto& [key, v] : j.items()) {
    if (key == "candidates") {
      if (!read_list(v, c.candidates))
        problems.push_back(
            "auto.candidates: expected names (none, class_weight, GENERATOR or "
            "GENERATOR@RATIO, comma-separated), got " +
            v.dump());
    } else if (key == "ratios") {
      c.ratios.clear();
      if (v.is_number()) {
        c.ratios.push_back(v.get<double>());
        continue;
      }
      std::vector<std::string> items;
      if (!read_list(v, items)) {
        problems.push_back("auto.ratios: expected numbers in (0, 1], comma-separated, got " +
                           v.dump());
        continue;
      }
      for (const auto& item : items) {
        char* end = nullptr;
        const double r = item.empty() ? std::nan("") : std::strtod(item.c_str(), &end);
        if (item.empty() || end != item.c_str() + item.size()) {
          problems.push_back("auto.ratios: '" + item + "' is not a number");
        } else {
          c.ratios.push_back(r);
        }
      }
    } else if (key == "inner_folds") {
      if (!v.is_number_integer()) {
        problems.push_back("auto.inner_folds: expected an integer >= 2, got " + v.dump());
      } else {
        c.inner_folds = v.get<int>();
      }
    } else {
      problems.push_back("auto: unknown key '" + key + "' (" + valid + ")");
    }
  }
  if (problems.empty()) problems = c.problems();
  throw_problems("invalid auto options", problems);
  return c;
}

std::vector<std::string> AutoConfig::expanded_candidates() const {
  std::vector<std::string> out;
  for (const auto& s : expand_ratios(candidates, ratios))
    if (!contains(out, s)) out.push_back(s);
  return out;
}

std::string auto_choice_text(const std::string& classifier, const nlohmann::json& choice) {
  const std::string chosen = string_member(choice, "chosen");
  const nlohmann::json inner = object_member(choice, "inner_pr_auc");
  std::string text = "for " + classifier + ": " + chosen;
  const int folds = int_member(choice, "folds", 1);
  if (folds > 1) {
    const nlohmann::json choices = object_member(choice, "choices");
    std::vector<std::pair<int, std::string>> others;
    for (const auto& [name, n] : choices.items())
      if (name != chosen && n.is_number_integer()) others.emplace_back(n.get<int>(), name);
    std::stable_sort(others.begin(), others.end(),
                     [](const auto& a, const auto& b) { return a.first > b.first; });
    text += " in " + std::to_string(int_member(choices, chosen, 0)) + " of " +
            std::to_string(folds) + " folds";
    if (!others.empty()) {
      text += " (";
      for (size_t i = 0; i < others.size(); ++i)
        text += (i ? ", " : "") + others[i].second + " " + std::to_string(others[i].first);
      text += ")";
    }
  }
  const double own = inner.contains(chosen) ? number_or_nan(inner.at(chosen)) : std::nan("");
  text += std::string(folds > 1 ? ", mean inner PR-AUC " : ", inner PR-AUC ") + fixed3(own);
  // Against none, or when none was chosen (or not tried), against the best other candidate.
  std::string other;
  if (chosen != "none" && inner.contains("none") && inner.at("none").is_number()) {
    other = "none";
  } else {
    double best = -1;
    for (const auto& [name, v] : inner.items()) {
      if (name == chosen || !v.is_number()) continue;
      if (v.get<double>() > best) {
        best = v.get<double>();
        other = name;
      }
    }
  }
  if (!other.empty()) {
    const double theirs = number_or_nan(inner.at(other));
    text += " against " + fixed3(theirs) + " for " + other;
    if (folds == 1 && theirs > own)
      text += " (a gain within one standard error of the inner folds: " + chosen + " kept)";
  }
  // A benchmark's comparison with the best other strategy on the test folds.
  const std::string hindsight = string_member(object_member(choice, "hindsight"), "text");
  if (!hindsight.empty()) text += "; " + hindsight;
  return text;
}

std::vector<std::string> auto_problems(const std::vector<std::string>& strategies,
                                       const AutoConfig& config) {
  if (contains(strategies, "auto")) return config.problems();
  if (config != AutoConfig{})
    return {"auto options are set, but 'auto' is not among the strategies"};
  return {};
}

std::vector<std::string> generators_in_use(const std::vector<std::string>& strategies,
                                           const AutoConfig& config) {
  std::vector<std::string> out = generators_of(strategies);
  if (contains(strategies, "auto")) {
    for (const auto& g : generators_of(config.candidates))
      if (!contains(out, g)) out.push_back(g);
  }
  return out;
}

namespace experiment_detail {

nlohmann::json AutoChoice::to_json() const {
  nlohmann::json inner = nlohmann::json::object();
  for (size_t i = 0; i < candidates.size(); ++i)
    inner[candidates[i]] =
        std::isfinite(mean_pr_auc[i]) ? nlohmann::json(mean_pr_auc[i]) : nlohmann::json();
  nlohmann::json skipped_json = nlohmann::json::object();
  for (const auto& [name, why] : skipped) skipped_json[name] = why;
  return {{"chosen", chosen},           {"best_by_mean", best_by_mean},
          {"choices", {{chosen, 1}}},   {"folds", 1},
          {"inner_folds", inner_folds}, {"inner_pr_auc", inner},
          {"skipped", skipped_json}};
}

size_t choose_candidate(const std::vector<std::vector<double>>& folds) {
  const size_t none = folds.size();
  auto mean_of = [](const std::vector<double>& v) {
    double sum = 0;
    for (double s : v) {
      if (!std::isfinite(s)) return std::nan("");
      sum += s;
    }
    return v.empty() ? std::nan("") : sum / static_cast<double>(v.size());
  };
  size_t best = none, first = none;
  for (size_t c = 0; c < folds.size(); ++c) {
    const double m = mean_of(folds[c]);
    if (!std::isfinite(m)) continue;
    if (first == none) first = c;
    // Strictly better replaces: ties keep the earlier (simpler) candidate.
    if (best == none || m > mean_of(folds[best])) best = c;
  }
  if (best == none || best == first) return best;
  // Paired differences of the best and the first over the inner folds.
  const std::vector<double>& a = folds[best];
  const std::vector<double>& b = folds[first];
  const size_t k = a.size();
  if (k < 2 || b.size() != k) return best;
  std::vector<double> d(k);
  double mean = 0;
  for (size_t f = 0; f < k; ++f) {
    d[f] = a[f] - b[f];
    mean += d[f] / static_cast<double>(k);
  }
  double ss = 0;
  for (double x : d) ss += (x - mean) * (x - mean);
  const double se = std::sqrt(ss / static_cast<double>(k - 1) / static_cast<double>(k));
  return mean > se ? best : first;
}

std::map<int, size_t> candidate_rows(const std::string& candidate, const Table& train,
                                     int positive) {
  const StrategyName n = parse_strategy(candidate);
  if (!n.generator) return {};
  check_internal(n.has_ratio(), "candidate_rows: a generator candidate without a ratio");
  const size_t rows = rows_to_add(train, positive, n.ratio);
  if (rows == 0) return {};
  return {{positive, rows}};
}

std::map<std::string, AutoChoice> select_by_inner_cv(const AutoJob& job) {
  check_internal(job.table != nullptr, "select_by_inner_cv: no table");
  const Table& table = *job.table;
  const int k = job.config.inner_folds;
  std::vector<int> y(job.rows.size());
  std::vector<size_t> counts(table.n_classes(), 0);
  for (size_t i = 0; i < job.rows.size(); ++i) {
    y[i] = table.y[job.rows[i]];
    ++counts[static_cast<size_t>(y[i])];
  }
  for (size_t c = 0; c < counts.size(); ++c) {
    if (counts[c] < static_cast<size_t>(k)) {
      throw Error(ErrorKind::kInvalidArgument,
                  "auto: class '" + table.classes[c] + "' has " + std::to_string(counts[c]) +
                      " training rows; auto.inner_folds=" + std::to_string(k) +
                      " needs at least as many; hint: a smaller auto.inner_folds");
    }
  }
  const std::vector<std::string> candidates = job.config.expanded_candidates();
  const size_t n_cand = candidates.size();
  // scores[classifier][candidate][inner fold]
  std::map<std::string, std::vector<std::vector<double>>> scores;
  for (const auto& clf : job.classifiers)
    scores[clf].assign(n_cand, std::vector<double>(static_cast<size_t>(k), std::nan("")));
  std::map<std::string, std::string> skipped;

  const std::vector<Split> folds = stratified_kfold(y, k, mix_seed(job.seed, kAutoFoldStream));
  for (size_t f = 0; f < folds.size(); ++f) {
    std::vector<size_t> fit_rows, scored_rows;
    for (size_t i : folds[f].train) fit_rows.push_back(job.rows[i]);
    for (size_t i : folds[f].test) scored_rows.push_back(job.rows[i]);
    if (job.on_fold) job.on_fold(fit_rows, scored_rows);
    const Table fit = table.subset(fit_rows);
    const Table scored = table.subset(scored_rows);
    ModelSpace space;  // fit on the inner fit rows only, as the outer one is on the outer rows
    space.fit(fit);
    const Matrix scored_model = space.to_classifier(scored.x);
    std::vector<int> labels(scored.rows());
    for (size_t i = 0; i < labels.size(); ++i) labels[i] = scored.y[i] == job.positive ? 1 : 0;
    for (size_t c = 0; c < n_cand; ++c) {
      const std::string& cand = candidates[c];
      if (skipped.count(cand)) continue;
      const StrategyName name = parse_strategy(cand);
      const std::map<int, size_t> n_new = candidate_rows(cand, fit, job.positive);
      if (name.generator && n_new.empty()) {
        skipped[cand] =
            "the training rows already reach minority/majority " + format_number(name.ratio);
        continue;
      }
      const nlohmann::json gen_config = job.generator_configs.contains(name.base)
                                            ? job.generator_configs.at(name.base)
                                            : nlohmann::json::object();
      TrainingSet training;
      try {
        training = build_training_set(
            name.base, fit, space, n_new, gen_config,
            mix_seed(mix_seed(job.seed, kAutoGenStream ^ text_stream(cand)), f), job.observer);
      } catch (const Error& e) {
        if (e.kind() != ErrorKind::kDiverged) throw;
        skipped[cand] = std::string("training diverged: ") + e.what();
        continue;
      }
      const Matrix x_model = space.to_classifier(training.x);
      for (const auto& clf : job.classifiers) {
        const nlohmann::json clf_config = job.classifier_configs.contains(clf)
                                              ? job.classifier_configs.at(clf)
                                              : nlohmann::json::object();
        const Scored s = fit_and_score(clf, clf_config, job.context, x_model, training.y,
                                       training.weights, {&scored_model}, job.positive);
        scores[clf][c][f] = average_precision(labels, s.scores.at(0));
      }
    }
  }

  std::map<std::string, AutoChoice> out;
  for (const auto& clf : job.classifiers) {
    AutoChoice choice;
    choice.inner_folds = k;
    choice.skipped = skipped;
    std::vector<std::vector<double>> scored;
    for (size_t c = 0; c < n_cand; ++c) {
      if (skipped.count(candidates[c])) continue;
      const auto& v = scores[clf][c];
      double sum = 0;
      bool finite = true;
      for (double s : v) {
        finite = finite && std::isfinite(s);
        sum += s;
      }
      const double mean = finite ? sum / static_cast<double>(v.size()) : std::nan("");
      choice.candidates.push_back(candidates[c]);
      choice.folds.push_back(v);
      choice.mean_pr_auc.push_back(mean);
      scored.push_back(v);
    }
    const size_t pick = choose_candidate(scored);
    if (pick < choice.candidates.size()) {
      choice.chosen = choice.candidates[pick];
      size_t best = pick;
      for (size_t c = 0; c < choice.candidates.size(); ++c)
        if (std::isfinite(choice.mean_pr_auc[c]) &&
            (!std::isfinite(choice.mean_pr_auc[best]) ||
             choice.mean_pr_auc[c] > choice.mean_pr_auc[best]))
          best = c;
      choice.best_by_mean = choice.candidates[best];
    }
    if (choice.chosen.empty()) {
      std::string why;
      for (const auto& [name, reason] : skipped) why += "; " + name + ": " + reason;
      throw Error(ErrorKind::kInvalidArgument,
                  "auto: no candidate could be scored for " + clf + why +
                      "; hint: add none or class_weight to auto.candidates, or higher auto.ratios");
    }
    out[clf] = std::move(choice);
  }
  return out;
}

}  // namespace experiment_detail
}  // namespace imbgen
