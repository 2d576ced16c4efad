// Input checks, per-class rows and config reading shared by all generator families.
#include "common.h"

#include <algorithm>
#include <climits>
#include <cmath>
#include <set>
#include <utility>

#include "imbgen/core/error.h"

namespace imbgen {

void check_fit_inputs(const std::string& generator, const Matrix& x, const std::vector<int>& y,
                      const FitOptions& options) {
  const std::string where = generator + ": fit: ";
  if (x.rows != y.size()) {
    throw Error(ErrorKind::kInvalidArgument, where + "x has " + std::to_string(x.rows) +
                                                 " rows but y has " + std::to_string(y.size()) +
                                                 " labels; they must match");
  }
  if (x.cols == 0) throw Error(ErrorKind::kInvalidArgument, where + "x has no columns");
  if (x.data.size() != x.rows * x.cols) {
    throw Error(ErrorKind::kInvalidArgument,
                where + "x holds " + std::to_string(x.data.size()) +
                    " values, expected rows * cols = " + std::to_string(x.rows * x.cols));
  }
  if (options.classes.empty()) {
    throw Error(ErrorKind::kInvalidArgument,
                where + "FitOptions.classes is empty; list the classes to model");
  }
  std::set<int> seen;
  for (int c : options.classes) {
    if (!seen.insert(c).second) {
      throw Error(ErrorKind::kInvalidArgument,
                  where + "class " + std::to_string(c) + " is listed twice in FitOptions.classes");
    }
  }
  if (options.threads < 1) {
    throw Error(ErrorKind::kInvalidArgument,
                where + "FitOptions.threads must be >= 1, got " + std::to_string(options.threads));
  }
  for (size_t i = 0; i < x.data.size(); ++i) {
    if (!std::isfinite(x.data[i])) {
      throw Error(ErrorKind::kInvalidArgument,
                  where + "row " + std::to_string(i / x.cols) + ", column " +
                      std::to_string(i % x.cols) + ": value is " + std::to_string(x.data[i]) +
                      "; generators need finite features (impute or drop missing values first)");
    }
  }
}

Matrix class_rows(const std::string& generator, const Matrix& x, const std::vector<int>& y, int cls,
                  size_t minimum, const std::string& hint) {
  std::vector<size_t> idx;
  for (size_t i = 0; i < y.size(); ++i) {
    if (y[i] == cls) idx.push_back(i);
  }
  if (idx.size() < minimum) {
    std::string msg = generator + ": class " + std::to_string(cls) + " has " +
                      std::to_string(idx.size()) + " training row" + (idx.size() == 1 ? "" : "s") +
                      "; " + generator + " needs at least " + std::to_string(minimum);
    if (!hint.empty()) msg += " (" + hint + ")";
    throw Error(ErrorKind::kInvalidArgument, msg);
  }
  return x.select_rows(idx);
}

Error unfit_class_error(const std::string& generator, int cls, const std::vector<int>& fitted) {
  std::string list;
  for (int c : fitted) list += (list.empty() ? "" : ", ") + std::to_string(c);
  return Error(ErrorKind::kInvalidArgument,
               generator + ": sample: class " + std::to_string(cls) +
                   " was not fit (fit classes: " + (list.empty() ? "none; call fit first" : list) +
                   ")");
}

void throw_config_problems(const std::string& family, const std::vector<std::string>& problems) {
  if (problems.empty()) return;
  std::string msg = family + " config: ";
  for (size_t i = 0; i < problems.size(); ++i) msg += (i ? "; " : "") + problems[i];
  throw Error(ErrorKind::kInvalidArgument, msg);
}

ConfigReader::ConfigReader(std::string family, const nlohmann::json& j)
    : family_(std::move(family)), j_(j) {
  if (!j_.is_object() && !j_.is_null()) {
    problems_.push_back("expected a JSON object, got " + j_.dump());
  }
}

const nlohmann::json* ConfigReader::find(const char* key) {
  known_.emplace_back(key);
  if (!j_.is_object()) return nullptr;
  auto it = j_.find(key);
  return it == j_.end() ? nullptr : &*it;
}

void ConfigReader::read(const char* key, int& value) {
  const nlohmann::json* v = find(key);
  if (!v) return;
  if (v->is_number_integer()) {
    const auto n = v->get<int64_t>();
    const bool fits = v->is_number_unsigned() ? v->get<uint64_t>() <= uint64_t{INT_MAX}
                                              : (n >= INT_MIN && n <= INT_MAX);
    if (fits) {
      value = static_cast<int>(n);
      return;
    }
  }
  problems_.push_back(std::string(key) + ": expected an integer, got " + v->dump());
}

void ConfigReader::read(const char* key, double& value) {
  const nlohmann::json* v = find(key);
  if (!v) return;
  if (v->is_number()) {
    value = v->get<double>();
    return;
  }
  problems_.push_back(std::string(key) + ": expected a number, got " + v->dump());
}

void ConfigReader::read(const char* key, std::vector<int>& value) {
  const nlohmann::json* v = find(key);
  if (!v) return;
  if (v->is_array()) {
    std::vector<int> out;
    bool ok = true;
    for (const auto& e : *v) {
      if (!e.is_number_integer() || e.get<int64_t>() < INT_MIN || e.get<int64_t>() > INT_MAX ||
          (e.is_number_unsigned() && e.get<uint64_t>() > uint64_t{INT_MAX})) {
        ok = false;
        break;
      }
      out.push_back(e.get<int>());
    }
    if (ok) {
      value = std::move(out);
      return;
    }
  }
  problems_.push_back(std::string(key) + ": expected a list of integers, got " + v->dump());
}

void ConfigReader::finish(const std::vector<std::string>& validation_problems) {
  std::vector<std::string> problems = problems_;
  if (j_.is_object()) {
    for (auto it = j_.begin(); it != j_.end(); ++it) {
      if (std::find(known_.begin(), known_.end(), it.key()) != known_.end()) continue;
      std::string valid;
      std::vector<std::string> sorted = known_;
      std::sort(sorted.begin(), sorted.end());
      for (const auto& k : sorted) valid += (valid.empty() ? "" : ", ") + k;
      problems.push_back("unknown key '" + it.key() + "' (valid keys: " +
                         (valid.empty() ? "none, this generator has no settings" : valid) + ")");
    }
  }
  problems.insert(problems.end(), validation_problems.begin(), validation_problems.end());
  throw_config_problems(family_, problems);
}

}  // namespace imbgen
