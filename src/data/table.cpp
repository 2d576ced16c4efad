// load_table: CSV text -> typed Table (numeric and categorical features with missing values, class
// indices), with errors that name the file, line, column and value; writing rows back in the
// file's own form (format_row, write_rows_csv); and the small Table helpers.
#include "imbgen/data/table.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <condition_variable>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <utility>

#include "data/csv_parser.h"
#include "imbgen/core/error.h"
#include "imbgen/core/shortest.h"
#include "imbgen/core/text.h"
#include "imbgen/data/csv.h"

namespace imbgen {
namespace {

enum class Parsed { kNumber, kEmpty, kNonFinite, kOutOfRange, kNotNumber };

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// std::from_chars: locale-independent and several times faster than strtod.
Parsed parse_number(std::string_view s, double& out) {
  s = trim(s);
  if (s.empty()) return Parsed::kEmpty;
  if (s.size() > 1 && s[0] == '+' && s[1] != '-' && s[1] != '+') s.remove_prefix(1);
  const auto res = std::from_chars(s.data(), s.data() + s.size(), out);
  if (res.ptr != s.data() + s.size()) return Parsed::kNotNumber;
  if (res.ec == std::errc::result_out_of_range) return Parsed::kOutOfRange;
  if (res.ec != std::errc()) return Parsed::kNotNumber;
  if (!std::isfinite(out)) return Parsed::kNonFinite;
  return Parsed::kNumber;
}

// Names from the file, fit to show in a message (printable()), a long list cut short.
std::string join_names(const std::vector<std::string>& names) {
  constexpr size_t kMost = 50;
  std::string out;
  for (size_t i = 0; i < names.size() && i < kMost; ++i) {
    if (i) out += ", ";
    out += printable(names[i]);
  }
  if (names.size() > kMost) out += ", ... (" + std::to_string(names.size()) + " in all)";
  return out;
}

bool equal_ignoring_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// "'file': <what> 'name' is not in the header; the columns are: ..." with a case-insensitive
// suggestion when there is one.
Error unknown_column(const std::string& path, const std::vector<std::string>& header,
                     const std::string& what, const std::string& name) {
  std::string msg = "'" + path + "': " + what + " '" + printable(name) + "' is not in the header";
  for (const auto& h : header) {
    if (equal_ignoring_case(h, name)) {
      msg += " (did you mean '" + printable(h) + "'?)";
      break;
    }
  }
  msg += "; the columns are: " + join_names(header);
  return Error(ErrorKind::kNotFound, msg);
}

size_t column_index(const std::string& path, const std::vector<std::string>& header,
                    const std::string& what, const std::string& name) {
  const auto it = std::find(header.begin(), header.end(), name);
  if (it == header.end()) throw unknown_column(path, header, what, name);
  return static_cast<size_t>(it - header.begin());
}

// A missing value: an empty field or one of these markers (case-insensitive). `v` is trimmed.
bool is_missing(std::string_view v) {
  if (v.empty()) return true;
  for (const char* m : {"?", "NA", "N/A", "NaN", "null"}) {
    if (equal_ignoring_case(v, m)) return true;
  }
  return false;
}

// Texts that people use for a missing value but load_table does not accept as one (they could
// be real categories); a numeric column holding one gets a hint on how to write it.
bool is_other_missing_marker(std::string_view v) {
  for (const char* m : {"None", "-", "--", "missing", "#N/A", "nil", "undefined"}) {
    if (equal_ignoring_case(v, m)) return true;
  }
  return false;
}

// What one pass over a feature column found. The first bad value is kept, not thrown, until the
// whole column has been read: a column of mostly text is categorical, and then it is not bad.
struct ColumnScan {
  size_t n_numbers = 0;  // finite numbers
  size_t n_other = 0;    // number-like but unusable: "inf", "1e999"
  size_t n_text = 0;     // non-missing values that are not numbers (nor "None", "-", ...)
  size_t n_missing = 0;
  bool integer = true;
  double min = std::numeric_limits<double>::infinity();
  double max = -std::numeric_limits<double>::infinity();
  size_t bad_line = 0;  // line of the first value a numeric column cannot hold (0: none)
  std::string bad_value;
  Parsed bad_kind = Parsed::kNumber;

