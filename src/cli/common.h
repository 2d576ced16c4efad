// What the imbgen commands share: data-file options, settings, printing helpers. Thin: the work
// itself is in the library (include/imbgen/experiment/model.h and friends).
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "imbgen/core/error.h"
#include "imbgen/core/text.h"
#include "imbgen/data/table.h"
#include "imbgen/experiment/settings.h"

namespace imbgen::cli {

// Every command's options are parsed first; then the chosen command's function runs and returns
// the exit code.
using Command = std::function<int()>;

// The exit code of an error kind (the table in the README).
int exit_code(ErrorKind kind);

int default_threads();

// Options shared by every command that reads a data file.
struct DataOptions {
  std::string data;
  std::string target;
  std::vector<std::string> drop;
  std::vector<std::string> categorical;

  void add_to(CLI::App* app);
  // The file's path and how to read it: the bundled data set when --data is not given (target
  // Class, Time dropped unless --drop is given), else the target defaults to the last column.
  std::string path() const;
  LoadOptions options(const CLI::App* app) const;
  Table load(const CLI::App* app) const { return load_table(path(), options(app)); }
};

// --set NAME.KEY=VALUE (repeatable) into per-component options.
ComponentSettings parse_settings(const std::vector<std::string>& settings,
                                 bool evaluation_allowed = true, bool auto_allowed = false);

// "data: FILE: N rows, D features, target 'T' (a: n, b: m)" on stderr.
void print_dataset(const Table& t, const std::string& prefix = "data: ");
// "imbgen: note: ..." on stderr when the BLAS kernels leave speed unused (BlasKernels::advice),
// for commands about to train a network.
void print_blas_advice();

}  // namespace imbgen::cli
