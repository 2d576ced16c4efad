// The main job (`imbgen run`): stratified split, one training set per strategy, every classifier
// on every training set, metrics on the untouched test split.
#include "imbgen/experiment/run.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <cmath>
#include <filesystem>
#include <exception>
#include <fstream>
#include <mutex>
#include <sstream>
#include <system_error>
#include <thread>

#include "auto_select.h"
#include "cell.h"
#include "imbgen/classifiers/classifier.h"
#include "imbgen/classifiers/metrics.h"
#include "imbgen/core/error.h"
#include "imbgen/core/files.h"
#include "imbgen/core/formats.h"
#include "imbgen/core/rng.h"
#include "imbgen/core/text.h"
#include "imbgen/core/threads.h"
#include "imbgen/core/version.h"
#include "imbgen/core/output_folder.h"
#include "imbgen/data/csv.h"
#include "imbgen/data/split.h"
#include "imbgen/evaluation/evaluate.h"
#include "imbgen/experiment/sampling.h"
#include "imbgen/experiment/settings.h"
#include "imbgen/experiment/space.h"
#include "imbgen/experiment/strategy.h"
#include "imbgen/generators/generator.h"

namespace imbgen {
namespace {

using experiment_detail::class_summary;

constexpr uint64_t kAutoStream = 0x6175746f;  // "auto"

// Removes every "plot" member (plot data of the evaluation module) from `j`, recursively.
void strip_plots(nlohmann::json& j) {
  if (j.is_object()) {
    j.erase("plot");
    for (auto& [key, v] : j.items()) strip_plots(v);
  } else if (j.is_array()) {
    for (auto& v : j) strip_plots(v);
  }
}

void report(Observer* observer, const std::string& task, int64_t step, int64_t total) {
  if (observer) observer->on_progress(Progress{task, step, total, {}});
}

// Numeric columns with no value in any of `rows` (every one missing): nothing can be learnt from
// them, and no median can stand in for their missing values.
std::vector<size_t> empty_numeric_columns(const Table& table, const std::vector<size_t>& rows) {
  std::vector<size_t> out;
  for (size_t j = 0; j < table.columns.size(); ++j) {
    if (table.columns[j].kind != ColumnKind::kNumeric) continue;
    const bool any = std::any_of(rows.begin(), rows.end(),
                                 [&](size_t i) { return std::isfinite(table.x(i, j)); });
    if (!any) out.push_back(j);
  }
  return out;
}

// `table` without the feature columns at `drop` (ascending).
Table without_columns(const Table& table, const std::vector<size_t>& drop) {
  std::vector<size_t> keep;
  for (size_t j = 0; j < table.columns.size(); ++j)
    if (!std::binary_search(drop.begin(), drop.end(), j)) keep.push_back(j);
  Table out;
  out.source = table.source;
  out.target = table.target;
  out.classes = table.classes;
  out.y = table.y;
  for (size_t j : keep) out.columns.push_back(table.columns[j]);
  out.x = Matrix(table.rows(), keep.size());
  for (size_t i = 0; i < table.rows(); ++i)
    for (size_t k = 0; k < keep.size(); ++k) out.x(i, k) = table.x(i, keep[k]);
  return out;
}

// Why generator `strategy` cannot model a class from `rows` training rows when it needs
// `needed`, with the way out: "has 1 training row; smote needs at least 6 (...); hint: ...".
std::string too_few_rows(const std::string& strategy, const nlohmann::json& config, size_t rows,
                         size_t needed) {
  std::string msg = "has " + std::to_string(rows) + " training row" + (rows == 1 ? "" : "s") +
                    "; " + strategy +
                    " needs at least " + std::to_string(needed);
  for (const char* key : {"k_neighbors", "n_neighbors"}) {
    if (!config.contains(key)) continue;
    msg += " (" + std::string(key) + " = " + config.at(key).dump() + ")";
    if (rows >= 2)
      msg += "; hint: --set " + strategy + "." + key + "=" + std::to_string(rows - 1) +
             " fits it, or use 'random'";
    else
      msg += "; hint: use 'random', which copies rows";
    return msg;
  }
  if (needed > 1) msg += "; hint: use 'random', which copies rows";
  return msg;
}

}  // namespace

std::vector<std::string> strategy_names() {
  std::vector<std::string> names = {"none", "class_weight", "auto"};
  for (const auto& g : generator_names()) names.push_back(g);
  return names;
}

void RunConfig::validate() const {
  std::vector<std::string> problems;
  const auto classifiers_known = classifier_names();
  if (strategies.empty()) problems.push_back("no strategy given");
  if (classifiers.empty()) problems.push_back("no classifier given");
  for (auto& p : strategy_problems(strategies)) problems.push_back(std::move(p));
  for (const auto& c : classifiers) {
    if (!contains(classifiers_known, c))
      problems.push_back("unknown classifier '" + c + "' (valid: " + join(classifiers_known) + ")");
  }
  if (!(ratio > 0.0) || ratio > 1.0)
    problems.push_back("ratio must be in (0, 1] (minority/majority after augmentation), got " +
                       format_number(ratio));
  if (!(test_fraction > 0.0 && test_fraction < 1.0))
    problems.push_back("test fraction must be in (0, 1), got " + format_number(test_fraction));
  if (threads < 1) problems.push_back("threads must be >= 1, got " + std::to_string(threads));
  if (!sampling.empty()) {
    try {
      SamplingStrategy::parse(sampling);
    } catch (const Error& e) {
      problems.push_back(e.what());
    }
  }
  for (auto& p : auto_problems(strategies, auto_config)) problems.push_back(std::move(p));
  // Every component's options are checked now, not when the run reaches that strategy after
  // the others trained; options for a component not in use are a mistake too.
  for (auto& p :
       component_problems(generator_configs, generators_in_use(strategies, auto_config),
                          classifier_configs, classifiers, evaluate ? &evaluation_config : nullptr))
    problems.push_back(std::move(p));
  if (!evaluate && !evaluation_config.empty())
    problems.push_back("evaluation options are set, but the evaluation is off");
  throw_problems("invalid run configuration", problems);
}

nlohmann::json RunConfig::to_json() const {
  nlohmann::json j = {{"strategies", strategies},
                      {"classifiers", classifiers},
                      {"ratio", ratio},
                      {"sampling", sampling},
                      {"test_fraction", test_fraction},
                      {"seed", seed},
                      {"threads", threads},
                      {"generator_configs", generator_configs},
                      {"classifier_configs", classifier_configs},
                      {"evaluate", evaluate},
                      {"evaluation_config", evaluation_config}};
  if (contains(strategies, "auto")) j["auto"] = auto_config.to_json();
  return j;
}

namespace {

// One `imbgen run`, in the order it happens: the data split once (columns without a value left
// out), the rows each strategy adds (classes too small for a generator skipped), then per
// strategy its training set, the generator's evaluation and every classifier scored on the test
// split. run_experiment is its outline.
class RunJob {
 public:
  RunJob(const Table& input, const RunConfig& config, Observer* observer)
      : config_(config), observer_(observer) {
    const size_t k = input.n_classes();
    if (k < 2) {
      throw Error(ErrorKind::kInvalidArgument, "'" + input.source + "': target '" +
                                                   input.target + "' has " + std::to_string(k) +
                                                   " class; imbgen run needs at least two");
    }
    multiclass_ = k > 2;
    // Two classes: the minority class is the positive one. Several: no positive class.
    positive_ = multiclass_ ? -1 : input.minority_class();
    out_.multiclass = multiclass_;
    split_ = stratified_split(input.y, config.test_fraction, config.seed);
    table_ = without_empty_columns(input);
    out_.schema = table_.subset({});
    train_ = table_.subset(split_.train);
    test_ = table_.subset(split_.test);
    plan_rows();
    if (contains(config.strategies, "auto") && multiclass_) {
      throw Error(ErrorKind::kUnsupported,
                  "strategy 'auto' chooses for two classes only for now; target '" +
                      table_.target + "' has " + std::to_string(k) +
                      " classes; hint: name the strategies to compare");
    }
    plan_skips();
  }

