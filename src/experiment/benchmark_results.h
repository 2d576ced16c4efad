// Turns a benchmark's stored cells into results.json (run's shape, with every fold's entries and
// the statistics the report renders).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "imbgen/experiment/benchmark.h"

namespace imbgen::experiment_detail {

// Metrics summarised in `statistics` and summary.csv, headline first.
const std::vector<std::string>& statistics_metrics();

// results.json of one data set from its cells, ordered by repeat, fold, strategy (config order).
nlohmann::json assemble_results(const BenchmarkData& data, int positive,
                                const BenchmarkConfig& config,
                                const std::vector<nlohmann::json>& cells);

}  // namespace imbgen::experiment_detail
