// `imbgen fit`, `imbgen sample`, `imbgen augment`: thin calls of the Model API
// (include/imbgen/experiment/model.h), which the Python package and the server call too.
#include <iostream>
#include <memory>

#include "common.h"
#include "imbgen/core/error.h"
#include "imbgen/core/files.h"
#include "imbgen/data/csv.h"
#include "imbgen/experiment/fidelity.h"
#include "imbgen/experiment/model.h"
#include "imbgen/generators/generator.h"
#include "progress_bar.h"

namespace imbgen::cli {
namespace {

// The one generator a command fits, with its --set options (options for another component are
// an error naming it).
nlohmann::json generator_config(const std::string& generator,
                                const std::vector<std::string>& settings) {
  const ComponentSettings s = parse_settings(settings, /*evaluation_allowed=*/false);
  throw_problems("invalid options",
                 component_problems(s.generators, {generator}, s.classifiers, {}, nullptr));
  return s.generators.contains(generator) ? s.generators.at(generator)
                                          : nlohmann::json::object();
}

struct FitArgs {
  DataOptions data;
  std::string generator = "gan";
  std::vector<std::string> classes;
  std::vector<std::string> settings;
  uint64_t seed = 42;
  std::string out = "model.imbgen";
  bool evaluate = false;
  bool quiet = false;
};

struct SampleArgs {
  std::string model;
  std::string cls;
  int64_t n = 1000;
  std::string counts;  // LABEL=N,...: several classes at once, instead of --rows and --class
  uint64_t seed = 42;
  std::string format = "csv";
  std::string out = "synthetic.csv";
};

// --counts "1=5000,2=300" as (label, rows) in the order given. A label is what comes before the
// last '=' of its pair; the model checks that it names a modelled class.
std::vector<std::pair<std::string, size_t>> parse_counts(const std::string& text) {
  const auto bad = [&text](const std::string& why) {
    return Error(ErrorKind::kInvalidArgument,
                 "--counts '" + text + "': " + why +
                     " (expected LABEL=ROWS pairs, comma-separated, e.g. 1=5000,2=300)");
  };
  std::vector<std::pair<std::string, size_t>> out;
  size_t at = 0;
  while (at <= text.size()) {
    const size_t comma = std::min(text.find(',', at), text.size());
    const std::string pair = text.substr(at, comma - at);
    const size_t eq = pair.rfind('=');
    if (eq == std::string::npos || eq == 0)
      throw bad("'" + pair + "' is not LABEL=ROWS");
    const std::string label = pair.substr(0, eq), rows = pair.substr(eq + 1);
    if (rows.empty() || rows.size() > 12 ||
        rows.find_first_not_of("0123456789") != std::string::npos)
      throw bad("class '" + label + "': expected a whole number of rows >= 0, got '" + rows + "'");
    for (const auto& [seen, n] : out) {
      if (seen == label) throw bad("class '" + label + "' is given twice");
    }
    out.emplace_back(label, static_cast<size_t>(std::stoull(rows)));
    at = comma + 1;
  }
  return out;
}

struct AugmentArgs {
  DataOptions data;
  std::string generator = "smote";
  std::string sampling;
  double ratio = 1.0;
  std::vector<std::string> settings;
  uint64_t seed = 42;
  std::string out = "augmented.csv";
  bool quiet = false;
};

int fit_command(const FitArgs& a, const CLI::App* cmd) {
  ModelOptions options;
  options.generator = a.generator;
  make_generator(a.generator);  // an unknown name fails before the data is read
  options.config = generator_config(a.generator, a.settings);
  options.classes = a.classes;
  options.seed = a.seed;
  const Table table = a.data.load(cmd);
  if (!a.quiet) {
    print_dataset(table);
    if (generator_trains_network(a.generator)) print_blas_advice();
  }
  ProgressBar progress(a.quiet);
  options.observer = &progress;
  Model model = Model::fit(table, options);
  if (a.evaluate) model.set_fidelity(evaluate_model(model, table, a.seed, {}, &progress));
  progress.finish();
  model.save(a.out);
  std::cout << "wrote " << a.out << " (" << a.generator << ", classes "
            << join(model.fitted_classes()) << ")\n";
  if (a.evaluate) {
    for (const auto& [label, s] : model.card().at("fidelity").at("classes").items()) {
      std::cout << "class " << label << ":\n";
      if (s.contains("skipped")) {
        std::cout << "  skipped: " << s.at("skipped").get<std::string>() << "\n";
        continue;
      }
      for (const auto& [block, verdict] : s.at("verdicts").items())
        std::cout << "  " << block << ": " << verdict.get<std::string>() << "\n";
    }
  }
  return 0;
}

int sample_command(const SampleArgs& a) {
  if (a.n < 0) {
    throw Error(ErrorKind::kInvalidArgument,
                "--rows: expected a number of rows >= 0, got " + std::to_string(a.n));
  }
  if (a.format != "csv" && a.format != "ndjson") {
    throw Error(ErrorKind::kInvalidArgument,
                "--format: expected csv or ndjson, got '" + a.format + "'");
  }
  // Without --counts, --rows and --class apply.
  std::vector<std::pair<std::string, size_t>> counts;
  if (!a.counts.empty()) counts = parse_counts(a.counts);
  const Model model = Model::load(a.model);
  if (counts.empty()) {
    counts.emplace_back(a.cls.empty() ? model.fitted_classes().at(0) : a.cls,
                        static_cast<size_t>(a.n));
  }
  // Streamed: the rows are drawn piece by piece while the text is written (the same bytes as
  // write_rows_csv of model.sample(), class after class, and as the server's answer to the same
  // counts and seed), into a file that appears only when complete. An unknown class fails
  // here, before anything is written.
  SampleText text(model, counts, a.seed, a.format == "ndjson");
  std::string classes;
  for (const auto& [label, n] : counts)
    classes += (classes.empty() ? "" : ", ") + std::to_string(n) + " of class " + label;
  if (a.out == "-") {
    for (std::string_view chunk = text.next(); !chunk.empty(); chunk = text.next())
      std::cout.write(chunk.data(), static_cast<std::streamsize>(chunk.size()));
    std::cout.flush();
    if (!std::cout) throw Error(ErrorKind::kIo, "could not write the rows to standard output");
    std::cerr << "wrote " << text.rows() << " rows (" << classes << ") to standard output\n";
    return 0;
  }
  AtomicFile f(a.out);
  for (std::string_view chunk = text.next(); !chunk.empty(); chunk = text.next())
    f.stream().write(chunk.data(), static_cast<std::streamsize>(chunk.size()));
  f.commit();
  std::cout << "wrote " << a.out << ": " << text.rows() << " rows (" << classes << ")\n";
  return 0;
}

int augment_command(const AugmentArgs& a, const CLI::App* cmd) {
  ResampleOptions options;
  options.generator = a.generator;
  make_generator(a.generator);
  options.config = generator_config(a.generator, a.settings);
  options.seed = a.seed;
  if (!a.sampling.empty()) {
    options.sampling = SamplingStrategy::parse(a.sampling);
  } else {
    if (!(a.ratio > 0.0 && a.ratio <= 1.0)) {
      throw Error(ErrorKind::kInvalidArgument,
                  "--ratio: expected a number in (0, 1], got " + format_number(a.ratio));
    }
    options.sampling.kind = SamplingStrategy::Kind::kRatio;
    options.sampling.ratio = a.ratio;
  }
  const Table table = a.data.load(cmd);
  if (!a.quiet) print_dataset(table);
  ProgressBar progress(a.quiet);
  options.observer = &progress;
  const Resampled r = resample(table, options);
  progress.finish();
  AtomicFile f(a.out);
  write_rows_csv(r.table, r.table.x, r.table.y, f.stream());
  f.commit();
  std::cout << "wrote " << a.out << ": " << r.original_rows << " original + "
            << r.table.rows() - r.original_rows << " synthetic rows (" << a.generator << ")\n";
  return 0;
}

}  // namespace

Command add_model_commands(CLI::App& app, const std::string& which) {
  if (which == "fit") {
    auto a = std::make_shared<FitArgs>();
    auto* cmd = app.add_subcommand("fit", "Train a generator on the rows of a data file and save it");
    a->data.add_to(cmd);
    cmd->add_option("--generator,-g", a->generator, "generator: " + join(generator_names()))
        ->capture_default_str();
    cmd->add_option("--class", a->classes,
                    "class label(s) to model, comma-separated; default: every class but the "
                    "largest")
        ->delimiter(',');
    cmd->add_option("--set", a->settings, "NAME.KEY=VALUE generator option, e.g. gan.steps=2000");
    cmd->add_option("--seed", a->seed, "training seed")->capture_default_str();
    cmd->add_option("--out,-o", a->out, "model file to write")->capture_default_str();
    cmd->add_flag("--evaluate", a->evaluate,
                  "also compare rows of every modelled class with its training rows and keep the "
                  "fidelity summary in the model card");
    cmd->add_flag("--quiet,-q", a->quiet, "no progress output");
    return [a, cmd] { return fit_command(*a, cmd); };
  }
  if (which == "sample") {
    auto a = std::make_shared<SampleArgs>();
    auto* cmd =
        app.add_subcommand("sample", "Draw rows from a saved generator, in the original schema");
    cmd->add_option("--model,-m", a->model, "model file written by `imbgen fit`")->required();
    auto* rows = cmd->add_option("-n,--rows", a->n, "number of rows")->capture_default_str();
    auto* cls =
        cmd->add_option("--class", a->cls, "class label to draw; default: the first class modelled");
    cmd->add_option("--counts", a->counts,
                    "rows of several classes at once, LABEL=ROWS pairs, comma-separated (e.g. "
                    "1=5000,2=300), instead of --rows and --class")
        ->excludes(rows)
        ->excludes(cls);
    cmd->add_option("--seed", a->seed, "sampling seed")->capture_default_str();
    cmd->add_option("--format", a->format, "csv, or ndjson (one JSON object per row)")
        ->capture_default_str();
    cmd->add_option("--out,-o", a->out, "file to write; - for standard output")
        ->capture_default_str();
    return [a] { return sample_command(*a); };
  }
  check_internal(which == "augment", "add_model_commands: unknown command " + which);
  auto a = std::make_shared<AugmentArgs>();
  auto* cmd = app.add_subcommand(
      "augment", "Add synthetic rows to a data file (pass only your training rows)");
  a->data.add_to(cmd);
  cmd->add_option("--generator,-g", a->generator, "generator: " + join(generator_names()))
      ->capture_default_str();
  auto* ratio = cmd->add_option("--ratio", a->ratio,
                                "minority/majority row ratio after augmentation, for every class "
                                "but the majority")
                    ->capture_default_str();
  cmd->add_option("--sampling", a->sampling,
                  "rows to add per class: auto (every class up to the majority's count), a ratio "
                  "in (0, 1], or final counts label=count,... (default: --ratio)")
      ->excludes(ratio);
  cmd->add_option("--set", a->settings, "NAME.KEY=VALUE generator option");
  cmd->add_option("--seed", a->seed, "seed")->capture_default_str();
  cmd->add_option("--out,-o", a->out, "CSV file to write")->capture_default_str();
  cmd->add_flag("--quiet,-q", a->quiet, "no progress output");
  return [a, cmd] { return augment_command(*a, cmd); };
}

}  // namespace imbgen::cli
