// The main job (`imbgen run`): stratified split, one training set per strategy, every classifier
// on every training set, metrics on the untouched test split.
#include "imbgen/experiment/run.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <unistd.h>

#include "imbgen/classifiers/classifier.h"
#include "imbgen/classifiers/metrics.h"
#include "imbgen/core/error.h"
#include "imbgen/core/files.h"
#include "imbgen/core/rng.h"
#include "imbgen/data/csv.h"
#include "imbgen/data/split.h"
#include "imbgen/evaluation/evaluate.h"
#include "imbgen/experiment/space.h"
#include "imbgen/generators/generator.h"
#include "cell.h"

namespace imbgen {
namespace {

using experiment_detail::class_summary;

constexpr const char* kVersion = "0.1.0";

bool contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
  return out;
}

void report(Observer* observer, const std::string& task, int64_t step, int64_t total) {
  if (observer) observer->on_progress(Progress{task, step, total, {}});
}

}  // namespace

std::vector<std::string> strategy_names() {
  std::vector<std::string> names = {"none", "class_weight"};
  for (const auto& g : generator_names()) names.push_back(g);
  return names;
}

void RunConfig::validate() const {
  std::vector<std::string> problems;
  const auto strategies_known = strategy_names();
  const auto classifiers_known = classifier_names();
  if (strategies.empty()) problems.push_back("no strategy given");
  if (classifiers.empty()) problems.push_back("no classifier given");
  for (const auto& s : strategies) {
    if (!contains(strategies_known, s))
      problems.push_back("unknown strategy '" + s + "' (valid: " + join(strategies_known) + ")");
  }
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
  if (!problems.empty()) {
    std::string msg = problems.size() == 1 ? problems[0] : "invalid run configuration:";
    if (problems.size() > 1)
      for (const auto& p : problems) msg += "\n  - " + p;
    throw Error(ErrorKind::kInvalidArgument, msg);
  }
}

nlohmann::json RunConfig::to_json() const {
  return {{"strategies", strategies},   {"classifiers", classifiers},
          {"ratio", ratio},             {"test_fraction", test_fraction},
          {"seed", seed},               {"threads", threads},
          {"generator_configs", generator_configs},
          {"classifier_configs", classifier_configs},
          {"evaluate", evaluate},
          {"evaluation_config", evaluation_config}};
}

