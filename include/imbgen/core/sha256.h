// SHA-256 (FIPS 180-4) for content fingerprints: the training data of a model, the configuration
// of a benchmark. Not for secrets.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace imbgen {

// Incremental SHA-256: update() any number of times, then hex() once.
class Sha256 {
 public:
  Sha256();
  void update(const void* data, size_t size);
  void update(const std::string& s) { update(s.data(), s.size()); }
  // The 64 lowercase hex digits of the digest. Finishes the hash: call it once.
  std::string hex();

 private:
  void block(const unsigned char* p);
  uint32_t h_[8];
  unsigned char buffer_[64];
  size_t buffered_ = 0;
  uint64_t length_ = 0;  // bytes hashed so far
};

std::string sha256_hex(const std::string& bytes);

// Whether this CPU has the x86 SHA extensions, which Sha256 then uses (same digests, ~5x faster);
// sha256_use_cpu_extensions(false) forces the portable code (the tests check both).
bool sha256_cpu_extensions_available();
void sha256_use_cpu_extensions(bool on);

}  // namespace imbgen
