// The CSV reader (read_csv, load_table), plain and gzip: any bytes give a table or an
// imbgen::Error. The input is read as a file as it is (gzip seeds exercise the decompression),
// and, when it is not gzip itself, once more gzip-compressed: both reads must agree. A table that
// loads is written with write_rows_csv and must load back with the same shape.
#include <zlib.h>

#include <cstdio>
#include <cstdlib>
#include <sstream>

#include "common.h"
#include "imbgen/core/error.h"
#include "imbgen/data/csv.h"
#include "imbgen/data/table.h"

namespace {

using imbgen::fuzz::scratch_dir;
using imbgen::fuzz::write_bytes;

std::string gzip(const std::string& text) {
  z_stream z{};
  if (deflateInit2(&z, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) std::abort();
  std::string out(deflateBound(&z, static_cast<uLong>(text.size())) + 32, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
  z.avail_in = static_cast<uInt>(text.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  if (deflate(&z, Z_FINISH) != Z_STREAM_END) std::abort();
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

// The header and rows, or the error kind: what must not depend on the compression.
std::string read_outcome(const std::string& path) {
  try {
    const imbgen::CsvData d = imbgen::read_csv(path);
    std::string out;
    for (const auto& h : d.header) out += h + '\x1f';
    for (size_t r = 0; r < d.rows.size(); ++r) {
      out += '\x1e' + std::to_string(d.line[r]);
      for (const auto& f : d.rows[r]) out += '\x1f' + f;
    }
    return out;
  } catch (const imbgen::Error& e) {
    return "error " + std::to_string(static_cast<int>(e.kind()));
  }
}

void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "csv_fuzzer: %s\n", what);
    std::abort();
  }
}

// Loads with `options`; a table that loads goes through write_rows_csv and load_table again.
void load_and_round_trip(const std::string& path, const imbgen::LoadOptions& options) {
  imbgen::Table t;
  try {
    t = imbgen::load_table(path, options);
  } catch (const imbgen::Error&) {
    return;
  }
  check(t.x.rows == t.y.size() && t.x.cols == t.columns.size(), "table shape");
  if (options.no_target) return;  // write_rows_csv writes a target column
  std::ostringstream out;
  imbgen::write_rows_csv(t, t.x, t.y, out);
  const auto again_path = scratch_dir() / "again.csv";
  write_bytes(again_path, out.str());
  imbgen::LoadOptions again_options;
  again_options.target = t.target;
  again_options.allow_single_class = true;
  again_options.max_categories = 0;
  for (const auto& c : t.columns) {
    if (c.kind == imbgen::ColumnKind::kCategorical) again_options.categorical.push_back(c.name);
  }
  const imbgen::Table again = imbgen::load_table(again_path.string(), again_options);
  check(again.rows() == t.rows() && again.columns.size() == t.columns.size() &&
            again.classes.size() == t.classes.size(),
        "write_rows_csv output loads back with another shape");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string bytes = imbgen::fuzz::as_string(data, size);
  const auto plain = scratch_dir() / "input.csv";
  write_bytes(plain, bytes);
  const std::string outcome = read_outcome(plain.string());

  const bool is_gzip = size >= 2 && data[0] == 0x1f && data[1] == 0x8b;
  if (!is_gzip) {
    const auto gz = scratch_dir() / "input.csv.gz";
    write_bytes(gz, gzip(bytes));
    check(read_outcome(gz.string()) == outcome, "plain and gzip reads of one text differ");
  }
  if (outcome.rfind("error", 0) == 0) return 0;

  // The options the commands use: the last column as target; no target (imbgen evaluate); the
  // first column as target with the second declared categorical and few categories allowed.
  const imbgen::CsvData csv = imbgen::read_csv(plain.string());
  imbgen::LoadOptions last;
  last.target = "";
  load_and_round_trip(plain.string(), last);
  imbgen::LoadOptions features;
  features.no_target = true;
  load_and_round_trip(plain.string(), features);
  imbgen::LoadOptions first;
  first.target = csv.header.front();
  first.allow_single_class = true;
  first.max_categories = 4;
  if (csv.header.size() > 1) first.categorical = {csv.header[1]};
  load_and_round_trip(plain.string(), first);
  return 0;
}
