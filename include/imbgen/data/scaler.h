// Standard scaler (z = (x - mean) / std, population std as scikit-learn), with inverse.
#pragma once

#include <nlohmann/json.hpp>
#include <vector>

#include "imbgen/data/matrix.h"

namespace imbgen {

class StandardScaler {
 public:
  // Per column mean and population standard deviation (ddof = 0), as scikit-learn's
  // StandardScaler. A column with zero variance (within scikit-learn's rounding bound) gets
  // scale 1 (as scikit-learn), so it maps to 0. Throws Error(kInvalidArgument) for 0 rows or
  // 0 columns.
  void fit(const Matrix& x);
  // Throw Error(kInvalidArgument) when not fitted or the column count differs from fit's.
  Matrix transform(const Matrix& x) const;
  Matrix inverse_transform(const Matrix& z) const;  // x = z * scale + mean
  Matrix inverse_transform(Matrix&& z) const;       // the same, in z's own storage
  void inverse_transform(const MutableNumberBlock& z) const;  // the same, in the block itself
  void transform_inplace(Matrix& x) const;

  const std::vector<double>& mean() const { return mean_; }
  const std::vector<double>& scale() const { return scale_; }
  bool fitted() const { return !mean_.empty(); }

  // {"format": "imbgen.standard_scaler", "version": 1, "mean": [...], "scale": [...]}.
  // Doubles round-trip exactly. from_json throws Error(kInvalidArgument) for a wrong format or
  // version, missing or unknown keys, lengths that differ, or a non-finite or non-positive scale.
  nlohmann::json to_json() const;
  static StandardScaler from_json(const nlohmann::json& j);

 private:
  std::vector<double> mean_;
  std::vector<double> scale_;
};

}  // namespace imbgen
