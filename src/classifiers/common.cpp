// Input checks, class-constant weights, stratified sampling and the config reader shared by the
// classifier implementations.
#include "classifiers/common.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "imbgen/core/error.h"
#include "imbgen/core/rng.h"
#include "imbgen/core/text.h"

namespace imbgen::detail {
namespace {

}  // namespace

void check_context(const std::string& who, const ClassifierContext& context) {
  if (context.threads < 1) {
    throw Error(ErrorKind::kInvalidArgument,
                who + ": context.threads must be >= 1, got " + std::to_string(context.threads));
  }
}

int check_fit_input(const std::string& who, const Matrix& x, const std::vector<int>& y,
                    const std::vector<double>& sample_weight, bool require_finite) {
  auto fail = [&](const std::string& what) {
    throw Error(ErrorKind::kInvalidArgument, who + ": fit: " + what);
  };
  if (x.data.size() != x.rows * x.cols) fail("matrix data size does not match its shape");
  if (x.rows == 0) fail("expected at least one training row, got 0");
  if (x.cols == 0) fail("expected at least one feature column, got 0");
  if (y.size() != x.rows) {
    fail("expected one label per row (" + std::to_string(x.rows) + "), got " +
         std::to_string(y.size()) + " labels");
  }
  if (!sample_weight.empty() && sample_weight.size() != x.rows) {
    fail("expected no sample weights or one per row (" + std::to_string(x.rows) + "), got " +
         std::to_string(sample_weight.size()));
  }
  int max_label = 0;
  for (size_t i = 0; i < y.size(); ++i) {
    if (y[i] < 0)
      fail("row " + std::to_string(i) + ": expected a class index >= 0, got " +
           std::to_string(y[i]));
    max_label = std::max(max_label, y[i]);
  }
  if (static_cast<size_t>(max_label) >= y.size()) {
    fail("labels must cover the classes 0.." + std::to_string(max_label) + ", but there are only " +
         std::to_string(y.size()) + " rows");
  }
  const int n_classes = max_label + 1;
  std::vector<size_t> counts(static_cast<size_t>(n_classes), 0);
  for (int c : y) ++counts[static_cast<size_t>(c)];
  if (n_classes < 2) {
    fail("expected at least two classes in the training labels, got only class " +
         std::to_string(y.front()) + " (" + std::to_string(y.size()) + " rows)");
  }
  for (int c = 0; c < n_classes; ++c) {
    if (counts[static_cast<size_t>(c)] == 0) {
      fail("class " + std::to_string(c) + " has no training rows (labels must cover 0.." +
           std::to_string(n_classes - 1) + ")");
    }
  }
  for (size_t i = 0; i < sample_weight.size(); ++i) {
    if (!std::isfinite(sample_weight[i]) || sample_weight[i] < 0) {
      std::ostringstream s;
      s << "sample weight of row " << i << ": expected a finite number >= 0, got "
        << sample_weight[i];
      fail(s.str());
    }
  }
  if (require_finite) {
    for (size_t i = 0; i < x.data.size(); ++i) {
      if (!std::isfinite(x.data[i])) {
        std::ostringstream s;
        s << "row " << i / x.cols << ", column " << i % x.cols << ": expected a finite value, got "
          << x.data[i] << " (impute missing values first, or use random_forest/xgboost)";
        fail(s.str());
      }
    }
  }
  return n_classes;
}

void check_predict_input(const std::string& who, bool fitted, size_t fitted_cols, const Matrix& x,
                         bool require_finite) {
  auto fail = [&](const std::string& what) {
    throw Error(ErrorKind::kInvalidArgument, who + ": predict_proba: " + what);
  };
  if (!fitted) fail("the classifier is not fitted; call fit() first");
  if (x.data.size() != x.rows * x.cols) fail("matrix data size does not match its shape");
  if (x.cols != fitted_cols) {
    fail("expected " + std::to_string(fitted_cols) + " feature columns (as in fit), got " +
         std::to_string(x.cols));
  }
  if (require_finite) {
    for (size_t i = 0; i < x.data.size(); ++i) {
      if (!std::isfinite(x.data[i])) {
        std::ostringstream s;
        s << "row " << i / x.cols << ", column " << i % x.cols << ": expected a finite value, got "
          << x.data[i];
        fail(s.str());
      }
    }
  }
}

std::vector<double> class_constant_weights(const std::string& who, const std::vector<int>& y,
                                           int n_classes,
                                           const std::vector<double>& sample_weight) {
  std::vector<double> w(static_cast<size_t>(n_classes), 1.0);
  if (sample_weight.empty()) return w;
  std::vector<bool> seen(static_cast<size_t>(n_classes), false);
  for (size_t i = 0; i < y.size(); ++i) {
    const auto c = static_cast<size_t>(y[i]);
    const double v = sample_weight[i];
    if (!seen[c]) {
      seen[c] = true;
      w[c] = v;
    } else if (std::fabs(v - w[c]) > 1e-12 * std::max(std::fabs(v), std::fabs(w[c]))) {
      std::ostringstream s;
      s << who << ": sample weights must be constant within each class (this library has "
        << "per-class weights only), but class " << c << " has weights " << w[c] << " and " << v
        << " (row " << i << "); hint: use balanced_sample_weights(), or random_forest/xgboost "
        << "for per-row weights";
      throw Error(ErrorKind::kUnsupported, s.str());
    }
  }
  for (int c = 0; c < n_classes; ++c) {
    if (w[static_cast<size_t>(c)] <= 0) {
      throw Error(ErrorKind::kInvalidArgument,
                  who + ": fit: class " + std::to_string(c) +
                      " has sample weight 0; expected a positive weight for every class");
    }
  }
  return w;
}

std::vector<size_t> stratified_sample(const std::vector<int>& y, int n_classes, size_t m,
                                      uint64_t seed) {
  const size_t n = y.size();
  check_internal(m < n && m >= static_cast<size_t>(n_classes),
                 "stratified_sample: sample size out of range");
  std::vector<std::vector<size_t>> rows(static_cast<size_t>(n_classes));
  for (size_t i = 0; i < n; ++i) rows[static_cast<size_t>(y[i])].push_back(i);

  // Quotas: floor of the exact share (at least 1), then the remaining rows by largest remainder.
  std::vector<size_t> quota(rows.size());
  std::vector<std::pair<double, size_t>> remainders;
  size_t taken = 0;
  for (size_t c = 0; c < rows.size(); ++c) {
    const double exact =
        static_cast<double>(rows[c].size()) * static_cast<double>(m) / static_cast<double>(n);
    quota[c] = std::max<size_t>(1, static_cast<size_t>(std::floor(exact)));
    quota[c] = std::min(quota[c], rows[c].size());
    taken += quota[c];
    remainders.emplace_back(exact - std::floor(exact), c);
  }
  std::sort(remainders.begin(), remainders.end(), [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first > b.first : a.second < b.second;
  });
  // Add rows to the classes with the largest remainders (cycling, in case of ties at the cap),
  // or take them back from the largest classes when the minimum of one row overshot.
  while (taken < m) {
    for (const auto& [rem, c] : remainders) {
      if (taken == m) break;
      if (quota[c] < rows[c].size()) {
        ++quota[c];
        ++taken;
      }
    }
  }
  while (taken > m) {
    size_t largest = 0;
    for (size_t c = 1; c < rows.size(); ++c) {
      if (quota[c] > quota[largest]) largest = c;
    }
    --quota[largest];
    --taken;
  }

  Rng rng(seed);
  std::vector<size_t> out;
  out.reserve(m);
  for (size_t c = 0; c < rows.size(); ++c) {
    Rng class_rng = rng.derive(c);
    class_rng.shuffle(rows[c]);
    out.insert(out.end(), rows[c].begin(), rows[c].begin() + static_cast<long>(quota[c]));
  }
  std::sort(out.begin(), out.end());
  return out;
}

StandardScaler fit_feature_scaler(const Matrix& x) {
  StandardScaler scaler;
  scaler.fit(x);
  std::vector<bool> indicator(x.cols, true);
  for (size_t i = 0; i < x.rows; ++i) {
    const double* r = x.row(i);
    for (size_t j = 0; j < x.cols; ++j) {
      if (r[j] != 0.0 && r[j] != 1.0) indicator[j] = false;
    }
  }
  if (std::none_of(indicator.begin(), indicator.end(), [](bool b) { return b; })) return scaler;
  nlohmann::json j = scaler.to_json();
  for (size_t c = 0; c < x.cols; ++c) {
    if (indicator[c]) {
      j["mean"][c] = 0.0;
      j["scale"][c] = 1.0;
    }
  }
  return StandardScaler::from_json(j);
}

std::string format_double(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

ConfigReader::ConfigReader(const nlohmann::json& j, std::string owner)
    : j_(j.is_null() ? nlohmann::json::object() : j), owner_(std::move(owner)) {
  if (!j_.is_object()) {
    problems_.push_back("expected a JSON object, got " + std::string(j_.type_name()));
    j_ = nlohmann::json::object();
  }
}

const nlohmann::json* ConfigReader::find(const std::string& key) {
  known_.push_back(key);
  auto it = j_.find(key);
  return it == j_.end() ? nullptr : &*it;
}

void ConfigReader::number(const std::string& key, double& out) {
  if (const auto* v = find(key)) {
    if (v->is_number()) {
      out = v->get<double>();
    } else {
      problems_.push_back("'" + key + "': expected a number, got " + v->dump());
    }
  }
}

void ConfigReader::integer(const std::string& key, int64_t& out) {
  if (const auto* v = find(key)) {
    if (v->is_number_integer()) {
      out = v->get<int64_t>();
    } else if (v->is_number_float() && std::floor(v->get<double>()) == v->get<double>() &&
               std::fabs(v->get<double>()) < 9e15) {
      out = static_cast<int64_t>(v->get<double>());
    } else {
      problems_.push_back("'" + key + "': expected an integer, got " + v->dump());
    }
  }
}

void ConfigReader::integer(const std::string& key, int& out) {
  int64_t wide = out;
  const size_t before = problems_.size();
  integer(key, wide);
  if (problems_.size() != before) return;
  if (wide < INT32_MIN || wide > INT32_MAX) {
    problems_.push_back("'" + key + "': expected a 32-bit integer, got " + std::to_string(wide));
    return;
  }
  out = static_cast<int>(wide);
}

void ConfigReader::boolean(const std::string& key, bool& out) {
  if (const auto* v = find(key)) {
    if (v->is_boolean()) {
      out = v->get<bool>();
    } else {
      problems_.push_back("'" + key + "': expected true or false, got " + v->dump());
    }
  }
}

void ConfigReader::custom(
    const std::string& key,
    const std::function<std::optional<std::string>(const nlohmann::json&)>& parse) {
  if (const auto* v = find(key)) {
    if (auto problem = parse(*v)) problems_.push_back("'" + key + "': " + *problem);
  }
}

void ConfigReader::finish(const std::vector<std::string>& value_problems) {
  std::vector<std::string> all = problems_;
  for (const auto& [key, value] : j_.items()) {
    if (std::find(known_.begin(), known_.end(), key) == known_.end()) {
      all.push_back("unknown key '" + key + "' (valid keys: " + join(known_, ", ") + ")");
    }
  }
  all.insert(all.end(), value_problems.begin(), value_problems.end());
  throw_if_problems(owner_, all);
}

void throw_if_problems(const std::string& owner, const std::vector<std::string>& problems) {
  if (problems.empty()) return;
  throw Error(ErrorKind::kInvalidArgument, owner + " config: " + join(problems, "; "));
}

}  // namespace imbgen::detail
