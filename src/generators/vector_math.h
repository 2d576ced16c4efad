// exp, log and log1p of a float in plain arithmetic (no calls, no tables, no branches), so that a
// loop of them vectorises: glibc's expf and logf are calls, one value at a time, and in a VAE
// training step they took a seventh of the time. Each is at most one unit in the last place from
// the correctly rounded value over the range it names (tests/generators/vector_math_test.cpp
// checks that against double precision); glibc's are closer, so values differ in the last bit.
// Compile callers with -ffp-contract=off (vector_clones.h): then every copy of a loop gives the
// same values.
#pragma once

#include <cstdint>
#include <cstring>

namespace imbgen::vector_math {

inline float from_bits(uint32_t b) {
  float f;
  std::memcpy(&f, &b, sizeof f);
  return f;
}

inline uint32_t to_bits(float f) {
  uint32_t b;
  std::memcpy(&b, &f, sizeof b);
  return b;
}

// ln 2 as a sum: kLn2Hi has 15 significant bits, so n * kLn2Hi is exact for |n| <= 256.
constexpr float kLn2Hi = 0.693145751953125f;
constexpr float kLn2Lo = 1.42860682030941723212e-6f;

// exp(x) for x in [-87, 88]; below -87 it gives 0 (the exact value is under 1.7e-38, near the
// smallest normal float), above 88 exp(88); NaN gives NaN.
inline float exp(float x) {
  // The clamp also sends NaN into the range (both comparisons are false for it): converting a
  // NaN or an out-of-range float to an integer below is undefined behaviour.
  const float c = x > -87.0f ? (x < 88.0f ? x : 88.0f) : -87.0f;
  // n = round(c / ln 2): adding and subtracting 1.5 * 2^23 rounds to an integer
  // (|c / ln 2| < 2^22).
  constexpr float kRound = 12582912.0f;
  const float n = (c * 1.44269504088896341f + kRound) - kRound;
  const float r = (c - n * kLn2Hi) - n * kLn2Lo;  // |r| <= ln 2 / 2
  // exp(r) by its Taylor polynomial to degree 7: the remainder is below 7e-9 on |r| <= ln 2 / 2.
  float p = 1.0f / 5040.0f + r * (1.0f / 40320.0f);
  p = 1.0f / 720.0f + r * p;
  p = 1.0f / 120.0f + r * p;
  p = 1.0f / 24.0f + r * p;
  p = 1.0f / 6.0f + r * p;
  p = 0.5f + r * p;
  p = 1.0f + r * p;
  p = 1.0f + r * p;
  // times 2^n, n in [-126, 127]: the exponent field of a normal float.
  const auto e = static_cast<uint32_t>(static_cast<int32_t>(n) + 127) << 23;
  const float result = p * from_bits(e);
  return x != x ? x : (x < -87.0f ? 0.0f : result);  // x != x: NaN
}

// log(x) for a positive normal float x (not 0, subnormal, infinite or negative).
inline float log(float x) {
  const uint32_t b = to_bits(x);
  // x = m 2^e with m in [sqrt(1/2), sqrt(2)).
  float m = from_bits((b & 0x007fffffu) | 0x3f800000u);  // [1, 2)
  auto e = static_cast<float>(static_cast<int32_t>(b >> 23) - 127);
  const bool halve = m > 1.41421356f;
  m = halve ? m * 0.5f : m;
  e = halve ? e + 1.0f : e;
  // log(1 + f) = 2 atanh(s), s = f / (2 + f), |s| <= 0.172: 2 s + 2 s t with
  // t = s^2 / 3 + s^4 / 5 + s^6 / 7 + s^8 / 9 (the rest is below 2.1e-9 of the result), and
  // 2 s = f - s f, so log(1 + f) = f - s (f - 2 t).
  const float f = m - 1.0f;  // exact
  const float s = f / (2.0f + f);
  const float s2 = s * s;
  float t = 1.0f / 7.0f + s2 * (1.0f / 9.0f);
  t = 1.0f / 5.0f + s2 * t;
  t = 1.0f / 3.0f + s2 * t;
  t = s2 * t;
  return e * kLn2Hi + ((f - s * (f - 2.0f * t)) + e * kLn2Lo);
}

// log(1 + z) for z >= 0 (a finite float): log(u), u = 1 + z rounded, corrected by the rounding
// (z - (u - 1)) / u, so that it stays accurate for small z.
inline float log1p(float z) {
  const float u = 1.0f + z;
  return log(u) + (z - (u - 1.0f)) / u;
}

}  // namespace imbgen::vector_math
