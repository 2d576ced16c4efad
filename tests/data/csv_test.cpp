// Tests for the CSV reader and writer: RFC 4180 quoting, line endings, BOM, gzip, every bad input,
// and the shortest round-trip number format.
#include "imbgen/data/csv.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <limits>
#include <sstream>

#include "data/temp_dir.h"
#include "imbgen/core/error.h"
#include "imbgen/core/rng.h"

namespace imbgen {
namespace {

using testing::TempDir;

const std::string kFixtures = std::string(IMBGEN_TEST_DATA) + "/csv/";

// Runs `fn`, expects an imbgen::Error of `kind`, returns its message.
template <typename Fn>
std::string error_of(Fn fn, ErrorKind kind) {
  try {
    fn();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), kind) << e.what();
    return e.what();
  }
  ADD_FAILURE() << "no imbgen::Error thrown";
  return "";
}

std::string gzip(const TempDir& dir, const std::string& name, const std::string& content) {
  const std::string path = dir.path(name);
  gzFile f = gzopen(path.c_str(), "wb9");
  EXPECT_NE(f, nullptr);
  EXPECT_EQ(gzwrite(f, content.data(), static_cast<unsigned>(content.size())),
            static_cast<int>(content.size()));
  EXPECT_EQ(gzclose(f), Z_OK);
  return path;
}

TEST(CsvReader, ReadsHeaderRowsAndLineNumbers) {
  TempDir dir;
  const auto path = dir.write("a.csv", "a,b\n1,2\n3,4\n");
  const CsvData csv = read_csv(path);
  EXPECT_EQ(csv.path, path);
  EXPECT_EQ(csv.header, (std::vector<std::string>{"a", "b"}));
  ASSERT_EQ(csv.rows.size(), 2u);
  EXPECT_EQ(csv.rows[0], (std::vector<std::string>{"1", "2"}));
  EXPECT_EQ(csv.rows[1], (std::vector<std::string>{"3", "4"}));
  EXPECT_EQ(csv.line, (std::vector<size_t>{2, 3}));
}

TEST(CsvReader, HandlesRfc4180Quoting) {
  // id,"name, full","quote ""q""",note / a field with a line break inside quotes / an empty
  // quoted field and an empty last field.
  const CsvData csv = read_csv(kFixtures + "quoted.csv");
  EXPECT_EQ(csv.header, (std::vector<std::string>{"id", "name, full", "quote \"q\"", "note"}));
  ASSERT_EQ(csv.rows.size(), 2u);
  EXPECT_EQ(csv.rows[0], (std::vector<std::string>{"1", "Smith, Jo", "say \"hi\"", "two\nlines"}));
  EXPECT_EQ(csv.rows[1], (std::vector<std::string>{"2", "plain", "", ""}));
  // The second row starts on line 4: the first one spans lines 2-3.
  EXPECT_EQ(csv.line, (std::vector<size_t>{2, 4}));
}

TEST(CsvReader, HandlesCrlfAndCrlfInsideQuotes) {
  TempDir dir;
  const auto path = dir.write("crlf.csv", "a,b\r\n1,\"x\r\ny\"\r\n3,4\r\n");
  const CsvData csv = read_csv(path);
  EXPECT_EQ(csv.header, (std::vector<std::string>{"a", "b"}));
  ASSERT_EQ(csv.rows.size(), 2u);
  EXPECT_EQ(csv.rows[0], (std::vector<std::string>{"1", "x\r\ny"}));
  EXPECT_EQ(csv.rows[1], (std::vector<std::string>{"3", "4"}));
  EXPECT_EQ(csv.line, (std::vector<size_t>{2, 4}));

  const CsvData old_mac = read_csv(dir.write("cr.csv", "a,b\r1,2\r3,4\r"));
  ASSERT_EQ(old_mac.rows.size(), 2u);
  EXPECT_EQ(old_mac.rows[1], (std::vector<std::string>{"3", "4"}));
  EXPECT_EQ(old_mac.line, (std::vector<size_t>{2, 3}));
}

