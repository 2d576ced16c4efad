// load_table: CSV text -> typed Table (numeric features + class indices), with errors that name
// the file, line, column and value; and the small Table helpers.
#include "imbgen/data/table.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <map>
#include <string_view>
#include <utility>

#include "data/csv_parser.h"
#include "imbgen/core/error.h"

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

std::string join_names(const std::vector<std::string>& names) {
  std::string out;
  for (size_t i = 0; i < names.size(); ++i) {
    if (i) out += ", ";
    out += names[i];
  }
  return out;
}

bool equal_ignoring_case(const std::string& a, const std::string& b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// "'file': <what> 'name' is not in the header; the columns are: ..." with a case-insensitive
// suggestion when there is one.
Error unknown_column(const std::string& path, const std::vector<std::string>& header,
                     const std::string& what, const std::string& name) {
  std::string msg = "'" + path + "': " + what + " '" + name + "' is not in the header";
  for (const auto& h : header) {
    if (equal_ignoring_case(h, name)) {
      msg += " (did you mean '" + h + "'?)";
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

bool is_missing_marker(std::string_view v) {
  static const char* const kMarkers[] = {"NA",   "N/A",  "na", "n/a", "null",    "NULL",
                                         "None", "none", "?",  "-",   "missing", "#N/A"};
  for (const char* m : kMarkers) {
    if (v == m) return true;
  }
  return false;
}

// What one pass over a feature column found. The first problem is kept, not thrown, until the
// whole column has been read: a column with no number at all is reported as categorical instead.
struct ColumnScan {
  size_t n_numbers = 0;
  bool integer = true;
  bool has_text = false;     // some value is non-numeric text
  std::string example_text;  // the first such value
  size_t bad_line = 0;       // line of the first problem value (0: none)
  std::string bad_value;
  Parsed bad_kind = Parsed::kNumber;
};

std::string value_error(const std::string& path, const std::string& column,
                        const ColumnScan& scan) {
  const std::string& raw = scan.bad_value;
  const std::string where =
      path + ":" + std::to_string(scan.bad_line) + ": column '" + column + "': ";
  const std::string missing =
      "missing values are not supported yet; fill them in or drop the rows or the column";
  switch (scan.bad_kind) {
    case Parsed::kEmpty:
      return where + "empty value (" + missing + ")";
    case Parsed::kNonFinite:
      return where + "value \"" + raw + "\" is not a finite number (" + missing + ")";
    case Parsed::kOutOfRange:
      return where + "value \"" + raw + "\" is out of the range of a double";
    case Parsed::kNotNumber:
    case Parsed::kNumber:
      break;
  }
  std::string msg = where + "expected a number, got \"" + raw + "\"";
  if (is_missing_marker(trim(raw))) msg += " (" + missing + ")";
  return msg;
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

std::vector<std::string> Table::column_names() const {
  std::vector<std::string> names;
  names.reserve(columns.size());
  for (const auto& c : columns) names.push_back(c.name);
  return names;
}

// One pass over the records straight from the parser's views: no string per cell, so the
// bundled 35k x 31 file loads in a fraction of a second.
Table load_table(const std::string& path, const LoadOptions& options) {
  const std::string text = csv_detail::read_text(path);
  csv_detail::Parser parser(path, text);
  std::vector<std::string_view> fields;
  size_t line = 0;
  if (!parser.next(fields, line)) {
    throw Error(ErrorKind::kInvalidArgument,
                "'" + path + "': file has no data rows (the file is empty)");
  }
  const std::vector<std::string> header(fields.begin(), fields.end());
  const size_t n_cols = header.size();

  // Duplicate names would make --target/--drop ambiguous.
  {
    std::map<std::string, std::vector<size_t>> positions;
    for (size_t j = 0; j < n_cols; ++j) positions[header[j]].push_back(j + 1);
    for (size_t j = 0; j < n_cols; ++j) {
      const auto& pos = positions[header[j]];
      if (pos.size() > 1) {
        std::string where;
        for (size_t k = 0; k < pos.size(); ++k) where += (k ? ", " : "") + std::to_string(pos[k]);
        throw Error(ErrorKind::kInvalidArgument,
                    "'" + path + "': column name '" + header[j] +
                        "' appears more than once in the header (columns " + where +
                        "); column names must be unique");
      }
    }
  }

  const size_t target = column_index(path, header, "target column", options.target);
  std::vector<bool> keep(n_cols, true);
  keep[target] = false;
  for (const auto& name : options.drop) {
    const size_t j = column_index(path, header, "column to drop", name);
    if (j == target) {
      throw Error(ErrorKind::kInvalidArgument,
                  "'" + path + "': cannot drop '" + name + "': it is the target column");
    }
    keep[j] = false;
  }
  std::vector<size_t> features;
  for (size_t j = 0; j < n_cols; ++j) {
    if (keep[j]) features.push_back(j);
  }
  if (features.empty()) {
    throw Error(ErrorKind::kInvalidArgument,
                "'" + path + "': no feature columns left after taking the target '" +
                    options.target + "' and the dropped columns out");
  }
  const size_t d = features.size();

  // ---- the rows ----
  std::vector<double> x;
  x.reserve(text.size() / (8 * n_cols + 1) * d);  // a guess: about 8 characters per value
  std::vector<ColumnScan> scans(d);
  std::map<std::string, int, std::less<>> label_id;  // label text -> order of first appearance
  std::vector<int> first_seen;                       // provisional class id per row
  size_t n_rows = 0;
  while (parser.next(fields, line)) {
    if (fields.size() != n_cols) {
      throw Error(ErrorKind::kInvalidArgument,
                  csv_detail::ragged_row_message(path, line, n_cols, fields.size()));
    }
    const std::string_view label = trim(fields[target]);
    if (label.empty()) {
      throw Error(ErrorKind::kInvalidArgument,
                  path + ":" + std::to_string(line) + ": column '" + options.target +
                      "' (the target) is empty; every row needs a class label");
    }
    auto it = label_id.find(label);
    if (it == label_id.end()) {
      it = label_id.emplace(std::string(label), static_cast<int>(label_id.size())).first;
    }
    first_seen.push_back(it->second);

    for (size_t k = 0; k < d; ++k) {
      const std::string_view raw = fields[features[k]];
      double v = 0.0;
      const Parsed kind = parse_number(raw, v);
      ColumnScan& s = scans[k];
      x.push_back(kind == Parsed::kNumber ? v : 0.0);
      if (kind == Parsed::kNumber) {
        ++s.n_numbers;
        if (s.integer && std::floor(v) != v) s.integer = false;
        continue;
      }
      if (kind == Parsed::kNotNumber && !s.has_text) {
        s.has_text = true;
        s.example_text = std::string(raw);
      }
      if (s.bad_line == 0) {
        s.bad_line = line;
        s.bad_value = std::string(raw);
        s.bad_kind = kind;
      }
    }
    ++n_rows;
  }
  if (n_rows == 0) {
    throw Error(ErrorKind::kInvalidArgument,
                "'" + path + "': file has no data rows (only a header line)");
  }

  // Columns without a single number are categorical: report them all at once.
  std::vector<size_t> categorical;
  for (size_t k = 0; k < d; ++k) {
    if (scans[k].n_numbers == 0 && scans[k].has_text) categorical.push_back(k);
  }
  if (!categorical.empty()) {
    std::string names, list;
    for (size_t i = 0; i < categorical.size(); ++i) {
      const size_t k = categorical[i];
      names +=
          (i ? ", '" : "'") + header[features[k]] + "' (e.g. \"" + scans[k].example_text + "\")";
      list += (i ? "," : "") + header[features[k]];
    }
    const bool one = categorical.size() == 1;
    throw Error(ErrorKind::kUnsupported,
                "'" + path + "': column" + (one ? " " : "s ") + names + (one ? " is" : " are") +
                    " categorical (no value is a number), which is not supported yet; drop " +
                    (one ? "it" : "them") + " with --drop " + list);
  }
  // Otherwise the first bad value in file order.
  const ColumnScan* worst = nullptr;
  size_t worst_k = 0;
  for (size_t k = 0; k < d; ++k) {
    if (scans[k].bad_line == 0) continue;
    if (!worst || scans[k].bad_line < worst->bad_line) {
      worst = &scans[k];
      worst_k = k;
    }
  }
  if (worst) {
    throw Error(ErrorKind::kInvalidArgument, value_error(path, header[features[worst_k]], *worst));
  }

  // ---- class order: numeric when every label is a number (ties by text), else text ----
  std::vector<std::pair<double, const std::string*>> order;
  bool all_numeric = true;
  for (const auto& kv : label_id) {  // map order: lexicographic
    double v = 0.0;
    if (parse_number(kv.first, v) != Parsed::kNumber) all_numeric = false;
    order.emplace_back(v, &kv.first);
  }
  if (all_numeric) {
    std::sort(order.begin(), order.end(), [](const auto& a, const auto& b) {
      return a.first != b.first ? a.first < b.first : *a.second < *b.second;
    });
  }
  if (order.size() < 2) {
    throw Error(ErrorKind::kInvalidArgument,
                "'" + path + "': the target '" + options.target + "' has a single class \"" +
                    *order.front().second +
                    "\" in every row; a classifier needs at least two classes");
  }

  Table table;
  table.source = path;
  table.target = options.target;
  std::vector<int> final_id(order.size());
  for (size_t c = 0; c < order.size(); ++c) {
    final_id[static_cast<size_t>(label_id.find(*order[c].second)->second)] = static_cast<int>(c);
    table.classes.push_back(*order[c].second);
  }
  table.y.resize(n_rows);
  for (size_t i = 0; i < n_rows; ++i) table.y[i] = final_id[static_cast<size_t>(first_seen[i])];

  table.x.rows = n_rows;
  table.x.cols = d;
  table.x.data = std::move(x);
  table.columns.resize(d);
  for (size_t k = 0; k < d; ++k) {
    table.columns[k].name = header[features[k]];
    table.columns[k].kind = ColumnKind::kNumeric;
    table.columns[k].integer = scans[k].integer;
  }
  return table;
}

}  // namespace imbgen
