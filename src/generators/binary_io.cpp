// Little-endian binary encoding for model files, with bound-checked reads.
#include "binary_io.h"

#include <cstring>
#include <istream>
#include <ostream>

#include "imbgen/core/error.h"

namespace imbgen {
namespace {

// Used only when the stream cannot tell its size (not seekable): lengths above this are corrupt.
constexpr uint64_t kUnknownSizeLimit = uint64_t{1} << 32;

void put_le(std::ostream& out, uint64_t v, int n_bytes) {
  char buf[8];
  for (int i = 0; i < n_bytes; ++i) buf[i] = static_cast<char>((v >> (8 * i)) & 0xFF);
  out.write(buf, n_bytes);
}

}  // namespace

void BinaryWriter::u8(uint8_t v) { put_le(out_, v, 1); }
void BinaryWriter::u32(uint32_t v) { put_le(out_, v, 4); }
void BinaryWriter::u64(uint64_t v) { put_le(out_, v, 8); }

void BinaryWriter::f32(float v) {
  uint32_t bits = 0;
  std::memcpy(&bits, &v, sizeof bits);
  u32(bits);
}

void BinaryWriter::f64(double v) {
  uint64_t bits = 0;
  std::memcpy(&bits, &v, sizeof bits);
  u64(bits);
}

void BinaryWriter::bytes(const void* data, size_t n) {
  out_.write(static_cast<const char*>(data), static_cast<std::streamsize>(n));
}

void BinaryWriter::string(const std::string& s) {
  u64(s.size());
  bytes(s.data(), s.size());
}

void BinaryWriter::f64_vector(const std::vector<double>& v) {
  u64(v.size());
  for (double x : v) f64(x);
}

void BinaryWriter::f32_array(const float* data, size_t n) {
  for (size_t i = 0; i < n; ++i) f32(data[i]);
}

void BinaryWriter::matrix(const Matrix& m) {
  u64(m.rows);
  u64(m.cols);
  for (double x : m.data) f64(x);
}

BinaryReader::BinaryReader(std::istream& in) : in_(in) {
  const std::streampos start = in_.tellg();
  if (start != std::streampos(-1) && in_.seekg(0, std::ios::end)) {
    const std::streampos end = in_.tellg();
    in_.seekg(start);
    remaining_ = end >= start ? static_cast<uint64_t>(end - start) : 0;
  } else {
    in_.clear();
    remaining_ = kUnknownSizeLimit;
  }
}

void BinaryReader::need(uint64_t n, const std::string& what) const {
  if (n > remaining_) {
    throw Error(ErrorKind::kInvalidArgument, "truncated or corrupt: " + what + " needs " +
                                                 std::to_string(n) + " bytes but only " +
                                                 std::to_string(remaining_) + " are left");
  }
}

void BinaryReader::bytes(void* data, size_t n, const std::string& what) {
  need(n, what);
  in_.read(static_cast<char*>(data), static_cast<std::streamsize>(n));
  if (static_cast<size_t>(in_.gcount()) != n) {
    throw Error(ErrorKind::kInvalidArgument, "truncated: the file ends inside " + what);
  }
  remaining_ -= n;
}

uint8_t BinaryReader::u8(const std::string& what) {
  unsigned char b = 0;
  bytes(&b, 1, what);
  return b;
}

uint32_t BinaryReader::u32(const std::string& what) {
  unsigned char b[4];
  bytes(b, 4, what);
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | b[i];
  return v;
}

uint64_t BinaryReader::u64(const std::string& what) {
  unsigned char b[8];
  bytes(b, 8, what);
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | b[i];
  return v;
}

float BinaryReader::f32(const std::string& what) {
  const uint32_t bits = u32(what);
  float v = 0;
  std::memcpy(&v, &bits, sizeof v);
  return v;
}

double BinaryReader::f64(const std::string& what) {
  const uint64_t bits = u64(what);
  double v = 0;
  std::memcpy(&v, &bits, sizeof v);
  return v;
}

uint64_t BinaryReader::length(const std::string& what, size_t element_size) {
  const uint64_t n = u64(what + " length");
  if (element_size > 0 && n > remaining_ / element_size) {
    const std::string size = element_size == 1 ? std::to_string(n) + " bytes long"
                                               : std::to_string(n) + " items of " +
                                                     std::to_string(element_size) + " bytes";
    throw Error(ErrorKind::kInvalidArgument, "truncated or corrupt: " + what + " says it is " +
                                                 size + " but only " + std::to_string(remaining_) +
                                                 " bytes are left");
  }
  return n;
}

std::string BinaryReader::string(const std::string& what) {
  const uint64_t n = length(what, 1);
  std::string s(static_cast<size_t>(n), '\0');
  if (n > 0) bytes(s.data(), static_cast<size_t>(n), what);
  return s;
}

std::vector<double> BinaryReader::f64_vector(const std::string& what) {
  const uint64_t n = length(what, 8);
  std::vector<double> v(static_cast<size_t>(n));
  for (auto& x : v) x = f64(what);
  return v;
}

void BinaryReader::f32_array(float* data, size_t n, const std::string& what) {
  if (n > remaining_ / 4) need(uint64_t{n} * 4, what);
  for (size_t i = 0; i < n; ++i) data[i] = f32(what);
}

Matrix BinaryReader::matrix(const std::string& what) {
  const uint64_t rows = u64(what + " rows");
  const uint64_t cols = u64(what + " columns");
  if (cols > 0 && rows > remaining_ / 8 / cols) {
    throw Error(ErrorKind::kInvalidArgument, "truncated or corrupt: " + what + " says it is " +
                                                 std::to_string(rows) + " x " +
                                                 std::to_string(cols) + " but only " +
                                                 std::to_string(remaining_) + " bytes are left");
  }
  Matrix m(static_cast<size_t>(rows), static_cast<size_t>(cols));
  for (auto& x : m.data) x = f64(what);
  return m;
}

void BinaryReader::expect_end(const std::string& what) const {
  if (remaining_ != 0) {
    throw Error(ErrorKind::kInvalidArgument,
                "corrupt: " + std::to_string(remaining_) + " unexpected bytes after " + what);
  }
}

}  // namespace imbgen
