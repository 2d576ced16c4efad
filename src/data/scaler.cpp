// StandardScaler as scikit-learn's (population variance with its two-pass correction term and its
// near-constant-column rule), with inverse transform and a versioned JSON form.
#include "imbgen/data/scaler.h"

#include <cmath>
#include <limits>
#include <string>
#include <utility>

#include "imbgen/core/error.h"

namespace imbgen {
namespace {

constexpr const char* kFormat = "imbgen.standard_scaler";
constexpr int kVersion = 1;

void check_columns(const std::vector<double>& mean, const Matrix& x, const char* what) {
  if (mean.empty()) {
    throw Error(ErrorKind::kInvalidArgument, std::string("StandardScaler::") + what +
                                                 ": the scaler is not fitted; call fit first");
  }
  if (x.cols != mean.size()) {
    throw Error(ErrorKind::kInvalidArgument,
                std::string("StandardScaler::") + what + ": the scaler was fitted on " +
                    std::to_string(mean.size()) + " columns, got " + std::to_string(x.cols));
  }
}

}  // namespace

void StandardScaler::fit(const Matrix& x) {
  if (x.rows == 0 || x.cols == 0) {
    throw Error(ErrorKind::kInvalidArgument,
                "StandardScaler::fit: need at least one row and one "
                "column, got " +
                    std::to_string(x.rows) + " x " + std::to_string(x.cols));
  }
  const size_t n = x.rows, d = x.cols;
  const double dn = static_cast<double>(n);
  std::vector<double> sum(d, 0.0);
  for (size_t i = 0; i < n; ++i) {
    const double* r = x.row(i);
    for (size_t j = 0; j < d; ++j) sum[j] += r[j];
  }
  std::vector<double> mean(d), dev(d, 0.0), sq(d, 0.0);
  for (size_t j = 0; j < d; ++j) mean[j] = sum[j] / dn;
  for (size_t i = 0; i < n; ++i) {
    const double* r = x.row(i);
    for (size_t j = 0; j < d; ++j) {
      const double t = r[j] - mean[j];
      dev[j] += t;
      sq[j] += t * t;
    }
  }
  constexpr double eps = std::numeric_limits<double>::epsilon();
  std::vector<double> scale(d);
  for (size_t j = 0; j < d; ++j) {
    // Two-pass variance with the correction term that cancels the rounding error of the mean
    // (Chan, Golub and LeVeque 1983), as scikit-learn computes it.
    const double var = std::max(0.0, (sq[j] - dev[j] * dev[j] / dn) / dn);
    // A variance within the rounding bound of that algorithm is a constant column.
    const double bound = dn * eps * var + (dn * mean[j] * eps) * (dn * mean[j] * eps);
    scale[j] = var <= bound ? 1.0 : std::sqrt(var);
  }
  mean_ = std::move(mean);
  scale_ = std::move(scale);
}

Matrix StandardScaler::transform(const Matrix& x) const {
  Matrix z = x;
  transform_inplace(z);
  return z;
}

void StandardScaler::transform_inplace(Matrix& x) const {
  check_columns(mean_, x, "transform");
  for (size_t i = 0; i < x.rows; ++i) {
    double* r = x.row(i);
    for (size_t j = 0; j < x.cols; ++j) r[j] = (r[j] - mean_[j]) / scale_[j];
  }
}

Matrix StandardScaler::inverse_transform(const Matrix& z) const {
  return inverse_transform(Matrix(z));
}

Matrix StandardScaler::inverse_transform(Matrix&& z) const {
  check_columns(mean_, z, "inverse_transform");
  Matrix x = std::move(z);
  inverse_transform(block_of(x));
  return x;
}

void StandardScaler::inverse_transform(const MutableNumberBlock& z) const {
  check_internal(z.cols == mean_.size(), "StandardScaler::inverse_transform: the block has " +
                                             std::to_string(z.cols) + " columns, the scaler " +
                                             std::to_string(mean_.size()));
  for (size_t i = 0; i < z.rows; ++i) {
    if (z.col_stride == 1) {  // contiguous rows (the common case): a loop the compiler vectorises
      double* r = &z(i, 0);
      for (size_t j = 0; j < z.cols; ++j) r[j] = r[j] * scale_[j] + mean_[j];
    } else {
      for (size_t j = 0; j < z.cols; ++j) z(i, j) = z(i, j) * scale_[j] + mean_[j];
    }
  }
}

nlohmann::json StandardScaler::to_json() const {
  return {{"format", kFormat}, {"version", kVersion}, {"mean", mean_}, {"scale", scale_}};
}

StandardScaler StandardScaler::from_json(const nlohmann::json& j) {
  const std::string what = "StandardScaler JSON: ";
  if (!j.is_object()) throw Error(ErrorKind::kInvalidArgument, what + "expected an object");
  std::vector<std::string> problems;
  for (const auto& item : j.items()) {
    const auto& key = item.key();
    if (key != "format" && key != "version" && key != "mean" && key != "scale") {
      problems.push_back("unknown key '" + key + "' (valid: format, version, mean, scale)");
    }
  }
  if (!j.contains("format") || j["format"] != kFormat) {
    problems.push_back(std::string("\"format\" must be \"") + kFormat + "\"");
  }
  if (!j.contains("version") || j["version"] != kVersion) {
    problems.push_back("\"version\" must be " + std::to_string(kVersion) +
                       (j.contains("version") ? ", got " + j["version"].dump() : ""));
  }
  auto numbers = [&](const char* key) {
    std::vector<double> v;
    if (!j.contains(key) || !j[key].is_array()) {
      problems.push_back(std::string("\"") + key + "\" must be an array of numbers");
      return v;
    }
    for (const auto& e : j[key]) {
      if (!e.is_number()) {
        problems.push_back(std::string("\"") + key + "\" holds a non-number: " + e.dump());
        return std::vector<double>();
      }
      v.push_back(e.get<double>());
    }
    return v;
  };
  StandardScaler s;
  s.mean_ = numbers("mean");
  s.scale_ = numbers("scale");
  if (s.mean_.size() != s.scale_.size()) {
    problems.push_back("\"mean\" has " + std::to_string(s.mean_.size()) +
                       " values but \"scale\" has " + std::to_string(s.scale_.size()));
  }
  for (size_t k = 0; k < s.mean_.size(); ++k) {
    if (!std::isfinite(s.mean_[k]))
      problems.push_back("mean[" + std::to_string(k) + "] is not finite");
  }
  for (size_t k = 0; k < s.scale_.size(); ++k) {
    if (!(std::isfinite(s.scale_[k]) && s.scale_[k] > 0.0)) {
      problems.push_back("scale[" + std::to_string(k) + "] must be a finite number > 0");
    }
  }
  if (!problems.empty()) {
    std::string msg = what;
    for (size_t k = 0; k < problems.size(); ++k) msg += (k ? "; " : "") + problems[k];
    throw Error(ErrorKind::kInvalidArgument, msg);
  }
  return s;
}

}  // namespace imbgen