  RunOutput run() {
    results_ = results_header();
    // Everything that is fit (encoder, imputation, scalers) sees the training rows only.
    space_.fit(train_);
    test_model_ = space_.to_classifier(test_.x);
    test_labels_.resize(test_.rows());
    for (size_t i = 0; i < test_.rows(); ++i)
      test_labels_[i] = multiclass_ ? test_.y[i] : (test_.y[i] == positive_ ? 1 : 0);
    total_cells_ =
        static_cast<int64_t>(config_.strategies.size() * config_.classifiers.size());
    if (contains(config_.strategies, "auto")) results_["auto"] = nlohmann::json::object();
    for (const auto& strategy : config_.strategies) run_strategy(strategy);
    report(observer_, "done", total_cells_, total_cells_);
    out_.results = std::move(results_);
    return std::move(out_);
  }

 private:
  void warn(const std::string& warning) {
    out_.warnings.push_back(warning);
    if (observer_) observer_->on_message("warning: " + warning);
  }

  // A numeric column without a single value in the training rows carries nothing to learn: it
  // is left out (as scikit-learn's SimpleImputer drops it), with a warning, before anything is
  // fit.
  Table without_empty_columns(const Table& input) {
    const std::vector<size_t> empty = empty_numeric_columns(input, split_.train);
    for (size_t j : empty) {
      const std::string name = input.columns[j].name;
      const std::string why = "numeric column '" + printable(name) + "' has no value in the " +
                              std::to_string(split_.train.size()) +
                              " training rows (all missing); it was left out";
      left_out_.push_back({{"column", name}, {"reason", why}});
      warn(why);
    }
    if (empty.size() == input.columns.size()) {
      throw Error(ErrorKind::kInvalidArgument,
                  "'" + input.source + "': every feature column is numeric with no value in the " +
                      std::to_string(split_.train.size()) +
                      " training rows; nothing to learn from");
    }
    return empty.empty() ? input : without_columns(input, empty);
  }