  bool mostly_text() const { return n_text > n_numbers + n_other; }
};

std::string value_error(const std::string& path, const std::string& column,
                        const ColumnScan& scan) {
  const std::string raw = printable(scan.bad_value);
  const std::string where =
      path + ":" + std::to_string(scan.bad_line) + ": column '" + printable(column) + "': ";
  switch (scan.bad_kind) {
    case Parsed::kNonFinite:
      return where + "value \"" + raw +
             "\" is not a finite number (leave the field empty if the value is missing)";
    case Parsed::kOutOfRange:
      return where + "value \"" + raw + "\" is out of the range of a double";
    case Parsed::kEmpty:
    case Parsed::kNotNumber:
    case Parsed::kNumber:
      break;
  }
  std::string msg = where + "expected a number, got \"" + raw + "\"";
  if (is_other_missing_marker(trim(raw))) {
    msg +=
        " (write a missing value as an empty field, \"?\", \"NA\", \"N/A\", \"NaN\" or \"null\")";
  } else {
    msg += " (" + std::to_string(scan.n_numbers) + " of the column's values are numbers and " +
           std::to_string(scan.n_text) +
           " are not; if the column is categorical, declare it: --categorical " +
           printable(column) + ")";
  }
  return msg;
}

// Texts ordered by value when every one is a number (ties by text), else by text; "" (the
// missing level) first either way.
void sort_categories(std::vector<std::string>& texts) {
  std::vector<std::pair<double, std::string>> keyed;
  bool all_numeric = true;
  for (auto& t : texts) {
    double v = 0.0;
    if (!t.empty() && parse_number(t, v) != Parsed::kNumber) all_numeric = false;
    keyed.emplace_back(t.empty() ? -std::numeric_limits<double>::infinity() : v, std::move(t));
  }
  if (all_numeric) {
    std::sort(keyed.begin(), keyed.end());
  } else {
    std::sort(keyed.begin(), keyed.end(),
              [](const auto& a, const auto& b) { return a.second < b.second; });
  }
  for (size_t i = 0; i < keyed.size(); ++i) texts[i] = std::move(keyed[i].second);
}

// Class labels in Table::classes order: by value when every label is a number (ties by text),
// else by text.
std::vector<std::string> order_labels(std::vector<std::string> labels) {
  std::sort(labels.begin(), labels.end());
  labels.erase(std::unique(labels.begin(), labels.end()), labels.end());
  std::vector<std::pair<double, std::string>> keyed;
  bool all_numeric = true;
  for (auto& t : labels) {
    double v = 0.0;
    if (parse_number(t, v) != Parsed::kNumber) all_numeric = false;
    keyed.emplace_back(v, std::move(t));
  }
  if (all_numeric) std::stable_sort(keyed.begin(), keyed.end());
  std::vector<std::string> out;
  for (auto& k : keyed) out.push_back(std::move(k.second));
  return out;
}

}  // namespace

std::vector<size_t> Table::class_counts() const {
  std::vector<size_t> counts(classes.size(), 0);
  for (int c : y) {
    check_internal(c >= 0 && static_cast<size_t>(c) < counts.size(),
                   "Table::class_counts: class index out of range");
    ++counts[static_cast<size_t>(c)];
  }
  return counts;
}

int Table::minority_class() const {
  if (classes.empty()) throw Error(ErrorKind::kInvalidArgument, "the table has no classes");
  const auto counts = class_counts();
  return static_cast<int>(std::min_element(counts.begin(), counts.end()) - counts.begin());
}

int Table::majority_class() const {
  if (classes.empty()) throw Error(ErrorKind::kInvalidArgument, "the table has no classes");
  const auto counts = class_counts();
  return static_cast<int>(std::max_element(counts.begin(), counts.end()) - counts.begin());
}

Table Table::subset(const std::vector<size_t>& indices) const {
  Table out;
  out.source = source;
  out.columns = columns;
  out.target = target;
  out.classes = classes;
  out.x = x.select_rows(indices);
  out.y.reserve(indices.size());
  for (size_t i : indices) {
    check_internal(i < y.size(), "Table::subset: row index out of range");
    out.y.push_back(y[i]);
  }
  return out;
}

Table Table::rows_of_class(const std::string& label) const {
  const auto it = std::find(classes.begin(), classes.end(), label);
  if (it == classes.end()) {
    throw Error(ErrorKind::kInvalidArgument,
                "'" + source + "': no class '" + printable(label) + "' in target '" +
                    printable(target) + "' (classes: " + join_names(classes) + ")");
  }
  const int cls = static_cast<int>(it - classes.begin());
  std::vector<size_t> idx;
  for (size_t i = 0; i < y.size(); ++i)
    if (y[i] == cls) idx.push_back(i);
  return subset(idx);
}

int Table::class_index(const std::string& label) const {
  const auto it = std::find(classes.begin(), classes.end(), label);
  if (it == classes.end()) {
    throw Error(ErrorKind::kInvalidArgument, "no class '" + printable(label) + "' in target '" +
                                                 printable(target) + "' (classes: " +
                                                 join_names(classes) + ")");
  }
  return static_cast<int>(it - classes.begin());
}

std::vector<std::string> Table::column_names() const {
  std::vector<std::string> names;
  names.reserve(columns.size());
  for (const auto& c : columns) names.push_back(c.name);
  return names;
}

namespace {

constexpr size_t kNoColumn = static_cast<size_t>(-1);
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// The columns a load keeps: the header checked, the target found, the dropped columns out.
struct ColumnPlan {
  std::vector<std::string> header;
  std::string target_name;
  size_t target = kNoColumn;     // index in the header, or kNoColumn
  std::vector<size_t> features;  // header indices of the feature columns, in file order
  std::vector<bool> declared;    // per feature: declared categorical (--categorical)
};

ColumnPlan plan_columns(const std::string& path, std::vector<std::string> header,
                        const LoadOptions& options) {
  ColumnPlan plan;
  const size_t n_cols = header.size();
  for (size_t j = 0; j < n_cols; ++j) {
    if (trim(header[j]).empty()) {
      // Typically the unnamed index column pandas writes with to_csv(): it would become a
      // feature that no option can name.
      throw Error(ErrorKind::kInvalidArgument,
                  "'" + path + "': column " + std::to_string(j + 1) +
                      " of the header has no name; every column needs one (an index written by "
                      "pandas? save with to_csv(index=False), or name the column)");
    }
  }
  // No target given: the last column.
  plan.target_name =
      options.no_target ? std::string() : options.target.empty() ? header.back() : options.target;

  // Duplicate names would make --target/--drop ambiguous.
  std::map<std::string, std::vector<size_t>> positions;
  for (size_t j = 0; j < n_cols; ++j) positions[header[j]].push_back(j + 1);
  for (size_t j = 0; j < n_cols; ++j) {
    const auto& pos = positions[header[j]];
    if (pos.size() > 1) {
      std::string where;
      for (size_t k = 0; k < pos.size(); ++k) where += (k ? ", " : "") + std::to_string(pos[k]);
      throw Error(ErrorKind::kInvalidArgument,
                  "'" + path + "': column name '" + printable(header[j]) +
                      "' appears more than once in the header (columns " + where +
                      "); column names must be unique");
    }
  }

  plan.target = options.no_target
                    ? kNoColumn
                    : column_index(path, header, "target column", plan.target_name);
  std::vector<bool> keep(n_cols, true);
  if (plan.target != kNoColumn) keep[plan.target] = false;
  for (const auto& name : options.drop) {
    const size_t j = column_index(path, header, "column to drop", name);
    if (j == plan.target) {
      throw Error(ErrorKind::kInvalidArgument,
                  "'" + path + "': cannot drop '" + name + "': it is the target column");
    }
    keep[j] = false;
  }
  for (size_t j = 0; j < n_cols; ++j) {
    if (keep[j]) plan.features.push_back(j);
  }
  if (plan.features.empty()) {
    throw Error(ErrorKind::kInvalidArgument,
                "'" + path + "': no feature columns left after taking the target '" +
                    plan.target_name + "' and the dropped columns out");
  }
  std::vector<bool> declared(n_cols, false);
  for (const auto& name : options.categorical) {
    declared[column_index(path, header, "categorical column", name)] = true;
  }
  for (size_t j : plan.features) plan.declared.push_back(declared[j]);
  plan.header = std::move(header);
  return plan;
}

// Pass 1 over the records: the numbers (NaN where missing or not a number; 0 in declared
// categorical columns, coded in pass 2), what each column holds, and each row's label.
struct FirstPass {
  std::vector<double> x;                             // row-major [n_rows, d]
  std::vector<ColumnScan> scans;                     // per feature
  std::map<std::string, int, std::less<>> label_id;  // label text -> order of first appearance
  std::vector<int> first_seen;                       // provisional class id per row
  size_t n_rows = 0;
};

FirstPass scan_records(const std::string& path, const std::string& text,
                       csv_detail::Parser& parser, const ColumnPlan& plan) {
  const size_t n_cols = plan.header.size();
  const size_t d = plan.features.size();
  FirstPass pass;
  pass.x.reserve(text.size() / (8 * n_cols + 1) * d);  // a guess: about 8 characters per value
  pass.scans.resize(d);
  std::vector<std::string_view> fields;
  size_t line = 0;
  while (parser.next(fields, line)) {
    if (fields.size() != n_cols) {
      throw Error(ErrorKind::kInvalidArgument,
                  csv_detail::ragged_row_message(path, line, n_cols, fields.size()));
    }
    const std::string_view label =
        plan.target == kNoColumn ? std::string_view() : trim(fields[plan.target]);
    if (label.empty() && plan.target != kNoColumn) {
      throw Error(ErrorKind::kInvalidArgument,
                  path + ":" + std::to_string(line) + ": column '" + plan.target_name +
                      "' (the target) is empty; every row needs a class label");
    }
    auto it = pass.label_id.find(label);
    if (it == pass.label_id.end()) {
      it = pass.label_id.emplace(std::string(label), static_cast<int>(pass.label_id.size())).first;
    }
    pass.first_seen.push_back(it->second);

    for (size_t k = 0; k < d; ++k) {
      if (plan.declared[k]) {
        pass.x.push_back(0.0);
        continue;
      }
      const std::string_view raw = fields[plan.features[k]];
      double v = 0.0;
      const Parsed kind = parse_number(raw, v);
      ColumnScan& s = pass.scans[k];
      if (kind == Parsed::kNumber) {
        pass.x.push_back(v);
        ++s.n_numbers;
        if (s.integer && std::floor(v) != v) s.integer = false;
        s.min = std::min(s.min, v);
        s.max = std::max(s.max, v);
        continue;
      }
      // The slow path: only cells that are not plain numbers get here.
      pass.x.push_back(kNaN);
      if (kind == Parsed::kEmpty || is_missing(trim(raw))) {
        ++s.n_missing;
        continue;
      }
      if (kind == Parsed::kNotNumber) {
        // "None", "-", ...: a missing number in a numeric column, a category in a text column;
        // they do not vote, so a numeric column where most rows say "-" stays numeric (and its
        // "-" is an error with a hint) instead of becoming categorical.
        if (!is_other_missing_marker(trim(raw))) ++s.n_text;
      } else {
        ++s.n_other;
      }
      if (s.bad_line == 0) {
        s.bad_line = line;
        s.bad_value = std::string(raw);
        s.bad_kind = kind;
      }
    }
    ++pass.n_rows;
  }
  if (pass.n_rows == 0) {
    throw Error(ErrorKind::kInvalidArgument,
                "'" + path + "': file has no data rows (only a header line)");
  }
  return pass;
}

// The categorical columns: declared, or most of their non-missing values are text. In a numeric
// column, the first bad value in file order is the error.
std::vector<size_t> categorical_columns(const std::string& path, const ColumnPlan& plan,
                                        const FirstPass& pass) {
  const size_t d = plan.features.size();
  std::vector<size_t> categorical;
  for (size_t k = 0; k < d; ++k) {
    if (plan.declared[k] || pass.scans[k].mostly_text()) categorical.push_back(k);
  }
  const ColumnScan* worst = nullptr;
  size_t worst_k = 0;
  for (size_t k = 0; k < d; ++k) {
    const ColumnScan& s = pass.scans[k];
    if (s.bad_line == 0 || plan.declared[k] || s.mostly_text()) continue;
    if (!worst || s.bad_line < worst->bad_line) {
      worst = &s;
      worst_k = k;
    }
  }
  if (worst) {
    throw Error(ErrorKind::kInvalidArgument,
                value_error(path, plan.header[plan.features[worst_k]], *worst));
  }
  return categorical;
}

// The categories of one column, and whether it has missing cells.
struct Categories {
  std::vector<std::string> texts;  // sorted; a cell's code is its index
  bool missing = false;
};

// Pass 2 (only when there are categorical columns): their texts become codes in pass.x. A second
// parse of the text in memory costs less than keeping every cell's text in pass 1.
std::vector<Categories> code_categories(const std::string& path, const std::string& text,
                                        const ColumnPlan& plan,
                                        const std::vector<size_t>& categorical,
                                        size_t max_categories, FirstPass& pass) {
  const size_t d = plan.features.size();
  std::vector<Categories> out(d);
  if (categorical.empty()) return out;
  // Per categorical column: text -> provisional code (order of first appearance).
  std::vector<std::map<std::string, int, std::less<>>> ids(categorical.size());
  csv_detail::Parser again(path, text);
  std::vector<std::string_view> fields;
  size_t line = 0;
  again.next(fields, line);  // the header
  size_t i = 0;
  while (again.next(fields, line)) {
    double* row = pass.x.data() + i * d;
    for (size_t c = 0; c < categorical.size(); ++c) {
      const size_t k = categorical[c];
      std::string_view v = trim(fields[plan.features[k]]);
      if (is_missing(v)) v = std::string_view();
      auto& id = ids[c];
      auto found = id.find(v);
      if (found == id.end()) {
        if (max_categories != 0 && id.size() == max_categories) {
          const std::string& name = plan.header[plan.features[k]];
          throw Error(ErrorKind::kInvalidArgument,
                      path + ":" + std::to_string(line) + ": column '" + printable(name) +
                          "': more than " + std::to_string(max_categories) +
                          " distinct values (\"" + printable(v) +
                          "\" is one more), too many for a categorical column (an identifier "
                          "or free text?); drop it with --drop " +
                          name + ", or raise the limit (max_categories)");
        }
        found = id.emplace(std::string(v), static_cast<int>(id.size())).first;
      }
      row[k] = found->second;
    }
    ++i;
  }
  check_internal(i == pass.n_rows, "load_table: the second pass read a different number of rows");
  for (size_t c = 0; c < categorical.size(); ++c) {
    const size_t k = categorical[c];
    std::vector<std::string> texts;
    for (const auto& kv : ids[c]) texts.push_back(kv.first);
    sort_categories(texts);
    std::vector<double> code_of(ids[c].size());  // provisional -> sorted code
    for (size_t code = 0; code < texts.size(); ++code) {
      code_of[static_cast<size_t>(ids[c].find(texts[code])->second)] = static_cast<double>(code);
    }
    for (size_t r = 0; r < pass.n_rows; ++r) {
      double& cell = pass.x[r * d + k];
      cell = code_of[static_cast<size_t>(cell)];
    }
    out[k].missing = ids[c].count(std::string_view()) > 0;
    out[k].texts = std::move(texts);
  }
  return out;
}

// The table from the two passes. Class order: numeric when every label is a number (ties by
// text), else text.
Table assemble_table(const std::string& path, const LoadOptions& options, const ColumnPlan& plan,
                     FirstPass pass, std::vector<Categories> categories) {
  std::vector<std::string> label_texts;
  for (const auto& kv : pass.label_id) label_texts.push_back(kv.first);
  const std::vector<std::string> ordered = order_labels(label_texts);
  if (ordered.size() < 2 && !options.allow_single_class && !options.no_target) {
    throw Error(ErrorKind::kInvalidArgument,
                "'" + path + "': the target '" + printable(plan.target_name) +
                    "' has a single class \"" + printable(ordered.front()) +
                    "\" in every row; a classifier needs at least two classes");
  }

  Table table;
  table.source = path;
  table.target = plan.target_name;
  std::vector<int> final_id(ordered.size());
  for (size_t c = 0; c < ordered.size(); ++c) {
    final_id[static_cast<size_t>(pass.label_id.find(ordered[c])->second)] = static_cast<int>(c);
    table.classes.push_back(ordered[c]);
  }
  table.y.resize(pass.n_rows);
  for (size_t i = 0; i < pass.n_rows; ++i) {
    table.y[i] = final_id[static_cast<size_t>(pass.first_seen[i])];
  }

  const size_t d = plan.features.size();
  table.x.rows = pass.n_rows;
  table.x.cols = d;
  table.x.data = std::move(pass.x);
  table.columns.resize(d);
  for (size_t k = 0; k < d; ++k) {
    ColumnInfo& col = table.columns[k];
    col.name = plan.header[plan.features[k]];
    if (!categories[k].texts.empty()) {
      col.kind = ColumnKind::kCategorical;
      col.integer = false;
      col.min = 0.0;
      col.max = static_cast<double>(categories[k].texts.size() - 1);
      col.has_missing = categories[k].missing;
      col.categories = std::move(categories[k].texts);
    } else {
      const ColumnScan& s = pass.scans[k];
      col.kind = ColumnKind::kNumeric;
      col.integer = s.n_numbers > 0 && s.integer;
      col.min = s.n_numbers > 0 ? s.min : kNaN;
      col.max = s.n_numbers > 0 ? s.max : kNaN;
      col.has_missing = s.n_missing > 0;
    }
  }
  return table;
}

}  // namespace

// One pass over the records straight from the parser's views (no string per cell, so the
// bundled 35k x 31 file loads in a fraction of a second), a second only for categorical columns.
Table load_table(const std::string& path, const LoadOptions& options) {
  const std::string text = csv_detail::read_text(path);
  csv_detail::Parser parser(path, text);
  std::vector<std::string_view> fields;
  size_t line = 0;
  if (!parser.next(fields, line)) {
    throw Error(ErrorKind::kInvalidArgument,
                "'" + path + "': file has no data rows (the file is empty)");
  }
  const ColumnPlan plan =
      plan_columns(path, std::vector<std::string>(fields.begin(), fields.end()), options);
  FirstPass pass = scan_records(path, text, parser, plan);
  const std::vector<size_t> categorical = categorical_columns(path, plan, pass);
  std::vector<Categories> categories =
      code_categories(path, text, plan, categorical, options.max_categories, pass);
  return assemble_table(path, options, plan, std::move(pass), std::move(categories));
}

Table table_from_columns(const std::vector<ColumnValues>& columns,
                         const std::vector<std::string>& labels, const std::string& target,
                         const std::string& source, bool allow_single_class) {
  LabelCodes coded;
  coded.codes.reserve(labels.size());
  std::unordered_map<std::string_view, int64_t> index;
  for (const std::string& label : labels) {
    const auto [it, added] = index.emplace(label, static_cast<int64_t>(coded.texts.size()));
    if (added) coded.texts.push_back(label);
    coded.codes.push_back(it->second);
  }
  return table_from_columns(columns, coded, target, source, allow_single_class);
}

namespace {

// The k-th column's name: not blank, not the same as an earlier column's or the target's.
void check_column_name(const std::vector<std::string>& names, size_t k, const std::string& target,
                       const std::string& where) {
  const std::string& name = names[k];
  if (trim(name).empty()) {
    throw Error(ErrorKind::kInvalidArgument,
                where + "column " + std::to_string(k + 1) + " has no name");
  }
  const auto earlier = names.begin() + static_cast<ptrdiff_t>(k);
  if (std::find(names.begin(), earlier, name) != earlier) {
    throw Error(ErrorKind::kInvalidArgument,
                where + "column name '" + name + "' appears more than once");
  }
  if (name == target && !target.empty()) {
    throw Error(ErrorKind::kInvalidArgument, where + "column '" + name + "' has the target's name");
  }
}

}  // namespace

// What table_from_columns and table_from_numbers share: the column names' checks, then the
// classes (the same order and the same rules for labels as load_table) and y; x has no rows.
Table table_without_numbers(const std::vector<std::string>& names, const LabelCodes& labels,
                            const std::string& target, const std::string& source,
                            bool allow_single_class) {
  const std::string where = "'" + source + "': ";
  if (names.empty()) throw Error(ErrorKind::kInvalidArgument, where + "no feature columns");
  const size_t n = labels.codes.size();
  if (n == 0) throw Error(ErrorKind::kInvalidArgument, where + "no rows");
  Table t;
  t.source = source;
  t.target = target;
  for (size_t k = 0; k < names.size(); ++k) check_column_name(names, k, target, where);
  const size_t n_texts = labels.texts.size();
  std::vector<char> used(n_texts, 0), blank(n_texts, 0);
  for (size_t c = 0; c < n_texts; ++c) blank[c] = trim(labels.texts[c]).empty();
  for (size_t i = 0; i < n; ++i) {
    const int64_t code = labels.codes[i];
    check_internal(code >= 0 && static_cast<size_t>(code) < n_texts,
                   "table_from_columns: a label code is out of range");
    if (blank[static_cast<size_t>(code)]) {
      throw Error(ErrorKind::kInvalidArgument,
                  where + "row " + std::to_string(i) + ": the class label is empty");
    }
    used[static_cast<size_t>(code)] = 1;
  }
  std::vector<std::string> trimmed(n_texts), present;
  for (size_t c = 0; c < n_texts; ++c) {
    if (!used[c]) continue;
    trimmed[c] = std::string(trim(labels.texts[c]));
    present.push_back(trimmed[c]);
  }
  t.classes = order_labels(present);
  if (t.classes.size() < 2 && !allow_single_class) {
    throw Error(ErrorKind::kInvalidArgument,
                where + "the target has a single class \"" + t.classes[0] +
                    "\" in every row; a classifier needs at least two classes");
  }
  std::map<std::string, int, std::less<>> class_id;
  for (size_t c = 0; c < t.classes.size(); ++c) class_id[t.classes[c]] = static_cast<int>(c);
  std::vector<int> class_of_code(n_texts, -1);  // texts that trim to the same label merge
  for (size_t c = 0; c < n_texts; ++c) {
    if (!trimmed[c].empty()) class_of_code[c] = class_id.find(trimmed[c])->second;
  }
  t.y.resize(n);
  for (size_t i = 0; i < n; ++i) t.y[i] = class_of_code[static_cast<size_t>(labels.codes[i])];
  t.x = Matrix(0, names.size());
  t.columns.resize(names.size());
  for (size_t k = 0; k < names.size(); ++k) t.columns[k].name = names[k];
  return t;
}

namespace {

// A numeric column's summary, value by value in row order: integer (every non-missing value
// whole), bounds, missing values.
struct NumberStats {
  bool integer = true;
  bool missing = false;
  size_t numbers = 0;
  double lo = std::numeric_limits<double>::infinity();
  double hi = -std::numeric_limits<double>::infinity();

