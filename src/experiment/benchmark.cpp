// `imbgen benchmark`: the configuration, the plan of cells (data set x repeat x fold x strategy),
// the pool of workers that computes and stores them, and the work of one cell.
#include "imbgen/experiment/benchmark.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <functional>
#include <mutex>
#include <thread>
#include <type_traits>

#include "auto_select.h"
#include "benchmark_results.h"
#include "cell.h"
#include "imbgen/classifiers/classifier.h"
#include "imbgen/core/error.h"
#include "imbgen/core/rng.h"
#include "imbgen/core/text.h"
#include "imbgen/data/csv.h"
#include "imbgen/data/split.h"
#include "imbgen/evaluation/evaluate.h"
#include "imbgen/experiment/run.h"
#include "imbgen/experiment/settings.h"
#include "imbgen/experiment/store.h"
#include "imbgen/experiment/strategy.h"
#include "imbgen/generators/generator.h"

namespace imbgen {
namespace {

using namespace experiment_detail;

// Streams of mix_seed, so that no two uses of one seed coincide.
constexpr uint64_t kValidationStream = 0x76616c;  // "val"
constexpr uint64_t kClassifierStream = 0x636c66;  // "clf"
constexpr uint64_t kEvaluationStream = 0x6576;    // "ev"
constexpr uint64_t kAutoStream = 0x6175746f;      // "auto"

bool valid_name(const std::string& s) {
  if (s.empty() || s == "." || s == "..") return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
  });
}

