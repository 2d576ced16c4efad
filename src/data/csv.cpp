// CSV reading (RFC 4180, plain or gzip through zlib) and writing with shortest round-trip numbers.
// The parser is a single pass over the whole file held in memory: simpler and faster than
// line-by-line streaming for the file sizes imbgen targets (tens of MB).
#include "imbgen/data/csv.h"

#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <memory>

#include "data/csv_parser.h"
#include "imbgen/core/error.h"
#include "imbgen/core/shortest.h"
#include "imbgen/core/text.h"

namespace imbgen {
namespace csv_detail {
namespace {

struct GzCloser {
  void operator()(gzFile_s* f) const {
    if (f) gzclose_r(f);
  }
};

}  // namespace

// zlib reads plain files unchanged ("transparent" mode), so one path serves plain and gzip input.
std::string read_text(const std::string& path) {
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (!std::filesystem::exists(status)) {
    throw Error(ErrorKind::kNotFound, "'" + path + "': no such file");
  }
  if (std::filesystem::is_directory(status)) {
    throw Error(ErrorKind::kIo, "'" + path + "' is a folder, not a CSV file");
  }
  errno = 0;
  std::unique_ptr<gzFile_s, GzCloser> f(gzopen(path.c_str(), "rb"));
  if (!f) {
    throw Error(ErrorKind::kIo, "'" + path + "': cannot open for reading" +
                                    (errno ? std::string(": ") + std::strerror(errno) : ""));
  }
  gzbuffer(f.get(), 1 << 18);

  std::string out;
  const uintmax_t size_on_disk = std::filesystem::file_size(path, ec);
  if (!ec) out.reserve(static_cast<size_t>(size_on_disk));
  // Reads of at most 1 MiB; the first is the size on disk (all of a plain file) plus a little, so
  // that a small file does not pay for zero-filling a 1 MiB buffer.
  constexpr size_t kMaxChunk = 1 << 20;
  size_t chunk = ec ? kMaxChunk
                    : static_cast<size_t>(std::min<uintmax_t>(size_on_disk, kMaxChunk - 4096)) + 4096;
  size_t used = 0;
  for (;;) {
    if (out.size() < used + chunk) out.resize(used + chunk);
    const int n = gzread(f.get(), out.data() + used, static_cast<unsigned>(chunk));
    if (n < 0) {
      int errnum = 0;
      const char* msg = gzerror(f.get(), &errnum);
      throw Error(ErrorKind::kIo, "'" + path + "': the gzip data is truncated or corrupt (zlib: " +
                                      (msg ? msg : "unknown error") + ")");
    }
    if (n == 0) break;
    used += static_cast<size_t>(n);
    chunk = std::min(chunk * 2, kMaxChunk);
  }
  out.resize(used);
  // A gzip stream cut short reads as a clean end of file; zlib reports it only here.
  int errnum = 0;
  const char* msg = gzerror(f.get(), &errnum);
  if (errnum != Z_OK) {
    throw Error(ErrorKind::kIo, "'" + path + "': the gzip data is truncated or corrupt (zlib: " +
                                    (msg ? msg : "unknown error") + ")");
  }
  const int close_rc = gzclose_r(f.release());
  if (close_rc != Z_OK) {
    throw Error(
        ErrorKind::kIo,
        "'" + path + "': the gzip data is truncated or corrupt" +
            std::string(close_rc == Z_BUF_ERROR ? " (it ends in the middle of the stream)" : ""));
  }
  return out;
}

std::string ragged_row_message(const std::string& path, size_t line, size_t expected, size_t got) {
  return path + ":" + std::to_string(line) + ": expected " + std::to_string(expected) +
         " fields (as in the header), got " + std::to_string(got) +
         (got > expected ? " (a field holding a comma must be quoted)" : "");
}

Parser::Parser(const std::string& path, const std::string& text)
    : path_(path), p_(text.data()), end_(text.data() + text.size()) {
  if (end_ - p_ >= 3 && std::memcmp(p_, "\xEF\xBB\xBF", 3) == 0) p_ += 3;
}

bool Parser::next(std::vector<std::string_view>& fields, size_t& record_line) {
  while (p_ < end_ && (*p_ == '\n' || *p_ == '\r')) end_of_line();  // blank lines
  if (p_ >= end_) return false;
  fields.clear();
  scratch_used_ = 0;
  record_line = line_;
  for (;;) {
    if (p_ < end_ && *p_ == '"') {
      fields.push_back(read_quoted(fields.size() + 1));
    } else {
      const char* q = p_;
      while (q < end_ && *q != ',' && *q != '\n' && *q != '\r') ++q;
      fields.emplace_back(p_, static_cast<size_t>(q - p_));
      p_ = q;
    }
    if (p_ < end_ && *p_ == ',') {
      ++p_;
      continue;
    }
    end_of_line();
    check_utf8(fields, record_line);
    if (header_.empty()) header_.assign(fields.begin(), fields.end());
    return true;
  }
}

// Text that is not UTF-8 (a file saved as Latin-1 or Windows-1252) would end up in class labels,
// categories and column names, and from there in JSON, which must be UTF-8: refused here, with
// the place and the way out.
void Parser::check_utf8(const std::vector<std::string_view>& fields, size_t record_line) const {
  for (size_t k = 0; k < fields.size(); ++k) {
    const size_t at = find_invalid_utf8(fields[k]);
    if (at == std::string_view::npos) continue;
    static const char kHex[] = "0123456789ABCDEF";
    const auto byte = static_cast<unsigned char>(fields[k][at]);
    const std::string where =
        header_.empty() ? "the header, column " + std::to_string(k + 1)
        : k < header_.size() ? "column '" + printable(header_[k]) + "'"
                             : "field " + std::to_string(k + 1);
    throw Error(ErrorKind::kInvalidArgument,
                path_ + ":" + std::to_string(record_line) + ": " + where + ": \"" +
                    printable(fields[k]) + "\" is not UTF-8 text (byte 0x" + kHex[byte >> 4] +
                    kHex[byte & 0xF] + " at position " + std::to_string(at + 1) +
                    "); imbgen reads UTF-8 files; hint: convert the file, e.g. iconv -f latin1 -t "
                    "utf-8 FILE > FILE.utf8.csv");
  }
}

// At a line break (or the end of input): consume LF, CRLF or a lone CR.
void Parser::end_of_line() {
  if (p_ >= end_) return;
  if (*p_ == '\r') {
    ++p_;
    if (p_ < end_ && *p_ == '\n') ++p_;
  } else {
    ++p_;
  }
  ++line_;
}

// Counts line breaks in [a, b) the way end_of_line does (LF, CRLF and lone CR count once).
void Parser::count_lines(const char* a, const char* b) {
  for (const char* c = a; c < b; ++c) {
    if (*c == '\n' || (*c == '\r' && (c + 1 >= b || c[1] != '\n'))) ++line_;
  }
}

std::string_view Parser::read_quoted(size_t field_number) {
  const size_t start_line = line_;
  ++p_;  // opening quote
  const char* begin = p_;
  std::string* unescaped = nullptr;  // only used once a "" shows up
  for (;;) {
    const char* q = static_cast<const char*>(std::memchr(p_, '"', static_cast<size_t>(end_ - p_)));
    if (!q) {
      throw Error(ErrorKind::kInvalidArgument,
                  path_ + ":" + std::to_string(start_line) + ": field " +
                      std::to_string(field_number) +
                      ": the quoted field that starts on this line has no closing quote");
    }
    count_lines(p_, q);
    if (q + 1 < end_ && q[1] == '"') {  // "" is a literal quote
      if (!unescaped) {
        if (scratch_used_ == scratch_.size()) scratch_.emplace_back();
        unescaped = &scratch_[scratch_used_++];
        unescaped->clear();
      }
      unescaped->append(p_, static_cast<size_t>(q - p_) + 1);  // the text and one quote
      p_ = q + 2;
      continue;
    }
    if (unescaped) unescaped->append(p_, static_cast<size_t>(q - p_));
    const std::string_view field = unescaped
                                       ? std::string_view(*unescaped)
                                       : std::string_view(begin, static_cast<size_t>(q - begin));
    p_ = q + 1;
    if (p_ < end_ && *p_ != ',' && *p_ != '\n' && *p_ != '\r') {
      throw Error(ErrorKind::kInvalidArgument,
                  path_ + ":" + std::to_string(line_) + ": field " + std::to_string(field_number) +
                      ": unexpected character '" + printable(std::string_view(p_, 1)) +
                      "' after a closing quote (a quote inside a quoted field is written \"\")");
    }
    return field;
  }
}

}  // namespace csv_detail

CsvData read_csv(const std::string& path) {
  const std::string text = csv_detail::read_text(path);
  csv_detail::Parser parser(path, text);
  CsvData data;
  data.path = path;
  std::vector<std::string_view> fields;
  size_t line = 0;
  if (!parser.next(fields, line)) {
    throw Error(ErrorKind::kInvalidArgument,
                "'" + path + "': file has no data rows (the file is empty)");
  }
  data.header.assign(fields.begin(), fields.end());
  const size_t n_cols = data.header.size();
  while (parser.next(fields, line)) {
    if (fields.size() != n_cols) {
      throw Error(ErrorKind::kInvalidArgument,
                  csv_detail::ragged_row_message(path, line, n_cols, fields.size()));
    }
    data.rows.emplace_back(fields.begin(), fields.end());
    data.line.push_back(line);
  }
  if (data.rows.empty()) {
    throw Error(ErrorKind::kInvalidArgument,
                "'" + path + "': file has no data rows (only a header line)");
  }
  return data;
}

std::string format_number(double v) {
  char buf[kShortestRoom];
  return std::string(buf, write_shortest(v, buf));
}

std::string csv_escape(const std::string& field) {
  // A field that starts with a UTF-8 BOM is quoted too: as the first field of a file, readers
  // (read_csv among them) would take the BOM for the file's encoding mark and drop it.
  if (field.find_first_of(",\"\r\n") == std::string::npos &&
      field.compare(0, 3, "\xEF\xBB\xBF") != 0)
    return field;
  std::string out;
  out.reserve(field.size() + 2);
  out.push_back('"');
  for (char c : field) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

void write_csv_row(std::ostream& out, const std::vector<std::string>& fields) {
  // A lone empty field would be an empty line, which readers skip; quote it so it survives.
  if (fields.size() == 1 && fields[0].empty()) {
    out << "\"\"\n";
    return;
  }
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i) out << ',';
    out << csv_escape(fields[i]);
  }
  out << '\n';
}

}  // namespace imbgen
