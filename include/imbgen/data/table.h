// A typed table: feature columns, a target column turned into class indices, and where it came
// from (for error messages).
#pragma once

#include <cmath>
#include <condition_variable>
#include <cstddef>
#include <exception>
#include <functional>
#include <limits>
#include <memory>
#include <mutex>
#include <ostream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "imbgen/data/matrix.h"

namespace imbgen {

enum class ColumnKind { kNumeric, kCategorical };

// How a feature column is stored in Table::x:
//  - numeric: the value in original units; a missing value is NaN.
//  - categorical: the category code 0..categories.size()-1 as a double; a missing value is its
//    own category, whose text is the empty string (shown as "(missing)"), never NaN.
// The members after `integer` have default initializers, so ColumnInfo{name, kind, integer}
// still compiles warning-free.
struct ColumnInfo {
  std::string name;
  ColumnKind kind = ColumnKind::kNumeric;
  // Numeric: every non-missing value in the file was an integer (by value: "2.0" counts).
  // Categorical: false.
  bool integer = false;
  // Categorical: code -> the text as in the file (blanks around it removed); "" is the missing
  // level. Sorted: by value when every non-missing text is a number (ties by text), else by
  // text; so "" (missing), when present, is code 0. Empty for numeric columns.
  std::vector<std::string> categories = {};
  // Numeric: smallest and largest non-missing value; categorical: 0 and categories.size() - 1.
  // NaN when unknown (a numeric column with no value, or a ColumnInfo built by hand).
  double min = std::numeric_limits<double>::quiet_NaN();
  double max = std::numeric_limits<double>::quiet_NaN();
  bool has_missing = false;  // some row has a missing value in this column
};

// The text shown for a category: the category itself, or "(missing)" for the missing level "".
std::string category_label(const std::string& category);

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
  // The rows whose class is `label` (classes unchanged). Throws Error(kInvalidArgument) naming
  // the file, the target and the valid labels when there is no such class.
  Table rows_of_class(const std::string& label) const;
  // The index of class `label`; throws as rows_of_class.
  int class_index(const std::string& label) const;
};

// A fingerprint of a table's content: SHA-256 (hex) over the column names, kinds and categories,
// the target name, the class labels, and every row's values (IEEE doubles, little endian; every
// NaN the same) and class. Two tables with the same schema and rows in the same order have the
// same fingerprint wherever they came from (file name, CSV formatting, Python).
std::string table_fingerprint(const Table& table);

struct LoadOptions {
  std::string target = "Class";  // empty: the last column of the header
  std::vector<std::string> drop;  // columns to ignore
  // Columns to read as categorical even when their values look like numbers ("1" and "1.0" are
  // then two categories). Naming the target here is allowed and changes nothing.
  std::vector<std::string> categorical = {};
  // Most distinct values (the missing level included) a categorical column may have; 0: no
  // limit. Guards against one-hot encoding an identifier or free-text column by accident.
  size_t max_categories = 1000;
  // Accept a target with one class (e.g. a file of synthetic rows of one class); by default a
  // single class is an error, since a classifier needs two.
  bool allow_single_class = false;
  // Read every column as a feature (no target; `target` is ignored): each row gets the one class
  // "" and Table::target is empty. For comparing files of features only (imbgen evaluate).
  bool no_target = false;
};

// Reads a CSV (.csv or .csv.gz, see read_csv) into a Table. Class labels are ordered numerically
// when every label is a number (ties such as "1" and "1.0" by text), else lexicographically.
// Blanks (spaces, tabs) around values and labels are ignored; a leading '+' is accepted.
// Missing values: an empty field, or (case-insensitive) "?", "NA", "N/A", "NaN", "null".
// Column kinds: a declared column (options.categorical) is categorical; otherwise a column is
// categorical when most of its non-missing values are not numbers, else numeric (so a typo in a
// numeric column is an error, not a new kind of column); texts that often stand for a missing
// value ("None", "-", "missing", "#N/A", ...) do not count either way, and stay categories in a
// categorical column. See ColumnInfo for how x stores them.
// Throws Error with file, line and column on bad input:
//  - kNotFound: the target, a drop or a categorical column is not in the header (lists the
//    columns);
//  - kInvalidArgument: a column without a name; duplicate column names; dropping the target; no feature column left;
//    an empty target value; a target with a single class; a value in a numeric column that is
//    not a number ("file:LINE: column 'Amount': expected a number, got \"abc\"", with the hint
//    to declare the column categorical), infinite ("inf") or out of the range of a double; a
//    categorical column with more than max_categories categories.
Table load_table(const std::string& path, const LoadOptions& options);

// The values of one feature column held in memory (e.g. a pandas DataFrame column).
struct ColumnValues {
  std::string name;
  ColumnKind kind = ColumnKind::kNumeric;
  std::vector<double> numbers;     // numeric: one per row, NaN = missing
  std::vector<std::string> texts;  // categorical: one per row; "" or a missing marker = missing
};

