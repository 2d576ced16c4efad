#include "normal_stream.h"

#include <algorithm>
#include <cmath>

#include "core/vector_clones.h"
#include "imbgen/core/rng.h"
#include "vector_math.h"

namespace imbgen {
namespace normal_stream_detail {
namespace {

constexpr uint64_t kGolden = 0x9e3779b97f4a7c15ULL;
constexpr size_t kBlock = 256;  // pairs per pass through the two loops below

// SplitMix64's output function.
inline uint64_t mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// Each pair's hash cut into its top 23 bits, high[i], for u, and the next 24 bits, low[i], for t.
IMBGEN_VECTOR_CLONES
void hash_pairs(uint64_t key, uint64_t first_pair, size_t n, uint32_t* __restrict high,
                uint32_t* __restrict low) {
  for (size_t i = 0; i < n; ++i) {
    const uint64_t h = mix64(key + (first_pair + i + 1) * kGolden);
    high[i] = static_cast<uint32_t>(h >> 41);
    low[i] = static_cast<uint32_t>(h >> 16) & 0xffffffu;
  }
}

// sin and cos of 2 pi t, t = i / 2^24: q = round(4 t) quarter turns and the rest
// a = 2 pi (t - q / 4) in [-pi / 4, pi / 4] (t - q / 4 is exact), then Taylor polynomials of
// sin a (to a^9) and cos a (to a^8), within 2.5e-8, rotated by q quarter turns.
inline void sin_cos(uint32_t i, float& s_out, float& c_out) {
  const uint32_t q = (i + (1u << 21)) >> 22;  // round(4 t), 0..4
  const auto f = static_cast<float>(static_cast<int32_t>(i) - static_cast<int32_t>(q << 22)) *
                 (1.0f / 16777216.0f);  // t - q / 4, exact
  const float a = f * 6.28318530717958648f;
  const float a2 = a * a;
  float s = 1.0f / 362880.0f;
  s = -1.0f / 5040.0f + a2 * s;
  s = 1.0f / 120.0f + a2 * s;
  s = -1.0f / 6.0f + a2 * s;
  s = a + a * (a2 * s);
  float c = 1.0f / 40320.0f;
  c = -1.0f / 720.0f + a2 * c;
  c = 1.0f / 24.0f + a2 * c;
  c = -0.5f + a2 * c;
  c = 1.0f + a2 * c;
  // Turning by q quarter turns: (s, c) -> (c, -s) -> (-s, -c) -> (-c, s) -> (s, c).
  const uint32_t quarter = q & 3u;
  const float sa = (quarter & 1u) ? c : s;
  const float ca = (quarter & 1u) ? s : c;
  s_out = (quarter == 2u || quarter == 3u) ? -sa : sa;
  c_out = (quarter == 1u || quarter == 2u) ? -ca : ca;
}

IMBGEN_VECTOR_CLONES
void box_muller(size_t n, const uint32_t* __restrict high, const uint32_t* __restrict low,
                float* __restrict out) {
  for (size_t i = 0; i < n; ++i) {
    // u = (high + 1/2) / 2^23 in (0, 1), exact in float: never 0, so the log is finite.
    const float u =
        (static_cast<float>(static_cast<int32_t>(high[i])) + 0.5f) * (1.0f / 8388608.0f);
    const float r = std::sqrt(-2.0f * vector_math::log(u));
    float s, c;
    sin_cos(low[i], s, c);
    out[2 * i] = r * c;
    out[2 * i + 1] = r * s;
  }
}

}  // namespace

void pairs(uint64_t key, uint64_t first_pair, size_t n, float* out) {
  uint32_t high[kBlock], low[kBlock];
  for (size_t done = 0; done < n; done += kBlock) {
    const size_t m = std::min(kBlock, n - done);
    hash_pairs(key, first_pair + done, m, high, low);
    box_muller(m, high, low, out + 2 * done);
  }
}

void sin_cos_turns(uint32_t i, float& s, float& c) { sin_cos(i, s, c); }

}  // namespace normal_stream_detail

NormalStream::NormalStream(uint64_t seed) : key_(mix_seed(seed, 0x6e6f726d616cULL)) {}

void NormalStream::fill(float* out, size_t n) {
  using normal_stream_detail::pairs;
  size_t done = 0;
  if (n > 0 && position_ % 2 == 1) {  // the second value of a pair begun by the last call
    float two[2];
    pairs(key_, position_ / 2, 1, two);
    out[done++] = two[1];
  }
  const size_t whole = (n - done) / 2;
  pairs(key_, (position_ + done) / 2, whole, out + done);
  done += 2 * whole;
  if (done < n) {  // the first value of a pair the next call finishes
    float two[2];
    pairs(key_, (position_ + done) / 2, 1, two);
    out[done++] = two[0];
  }
  position_ += n;
}

}  // namespace imbgen