// A seed stream from a name (FNV-1a), so seeds do not depend on the order of the lists.
uint64_t name_stream(const std::string& s) {
  uint64_t h = 14695981039346656037ULL;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

// Identifies a data set's content in the store's configuration: names, labels and every value.
std::string fingerprint(const Table& t) {
  uint64_t h = 14695981039346656037ULL;
  auto add_bytes = [&](const void* p, size_t n) {
    const auto* b = static_cast<const unsigned char*>(p);
    for (size_t i = 0; i < n; ++i) {
      h ^= b[i];
      h *= 1099511628211ULL;
    }
  };
  auto add_string = [&](const std::string& s) {
    add_bytes(s.data(), s.size());
    add_bytes("\0", 1);
  };
  for (const auto& c : t.columns) {
    add_string(c.name);
    add_bytes(&c.kind, sizeof c.kind);
    for (const auto& cat : c.categories) add_string(cat);
  }
  add_string(t.target);
  for (const auto& c : t.classes) add_string(c);
  add_bytes(t.x.data.data(), t.x.data.size() * sizeof(double));
  add_bytes(t.y.data(), t.y.size() * sizeof(int));
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

// Collects type problems while reading a JSON object into a config.
class Reader {
 public:
  explicit Reader(const nlohmann::json& j) : j_(j) {
    if (!j.is_object())
      problems_.push_back("expected a JSON object, got " + std::string(j.type_name()));
  }
  template <typename T>
  void get(const char* key, T& out, const char* expected) {
    if (!j_.is_object() || !j_.contains(key)) return;
    seen_.push_back(key);
    const auto& v = j_.at(key);
    bool ok = false;
    if constexpr (std::is_same_v<T, bool>)
      ok = v.is_boolean();
    else if constexpr (std::is_same_v<T, int>)
      ok = v.is_number_integer();
    else if constexpr (std::is_same_v<T, uint64_t>)
      ok = v.is_number_unsigned() || (v.is_number_integer() && v.get<int64_t>() >= 0);
    else if constexpr (std::is_same_v<T, double>)
      ok = v.is_number();
    else if constexpr (std::is_same_v<T, nlohmann::json>)
      ok = v.is_object();
    else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
      ok = v.is_array() &&
           std::all_of(v.begin(), v.end(), [](const auto& e) { return e.is_string(); });
    }
    if (!ok) {
      problems_.push_back("'" + std::string(key) + "': expected " + expected + ", got " + v.dump());
      return;
    }
    out = v.get<T>();
  }
  std::vector<std::string> finish() {
    if (j_.is_object()) {
      for (const auto& [key, value] : j_.items()) {
        if (!contains(seen_, key)) problems_.push_back("unknown key '" + key + "'");
      }
    }
    return problems_;
  }

 private:
  const nlohmann::json& j_;
  std::vector<std::string> seen_;
  std::vector<std::string> problems_;
};

// Thrown at a cell's checkpoints when the run is stopping; never leaves run_benchmark.
struct Cancelled {};

// Passed as the observer of generators and evaluation: a checkpoint at every progress report.
class Checkpoint : public Observer {
 public:
  explicit Checkpoint(std::function<bool()> stopping) : stopping_(std::move(stopping)) {}
  void on_progress(const Progress&) override { check(); }
  void check() const {
    if (stopping_()) throw Cancelled{};
  }

 private:
  std::function<bool()> stopping_;
};

struct Prepared {
  const BenchmarkData* data = nullptr;
  int positive = 1;
  uint64_t data_seed = 0;
  std::vector<uint64_t> repeat_seeds;     // per repeat
  std::vector<std::vector<Split>> folds;  // [repeat][fold]
};

struct CellPlan {
  size_t dataset;
  int repeat, fold;
  std::string strategy;
  std::string key;
};

// The store takes letters, digits, '.', '_' and '-': "smote@0.25" is stored as "smote-0.25"
// (strategy names hold no '-', so no two names share a key; names without a ratio keep theirs).
std::string cell_key(const std::string& dataset, int repeat, int fold,
                     const std::string& strategy) {
  std::string name = strategy;
  std::replace(name.begin(), name.end(), '@', '-');
  return dataset + "/r" + std::to_string(repeat) + "-f" + std::to_string(fold) + "-" + name;
}

std::vector<int> binary_labels(const Table& t, int positive) {
  std::vector<int> out(t.rows());
  for (size_t i = 0; i < t.rows(); ++i) out[i] = t.y[i] == positive ? 1 : 0;
  return out;
}

nlohmann::json run_cell(const Prepared& p, const BenchmarkConfig& config, const CellPlan& plan,
                        int threads, Checkpoint& checkpoint,
                        const std::function<void(const AutoInnerFold&)>& on_auto_fold) {
  const auto t0 = std::chrono::steady_clock::now();
  const Table& table = p.data->table;
  const Split& split = p.folds[static_cast<size_t>(plan.repeat)][static_cast<size_t>(plan.fold)];
  const uint64_t fold_seed =
      mix_seed(p.repeat_seeds[static_cast<size_t>(plan.repeat)], static_cast<uint64_t>(plan.fold));
  const bool first = plan.repeat == 0 && plan.fold == 0;

  // The training rows split into the fit part and the validation part (same for every strategy).
  std::vector<int> y_train(split.train.size());
  for (size_t i = 0; i < split.train.size(); ++i) y_train[i] = table.y[split.train[i]];
  const Split inner =
      stratified_split(y_train, config.validation_fraction, mix_seed(fold_seed, kValidationStream));
  std::vector<size_t> fit_rows, val_rows;
  for (size_t i : inner.train) fit_rows.push_back(split.train[i]);
  for (size_t i : inner.test) val_rows.push_back(split.train[i]);
  const Table fit = table.subset(fit_rows);
  const Table val = table.subset(val_rows);
  const Table test = table.subset(split.test);

  // Everything that is fit sees the fit part only.
  ModelSpace space;
  space.fit(fit);
  // A strategy's training set; the generator's seed comes from the strategy's name, so auto's
  // refit of "smote@0.5" is that strategy's own cell.
  auto training_for = [&](const std::string& strategy) {
    const StrategyName name = parse_strategy(strategy);
    const size_t n_new = rows_to_add(fit, p.positive, name.has_ratio() ? name.ratio : config.ratio);
    const nlohmann::json gen_config = config.generator_configs.contains(name.base)
                                          ? config.generator_configs.at(name.base)
                                          : nlohmann::json::object();
    const uint64_t gen_seed = mix_seed(fold_seed, name_stream(strategy));
    checkpoint.check();
    return build_training_set(
        name.base, fit, space,
        n_new > 0 ? std::map<int, size_t>{{p.positive, n_new}} : std::map<int, size_t>{},
        gen_config, gen_seed, &checkpoint);
  };
  const ClassifierContext context{mix_seed(fold_seed, kClassifierStream), threads};
  const bool is_auto = plan.strategy == "auto";
  TrainingSet training;
  std::map<std::string, AutoChoice> choices;
  std::map<std::string, TrainingSet> chosen_sets;
  if (is_auto) {
    // The inner cross-validation sees the fit part only: never the validation part (thresholds)
    // nor the test fold.
    AutoJob job;
    job.table = &table;
    job.rows = fit_rows;
    job.positive = p.positive;
    job.config = config.auto_config;
    job.classifiers = config.classifiers;
    job.classifier_configs = config.classifier_configs;
    job.generator_configs = config.generator_configs;
    job.context = context;
    job.seed = mix_seed(fold_seed, kAutoStream);
    job.observer = &checkpoint;
    if (on_auto_fold) {
      job.on_fold = [&](const std::vector<size_t>& inner_fit, const std::vector<size_t>& scored) {
        on_auto_fold(AutoInnerFold{p.data->name, plan.repeat, plan.fold, split.test, val_rows,
                                   inner_fit, scored});
      };
    }
    choices = select_by_inner_cv(job);
    for (const auto& [clf, choice] : choices)
      if (!chosen_sets.count(choice.chosen))
        chosen_sets.emplace(choice.chosen, training_for(choice.chosen));
  } else {
    training = training_for(plan.strategy);
  }
  nlohmann::json cell = {{"dataset", p.data->name},
                         {"repeat", plan.repeat},
                         {"fold", plan.fold},
                         {"strategy", plan.strategy}};
  cell["rows"] = {{"train", split.train.size()},
                  {"fit", fit.rows()},
                  {"validation", val.rows()},
                  {"test", test.rows()},
                  {"synthetic", training.synthetic.rows}};
  cell["classes"] = {{"fit", class_summary(table, fit_rows)},
                     {"validation", class_summary(table, val_rows)},
                     {"test", class_summary(table, split.test)}};
  if (!training.generator.is_null()) {
    nlohmann::json gen = training.generator;
    if (!first) gen.erase("history");  // the report draws the first fold's curves only
    if (first && config.evaluate && training.synthetic.rows >= 2) {
      nlohmann::json ej = config.evaluation_config;
      if (!ej.contains("tsne")) ej["tsne"] = false;
      EvaluationConfig ec = EvaluationConfig::from_json(ej);
      ec.seed = mix_seed(fold_seed, kEvaluationStream);
      ec.threads = threads;
      gen["evaluation"] =
          evaluate_synthetic(fit, test, space, training.synthetic, p.positive, ec, &checkpoint);
    }
    cell["generator"] = std::move(gen);
  }

  std::map<std::string, Matrix> x_model_of;  // training set name -> classifier space
  const Matrix val_model = space.to_classifier(val.x);
  const Matrix test_model = space.to_classifier(test.x);
  const std::vector<int> val_labels = binary_labels(val, p.positive);
  const std::vector<int> test_labels = binary_labels(test, p.positive);
  nlohmann::json entries = nlohmann::json::array();
  for (const auto& name : config.classifiers) {
    checkpoint.check();
    const std::string set_name = is_auto ? choices.at(name).chosen : plan.strategy;
    const TrainingSet& used = is_auto ? chosen_sets.at(set_name) : training;
    if (!x_model_of.count(set_name)) x_model_of.emplace(set_name, space.to_classifier(used.x));
    const Matrix& x_model = x_model_of.at(set_name);
    const nlohmann::json clf_config = config.classifier_configs.contains(name)
                                          ? config.classifier_configs.at(name)
                                          : nlohmann::json::object();
    Scored scored = fit_and_score(name, clf_config, context, x_model, used.y, used.weights,
                                  {&val_model, &test_model}, p.positive);
    const std::vector<double>& val_scores = scored.scores[0];
    const std::vector<double>& test_scores = scored.scores[1];
    const TunedThresholds tuned = tune_thresholds(val_labels, val_scores, config.min_precision);
    const BinaryMetrics m = binary_metrics(test_labels, test_scores, scored.default_threshold);
    const BinaryMetrics at_f1 = binary_metrics(test_labels, test_scores, tuned.best_f1);
    const BinaryMetrics at_target =
        binary_metrics(test_labels, test_scores, tuned.precision_target);
    nlohmann::json metrics = m.to_json();
    metrics["f1_tuned"] = at_f1.f1;
    metrics["precision_tuned"] = at_f1.precision;
    metrics["recall_tuned"] = at_f1.recall;
    metrics["mcc_tuned"] = at_f1.mcc;
    metrics["precision_at_target"] = at_target.precision;
    metrics["recall_at_target"] = at_target.recall;
    nlohmann::json entry = {
        {"classifier", name},
        {"metrics", metrics},
        {"score_kind", scored.kind == ScoreKind::kProbability ? "probability" : "decision"},
        {"threshold", scored.default_threshold},
        {"thresholds",
         {{"best_f1", tuned.best_f1},
          {"best_f1_validation", tuned.best_f1_value},
          {"precision_target", tuned.precision_target},
          {"precision_target_reached", tuned.reached}}},
        {"train_rows", used.x.rows},
        {"synthetic_rows", used.synthetic.rows},
        {"fit_seconds", scored.fit_seconds},
        {"classifier_config", scored.config},
    };
    if (is_auto) entry["auto"] = choices.at(name).to_json();
    if (!scored.note.empty()) entry["note"] = scored.note;
    if (first) entry["curves"] = curves_json(test_labels, test_scores);
    entries.push_back(std::move(entry));
  }
  cell["results"] = std::move(entries);
  cell["seconds"] = seconds_since(t0);
  return cell;
}

}  // namespace

