// vector_math.h's exp, log and log1p against the correctly rounded float of the exact value
// (computed in double precision with glibc's exp, log and log1p, then rounded to float), over
// their whole ranges: at most one unit in the last place apart.
#include "generators/vector_math.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>

namespace imbgen {
namespace {

// How many units in the last place of `want` (a nonzero float) `got` is from it.
double ulps(float got, float want) {
  const float a = std::fabs(want);
  const float ulp = std::nextafter(a, std::numeric_limits<float>::infinity()) - a;
  return std::fabs(static_cast<double>(got) - static_cast<double>(want)) / ulp;
}

template <class Got, class Want>
double worst_over_bits(uint32_t first, uint32_t last, uint32_t stride, Got got, Want want) {
  double worst = 0.0;
  for (uint64_t b = first; b <= last; b += stride) {
    const float x = vector_math::from_bits(static_cast<uint32_t>(b));
    const auto exact = static_cast<float>(want(static_cast<double>(x)));
    const float g = got(x);
    if (exact == 0.0f) {
      EXPECT_EQ(g, 0.0f) << "x = " << x;
      continue;
    }
    const double u = ulps(g, exact);
    EXPECT_LE(u, 1.0) << "x = " << x << ": " << g << " against " << exact;
    if (u > 1.0) return u;  // one report is enough
    worst = std::max(worst, u);
  }
  return worst;
}

TEST(VectorMath, ExpIsWithinOneUlpFromMinus87To88) {
  const auto got = [](float x) { return vector_math::exp(x); };
  const auto want = [](double x) { return std::exp(x); };
  // Negative arguments: from -0 (bits 0x80000000) to -87; positive: from +0 to 88.
  const uint32_t minus_87 = vector_math::to_bits(-87.0f), plus_88 = vector_math::to_bits(88.0f);
  const double worst = std::max(worst_over_bits(0x80000000u, minus_87, 61, got, want),
                                worst_over_bits(0u, plus_88, 61, got, want));
  EXPECT_GT(worst, 0.0);  // the comparison saw rounding at all
  EXPECT_EQ(vector_math::exp(0.0f), 1.0f);
  EXPECT_EQ(vector_math::exp(-100.0f), 0.0f);
}

// Outside [-87, 88], and for infinities and NaN (a model file's weights can give any of them):
// defined results, and no float-to-integer conversion of a NaN or a huge value inside, which the
// sanitizer build (-fsanitize=float-cast-overflow) would stop on.
TEST(VectorMath, ExpOfHugeInfiniteAndNanArguments) {
  constexpr float inf = std::numeric_limits<float>::infinity();
  const float at_88 = vector_math::exp(88.0f);
  EXPECT_TRUE(std::isfinite(at_88));
  EXPECT_EQ(vector_math::exp(1e30f), at_88);
  EXPECT_EQ(vector_math::exp(std::numeric_limits<float>::max()), at_88);
  EXPECT_EQ(vector_math::exp(inf), at_88);
  EXPECT_EQ(vector_math::exp(-1e30f), 0.0f);
  EXPECT_EQ(vector_math::exp(-inf), 0.0f);
  EXPECT_TRUE(std::isnan(vector_math::exp(std::numeric_limits<float>::quiet_NaN())));
  EXPECT_TRUE(std::isnan(vector_math::exp(-std::numeric_limits<float>::quiet_NaN())));
  EXPECT_TRUE(std::isnan(vector_math::exp(vector_math::from_bits(0x7fc12345u))));  // a payload
}

TEST(VectorMath, LogIsWithinOneUlpOverPositiveNormalFloats) {
  const auto got = [](float x) { return vector_math::log(x); };
  const auto want = [](double x) { return std::log(x); };
  const uint32_t smallest = vector_math::to_bits(std::numeric_limits<float>::min());
  const uint32_t largest = vector_math::to_bits(std::numeric_limits<float>::max());
  worst_over_bits(smallest, largest, 97, got, want);
  // Near 1, where the result is small and must stay accurate relative to itself.
  worst_over_bits(vector_math::to_bits(0.999f), vector_math::to_bits(1.001f), 1, got, want);
  EXPECT_EQ(vector_math::log(1.0f), 0.0f);
}

TEST(VectorMath, Log1pIsWithinOneUlpFromZeroToExpOf20) {
  const auto got = [](float z) { return vector_math::log1p(z); };
  const auto want = [](double z) { return std::log1p(z); };
  // From the smallest positive float (tiny z: log1p(z) = z) to e^20, the softplus threshold.
  worst_over_bits(1u, vector_math::to_bits(4.86e8f), 37, got, want);
  EXPECT_EQ(vector_math::log1p(0.0f), 0.0f);
}

}  // namespace
}  // namespace imbgen
