// Standard normal floats for the deep generators' samplers: a seeded stream, several times faster
// than LibTorch's normal_ (a Mersenne Twister drawn one value at a time, which took a sixth of
// `gan` and `vae` sampling), and the same values on every x86-64 CPU.
//
// Value pair p of the stream with key k comes from one 64-bit hash of (k, p) (SplitMix64's
// output function of k + (p + 1) * golden ratio: Steele, Lea & Flood 2014, "Fast splittable
// pseudorandom number generators"), whose top 23 bits give u in (0, 1) and the next 24 bits t in
// [0, 1); Box and Muller (1958): r = sqrt(-2 log u), the pair is (r cos 2 pi t, r sin 2 pi t). No
// state carries from one pair to the next, so the loops vectorise (core/vector_clones.h) and a
// value does not depend on how the stream was cut into fill() calls. log is vector_math's; sin
// and cos of 2 pi t are polynomials after an exact reduction to a quarter turn, within 2.5e-8 of
// the exact values. u >= 2^-24 bounds |z| by sqrt(48 log 2) = 5.77 (a normal value lies beyond
// 5.77 with probability 8e-9).
#pragma once

#include <cstddef>
#include <cstdint>

namespace imbgen {

class NormalStream {
 public:
  explicit NormalStream(uint64_t seed);
  // Writes the stream's next n values to out.
  void fill(float* out, size_t n);
  // The stream's position: how many values fill() has written.
  uint64_t position() const { return position_; }

 private:
  uint64_t key_;
  uint64_t position_ = 0;
};

namespace normal_stream_detail {
// Values [2 first_pair, 2 (first_pair + pairs)) of the stream with `key` into out.
void pairs(uint64_t key, uint64_t first_pair, size_t pairs, float* out);
// sin and cos of 2 pi t for t = i / 2^24, i in [0, 2^24).
void sin_cos_turns(uint32_t i, float& s, float& c);
}  // namespace normal_stream_detail

}  // namespace imbgen