// ---- configuration ----

void BenchmarkConfig::validate() const {
  std::vector<std::string> problems;
  const auto classifiers_known = classifier_names();
  if (strategies.empty()) problems.push_back("no strategy given");
  if (classifiers.empty()) problems.push_back("no classifier given");
  auto check_list = [&](const std::vector<std::string>& names,
                        const std::vector<std::string>& known, const char* what) {
    std::vector<std::string> seen;
    for (const auto& s : names) {
      if (!contains(known, s)) {
        problems.push_back("unknown " + std::string(what) + " '" + s + "' (valid: " + join(known) +
                           ")");
      } else if (contains(seen, s)) {
        problems.push_back(std::string(what) + " '" + s + "' is listed twice");
      }
      seen.push_back(s);
    }
  };
  for (auto& p : strategy_problems(strategies)) problems.push_back(std::move(p));
  check_list(classifiers, classifiers_known, "classifier");
  for (const auto& b : baselines) {
    try {
      parse_strategy(b);
    } catch (const Error& e) {
      const std::string m = e.what();
      const std::string unknown = "unknown strategy";
      problems.push_back(m.compare(0, unknown.size(), unknown) == 0
                             ? "unknown baseline" + m.substr(std::string("unknown").size())
                             : "baseline: " + m);
    }
  }
  if (!(ratio > 0.0) || ratio > 1.0)
    problems.push_back("ratio must be in (0, 1] (minority/majority after augmentation), got " +
                       format_number(ratio));
  if (folds < 2) problems.push_back("folds must be >= 2, got " + std::to_string(folds));
  if (repeats < 1) problems.push_back("repeats must be >= 1, got " + std::to_string(repeats));
  if (!(validation_fraction > 0.0 && validation_fraction < 1.0))
    problems.push_back("validation fraction must be in (0, 1), got " +
                       format_number(validation_fraction));
  if (!(min_precision > 0.0 && min_precision <= 1.0))
    problems.push_back("min precision must be in (0, 1], got " + format_number(min_precision));
  if (!(confidence > 0.0 && confidence < 1.0))
    problems.push_back("confidence must be in (0, 1), got " + format_number(confidence));
  if (!(alpha > 0.0 && alpha < 1.0))
    problems.push_back("alpha must be in (0, 1), got " + format_number(alpha));
  // Options of the generators and classifiers run, checked now rather than in a cell minutes
  // into the run; options for a component not in use are a mistake too.
  for (auto& p : auto_problems(strategies, auto_config)) problems.push_back(std::move(p));
  for (auto& p : component_problems(generator_configs, generators_in_use(strategies, auto_config),
                                    classifier_configs, classifiers, &evaluation_config))
    problems.push_back(std::move(p));
  if (!problems.empty()) throw_problems("invalid benchmark configuration", problems);
}

