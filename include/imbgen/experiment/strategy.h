// Strategy names: "none", "class_weight", "auto", a generator name ("smote": adds rows up to the
// job's --ratio/--sampling), or a generator with its own ratio ("smote@0.25": adds rows until
// minority/majority = 0.25). `--ratios` turns each generator into one strategy per ratio.
#pragma once

#include <cmath>
#include <limits>
#include <string>
#include <vector>

namespace imbgen {

struct StrategyName {
  std::string name;  // as written, e.g. "smote@0.25"
  std::string base;  // "smote"; for "none", "class_weight" and "auto" the name itself
  // The ratio after '@'; NaN when the name has none (the job's ratio or sampling applies).
  double ratio = std::numeric_limits<double>::quiet_NaN();
  bool generator = false;  // base is a registered generator

  bool has_ratio() const { return !std::isnan(ratio); }
};

// Reads a strategy name. Throws Error(kInvalidArgument) naming it for an unknown base (listing
// the valid ones), a ratio on a strategy that adds no rows ("none@0.5"), a ratio that is not a
// number in (0, 1], or a ratio not written in its shortest form ("smote@0.50": write
// "smote@0.5", so that one strategy has one name in results and stored cells).
StrategyName parse_strategy(const std::string& name);

// "smote@0.25": the generator name and the ratio in its shortest round-trip form.
std::string strategy_with_ratio(const std::string& generator, double ratio);

// Comma-separated ratios, each a number in (0, 1], none twice ("0.05,0.1,0.25,0.5,1"). Throws
// Error(kInvalidArgument) "--ratios '...': ..." naming the bad item.
std::vector<double> parse_ratios(const std::string& text);

// Each generator without a ratio becomes one strategy per ratio, in the order given ("smote" with
// {0.1, 1}: "smote@0.1", "smote@1"); every other name stays as it is. Empty `ratios`: unchanged.
std::vector<std::string> expand_ratios(const std::vector<std::string>& strategies,
                                       const std::vector<double>& ratios);

// Every problem with a list of strategy names, one line each: unknown or malformed names (as
// parse_strategy), a name listed twice.
std::vector<std::string> strategy_problems(const std::vector<std::string>& strategies);

// The generators behind the names (bases, each once, in order of appearance); malformed names
// are left out.
std::vector<std::string> generators_of(const std::vector<std::string>& strategies);

// Whether a strategy's rows come from a generator that trains a neural network
// (generator_trains_network); "auto" when one of `auto_candidates` does. Throws as parse_strategy.
bool strategy_trains_network(const std::string& strategy,
                             const std::vector<std::string>& auto_candidates);
// Whether any of `strategies` does (the front ends' note about slow matrix kernels).
bool any_strategy_trains_network(const std::vector<std::string>& strategies,
                                 const std::vector<std::string>& auto_candidates);

}  // namespace imbgen
