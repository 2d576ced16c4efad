// `imbgen run` (the main job) and `imbgen report`: options in, run_experiment() and the report,
// tables and verdicts out.
#include <iomanip>
#include <iostream>
#include <memory>
#include <sstream>

#include "common.h"
#include "imbgen/classifiers/classifier.h"
#include "imbgen/core/error.h"
#include "imbgen/experiment/run.h"
#include "imbgen/experiment/strategy.h"
#include "imbgen/generators/generator.h"
#include "imbgen/report/report.h"
#include "progress_bar.h"

namespace imbgen::cli {
namespace {

struct RunArgs {
  RunConfig config;
  DataOptions data;
  std::string out = "imbgen-out";
  std::string targets;
  std::string ratios;
  std::vector<std::string> settings;
  int threads = default_threads();
  bool no_evaluate = false;
  bool quiet = false;
};

void print_table(const nlohmann::json& results, const std::string& metric,
                 const std::string& title) {
  std::vector<std::string> strategies, classifiers;
  for (const auto& e : results.at("results")) {
    const std::string s = e.at("strategy"), c = e.at("classifier");
    if (std::find(strategies.begin(), strategies.end(), s) == strategies.end())
      strategies.push_back(s);
    if (std::find(classifiers.begin(), classifiers.end(), c) == classifiers.end())
      classifiers.push_back(c);
  }
  size_t w0 = 12;
  for (const auto& s : strategies) w0 = std::max(w0, s.size() + 2);
  auto width = [](const std::string& c) { return static_cast<int>(std::max<size_t>(c.size(), 6) + 2); };
  std::cout << "\n" << title << "\n" << std::left << std::setw(static_cast<int>(w0)) << "strategy";
  for (const auto& c : classifiers) std::cout << std::right << std::setw(width(c)) << c;
  std::cout << "\n";
  for (const auto& s : strategies) {
    std::cout << std::left << std::setw(static_cast<int>(w0)) << s;
    for (const auto& c : classifiers) {
      std::string cell = "-";
      for (const auto& e : results.at("results")) {
        if (e.at("strategy") != s || e.at("classifier") != c) continue;
        const auto& m = e.at("metrics");
        const nlohmann::json v = m.contains(metric) ? m.at(metric) : nlohmann::json();
        std::ostringstream ss;
        if (v.is_number())
          ss << std::fixed << std::setprecision(3) << v.get<double>();
        else
          ss << "n/a";
        cell = ss.str();
      }
      std::cout << std::right << std::setw(width(c)) << cell;
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
      std::cout << "  " << std::left << std::setw(13) << block << verdict.get<std::string>()
                << "\n";
    }
  }
}

int run_command(RunArgs& a, const CLI::App* cmd) {
  RunConfig& config = a.config;
  config.threads = a.threads;
  if (!a.targets.empty()) {
    if (a.targets.find('=') == std::string::npos) {
      throw Error(ErrorKind::kInvalidArgument,
                  "--targets '" + a.targets +
                      "': expected label=count pairs, e.g. fraud=5000,other=1000");
    }
    config.sampling = a.targets;
  }
  if (!a.ratios.empty())
    config.strategies = expand_ratios(config.strategies, parse_ratios(a.ratios));
  const ComponentSettings settings =
      parse_settings(a.settings, /*evaluation_allowed=*/true, /*auto_allowed=*/true);
  if (!settings.auto_options.empty())
    config.auto_config = AutoConfig::from_json(settings.auto_options);
  config.generator_configs = settings.generators;
  config.classifier_configs = settings.classifiers;
  config.evaluation_config = settings.evaluation;
  config.evaluate = !a.no_evaluate;
  config.validate();  // every option, before the data is read and anything is trained
  const Table table = a.data.load(cmd);
  if (!a.quiet) {
    print_dataset(table);
    if (any_strategy_trains_network(config.strategies, config.auto_config.candidates)) {
      print_blas_advice();
    }
  }
  ProgressBar progress(a.quiet);
  RunOutput output = run_experiment(table, config, &progress);
  output.extra_files.emplace_back("report.html", render_report(output.results));
  write_run_outputs(output, a.out);
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
  if (output.results.contains("auto")) {
    std::cout << "\nauto chose (" << config.auto_config.inner_folds
              << "-fold cross-validation inside the training split, PR-AUC):\n";
    for (const auto& [clf, choice] : output.results.at("auto").items())
      std::cout << "  " << auto_choice_text(clf, choice) << "\n";
  }
  print_verdicts(output.results);
  std::cout << "\nwrote " << a.out
            << "/report.html (open it in a browser), results.json, metrics.csv, predictions.csv";
  if (!output.synthetic.empty()) std::cout << ", synthetic/*.csv";
  if (!output.evaluation_csv.empty()) std::cout << ", evaluation/*.csv";
  std::cout << "\n";
  for (const auto& w : output.warnings) std::cerr << "imbgen: warning: " << w << "\n";
  const auto& failed = output.results.at("failed");
  for (const auto& [strategy, why] : failed.items()) {
    std::cerr << "imbgen: error: strategy '" << strategy
              << "' was skipped: " << why.get<std::string>() << "\n";
  }
  if (!failed.empty()) {
    std::cerr << "imbgen: the other strategies' results were written to " << a.out << "\n";
    return 7;  // the "diverged" exit code
  }
  return 0;
}

}  // namespace

Command add_run_command(CLI::App& app) {
  auto a = std::make_shared<RunArgs>();
  RunConfig& c = a->config;
  auto* run = app.add_subcommand(
      "run",
      "The main job: split, augment with each strategy, train each classifier, compare on the "
      "untouched test split");
  a->data.add_to(run);
  run->add_option("--strategies", c.strategies,
                  "strategies, comma-separated (none, class_weight, auto, or a generator: " +
                      join(generator_names()) + "; GENERATOR@RATIO for a ratio of its own)")
      ->delimiter(',')
      ->capture_default_str();
  run->add_option("--classifiers", c.classifiers,
                  "classifiers, comma-separated (" + join(classifier_names()) + ")")
      ->delimiter(',')
      ->capture_default_str();
  auto* ratio = run->add_option("--ratio", c.ratio,
                                "minority/majority row ratio after augmentation, in (0, 1], for "
                                "every class but the majority")
                    ->capture_default_str();
  auto* sampling = run->add_option(
      "--sampling", c.sampling,
      "rows to add per class: auto (every class up to the majority's count), a ratio in (0, 1], "
      "or final counts label=count,... (default: --ratio)");
  auto* targets = run->add_option("--targets", a->targets,
                                  "final row counts per class in the training split, e.g. "
                                  "fraud=5000,other=1000 (the same as --sampling label=count,...)");
  auto* ratios = run->add_option(
      "--ratios", a->ratios,
      "several ratios in one go, e.g. 0.05,0.1,0.25,0.5,1: each generator becomes one strategy "
      "per ratio (smote@0.1, ...); none, class_weight and auto stay as they are");
  ratio->excludes(sampling)->excludes(targets)->excludes(ratios);
  sampling->excludes(targets)->excludes(ratios);
  targets->excludes(ratios);
  run->add_option("--test-fraction", c.test_fraction, "share of rows held out for testing")
      ->capture_default_str();
  run->add_option("--seed", c.seed, "seed for the split, generators and classifiers")
      ->capture_default_str();
  run->add_option("--threads", a->threads, "threads for the classifiers, up to this many side by side (generators use one)")
      ->capture_default_str();
  run->add_option("--set", a->settings,
                  "NAME.KEY=VALUE: set a generator, classifier, evaluation or auto option, e.g. "
                  "gan.steps=2000, svm_rbf.max_train_rows=5000, evaluation.tsne=false, "
                  "auto.candidates=none,class_weight,smote, auto.ratios=0.1,0.5, "
                  "auto.inner_folds=3 (repeatable)");
  run->add_option("--out", a->out, "output folder")->capture_default_str();
  run->add_flag("--no-evaluate", a->no_evaluate,
                "skip the fidelity/privacy evaluation of the generators' rows");
  run->add_flag("--quiet,-q", a->quiet, "no progress output");
  return [a, run] { return run_command(*a, run); };
}

Command add_report_command(CLI::App& app) {
  auto dir = std::make_shared<std::string>("imbgen-out");
  auto* cmd = app.add_subcommand(
      "report",
      "Write DIR/report.html again from DIR/results.json (self-contained, works offline)");
  cmd->add_option("dir", *dir, "folder written by `imbgen run` or `imbgen benchmark`")
      ->capture_default_str();
  return [dir] {
    const std::string written = regenerate_report(*dir);
    std::cout << "wrote " << written << "\n";
    return 0;
  };
}

}  // namespace imbgen::cli
