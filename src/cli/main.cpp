// imbgen command line: `run` (the main job), `fit`, `sample`, `augment`. Maps error kinds to exit
// codes and draws progress bars; everything else lives in the library modules.
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <thread>

#include <unistd.h>

#include <CLI/CLI.hpp>

#include "imbgen/classifiers/classifier.h"
#include "imbgen/core/error.h"
#include "imbgen/core/files.h"
#include "imbgen/core/rng.h"
#include "imbgen/core/threads.h"
#include "imbgen/data/csv.h"
#include "imbgen/evaluation/evaluate.h"
#include "imbgen/experiment/run.h"
#include "imbgen/experiment/space.h"
#include "imbgen/generators/generator.h"
#include "imbgen/report/report.h"
#include "progress_bar.h"

namespace imbgen::cli {

// `imbgen benchmark` (src/cli/benchmark_command.cpp): adds the subcommand to `app`; the returned
// function runs it once the command line is parsed and returns the exit code.
std::function<int()> add_benchmark_command(
    CLI::App& app,
    std::function<void(const std::vector<std::string>&, nlohmann::json&, nlohmann::json&,
                       nlohmann::json*)>
        apply_settings,
    const std::string& default_data);

namespace {

// Exit codes (documented in the README).
constexpr int kExitUsage = 2;
int exit_code(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kInvalidArgument: return 3;
    case ErrorKind::kNotFound: return 4;
    case ErrorKind::kIo: return 5;
    case ErrorKind::kUnsupported: return 6;
    case ErrorKind::kDiverged: return 7;
    case ErrorKind::kInternal: return 70;
  }
  return 70;
}

std::string default_data_path() {
  const char* env = std::getenv("IMBGEN_DATA_DIR");
  const std::filesystem::path dir = env ? env : IMBGEN_DEFAULT_DATA_DIR;
  return (dir / "creditcard.csv.gz").string();
}

int default_threads() {
  const unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : static_cast<int>(n);
}

std::string join(const std::vector<std::string>& v, const std::string& sep = ",") {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : sep) + s;
  return out;
}

// Options shared by every command that reads a data file.
struct DataOptions {
  std::string data;
  std::string target;
  std::vector<std::string> drop;
  std::vector<std::string> categorical;

  void add_to(CLI::App* app) {
    app->add_option("--data", data,
                    "CSV file (.csv or .csv.gz) with a header row; default: the bundled credit card "
                    "subset (target Class, Time dropped)");
    app->add_option("--target", target,
                    "target column; default: Class for the bundled data, else the last column");
    app->add_option("--drop", drop, "columns to ignore, comma-separated")->delimiter(',');
    app->add_option("--categorical", categorical,
                    "columns to treat as categorical even if their values look numeric, "
                    "comma-separated (text columns are categorical anyway)")
        ->delimiter(',');
  }

  Table load(CLI::App* app) const {
    LoadOptions options;
    std::string path = data;
    const bool bundled = data.empty();
    if (bundled) path = default_data_path();
    options.drop = drop;
    options.categorical = categorical;
    if (bundled && app->count("--drop") == 0) options.drop = {"Time"};
    if (!target.empty()) {
      options.target = target;
    } else if (bundled) {
      options.target = "Class";
    } else {
      // Default target: the last column of the header.
      const CsvData head = read_csv(path);
      options.target = head.header.back();
    }
    return load_table(path, options);
  }
};

