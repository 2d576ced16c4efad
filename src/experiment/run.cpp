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

namespace imbgen {
namespace {

constexpr const char* kVersion = "0.1.0";

bool contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
  return out;
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

void report(Observer* observer, const std::string& task, int64_t step, int64_t total) {
  if (observer) observer->on_progress(Progress{task, step, total, {}});
}

// A curve thinned to at most `max_points` points (first and last kept) for plotting.
nlohmann::json curve_json(const Curve& c, const char* x_name, const char* y_name,
                          size_t max_points = 200) {
  std::vector<double> xs, ys;
  const size_t n = c.x.size();
  const size_t stride = n > max_points ? (n + max_points - 1) / max_points : 1;
  for (size_t i = 0; i < n; i += stride) {
    xs.push_back(c.x[i]);
    ys.push_back(c.y[i]);
  }
  if (n > 0 && (n - 1) % stride != 0) {
    xs.push_back(c.x[n - 1]);
    ys.push_back(c.y[n - 1]);
  }
  return {{x_name, xs}, {y_name, ys}};
}

// The rows of class `cls` in table values, missing numbers replaced by the training imputation
// value, for the statistics of the evaluation module (which takes finite values only).
Matrix class_rows_for_evaluation(const Table& t, int cls, const ModelSpace& space) {
  std::vector<size_t> idx;
  for (size_t i = 0; i < t.rows(); ++i) {
    if (t.y[i] == cls) idx.push_back(i);
  }
  Matrix m = t.x.select_rows(idx);
  for (size_t r = 0; r < m.rows; ++r) {
    for (size_t c = 0; c < m.cols; ++c) {
      if (std::isnan(m(r, c))) m(r, c) = space.encoder().imputation_value(c);
    }
  }
  return m;
}

nlohmann::json class_summary(const Table& t, const std::vector<size_t>& rows) {
  std::vector<size_t> counts(t.n_classes(), 0);
  for (size_t r : rows) ++counts[static_cast<size_t>(t.y[r])];
  nlohmann::json j = nlohmann::json::object();
  for (size_t c = 0; c < counts.size(); ++c) j[t.classes[c]] = counts[c];
  return j;
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
  const Matrix train_generator = space.to_generator(train.x);

  std::vector<int> test_labels(test.rows());
  for (size_t i = 0; i < test.rows(); ++i) test_labels[i] = test.y[i] == positive ? 1 : 0;

  const int64_t total_cells =
      static_cast<int64_t>(config.strategies.size() * config.classifiers.size());
  int64_t cell = 0;
  for (const auto& strategy : config.strategies) {
    // ---- build this strategy's training set ----
    Matrix x_train = train.x;  // table values; encoded for the classifiers below
    std::vector<int> y_train = train.y;
    std::vector<double> weights;
    nlohmann::json strategy_info = {{"synthetic_rows", 0}};
    if (strategy == "class_weight") {
      weights = balanced_sample_weights(y_train);
    } else if (strategy != "none") {
      const nlohmann::json gen_config = config.generator_configs.contains(strategy)
                                            ? config.generator_configs.at(strategy)
                                            : nlohmann::json::object();
      auto generator = make_generator(strategy, gen_config);
      FitOptions options;
      options.classes = {positive};
      options.seed = config.seed;
      // One LibTorch thread: intra-op parallelism only slows networks this small down (measured:
      // 300 GAN steps take ~1 s on one thread, ~26 s on two when the other core is busy).
      options.threads = 1;
      options.observer = observer;
      options.spans = space.generator_spans();
      const auto t0 = std::chrono::steady_clock::now();
      // The generator sees the training split only.
      generator->fit(train_generator, train.y, options);
      const double fit_seconds = seconds_since(t0);
      const auto t1 = std::chrono::steady_clock::now();
      const Matrix generated = generator->sample(positive, n_new, mix_seed(config.seed, 1));
      const double sample_seconds = seconds_since(t1);
      for (double v : generated.data) {
        if (!std::isfinite(v))
          throw Error(ErrorKind::kDiverged,
                      "generator '" + strategy + "' produced a non-finite value");
      }
      // Back to the table's schema: labels for categories, integers, training bounds.
      Matrix synthetic = space.from_generator(generated);
      std::vector<int> y_syn(synthetic.rows, positive);
      x_train = Matrix::vstack(x_train, synthetic);
      y_train.insert(y_train.end(), y_syn.begin(), y_syn.end());
      results["generators"][strategy] = {{"config", generator->config()},
                                         {"fit_seconds", fit_seconds},
                                         {"sample_seconds", sample_seconds},
                                         {"synthetic_rows", synthetic.rows},
                                         {"history", generator->history()}};
      strategy_info["synthetic_rows"] = synthetic.rows;
      if (config.evaluate && synthetic.rows >= 2) {
        EvaluationConfig eval_config = EvaluationConfig::from_json(config.evaluation_config);
        eval_config.seed = config.seed;
        eval_config.threads = config.threads;
        std::vector<ColumnKind> kinds;
        for (const auto& c : table.columns) kinds.push_back(c.kind);
        Matrix syn_eval = synthetic;
        for (size_t r = 0; r < syn_eval.rows; ++r) {
          for (size_t c = 0; c < syn_eval.cols; ++c) {
            if (std::isnan(syn_eval(r, c))) syn_eval(r, c) = space.encoder().imputation_value(c);
          }
        }
        const Matrix real = class_rows_for_evaluation(train, positive, space);
        const Matrix holdout = class_rows_for_evaluation(test, positive, space);
        nlohmann::json evaluation = evaluate(real, syn_eval, holdout.rows >= 2 ? &holdout : nullptr,
                                             table.column_names(), eval_config, observer, kinds);
        out.evaluation_csv.emplace_back(strategy, flatten_to_csv(evaluation));
        results["generators"][strategy]["evaluation"] = std::move(evaluation);
      }
      out.synthetic.push_back(SyntheticRows{strategy, std::move(synthetic), std::move(y_syn)});
    }

    // ---- every classifier on it ----
    const Matrix x_train_model = space.to_classifier(x_train);
    for (const auto& name : config.classifiers) {
      ++cell;
      report(observer, "cell " + std::to_string(cell) + "/" + std::to_string(total_cells) + ": " +
                           name + " on " + strategy, cell - 1, total_cells);
      const nlohmann::json clf_config = config.classifier_configs.contains(name)
                                            ? config.classifier_configs.at(name)
                                            : nlohmann::json::object();
      auto clf = make_classifier(name, clf_config, ClassifierContext{config.seed, config.threads});
      const auto t0 = std::chrono::steady_clock::now();
      clf->fit(x_train_model, y_train, weights);
      const double fit_seconds = seconds_since(t0);
      const Matrix proba = clf->predict_proba(test_model);
      std::vector<double> scores(test.rows());
      for (size_t i = 0; i < test.rows(); ++i) scores[i] = proba(i, static_cast<size_t>(positive));
      const double threshold = clf->score_kind() == ScoreKind::kProbability ? 0.5 : 0.0;
      const BinaryMetrics m = binary_metrics(test_labels, scores, threshold);
      nlohmann::json entry = {
          {"strategy", strategy},
          {"classifier", name},
          {"metrics", m.to_json()},
          {"score_kind", clf->score_kind() == ScoreKind::kProbability ? "probability" : "decision"},
          {"threshold", threshold},
          {"train_rows", x_train.rows},
          {"synthetic_rows", strategy_info["synthetic_rows"]},
          {"fit_seconds", fit_seconds},
          {"classifier_config", clf->config()},
          {"curves",
           {{"roc", curve_json(roc_curve(test_labels, scores), "fpr", "tpr")},
            {"pr", curve_json(pr_curve(test_labels, scores), "recall", "precision")}}},
      };
      if (!clf->note().empty()) {
        entry["note"] = clf->note();
        if (observer) observer->on_message(name + " on " + strategy + ": " + clf->note());
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
