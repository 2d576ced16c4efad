// Rng and mix_seed against reference values. Byte-for-byte reproducibility rests on these streams.
//
// Reference values: an independent Python implementation of splitmix64 seeding, xoshiro256**
// (Blackman & Vigna 2018), uniform (top 53 bits), Box-Muller normals, rejection-sampled indices
// and mix_seed, written from the algorithms' definitions (python3, Debian 12):
//   M = 2**64 - 1
//   def splitmix64(x):
//       x = (x + 0x9E3779B97F4A7C15) & M; z = x
//       z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M
//       z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M
//       return x, z ^ (z >> 31)
//   rotl = lambda x, k: ((x << k) | (x >> (64 - k))) & M
//   class X:
//       def __init__(self, seed):
//           x = seed; self.s = []
//           for _ in range(4): x, v = splitmix64(x); self.s.append(v)
//       def next(self):
//           s = self.s; r = (rotl((s[1] * 5) & M, 7) * 9) & M; t = (s[1] << 17) & M
//           s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3]; s[2] ^= t
//           s[3] = rotl(s[3], 45); return r
//       uniform = lambda self: (self.next() >> 11) * 2.0**-53
//       # normal(): u1 = uniform() until > 0, u2 = uniform(), r = sqrt(-2 log u1),
//       #           returns r cos(2 pi u2), then r sin(2 pi u2)
//       # index(n): limit = M - M % n; draw next() until < limit; return v % n
//   def mix_seed(seed, stream):
//       return splitmix64(seed ^ ((stream * 0xD1B54A32D192ED03 + 0x8CB92BA72F3D8DD7) & M))[1]
// splitmix64's first output from state 0 is 0xe220a8397b1dcdaf, as published with the algorithm
// (Steele, Lea & Flood 2014); the script reproduces it.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <vector>

#include "imbgen/core/rng.h"