// --set NAME.KEY=VALUE: VALUE is read as JSON when it parses (numbers, true/false, arrays),
// otherwise as a string.
void apply_settings(const std::vector<std::string>& settings, nlohmann::json& generator_configs,
                    nlohmann::json& classifier_configs,
                    nlohmann::json* evaluation_config = nullptr) {
  const auto generators = generator_names();
  const auto classifiers = classifier_names();
  for (const auto& s : settings) {
    const auto dot = s.find('.');
    const auto eq = s.find('=');
    if (dot == std::string::npos || eq == std::string::npos || eq < dot) {
      throw Error(ErrorKind::kInvalidArgument,
                  "--set '" + s + "': expected NAME.KEY=VALUE, e.g. gan.steps=2000");
    }
    const std::string name = s.substr(0, dot);
    const std::string key = s.substr(dot + 1, eq - dot - 1);
    const std::string text = s.substr(eq + 1);
    nlohmann::json value = nlohmann::json::parse(text, nullptr, false);
    if (value.is_discarded()) value = text;
    if (name == "evaluation" && evaluation_config) {
      (*evaluation_config)[key] = value;
    } else if (std::find(generators.begin(), generators.end(), name) != generators.end()) {
      generator_configs[name][key] = value;
    } else if (std::find(classifiers.begin(), classifiers.end(), name) != classifiers.end()) {
      classifier_configs[name][key] = value;
    } else {
      throw Error(ErrorKind::kInvalidArgument,
                  "--set '" + s + "': unknown name '" + name + "' (generators: " +
                      join(generators, ", ") + "; classifiers: " + join(classifiers, ", ") +
                      (evaluation_config ? "; or evaluation" : "") + ")");
    }
  }
}

void print_dataset(const Table& t) {
  std::cerr << "data: " << t.source << ": " << t.rows() << " rows, " << t.columns.size()
            << " features, target '" << t.target << "' (";
  const auto counts = t.class_counts();
  for (size_t c = 0; c < counts.size(); ++c) {
    std::cerr << (c ? ", " : "") << t.classes[c] << ": " << counts[c];
  }
  std::cerr << ")\n";
}

void print_table(const nlohmann::json& results, const std::string& metric, const std::string& title) {
  std::vector<std::string> strategies, classifiers;
  for (const auto& e : results.at("results")) {
    const std::string s = e.at("strategy"), c = e.at("classifier");
    if (std::find(strategies.begin(), strategies.end(), s) == strategies.end()) strategies.push_back(s);
    if (std::find(classifiers.begin(), classifiers.end(), c) == classifiers.end()) classifiers.push_back(c);
  }
  size_t w0 = 12;
  for (const auto& s : strategies) w0 = std::max(w0, s.size() + 2);
  std::cout << "\n" << title << "\n" << std::left << std::setw(static_cast<int>(w0)) << "strategy";
  for (const auto& c : classifiers) std::cout << std::right << std::setw(static_cast<int>(std::max<size_t>(c.size(), 6) + 2)) << c;
  std::cout << "\n";
  for (const auto& s : strategies) {
    std::cout << std::left << std::setw(static_cast<int>(w0)) << s;
    for (const auto& c : classifiers) {
      std::string cell = "-";
      for (const auto& e : results.at("results")) {
        if (e.at("strategy") == s && e.at("classifier") == c) {
          const auto& m = e.at("metrics");
          const nlohmann::json v = m.contains(metric) ? m.at(metric) : nlohmann::json();
          std::ostringstream ss;
          if (v.is_number()) ss << std::fixed << std::setprecision(3) << v.get<double>();
          else ss << "n/a";
          cell = ss.str();
        }
      }
      std::cout << std::right << std::setw(static_cast<int>(std::max<size_t>(c.size(), 6) + 2)) << cell;
    }
    std::cout << "\n";
  }
}

// One line per evaluation block of every generator: "gan  detection: detector AUC 0.99: ...".
void print_verdicts(const nlohmann::json& results) {
  bool header = false;
  for (const auto& [name, g] : results.at("generators").items()) {
    if (!g.contains("evaluation") || !g.at("evaluation").contains("verdicts")) continue;
    if (!header) {
      std::cout << "\nCan the synthetic rows be trusted? (synthetic vs real training rows; "
                   "evaluation/*.csv has every number)\n";
      header = true;
    }
    std::cout << name;
    if (g.contains("evaluation_class"))
      std::cout << " (class '" << g.at("evaluation_class").get<std::string>()
                << "', the rarest generated; evaluation/" << name << ".csv has every class)";
    std::cout << ":\n";
    for (const auto& [block, verdict] : g.at("evaluation").at("verdicts").items()) {
      std::cout << "  " << std::left << std::setw(13) << block << verdict.get<std::string>() << "\n";
    }
  }
}

