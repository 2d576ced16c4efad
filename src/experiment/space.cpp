// ModelSpace: the encoder between tables and models, and the schema clean-up of generated rows.
#include "imbgen/experiment/space.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "imbgen/core/error.h"

namespace imbgen {

void ModelSpace::fit(const Table& train) {
  encoder_ = TableEncoder();
  encoder_.fit(train);
  raw_ = true;
  for (const auto& c : train.columns) {
    if (c.kind == ColumnKind::kCategorical || c.has_missing) raw_ = false;
  }
  // A value missing in the training rows only shows in x; has_missing describes the whole file.
  for (double v : train.x.data) {
    if (std::isnan(v)) raw_ = false;
  }
}

Matrix ModelSpace::to_generator(const Matrix& table_x) const {
  return raw_ ? table_x : encoder_.transform(table_x);
}

Matrix ModelSpace::from_generator(Matrix z) const {
  if (!raw_) return encoder_.inverse_transform(z);
  // Original units: round integer columns and keep values within the training bounds; in place,
  // row by row (a million generated rows are 240 MB: one pass, no copy).
  const auto& columns = encoder_.columns();
  const size_t d = columns.size();
  check_internal(z.cols == d, "ModelSpace: generated rows have the wrong width");
  std::vector<double> lo(d), hi(d);
  std::vector<char> integer(d);
  for (size_t c = 0; c < d; ++c) {
    lo[c] = encoder_.lower_bound(c);
    hi[c] = encoder_.upper_bound(c);
    integer[c] = columns[c].integer ? 1 : 0;
  }
  const bool clip = encoder_.config().clip_to_bounds;
  for (size_t r = 0; r < z.rows; ++r) {
    double* row = z.row(r);
    for (size_t c = 0; c < d; ++c)
      row[c] = original_units(row[c], integer[c] != 0, lo[c], hi[c], clip);
  }
  return z;
}

nlohmann::json ModelSpace::to_json() const {
  return {{"raw", raw_}, {"encoder", encoder_.to_json()}};
}

ModelSpace ModelSpace::from_json(const nlohmann::json& j) {
  ModelSpace s;
  if (!j.is_object() || !j.contains("raw") || !j.contains("encoder") || !j.at("raw").is_boolean())
    throw Error(ErrorKind::kInvalidArgument, "model space: expected {\"raw\": bool, \"encoder\": {...}}");
  s.raw_ = j.at("raw").get<bool>();
  s.encoder_ = TableEncoder::from_json(j.at("encoder"));
  return s;
}

}  // namespace imbgen
