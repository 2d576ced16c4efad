// Private to the data module: the RFC 4180 record parser behind read_csv and load_table. It hands
// out fields as string_views into the file text, so load_table can parse numbers without
// allocating a string per cell.
#pragma once

#include <deque>
#include <string>
#include <string_view>
#include <vector>

namespace imbgen::csv_detail {

// The whole file: plain, or gzip detected by its magic bytes. Throws Error(kNotFound) for a
// missing file, Error(kIo) when it cannot be read or the gzip data is truncated or corrupt.
std::string read_text(const std::string& path);

// "file:LINE: expected N fields (as in the header), got M" (+ a hint when M > N).
std::string ragged_row_message(const std::string& path, size_t line, size_t expected, size_t got);

class Parser {
 public:
  // `path` names the file in error messages; `text` must outlive the parser. A UTF-8 BOM at the
  // start is skipped.
  Parser(const std::string& path, const std::string& text);

  // Reads the next record (skipping completely empty lines) into `fields`; returns false at the
  // end of the input. `record_line` receives the 1-based line where the record starts. The views
  // stay valid until the next call. Throws Error(kInvalidArgument) for an unterminated quote,
  // text after a closing quote, or a field that is not UTF-8 text (naming the line, the column
  // and the byte).
  bool next(std::vector<std::string_view>& fields, size_t& record_line);

 private:
  void end_of_line();
  void count_lines(const char* a, const char* b);
  std::string_view read_quoted(size_t field_number);
  void check_utf8(const std::vector<std::string_view>& fields, size_t record_line) const;

  const std::string& path_;
  const char* p_;
  const char* end_;
  size_t line_ = 1;
  std::vector<std::string> header_;  // the first record, to name columns in messages
  // Unescaped text of quoted fields that held "" (a deque: elements never move, so views into
  // them stay valid while more are added). Reused from record to record.
  std::deque<std::string> scratch_;
  size_t scratch_used_ = 0;
};

}  // namespace imbgen::csv_detail