TEST(CsvReader, AcceptsMissingFinalNewlineAndSkipsBlankLines) {
  TempDir dir;
  const auto path = dir.write("b.csv", "a,b\n\n1,2\n\r\n3,\n");
  const CsvData csv = read_csv(path);
  ASSERT_EQ(csv.rows.size(), 2u);
  EXPECT_EQ(csv.rows[1], (std::vector<std::string>{"3", ""}));
  EXPECT_EQ(csv.line, (std::vector<size_t>{3, 5}));

  const CsvData no_newline = read_csv(dir.write("c.csv", "a,b\n1,\"2\""));
  ASSERT_EQ(no_newline.rows.size(), 1u);
  EXPECT_EQ(no_newline.rows[0], (std::vector<std::string>{"1", "2"}));
}

TEST(CsvReader, SkipsUtf8Bom) {
  TempDir dir;
  const CsvData csv = read_csv(dir.write("bom.csv", "\xEF\xBB\xBF\"a\",b\n1,2\n"));
  EXPECT_EQ(csv.header, (std::vector<std::string>{"a", "b"}));
}

TEST(CsvReader, ReadsGzipFixtureAndGzipWrittenByZlib) {
  const CsvData fixture = read_csv(kFixtures + "small.csv.gz");
  EXPECT_EQ(fixture.header, (std::vector<std::string>{"x1", "x2", "label"}));
  ASSERT_EQ(fixture.rows.size(), 3u);
  EXPECT_EQ(fixture.rows[2], (std::vector<std::string>{"2.25", "3", "a"}));

  TempDir dir;
  const CsvData written = read_csv(gzip(dir, "w.csv.gz", "a,b\r\n\"1,5\",2\r\n"));
  ASSERT_EQ(written.rows.size(), 1u);
  EXPECT_EQ(written.rows[0], (std::vector<std::string>{"1,5", "2"}));
}

TEST(CsvReader, RejectsMissingFile) {
  const std::string msg =
      error_of([] { read_csv("/nonexistent/imbgen/no.csv"); }, ErrorKind::kNotFound);
  EXPECT_NE(msg.find("/nonexistent/imbgen/no.csv"), std::string::npos) << msg;
  EXPECT_NE(msg.find("no such file"), std::string::npos) << msg;
}

TEST(CsvReader, RejectsAFolder) {
  TempDir dir;
  const std::string msg = error_of([&] { read_csv(dir.path("")); }, ErrorKind::kIo);
  EXPECT_NE(msg.find("folder"), std::string::npos) << msg;
}

TEST(CsvReader, RejectsEmptyAndHeaderOnlyFiles) {
  TempDir dir;
  for (const std::string content : {"", "\n\n", "a,b,c\n",
                                    "\xEF\xBB\xBF"
                                    "a,b\r\n\r\n"}) {
    const auto path = dir.write("e.csv", content);
    const std::string msg = error_of([&] { read_csv(path); }, ErrorKind::kInvalidArgument);
    EXPECT_NE(msg.find("file has no data rows"), std::string::npos) << msg;
    EXPECT_NE(msg.find(path), std::string::npos) << msg;
  }
}

TEST(CsvReader, RejectsRaggedRowsNamingTheLine) {
  TempDir dir;
  const auto path = dir.write("r.csv", "a,b,c\n1,2,3\n\"x\ny\",2,3\n4,5\n");
  const std::string msg = error_of([&] { read_csv(path); }, ErrorKind::kInvalidArgument);
  EXPECT_NE(msg.find(path + ":5: expected 3 fields (as in the header), got 2"), std::string::npos)
      << msg;

  const auto longer = dir.write("l.csv", "a,b\n1,2\n1,000.5,2\n");
  const std::string msg2 = error_of([&] { read_csv(longer); }, ErrorKind::kInvalidArgument);
  EXPECT_NE(msg2.find(longer + ":3: expected 2 fields (as in the header), got 3"),
            std::string::npos)
      << msg2;
  EXPECT_NE(msg2.find("must be quoted"), std::string::npos) << msg2;
}