nlohmann::json BenchmarkConfig::to_json() const {
  nlohmann::json j = {{"strategies", strategies},
                      {"classifiers", classifiers},
                      {"ratio", ratio},
                      {"folds", folds},
                      {"repeats", repeats},
                      {"seed", seed},
                      {"validation_fraction", validation_fraction},
                      {"min_precision", min_precision},
                      {"generator_configs", generator_configs},
                      {"classifier_configs", classifier_configs},
                      {"evaluate", evaluate},
                      {"evaluation_config", evaluation_config},
                      {"confidence", confidence},
                      {"alpha", alpha},
                      {"baselines", baselines}};
  // Only when auto runs, so that the configuration (and the store of a resumed run) of a job
  // without it is what it was before auto existed.
  if (contains(strategies, "auto")) j["auto"] = auto_config.to_json();
  return j;
}

BenchmarkConfig BenchmarkConfig::from_json(const nlohmann::json& j) {
  BenchmarkConfig c;
  Reader r(j);
  r.get("strategies", c.strategies, "an array of names");
  r.get("classifiers", c.classifiers, "an array of names");
  r.get("ratio", c.ratio, "a number");
  r.get("folds", c.folds, "an integer");
  r.get("repeats", c.repeats, "an integer");
  r.get("seed", c.seed, "a non-negative integer");
  r.get("validation_fraction", c.validation_fraction, "a number");
  r.get("min_precision", c.min_precision, "a number");
  r.get("generator_configs", c.generator_configs, "an object");
  r.get("classifier_configs", c.classifier_configs, "an object");
  r.get("evaluate", c.evaluate, "true or false");
  r.get("evaluation_config", c.evaluation_config, "an object");
  r.get("confidence", c.confidence, "a number");
  r.get("alpha", c.alpha, "a number");
  r.get("baselines", c.baselines, "an array of names");
  nlohmann::json auto_json;
  r.get("auto", auto_json, "an object");
  std::vector<std::string> problems = r.finish();
  if (!auto_json.is_null()) {
    try {
      c.auto_config = AutoConfig::from_json(auto_json);
    } catch (const Error& e) {
      problems.push_back(e.what());
    }
  }
  if (!problems.empty()) throw_problems("benchmark config", problems);
  c.validate();
  return c;
}

