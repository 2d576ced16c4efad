// `imbgen benchmark`: options, data loading, Ctrl-C handling (stop, keep the finished cells, say
// how to resume), the outputs with report.html, and the summary table with confidence intervals
// and significance marks; under mpirun, joining the other ranks. The protocol itself lives in the
// experiment module.
#include <signal.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "common.h"
#include "imbgen/classifiers/classifier.h"
#include "imbgen/cluster/mpi.h"
#include "imbgen/core/error.h"
#include "imbgen/data/csv.h"
#include "imbgen/experiment/benchmark.h"
#include "imbgen/experiment/run.h"
#include "imbgen/experiment/settings.h"
#include "imbgen/experiment/strategy.h"
#include "imbgen/generators/generator.h"
#include "imbgen/report/report.h"
#include "progress_bar.h"

namespace imbgen::cli {

namespace {

constexpr int kExitInterrupted = 130;  // 128 + SIGINT, as shells report it

std::atomic<bool> g_stop{false};
std::atomic<int> g_launcher_signal{0};

void on_sigint(int) {
  g_stop.store(true);
  static const char msg[] =
      "\nimbgen: stopping: cells in progress are abandoned, finished cells are kept (Ctrl-C "
      "again to quit at once)\n";
  ssize_t ignored = ::write(STDERR_FILENO, msg, sizeof msg - 1);
  (void)ignored;
  ::signal(SIGINT, SIG_DFL);  // a second Ctrl-C ends the process; every stored cell is whole
}

// Rank 0 of an MPI job: the launcher sends SIGTERM when a rank died (or the job was cancelled),
// and SIGKILL soon after; stop at once, so that the cells in progress are named in time.
void on_sigterm(int signal) {
  g_launcher_signal.store(signal);
  g_stop.store(true);
}

// Progress to the bar; messages always, even with --quiet, followed by `after`: the only message
// is the cells in progress when a cluster run stops, and the launcher may kill this process
// before it can say more, so the resume hint goes with it.
class BenchmarkObserver : public Observer {
 public:
  BenchmarkObserver(ProgressBar& bar, std::string after) : bar_(bar), after_(std::move(after)) {}
  void on_progress(const Progress& p) override { bar_.on_progress(p); }
  void on_message(const std::string& message) override {
    bar_.finish();
    std::cerr << "imbgen: " << message << "\n" << after_ << std::endl;
  }

