// Strategy names with an optional ratio ("smote@0.25"), the --ratios list and its expansion.
#include "imbgen/experiment/strategy.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>

#include "imbgen/core/error.h"
#include "imbgen/core/text.h"
#include "imbgen/data/csv.h"
#include "imbgen/experiment/run.h"
#include "imbgen/generators/generator.h"

namespace imbgen {
namespace {

// A whole-text number, or NaN.
double read_number(const std::string& text) {
  if (text.empty() || std::isspace(static_cast<unsigned char>(text.front()))) return NAN;
  errno = 0;
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (errno != 0 || end != text.c_str() + text.size()) return NAN;
  return v;
}

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t") - b + 1);
}

}  // namespace

StrategyName parse_strategy(const std::string& name) {
  StrategyName out;
  out.name = name;
  const auto at = name.find('@');
  out.base = name.substr(0, at);
  const auto generators = generator_names();
  out.generator = contains(generators, out.base);
  if (!out.generator && !contains(strategy_names(), out.base)) {
    throw Error(ErrorKind::kInvalidArgument, "unknown strategy '" + name +
                                                 "' (valid: " + join(strategy_names()) +
                                                 ", or GENERATOR@RATIO such as smote@0.25)");
  }
  if (at == std::string::npos) return out;
  const std::string text = name.substr(at + 1);
  if (!out.generator) {
    throw Error(ErrorKind::kInvalidArgument,
                "strategy '" + name + "': '" + out.base +
                    "' adds no rows, so a ratio does not apply; hint: write '" + out.base + "'");
  }
  const double r = read_number(text);
  if (!(r > 0.0 && r <= 1.0)) {
    throw Error(ErrorKind::kInvalidArgument,
                "strategy '" + name +
                    "': expected a minority/majority ratio in (0, 1] after '@', "
                    "got '" +
                    text + "'");
  }
  if (format_number(r) != text) {
    throw Error(ErrorKind::kInvalidArgument, "strategy '" + name + "': write it '" +
                                                 strategy_with_ratio(out.base, r) +
                                                 "' (one name per strategy in results and cells)");
  }
  out.ratio = r;
  return out;
}

std::string strategy_with_ratio(const std::string& generator, double ratio) {
  return generator + "@" + format_number(ratio);
}

std::vector<double> parse_ratios(const std::string& text) {
  std::vector<double> out;
  auto fail = [&](const std::string& why) {
    throw Error(ErrorKind::kInvalidArgument, "--ratios '" + text + "': " + why +
                                                 "; expected comma-separated ratios in (0, 1], "
                                                 "e.g. 0.05,0.1,0.25,0.5,1");
  };
  if (trim(text).empty()) fail("no ratio given");
  size_t start = 0;
  while (start <= text.size()) {
    const size_t comma = std::min(text.find(',', start), text.size());
    const std::string item = trim(text.substr(start, comma - start));
    const double r = read_number(item);
    if (item.empty()) fail("an empty item");
    if (!(r > 0.0 && r <= 1.0)) fail("'" + item + "' is not a number in (0, 1]");
    for (double seen : out)
      if (seen == r) fail("'" + item + "' is listed twice");
    out.push_back(r);
    start = comma + 1;
  }
  return out;
}

std::vector<std::string> expand_ratios(const std::vector<std::string>& strategies,
                                       const std::vector<double>& ratios) {
  if (ratios.empty()) return strategies;
  const auto generators = generator_names();
  std::vector<std::string> out;
  for (const auto& s : strategies) {
    if (!contains(generators, s)) {
      out.push_back(s);
      continue;
    }
    for (double r : ratios) out.push_back(strategy_with_ratio(s, r));
  }
  return out;
}

std::vector<std::string> strategy_problems(const std::vector<std::string>& strategies) {
  std::vector<std::string> problems, seen;
  for (const auto& s : strategies) {
    try {
      parse_strategy(s);
    } catch (const Error& e) {
      problems.push_back(e.what());
      continue;
    }
    if (contains(seen, s)) problems.push_back("strategy '" + s + "' is listed twice");
    seen.push_back(s);
  }
  return problems;
}

std::vector<std::string> generators_of(const std::vector<std::string>& strategies) {
  std::vector<std::string> out;
  for (const auto& s : strategies) {
    try {
      const StrategyName n = parse_strategy(s);
      if (n.generator && !contains(out, n.base)) out.push_back(n.base);
    } catch (const Error&) {
    }
  }
  return out;
}

bool strategy_trains_network(const std::string& strategy,
                             const std::vector<std::string>& auto_candidates) {
  if (strategy == "auto") {
    return std::any_of(auto_candidates.begin(), auto_candidates.end(),
                       [](const std::string& c) { return strategy_trains_network(c, {}); });
  }
  const StrategyName s = parse_strategy(strategy);
  return s.generator && generator_trains_network(s.base);
}

bool any_strategy_trains_network(const std::vector<std::string>& strategies,
                                 const std::vector<std::string>& auto_candidates) {
  return std::any_of(strategies.begin(), strategies.end(), [&](const std::string& s) {
    return strategy_trains_network(s, auto_candidates);
  });
}

}  // namespace imbgen
