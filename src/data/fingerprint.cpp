// table_fingerprint: SHA-256 of a table's schema and rows in a fixed byte layout.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "imbgen/core/sha256.h"
#include "imbgen/data/table.h"

namespace imbgen {
namespace {

void put_u64(Sha256& h, uint64_t v) {
  unsigned char b[8];
  for (int i = 0; i < 8; ++i) b[i] = static_cast<unsigned char>(v >> (8 * i));
  h.update(b, 8);
}

// Length-prefixed, so that ("ab", "c") and ("a", "bc") differ.
void put_text(Sha256& h, const std::string& s) {
  put_u64(h, s.size());
  h.update(s);
}

constexpr size_t kBufferWords = 1 << 13;

uint64_t double_bits(double v) {
  if (std::isnan(v)) v = std::nan("");  // one bit pattern for every NaN
  if (v == 0.0) v = 0.0;                // -0.0 and 0.0 are the same value
  uint64_t bits = 0;
  std::memcpy(&bits, &v, sizeof bits);
  return bits;
}

}  // namespace

std::string table_fingerprint(const Table& table) {
  Sha256 h;
  put_text(h, "imbgen-table-v1");
  put_u64(h, table.columns.size());
  for (const auto& c : table.columns) {
    put_text(h, c.name);
    put_u64(h, c.kind == ColumnKind::kCategorical ? 1 : 0);
    put_u64(h, c.categories.size());
    for (const auto& cat : c.categories) put_text(h, cat);
  }
  put_text(h, table.target);
  put_u64(h, table.classes.size());
  for (const auto& label : table.classes) put_text(h, label);
  put_u64(h, table.rows());
  // The rows go through a buffer (little-endian 64-bit words, as put_u64 writes them): SHA-256
  // takes the same bytes in far fewer update() calls.
  const size_t words_per_row = table.x.cols + 1;
  const size_t rows_per_chunk = std::max<size_t>(1, kBufferWords / words_per_row);
  std::vector<uint64_t> words(rows_per_chunk * words_per_row);
  std::vector<unsigned char> bytes(words.size() * 8);
  for (size_t r0 = 0; r0 < table.rows(); r0 += rows_per_chunk) {
    const size_t r1 = std::min(table.rows(), r0 + rows_per_chunk);
    size_t w = 0;
    for (size_t r = r0; r < r1; ++r) {
      const double* row = &table.x.data[r * table.x.cols];
      for (size_t c = 0; c < table.x.cols; ++c) words[w++] = double_bits(row[c]);
      words[w++] = static_cast<uint64_t>(table.y[r]);
    }
    for (size_t i = 0; i < w; ++i) {
      for (int k = 0; k < 8; ++k) bytes[8 * i + k] = static_cast<unsigned char>(words[i] >> (8 * k));
    }
    h.update(bytes.data(), 8 * w);
  }
  return "sha256:" + h.hex();
}

}  // namespace imbgen