  // Rows each generator adds per class, from the training rows' class counts. Asked only when
  // a generator strategy without its own ratio runs (a ratio the data already meets is an error
  // then, not before).
  void plan_rows() {
    const bool any_generator = std::any_of(
        config_.strategies.begin(), config_.strategies.end(), [&](const std::string& s) {
          const StrategyName n = parse_strategy(s);
          return n.generator && !n.has_ratio();
        });
    if (!any_generator) return;
    SamplingStrategy sampling;
    if (config_.sampling.empty()) {
      sampling.kind = SamplingStrategy::Kind::kRatio;
      sampling.ratio = config_.ratio;
    } else {
      sampling = SamplingStrategy::parse(config_.sampling);
    }
    n_new_ = rows_to_generate(train_.class_counts(), sampling, train_.classes);
    if (n_new_.empty()) {
      throw Error(ErrorKind::kInvalidArgument,
                  "sampling strategy '" + sampling.to_string() +
                      "': no class needs synthetic rows in the training split; hint: give "
                      "label=count targets above the current counts");
    }
  }

  // The rows a generator strategy asks for per class; one named with a ratio ("smote@0.25")
  // adds rows up to that ratio instead of the job's.
  std::map<int, size_t> requested_rows(const std::string& strategy) const {
    const StrategyName n = parse_strategy(strategy);
    if (!n.generator) return {};
    if (!n.has_ratio()) return n_new_;
    SamplingStrategy sampling;
    sampling.kind = SamplingStrategy::Kind::kRatio;
    sampling.ratio = n.ratio;
    try {
      return rows_to_generate(train_.class_counts(), sampling, train_.classes);
    } catch (const Error& e) {
      throw Error(e.kind(), "strategy '" + strategy + "': " + e.what() +
                                "; hint: ratios above the training split's own");
    }
  }

  // The rows a strategy adds per class, without the classes it cannot model.
  std::map<int, size_t> rows_for(const std::string& strategy) const {
    return n_new_of_.count(strategy) ? n_new_of_.at(strategy) : requested_rows(strategy);
  }

  nlohmann::json generator_config(const std::string& generator) const {
    return config_.generator_configs.contains(generator) ? config_.generator_configs.at(generator)
                                                         : nlohmann::json::object();
  }