RunOutput run_experiment(const Table& table, const RunConfig& config, Observer* observer) {
  config.validate();
  if (table.n_classes() != 2) {
    throw Error(ErrorKind::kUnsupported,
                "'" + table.source + "': target '" + table.target + "' has " +
                    std::to_string(table.n_classes()) +
                    " classes; imbgen run handles two classes for now");
  }
  const int positive = table.minority_class();
  const int negative = 1 - positive;

  RunOutput out;
  out.schema = table.subset({});
  const Split split = stratified_split(table.y, config.test_fraction, config.seed);
  const Table train = table.subset(split.train);
  const Table test = table.subset(split.test);
  const auto train_counts = train.class_counts();
  const size_t n_pos_train = train_counts[static_cast<size_t>(positive)];
  const size_t n_neg_train = train_counts[static_cast<size_t>(negative)];
  const size_t target_pos =
      static_cast<size_t>(std::llround(config.ratio * static_cast<double>(n_neg_train)));
  const size_t n_new = target_pos > n_pos_train ? target_pos - n_pos_train : 0;

  nlohmann::json results;
  results["imbgen_version"] = kVersion;
  nlohmann::json columns = nlohmann::json::array();
  for (const auto& c : table.columns) columns.push_back(c.name);
  results["dataset"] = {
      {"source", table.source},
      {"rows", table.rows()},
      {"features", table.columns.size()},
      {"columns", columns},
      {"target", table.target},
      {"classes", class_summary(table, [&] {
         std::vector<size_t> all(table.rows());
         for (size_t i = 0; i < all.size(); ++i) all[i] = i;
         return all;
       }())},
      {"positive_class", table.classes[static_cast<size_t>(positive)]},
      {"class_order", table.classes},
      {"column_summary", column_summary(table)},
      {"train", class_summary(table, split.train)},
      {"test", class_summary(table, split.test)},
  };
  results["config"] = config.to_json();
  results["results"] = nlohmann::json::array();
  results["generators"] = nlohmann::json::object();

  // Everything that is fit (encoder, imputation, scalers) sees the training rows only.
  ModelSpace space;
  space.fit(train);
  const Matrix test_model = space.to_classifier(test.x);

  std::vector<int> test_labels(test.rows());
  for (size_t i = 0; i < test.rows(); ++i) test_labels[i] = test.y[i] == positive ? 1 : 0;

  const int64_t total_cells =
      static_cast<int64_t>(config.strategies.size() * config.classifiers.size());
  int64_t cell = 0;
  for (const auto& strategy : config.strategies) {
    // ---- build this strategy's training set ----
    const nlohmann::json gen_config = config.generator_configs.contains(strategy)
                                          ? config.generator_configs.at(strategy)
                                          : nlohmann::json::object();
    experiment_detail::TrainingSet training = experiment_detail::build_training_set(
        strategy, train, space, positive, n_new, gen_config, config.seed,
        mix_seed(config.seed, 1), observer);
    const size_t synthetic_rows = training.synthetic.rows;
    if (!training.generator.is_null()) {
      results["generators"][strategy] = training.generator;
      if (config.evaluate && synthetic_rows >= 2) {
        EvaluationConfig eval_config = EvaluationConfig::from_json(config.evaluation_config);
        eval_config.seed = config.seed;
        eval_config.threads = config.threads;
        nlohmann::json evaluation = experiment_detail::evaluate_synthetic(
            train, test, space, training.synthetic, positive, eval_config, observer);
        out.evaluation_csv.emplace_back(strategy, flatten_to_csv(evaluation));
        results["generators"][strategy]["evaluation"] = std::move(evaluation);
      }
      out.synthetic.push_back(
          SyntheticRows{strategy, training.synthetic, training.synthetic_y});
    }

    // ---- every classifier on it ----
    const Matrix x_train_model = space.to_classifier(training.x);
    for (const auto& name : config.classifiers) {
      ++cell;
      report(observer, "cell " + std::to_string(cell) + "/" + std::to_string(total_cells) + ": " +
                           name + " on " + strategy, cell - 1, total_cells);
      const nlohmann::json clf_config = config.classifier_configs.contains(name)
                                            ? config.classifier_configs.at(name)
                                            : nlohmann::json::object();
      experiment_detail::Scored scored = experiment_detail::fit_and_score(
          name, clf_config, ClassifierContext{config.seed, config.threads}, x_train_model,
          training.y, training.weights, {&test_model}, positive);
      std::vector<double> scores = std::move(scored.scores.at(0));
      const double threshold = scored.default_threshold;
      const BinaryMetrics m = binary_metrics(test_labels, scores, threshold);
      nlohmann::json entry = {
          {"strategy", strategy},
          {"classifier", name},
          {"metrics", m.to_json()},
          {"score_kind", scored.kind == ScoreKind::kProbability ? "probability" : "decision"},
          {"threshold", threshold},
          {"train_rows", training.x.rows},
          {"synthetic_rows", synthetic_rows},
          {"fit_seconds", scored.fit_seconds},
          {"classifier_config", scored.config},
          {"curves", experiment_detail::curves_json(test_labels, scores)},
      };
      if (!scored.note.empty()) {
        entry["note"] = scored.note;
        if (observer) observer->on_message(name + " on " + strategy + ": " + scored.note);
      }
      results["results"].push_back(entry);
      RunOutput::Prediction pred{strategy, name, split.test, test_labels, std::move(scores)};
      out.predictions.push_back(std::move(pred));
    }
  }
  report(observer, "done", total_cells, total_cells);
  out.results = std::move(results);
  return out;
}