std::string dataset_name(const std::string& path) {
  std::string name = std::filesystem::path(path).filename().string();
  for (const char* ext : {".gz", ".csv"}) {
    const std::string e = ext;
    if (name.size() > e.size() && name.compare(name.size() - e.size(), e.size(), e) == 0)
      name.resize(name.size() - e.size());
  }
  for (char& ch : name) {
    const bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                    (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' || ch == '-';
    if (!ok) ch = '_';
  }
  if (name.empty() || name == "." || name == "..") name = "data";
  return name;
}

// ---- thresholds ----

TunedThresholds tune_thresholds(const std::vector<int>& labels, const std::vector<double>& scores,
                                double min_precision) {
  if (labels.empty() || labels.size() != scores.size()) {
    throw Error(ErrorKind::kInvalidArgument,
                "tune_thresholds: expected as many scores as labels (at least one), got " +
                    std::to_string(labels.size()) + " labels and " + std::to_string(scores.size()) +
                    " scores");
  }
  std::vector<size_t> order(labels.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return scores[a] > scores[b]; });
  double positives = 0;
  for (int l : labels) positives += l == 1 ? 1 : 0;
  TunedThresholds out;
  double best_recall = -1;
  double tp = 0, fp = 0;
  // From the highest threshold down; a strictly better value replaces the best, so ties keep
  // the highest threshold.
  for (size_t k = 0; k < order.size();) {
    const double t = scores[order[k]];
    while (k < order.size() && scores[order[k]] == t) {
      (labels[order[k]] == 1 ? tp : fp) += 1;
      ++k;
    }
    const double fn = positives - tp;
    const double f1 = 2 * tp + fp + fn > 0 ? 2 * tp / (2 * tp + fp + fn) : 0.0;
    if (std::isnan(out.best_f1) || f1 > out.best_f1_value) {
      out.best_f1 = t;
      out.best_f1_value = f1;
    }
    const double precision = tp / (tp + fp);
    const double recall = positives > 0 ? tp / positives : 0.0;
    if (precision >= min_precision && recall > best_recall) {
      best_recall = recall;
      out.precision_target = t;
      out.reached = true;
    }
  }
  if (!out.reached) {
    out.precision_target =
        std::nextafter(scores[order.front()], std::numeric_limits<double>::infinity());
  }
  return out;
}