  // Classes a generator cannot model with its configuration (fewer training rows than it
  // needs), found before anything trains. Such a class gets no rows from that generator; a
  // generator left with no class is skipped, as a diverged one is, and the rest goes on.
  void plan_skips() {
    const auto train_counts = train_.class_counts();
    for (const auto& strategy : config_.strategies) {
      const StrategyName name = parse_strategy(strategy);
      if (!name.generator) continue;
      const auto generator = make_generator(name.base, generator_config(name.base));
      const size_t needed = generator->min_class_rows();
      const std::map<int, size_t> wanted = requested_rows(strategy);
      std::map<int, size_t>& mine = n_new_of_[strategy];
      nlohmann::json classes_skipped = nlohmann::json::object();
      std::vector<std::string> reasons;
      for (const auto& [cls, rows] : wanted) {
        const size_t have = train_counts[static_cast<size_t>(cls)];
        if (have >= needed) {
          mine[cls] = rows;
          continue;
        }
        const std::string& label = train_.classes[static_cast<size_t>(cls)];
        const std::string why = too_few_rows(name.base, generator->config(), have, needed);
        const std::string full = "class '" + printable(label) + "' " + why;
        classes_skipped[label] = full;
        reasons.push_back(full);
        if (wanted.size() > 1)
          warn(strategy + " adds no rows to class '" + printable(label) + "': it " + why);
      }
      if (mine.empty()) {
        skipped_[strategy] = join(reasons, "; ");
        warn("strategy '" + strategy + "' was skipped: " + join(reasons, "; "));
      } else if (!classes_skipped.empty()) {
        skipped_classes_of_[strategy] = std::move(classes_skipped);
      }
    }
  }

  // results.json without its per-strategy parts: format, the data set and the job's settings.
  nlohmann::json results_header() const {
    nlohmann::json results;
    results["format"] = kResultsFormat;
    results["format_version"] = kResultsFormatVersion;
    results["imbgen_version"] = version();
    results["blas"] = blas_kernels().describe();  // the kernels decide the last bits
    results["dataset"] = experiment_detail::dataset_summary(table_);
    results["dataset"]["train"] = class_summary(table_, split_.train);
    results["dataset"]["test"] = class_summary(table_, split_.test);
    if (multiclass_) {
      results["dataset"]["metric_average"] = "macro";
    } else {
      results["dataset"]["positive_class"] = table_.classes[static_cast<size_t>(positive_)];
    }
    nlohmann::json augmented = nlohmann::json::object();
    for (const auto& [cls, rows] : n_new_)
      augmented[table_.classes[static_cast<size_t>(cls)]] = rows;
    results["dataset"]["synthetic_rows_per_class"] = augmented;
    results["config"] = config_.to_json();
    results["results"] = nlohmann::json::array();
    results["generators"] = nlohmann::json::object();
    results["failed"] = nlohmann::json::object();  // strategy -> why its training failed
    // strategy -> why it was not run: every class it should add rows to is too small for it
    results["skipped"] = skipped_;
    results["dataset"]["left_out_columns"] = left_out_;
    return results;
  }

  // The training set of a strategy other than auto: as is, weighted, or with a generator's rows
  // (seed: config.seed for every generator, so auto's refit of "smote@0.5" is that strategy's).
  experiment_detail::TrainingSet training_for(const std::string& strategy) const {
    const StrategyName n = parse_strategy(strategy);
    return experiment_detail::build_training_set(n.base, train_, space_, rows_for(strategy),
                                                 generator_config(n.base), config_.seed,
                                                 observer_);
  }

  // auto: each classifier's choice by inner cross-validation on the training rows, recorded in
  // results["auto"], with the training set of every strategy chosen.
  void choose_by_auto(std::map<std::string, experiment_detail::AutoChoice>& choices,
                      std::map<std::string, experiment_detail::TrainingSet>& chosen_sets) {
    experiment_detail::AutoJob job;
    job.table = &table_;
    job.rows = split_.train;
    job.positive = positive_;
    job.config = config_.auto_config;
    job.classifiers = config_.classifiers;
    job.classifier_configs = config_.classifier_configs;
    job.generator_configs = config_.generator_configs;
    job.context = ClassifierContext{config_.seed, config_.threads};
    job.seed = mix_seed(config_.seed, kAutoStream);
    job.observer = observer_;
    if (observer_)
      observer_->on_message("auto: " + std::to_string(config_.auto_config.inner_folds) +
                            "-fold inner cross-validation of " +
                            join(config_.auto_config.expanded_candidates()) +
                            " on the training rows");
    choices = experiment_detail::select_by_inner_cv(job);
    for (const auto& [clf, choice] : choices) {
      results_["auto"][clf] = choice.to_json();
      if (!chosen_sets.count(choice.chosen))
        chosen_sets.emplace(choice.chosen, training_for(choice.chosen));
    }
  }

