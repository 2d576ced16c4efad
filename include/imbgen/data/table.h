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
  bool integer = false;  // every value in the file was an integer
};

struct Table {
  std::string source;               // file the table was read from
  std::vector<ColumnInfo> columns;  // feature columns, in file order (target and dropped removed)
  Matrix x;                         // [rows, columns.size()], original units
  std::string target;               // name of the target column
  std::vector<std::string> classes; // class index -> label text as in the file ("0", "fraud")
  std::vector<int> y;               // class index per row

  size_t rows() const { return x.rows; }
  size_t n_classes() const { return classes.size(); }
  std::vector<size_t> class_counts() const;
  // The class with the fewest rows (ties: the lower index).
  int minority_class() const;
  int majority_class() const;
  // Rows at `indices`, in that order; schema and classes unchanged.
  Table subset(const std::vector<size_t>& indices) const;
  std::vector<std::string> column_names() const;
};

struct LoadOptions {
  std::string target = "Class";
  std::vector<std::string> drop;  // columns to ignore
};

// Reads a CSV (.csv or .csv.gz) into a Table. Class labels are ordered numerically when every
// label is a number, else lexicographically. Throws Error with file, line and column on bad input.
Table load_table(const std::string& path, const LoadOptions& options);

}  // namespace imbgen
