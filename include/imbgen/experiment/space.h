// How generators and classifiers see a table. Classifiers always get the encoder's model space
// (imputed, standardised numbers and one-hot categories). Generators get the original units when
// the table is all-numeric with no missing value (so SMOTE interpolates exactly as
// imbalanced-learn does), and the model space otherwise; either way their rows come back in the
// table's schema: integer columns rounded, numbers clipped to the training bounds, categories as
// codes of their original labels.
#pragma once

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "imbgen/data/encoder.h"
#include "imbgen/data/table.h"

namespace imbgen {

// A generated number in original units as it enters the table: rounded in an integer column,
// clipped to the training bounds [lo, hi] when `clip` (EncoderConfig::clip_to_bounds).
inline double original_units(double v, bool integer, double lo, double hi, bool clip) {
  if (integer) v = std::round(v);
  if (clip) v = std::clamp(v, lo, hi);
  return v;
}

class ModelSpace {
 public:
  // Fits the encoder on the training rows only.
  void fit(const Table& train);

  // True when generators work in original units.
  bool raw() const { return raw_; }
  Matrix to_generator(const Matrix& table_x) const;
  Matrix from_generator(Matrix z) const;
  Matrix to_classifier(const Matrix& table_x) const { return encoder_.transform(table_x); }
  // The layout of to_generator()'s columns for FitOptions::spans: empty in original units.
  std::vector<EncodedSpan> generator_spans() const {
    return raw_ ? std::vector<EncodedSpan>{} : encoder_.spans();
  }
  const TableEncoder& encoder() const { return encoder_; }

  nlohmann::json to_json() const;
  static ModelSpace from_json(const nlohmann::json& j);

 private:
  TableEncoder encoder_;
  bool raw_ = true;
};

}  // namespace imbgen
