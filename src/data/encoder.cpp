// TableEncoder: imputation (+ optional missing indicators) and standardisation for numeric
// columns, one-hot for categorical ones; the inverse back to table values; a versioned JSON form.
#include "imbgen/data/encoder.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

#include "imbgen/core/error.h"
#include "imbgen/data/csv.h"

namespace imbgen {
namespace {

constexpr const char* kFormat = "imbgen.table_encoder";
constexpr int kVersion = 1;

std::string join_problems(const std::string& what, const std::vector<std::string>& problems) {
  std::string msg = what;
  for (size_t k = 0; k < problems.size(); ++k) msg += (k ? "; " : "") + problems[k];
  return msg;
}

const char* imputation_name(Imputation m) {
  switch (m) {
    case Imputation::kMedian:
      return "median";
    case Imputation::kMean:
      return "mean";
  }
  return "?";
}

// numpy.median: the middle value, or the mean of the two middle values for an even count.
double median_of(std::vector<double> v) {
  const size_t mid = v.size() / 2;
  std::nth_element(v.begin(), v.begin() + static_cast<long>(mid), v.end());
  const double upper = v[mid];
  if (v.size() % 2 == 1) return upper;
  const double lower = *std::max_element(v.begin(), v.begin() + static_cast<long>(mid));
  return lower + (upper - lower) / 2.0;  // no overflow for huge values of the same sign
}

std::string row_text(size_t row) { return "row " + std::to_string(row); }

// The category code that a categorical column's value stands for, or an error naming the column.
size_t category_code(const ColumnInfo& col, double v, size_t row, const char* what) {
  const double n = static_cast<double>(col.categories.size());
  if (!(v >= 0.0 && v < n && std::floor(v) == v)) {
    throw Error(ErrorKind::kInvalidArgument,
                std::string("TableEncoder::") + what + ": column '" + col.name + "', " +
                    row_text(row) + ": expected a category code (an integer 0.." +
                    std::to_string(col.categories.size()) + " - 1), got " + format_number(v) +
                    (std::isnan(v) ? " (a missing category is a code of its own, not NaN)" : ""));
  }
  return static_cast<size_t>(v);
}

nlohmann::json number_or_null(double v) {
  return std::isnan(v) ? nlohmann::json(nullptr) : nlohmann::json(v);
}

// Reads JSON objects key by key, collecting every problem instead of stopping at the first.
class Reader {
 public:
  Reader(const nlohmann::json& j, std::string where, std::vector<std::string>& problems)
      : j_(j), where_(std::move(where)), problems_(problems) {}

  // Reports keys not in `valid`.
  void only(const std::vector<std::string>& valid) {
    if (!j_.is_object()) return;
    for (const auto& item : j_.items()) {
      if (std::find(valid.begin(), valid.end(), item.key()) == valid.end()) {
        std::string list;
        for (size_t k = 0; k < valid.size(); ++k) list += (k ? ", " : "") + valid[k];
        problems_.push_back(where_ + "unknown key '" + item.key() + "' (valid: " + list + ")");
      }
    }
  }
  const nlohmann::json* get(const std::string& key, bool required) {
    if (!j_.is_object() || !j_.contains(key)) {
      if (required) problems_.push_back(where_ + "\"" + key + "\" is missing");
      return nullptr;
    }
    return &j_[key];
  }
  void boolean(const std::string& key, bool& out, bool required = true) {
    if (const auto* v = get(key, required)) {
      if (v->is_boolean()) {
        out = v->get<bool>();
      } else {
        problems_.push_back(where_ + "\"" + key + "\" must be true or false, got " + v->dump());
      }
    }
  }
  // A number; null reads as NaN when `nullable`.
  void number(const std::string& key, double& out, bool required = true, bool nullable = false) {
    if (const auto* v = get(key, required)) {
      if (v->is_number()) {
        out = v->get<double>();
      } else if (nullable && v->is_null()) {
        out = std::numeric_limits<double>::quiet_NaN();
      } else {
        problems_.push_back(where_ + "\"" + key + "\" must be a number" +
                            (nullable ? " or null" : "") + ", got " + v->dump());
      }
    }
  }
  void text(const std::string& key, std::string& out, bool required = true) {
    if (const auto* v = get(key, required)) {
      if (v->is_string()) {
        out = v->get<std::string>();
      } else {
        problems_.push_back(where_ + "\"" + key + "\" must be a string, got " + v->dump());
      }
    }
  }
  void problem(const std::string& p) { problems_.push_back(where_ + p); }

