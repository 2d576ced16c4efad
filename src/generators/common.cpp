// Input checks and per-class rows shared by all generator families.
#include "common.h"

#include <algorithm>
#include <cmath>
#include <set>

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

}  // namespace imbgen