void write_run_outputs(const RunOutput& output, const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw Error(ErrorKind::kIo, "cannot create output folder '" + dir + "': " + ec.message());
  // Everything is written into a staging folder first and moved into place only at the end.
  const fs::path staging = fs::path(dir) / (".staging-" + std::to_string(::getpid()));
  fs::remove_all(staging, ec);
  fs::create_directories(staging / "synthetic", ec);
  if (ec) throw Error(ErrorKind::kIo, "cannot write in output folder '" + dir + "': " + ec.message());
  struct Cleanup {
    fs::path p;
    ~Cleanup() {
      std::error_code e;
      fs::remove_all(p, e);
    }
  } cleanup{staging};

  auto write = [&](const fs::path& rel, const auto& fill) {
    std::ofstream f(staging / rel, std::ios::binary);
    if (!f) throw Error(ErrorKind::kIo, "cannot write '" + (fs::path(dir) / rel).string() + "'");
    fill(f);
    f.flush();
    if (!f) throw Error(ErrorKind::kIo, "writing '" + (fs::path(dir) / rel).string() + "' failed");
  };
  std::vector<fs::path> files = {"results.json", "metrics.csv", "predictions.csv"};
  write("results.json", [&](std::ostream& f) { f << output.results.dump(2) << "\n"; });
  write("metrics.csv", [&](std::ostream& f) {
    const std::vector<std::string> keys = {"accuracy", "precision", "recall",
                                           "f1",       "roc_auc",   "pr_auc",
                                           "mcc",      "balanced_accuracy",
                                           "recall_at_precision_90"};
    std::vector<std::string> header = {"strategy", "classifier"};
    header.insert(header.end(), keys.begin(), keys.end());
    for (const char* k : {"tn", "fp", "fn", "tp", "threshold", "train_rows", "fit_seconds"})
      header.emplace_back(k);
    write_csv_row(f, header);
    for (const auto& e : output.results.at("results")) {
      std::vector<std::string> row = {e.at("strategy"), e.at("classifier")};
      for (const auto& k : keys) {
        const auto& v = e.at("metrics").at(k);
        row.push_back(v.is_number() ? format_number(v.get<double>()) : "nan");
      }
      const auto& cm = e.at("metrics").at("confusion_matrix");
      for (const char* k : {"tn", "fp", "fn", "tp"}) row.push_back(std::to_string(cm.at(k).get<int64_t>()));
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
        f << prefix << p.rows[i] << "," << p.labels[i] << "," << format_number(p.scores[i]) << "\n";
    }
  });
  for (const auto& s : output.synthetic) {
    const fs::path rel = fs::path("synthetic") / (s.strategy + ".csv");
    write(rel, [&](std::ostream& f) { write_rows_csv(output.schema, s.x, s.y, f); });
    files.push_back(rel);
  }
  if (!output.evaluation_csv.empty()) fs::create_directories(staging / "evaluation", ec);
  for (const auto& [strategy, csv] : output.evaluation_csv) {
    const fs::path rel = fs::path("evaluation") / (strategy + ".csv");
    write(rel, [&](std::ostream& f) { f << csv; });
    files.push_back(rel);
  }
  for (const auto& [rel, content] : output.extra_files) {
    write(rel, [&](std::ostream& f) { f << content; });
    files.push_back(rel);
  }
  // All written: move into place.
  fs::create_directories(fs::path(dir) / "synthetic", ec);
  if (!output.evaluation_csv.empty()) fs::create_directories(fs::path(dir) / "evaluation", ec);
  for (const auto& rel : files) {
    fs::rename(staging / rel, fs::path(dir) / rel, ec);
    if (ec)
      throw Error(ErrorKind::kIo,
                  "cannot move '" + rel.string() + "' into '" + dir + "': " + ec.message());
  }
}

}  // namespace imbgen
