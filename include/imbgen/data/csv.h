// RFC 4180 CSV: reading (LF/CRLF, quoted fields, .csv.gz) and writing.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "imbgen/data/matrix.h"

namespace imbgen {

struct CsvData {
  std::string path;
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
  std::vector<size_t> line;  // 1-based line number in the file where each row starts
};

// Reads the whole file; a name ending in ".gz" is decompressed. Throws Error(kNotFound) for a
// missing file, Error(kInvalidArgument) for an empty file, a ragged row ("file:line: expected N
// fields, got M") or a broken quote.
CsvData read_csv(const std::string& path);

// Shortest text that reads back as the same double ("0.1", "-3", "1e-07").
std::string format_number(double v);
// Quotes a field when it holds a comma, quote, CR or LF.
std::string csv_escape(const std::string& field);
void write_csv_row(std::ostream& out, const std::vector<std::string>& fields);

}  // namespace imbgen