TEST(CsvReader, RejectsUnterminatedQuoteNamingWhereItStarted) {
  TempDir dir;
  const auto path = dir.write("q.csv", "a,b\n1,2\n3,\"open\n4,5\n6,7\n");
  const std::string msg = error_of([&] { read_csv(path); }, ErrorKind::kInvalidArgument);
  EXPECT_NE(msg.find(path + ":3: field 2:"), std::string::npos) << msg;
  EXPECT_NE(msg.find("no closing quote"), std::string::npos) << msg;
}

TEST(CsvReader, RejectsTextAfterClosingQuote) {
  TempDir dir;
  const auto path = dir.write("t.csv", "a,b\n1,\"x\"y\n");
  const std::string msg = error_of([&] { read_csv(path); }, ErrorKind::kInvalidArgument);
  EXPECT_NE(msg.find(path + ":2: field 2: unexpected character 'y'"), std::string::npos) << msg;
}

TEST(CsvReader, RejectsTruncatedAndCorruptGzip) {
  TempDir dir;
  std::string content = "a,b\n";
  Rng rng(3);
  for (int i = 0; i < 2000; ++i) content += format_number(rng.normal()) + ",1\n";
  const std::string good = gzip(dir, "good.csv.gz", content);
  const std::string bytes = [&] {
    std::ifstream in(good, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }();
  ASSERT_GT(bytes.size(), 100u);
  ASSERT_EQ(read_csv(good).rows.size(), 2000u);

  const auto truncated = dir.write("trunc.csv.gz", bytes.substr(0, bytes.size() / 2));
  const std::string msg = error_of([&] { read_csv(truncated); }, ErrorKind::kIo);
  EXPECT_NE(msg.find(truncated), std::string::npos) << msg;
  EXPECT_NE(msg.find("truncated or corrupt"), std::string::npos) << msg;

  // Without the 8-byte trailer (CRC and length) the stream is also incomplete.
  const auto no_trailer = dir.write("trail.csv.gz", bytes.substr(0, bytes.size() - 8));
  error_of([&] { read_csv(no_trailer); }, ErrorKind::kIo);

  std::string flipped = bytes;
  for (size_t i = 20; i < 60; ++i) flipped[i] = static_cast<char>(flipped[i] ^ 0x5A);
  const auto corrupt = dir.write("corrupt.csv.gz", flipped);
  const std::string msg3 = error_of([&] { read_csv(corrupt); }, ErrorKind::kIo);
  EXPECT_NE(msg3.find("corrupt"), std::string::npos) << msg3;
}

TEST(CsvWriter, EscapesOnlyWhenNeeded) {
  EXPECT_EQ(csv_escape("plain"), "plain");
  EXPECT_EQ(csv_escape(""), "");
  EXPECT_EQ(csv_escape("a,b"), "\"a,b\"");
  EXPECT_EQ(csv_escape("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(csv_escape("two\nlines"), "\"two\nlines\"");
  EXPECT_EQ(csv_escape("cr\r"), "\"cr\r\"");
}

TEST(CsvWriter, RowsReadBackUnchanged) {
  const std::vector<std::vector<std::string>> rows = {
      {"name", "note", "value"},
      {"a,b", "say \"hi\"", "1.5"},
      {"", "x\r\ny", "-0"},
      {"\"", ",", "\n"},
  };
  std::ostringstream out;
  for (const auto& r : rows) write_csv_row(out, r);
  TempDir dir;
  const CsvData csv = read_csv(dir.write("w.csv", out.str()));
  EXPECT_EQ(csv.header, rows[0]);
  ASSERT_EQ(csv.rows.size(), rows.size() - 1);
  for (size_t i = 1; i < rows.size(); ++i) EXPECT_EQ(csv.rows[i - 1], rows[i]);

  std::ostringstream single;
  write_csv_row(single, {"only"});
  write_csv_row(single, {""});
  const CsvData one = read_csv(dir.write("one.csv", single.str()));
  ASSERT_EQ(one.rows.size(), 1u);
  EXPECT_EQ(one.rows[0], std::vector<std::string>{""});
}

// Found by fuzz/csv_fuzzer.cpp: a column whose name starts with a UTF-8 BOM (the BOM of a
// second file pasted into a header) was written unquoted as the first field of the file, and the
// reader took it for the file's own BOM: the column came back without a name.
TEST(CsvWriter, AFirstFieldStartingWithABomReadsBack) {
  const std::vector<std::string> header = {"\xEF\xBB\xBF", "\xEF\xBB\xBFid", "y"};
  std::ostringstream out;
  write_csv_row(out, header);
  write_csv_row(out, {"1", "2", "0"});
  TempDir dir;
  EXPECT_EQ(read_csv(dir.write("bom.csv", out.str())).header, header);
}

TEST(CsvWriter, RandomTablesRoundTripThroughTheReader) {
  // Property loop: fields drawn from an alphabet rich in separators, quotes and line breaks.
  const std::string alphabet = "ab1 ,\"\r\n";
  Rng rng(99);
  TempDir dir;
  for (int trial = 0; trial < 200; ++trial) {
    const size_t cols = 1 + rng.index(4), rows = 1 + rng.index(6);
    std::vector<std::vector<std::string>> table(rows + 1, std::vector<std::string>(cols));
    for (auto& row : table) {
      for (auto& field : row) {
        const size_t len = rng.index(6);
        for (size_t i = 0; i < len; ++i) field.push_back(alphabet[rng.index(alphabet.size())]);
      }
    }
    std::ostringstream out;
    for (const auto& row : table) write_csv_row(out, row);
    const CsvData csv = read_csv(dir.write("r.csv", out.str()));
    ASSERT_EQ(csv.header, table[0]) << out.str();
    ASSERT_EQ(csv.rows.size(), rows) << out.str();
    for (size_t i = 0; i < rows; ++i) ASSERT_EQ(csv.rows[i], table[i + 1]) << out.str();
  }
}

TEST(FormatNumber, GivesShortestText) {
  EXPECT_EQ(format_number(0.1), "0.1");
  EXPECT_EQ(format_number(-3.0), "-3");
  EXPECT_EQ(format_number(1e-7), "1e-07");
  EXPECT_EQ(format_number(149.62), "149.62");
  EXPECT_EQ(format_number(0.0), "0");
  EXPECT_EQ(format_number(1e21), "1e+21");
  EXPECT_EQ(format_number(0.1 + 0.2), "0.30000000000000004");
  EXPECT_EQ(format_number(std::numeric_limits<double>::infinity()), "inf");
}

// Digits of the mantissa without leading and trailing zeros ("0.0120" -> 2, "1e+21" -> 1).
int significant_digits(const std::string& text) {
  std::string digits;
  for (char c : text) {
    if (c == 'e') break;
    if (c >= '0' && c <= '9') digits.push_back(c);
  }
  const size_t first = digits.find_first_not_of('0');
  if (first == std::string::npos) return 1;
  const size_t last = digits.find_last_not_of('0');
  return static_cast<int>(last - first + 1);
}

TEST(FormatNumber, RoundTripsExactly) {
  // Property loop: values of every magnitude, plus random bit patterns.
  Rng rng(20240601);
  for (int i = 0; i < 20000; ++i) {
    double v = 0.0;
    if (i % 2 == 0) {
      v = rng.normal() * std::pow(10.0, static_cast<double>(rng.index(40)) - 20.0);
    } else {
      const uint64_t bits = rng.next_u64();
      std::memcpy(&v, &bits, sizeof v);
      if (!std::isfinite(v)) continue;
    }
    const std::string text = format_number(v);
    const double back = std::strtod(text.c_str(), nullptr);
    ASSERT_EQ(std::memcmp(&back, &v, sizeof v), 0) << text;
    // Shortest: never longer than the shortest %.*g text that round-trips, and with as many
    // significant digits, unless it is a whole number written out in full because that is
    // shorter than its exponent form ("-425792238550580032").
    int shortest = 1;
    char buf[40];
    for (;; ++shortest) {
      std::snprintf(buf, sizeof buf, "%.*g", shortest, v);
      if (std::strtod(buf, nullptr) == v) break;
    }
    ASSERT_LE(text.size(), std::strlen(buf)) << text << " vs " << buf;
    if (text.find_first_of(".e") != std::string::npos) {
      ASSERT_EQ(significant_digits(text), shortest) << text << " vs " << buf;
    }
  }
}

}  // namespace
}  // namespace imbgen
