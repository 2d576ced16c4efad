// A typed table: feature columns, a target column turned into class indices, and where it came
// from (for error messages).
#pragma once

#include <string>
#include <vector>

#include "imbgen/data/matrix.h"

namespace imbgen {

enum class ColumnKind { kNumeric, kCategorical };

struct ColumnInfo {
  std::string name;
  ColumnKind kind = ColumnKind::kNumeric;
  bool integer = false;  // every value in the file was an integer (by value: "2.0" counts)
};

struct Table {
  std::string source;                // file the table was read from
  std::vector<ColumnInfo> columns;   // feature columns, in file order (target and dropped removed)
  Matrix x;                          // [rows, columns.size()], original units
  std::string target;                // name of the target column
  std::vector<std::string> classes;  // class index -> label text as in the file ("0", "fraud")
  std::vector<int> y;                // class index per row

  size_t rows() const { return x.rows; }
  size_t n_classes() const { return classes.size(); }
  // Rows per class index (size n_classes(); a class absent from these rows counts 0).
  std::vector<size_t> class_counts() const;
  // The class with the fewest rows (ties: the lower index). Throws Error(kInvalidArgument) when
  // the table has no classes.
  int minority_class() const;
  // The class with the most rows (ties: the lower index).
  int majority_class() const;
  // Rows at `indices`, in that order; schema and classes unchanged.
  Table subset(const std::vector<size_t>& indices) const;
  std::vector<std::string> column_names() const;
};

struct LoadOptions {
  std::string target = "Class";
  std::vector<std::string> drop;  // columns to ignore
};

// Reads a CSV (.csv or .csv.gz, see read_csv) into a Table. Class labels are ordered numerically
// when every label is a number (ties such as "1" and "1.0" by text), else lexicographically.
// Blanks (spaces, tabs) around values and labels are ignored; a leading '+' is accepted.
// Throws Error with file, line and column on bad input:
//  - kNotFound: the target or a drop column is not in the header (lists the columns);
//  - kInvalidArgument: duplicate column names; dropping the target; no feature column left;
//    an empty target value; a target with a single class; a feature value that is not a number
//    ("file:LINE: column 'Amount': expected a number, got \"abc\""); an empty, NaN or infinite
//    value (missing values are not supported yet);
//  - kUnsupported: a column in which no value is a number (categorical; names the column, an
//    example value and the hint to drop it).
Table load_table(const std::string& path, const LoadOptions& options);

}  // namespace imbgen
