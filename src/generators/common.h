// Shared pieces of the generator families: checks of fit() inputs, per-class row selection, the
// unfit-class error.
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

}  // namespace imbgen