namespace imbgen {
namespace {

TEST(Rng, MatchesTheReferenceStream) {
  struct Case {
    uint64_t seed;
    uint64_t first[4];
  };
  const Case cases[] = {
      {0, {0x99ec5f36cb75f2b4ULL, 0xbf6e1f784956452aULL, 0x1a5f849d4933e6e0ULL,
           0x6aa594f1262d2d2cULL}},
      {42, {0x15780b2e0c2ec716ULL, 0x6104d9866d113a7eULL, 0xae17533239e499a1ULL,
            0xecb8ad4703b360a1ULL}},
      {UINT64_MAX, {0x8f5520d52a7ead08ULL, 0xc476a018caa1802dULL, 0x81de31c0d260469eULL,
                    0xbf658d7e065f3c2fULL}},
  };
  for (const Case& c : cases) {
    Rng rng(c.seed);
    for (uint64_t want : c.first) EXPECT_EQ(rng.next_u64(), want) << "seed " << c.seed;
  }
}

TEST(Rng, UniformNormalAndIndexMatchTheReference) {
  Rng u(7);
  EXPECT_EQ(u.uniform(), 0.7005764821796896);
  EXPECT_EQ(u.uniform(), 0.2787512294737843);
  EXPECT_EQ(u.uniform(), 0.8396274618764198);
  // Box-Muller through the C library's log/sin/cos: equal to the last bit on the same libm.
  Rng n(7);
  EXPECT_DOUBLE_EQ(n.normal(), -0.15157274547711355);
  EXPECT_DOUBLE_EQ(n.normal(), 0.829897087969257);
  EXPECT_DOUBLE_EQ(n.normal(), 0.5870995807125804);
  Rng i(7);
  const std::vector<size_t> want10 = {4, 4, 8, 4, 4, 1, 6, 6};
  for (size_t w : want10) EXPECT_EQ(i.index(10), w);
  const std::vector<size_t> want3 = {1, 1, 2, 1};
  for (size_t w : want3) EXPECT_EQ(i.index(3), w);
}

TEST(MixSeed, MatchesTheReference) {
  EXPECT_EQ(mix_seed(42, 0), 0x4a392efe5d661d02ULL);
  EXPECT_EQ(mix_seed(42, 1), 0xb7900283d70f3328ULL);
  EXPECT_EQ(mix_seed(0, 0x736d70), 0x4fa9d56331cf1f61ULL);
}

TEST(MixSeed, StreamsOfOneSeedDoNotCollide) {
  std::set<uint64_t> seen;
  for (uint64_t stream = 0; stream < 10000; ++stream) seen.insert(mix_seed(123, stream));
  EXPECT_EQ(seen.size(), 10000u);
}

TEST(Rng, DeriveIsIndependentOfTheParentsPosition) {
  Rng a(99);
  const Rng before = a.derive(5);
  a.next_u64();
  a.next_u64();
  Rng after = a.derive(5);
  Rng b = before;
  for (int k = 0; k < 8; ++k) EXPECT_EQ(b.next_u64(), after.next_u64());
  Rng direct(mix_seed(99, 5));
  Rng again = Rng(99).derive(5);
  for (int k = 0; k < 8; ++k) EXPECT_EQ(direct.next_u64(), again.next_u64());
}

TEST(Rng, IndexIsUniformEnough) {
  // 60,000 draws in 6 bins: a chi-square above 30 (p < 2e-5 for 5 degrees of freedom) would
  // mean a biased reduction.
  Rng rng(2024);
  std::vector<int> bins(6, 0);
  for (int k = 0; k < 60000; ++k) ++bins[rng.index(6)];
  double chi2 = 0;
  for (int b : bins) chi2 += (b - 10000.0) * (b - 10000.0) / 10000.0;
  EXPECT_LT(chi2, 30.0);
}

// IndexDraw is Rng::index with its divisions done once: the same draws from the same stream, and
// a quotient equal to the division for every kind of divisor (1, powers of two and their
// neighbours, the SMOTE sizes, 32-bit and 64-bit ones) and numerator (edges and random).
TEST(Rng, IndexDrawIsIndexWithTheDivisionsDoneOnce) {
  std::vector<uint64_t> divisors = {1, 2, 3, 5, 6, 7, 10, 394, 492, 1000, 28313, 284807,
                                    (uint64_t{1} << 32) - 1, (uint64_t{1} << 32) + 1,
                                    (uint64_t{1} << 63) - 1, (uint64_t{1} << 63),
                                    (uint64_t{1} << 63) + 1, UINT64_MAX - 1, UINT64_MAX};
  for (int b = 1; b < 64; ++b) {
    divisors.push_back(uint64_t{1} << b);
    divisors.push_back((uint64_t{1} << b) + 1);
    divisors.push_back((uint64_t{1} << b) - 1);
  }
  Rng pick(77);
  for (int i = 0; i < 200; ++i) divisors.push_back(pick.next_u64() >> pick.index(64));
  for (uint64_t d : divisors) {
    if (d == 0) continue;
    const IndexDraw draw(static_cast<size_t>(d));
    std::vector<uint64_t> numerators = {0, 1, d - 1, d, d + 1, UINT64_MAX, UINT64_MAX - 1,
                                        UINT64_MAX - d, uint64_t{1} << 63};
    for (int i = 0; i < 2000; ++i) numerators.push_back(pick.next_u64());
    for (uint64_t v : numerators) ASSERT_EQ(draw.quotient(v), v / d) << v << " / " << d;
    Rng a(d), b(d);
    for (int i = 0; i < 200; ++i) ASSERT_EQ(draw(a), b.index(static_cast<size_t>(d))) << d;
  }
}

TEST(Rng, ShuffleIsAPermutationAndSeeded) {
  std::vector<int> v(100), w;
  for (int k = 0; k < 100; ++k) v[k] = k;
  w = v;
  Rng a(1), b(1);
  a.shuffle(v);
  b.shuffle(w);
  EXPECT_EQ(v, w);
  std::vector<int> sorted = v;
  std::sort(sorted.begin(), sorted.end());
  for (int k = 0; k < 100; ++k) EXPECT_EQ(sorted[k], k);
  int fixed_points = 0;
  for (int k = 0; k < 100; ++k) fixed_points += v[k] == k;
  EXPECT_LT(fixed_points, 10);
}

}  // namespace
}  // namespace imbgen
