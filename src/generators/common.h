// Shared pieces of the generator families: checks of fit() inputs, per-class row selection, the
// JSON config reader (unknown keys and wrong types collected into one error), the unfit-class
// error.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "imbgen/core/error.h"
#include "imbgen/data/matrix.h"
#include "imbgen/generators/generator.h"

namespace imbgen {

// Throws Error(kInvalidArgument) when x and y disagree in length, x has no columns or holds a
// non-finite value, options.classes is empty or lists a class twice, or options.threads < 1.
void check_fit_inputs(const std::string& generator, const Matrix& x, const std::vector<int>& y,
                      const FitOptions& options);

// The training rows of class `cls`, [n_c, d]; throws Error(kInvalidArgument) naming the class,
// its count and `minimum` when there are fewer than `minimum` rows (`hint` is appended).
Matrix class_rows(const std::string& generator, const Matrix& x, const std::vector<int>& y, int cls,
                  size_t minimum, const std::string& hint = "");

// Error(kInvalidArgument) for sample() of a class the model was not fit on; lists the fit classes.
Error unfit_class_error(const std::string& generator, int cls, const std::vector<int>& fitted);

// Reads a config object key by key. Wrong types are collected; finish() adds unknown keys and the
// struct's own validation problems and throws one Error(kInvalidArgument) listing them all.
class ConfigReader {
 public:
  ConfigReader(std::string family, const nlohmann::json& j);

  void read(const char* key, int& value);
  void read(const char* key, double& value);
  void read(const char* key, std::vector<int>& value);
  void finish(const std::vector<std::string>& validation_problems);

 private:
  const nlohmann::json* find(const char* key);

  std::string family_;
  const nlohmann::json& j_;
  std::vector<std::string> known_;
  std::vector<std::string> problems_;
};

// Throws Error(kInvalidArgument) "<family> config: <p1>; <p2>..." when `problems` is not empty.
void throw_config_problems(const std::string& family, const std::vector<std::string>& problems);

}  // namespace imbgen