 private:
  ProgressBar& bar_;
  std::string after_;
};

// IMBGEN_TEST_KILL_RANK=R:N (tests only): rank R kills itself when it is handed its Nth cell.
int64_t kill_at_cell(int rank) {
  const char* v = std::getenv("IMBGEN_TEST_KILL_RANK");
  if (v == nullptr) return -1;
  int r = -1;
  long long n = -1;
  if (std::sscanf(v, "%d:%lld", &r, &n) != 2 || r != rank) return -1;
  return n;
}

// The command line of this process, for the resume hint.
std::string command_line() {
  std::ifstream in("/proc/self/cmdline", std::ios::binary);
  std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::string> args;
  std::string cur;
  for (char c : all) {
    if (c == '\0') {
      args.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  std::string out;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    const bool plain = !a.empty() && a.find_first_of(" \t'\"$\\&|;<>()*?") == std::string::npos;
    out += (out.empty() ? "" : " ") + (plain ? a : "'" + a + "'");
  }
  return out;
}

// Characters on a terminal (UTF-8 continuation bytes take no room).
size_t display_width(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

std::string pad_left(const std::string& s, size_t w) {
  const size_t n = display_width(s);
  return n >= w ? s : std::string(w - n, ' ') + s;
}

std::string pad_right(const std::string& s, size_t w) {
  const size_t n = display_width(s);
  return n >= w ? s : s + std::string(w - n, ' ');
}

double number(const nlohmann::json& j) { return j.is_number() ? j.get<double>() : std::nan(""); }

std::string fixed(double v, int digits = 3, bool sign = false) {
  if (!std::isfinite(v)) return "n/a";
  std::ostringstream ss;
  ss.setf(std::ios::fixed);
  ss.precision(digits);
  if (sign && v >= 0) ss << '+';
  ss << v;
  return ss.str();
}

std::string pvalue(double p) {
  if (!std::isfinite(p)) return "n/a";
  if (p < 0.001) return "<0.001";
  std::ostringstream ss;
  ss.setf(std::ios::fixed);
  ss.precision(3);
  ss << p;
  return ss.str();
}

const nlohmann::json* stat_cell(const nlohmann::json& results, const std::string& strategy,
                                const std::string& classifier) {
  for (const auto& c : results.at("statistics").at("cells")) {
    if (c.at("strategy") == strategy && c.at("classifier") == classifier) return &c;
  }
  return nullptr;
}

// Mean +- half-width per strategy x classifier, marked against 'none'.
void print_metric_table(const nlohmann::json& results, const std::string& metric,
                        const std::string& title) {
  const auto strategies = results.at("config").at("strategies").get<std::vector<std::string>>();
  const auto classifiers = results.at("config").at("classifiers").get<std::vector<std::string>>();
  const double alpha = results.at("statistics").at("alpha").get<double>();
  size_t w0 = 10;
  for (const auto& s : strategies) w0 = std::max(w0, s.size() + 2);
  std::cout << "\n" << title << "\n" << pad_right("strategy", w0);
  std::vector<size_t> widths;
  for (const auto& c : classifiers) {
    widths.push_back(std::max<size_t>(c.size(), 15) + 2);
    std::cout << pad_left(c, widths.back());
  }
  std::cout << "\n";
  for (const auto& s : strategies) {
    std::cout << pad_right(s, w0);
    for (size_t k = 0; k < classifiers.size(); ++k) {
      std::string text = "-";
      if (const nlohmann::json* c = stat_cell(results, s, classifiers[k])) {
        const auto& m = c->at("metrics").at(metric);
        const double mean = number(m.at("mean"));
        const double half = 0.5 * (number(m.at("ci_high")) - number(m.at("ci_low")));
        text = fixed(mean) + " ± " + fixed(half);
        std::string mark = "  ";
        if (c->at("comparisons").contains("none")) {
          const auto& cmp = c->at("comparisons").at("none").at(metric);
          const double p = number(cmp.at("pvalue")), d = number(cmp.at("diff"));
          if (p < alpha) mark = d > 0 ? " ▲" : " ▼";
        }
        text += mark;
      }
      std::cout << pad_left(text, widths[k]);
    }
    std::cout << "\n";
  }
}

// Every strategy against 'none', per classifier: difference, interval, both p-values, wins.
void print_comparisons(const nlohmann::json& results, const std::string& metric,
                       const std::string& baseline) {
  const auto strategies = results.at("config").at("strategies").get<std::vector<std::string>>();
  const auto classifiers = results.at("config").at("classifiers").get<std::vector<std::string>>();
  if (std::find(strategies.begin(), strategies.end(), baseline) == strategies.end()) return;
  const double alpha = results.at("statistics").at("alpha").get<double>();
  const double confidence = results.at("statistics").at("confidence").get<double>();
  std::cout << "\nEach strategy against '" << baseline << "' on the same folds: " << metric
            << " difference [" << fixed(100 * confidence, 0)
            << "% CI], p (corrected resampled t-test), p (Wilcoxon), folds better\n";
  size_t w0 = 10;
  for (const auto& s : strategies) w0 = std::max(w0, s.size() + 2);
  for (const auto& clf : classifiers) {
    std::cout << clf << "\n";
    for (const auto& s : strategies) {
      if (s == baseline) continue;
      const nlohmann::json* c = stat_cell(results, s, clf);
      if (c == nullptr || !c->at("comparisons").contains(baseline)) continue;
      const auto& cmp = c->at("comparisons").at(baseline).at(metric);
      const double d = number(cmp.at("diff")), p = number(cmp.at("pvalue"));
      std::string verdict = "not significant";
      if (p < alpha) verdict = d > 0 ? "significantly better" : "significantly worse";
      std::cout << "  " << pad_right(s, w0) << pad_left(fixed(d, 3, true), 7) << " ["
                << fixed(number(cmp.at("ci_low")), 3, true) << ", "
                << fixed(number(cmp.at("ci_high")), 3, true) << "]  p " << pad_right(pvalue(p), 6)
                << "  pW " << pad_right(pvalue(number(cmp.at("wilcoxon_pvalue"))), 6) << "  "
                << cmp.at("wins").get<int>() << "/" << cmp.at("n").get<size_t>() << "  " << verdict
                << "\n";
    }
  }
}

void print_dataset_summary(const nlohmann::json& results) {
  const auto& ds = results.at("dataset");
  const auto& stats = results.at("statistics");
  std::cout << "\n== " << ds.at("name").get<std::string>() << " (" << ds.at("rows").get<size_t>()
            << " rows, positive class '" << ds.at("positive_class").get<std::string>() << "') ==\n"
            << stats.at("method").get<std::string>() << "\n"
            << "▲/▼: significantly better/worse than 'none' (p < "
            << fixed(stats.at("alpha").get<double>(), 2) << ").\n";
  print_metric_table(results, "pr_auc", "PR-AUC (average precision), mean ± CI half-width");
  print_metric_table(results, "f1_tuned", "F1 at the threshold tuned on validation rows");
  print_metric_table(results, "recall_at_target",
                     "Recall at the threshold tuned for precision >= " +
                         fixed(stats.at("protocol").at("min_precision").get<double>(), 2) +
                         " (precision_at_target in summary.csv)");
  print_comparisons(results, "pr_auc", "none");
  std::cout << "\nWhat helped (best strategy per classifier by mean PR-AUC, and which to use):\n";
  for (const auto& line : what_helped_lines(results)) std::cout << "  " << line << "\n";
  if (results.contains("auto")) {
    std::cout << "\nauto chose (per fold, by cross-validation inside the fold's fit rows; "
                 "PR-AUC):\n";
    for (const auto& [clf, choice] : results.at("auto").items())
      std::cout << "  " << auto_choice_text(clf, choice) << "\n";
  }
}

struct Options {
  std::vector<std::string> data;
  std::string target;
  std::vector<std::string> drop, categorical, settings;
  std::string ratios;
  BenchmarkConfig config;
  BenchmarkControl control;
  bool no_evaluate = false;
  bool quiet = false;
};

std::vector<BenchmarkData> load_data(const Options& o, const CLI::App* app) {
  std::vector<std::string> paths = o.data;
  const bool bundled = paths.empty();
  if (bundled) paths.push_back(bundled_data_path());
  std::vector<BenchmarkData> out;
  std::vector<std::string> names;
  for (const auto& path : paths) {
    DataOptions d;
    d.data = bundled ? "" : path;
    d.target = o.target;
    d.drop = o.drop;
    d.categorical = o.categorical;
    BenchmarkData b;
    b.table = load_table(path, d.options(app));
    // Unique names: "creditcard", "creditcard-2", ...
    std::string name = dataset_name(path);
    for (int k = 2; std::find(names.begin(), names.end(), name) != names.end(); ++k)
      name = dataset_name(path) + "-" + std::to_string(k);
    names.push_back(name);
    b.name = name;
    out.push_back(std::move(b));
  }
  return out;
}

int run_benchmark_command(Options& o, CLI::App* cmd, Cluster* cluster);

// Under an MPI launcher, joins the other ranks first; an error on any rank then ends the whole
// job (a rank waiting for a cell that will never come helps no one).
int run_benchmark_command(Options& o, CLI::App* cmd) {
  const int launch_size = mpi_launch_size();
  if (launch_size == 0 || launch_size == 1) return run_benchmark_command(o, cmd, nullptr);
  std::unique_ptr<MpiCluster> mpi = start_mpi();
  if (mpi->size() == 1) return run_benchmark_command(o, cmd, nullptr);
  int code = 0;
  try {
    return run_benchmark_command(o, cmd, mpi.get());
  } catch (const Error& e) {
    std::cerr << "imbgen: error: "
              << (mpi->rank() == 0
                      ? ""
                      : "rank " + std::to_string(mpi->rank()) + " (host " + mpi->host() + "): ")
              << e.what() << std::endl;
    code = exit_code(e.kind());
  } catch (const std::exception& e) {
    std::cerr << "imbgen: internal error: rank " << mpi->rank() << " (host " << mpi->host()
              << "): " << e.what() << std::endl;
    code = exit_code(ErrorKind::kInternal);
  }
  mpi->abort(code);
  return code;  // not reached
}

int run_benchmark_command(Options& o, CLI::App* cmd, Cluster* cluster) {
  const int rank = cluster == nullptr ? 0 : cluster->rank();
  if (rank != 0) o.quiet = true;  // rank 0 speaks for the job
  BenchmarkConfig& config = o.config;
  if (!o.ratios.empty())
    config.strategies = expand_ratios(config.strategies, parse_ratios(o.ratios));
  const ComponentSettings settings =
      parse_settings(o.settings, /*evaluation_allowed=*/true, /*auto_allowed=*/true);
  if (!settings.auto_options.empty())
    config.auto_config = AutoConfig::from_json(settings.auto_options);
  config.generator_configs = settings.generators;
  config.classifier_configs = settings.classifiers;
  config.evaluation_config = settings.evaluation;
  config.evaluate = !o.no_evaluate;
  config.validate();
  o.control.validate();  // before anything divides by --jobs
  const std::vector<BenchmarkData> data = load_data(o, cmd);
  const int jobs = o.control.jobs, threads = o.control.threads;
  const size_t cells =
      data.size() * config.strategies.size() * static_cast<size_t>(config.folds * config.repeats);
  if (!o.quiet) {
    if (cluster != nullptr) {
      std::cerr << "MPI: " << cluster->size() << " ranks (" << mpi_library() << "), rank 0 on "
                << cluster->host() << " hands out the cells and stores them in " << o.control.dir
                << "/cells; each rank computes " << jobs << " at a time\n";
    }
    for (const auto& d : data) {
      std::cerr << "data: " << d.name << ": " << d.table.source << ": " << d.table.rows()
                << " rows, " << d.table.columns.size() << " features, target '" << d.table.target
                << "' (";
      const auto counts = d.table.class_counts();
      for (size_t c = 0; c < counts.size(); ++c)
        std::cerr << (c ? ", " : "") << d.table.classes[c] << ": " << counts[c];
      std::cerr << ")\n";
    }
    std::cerr << "benchmark: " << data.size() << " data set" << (data.size() == 1 ? "" : "s")
              << " x " << config.strategies.size() << " strategies x " << config.folds
              << " folds x " << config.repeats << " repeats = " << cells << " cells, each training "
              << config.classifiers.size() << " classifiers; " << jobs << " job"
              << (jobs == 1 ? "" : "s") << ", " << std::max(1, threads / jobs)
              << " thread(s) per classifier\n";
    if (any_strategy_trains_network(config.strategies, config.auto_config.candidates)) {
      print_blas_advice();
    }
    std::cerr << (config.evaluate
                      ? "generator rows are evaluated on the first fold of the first repeat only "
                        "(t-SNE off unless --set evaluation.tsne=true); --no-evaluate skips it\n"
                      : "generator rows are not evaluated (--no-evaluate)\n");
  }

  o.control.cluster = cluster;
  if (rank != 0) {
    // Signals are the launcher's business here; rank 0 reports.
    o.control.kill_at_cell = kill_at_cell(rank);
    run_benchmark(data, config, o.control);
    return 0;
  }
  std::string resume_command = command_line();
  if (resume_command.find("--resume") == std::string::npos) resume_command += " --resume";
  ProgressBar progress(o.quiet);
  BenchmarkObserver observer(progress, "imbgen: the finished cells are kept in " + o.control.dir +
                                           "/cells; to continue where it stopped, run (under "
                                           "mpirun or alone):\n  " +
                                           resume_command);
  o.control.observer = &observer;
  g_stop.store(false);
  g_launcher_signal.store(0);
  o.control.stop = &g_stop;
  struct sigaction action {
  }, previous{}, term_action{}, term_previous{};
  action.sa_handler = on_sigint;
  sigemptyset(&action.sa_mask);
  ::sigaction(SIGINT, &action, &previous);
  term_action.sa_handler = on_sigterm;
  sigemptyset(&term_action.sa_mask);
  if (cluster != nullptr) ::sigaction(SIGTERM, &term_action, &term_previous);
  auto restore = [&] {
    ::sigaction(SIGINT, &previous, nullptr);
    if (cluster != nullptr) ::sigaction(SIGTERM, &term_previous, nullptr);
  };
  BenchmarkOutcome outcome;
  try {
    outcome = run_benchmark(data, config, o.control);
  } catch (...) {
    restore();
    progress.finish();
    throw;
  }
  restore();
  progress.finish();
  if (!o.quiet && outcome.cells_resumed > 0) {
    std::cerr << "resumed: " << outcome.cells_resumed << " of " << outcome.cells_total
              << " cells were already in " << outcome.store << "\n";
  }
  if (!outcome.complete) {
    const std::string& cmdline = resume_command;
    if (g_launcher_signal.load() != 0) {
      std::cerr << "imbgen: the MPI launcher stopped the job (signal " << g_launcher_signal.load()
                << "): a rank ended (the launcher's message names it; its cell is listed "
                   "above), or the job was cancelled\n";
    }
    std::cerr << "imbgen: interrupted: " << (outcome.cells_resumed + outcome.cells_run) << " of "
              << outcome.cells_total << " cells are stored in " << outcome.store
              << "\nto continue where it stopped, run"
              << (cluster != nullptr ? " (under mpirun or alone)" : "") << ":\n  " << cmdline
              << std::endl;
    return kExitInterrupted;
  }
  const std::vector<std::string> folders =
      write_benchmark_outputs_and_reports(outcome, o.control.dir);
  for (const auto& r : outcome.results) print_dataset_summary(r);
  if (outcome.results.size() > 1) {
    std::cout << "\nAcross data sets (PR-AUC): data sets where the strategy is best / "
                 "significantly better than 'none' / significantly worse\n";
    for (const auto& w : benchmark_wins(outcome)) {
      std::cout << "  " << pad_right(w.at("classifier").get<std::string>(), 15)
                << pad_right(w.at("strategy").get<std::string>(), 15) << w.at("best").get<int>()
                << " / " << w.at("better_than_none").get<int>() << " / "
                << w.at("worse_than_none").get<int>() << "  of " << w.at("datasets").get<int>()
                << "\n";
    }
  }
  std::cout << "\nwrote " << join(folders) << ": report.html (open it in a browser), "
            << "results.json; " << o.control.dir << ": metrics.csv (every fold), summary.csv "
            << "(means, intervals, tests)" << (outcome.results.size() > 1 ? ", wins.csv" : "")
            << "; cells in " << outcome.store << " (" << outcome.cells_run << " computed, "
            << outcome.cells_resumed << " resumed, " << fixed(outcome.seconds, 0) << " s)\n";
  if (!outcome.cells_by_rank.empty()) {
    std::cout << "cells computed by rank:";
    for (size_t r = 0; r < outcome.cells_by_rank.size(); ++r)
      std::cout << (r ? ", " : " ") << r << ": " << outcome.cells_by_rank[r];
    std::cout << "\n";
  }
  return 0;
}

}  // namespace

Command add_benchmark_command(CLI::App& app) {
  auto o = std::make_shared<Options>();
  const unsigned hc = std::thread::hardware_concurrency();
  const int cores = hc == 0 ? 1 : static_cast<int>(hc);
  o->control.jobs = cores;
  o->control.threads = cores;
  auto* cmd = app.add_subcommand(
      "benchmark",
      "The rigorous protocol: data sets x strategies x classifiers x repeated stratified k-fold, "
      "tuned thresholds, confidence intervals and paired tests; resumable");
  cmd->add_option("--data", o->data,
                  "CSV file (.csv or .csv.gz); repeat for several data sets; default: the bundled "
                  "credit card subset (target Class, Time dropped)");
  cmd->add_option("--target", o->target,
                  "target column; default: Class for the bundled data, else the last column");
  cmd->add_option("--drop", o->drop, "columns to ignore, comma-separated")->delimiter(',');
  cmd->add_option("--categorical", o->categorical,
                  "columns to treat as categorical, comma-separated")
      ->delimiter(',');
  cmd->add_option("--strategies", o->config.strategies,
                  "strategies, comma-separated (none, class_weight, auto, or a generator: " +
                      join(generator_names()) + "; GENERATOR@RATIO for a ratio of its own)")
      ->delimiter(',')
      ->capture_default_str();
  cmd->add_option("--classifiers", o->config.classifiers,
                  "classifiers, comma-separated (" + join(classifier_names()) + ")")
      ->delimiter(',')
      ->capture_default_str();
  cmd->add_option("--folds", o->config.folds, "k of the stratified k-fold")->capture_default_str();
  cmd->add_option("--repeats", o->config.repeats, "repetitions of the k-fold (new shuffles)")
      ->capture_default_str();
  cmd->add_option("--seed", o->config.seed, "seed of the folds, generators and classifiers")
      ->capture_default_str();
  auto* ratio = cmd->add_option("--ratio", o->config.ratio,
                                "minority/majority row ratio after augmentation, in (0, 1]")
                    ->capture_default_str();
  cmd->add_option("--ratios", o->ratios,
                  "several ratios in one go, e.g. 0.05,0.1,0.25,0.5,1: each generator becomes one "
                  "strategy per ratio (smote@0.1, ...), compared like any other; none, "
                  "class_weight and auto stay as they are")
      ->excludes(ratio);
  cmd->add_option("--validation-fraction", o->config.validation_fraction,
                  "share of each fold's training rows held out to tune thresholds")
      ->capture_default_str();
  cmd->add_option("--jobs,-j", o->control.jobs,
                  "cells computed in parallel (default: the number of cores)")
      ->capture_default_str();
  cmd->add_option("--threads", o->control.threads,
                  "threads in all; each classifier gets max(1, threads / jobs)")
      ->capture_default_str();
  cmd->add_option("--set", o->settings,
                  "NAME.KEY=VALUE: a generator, classifier, evaluation or auto option, e.g. "
                  "gan.steps=2000, svm_rbf.max_train_rows=5000, "
                  "auto.candidates=none,class_weight,smote, auto.ratios=0.1,0.5, "
                  "auto.inner_folds=3 (repeatable)");
  cmd->add_option("--out", o->control.dir, "output folder (the cell store is OUT/cells)")
      ->capture_default_str();
  cmd->add_flag("--resume", o->control.resume,
                "continue the benchmark stored in OUT (same options), skipping finished cells");
  cmd->add_flag("--no-evaluate", o->no_evaluate,
                "skip the fidelity/privacy evaluation of generator rows (by default done on the "
                "first fold of the first repeat, t-SNE off)");
  cmd->add_flag("--quiet,-q", o->quiet, "no progress output");
  return [o, cmd] { return run_benchmark_command(*o, cmd); };
}

}  // namespace imbgen::cli
