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

// Mixes a seed with a stream number (splitmix64 finaliser); used to derive sub-seeds.
uint64_t mix_seed(uint64_t seed, uint64_t stream);

}  // namespace imbgen