int run_main(int argc, char** argv) {
  CLI::App app{"imbgen: fix class imbalance in tabular data with generative models, and measure "
               "honestly whether it helped"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "imbgen 0.1.0");
  app.get_formatter()->column_width(34);

  // ---- run ----
  RunConfig run_config;
  DataOptions run_data;
  std::string run_out = "imbgen-out";
  std::vector<std::string> run_settings;
  bool quiet = false;
  int threads = default_threads();
  auto* run = app.add_subcommand(
      "run", "The main job: split, augment with each strategy, train each classifier, compare on "
             "the untouched test split");
  run_data.add_to(run);
  run->add_option("--strategies", run_config.strategies,
                  "strategies, comma-separated (none, class_weight, or a generator: " +
                      join(generator_names(), ", ") + ")")
      ->delimiter(',')
      ->capture_default_str();
  run->add_option("--classifiers", run_config.classifiers,
                  "classifiers, comma-separated (" + join(classifier_names(), ", ") + ")")
      ->delimiter(',')
      ->capture_default_str();
  auto* run_ratio = run->add_option("--ratio", run_config.ratio,
                                    "minority/majority row ratio after augmentation, in (0, 1], "
                                    "for every class but the majority")
                        ->capture_default_str();
  std::string run_targets;
  auto* run_sampling =
      run->add_option("--sampling", run_config.sampling,
                      "rows to add per class: auto (every class up to the majority's count), "
                      "a ratio in (0, 1], or final counts label=count,... (default: --ratio)");
  auto* run_targets_opt = run->add_option(
      "--targets", run_targets,
      "final row counts per class in the training split, e.g. fraud=5000,other=1000 "
      "(the same as --sampling label=count,...)");
  run_ratio->excludes(run_sampling)->excludes(run_targets_opt);
  run_sampling->excludes(run_targets_opt);
  run->add_option("--test-fraction", run_config.test_fraction, "share of rows held out for testing")
      ->capture_default_str();
  run->add_option("--seed", run_config.seed, "seed for the split, generators and classifiers")
      ->capture_default_str();
  run->add_option("--threads", threads, "threads for the classifiers (generators use one)")->capture_default_str();
  run->add_option("--set", run_settings,
                  "NAME.KEY=VALUE: set a generator, classifier or evaluation option, e.g. "
                  "gan.steps=2000, svm_rbf.max_train_rows=5000, evaluation.tsne=false (repeatable)");
  run->add_option("--out", run_out, "output folder")->capture_default_str();
  bool no_evaluate = false;
  run->add_flag("--no-evaluate", no_evaluate,
                "skip the fidelity/privacy evaluation of the generators' rows");
  run->add_flag("--quiet,-q", quiet, "no progress output");

  // ---- fit ----
  DataOptions fit_data;
  std::string fit_generator = "gan";
  std::vector<std::string> fit_classes;
  std::vector<std::string> fit_settings;
  uint64_t fit_seed = 42;
  std::string fit_out = "model.imbgen";
  auto* fit = app.add_subcommand("fit", "Train a generator on the rows of a data file and save it");
  fit_data.add_to(fit);
  fit->add_option("--generator,-g", fit_generator, "generator: " + join(generator_names(), ", "))
      ->capture_default_str();
  fit->add_option("--class", fit_classes,
                  "class label(s) to model, comma-separated; default: every class but the largest")
      ->delimiter(',');
  fit->add_option("--set", fit_settings, "NAME.KEY=VALUE generator option, e.g. gan.steps=2000");
  fit->add_option("--seed", fit_seed, "training seed")->capture_default_str();
  fit->add_option("--out,-o", fit_out, "model file to write")->capture_default_str();
  fit->add_flag("--quiet,-q", quiet, "no progress output");

  // ---- sample ----
  std::string sample_model;
  std::string sample_class;
  size_t sample_n = 1000;
  uint64_t sample_seed = 42;
  std::string sample_out = "synthetic.csv";
  auto* sample = app.add_subcommand("sample", "Draw rows from a saved generator, in original units");
  sample->add_option("--model,-m", sample_model, "model file written by `imbgen fit`")->required();
  sample->add_option("-n,--rows", sample_n, "number of rows")->capture_default_str();
  sample->add_option("--class", sample_class, "class label to draw; default: the first class modelled");
  sample->add_option("--seed", sample_seed, "sampling seed")->capture_default_str();
  sample->add_option("--out,-o", sample_out, "CSV file to write")->capture_default_str();

  // ---- augment ----
  DataOptions aug_data;
  std::string aug_generator = "smote";
  double aug_ratio = 1.0;
  std::vector<std::string> aug_settings;
  uint64_t aug_seed = 42;
  std::string aug_out = "augmented.csv";
  auto* augment = app.add_subcommand(
      "augment", "Add synthetic minority rows to a data file (pass only your training rows)");
  aug_data.add_to(augment);
  augment->add_option("--generator,-g", aug_generator, "generator: " + join(generator_names(), ", "))
      ->capture_default_str();
  augment->add_option("--ratio", aug_ratio, "minority/majority row ratio after augmentation")
      ->capture_default_str();
  augment->add_option("--set", aug_settings, "NAME.KEY=VALUE generator option");
  augment->add_option("--seed", aug_seed, "seed")->capture_default_str();
  augment->add_option("--out,-o", aug_out, "CSV file to write")->capture_default_str();
  augment->add_flag("--quiet,-q", quiet, "no progress output");

  // ---- evaluate ----
  std::string ev_real, ev_synthetic, ev_holdout, ev_target, ev_class, ev_out = "imbgen-eval";
  std::vector<std::string> ev_drop, ev_settings;
  uint64_t ev_seed = 42;
  auto* evaluate_cmd = app.add_subcommand(
      "evaluate", "Can these synthetic rows be trusted? Fidelity, privacy and embeddings against "
                  "real rows");
  evaluate_cmd->add_option("--real", ev_real, "CSV of the real rows the generator was fit on")
      ->required();
  evaluate_cmd->add_option("--synthetic", ev_synthetic, "CSV of synthetic rows (same columns)")
      ->required();
  evaluate_cmd->add_option("--holdout", ev_holdout,
                           "CSV of real rows the generator never saw: the reference score of fresh "
                           "real data");
  evaluate_cmd->add_option("--target", ev_target,
                           "target column, left out of the comparison; default: the last column");
  evaluate_cmd->add_option("--class", ev_class,
                           "compare only the rows of this class (needs --target)");
  evaluate_cmd->add_option("--drop", ev_drop, "columns to ignore where present, comma-separated")->delimiter(',');
  evaluate_cmd->add_option("--set", ev_settings, "evaluation.KEY=VALUE, e.g. evaluation.tsne=false");
  evaluate_cmd->add_option("--seed", ev_seed, "seed for subsamples, folds and t-SNE")
      ->capture_default_str();
  evaluate_cmd->add_option("--threads", threads, "threads")->capture_default_str();
  evaluate_cmd->add_option("--out", ev_out, "output folder")->capture_default_str();
  evaluate_cmd->add_flag("--quiet,-q", quiet, "no progress output");

  // ---- report ----
  std::string report_dir = "imbgen-out";
  auto* report_cmd = app.add_subcommand(
      "report", "Write DIR/report.html again from DIR/results.json (self-contained, works offline)");
  report_cmd->add_option("dir", report_dir, "folder written by `imbgen run`")->capture_default_str();

  // ---- benchmark ----
  const std::function<int()> benchmark =
      add_benchmark_command(app, apply_settings, default_data_path());

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version
    std::cerr << "imbgen: error: " << e.what() << "\nRun 'imbgen --help' or 'imbgen COMMAND "
              << "--help' for the options.\n";
    return kExitUsage;
  }

  set_blas_threads(1);
  if (app.got_subcommand("benchmark")) return benchmark();
  ProgressBar progress(quiet);

  if (*run) {
    run_config.threads = threads;
    if (!run_targets.empty()) {
      if (run_targets.find('=') == std::string::npos) {
        throw Error(ErrorKind::kInvalidArgument,
                    "--targets '" + run_targets + "': expected label=count pairs, e.g. " +
                        "fraud=5000,other=1000");
      }
      run_config.sampling = run_targets;
    }
    apply_settings(run_settings, run_config.generator_configs, run_config.classifier_configs,
                   &run_config.evaluation_config);
    run_config.evaluate = !no_evaluate;
    run_config.validate();
    const Table table = run_data.load(run);
    if (!quiet) print_dataset(table);
    RunOutput output = run_experiment(table, run_config, &progress);
    output.extra_files.emplace_back("report.html", render_report(output.results));
    write_run_outputs(output, run_out);
    progress.finish();
    if (!output.multiclass) {
      print_table(output.results, "pr_auc", "PR-AUC (average precision) on the test split");
      print_table(output.results, "recall_at_precision_90", "Recall at precision >= 0.9");
      print_table(output.results, "f1", "F1 at the default threshold");
    } else {
      print_table(output.results, "pr_auc",
                  "Macro PR-AUC (one-vs-rest average precision, mean over classes) on the test "
                  "split");
      print_table(output.results, "f1", "Macro F1 (predicted class = highest score)");
      print_table(output.results, "balanced_accuracy", "Balanced accuracy (mean recall per class)");
      std::cout << "\n(per-class precision, recall, F1 and PR-AUC: metrics.csv)\n";
    }
    print_verdicts(output.results);
    std::cout << "\nwrote " << run_out << "/report.html (open it in a browser), results.json, "
                 "metrics.csv, predictions.csv";
    if (!output.synthetic.empty()) std::cout << ", synthetic/*.csv";
    if (!output.evaluation_csv.empty()) std::cout << ", evaluation/*.csv";
    std::cout << "\n";
    const auto& failed = output.results.at("failed");
    for (const auto& [strategy, why] : failed.items()) {
      std::cerr << "imbgen: error: strategy '" << strategy
                << "' was skipped: " << why.get<std::string>() << "\n";
    }
    if (!failed.empty()) {
      std::cerr << "imbgen: the other strategies' results were written to " << run_out << "\n";
      return exit_code(ErrorKind::kDiverged);
    }
    return 0;
  }

  if (*fit || *augment) {
    const bool is_fit = static_cast<bool>(*fit);
    const DataOptions& data_options = is_fit ? fit_data : aug_data;
    const std::string gen_name = is_fit ? fit_generator : aug_generator;
    nlohmann::json gen_configs = nlohmann::json::object(), clf_configs = nlohmann::json::object();
    apply_settings(is_fit ? fit_settings : aug_settings, gen_configs, clf_configs);
    auto generator = make_generator(
        gen_name, gen_configs.contains(gen_name) ? gen_configs[gen_name] : nlohmann::json::object());
    const Table table = data_options.load(is_fit ? fit : augment);
    if (!quiet) print_dataset(table);
    FitOptions options;
    options.seed = is_fit ? fit_seed : aug_seed;
    options.threads = 1;  // see run.cpp: small networks train fastest on one LibTorch thread
    options.observer = &progress;
    const int majority = table.majority_class();
    if (is_fit && !fit_classes.empty()) {
      for (const auto& label : fit_classes) {
        auto it = std::find(table.classes.begin(), table.classes.end(), label);
        if (it == table.classes.end()) {
          throw Error(ErrorKind::kInvalidArgument,
                      "--class '" + label + "': no such class in target '" + table.target +
                          "' (classes: " + join(table.classes, ", ") + ")");
        }
        options.classes.push_back(static_cast<int>(it - table.classes.begin()));
      }
    } else {
      for (int c = 0; c < static_cast<int>(table.n_classes()); ++c)
        if (c != majority) options.classes.push_back(c);
    }
    ModelSpace space;
    space.fit(table);
    options.spans = space.generator_spans();
    generator->fit(space.to_generator(table.x), table.y, options);
    progress.finish();
    if (is_fit) {
      nlohmann::json meta;
      meta["space"] = space.to_json();
      meta["target"] = table.target;
      meta["classes"] = table.classes;
      std::vector<std::string> fitted;
      for (int c : options.classes) fitted.push_back(table.classes[static_cast<size_t>(c)]);
      meta["fitted_classes"] = fitted;
      meta["source"] = table.source;
      save_generator(*generator, fit_out, meta);
      std::cout << "wrote " << fit_out << " (" << gen_name << ", classes " << join(fitted, ", ")
                << ")\n";
      return 0;
    }
    // augment: every modelled class is raised to ratio * majority count.
    if (!(aug_ratio > 0.0 && aug_ratio <= 1.0))
      throw Error(ErrorKind::kInvalidArgument, "--ratio must be in (0, 1], got " + format_number(aug_ratio));
    const auto counts = table.class_counts();
    Matrix x = table.x;
    std::vector<int> y = table.y;
    size_t added = 0;
    for (int c : options.classes) {
      const size_t want = static_cast<size_t>(
          std::llround(aug_ratio * static_cast<double>(counts[static_cast<size_t>(majority)])));
      const size_t have = counts[static_cast<size_t>(c)];
      if (want <= have) continue;
      Matrix syn = space.from_generator(
          generator->sample(c, want - have, mix_seed(aug_seed, static_cast<uint64_t>(c) + 1)));
      x = Matrix::vstack(x, syn);
      y.insert(y.end(), syn.rows, c);
      added += syn.rows;
    }
    AtomicFile f(aug_out);
    write_rows_csv(table, x, y, f.stream());
    f.commit();
    std::cout << "wrote " << aug_out << ": " << table.rows() << " original + " << added
              << " synthetic rows (" << gen_name << ")\n";
    return 0;
  }

  if (*report_cmd) {
    std::cout << "wrote " << regenerate_report(report_dir) << "\n";
    return 0;
  }

  if (*evaluate_cmd) {
    nlohmann::json gen_configs = nlohmann::json::object(), clf_configs = nlohmann::json::object();
    nlohmann::json eval_json = nlohmann::json::object();
    apply_settings(ev_settings, gen_configs, clf_configs, &eval_json);
    EvaluationConfig config = EvaluationConfig::from_json(eval_json);
    config.seed = ev_seed;
    config.threads = threads;
    // The target column (default: the last one) is left out of the comparison.
    auto load = [&](const std::string& path) {
      LoadOptions options;
      options.allow_single_class = true;
      const auto header = read_csv(path).header;
      options.target = ev_target.empty() ? header.back() : ev_target;
      // --drop names columns of any of the files (synthetic files lack dropped columns).
      for (const auto& d : ev_drop)
        if (std::find(header.begin(), header.end(), d) != header.end()) options.drop.push_back(d);
      Table t = load_table(path, options);
      if (!ev_class.empty()) {
        auto it = std::find(t.classes.begin(), t.classes.end(), ev_class);
        if (it == t.classes.end()) {
          throw Error(ErrorKind::kInvalidArgument,
                      "'" + path + "': no row has class '" + ev_class + "' in column '" +
                          t.target + "' (classes: " + join(t.classes, ", ") + ")");
        }
        const int cls = static_cast<int>(it - t.classes.begin());
        std::vector<size_t> idx;
        for (size_t i = 0; i < t.rows(); ++i)
          if (t.y[i] == cls) idx.push_back(i);
        t = t.subset(idx);
      }
      return t;
    };
    const Table real = load(ev_real);
    const Table syn = load(ev_synthetic);
    if (syn.column_names() != real.column_names()) {
      throw Error(ErrorKind::kInvalidArgument,
                  "'" + ev_synthetic + "' has columns " + join(syn.column_names(), ", ") +
                      " but '" + ev_real + "' has " + join(real.column_names(), ", "));
    }
    Table holdout;
    if (!ev_holdout.empty()) {
      holdout = load(ev_holdout);
      if (holdout.column_names() != real.column_names())
        throw Error(ErrorKind::kInvalidArgument,
                    "'" + ev_holdout + "' does not have the columns of '" + ev_real + "'");
    }
    // Missing numbers: imputed with the real rows' median (the evaluation takes finite values).
    ModelSpace space;
    space.fit(real);
    auto impute = [&](Matrix m) {
      for (size_t r = 0; r < m.rows; ++r)
        for (size_t c = 0; c < m.cols; ++c)
          if (std::isnan(m(r, c))) m(r, c) = space.encoder().imputation_value(c);
      return m;
    };
    std::vector<ColumnKind> kinds;
    for (const auto& c : real.columns) kinds.push_back(c.kind);
    const Matrix holdout_x = impute(holdout.x);
    nlohmann::json result =
        evaluate(impute(real.x), impute(syn.x), ev_holdout.empty() ? nullptr : &holdout_x,
                 real.column_names(), config, &progress, kinds);
    progress.finish();
    std::error_code ec;
    std::filesystem::create_directories(ev_out, ec);
    if (ec) throw Error(ErrorKind::kIo, "cannot create output folder '" + ev_out + "': " + ec.message());
    write_file_atomic(std::filesystem::path(ev_out) / "evaluation.json", result.dump(2) + "\n");
    write_file_atomic(std::filesystem::path(ev_out) / "evaluation.csv", flatten_to_csv(result));
    std::cout << "Synthetic (" << syn.rows() << " rows) vs real (" << real.rows() << " rows)"
              << (ev_holdout.empty() ? "" : ", holdout " + std::to_string(holdout.rows()) + " rows")
              << ":\n";
    for (const auto& [block, verdict] : result.at("verdicts").items())
      std::cout << "  " << std::left << std::setw(13) << block << verdict.get<std::string>() << "\n";
    std::cout << "wrote " << ev_out << "/evaluation.json, evaluation.csv\n";
    return 0;
  }

  if (*sample) {
    nlohmann::json meta;
    auto generator = load_generator(sample_model, &meta);
    if (!meta.contains("space") || !meta.contains("classes") || !meta.contains("fitted_classes"))
      throw Error(ErrorKind::kInvalidArgument,
                  "'" + sample_model + "' has no column schema (was it written by `imbgen fit`?)");
    const ModelSpace space = ModelSpace::from_json(meta.at("space"));
    Table schema;
    schema.columns = space.encoder().columns();
    schema.target = meta.at("target");
    schema.classes = meta.at("classes").get<std::vector<std::string>>();
    const auto fitted = meta.at("fitted_classes").get<std::vector<std::string>>();
    const std::string label = sample_class.empty() ? fitted.at(0) : sample_class;
    if (std::find(fitted.begin(), fitted.end(), label) == fitted.end()) {
      throw Error(ErrorKind::kInvalidArgument, "--class '" + label + "': the model was fit on class(es) " +
                                                   join(fitted, ", ") + " only");
    }
    const int cls = static_cast<int>(
        std::find(schema.classes.begin(), schema.classes.end(), label) - schema.classes.begin());
    const Matrix x = space.from_generator(generator->sample(cls, sample_n, sample_seed));
    AtomicFile f(sample_out);
    write_rows_csv(schema, x, std::vector<int>(x.rows, cls), f.stream());
    f.commit();
    std::cout << "wrote " << sample_out << ": " << x.rows << " rows of class " << label << "\n";
    return 0;
  }
  return 0;
}

}  // namespace
}  // namespace imbgen::cli

int main(int argc, char** argv) {
  // XGBoost's OpenMP threads spin while they wait; on a 2-core machine with anything else running,
  // that made small fits 25x slower (see evaluation/evaluate.h). libgomp reads OMP_WAIT_POLICY
  // when it is loaded, before main, so set it and start again once.
  if (std::getenv("OMP_WAIT_POLICY") == nullptr) {
    ::setenv("OMP_WAIT_POLICY", "passive", 1);
    ::execv("/proc/self/exe", argv);  // returns only on failure: then go on as we are
  }
  try {
    return imbgen::cli::run_main(argc, argv);
  } catch (const imbgen::Error& e) {
    std::cerr << "imbgen: error: " << e.what() << "\n";
    return imbgen::cli::exit_code(e.kind());
  } catch (const std::exception& e) {
    std::cerr << "imbgen: internal error: " << e.what() << "\n";
    return 70;
  }
}
