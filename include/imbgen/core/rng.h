// Seeded random numbers that give the same stream on every platform and compiler
// (std::normal_distribution and friends are implementation-defined, so we do not use them).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace imbgen {

// xoshiro256** seeded through splitmix64.
class Rng {
 public:
  explicit Rng(uint64_t seed);

  // Inline (here, below the class): the SMOTE family draws three numbers a generated row.
  uint64_t next_u64();
  // Uniform in [0, 1) with 53 random bits.
  double uniform();
  // Standard normal (Box-Muller, both values used).
  double normal();
  // Uniform integer in [0, n); n must be > 0. Unbiased (rejection).
  size_t index(size_t n);
  // An independent generator derived from this one's seed and a stream number; does not advance
  // this generator. Use it to give each class/fold/cell its own reproducible stream.
  Rng derive(uint64_t stream) const;

  template <typename T>
  void shuffle(std::vector<T>& v) {
    for (size_t i = v.size(); i > 1; --i) {
      size_t j = index(i);
      std::swap(v[i - 1], v[j]);
    }
  }

 private:
  uint64_t seed_;
  uint64_t s_[4];
  bool has_spare_ = false;
  double spare_ = 0.0;
};

inline uint64_t Rng::next_u64() {
  const auto rotl = [](uint64_t x, int k) { return (x << k) | (x >> (64 - k)); };
  const uint64_t result = rotl(s_[1] * 5, 7) * 9;
  const uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = rotl(s_[3], 45);
  return result;
}

inline double Rng::uniform() { return static_cast<double>(next_u64() >> 11) * 0x1.0p-53; }

inline size_t Rng::index(size_t n) {
  const uint64_t bound = static_cast<uint64_t>(n);
  const uint64_t limit = UINT64_MAX - (UINT64_MAX % bound);
  uint64_t v = 0;
  do {
    v = next_u64();
  } while (v >= limit);
  return static_cast<size_t>(v % bound);
}

// Mixes a seed with a stream number (splitmix64 finaliser); used to derive sub-seeds.
uint64_t mix_seed(uint64_t seed, uint64_t stream);

}  // namespace imbgen
