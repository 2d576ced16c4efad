// Standard scaler (z = (x - mean) / std, population std as scikit-learn), with inverse.
#pragma once

#include <vector>

#include <nlohmann/json.hpp>

#include "imbgen/data/matrix.h"

namespace imbgen {

class StandardScaler {
 public:
  // A column with zero variance gets scale 1 (as scikit-learn), so it maps to 0.
  void fit(const Matrix& x);
  Matrix transform(const Matrix& x) const;
  Matrix inverse_transform(const Matrix& z) const;
  void transform_inplace(Matrix& x) const;

  const std::vector<double>& mean() const { return mean_; }
  const std::vector<double>& scale() const { return scale_; }
  bool fitted() const { return !mean_.empty(); }

  nlohmann::json to_json() const;
  static StandardScaler from_json(const nlohmann::json& j);

 private:
  std::vector<double> mean_;
  std::vector<double> scale_;
};

}  // namespace imbgen
