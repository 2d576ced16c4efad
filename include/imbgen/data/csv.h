// RFC 4180 CSV: reading (LF/CRLF, quoted fields, UTF-8 BOM, .csv.gz) and writing.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "imbgen/data/matrix.h"

namespace imbgen {

struct CsvData {
  std::string path;
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;  // every row has header.size() fields
  std::vector<size_t> line;  // 1-based line number in the file where each row starts
};

// Reads the whole file. gzip content (a ".csv.gz") is detected by its magic bytes and
// decompressed. The first record is the header. Fields follow RFC 4180: a field that starts with
// a quote runs to the matching quote, may hold commas, CR and LF, and writes a quote as "";
// quotes are removed from the returned text. Records end in LF, CRLF or a lone CR. A UTF-8 BOM at
// the start is skipped; completely empty lines are skipped (they hold no record).
// Throws Error(kNotFound) for a missing file (naming the path); Error(kIo) for a file that cannot
// be read or a truncated/corrupt gzip stream; Error(kInvalidArgument) for an empty or header-only
// file ("file has no data rows"), a ragged row ("file:LINE: expected N fields (as in the
// header), got M"), an unterminated quote (names the line where the field started), or text
// after a closing quote.
CsvData read_csv(const std::string& path);

// Shortest text that reads back as the same double ("0.1", "-3", "1e-07"): write_shortest,
// the same text as std::to_chars.
// Non-finite values give "nan", "inf", "-inf".
std::string format_number(double v);
// Quotes a field when it holds a comma, quote, CR or LF (quotes inside are doubled).
std::string csv_escape(const std::string& field);
// The escaped fields joined by commas, then "\n".
void write_csv_row(std::ostream& out, const std::vector<std::string>& fields);

}  // namespace imbgen
