// imbgen command line: parses the options of every command, runs the one chosen, and maps the
// library's error kinds to exit codes. The commands are thin: the work is in the library.
#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <iostream>
#include <string>

#include "common.h"
#include "imbgen/core/error.h"
#include "imbgen/core/threads.h"
#include "imbgen/core/version.h"

namespace imbgen::cli {

Command add_run_command(CLI::App& app);
Command add_report_command(CLI::App& app);
Command add_model_commands(CLI::App& app, const std::string& which);
Command add_evaluate_command(CLI::App& app);
Command add_benchmark_command(CLI::App& app);
Command add_serve_command(CLI::App& app);

// Exit codes (documented in the README).
int exit_code(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kInvalidArgument: return 3;
    case ErrorKind::kNotFound: return 4;
    case ErrorKind::kIo: return 5;
    case ErrorKind::kUnsupported: return 6;
    case ErrorKind::kDiverged: return 7;
    case ErrorKind::kCancelled: return 130;
    case ErrorKind::kInternal: return 70;
  }
  return 70;
}

namespace {

constexpr int kExitUsage = 2;

int run_main(int argc, char** argv) {
  CLI::App app{"imbgen: fix class imbalance in tabular data with generative models, and measure "
               "honestly whether it helped"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("imbgen ") + version() + "\nBLAS: " +
                                         blas_kernels().describe());
  app.get_formatter()->column_width(34);

  // Each add_* function adds one subcommand (named as in this list) and returns its work.
  const std::vector<std::pair<std::string, Command>> commands = {
      {"run", add_run_command(app)},
      {"benchmark", add_benchmark_command(app)},
      {"fit", add_model_commands(app, "fit")},
      {"sample", add_model_commands(app, "sample")},
      {"augment", add_model_commands(app, "augment")},
      {"evaluate", add_evaluate_command(app)},
      {"report", add_report_command(app)},
      {"serve", add_serve_command(app)},
  };

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version
    std::cerr << "imbgen: error: " << e.what()
              << "\nRun 'imbgen --help' or 'imbgen COMMAND --help' for the options.\n";
    return kExitUsage;
  }
  set_blas_threads(1);
  keep_freed_memory();
  for (const auto& [name, run] : commands) {
    if (app.got_subcommand(name)) return run();
  }
  return kExitUsage;
}

}  // namespace
}  // namespace imbgen::cli

int main(int argc, char** argv) {
  // XGBoost's OpenMP threads spin while they wait; on a 2-core machine with anything else running,
  // that made small fits 25x slower (see evaluation/evaluate.h). libgomp reads OMP_WAIT_POLICY
  // when it is loaded, before main, so set it and start again once.
  // Large blocks (a million generated rows of 30 columns are 240 MB) come straight from mmap, and
  // each fresh 4 KiB page faults once; in a virtual machine that was half of `imbgen sample`'s
  // time. glibc.malloc.hugetlb=1 makes malloc ask for transparent huge pages (madvise), 512x
  // fewer faults. glibc reads its tunables at start-up too. A user's own setting of either wins.
  const char* tunables = std::getenv("GLIBC_TUNABLES");
  const bool set_policy = std::getenv("OMP_WAIT_POLICY") == nullptr;
  const bool set_pages = tunables == nullptr ||
                         std::string(tunables).find("glibc.malloc.hugetlb") == std::string::npos;
  if (set_policy || set_pages) {
    if (set_policy) ::setenv("OMP_WAIT_POLICY", "passive", 1);
    if (set_pages) {
      const std::string own = "glibc.malloc.hugetlb=1";
      const std::string value =
          tunables == nullptr || *tunables == '\0' ? own : std::string(tunables) + ":" + own;
      ::setenv("GLIBC_TUNABLES", value.c_str(), 1);
    }
    ::execv("/proc/self/exe", argv);  // returns only on failure: then go on as we are
  }
  // Past a file-size limit (ulimit -f), a write fails with EFBIG and the command reports it as
  // an I/O error, instead of the process dying of SIGXFSZ mid-write.
  ::signal(SIGXFSZ, SIG_IGN);
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
