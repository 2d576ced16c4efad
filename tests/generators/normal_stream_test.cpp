// NormalStream: its values against Box-Muller of SplitMix64 computed here in double precision
// from the published algorithm, its sin/cos against the C library's, and its distribution against
// the exact normal distribution function.
#include "generators/normal_stream.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "imbgen/core/rng.h"

namespace imbgen {
namespace {

// SplitMix64 (Steele, Lea & Flood 2014) as published: state += 0x9e3779b97f4a7c15, then the
// output function of the state.
uint64_t splitmix64_next(uint64_t& state) {
  state += 0x9e3779b97f4a7c15ULL;
  uint64_t z = state;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

TEST(NormalStream, SplitMix64ReferenceGivesThePublishedFirstOutput) {
  uint64_t state = 0;  // seed 0: the algorithm's reference implementation prints this first
  EXPECT_EQ(splitmix64_next(state), 0xe220a8397b1dcdafULL);
}

// Pair p is Box-Muller of the (p + 1)-th SplitMix64 output from the stream's key
// (mix_seed(seed, "normal" in ASCII)), whose top 23 bits give u = (a + 1/2) / 2^23 and the next
// 24 bits t = b / 2^24.
TEST(NormalStream, ValuesAreBoxMullerOfSplitMix64) {
  const uint64_t key = mix_seed(7, 0x6e6f726d616cULL);
  NormalStream stream(7);
  std::vector<float> got(20001);
  stream.fill(got.data(), got.size());
  uint64_t state = key;
  double worst = 0.0;
  for (size_t p = 0; 2 * p < got.size(); ++p) {
    const uint64_t h = splitmix64_next(state);
    const double u = (static_cast<double>(h >> 41) + 0.5) / 8388608.0;
    const double t = static_cast<double>((h >> 16) & 0xffffffu) / 16777216.0;
    const double r = std::sqrt(-2.0 * std::log(u));
    const double two_pi = 6.283185307179586;
    const double want[2] = {r * std::cos(two_pi * t), r * std::sin(two_pi * t)};
    for (size_t k = 0; k < 2 && 2 * p + k < got.size(); ++k) {
      const double err = std::fabs(got[2 * p + k] - want[k]);
      worst = std::max(worst, err);
      ASSERT_LE(err, 4e-6) << "value " << 2 * p + k << ": " << got[2 * p + k] << " against "
                           << want[k];
    }
  }
  EXPECT_GT(worst, 0.0);  // float arithmetic, not a copy of the reference
}

TEST(NormalStream, SinAndCosOfTurnsAreWithin1e7OfTheCLibrarys) {
  double worst = 0.0;
  for (uint32_t i = 0; i < (1u << 24); i += 3) {
    float s, c;
    normal_stream_detail::sin_cos_turns(i, s, c);
    const double a = 6.283185307179586 * (static_cast<double>(i) / 16777216.0);
    worst = std::max({worst, std::fabs(s - std::sin(a)), std::fabs(c - std::cos(a))});
  }
  EXPECT_LE(worst, 1e-7);  // the polynomials' 2.5e-8 plus float rounding (9.1e-8 measured)
  float s, c;
  normal_stream_detail::sin_cos_turns(0, s, c);
  EXPECT_EQ(s, 0.0f);
  EXPECT_EQ(c, 1.0f);
  normal_stream_detail::sin_cos_turns(1u << 22, s, c);  // a quarter turn
  EXPECT_EQ(s, 1.0f);
  EXPECT_EQ(c, 0.0f);
}

// Mean, variance, the share beyond 3, lag-1 correlation and the Kolmogorov-Smirnov distance to
// the exact normal distribution function for 2^20 values. Bounds: 4.5 standard errors for the
// moments and shares; for D, sqrt(n) D > 1.95 has probability 0.001 under the hypothesis.
TEST(NormalStream, DistributionIsStandardNormal) {
  const size_t n = size_t{1} << 20;
  std::vector<float> z(n);
  NormalStream(2026).fill(z.data(), n);
  double sum = 0, sum2 = 0, lag = 0;
  size_t beyond3 = 0;
  for (size_t i = 0; i < n; ++i) {
    ASSERT_TRUE(std::isfinite(z[i]));
    ASSERT_LE(std::fabs(z[i]), 5.78f);
    sum += z[i];
    sum2 += static_cast<double>(z[i]) * z[i];
    if (i > 0) lag += static_cast<double>(z[i]) * z[i - 1];
    beyond3 += std::fabs(z[i]) > 3.0f;
  }
  const double dn = static_cast<double>(n);
  const double mean = sum / dn, var = sum2 / dn - mean * mean;
  EXPECT_NEAR(mean, 0.0, 4.5 / std::sqrt(dn));
  EXPECT_NEAR(var, 1.0, 4.5 * std::sqrt(2.0 / dn));
  EXPECT_NEAR(lag / (dn - 1), 0.0, 4.5 / std::sqrt(dn));
  const double p3 = std::erfc(3.0 / std::sqrt(2.0));  // 0.0026998
  EXPECT_NEAR(static_cast<double>(beyond3) / dn, p3, 4.5 * std::sqrt(p3 * (1 - p3) / dn));
  std::sort(z.begin(), z.end());
  double d = 0;
  for (size_t i = 0; i < n; ++i) {
    const double cdf = 0.5 * std::erfc(-static_cast<double>(z[i]) / std::sqrt(2.0));
    d = std::max({d, std::fabs(cdf - static_cast<double>(i) / dn),
                  std::fabs(cdf - static_cast<double>(i + 1) / dn)});
  }
  EXPECT_LT(std::sqrt(dn) * d, 1.95) << "Kolmogorov-Smirnov D = " << d;
}

TEST(NormalStream, ValuesDoNotDependOnHowTheStreamIsCut) {
  std::vector<float> whole(1001), pieces(1001);
  NormalStream a(5), b(5);
  a.fill(whole.data(), whole.size());
  size_t at = 0;
  for (size_t len : {1, 3, 0, 500, 2, 495}) {
    b.fill(pieces.data() + at, len);
    at += len;
  }
  ASSERT_EQ(at, whole.size());
  EXPECT_EQ(b.position(), whole.size());
  EXPECT_EQ(whole, pieces);
  std::vector<float> other(1001);
  NormalStream(6).fill(other.data(), other.size());
  size_t same = 0;
  for (size_t i = 0; i < other.size(); ++i) same += other[i] == whole[i];
  EXPECT_LT(same, 5u);
}

}  // namespace
}  // namespace imbgen
