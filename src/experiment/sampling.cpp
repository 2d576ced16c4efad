// The sampling strategy: parsing "auto" / a ratio / label=count pairs, and the number of rows to
// generate per class (imbalanced-learn's sampling_strategy for over-samplers).
#include "imbgen/experiment/sampling.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <set>
#include <sstream>

#include "imbgen/core/error.h"

namespace imbgen {
namespace {

constexpr const char* kExpected =
    "expected \"auto\", a ratio in (0, 1] or label=count pairs such as fraud=5000,other=1000";

[[noreturn]] void fail(const std::string& what) {
  throw Error(ErrorKind::kInvalidArgument, "sampling strategy: " + what);
}

std::string trim(const std::string& s) {
  const size_t a = s.find_first_not_of(" \t");
  if (a == std::string::npos) return "";
  const size_t b = s.find_last_not_of(" \t");
  return s.substr(a, b - a + 1);
}

// The whole of `s` as a double, or false.
bool parse_number(const std::string& s, double& out) {
  if (s.empty()) return false;
  errno = 0;
  char* end = nullptr;
  out = std::strtod(s.c_str(), &end);
  return errno == 0 && end == s.c_str() + s.size();
}

std::string shortest(double v) {
  for (int precision = 1; precision <= 17; ++precision) {
    std::ostringstream s;
    s.precision(precision);
    s << v;
    if (std::strtod(s.str().c_str(), nullptr) == v) return s.str();
  }
  return std::to_string(v);
}

}  // namespace

SamplingStrategy SamplingStrategy::parse(const std::string& text) {
  const std::string t = trim(text);
  if (t.empty()) fail(std::string("empty; ") + kExpected);
  SamplingStrategy s;
  if (t == "auto") return s;
  double ratio = 0.0;
  if (t.find('=') == std::string::npos && parse_number(t, ratio)) {
    if (!(ratio > 0.0 && ratio <= 1.0)) {
      fail("ratio " + t +
           " is outside (0, 1]; it is the minority/majority row ratio after "
           "sampling (use label=count pairs for other targets)");
    }
    s.kind = Kind::kRatio;
    s.ratio = ratio;
    return s;
  }
  s.kind = Kind::kTargets;
  std::set<std::string> seen;
  size_t start = 0;
  while (start <= t.size()) {
    const size_t comma = std::min(t.find(',', start), t.size());
    const std::string pair = trim(t.substr(start, comma - start));
    start = comma + 1;
    const size_t eq = pair.rfind('=');
    if (eq == std::string::npos) {
      fail("'" + pair + "': expected label=count (" + kExpected + ")");
    }
    const std::string label = trim(pair.substr(0, eq));
    const std::string count = trim(pair.substr(eq + 1));
    if (label.empty()) fail("'" + pair + "': the class label before '=' is empty");
    const bool digits =
        !count.empty() && count.size() <= 18 &&
        std::all_of(count.begin(), count.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (!digits) {
      fail("'" + pair + "': expected a row count (a whole number >= 0) after '=', got \"" + count +
           "\"");
    }
    if (!seen.insert(label).second) fail("class '" + label + "' is given twice");
    s.targets.emplace_back(label, static_cast<size_t>(std::strtoull(count.c_str(), nullptr, 10)));
  }
  return s;
}

std::string SamplingStrategy::to_string() const {
  switch (kind) {
    case Kind::kAuto:
      return "auto";
    case Kind::kRatio:
      return shortest(ratio);
    case Kind::kTargets:
      break;
  }
  std::string out;
  for (const auto& [label, count] : targets) {
    out += (out.empty() ? "" : ",") + label + "=" + std::to_string(count);
  }
  return out;
}

std::map<int, size_t> rows_to_generate(const std::vector<size_t>& class_counts,
                                       const SamplingStrategy& strategy,
                                       const std::vector<std::string>& class_names) {
  if (!class_names.empty() && class_names.size() != class_counts.size()) {
    fail("got " + std::to_string(class_names.size()) + " class names for " +
         std::to_string(class_counts.size()) + " class counts");
  }
  std::vector<std::string> names = class_names;
  for (size_t c = names.size(); c < class_counts.size(); ++c) names.push_back(std::to_string(c));
  size_t majority = 0;
  for (size_t c = 1; c < class_counts.size(); ++c) {
    if (class_counts[c] > class_counts[majority]) majority = c;
  }
  if (class_counts.empty() || class_counts[majority] == 0) fail("the training rows hold no class");
  const size_t top = class_counts[majority];

  std::map<int, size_t> out;
  switch (strategy.kind) {
    case SamplingStrategy::Kind::kAuto:
      for (size_t c = 0; c < class_counts.size(); ++c) {
        if (c != majority && class_counts[c] > 0 && class_counts[c] < top) {
          out[static_cast<int>(c)] = top - class_counts[c];
        }
      }
      return out;
    case SamplingStrategy::Kind::kRatio:
      for (size_t c = 0; c < class_counts.size(); ++c) {
        if (c == majority || class_counts[c] == 0) continue;
        // int(ratio * majority - count), as imbalanced-learn (truncation toward zero).
        const double want =
            strategy.ratio * static_cast<double>(top) - static_cast<double>(class_counts[c]);
        if (!(want >= 1.0)) {
          std::ostringstream msg;
          msg << "ratio " << strategy.to_string() << ": class '" << names[c] << "' has "
              << class_counts[c] << " rows, already at least " << strategy.to_string() << " x "
              << top << " (the rows of the majority class '" << names[majority]
              << "'); an over-sampler cannot remove rows (raise the ratio, or give label=count "
                 "targets)";
          fail(msg.str());
        }
        out[static_cast<int>(c)] = static_cast<size_t>(want);
      }
      return out;
    case SamplingStrategy::Kind::kTargets:
      break;
  }
  for (const auto& [label, target] : strategy.targets) {
    const auto it = std::find(names.begin(), names.end(), label);
    if (it == names.end()) {
      std::string valid;
      for (const std::string& n : names) valid += (valid.empty() ? "" : ", ") + n;
      fail("unknown class '" + label + "' (classes: " + valid + ")");
    }
    const size_t c = static_cast<size_t>(it - names.begin());
    if (class_counts[c] == 0) {
      fail("class '" + label + "' has no training rows; a generator needs rows to learn from");
    }
    if (target < class_counts[c]) {
      fail("class '" + label + "': target " + std::to_string(target) + " is below its " +
           std::to_string(class_counts[c]) +
           " training rows; an over-sampler cannot remove rows (the target is the final count)");
    }
    if (target > class_counts[c]) out[static_cast<int>(c)] = target - class_counts[c];
  }
  return out;
}

}  // namespace imbgen