  void run_strategy(const std::string& strategy) {
    const int64_t cells = static_cast<int64_t>(config_.classifiers.size());
    if (skipped_.contains(strategy)) {
      cell_ += cells;
      return;
    }
    // ---- build this strategy's training set (auto: one per classifier, by its choice) ----
    experiment_detail::TrainingSet training;
    std::map<std::string, experiment_detail::AutoChoice> choices;
    std::map<std::string, experiment_detail::TrainingSet> chosen_sets;
    try {
      if (strategy == "auto") {
        choose_by_auto(choices, chosen_sets);
      } else {
        training = training_for(strategy);
      }
    } catch (const Error& e) {
      // A generator whose training diverged loses its own cells only: the other strategies'
      // results are kept and written (the CLI then exits with the "diverged" code).
      if (e.kind() != ErrorKind::kDiverged) throw;
      results_["failed"][strategy] = e.what();
      if (observer_) observer_->on_message(strategy + ": " + e.what() + "; skipped");
      cell_ += cells;
      return;
    }
    if (!training.generator.is_null()) {
      results_["generators"][strategy] = training.generator;
      if (skipped_classes_of_.count(strategy))
        results_["generators"][strategy]["skipped_classes"] = skipped_classes_of_.at(strategy);
      if (config_.evaluate && training.synthetic.rows >= 2) evaluate_generator(strategy, training);
      out_.synthetic.push_back(SyntheticRows{strategy, training.synthetic, training.synthetic_y});
    }

    // ---- every classifier on it: `jobs` cells side by side, threads / jobs threads each (as in
    // the benchmark), so that the single-threaded ones (liblinear, libsvm) do not leave cores
    // idle; the results are committed in classifier order ----
    const size_t n = config_.classifiers.size();
    std::map<std::string, Matrix> x_model_of;  // training set name -> classifier space
    std::vector<Cell> strategy_cells(n);
    for (size_t i = 0; i < n; ++i) {
      Cell& cell = strategy_cells[i];
      cell.name = config_.classifiers[i];
      cell.set_name = strategy == "auto" ? choices.at(cell.name).chosen : strategy;
      cell.used = strategy == "auto" ? &chosen_sets.at(cell.set_name) : &training;
      if (!x_model_of.count(cell.set_name))
        x_model_of.emplace(cell.set_name, space_.to_classifier(cell.used->x));
      cell.x_model = &x_model_of.at(cell.set_name);
    }
    const int jobs = std::max(1, std::min(config_.threads, static_cast<int>(n)));
    const int threads = std::max(1, config_.threads / jobs);
    std::atomic<size_t> next{0};
    std::mutex observer_mutex;  // the observer is called by one cell at a time
    auto work = [&] {
      for (size_t i; (i = next++) < n;) {
        try {
          {
            std::lock_guard<std::mutex> lock(observer_mutex);
            const int64_t k = ++cell_;
            report(observer_,
                   "cell " + std::to_string(k) + "/" + std::to_string(total_cells_) + ": " +
                       strategy_cells[i].name + " on " + strategy,
                   k - 1, total_cells_);
          }
          score(strategy, strategy_cells[i], threads);
        } catch (...) {
          strategy_cells[i].error = std::current_exception();
        }
      }
    };
    std::vector<std::thread> pool;
    for (int j = 1; j < jobs; ++j) {
      try {
        pool.emplace_back(work);
      } catch (const std::system_error&) {
        break;  // no thread to be had: the cells left run on fewer
      }
    }
    work();
    for (auto& t : pool) t.join();
    for (Cell& c : strategy_cells) {
      if (c.error) std::rethrow_exception(c.error);
      if (!c.entry.contains("note")) continue;
      const std::string note = c.entry.at("note");
      if (observer_) observer_->on_message(c.name + " on " + strategy + ": " + note);
    }
    for (Cell& c : strategy_cells) {
      results_["results"].push_back(std::move(c.entry));
      out_.predictions.push_back(std::move(c.pred));
    }
  }

