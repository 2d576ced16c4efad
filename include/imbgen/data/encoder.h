// TableEncoder: table values (numbers with NaN for missing, category codes) <-> the all-numeric,
// NaN-free model space that classifiers and generators work in, and back to the table's schema.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "imbgen/data/matrix.h"
#include "imbgen/data/scaler.h"
#include "imbgen/data/table.h"

namespace imbgen {

enum class Imputation { kMedian, kMean };

struct EncoderConfig {
  // The value that replaces a missing number: the median (as numpy.median: the mean of the two
  // middle values for an even count) or the mean of the column's non-missing training values.
  Imputation imputation = Imputation::kMedian;
  // Adds a 0/1 column "NAME (missing)" after each numeric column that has a missing value in the
  // training rows, so a model can learn (and a generator can produce) missingness; the inverse
  // transform turns an indicator above indicator_threshold back into a missing value (NaN).
  bool missing_indicators = false;
  double indicator_threshold = 0.5;
  // The inverse transform clips numbers to the [min, max] of the training rows, so a generator
  // never writes values the data cannot hold (e.g. a negative amount).
  bool clip_to_bounds = true;

  // Throws Error(kInvalidArgument) listing every problem: an imputation that is not one of the
  // enum's values, indicator_threshold not in (0, 1).
  void validate() const;
  // {"imputation": "median"|"mean", "missing_indicators": bool, "indicator_threshold": number,
  //  "clip_to_bounds": bool}. from_json: a missing key keeps its default; unknown keys, wrong
  // types and unknown names are errors (all reported at once, Error(kInvalidArgument)); the
  // result is validated.
  nlohmann::json to_json() const;
  static EncoderConfig from_json(const nlohmann::json& j);
};

// Which model columns hold one table column (or its missing indicator).
enum class SpanKind {
  kNumeric,           // 1 column: the imputed, standardised value
  kMissingIndicator,  // 1 column: 1 when the value was missing, else 0
  kOneHot,            // one column per category seen in the training rows
};

struct EncodedSpan {
  SpanKind kind = SpanKind::kNumeric;
  size_t column = 0;  // table column index
  size_t start = 0;   // first model column
  size_t width = 0;   // number of model columns
};

// Layout of the model space: for each table column in order, its span, then (numeric, with
// missing_indicators on and a missing value in the training rows) its indicator span. Numeric
// values are imputed, then standardised with a StandardScaler fit on the imputed training
// values (as scikit-learn's Pipeline(SimpleImputer, StandardScaler)); one-hot and indicator
// columns hold 0 or 1 and are not scaled.
class TableEncoder {
 public:
  TableEncoder() = default;
  explicit TableEncoder(EncoderConfig config);  // validates the config

  // Learns from the training rows only: per numeric column the imputation value, the bounds of
  // the non-missing values and whether it gets an indicator; the scaler; per categorical column
  // the categories present (ordered by code). `x` is [rows, columns.size()] in table values.
  // Throws Error(kInvalidArgument) for 0 rows, a column count that differs from columns.size(),
  // a value that does not fit its column (see transform), or a numeric column without a single
  // non-missing value in these rows (names it, hints to drop it).
  void fit(const std::vector<ColumnInfo>& columns, const Matrix& x);
  void fit(const Table& train) { fit(train.columns, train.x); }

  // Table values -> model space [rows, dim()], no NaN. A missing number becomes the imputation
  // value (and its indicator 1); a category code not seen in the training rows becomes all
  // zeros in its span. Throws Error(kInvalidArgument) when not fitted, for a column count that
  // differs, an infinite number, or a categorical value that is not a code of the column (NaN
  // included: a missing category is a code of its own); the message names the column and row.
  Matrix transform(const Matrix& x) const;

  // Model space -> table values [rows, columns().size()]: one-hot spans by argmax (ties: the
  // first), numbers un-standardised, rounded in integer columns, clipped to the training bounds
  // (clip_to_bounds), and NaN where the indicator is above indicator_threshold. Throws
  // Error(kInvalidArgument) when not fitted, for a column count other than dim(), or a
  // non-finite value (names the model column and row).
  Matrix inverse_transform(const Matrix& z) const;

  bool fitted() const { return fitted_; }
  const EncoderConfig& config() const { return config_; }
  size_t dim() const { return dim_; }
  const std::vector<ColumnInfo>& columns() const { return columns_; }  // as given to fit
  const std::vector<EncodedSpan>& spans() const { return spans_; }
  // "age", "age (missing)", "workclass=Private", "workclass=(missing)": one per model column.
  std::vector<std::string> model_column_names() const;
  // Numeric column `column` (table index): imputation value and training bounds. Categorical
  // column: the table codes of its one-hot columns, in order. Throw Error(kInvalidArgument) for
  // a column of the other kind or an index out of range.
  double imputation_value(size_t column) const;
  double lower_bound(size_t column) const;
  double upper_bound(size_t column) const;
  const std::vector<int>& levels(size_t column) const;
  const StandardScaler& scaler() const { return scaler_; }  // over the numeric columns, in order

  // {"format": "imbgen.table_encoder", "version": 1, "config": {...}, "columns": [...],
  //  "scaler": {...}}: everything needed to transform and invert; doubles round-trip exactly.
  // to_json throws Error(kInvalidArgument) when not fitted. from_json throws
  // Error(kInvalidArgument) for a wrong format or version, unknown or missing keys, or values that
  // do not fit together (all reported at once).
  nlohmann::json to_json() const;
  static TableEncoder from_json(const nlohmann::json& j);

 private:
  // Per table column; the numeric entries are unused for categorical columns and vice versa.
  struct Fitted {
    double impute = 0.0;
    double low = 0.0;
    double high = 0.0;
    bool indicator = false;
    size_t scaler_index = 0;  // numeric: index in the scaler's columns
    std::vector<int> levels;  // categorical: table code of each one-hot column
    std::vector<int> onehot;  // categorical: table code -> one-hot index, or -1
  };
  void build_layout();
  const Fitted& numeric_entry(size_t column, const char* what) const;

  EncoderConfig config_;
  bool fitted_ = false;
  std::vector<ColumnInfo> columns_;
  std::vector<Fitted> fitted_columns_;
  StandardScaler scaler_;
  std::vector<EncodedSpan> spans_;
  size_t dim_ = 0;
};

}  // namespace imbgen
