// Little-endian binary writer/reader for model files. The reader bound-checks every length against
// the bytes left in the stream, so a corrupt length is an Error, never a huge allocation.
#pragma once

#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

#include "imbgen/data/matrix.h"

namespace imbgen {

class BinaryWriter {
 public:
  explicit BinaryWriter(std::ostream& out) : out_(out) {}

  void u8(uint8_t v);
  void u32(uint32_t v);
  void u64(uint64_t v);
  void i64(int64_t v) { u64(static_cast<uint64_t>(v)); }
  void f32(float v);
  void f64(double v);
  void bytes(const void* data, size_t n);
  void string(const std::string& s);              // u64 length + bytes
  void f64_vector(const std::vector<double>& v);  // u64 count + values
  void f32_array(const float* data, size_t n);    // values only (the count is the caller's)
  void matrix(const Matrix& m);                   // u64 rows, u64 cols, values

 private:
  std::ostream& out_;
};

// Every read throws Error(kInvalidArgument) naming `what` when the stream ends early or a length
// is larger than what is left; the caller prefixes the file name.
class BinaryReader {
 public:
  explicit BinaryReader(std::istream& in);

  uint8_t u8(const std::string& what);
  uint32_t u32(const std::string& what);
  uint64_t u64(const std::string& what);
  int64_t i64(const std::string& what) { return static_cast<int64_t>(u64(what)); }
  float f32(const std::string& what);
  double f64(const std::string& what);
  void bytes(void* data, size_t n, const std::string& what);
  std::string string(const std::string& what);
  std::vector<double> f64_vector(const std::string& what);
  void f32_array(float* data, size_t n, const std::string& what);
  Matrix matrix(const std::string& what);

  // Reads a u64 count of elements of `element_size` bytes each and checks they fit in the rest
  // of the stream.
  uint64_t length(const std::string& what, size_t element_size);
  uint64_t remaining() const { return remaining_; }
  // Throws when bytes are left over (a file longer than its content says).
  void expect_end(const std::string& what) const;

 private:
  void need(uint64_t n, const std::string& what) const;

  std::istream& in_;
  uint64_t remaining_ = 0;
};

}  // namespace imbgen
