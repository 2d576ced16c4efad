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

// Uniform integers in [0, n) for one n, exactly as Rng::index(n) draws them (the same values from
// the same stream), with the divisions done once: the rejection limit is kept, and v % n is a
// multiply by a precomputed reciprocal (Granlund and Montgomery 1994, "Division by invariant
// integers using multiplication", Figure 4.1, exact for every 64-bit v). For loops that draw many.
class IndexDraw {
  __extension__ typedef unsigned __int128 U128;  // GCC and clang; -Wpedantic allows it so

 public:
  explicit IndexDraw(size_t n) : n_(static_cast<uint64_t>(n)) {
    limit_ = UINT64_MAX - (UINT64_MAX % n_);
    int l = 0;  // ceil(log2 n)
    while (l < 64 && (uint64_t{1} << l) < n_) ++l;
    const U128 two_l = static_cast<U128>(1) << l;
    magic_ = static_cast<uint64_t>(((two_l - n_) << 64) / n_ + 1);
    shift1_ = l < 1 ? l : 1;
    shift2_ = l > 1 ? l - 1 : 0;
  }

  // floor(v / n) for any v.
  uint64_t quotient(uint64_t v) const {
    const auto t = static_cast<uint64_t>((static_cast<U128>(magic_) * v) >> 64);
    return (t + ((v - t) >> shift1_)) >> shift2_;
  }

  size_t operator()(Rng& rng) const {
    uint64_t v = 0;
    do {
      v = rng.next_u64();
    } while (v >= limit_);
    return static_cast<size_t>(v - quotient(v) * n_);
  }

 private:
  uint64_t n_, limit_, magic_;
  int shift1_, shift2_;
};

// Mixes a seed with a stream number (splitmix64 finaliser); used to derive sub-seeds.
uint64_t mix_seed(uint64_t seed, uint64_t stream);

}  // namespace imbgen