  // False for an infinite value.
  bool add(double v) {
    if (std::isnan(v)) {
      missing = true;
    } else if (!std::isfinite(v)) {
      return false;
    } else {
      ++numbers;
      if (std::floor(v) != v) integer = false;
      lo = std::min(lo, v);
      hi = std::max(hi, v);
    }
    return true;
  }
  void describe(ColumnInfo& col) const {
    col.kind = ColumnKind::kNumeric;
    col.has_missing = missing;
    col.integer = numbers > 0 && integer;
    col.min = numbers > 0 ? lo : std::numeric_limits<double>::quiet_NaN();
    col.max = numbers > 0 ? hi : std::numeric_limits<double>::quiet_NaN();
  }
};

Error infinite_value(const std::string& source, size_t row, const std::string& column, double v) {
  return Error(ErrorKind::kInvalidArgument,
               "'" + source + "': row " + std::to_string(row) + ", column '" + column +
                   "': value " + (v > 0 ? "inf" : "-inf") +
                   " is not a finite number (use NaN for a missing value)");
}

}  // namespace

Table table_from_columns(const std::vector<ColumnValues>& columns, const LabelCodes& labels,
                         const std::string& target, const std::string& source,
                         bool allow_single_class) {
  const std::string where = "'" + source + "': ";
  const size_t n = labels.codes.size();
  std::vector<std::string> names;
  for (const auto& c : columns) names.push_back(c.name);
  // Column by column, a name's problems before its length's (table_without_numbers checks
  // the names again, and the empty cases first).
  if (!columns.empty() && n > 0) {
    for (size_t k = 0; k < columns.size(); ++k) {
      check_column_name(names, k, target, where);
      const ColumnValues& c = columns[k];
      const size_t rows = c.kind == ColumnKind::kCategorical ? c.texts.size() : c.numbers.size();
      if (rows != n) {
        throw Error(ErrorKind::kInvalidArgument,
                    where + "column '" + c.name + "' has " + std::to_string(rows) +
                        " values but there are " + std::to_string(n) + " class labels");
      }
    }
  }
  Table t = table_without_numbers(names, labels, target, source, allow_single_class);
  const size_t d = columns.size();
  t.x = Matrix(n, d);
  for (size_t k = 0; k < d; ++k) {
    const ColumnValues& src = columns[k];
    ColumnInfo& col = t.columns[k];
    col.kind = src.kind;
    if (src.kind == ColumnKind::kCategorical) {
      // Texts as load_table reads them: blanks trimmed, the missing markers as the missing level.
      std::vector<std::string> texts(n);
      for (size_t i = 0; i < n; ++i) {
        const std::string_view v = trim(src.texts[i]);
        texts[i] = is_missing(v) ? std::string() : std::string(v);
      }
      std::vector<std::string> levels = texts;
      std::sort(levels.begin(), levels.end());
      levels.erase(std::unique(levels.begin(), levels.end()), levels.end());
      sort_categories(levels);
      std::map<std::string, double, std::less<>> code;
      for (size_t c = 0; c < levels.size(); ++c) code[levels[c]] = static_cast<double>(c);
      for (size_t i = 0; i < n; ++i) t.x(i, k) = code.find(texts[i])->second;
      col.has_missing = code.count(std::string()) > 0;
      col.min = 0.0;
      col.max = static_cast<double>(levels.size() - 1);
      col.categories = std::move(levels);
    } else {
      NumberStats stats;
      for (size_t i = 0; i < n; ++i) {
        const double v = src.numbers[i];
        if (!stats.add(v)) throw infinite_value(source, i, src.name, v);
        t.x(i, k) = v;
      }
      stats.describe(col);
    }
  }
  return t;
}

Table table_from_numbers(const NumberBlock& x, const std::vector<std::string>& names,
                         const LabelCodes& labels, const std::string& target,
                         const std::string& source, bool allow_single_class) {
  check_internal(names.size() == x.cols, "table_from_numbers: one name per column");
  Table t = table_without_numbers(names, labels, target, source, allow_single_class);
  if (x.rows != labels.codes.size()) {
    throw Error(ErrorKind::kInvalidArgument,
                "'" + source + "': the numbers have " + std::to_string(x.rows) +
                    " rows but there are " + std::to_string(labels.codes.size()) +
                    " class labels");
  }
  const size_t n = x.rows, d = x.cols;
  t.x = Matrix(n, d);
  // x's rows from the caller's block: a copy per row when its rows are contiguous, else in
  // blocks of rows that stay in cache.
  if (x.col_stride == 1) {
    for (size_t i = 0; i < n; ++i)
      std::copy_n(x.data + static_cast<ptrdiff_t>(i) * x.row_stride, d, t.x.row(i));
  } else {
    constexpr size_t kBlock = 64;
    for (size_t r0 = 0; r0 < n; r0 += kBlock) {
      const size_t r1 = std::min(n, r0 + kBlock);
      for (size_t k = 0; k < d; ++k) {
        const double* in = x.data + static_cast<ptrdiff_t>(k) * x.col_stride;
        for (size_t i = r0; i < r1; ++i)
          t.x.data[i * d + k] = in[static_cast<ptrdiff_t>(i) * x.row_stride];
      }
    }
  }
  // Every column's summary in one pass over x's rows, branch-free arithmetic the compiler
  // vectorises across columns. It holds when every value is finite (the common case); else
  // NumberStats value by value, which also finds the first infinite value.
  std::vector<double> lo(d, std::numeric_limits<double>::infinity());
  std::vector<double> hi(d, -std::numeric_limits<double>::infinity());
  std::vector<double> nonfinite(d, 0.0), fraction(d, 0.0);
  double* __restrict p_lo = lo.data();
  double* __restrict p_hi = hi.data();
  double* __restrict p_nonfinite = nonfinite.data();
  double* __restrict p_fraction = fraction.data();
  for (size_t i = 0; i < n; ++i) {
    const double* __restrict row = t.x.row(i);
    for (size_t k = 0; k < d; ++k) {
      const double v = row[k];
      p_lo[k] = v < p_lo[k] ? v : p_lo[k];  // as std::min(lo, v)
      p_hi[k] = p_hi[k] < v ? v : p_hi[k];  // as std::max(hi, v)
      p_nonfinite[k] += v - v;               // NaN from a NaN or an infinity on
      p_fraction[k] += fraction_squared(v);
    }
  }
  for (size_t k = 0; k < d; ++k) {
    NumberStats stats;
    if (nonfinite[k] == 0.0) {
      stats.integer = fraction[k] == 0.0;
      stats.numbers = n;
      stats.lo = lo[k];
      stats.hi = hi[k];
    } else {
      for (size_t i = 0; i < n; ++i) {
        const double v = t.x(i, k);
        if (!stats.add(v)) throw infinite_value(source, i, names[k], v);
      }
    }
    stats.describe(t.columns[k]);
  }
  return t;
}

std::string bundled_data_path() {
  const char* env = std::getenv("IMBGEN_DATA_DIR");
  const std::string dir = env != nullptr && *env != '\0' ? env : IMBGEN_DEFAULT_DATA_DIR;
  return dir + "/creditcard.csv.gz";
}

LoadOptions bundled_data_options() {
  LoadOptions options;
  options.target = "Class";
  options.drop = {"Time"};
  return options;
}

std::string category_label(const std::string& category) {
  return category.empty() ? "(missing)" : category;
}

std::vector<std::string> format_row(const Table& schema, const double* row) {
  std::vector<std::string> fields(schema.columns.size());
  for (size_t k = 0; k < schema.columns.size(); ++k) {
    const ColumnInfo& col = schema.columns[k];
    const double v = row[k];
    if (col.kind == ColumnKind::kCategorical) {
      const double n = static_cast<double>(col.categories.size());
      if (!(v >= 0.0 && v < n && std::floor(v) == v)) {
        throw Error(ErrorKind::kInvalidArgument,
                    "column '" + col.name + "': expected a category code (an integer 0.." +
                        std::to_string(col.categories.size()) + " - 1), got " + format_number(v));
      }
      fields[k] = col.categories[static_cast<size_t>(v)];
    } else if (std::isnan(v)) {
      fields[k].clear();  // missing
    } else if (!std::isfinite(v)) {
      throw Error(ErrorKind::kInvalidArgument,
                  "column '" + col.name + "': cannot write the non-finite value " +
                      format_number(v) + " (only NaN, a missing value, can be written)");
    } else if (col.integer) {
      const double r = std::round(v);
      fields[k] = format_number(r == 0.0 ? 0.0 : r);  // never "-0"
    } else {
      fields[k] = format_number(v);
    }
  }
  return fields;
}

namespace {

// A JSON string literal of `text` (quotes, backslashes and control characters escaped).
std::string json_string(const std::string& text) {
  std::string out = "\"";
  for (unsigned char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20) {
      static const char hex[] = "0123456789abcdef";
      out += "\\u00";
      out += hex[c >> 4];
      out += hex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

}  // namespace

RowWriter::RowWriter(const Table& schema) {
  schema_.columns = schema.columns;
  schema_.target = schema.target;
  schema_.classes = schema.classes;
  std::vector<std::string> header = schema.column_names();
  header.push_back(schema.target);
  for (size_t k = 0; k < header.size(); ++k) header_ += (k ? "," : "") + csv_escape(header[k]);
  header_ += "\n";
  for (const auto& col : schema.columns) {
    std::vector<std::string> csv, json;
    for (const auto& c : col.categories) {
      csv.push_back(csv_escape(c));
      json.push_back(c.empty() ? "null" : json_string(c));
    }
    csv_categories_.push_back(std::move(csv));
    json_categories_.push_back(std::move(json));
    json_keys_.push_back(json_string(col.name) + ":");
  }
  json_keys_.push_back(json_string(schema.target) + ":");
  for (const auto& label : schema.classes) {
    csv_labels_.push_back(csv_escape(label));
    json_labels_.push_back(json_string(label));
  }
  // The longest row either writer can write, with write_shortest's room for the last number.
  const auto longest = [](const std::vector<std::string>& texts) {
    size_t n = 0;
    for (const auto& t : texts) n = std::max(n, t.size());
    return n;
  };
  size_t n = 2 + kShortestRoom;  // "{" and the last "}\n" or ",\n"
  for (size_t k = 0; k < schema_.columns.size(); ++k) {
    const size_t value = std::max({static_cast<size_t>(kShortestMaxChars), kNull.size(),
                                   longest(csv_categories_[k]), longest(json_categories_[k])});
    n += json_keys_[k].size() + value + 1;
  }
  n += json_keys_.back().size() + std::max(longest(csv_labels_), longest(json_labels_)) + 2;
  max_row_chars_ = n;
}

char* RowWriter::write_number(size_t k, double v, char* out) const {
  const ColumnInfo& col = schema_.columns[k];
  if (!std::isfinite(v)) {
    throw Error(ErrorKind::kInvalidArgument,
                "column '" + col.name + "': cannot write the non-finite value " +
                    format_number(v) + " (only NaN, a missing value, can be written)");
  }
  if (col.integer) {
    v = std::round(v);
    if (v == 0.0) v = 0.0;  // never "-0"
  }
  return write_shortest(v, out);
}

const std::string& RowWriter::category(const std::vector<std::vector<std::string>>& texts,
                                       size_t k, const double* row) const {
  const auto& cats = texts[k];
  const double v = row[k];
  if (!(v >= 0.0 && v < static_cast<double>(cats.size()) && std::floor(v) == v))
    format_row(schema_, row);  // throws the error that names the column
  return cats[static_cast<size_t>(v)];
}

const std::string& RowWriter::label(const std::vector<std::string>& labels, int cls) const {
  check_internal(cls >= 0 && static_cast<size_t>(cls) < labels.size(),
                 "RowWriter: class index out of range");
  return labels[static_cast<size_t>(cls)];
}

namespace {

char* put(const std::string& text, char* out) {
  std::memcpy(out, text.data(), text.size());
  return out + text.size();
}

}  // namespace

char* RowWriter::write_csv(const double* row, int cls, char* out) const {
  for (size_t k = 0; k < schema_.columns.size(); ++k) {
    const double v = row[k];
    if (schema_.columns[k].kind == ColumnKind::kCategorical) {
      out = put(category(csv_categories_, k, row), out);
    } else if (!std::isnan(v)) {
      out = write_number(k, v, out);
    }
    *out++ = ',';
  }
  out = put(label(csv_labels_, cls), out);
  *out++ = '\n';
  return out;
}

char* RowWriter::write_ndjson(const double* row, int cls, char* out) const {
  *out++ = '{';
  for (size_t k = 0; k < schema_.columns.size(); ++k) {
    out = put(json_keys_[k], out);
    const double v = row[k];
    if (schema_.columns[k].kind == ColumnKind::kCategorical) {
      out = put(category(json_categories_, k, row), out);
    } else if (std::isnan(v)) {
      out = put(kNull, out);
    } else {
      out = write_number(k, v, out);
    }
    *out++ = ',';
  }
  out = put(json_keys_.back(), out);
  out = put(label(json_labels_, cls), out);
  *out++ = '}';
  *out++ = '\n';
  return out;
}

void RowWriter::append(const double* row, int cls, bool ndjson, std::string& out) const {
  const size_t at = out.size();
  out.resize(at + max_row_chars_);
  try {
    char* const begin = out.data() + at;
    char* const end = ndjson ? write_ndjson(row, cls, begin) : write_csv(row, cls, begin);
    out.resize(static_cast<size_t>(end - out.data()));
  } catch (...) {
    out.resize(at);
    throw;
  }
}

struct RowText::Rows {
  enum class State { kCaller, kWaiting, kMaking, kMade, kFailed, kDropped };
  State state = State::kCaller;
  const Matrix* x = nullptr;
  const std::vector<int>* y = nullptr;
  size_t rows = 0;
  std::function<void(Matrix&, std::vector<int>&)> make;  // empty for the caller's rows
  Matrix made_x;
  std::vector<int> made_y;
  size_t unwritten = 0;  // rows whose text is not written yet
  std::exception_ptr error;
};

struct RowText::Slot {
  enum class State { kPlanned, kFilling, kReady, kEnd };
  State state = State::kEnd;
  size_t order = 0;  // the chunk's place in the text
  std::vector<Run> runs;
  bool header = false;
  std::vector<char> buf;
  size_t length = 0;
  std::exception_ptr error;
};

RowText::RowText(const Table& schema, std::vector<Block> blocks, bool ndjson, int threads,
                 size_t chunk_bytes)
    : writer_(schema), columns_(schema.columns.size()), ndjson_(ndjson),
      header_pending_(!ndjson) {
  size_t total = 0;
  for (Block& b : blocks) {
    auto rows = std::make_unique<Rows>();
    if (b.x != nullptr) {
      check_internal(b.y != nullptr && b.y->size() == b.x->rows && b.x->cols == columns_,
                     "RowText: a block does not match the schema");
      rows->x = b.x;
      rows->y = b.y;
      rows->rows = b.x->rows;
    } else {
      check_internal(b.y == nullptr && b.make != nullptr, "RowText: a block has no rows");
      rows->rows = b.rows;
      rows->make = std::move(b.make);
      rows->state = b.rows > 0 ? Rows::State::kWaiting : Rows::State::kDropped;
    }
    rows->unwritten = rows->rows;
    total += rows->rows;
    blocks_.push_back(std::move(rows));
  }
  // Room for a chunk's rows at the longest a row can be; no more than there are rows.
  rows_per_chunk_ = std::max<size_t>(1, std::min(total, chunk_bytes / writer_.max_row_chars()));
  if (threads == kAutoThreads) threads = total > 20000 ? 2 : 0;  // threads pay off for many rows
  // A slot more than threads: while the caller holds one chunk, every thread can format another.
  const size_t n = threads > 0 ? static_cast<size_t>(threads) + 1 : 1;
  for (size_t i = 0; i < n; ++i) {
    slots_.push_back(std::make_unique<Slot>());
    slots_.back()->buf.resize(writer_.csv_header().size() +
                              rows_per_chunk_ * writer_.max_row_chars());
    plan(*slots_.back());
  }
  if (threads > 0) {
    try {
      for (int i = 0; i < threads; ++i) workers_.emplace_back([this] { work(); });
    } catch (...) {  // a thread that could not start: stop those that did, as the destructor
      stop();
      throw;
    }
  }
}

void RowText::stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  for (auto& w : workers_) w.join();
  workers_.clear();
}

RowText::~RowText() { stop(); }

// Gives `slot` the next chunk's rows, or kEnd when none are left (called with the lock held, or
// before the workers start).
void RowText::plan(Slot& slot) {
  slot.runs.clear();
  slot.header = header_pending_;
  header_pending_ = false;
  size_t rows = 0;
  while (block_ < blocks_.size() && rows < rows_per_chunk_) {
    const size_t block_rows = blocks_[block_]->rows;
    if (row_ >= block_rows) {
      ++block_;
      row_ = 0;
      continue;
    }
    const size_t take = std::min(block_rows - row_, rows_per_chunk_ - rows);
    slot.runs.push_back({block_, row_, take});
    row_ += take;
    rows += take;
  }
  slot.state = slot.header || rows > 0 ? Slot::State::kPlanned : Slot::State::kEnd;
  slot.order = planned_++;
}

// Makes a block's rows on this thread: the lock is held on entry and exit, not during make().
void RowText::make(size_t block, std::unique_lock<std::mutex>& lock) {
  Rows& r = *blocks_[block];
  r.state = Rows::State::kMaking;
  ++held_;
  Matrix x;
  std::vector<int> y;
  if (!spare_x_.empty()) {
    x = std::move(spare_x_.back());
    y = std::move(spare_y_.back());
    spare_x_.pop_back();
    spare_y_.pop_back();
  }
  lock.unlock();
  std::exception_ptr error;
  try {
    r.make(x, y);
    check_internal(x.rows == r.rows && x.cols == columns_ && y.size() == r.rows,
                   "RowText: a block's make() gave rows of another shape");
  } catch (...) {
    error = std::current_exception();
  }
  lock.lock();
  if (error) {
    r.state = Rows::State::kFailed;
    r.error = error;
    --held_;
  } else {
    r.made_x = std::move(x);
    r.made_y = std::move(y);
    r.x = &r.made_x;
    r.y = &r.made_y;
    r.state = Rows::State::kMade;
  }
  changed_.notify_all();
}

// A block's rows, made here if no thread has started them, waited for if one has; rethrows
// what its make() threw. The lock is held on entry and exit.
const RowText::Rows& RowText::acquire(size_t block, std::unique_lock<std::mutex>& lock) {
  Rows& r = *blocks_[block];
  for (;;) {
    switch (r.state) {
      case Rows::State::kCaller:
      case Rows::State::kMade:
        return r;
      case Rows::State::kFailed:
        std::rethrow_exception(r.error);
      case Rows::State::kWaiting:
        make(block, lock);
        break;
      default:  // another thread is making them (they are dropped only once all are written)
        changed_.wait(lock);
    }
  }
}

// `count` more rows of `block` are written; made rows are dropped after their last, their
// storage kept for the next make().
void RowText::written(size_t block, size_t count) {
  std::lock_guard<std::mutex> lock(mutex_);
  Rows& r = *blocks_[block];
  r.unwritten -= count;
  if (r.unwritten == 0 && r.state == Rows::State::kMade) {
    spare_x_.push_back(std::move(r.made_x));
    spare_y_.push_back(std::move(r.made_y));
    r.x = nullptr;
    r.y = nullptr;
    r.state = Rows::State::kDropped;
    --held_;
    changed_.notify_all();  // room to make another block ahead
  }
}

// Whether an idle thread may make a block ahead of need: the next one no thread has started,
// while fewer than threads + 1 blocks' made rows are held (lock held).
bool RowText::can_make_ahead() {
  while (ahead_ < blocks_.size() && blocks_[ahead_]->state != Rows::State::kWaiting) ++ahead_;
  return ahead_ < blocks_.size() && held_ < slots_.size();
}

void RowText::fill(Slot& slot) {
  char* at = slot.buf.data();
  slot.error = nullptr;
  try {
    if (slot.header) {
      const std::string& header = writer_.csv_header();
      std::memcpy(at, header.data(), header.size());
      at += header.size();
    }
    for (const Run& run : slot.runs) {
      const Rows* rows = nullptr;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        rows = &acquire(run.block, lock);
      }
      // Read without the lock: the rows stay until written() is told of these.
      for (size_t r = run.first; r < run.first + run.count; ++r) {
        const double* row = rows->x->row(r);
        const int cls = (*rows->y)[r];
        at = ndjson_ ? writer_.write_ndjson(row, cls, at) : writer_.write_csv(row, cls, at);
      }
      written(run.block, run.count);
    }
  } catch (...) {
    slot.error = std::current_exception();
  }
  slot.length = static_cast<size_t>(at - slot.buf.data());
}

// The planned chunk no thread has taken that comes first in the text, or null (lock held).
RowText::Slot* RowText::next_planned() {
  Slot* first = nullptr;
  for (auto& slot : slots_) {
    if (slot->state == Slot::State::kPlanned && (first == nullptr || slot->order < first->order))
      first = slot.get();
  }
  return first;
}

void RowText::work() {
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    Slot* slot = nullptr;
    changed_.wait(lock, [&] {
      slot = next_planned();
      return stopping_ || slot != nullptr || can_make_ahead();
    });
    if (stopping_) return;
    if (slot == nullptr) {  // idle: the next rows to be made
      make(ahead_, lock);
      continue;
    }
    slot->state = Slot::State::kFilling;
    lock.unlock();
    fill(*slot);
    lock.lock();
    slot->state = Slot::State::kReady;
    changed_.notify_all();
  }
}