void BenchmarkControl::validate() const {
  std::vector<std::string> problems;
  if (jobs < 1) problems.push_back("--jobs must be >= 1, got " + std::to_string(jobs));
  if (threads < 1) problems.push_back("--threads must be >= 1, got " + std::to_string(threads));
  if (dir.empty()) problems.push_back("--out: the output folder is empty");
  throw_problems("invalid benchmark options", problems);
}

// ---- the run ----

BenchmarkOutcome run_benchmark(const std::vector<BenchmarkData>& data,
                               const BenchmarkConfig& config, const BenchmarkControl& control) {
  const auto t_start = std::chrono::steady_clock::now();
  config.validate();
  control.validate();
  {
    std::vector<std::string> problems;
    if (data.empty()) problems.push_back("no data set given");
    std::vector<std::string> names;
    for (const auto& d : data) {
      if (!valid_name(d.name)) {
        problems.push_back("data set name '" + d.name +
                           "': expected letters, digits, '.', '_' or '-'");
      } else if (contains(names, d.name)) {
        problems.push_back("two data sets are named '" + d.name +
                           "'; hint: give the files different names");
      }
      names.push_back(d.name);
      if (d.table.n_classes() != 2) {
        problems.push_back(
            "data set '" + d.name + "': target '" + d.table.target + "' has " +
            std::to_string(d.table.n_classes()) +
            " classes; imbgen benchmark compares two classes (tuned thresholds, paired tests on "
            "the positive class) for now; hint: 'imbgen run' handles several classes");
        continue;
      }
      const auto counts = d.table.class_counts();
      for (size_t c = 0; c < counts.size(); ++c) {
        // Each test fold needs a row of each class, and so does each validation part.
        if (counts[c] < static_cast<size_t>(2 * config.folds)) {
          problems.push_back("data set '" + d.name + "': class '" + d.table.classes[c] + "' has " +
                             std::to_string(counts[c]) + " rows; " + std::to_string(config.folds) +
                             " folds need at least " + std::to_string(2 * config.folds) +
                             "; hint: fewer --folds");
        }
      }
      // A generator adds rows up to its ratio: one the data already reaches would add none.
      const int pos = d.table.minority_class();
      const double own = static_cast<double>(counts[static_cast<size_t>(pos)]) /
                         static_cast<double>(counts[static_cast<size_t>(1 - pos)]);
      for (const auto& s : config.strategies) {
        const StrategyName n = parse_strategy(s);
        const double r = n.has_ratio() ? n.ratio : config.ratio;
        if (n.generator && r <= own) {
          problems.push_back("data set '" + d.name + "': strategy '" + s +
                             "' adds rows up to "
                             "minority/majority " +
                             format_number(r) +
                             ", which the data already "
                             "reaches (" +
                             format_number(std::round(own * 1000) / 1000) +
                             "); hint: ratios above " +
                             format_number(std::round(own * 1000) / 1000));
        }
      }
    }
    if (!problems.empty()) throw_problems("cannot run the benchmark", problems);
  }

  // ---- plan ----
  std::vector<Prepared> prepared(data.size());
  nlohmann::json datasets = nlohmann::json::array();
  for (size_t d = 0; d < data.size(); ++d) {
    Prepared& p = prepared[d];
    p.data = &data[d];
    p.positive = data[d].table.minority_class();
    p.data_seed = mix_seed(config.seed, name_stream(data[d].name));
    for (int r = 0; r < config.repeats; ++r) {
      p.repeat_seeds.push_back(mix_seed(p.data_seed, static_cast<uint64_t>(r)));
      p.folds.push_back(stratified_kfold(data[d].table.y, config.folds, p.repeat_seeds.back()));
    }
    datasets.push_back({{"name", data[d].name},
                        {"rows", data[d].table.rows()},
                        {"fingerprint", fingerprint(data[d].table)}});
  }
  const nlohmann::json store_config = {{"settings", config.to_json()}, {"datasets", datasets}};
  CellStore store(std::filesystem::path(control.dir) / "cells", store_config, control.resume);

  std::vector<CellPlan> all, pending;
  for (size_t d = 0; d < data.size(); ++d) {
    for (int r = 0; r < config.repeats; ++r) {
      for (int f = 0; f < config.folds; ++f) {
        for (const auto& s : config.strategies) {
          all.push_back({d, r, f, s, cell_key(data[d].name, r, f, s)});
          if (!store.contains(all.back().key)) pending.push_back(all.back());
        }
      }
    }
  }
  BenchmarkOutcome outcome;
  outcome.store = store.dir().string();
  outcome.cells_total = static_cast<int64_t>(all.size());
  outcome.cells_resumed = outcome.cells_total - static_cast<int64_t>(pending.size());

  // ---- compute the missing cells ----
  const int jobs = std::max(1, std::min<int>(control.jobs, static_cast<int>(pending.size())));
  const int threads = std::max(1, control.threads / std::max(1, control.jobs));
  std::atomic<bool> stopping{false};
  std::atomic<size_t> next{0};
  std::atomic<int64_t> done{0};
  std::mutex observer_mutex, error_mutex;
  std::exception_ptr error;
  auto should_stop = [&] {
    return stopping.load() || (control.stop != nullptr && control.stop->load());
  };
  auto progress = [&](int64_t step) {
    if (control.observer == nullptr) return;
    std::lock_guard<std::mutex> lock(observer_mutex);
    control.observer->on_progress(
        Progress{"benchmark", step, static_cast<int64_t>(pending.size()), {}});
  };
  if (!pending.empty()) progress(0);
  auto worker = [&] {
    Checkpoint checkpoint(should_stop);
    while (!should_stop()) {
      const size_t i = next++;
      if (i >= pending.size()) return;
      const CellPlan& plan = pending[i];
      try {
        const nlohmann::json cell = run_cell(prepared[plan.dataset], config, plan, threads,
                                             checkpoint, control.on_auto_fold);
        store.save(plan.key, cell);
        const int64_t n = ++done;
        progress(n);
        if (control.stop_after_cells >= 0 && n >= control.stop_after_cells) stopping = true;
      } catch (const Cancelled&) {
        return;
      } catch (...) {
        std::lock_guard<std::mutex> lock(error_mutex);
        stopping = true;
        if (error) return;
        const std::string where = "benchmark cell (data set '" + data[plan.dataset].name +
                                  "', repeat " + std::to_string(plan.repeat) + ", fold " +
                                  std::to_string(plan.fold) + ", strategy '" + plan.strategy +
                                  "'): ";
        try {
          throw;
        } catch (const Error& e) {
          error = std::make_exception_ptr(Error(e.kind(), where + e.what()));
        } catch (const std::exception& e) {
          error = std::make_exception_ptr(Error(ErrorKind::kInternal, where + e.what()));
        }
        return;
      }
    }
  };
  if (jobs <= 1) {
    worker();
  } else {
    std::vector<std::thread> pool;
    for (int j = 0; j < jobs; ++j) pool.emplace_back(worker);
    for (auto& t : pool) t.join();
  }
  if (error) std::rethrow_exception(error);
  outcome.cells_run = done.load();
  outcome.seconds = seconds_since(t_start);
  if (static_cast<int64_t>(store.size()) < outcome.cells_total ||
      std::any_of(all.begin(), all.end(),
                  [&](const CellPlan& c) { return !store.contains(c.key); })) {
    return outcome;  // stopped: the finished cells are stored
  }

  // ---- assemble ----
  for (size_t d = 0; d < data.size(); ++d) {
    std::vector<nlohmann::json> cells;
    for (const auto& c : all) {
      if (c.dataset == d) cells.push_back(store.load(c.key));
    }
    outcome.results.push_back(assemble_results(data[d], prepared[d].positive, config, cells));
    outcome.names.push_back(data[d].name);
  }
  outcome.complete = true;
  outcome.seconds = seconds_since(t_start);
  return outcome;
}

}  // namespace imbgen