  // The synthetic rows against the real training rows (the evaluation module), in results.json
  // and evaluation/<strategy>.csv. Several classes: each generated class against its real rows;
  // the report shows the rarest class's evaluation, all are in evaluation_by_class.
  void evaluate_generator(const std::string& strategy,
                          const experiment_detail::TrainingSet& training) {
    EvaluationConfig eval_config = EvaluationConfig::from_json(config_.evaluation_config);
    eval_config.seed = config_.seed;
    eval_config.threads = config_.threads;
    nlohmann::json& entry = results_["generators"][strategy];
    if (!multiclass_) {
      nlohmann::json evaluation = experiment_detail::evaluate_synthetic(
          train_, test_, space_, training.synthetic, positive_, eval_config, observer_);
      out_.evaluation_csv.emplace_back(strategy, flatten_to_csv(evaluation));
      entry["evaluation"] = std::move(evaluation);
      return;
    }
    nlohmann::json by_class = nlohmann::json::object();
    const auto counts = train_.class_counts();
    int rarest = -1;
    for (const auto& [cls, rows] : rows_for(strategy)) {
      const std::string& label = train_.classes[static_cast<size_t>(cls)];
      std::vector<size_t> idx;
      for (size_t i = 0; i < training.synthetic_y.size(); ++i)
        if (training.synthetic_y[i] == cls) idx.push_back(i);
      try {
        by_class[label] = experiment_detail::evaluate_synthetic(
            train_, test_, space_, training.synthetic.select_rows(idx), cls, eval_config,
            observer_);
        if (rarest < 0 || counts[static_cast<size_t>(cls)] < counts[static_cast<size_t>(rarest)])
          rarest = cls;
      } catch (const Error& e) {
        if (e.kind() != ErrorKind::kInvalidArgument) throw;
        // Too few rows of the class for a block: recorded, not fatal.
        by_class[label] = {{"skipped", e.what()}};
        if (observer_)
          observer_->on_message(strategy + ", class '" + label +
                                "': evaluation skipped: " + e.what());
      }
    }
    out_.evaluation_csv.emplace_back(strategy, flatten_to_csv(by_class));
    if (rarest >= 0) {
      const std::string& label = train_.classes[static_cast<size_t>(rarest)];
      entry["evaluation"] = by_class[label];
      entry["evaluation_class"] = label;
    }
    // Plot data only for the class the report draws (it is in "evaluation"): the others' plots
    // would multiply results.json's size by the number of classes.
    for (auto& [label, ev] : by_class.items()) strip_plots(ev);
    entry["evaluation_by_class"] = std::move(by_class);
  }

  // One cell: classifier `name` trained on `used` (`set_name`: the strategy, or auto's choice),
  // scored on the test split.
  struct Cell {
    std::string name, set_name;
    const experiment_detail::TrainingSet* used = nullptr;
    const Matrix* x_model = nullptr;  // used->x in the classifier space
    // Filled by score(): the entry for results["results"] and the predictions.
    nlohmann::json entry;
    RunOutput::Prediction pred;
    std::exception_ptr error;
  };

  // Fills cell.entry and cell.pred; reads the run's state only, so cells run side by side.
  void score(const std::string& strategy, Cell& cell, int threads) const {
    const std::string& name = cell.name;
    const std::string& set_name = cell.set_name;
    const experiment_detail::TrainingSet& used = *cell.used;
    const nlohmann::json clf_config = config_.classifier_configs.contains(name)
                                          ? config_.classifier_configs.at(name)
                                          : nlohmann::json::object();
    experiment_detail::Scored scored = experiment_detail::fit_and_score(
        name, clf_config, ClassifierContext{config_.seed, threads}, *cell.x_model, used.y,
        used.weights, {&test_model_}, positive_);
    nlohmann::json entry = {
        {"strategy", strategy},
        {"classifier", name},
        {"score_kind", scored.kind == ScoreKind::kProbability ? "probability" : "decision"},
        {"train_rows", used.x.rows},
        {"synthetic_rows", used.synthetic.rows},
        {"fit_seconds", scored.fit_seconds},
        {"classifier_config", scored.config},
    };
    if (strategy == "auto") entry["auto_choice"] = set_name;
    RunOutput::Prediction pred{strategy, name, split_.test, test_labels_, {}, {}, {}};
    if (!multiclass_) {
      std::vector<double> scores = std::move(scored.scores.at(0));
      const double threshold = scored.default_threshold;
      entry["metrics"] = binary_metrics(test_labels_, scores, threshold).to_json();
      entry["threshold"] = threshold;
      entry["curves"] = experiment_detail::curves_json(test_labels_, scores);
      pred.scores = std::move(scores);
    } else {
      Matrix& proba = scored.proba.at(0);
      const MulticlassMetrics mm = multiclass_metrics(test_labels_, proba);
      nlohmann::json m = mm.to_json();
      // The binary names hold the macro means, so tables and summaries read them alike.
      for (const char* key : {"precision", "recall", "f1", "roc_auc", "pr_auc"})
        m[key] = m.at("macro").at(key);
      for (auto& c : m.at("classes")) c["class"] = table_.classes.at(c.at("class").get<size_t>());
      entry["confusion_matrix"] = m.at("confusion_matrix");
      m.erase("confusion_matrix");
      entry["metrics"] = std::move(m);
      pred.predicted.resize(proba.rows);
      for (size_t i = 0; i < proba.rows; ++i) {
        size_t best = 0;
        for (size_t c = 1; c < proba.cols; ++c)
          if (proba(i, c) > proba(i, best)) best = c;
        pred.predicted[i] = static_cast<int>(best);
      }
      pred.proba = std::move(proba);
    }
    if (!scored.note.empty()) entry["note"] = scored.note;
    cell.entry = std::move(entry);
    cell.pred = std::move(pred);
  }