// A Table from values in memory, by the rules load_table applies to a file's texts: class order,
// category order and codes, the missing markers ("?", "NA", ...) and blanks, integer columns
// (every non-missing value whole), bounds. So a DataFrame and the CSV file written from it give
// the same Table. `labels` holds each row's class label as text. Throws Error(kInvalidArgument)
// naming the column or row for: no columns or rows, a nameless or duplicate column, a column
// with another number of values than labels, an empty label, an infinite number, a single class
// (unless allow_single_class).
Table table_from_columns(const std::vector<ColumnValues>& columns,
                         const std::vector<std::string>& labels, const std::string& target,
                         const std::string& source, bool allow_single_class = false);

// The class labels of the rows as codes: row i has label texts[codes[i]] (texts: the distinct
// labels, in any order). The same Table as with one text per row, without a text per row.
struct LabelCodes {
  std::vector<int64_t> codes;
  std::vector<std::string> texts;
};
Table table_from_columns(const std::vector<ColumnValues>& columns, const LabelCodes& labels,
                         const std::string& target, const std::string& source,
                         bool allow_single_class = false);

// What table_from_numbers checks and derives before it reads a number: the names (not blank,
// not repeated, not the target's), the classes (in load_table's order) and each row's class.
// The Table has those columns (numeric, not summarised), classes, target, source and y, and x
// with no rows.
Table table_without_numbers(const std::vector<std::string>& names, const LabelCodes& labels,
                            const std::string& target, const std::string& source,
                            bool allow_single_class = false);

// How far v is from a whole number, squared: 0 exactly when v is whole (every double of
// magnitude 2^52 or more is). Below 2^52, adding and taking away 2^52 rounds to a whole number
// and keeps a whole v. Branch-free, so that a loop summing it over a column vectorises.
inline double fraction_squared(double v) {
  constexpr double kTwo52 = 4503599627370496.0;
  const double a = std::fabs(v);  // a mask, no branch: the signs of data are unpredictable
  const double off = a < kTwo52 ? (a + kTwo52) - kTwo52 - a : 0.0;
  return off * off;
}

// table_from_columns for numbers only, read in place in one pass: the same Table, and the same
// errors, as numeric ColumnValues named `names` holding x's columns (NaN = missing).
Table table_from_numbers(const NumberBlock& x, const std::vector<std::string>& names,
                         const LabelCodes& labels, const std::string& target,
                         const std::string& source, bool allow_single_class = false);

// The bundled default data set, a subset of the credit card fraud data (data/README.md): the
// path (the source tree's data/creditcard.csv.gz, or the same file under $IMBGEN_DATA_DIR) and
// the options it is read with (target "Class", "Time" dropped).
std::string bundled_data_path();
LoadOptions bundled_data_options();

// One row of table values (x's layout for `schema.columns`) as the fields of the file it came
// from: a category as its text (the missing level as an empty field), a number in an integer
// column rounded and written as an integer, any other number as the shortest text that reads
// back as the same double, a missing number (NaN) as an empty field. `row` holds
// schema.columns.size() values. Throws Error(kInvalidArgument) for an infinite number or a
// categorical value that is not a code 0..categories.size()-1 (names the column).
std::vector<std::string> format_row(const Table& schema, const double* row);

// Rows of one schema as text, fast (categories escaped once, numbers with write_shortest, the
// same text as std::to_chars, into the output): CSV lines as write_rows_csv writes them, or NDJSON
// objects {"column": value, ..., target: label} (numbers as JSON numbers, categories as strings,
// missing values as null). The checks and errors of format_row.
class RowWriter {
 public:
  explicit RowWriter(const Table& schema);
  // The CSV header line (feature columns, then the target), with "\n".
  const std::string& csv_header() const { return header_; }
  // Appends one row to `out`; when it throws, `out` is as it was.
  void append_csv(const double* row, int cls, std::string& out) const {
    append(row, cls, false, out);
  }
  void append_ndjson(const double* row, int cls, std::string& out) const {
    append(row, cls, true, out);
  }
  // The room write_csv and write_ndjson need at `out` for any row of this schema.
  size_t max_row_chars() const { return max_row_chars_; }
  // Writes one row at `out` (max_row_chars() of room) and returns the end of what it wrote;
  // what lies past that end is scratch.
  char* write_csv(const double* row, int cls, char* out) const;
  char* write_ndjson(const double* row, int cls, char* out) const;

