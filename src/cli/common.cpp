// Shared command-line helpers.
#include "common.h"

#include <iostream>
#include <thread>

#include "imbgen/core/threads.h"

namespace imbgen::cli {

int default_threads() {
  const unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : static_cast<int>(n);
}

void DataOptions::add_to(CLI::App* app) {
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

std::string DataOptions::path() const { return data.empty() ? bundled_data_path() : data; }

LoadOptions DataOptions::options(const CLI::App* app) const {
  LoadOptions options = data.empty() ? bundled_data_options() : LoadOptions{};
  if (!data.empty() || app->count("--drop") > 0) options.drop = drop;
  options.categorical = categorical;
  if (!target.empty()) {
    options.target = target;
  } else if (!data.empty()) {
    options.target.clear();  // the last column of the header
  }
  return options;
}

ComponentSettings parse_settings(const std::vector<std::string>& settings, bool evaluation_allowed,
                                 bool auto_allowed) {
  ComponentSettings out;
  for (const auto& s : settings) add_setting(s, out, evaluation_allowed, auto_allowed);
  return out;
}

void print_dataset(const Table& t, const std::string& prefix) {
  std::cerr << prefix << t.source << ": " << t.rows() << " rows, " << t.columns.size()
            << " features, target '" << t.target << "' (";
  const auto counts = t.class_counts();
  for (size_t c = 0; c < counts.size(); ++c) {
    std::cerr << (c ? ", " : "") << t.classes[c] << ": " << counts[c];
  }
  std::cerr << ")\n";
}

void print_blas_advice() {
  const std::string advice = blas_kernels().advice();
  if (!advice.empty()) std::cerr << "imbgen: note: " << advice << "\n";
}

}  // namespace imbgen::cli
