// table_fingerprint: SHA-256 of a table's schema and rows in a fixed byte layout.
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>

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

void put_double(Sha256& h, double v) {
  if (std::isnan(v)) v = std::nan("");  // one bit pattern for every NaN
  if (v == 0.0) v = 0.0;                // -0.0 and 0.0 are the same value
  uint64_t bits = 0;
  std::memcpy(&bits, &v, sizeof bits);
  put_u64(h, bits);
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
  for (size_t r = 0; r < table.rows(); ++r) {
    for (size_t c = 0; c < table.x.cols; ++c) put_double(h, table.x(r, c));
    put_u64(h, static_cast<uint64_t>(table.y[r]));
  }
  return "sha256:" + h.hex();
}

}  // namespace imbgen
