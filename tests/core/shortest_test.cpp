// write_shortest against the reference, the C++ standard library's std::to_chars(first, last,
// double) (libstdc++'s Ryu-based shortest round trip): the same text for every kind of double.
#include "imbgen/core/shortest.h"

#include <gtest/gtest.h>

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <random>
#include <string>

namespace imbgen {
namespace {

std::string reference(double v) {
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

std::string ours(double v) {
  char buf[kShortestRoom];
  std::memset(buf, 'x', sizeof buf);
  char* end = write_shortest(v, buf);
  EXPECT_LE(end - buf, kShortestMaxChars);
  return std::string(buf, end);
}

double from_bits(uint64_t bits) {
  double v;
  std::memcpy(&v, &bits, sizeof v);
  return v;
}

// Counts mismatches and shows the first few.
struct Checker {
  int bad = 0;
  long checked = 0;
  void operator()(double v) {
    ++checked;
    const std::string want = reference(v), got = ours(v);
    if (want != got && ++bad <= 10) {
      ADD_FAILURE() << "bits " << std::hex << [&] {
        uint64_t b;
        std::memcpy(&b, &v, sizeof b);
        return b;
      }() << ": std::to_chars '" << want << "', write_shortest '" << got << "'";
    }
  }
};

TEST(WriteShortest, SpecialValues) {
  Checker check;
  for (double v : {0.0, -0.0, 1.0, -1.0, 0.1, 0.2, 0.3, 1e-7, 1e22, 1e23, 5e-324, 1e-323,
                   2.2250738585072014e-308, 2.2250738585072009e-308, 1.7976931348623157e308,
                   9007199254740992.0, 9007199254740993.0, 123456789012345680000.0, 0.0001,
                   0.00012345, 100.0, 1234567.0, 0.5, 3.14159, -149.62, 12.5})
    check(v);
  check(std::numeric_limits<double>::infinity());
  check(-std::numeric_limits<double>::infinity());
  check(std::numeric_limits<double>::quiet_NaN());
  check(-std::numeric_limits<double>::quiet_NaN());
  EXPECT_EQ(check.bad, 0);
  EXPECT_EQ(ours(0.1), "0.1");
  EXPECT_EQ(ours(-3.0), "-3");
  EXPECT_EQ(ours(1e-7), "1e-07");
}

TEST(WriteShortest, EveryExponentAndItsNeighbours) {
  Checker check;
  for (int e = -1074; e <= 1023; ++e) {
    const double p = std::ldexp(1.0, e);
    check(p);
    check(std::nextafter(p, 0.0));
    check(std::nextafter(p, HUGE_VAL));
    check(-p);
  }
  for (int e = -330; e <= 310; ++e) {
    const std::string text = "1e" + std::to_string(e);
    const double p = std::strtod(text.c_str(), nullptr);
    check(p);
    check(std::nextafter(p, 0.0));
    check(std::nextafter(p, HUGE_VAL));
  }
  EXPECT_EQ(check.bad, 0);
}

TEST(WriteShortest, SubnormalsAndWholeNumbers) {
  Checker check;
  for (uint64_t t = 1; t < 20000; ++t) check(from_bits(t));
  for (long i = -20000; i <= 20000; ++i) {
    check(static_cast<double>(i));
    check(static_cast<double>(i) / 100.0);
  }
  // Whole numbers from 2^53 up, where fixed notation writes the exact value.
  std::mt19937_64 rng(7);
  for (int s = 50; s < 80; ++s) {
    for (int i = 0; i < 200; ++i) check(std::ldexp(static_cast<double>(rng() >> 11), s - 53));
  }
  EXPECT_EQ(check.bad, 0);
}

// The cases where the interval's ends or v itself, scaled by a power of ten, are whole numbers:
// where the shorter road (Dragonbox's checks) must tell an end that is in from one that is out,
// and a tie. c 2^q with k = floor(q log10 2) - 2 > 0 scales to a whole number when 5^k divides
// 2c + 1 (the upper end), 2c - 1 (the lower end) or c (v); for k <= 0 (q up to 9) whole numbers
// are common anyway. Plus many random significands at every exponent near 1.
TEST(WriteShortest, IntervalEndsAndValuesThatScaleToWholeNumbers) {
  Checker check;
  std::mt19937_64 rng(11);
  const uint64_t lo = uint64_t{1} << 52, hi = uint64_t{1} << 53;
  const auto at = [&](uint64_t c, int q) {
    if (c > lo && c < hi) check(std::ldexp(static_cast<double>(c), q));
  };
  for (int q = 10; q <= 80; ++q) {
    const int k = static_cast<int>(std::floor(q * std::log10(2.0))) - 2;
    if (k < 1 || k > 22) continue;
    uint64_t p5 = 1;
    for (int i = 0; i < k; ++i) p5 *= 5;
    for (int i = 0; i < 300; ++i) {
      const uint64_t m = (lo + rng() % (hi - lo)) / p5;
      at(m * p5 + (p5 - 1) / 2, q);  // 2c + 1 = (2m + 1) 5^k
      at(m * p5 + (p5 + 1) / 2, q);  // 2c - 1 = (2m + 1) 5^k
      at(m * p5, q);                 // c = m 5^k
    }
  }
  for (int q = -80; q <= 120; ++q) {
    for (int i = 0; i < 3000; ++i) at(lo + rng() % (hi - lo), q);
  }
  EXPECT_EQ(check.bad, 0);
  EXPECT_GT(check.checked, 600000);
}

TEST(WriteShortest, RandomBitPatternsAndTypicalData) {
  Checker check;
  std::mt19937_64 rng(42);
  for (int i = 0; i < 1000000; ++i) {
    const double v = from_bits(rng());
    if (!std::isnan(v)) check(v);  // a NaN's payload does not change its text
  }
  std::normal_distribution<double> normal(0.0, 3.0);
  for (int i = 0; i < 300000; ++i) {
    const double v = normal(rng);
    check(v);
    check(v * 1e5);
    check(std::round(v * 1e4) / 100.0);
  }
  EXPECT_EQ(check.bad, 0);
  EXPECT_GT(check.checked, 1890000);  // the NaNs among the bit patterns are left out
}

}  // namespace
}  // namespace imbgen