  const RunConfig& config_;
  Observer* observer_;
  RunOutput out_;
  bool multiclass_ = false;
  int positive_ = -1;
  Split split_;
  Table table_, train_, test_;  // the data without left-out columns; its two splits
  nlohmann::json left_out_ = nlohmann::json::array();  // columns left out, with the reason
  std::map<int, size_t> n_new_;  // rows per class for a generator without its own ratio
  std::map<std::string, std::map<int, size_t>> n_new_of_;     // strategy -> its classes' rows
  std::map<std::string, nlohmann::json> skipped_classes_of_;  // strategy -> {label: why}
  nlohmann::json skipped_ = nlohmann::json::object();         // strategy -> why
  nlohmann::json results_;
  ModelSpace space_;
  Matrix test_model_;
  std::vector<int> test_labels_;
  int64_t cell_ = 0, total_cells_ = 0;
};

}  // namespace

RunOutput run_experiment(const Table& input, const RunConfig& config, Observer* observer) {
  config.validate();
  return RunJob(input, config, observer).run();
}

void write_run_outputs(const RunOutput& output, const std::string& dir) {
  namespace fs = std::filesystem;
  // Staged next to `dir` and swapped in at once: a failure, a full disk or a kill leaves `dir` as
  // it was; the user's own files in it stay.
  std::vector<std::string> owned = {"results.json", "metrics.csv", "predictions.csv",
                                    "report.html", "synthetic", "evaluation"};
  for (const auto& [rel, content] : output.extra_files)
    owned.push_back(fs::path(rel).begin()->string());
  OutputFolder folder(dir, owned);
  const fs::path& staging = folder.staging();
  std::error_code ec;
  if (!output.synthetic.empty()) fs::create_directories(staging / "synthetic", ec);
  if (!output.evaluation_csv.empty()) fs::create_directories(staging / "evaluation", ec);
  if (ec)
    throw Error(ErrorKind::kIo, "cannot write in output folder '" + dir + "': " + ec.message());

  auto write = [&](const fs::path& rel, const auto& fill) {
    const std::string shown = (fs::path(dir) / rel).string();
    std::ofstream f(staging / rel, std::ios::binary);
    if (!f) throw Error(ErrorKind::kIo, "cannot write '" + shown + "': " + std::strerror(errno));
    fill(f);
    f.flush();
    const int error = f ? 0 : errno;
    f.close();
    if (error != 0 || f.fail()) {
      throw Error(ErrorKind::kIo, "writing '" + shown + "' failed: " +
                                      std::strerror(error != 0 ? error : errno) +
                                      "; the output folder was left as it was");
    }
  };
  write("results.json", [&](std::ostream& f) { f << output.results.dump(2) << "\n"; });
  std::vector<std::string> labels;
  for (const auto& c : output.results.at("dataset").at("class_order")) labels.push_back(c);
  auto number_text = [](const nlohmann::json& v) {
    return v.is_number() ? format_number(v.get<double>()) : std::string("nan");
  };
  if (!output.multiclass) {
    write("metrics.csv", [&](std::ostream& f) {
      const std::vector<std::string> keys = {
          "accuracy", "precision",         "recall",
          "f1",       "roc_auc",           "pr_auc",
          "mcc",      "balanced_accuracy", "recall_at_precision_90"};
      std::vector<std::string> header = {"strategy", "classifier"};
      header.insert(header.end(), keys.begin(), keys.end());
      for (const char* k : {"tn", "fp", "fn", "tp", "threshold", "train_rows", "fit_seconds"})
        header.emplace_back(k);
      write_csv_row(f, header);
      for (const auto& e : output.results.at("results")) {
        std::vector<std::string> row = {e.at("strategy"), e.at("classifier")};
        for (const auto& k : keys) row.push_back(number_text(e.at("metrics").at(k)));
        const auto& cm = e.at("metrics").at("confusion_matrix");
        for (const char* k : {"tn", "fp", "fn", "tp"})
          row.push_back(std::to_string(cm.at(k).get<int64_t>()));
        row.push_back(format_number(e.at("threshold").get<double>()));
        row.push_back(std::to_string(e.at("train_rows").get<size_t>()));
        row.push_back(format_number(e.at("fit_seconds").get<double>()));
        write_csv_row(f, row);
      }
    });
    write("predictions.csv", [&](std::ostream& f) {
      f << "strategy,classifier,row,label,score\n";
      for (const auto& p : output.predictions) {
        const std::string prefix = csv_escape(p.strategy) + "," + csv_escape(p.classifier) + ",";
        for (size_t i = 0; i < p.rows.size(); ++i)
          f << prefix << p.rows[i] << "," << p.labels[i] << "," << format_number(p.scores[i])
            << "\n";
      }
    });
  } else {
    // Several classes: overall and macro/weighted values, then precision, recall, F1 and
    // one-vs-rest PR-AUC per class ("recall:<label>", ...).
    write("metrics.csv", [&](std::ostream& f) {
      std::vector<std::string> header = {"strategy",          "classifier",  "accuracy",
                                         "balanced_accuracy", "mcc",         "macro_precision",
                                         "macro_recall",      "macro_f1",    "weighted_f1",
                                         "macro_roc_auc",     "macro_pr_auc"};
      const std::vector<std::string> per_class = {"precision", "recall", "f1", "roc_auc", "pr_auc"};
      for (const auto& label : labels)
        for (const auto& k : per_class) header.push_back(k + ":" + label);
      header.emplace_back("train_rows");
      header.emplace_back("fit_seconds");
      write_csv_row(f, header);
      for (const auto& e : output.results.at("results")) {
        const auto& m = e.at("metrics");
        std::vector<std::string> row = {e.at("strategy"), e.at("classifier")};
        for (const char* k : {"accuracy", "balanced_accuracy", "mcc"})
          row.push_back(number_text(m.at(k)));
        for (const char* k : {"precision", "recall", "f1"})
          row.push_back(number_text(m.at("macro").at(k)));
        row.push_back(number_text(m.at("weighted").at("f1")));
        row.push_back(number_text(m.at("macro").at("roc_auc")));
        row.push_back(number_text(m.at("macro").at("pr_auc")));
        for (const auto& c : m.at("classes"))
          for (const auto& k : per_class) row.push_back(number_text(c.at(k)));
        row.push_back(std::to_string(e.at("train_rows").get<size_t>()));
        row.push_back(format_number(e.at("fit_seconds").get<double>()));
        write_csv_row(f, row);
      }
    });
    write("predictions.csv", [&](std::ostream& f) {
      std::vector<std::string> header = {"strategy", "classifier", "row", "label", "predicted"};
      for (const auto& label : labels) header.push_back("score:" + label);
      write_csv_row(f, header);
      for (const auto& p : output.predictions) {
        const std::string prefix = csv_escape(p.strategy) + "," + csv_escape(p.classifier) + ",";
        for (size_t i = 0; i < p.rows.size(); ++i) {
          f << prefix << p.rows[i] << "," << csv_escape(labels.at(static_cast<size_t>(p.labels[i])))
            << "," << csv_escape(labels.at(static_cast<size_t>(p.predicted[i])));
          for (size_t c = 0; c < p.proba.cols; ++c) f << "," << format_number(p.proba(i, c));
          f << "\n";
        }
      }
    });
  }
  for (const auto& s : output.synthetic) {
    const fs::path rel = fs::path("synthetic") / (s.strategy + ".csv");
    write(rel, [&](std::ostream& f) { write_rows_csv(output.schema, s.x, s.y, f); });
  }
  // (Pairs, not structured bindings, where a lambda uses them: capturing a binding is C++20, and
  // clang before 16 rejects it.)
  for (const auto& entry : output.evaluation_csv) {
    const fs::path rel = fs::path("evaluation") / (entry.first + ".csv");
    write(rel, [&](std::ostream& f) { f << entry.second; });
  }
  for (const auto& entry : output.extra_files) {
    write(entry.first, [&](std::ostream& f) { f << entry.second; });
  }
  folder.commit();
}

}  // namespace imbgen