 private:
  inline static const std::string kNull = "null";
  void append(const double* row, int cls, bool ndjson, std::string& out) const;
  char* write_number(size_t column, double v, char* out) const;
  const std::string& category(const std::vector<std::vector<std::string>>& texts, size_t k,
                              const double* row) const;
  const std::string& label(const std::vector<std::string>& labels, int cls) const;
  Table schema_;  // columns, target and classes only
  std::string header_;
  std::vector<std::vector<std::string>> csv_categories_, json_categories_;
  std::vector<std::string> csv_labels_, json_labels_, json_keys_;
  size_t max_row_chars_ = 0;
};

// The rows of one or more blocks of one schema, in order, as the text RowWriter writes (CSV with
// its header line first, or NDJSON), a chunk of about `chunk_bytes` at a time: what `imbgen
// serve` streams and write_rows_csv writes. `threads` threads (started once) format the next
// `threads` + 1 chunks, each thread the earliest one no other has taken, while the caller sends
// or writes the one it holds; with 0, next() formats each chunk itself (no thread to start).
// kAutoThreads: two for more than 20,000 rows, else none. The text is the same whatever the
// thread count.
//
// A block's rows are the caller's (x and y, which must outlive this object) or made when first
// needed: make(x, y) fills x with `rows` rows of the schema's columns and y with their class
// indices. It is called once per block, from the thread that first needs the rows (a worker, or
// next() with no threads), several blocks at once on different threads, and threads that are
// otherwise idle make the next blocks ahead of need (at most threads + 1 blocks' rows are held at
// once). Once written, the rows are dropped and their storage is handed to a later make() (x and
// y then hold old rows, to be resized and overwritten). An exception from make() reaches the
// caller from next() where that block's text would start.
class RowText {
 public:
  struct Block {
    Block() = default;
    Block(const Matrix* rows, const std::vector<int>* classes) : x(rows), y(classes) {}
    const Matrix* x = nullptr;
    const std::vector<int>* y = nullptr;  // class indices, x->rows of them
    // Or, with x and y null, rows made on demand (see above).
    size_t rows = 0;
    std::function<void(Matrix& x, std::vector<int>& y)> make;
  };
  static constexpr int kAutoThreads = -1;
  RowText(const Table& schema, std::vector<Block> blocks, bool ndjson,
          int threads = kAutoThreads, size_t chunk_bytes = size_t{1} << 20);
  ~RowText();
  RowText(const RowText&) = delete;
  RowText& operator=(const RowText&) = delete;
  // The next chunk; empty once every row is written. The view is valid until the next call.
  // Throws as RowWriter does (an infinite value, a bad category code or class index), and what a
  // block's make() threw, once every row before the one it concerns has been returned.
  std::string_view next();
  // Whether next() has nothing more: true once it has returned empty, and with two threads or
  // more already when it returns the last chunk (a caller may stop asking then). Read from the
  // thread that calls next().
  bool done() const { return done_; }

 private:
  struct Run {
    size_t block, first, count;
  };
  struct Rows;  // one block's rows and, for rows made on demand, their state
  struct Slot;  // one chunk in the works: its rows, its text, its state
  void plan(Slot& slot);
  void fill(Slot& slot);
  const Rows& acquire(size_t block, std::unique_lock<std::mutex>& lock);
  void make(size_t block, std::unique_lock<std::mutex>& lock);
  void written(size_t block, size_t count);
  bool can_make_ahead();
  Slot* next_planned();
  void work();
  void stop();

  RowWriter writer_;
  size_t columns_;
  std::vector<std::unique_ptr<Rows>> blocks_;
  bool ndjson_;
  size_t rows_per_chunk_;
  size_t block_ = 0, row_ = 0;  // where the next plan starts
  size_t ahead_ = 0;            // blocks before this one are made, being made or the caller's
  size_t held_ = 0;             // blocks whose made rows are held (or being made)
  std::vector<Matrix> spare_x_;  // storage of dropped rows, for the next make()
  std::vector<std::vector<int>> spare_y_;
  bool header_pending_;
  bool done_ = false, stopping_ = false;
  size_t current_ = 0;  // the slot of the chunk next() returns next
  bool holding_ = false;  // whether the caller holds slot current_ - 1's text
  size_t planned_ = 0;    // chunks planned so far (a slot's `order` among them)
  std::exception_ptr pending_;  // an error next() throws after the text before it
  // Chunk k is slot k % slots_.size(): threads + 1 slots, one with no threads.
  std::vector<std::unique_ptr<Slot>> slots_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<std::thread> workers_;
};

// Writes `x` (table values, as format_row) under the header of `schema` (feature columns, then
// the target), with each row's class label schema.classes[y[r]] in the target column. What it
// writes loads back with load_table (same target, categorical columns declared) to the same
// values: numbers exactly, categories by text, missing values as missing. Throws
// Error(kInvalidArgument) when x's columns or y's length do not match, or a class index is out
// of range, and as format_row. Many rows are formatted by two threads (RowText).
void write_rows_csv(const Table& schema, const Matrix& x, const std::vector<int>& y,
                    std::ostream& out);

}  // namespace imbgen
