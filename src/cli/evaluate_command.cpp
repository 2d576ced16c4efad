// `imbgen evaluate`: can these synthetic rows be trusted? Reads the files and calls
// evaluate_tables() (include/imbgen/experiment/fidelity.h), as imbgen.evaluate() does in Python.
#include <algorithm>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <memory>

#include "common.h"
#include "imbgen/core/error.h"
#include "imbgen/core/files.h"
#include "imbgen/core/output_folder.h"
#include "imbgen/data/csv.h"
#include "imbgen/experiment/fidelity.h"
#include "progress_bar.h"

namespace imbgen::cli {
namespace {

struct EvaluateArgs {
  std::string real, synthetic, holdout, target, cls, out = "imbgen-eval";
  std::vector<std::string> drop, categorical, settings;
  uint64_t seed = 42;
  int threads = default_threads();
  bool quiet = false;
};

int evaluate_command(const EvaluateArgs& a) {
  if (!a.cls.empty() && a.target.empty()) {
    throw Error(ErrorKind::kInvalidArgument,
                "--class '" + a.cls + "' needs --target (the column that holds the class)");
  }
  const ComponentSettings settings = parse_settings(a.settings);
  throw_problems("invalid options", component_problems(settings.generators, {},
                                                       settings.classifiers, {}, nullptr));
  EvaluationConfig config = EvaluationConfig::from_json(settings.evaluation);
  config.seed = a.seed;
  config.threads = a.threads;
  auto load = [&](const std::string& path) {
    LoadOptions options;
    options.allow_single_class = true;
    options.categorical = a.categorical;
    // Without --target every column is compared; with it, the target is left out.
    options.no_target = a.target.empty();
    options.target = a.target;
    // --drop names columns of any of the files (synthetic files may lack dropped columns).
    const auto header = read_csv(path).header;
    for (const auto& d : a.drop)
      if (std::find(header.begin(), header.end(), d) != header.end()) options.drop.push_back(d);
    Table t = load_table(path, options);
    return a.cls.empty() ? t : t.rows_of_class(a.cls);
  };
  const Table real = load(a.real);
  const Table syn = load(a.synthetic);
  Table holdout;
  if (!a.holdout.empty()) holdout = load(a.holdout);
  if (!a.quiet && a.target.empty()) {
    std::cerr << "comparing all " << real.columns.size()
              << " columns (no --target given; with --target the class column is left out)\n";
  }
  ProgressBar progress(a.quiet);
  const nlohmann::json result =
      evaluate_tables(real, syn, a.holdout.empty() ? nullptr : &holdout, config, &progress);
  progress.finish();
  // Both files or neither (core/output_folder.h).
  OutputFolder folder(a.out, {"evaluation.json", "evaluation.csv"});
  try {
    write_file_atomic(folder.staging() / "evaluation.json", result.dump(2) + "\n");
    write_file_atomic(folder.staging() / "evaluation.csv", flatten_to_csv(result));
  } catch (const Error& e) {
    throw folder.in_folder_terms(e);
  }
  folder.commit();
  std::cout << "Synthetic (" << syn.rows() << " rows) vs real (" << real.rows() << " rows)"
            << (a.holdout.empty() ? "" : ", holdout " + std::to_string(holdout.rows()) + " rows")
            << ":\n";
  for (const auto& [block, verdict] : result.at("verdicts").items())
    std::cout << "  " << std::left << std::setw(13) << block << verdict.get<std::string>() << "\n";
  std::cout << "wrote " << a.out << "/evaluation.json, evaluation.csv\n";
  return 0;
}

}  // namespace

Command add_evaluate_command(CLI::App& app) {
  auto a = std::make_shared<EvaluateArgs>();
  auto* cmd = app.add_subcommand(
      "evaluate",
      "Can these synthetic rows be trusted? Fidelity, privacy and embeddings against real rows");
  cmd->add_option("--real", a->real, "CSV of the real rows the generator was fit on")->required();
  cmd->add_option("--synthetic", a->synthetic, "CSV of synthetic rows (same columns)")->required();
  cmd->add_option("--holdout", a->holdout,
                  "CSV of real rows the generator never saw: the reference score of fresh real "
                  "data");
  cmd->add_option("--target", a->target,
                  "class column, left out of the comparison; default: none (every column is "
                  "compared)");
  cmd->add_option("--class", a->cls, "compare only the rows of this class (needs --target)");
  cmd->add_option("--drop", a->drop, "columns to ignore where present, comma-separated")
      ->delimiter(',');
  cmd->add_option("--categorical", a->categorical,
                  "columns to treat as categorical, comma-separated")
      ->delimiter(',');
  cmd->add_option("--set", a->settings, "evaluation.KEY=VALUE, e.g. evaluation.tsne=false");
  cmd->add_option("--seed", a->seed, "seed for subsamples, folds and t-SNE")->capture_default_str();
  cmd->add_option("--threads", a->threads, "threads")->capture_default_str();
  cmd->add_option("--out", a->out, "output folder")->capture_default_str();
  cmd->add_flag("--quiet,-q", a->quiet, "no progress output");
  return [a] { return evaluate_command(*a); };
}

}  // namespace imbgen::cli