std::string_view RowText::next() {
  std::unique_lock<std::mutex> lock(mutex_);
  if (done_) return {};
  if (pending_) {
    done_ = true;
    std::rethrow_exception(pending_);
  }
  const size_t n = slots_.size();
  if (holding_) {  // the caller is done with the last chunk: its slot takes the one n ahead
    Slot& previous = *slots_[(current_ + n - 1) % n];
    plan(previous);
    changed_.notify_all();
    holding_ = false;
  }
  Slot& slot = *slots_[current_];
  if (workers_.empty() && slot.state == Slot::State::kPlanned) {  // no threads: format it here
    lock.unlock();
    fill(slot);
    lock.lock();
    slot.state = Slot::State::kReady;
  }
  changed_.wait(
      lock, [&] { return slot.state == Slot::State::kReady || slot.state == Slot::State::kEnd; });
  if (slot.state == Slot::State::kEnd) {
    done_ = true;
    return {};
  }
  if (slot.error && slot.length == 0) {
    done_ = true;
    std::rethrow_exception(slot.error);
  }
  pending_ = slot.error;  // the rows before the error first (fill() stops at a row's start)
  current_ = (current_ + 1) % n;
  holding_ = true;
  // The last chunk: the next slot has nothing planned.
  done_ = !pending_ && slots_[current_]->state == Slot::State::kEnd;
  return std::string_view(slot.buf.data(), slot.length);
}

void write_rows_csv(const Table& schema, const Matrix& x, const std::vector<int>& y,
                    std::ostream& out) {
  if (x.cols != schema.columns.size() || y.size() != x.rows) {
    throw Error(ErrorKind::kInvalidArgument,
                "write_rows_csv: the schema has " + std::to_string(schema.columns.size()) +
                    " columns; got rows of " + std::to_string(x.cols) + " values, " +
                    std::to_string(x.rows) + " rows and " + std::to_string(y.size()) + " labels");
  }
  for (size_t r = 0; r < x.rows; ++r) {
    if (y[r] < 0 || static_cast<size_t>(y[r]) >= schema.classes.size()) {
      throw Error(ErrorKind::kInvalidArgument,
                  "write_rows_csv: row " + std::to_string(r) + " has class index " +
                      std::to_string(y[r]) + "; the schema has " +
                      std::to_string(schema.classes.size()) + " classes");
    }
  }
  RowText text(schema, {{&x, &y}}, false);
  for (std::string_view chunk = text.next(); !chunk.empty(); chunk = text.next())
    out.write(chunk.data(), static_cast<std::streamsize>(chunk.size()));
}

}  // namespace imbgen