 private:
  const nlohmann::json& j_;
  std::string where_;
  std::vector<std::string>& problems_;
};

}  // namespace

// ---- EncoderConfig ----

void EncoderConfig::validate() const {
  std::vector<std::string> problems;
  if (imputation != Imputation::kMedian && imputation != Imputation::kMean) {
    problems.push_back("imputation must be median or mean, got the value " +
                       std::to_string(static_cast<int>(imputation)));
  }
  if (!(indicator_threshold > 0.0 && indicator_threshold < 1.0)) {
    problems.push_back("indicator_threshold must be in (0, 1), got " +
                       format_number(indicator_threshold));
  }
  if (!problems.empty()) {
    throw Error(ErrorKind::kInvalidArgument, join_problems("EncoderConfig: ", problems));
  }
}

nlohmann::json EncoderConfig::to_json() const {
  return {{"imputation", imputation_name(imputation)},
          {"missing_indicators", missing_indicators},
          {"indicator_threshold", indicator_threshold},
          {"clip_to_bounds", clip_to_bounds}};
}

EncoderConfig EncoderConfig::from_json(const nlohmann::json& j) {
  std::vector<std::string> problems;
  EncoderConfig c;
  if (!j.is_object()) {
    throw Error(ErrorKind::kInvalidArgument,
                "EncoderConfig JSON: expected an object, got " + j.dump());
  }
  Reader r(j, "", problems);
  r.only({"imputation", "missing_indicators", "indicator_threshold", "clip_to_bounds"});
  std::string name = imputation_name(c.imputation);
  r.text("imputation", name, false);
  if (name == "median") {
    c.imputation = Imputation::kMedian;
  } else if (name == "mean") {
    c.imputation = Imputation::kMean;
  } else {
    problems.push_back("unknown imputation \"" + name + "\" (valid: median, mean)");
  }
  r.boolean("missing_indicators", c.missing_indicators, false);
  r.number("indicator_threshold", c.indicator_threshold, false);
  r.boolean("clip_to_bounds", c.clip_to_bounds, false);
  if (problems.empty() && !(c.indicator_threshold > 0.0 && c.indicator_threshold < 1.0)) {
    problems.push_back("indicator_threshold must be in (0, 1), got " +
                       format_number(c.indicator_threshold));
  }
  if (!problems.empty()) {
    throw Error(ErrorKind::kInvalidArgument, join_problems("EncoderConfig JSON: ", problems));
  }
  return c;
}

// ---- TableEncoder ----

TableEncoder::TableEncoder(EncoderConfig config) : config_(std::move(config)) {
  config_.validate();
}

void TableEncoder::fit(const std::vector<ColumnInfo>& columns, const Matrix& x) {
  if (x.rows == 0) {
    throw Error(ErrorKind::kInvalidArgument, "TableEncoder::fit: no training rows");
  }
  if (x.cols != columns.size()) {
    throw Error(ErrorKind::kInvalidArgument,
                "TableEncoder::fit: the schema has " + std::to_string(columns.size()) +
                    " columns but the rows have " + std::to_string(x.cols) + " values");
  }
  const size_t n = x.rows, d = x.cols;
  std::vector<Fitted> fitted(d);
  std::vector<size_t> numeric;
  for (size_t k = 0; k < d; ++k) {
    const ColumnInfo& col = columns[k];
    Fitted& f = fitted[k];
    if (col.kind == ColumnKind::kCategorical) {
      if (col.categories.empty()) {
        throw Error(ErrorKind::kInvalidArgument,
                    "TableEncoder::fit: categorical column '" + col.name + "' has no categories");
      }
      std::vector<bool> seen(col.categories.size(), false);
      for (size_t i = 0; i < n; ++i) seen[category_code(col, x(i, k), i, "fit")] = true;
      for (size_t c = 0; c < seen.size(); ++c) {
        if (seen[c]) f.levels.push_back(static_cast<int>(c));
      }
      continue;
    }
    numeric.push_back(k);
    std::vector<double> values;
    values.reserve(n);
    for (size_t i = 0; i < n; ++i) {
      const double v = x(i, k);
      if (std::isnan(v)) continue;
      if (!std::isfinite(v)) {
        throw Error(ErrorKind::kInvalidArgument, "column '" + col.name + "', " + row_text(i) +
                                                     ": the value " + format_number(v) +
                                                     " is not finite");
      }
      values.push_back(v);
    }
    if (values.empty()) {
      throw Error(ErrorKind::kInvalidArgument,
                  "numeric column '" + col.name + "' has no value in the " +
                      std::to_string(n) +
                      " training rows (all missing), so there is nothing to learn or impute "
                      "from; drop it with --drop " +
                      col.name);
    }
    const auto [lo, hi] = std::minmax_element(values.begin(), values.end());
    f.low = *lo;
    f.high = *hi;
    f.indicator = config_.missing_indicators && values.size() < n;
    if (config_.imputation == Imputation::kMedian) {
      f.impute = median_of(std::move(values));
    } else {
      double sum = 0.0;
      for (double v : values) sum += v;
      f.impute = sum / static_cast<double>(values.size());
    }
  }

  StandardScaler scaler;
  if (!numeric.empty()) {
    Matrix imputed(n, numeric.size());  // [rows, numeric columns]
    for (size_t i = 0; i < n; ++i) {
      for (size_t c = 0; c < numeric.size(); ++c) {
        const double v = x(i, numeric[c]);
        imputed(i, c) = std::isnan(v) ? fitted[numeric[c]].impute : v;
      }
    }
    scaler.fit(imputed);
  }
  columns_ = columns;
  fitted_columns_ = std::move(fitted);
  scaler_ = std::move(scaler);
  fitted_ = true;
  build_layout();
}

void TableEncoder::build_layout() {
  spans_.clear();
  size_t start = 0, scaler_index = 0;
  for (size_t k = 0; k < columns_.size(); ++k) {
    Fitted& f = fitted_columns_[k];
    if (columns_[k].kind == ColumnKind::kCategorical) {
      f.onehot.assign(columns_[k].categories.size(), -1);
      for (size_t c = 0; c < f.levels.size(); ++c) {
        f.onehot[static_cast<size_t>(f.levels[c])] = static_cast<int>(c);
      }
      spans_.push_back({SpanKind::kOneHot, k, start, f.levels.size()});
      start += f.levels.size();
      continue;
    }
    f.scaler_index = scaler_index++;
    spans_.push_back({SpanKind::kNumeric, k, start++, 1});
    if (f.indicator) spans_.push_back({SpanKind::kMissingIndicator, k, start++, 1});
  }
  dim_ = start;
}

Matrix TableEncoder::transform(const Matrix& x) const {
  if (!fitted_) {
    throw Error(ErrorKind::kInvalidArgument,
                "TableEncoder::transform: the encoder is not fitted; call fit first");
  }
  if (x.cols != columns_.size()) {
    throw Error(ErrorKind::kInvalidArgument, "TableEncoder::transform: the encoder was fitted on " +
                                                 std::to_string(columns_.size()) +
                                                 " columns, got " + std::to_string(x.cols));
  }
  Matrix z(x.rows, dim_, 0.0);  // [rows, dim]
  const auto& mean = scaler_.mean();
  const auto& scale = scaler_.scale();
  for (size_t i = 0; i < x.rows; ++i) {
    const double* in = x.row(i);
    double* out = z.row(i);
    for (const EncodedSpan& s : spans_) {
      const ColumnInfo& col = columns_[s.column];
      const Fitted& f = fitted_columns_[s.column];
      const double v = in[s.column];
      switch (s.kind) {
        case SpanKind::kOneHot: {
          const int h = f.onehot[category_code(col, v, i, "transform")];
          if (h >= 0) out[s.start + static_cast<size_t>(h)] = 1.0;
          break;
        }
        case SpanKind::kNumeric: {
          if (!std::isnan(v) && !std::isfinite(v)) {
            throw Error(ErrorKind::kInvalidArgument,
                        "TableEncoder::transform: column '" + col.name + "', " + row_text(i) +
                            ": the value " + format_number(v) + " is not finite");
          }
          const double filled = std::isnan(v) ? f.impute : v;
          out[s.start] = (filled - mean[f.scaler_index]) / scale[f.scaler_index];
          break;
        }
        case SpanKind::kMissingIndicator:
          out[s.start] = std::isnan(v) ? 1.0 : 0.0;
          break;
      }
    }
  }
  return z;
}

Matrix TableEncoder::inverse_transform(const Matrix& z) const {
  if (!fitted_) {
    throw Error(ErrorKind::kInvalidArgument,
                "TableEncoder::inverse_transform: the encoder is not fitted; call fit first");
  }
  if (z.cols != dim_) {
    throw Error(ErrorKind::kInvalidArgument,
                "TableEncoder::inverse_transform: the encoder's model space has " +
                    std::to_string(dim_) + " columns, got " + std::to_string(z.cols));
  }
  Matrix x(z.rows, columns_.size());
  const auto& mean = scaler_.mean();
  const auto& scale = scaler_.scale();
  for (size_t i = 0; i < z.rows; ++i) {
    const double* in = z.row(i);
    for (size_t j = 0; j < dim_; ++j) {
      if (!std::isfinite(in[j])) {
        throw Error(ErrorKind::kInvalidArgument,
                    "TableEncoder::inverse_transform: model column " + std::to_string(j) + " (" +
                        model_column_names()[j] + "), " + row_text(i) + ": the value " +
                        format_number(in[j]) + " is not finite");
      }
    }
    double* out = x.row(i);
    for (const EncodedSpan& s : spans_) {
      const ColumnInfo& col = columns_[s.column];
      const Fitted& f = fitted_columns_[s.column];
      switch (s.kind) {
        case SpanKind::kOneHot: {
          const double* span = in + s.start;
          const size_t best = static_cast<size_t>(std::max_element(span, span + s.width) - span);
          out[s.column] = f.levels[best];
          break;
        }
        case SpanKind::kNumeric: {
          double v = in[s.start] * scale[f.scaler_index] + mean[f.scaler_index];
          if (col.integer) v = std::round(v);
          if (config_.clip_to_bounds) v = std::clamp(v, f.low, f.high);
          out[s.column] = v;
          break;
        }
        case SpanKind::kMissingIndicator:  // follows its numeric span, so it overrides the value
          if (in[s.start] > config_.indicator_threshold) {
            out[s.column] = std::numeric_limits<double>::quiet_NaN();
          }
          break;
      }
    }
  }
  return x;
}

std::vector<std::string> TableEncoder::model_column_names() const {
  std::vector<std::string> names;
  names.reserve(dim_);
  for (const EncodedSpan& s : spans_) {
    const ColumnInfo& col = columns_[s.column];
    switch (s.kind) {
      case SpanKind::kNumeric:
        names.push_back(col.name);
        break;
      case SpanKind::kMissingIndicator:
        names.push_back(col.name + " (missing)");
        break;
      case SpanKind::kOneHot:
        for (int level : fitted_columns_[s.column].levels) {
          names.push_back(col.name + "=" +
                          category_label(col.categories[static_cast<size_t>(level)]));
        }
        break;
    }
  }
  return names;
}

const TableEncoder::Fitted& TableEncoder::numeric_entry(size_t column, const char* what) const {
  if (!fitted_ || column >= columns_.size() || columns_[column].kind != ColumnKind::kNumeric) {
    throw Error(ErrorKind::kInvalidArgument,
                std::string("TableEncoder::") + what + ": column " + std::to_string(column) +
                    (fitted_ ? " is not a numeric column of the " +
                                   std::to_string(columns_.size()) + " fitted columns"
                             : ": the encoder is not fitted"));
  }
  return fitted_columns_[column];
}

double TableEncoder::imputation_value(size_t column) const {
  return numeric_entry(column, "imputation_value").impute;
}
double TableEncoder::lower_bound(size_t column) const {
  return numeric_entry(column, "lower_bound").low;
}
double TableEncoder::upper_bound(size_t column) const {
  return numeric_entry(column, "upper_bound").high;
}

const std::vector<int>& TableEncoder::levels(size_t column) const {
  if (!fitted_ || column >= columns_.size() || columns_[column].kind != ColumnKind::kCategorical) {
    throw Error(ErrorKind::kInvalidArgument,
                "TableEncoder::levels: column " + std::to_string(column) +
                    (fitted_ ? " is not a categorical column of the " +
                                   std::to_string(columns_.size()) + " fitted columns"
                             : ": the encoder is not fitted"));
  }
  return fitted_columns_[column].levels;
}

// ---- JSON ----

nlohmann::json TableEncoder::to_json() const {
  if (!fitted_) {
    throw Error(ErrorKind::kInvalidArgument,
                "TableEncoder::to_json: the encoder is not fitted; call fit first");
  }
  nlohmann::json cols = nlohmann::json::array();
  for (size_t k = 0; k < columns_.size(); ++k) {
    const ColumnInfo& c = columns_[k];
    const Fitted& f = fitted_columns_[k];
    nlohmann::json e = {{"name", c.name},
                        {"integer", c.integer},
                        {"min", number_or_null(c.min)},
                        {"max", number_or_null(c.max)},
                        {"has_missing", c.has_missing}};
    if (c.kind == ColumnKind::kCategorical) {
      e["kind"] = "categorical";
      e["categories"] = c.categories;
      e["levels"] = f.levels;
    } else {
      e["kind"] = "numeric";
      e["impute"] = f.impute;
      e["low"] = f.low;
      e["high"] = f.high;
      e["indicator"] = f.indicator;
    }
    cols.push_back(std::move(e));
  }
  return {{"format", kFormat},
          {"version", kVersion},
          {"config", config_.to_json()},
          {"columns", std::move(cols)},
          {"scaler", scaler_.to_json()}};
}

TableEncoder TableEncoder::from_json(const nlohmann::json& j) {
  const std::string what = "TableEncoder JSON: ";
  if (!j.is_object()) throw Error(ErrorKind::kInvalidArgument, what + "expected an object");
  std::vector<std::string> problems;
  Reader top(j, "", problems);
  top.only({"format", "version", "config", "columns", "scaler"});
  if (!j.contains("format") || j["format"] != kFormat) {
    problems.push_back(std::string("\"format\" must be \"") + kFormat + "\"" +
                       (j.contains("format") ? ", got " + j["format"].dump() : ""));
  }
  if (!j.contains("version") || j["version"] != kVersion) {
    problems.push_back("\"version\" must be " + std::to_string(kVersion) +
                       (j.contains("version") ? ", got " + j["version"].dump() : ""));
  }
  TableEncoder e;
  if (const auto* c = top.get("config", true)) {
    try {
      e.config_ = EncoderConfig::from_json(*c);
    } catch (const Error& err) {
      problems.push_back(std::string("\"config\": ") + err.what());
    }
  }
  size_t n_numeric = 0;
  if (const auto* cols = top.get("columns", true)) {
    if (!cols->is_array() || cols->empty()) {
      problems.push_back("\"columns\" must be a non-empty array");
    } else {
      for (size_t k = 0; k < cols->size(); ++k) {
        const nlohmann::json& cj = (*cols)[k];
        Reader r(cj, "columns[" + std::to_string(k) + "]: ", problems);
        if (!cj.is_object()) {
          r.problem("expected an object");
          continue;
        }
        ColumnInfo col;
        Fitted f;
        std::string kind;
        r.text("name", col.name);
        r.text("kind", kind);
        r.boolean("integer", col.integer);
        r.number("min", col.min, true, true);
        r.number("max", col.max, true, true);
        r.boolean("has_missing", col.has_missing);
        if (kind == "categorical") {
          col.kind = ColumnKind::kCategorical;
          r.only({"name", "kind", "integer", "min", "max", "has_missing", "categories", "levels"});
          const auto* cats = r.get("categories", true);
          if (cats && !(cats->is_array() && !cats->empty() &&
                        std::all_of(cats->begin(), cats->end(),
                                    [](const auto& t) { return t.is_string(); }))) {
            r.problem("\"categories\" must be a non-empty array of strings");
          } else if (cats) {
            col.categories = cats->get<std::vector<std::string>>();
          }
          const auto* levels = r.get("levels", true);
          bool ok = levels && levels->is_array() && !levels->empty();
          int prev = -1;
          for (size_t c = 0; ok && c < levels->size(); ++c) {
            const auto& v = (*levels)[c];
            ok = v.is_number_integer() && v.get<long long>() > prev &&
                 v.get<long long>() < static_cast<long long>(col.categories.size());
            if (ok) {
              prev = v.get<int>();
              f.levels.push_back(prev);
            }
          }
          if (levels && !ok) {
            r.problem("\"levels\" must be a non-empty, increasing array of category codes 0.." +
                      std::to_string(col.categories.size()) + " - 1");
          }
        } else if (kind == "numeric") {
          col.kind = ColumnKind::kNumeric;
          ++n_numeric;
          r.only({"name", "kind", "integer", "min", "max", "has_missing", "impute", "low", "high",
                  "indicator"});
          r.number("impute", f.impute);
          r.number("low", f.low);
          r.number("high", f.high);
          r.boolean("indicator", f.indicator);
          if (!(f.low <= f.high)) {
            r.problem("\"low\" (" + format_number(f.low) + ") is above \"high\" (" +
                      format_number(f.high) + ")");
          }
        } else if (!kind.empty()) {
          r.problem("unknown kind \"" + kind + "\" (valid: numeric, categorical)");
        }
        e.columns_.push_back(std::move(col));
        e.fitted_columns_.push_back(std::move(f));
      }
    }
  }
  if (const auto* s = top.get("scaler", true)) {
    try {
      e.scaler_ = StandardScaler::from_json(*s);
      if (e.scaler_.mean().size() != n_numeric) {
        problems.push_back("\"scaler\" has " + std::to_string(e.scaler_.mean().size()) +
                           " columns but there are " + std::to_string(n_numeric) +
                           " numeric columns");
      }
    } catch (const Error& err) {
      problems.push_back(std::string("\"scaler\": ") + err.what());
    }
  }
  if (!problems.empty()) {
    throw Error(ErrorKind::kInvalidArgument, join_problems(what, problems));
  }
  e.fitted_ = true;
  e.build_layout();
  return e;
}

}  // namespace imbgen
