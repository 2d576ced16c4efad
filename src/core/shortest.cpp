// Shortest round-trip text of a double, after the Schubfach method (R. Giulietti, "The Schubfach
// way to render doubles", 2020). For v = c 2^q, the rounding interval of v scaled by 10^-k, with
// k chosen so that the interval is at least 1 and less than 10 wide, holds one or more whole
// numbers; the candidates are the multiple of 10 in it (one digit shorter, at most one of
// those), else the whole numbers next to v. The scaling multiplies by a 126-bit approximation of
// 10^-k from above and rounds to odd, which keeps every comparison exact (the paper's proof).
// The table of those approximations is computed once, from exact big-integer arithmetic.
// Most doubles take a shorter road to the same decimal, after Dragonbox (to_decimal_symmetric).
// The text is then laid out as std::to_chars lays out its shortest form: fixed or scientific,
// whichever is shorter, fixed on a tie; a whole number from 2^53 up in fixed notation is written
// exactly, as printf's %f would.
#include "imbgen/core/shortest.h"

#include <cstdint>
#include <cstring>
#include <vector>

namespace imbgen {
namespace {

using u64 = uint64_t;
__extension__ typedef unsigned __int128 u128;  // GCC and clang; -Wpedantic allows it so

constexpr int kQMin = -1074;           // exponent of the subnormals: v = c 2^-1074
constexpr u64 kCMin = u64{1} << 52;    // the hidden bit
constexpr int kKMin = -324;            // flog10pow2(kQMin)
constexpr int kKMax = 292;             // flog10pow2(971), 971 the largest exponent
constexpr u64 kTiny = 3;               // subnormals below 3 2^-1074 are scaled by 10 first

// floor(q log10 2), floor(log10(3/4 2^q)) and floor(e log2 10) for the exponents of doubles, by
// fixed-point multiplication (exact over these ranges, per the paper; tests/core/shortest_test
// runs every exponent against std::to_chars).
int flog10pow2(int q) { return static_cast<int>((int64_t{q} * 661971961083) >> 41); }
int flog10_three_quarters_pow2(int q) {
  return static_cast<int>((int64_t{q} * 661971961083 - 274743187321) >> 41);
}
int flog2pow10(int e) { return static_cast<int>((int64_t{e} * 913124641741) >> 38); }

// g = hi 2^63 + lo (lo < 2^63), g = floor(10^e 2^-r) + 1 with r = flog2pow10(e) - 125, so that
// 2^125 <= g < 2^126.
struct Pow10 {
  u64 hi, lo;
};

// A non-negative big integer, 32-bit limbs, least significant first.
using Big = std::vector<uint32_t>;

void mul_small(Big& n, uint32_t m) {
  u64 carry = 0;
  for (auto& limb : n) {
    const u64 p = u64{limb} * m + carry;
    limb = static_cast<uint32_t>(p);
    carry = p >> 32;
  }
  if (carry) n.push_back(static_cast<uint32_t>(carry));
}

void div_small(Big& n, uint32_t d) {
  u64 rem = 0;
  for (size_t i = n.size(); i-- > 0;) {
    const u64 cur = (rem << 32) | n[i];
    n[i] = static_cast<uint32_t>(cur / d);
    rem = cur % d;
  }
  while (!n.empty() && n.back() == 0) n.pop_back();
}

// floor(n / 2^shift) (n 2^-shift for a negative shift), which must be below 2^128.
u128 bits_from(const Big& n, int shift) {
  u128 out = 0;
  for (int b = 127; b >= 0; --b) {
    const int bit = shift + b;
    const size_t limb = static_cast<size_t>(bit / 32);
    const bool set = bit >= 0 && limb < n.size() && ((n[limb] >> (bit % 32)) & 1u);
    out = (out << 1) | (set ? 1u : 0u);
  }
  return out;
}

Pow10 make_entry(u128 g) {
  return {static_cast<u64>(g >> 63), static_cast<u64>(g) & ((u64{1} << 63) - 1)};
}

// Entries for e = -kKMax .. -kKMin (e = -k).
const std::vector<Pow10>& table() {
  static const std::vector<Pow10> entries = [] {
    std::vector<Pow10> t(static_cast<size_t>(kKMax - kKMin + 1));
    // e >= 0: 10^e exactly, shifted.
    Big n{1};
    for (int e = 0; e <= -kKMin; ++e) {
      if (e > 0) mul_small(n, 10);
      const int r = flog2pow10(e) - 125;
      t[static_cast<size_t>(e + kKMax)] = make_entry(bits_from(n, r) + 1);
    }
    // e < 0: floor(2^S / 10^m) by m exact divisions by 10, then shifted down to 126 bits.
    constexpr int kS = 1216;  // above the largest 125 - flog2pow10(e) = 1202
    Big x(static_cast<size_t>(kS / 32) + 1, 0);
    x.back() = 1u << (kS % 32);
    for (int m = 1; m <= kKMax; ++m) {
      div_small(x, 10);
      const int e = -m;
      const int r = flog2pow10(e) - 125;
      t[static_cast<size_t>(e + kKMax)] = make_entry(bits_from(x, kS + r) + 1);
    }
    return t;
  }();
  return entries;
}

// The scale factors of to_decimal_symmetric: G = ceil(10^e 2^-r) with r = flog2pow10(e) - 127,
// so that 2^127 <= G < 2^128, as two 64-bit halves, for e = -kFastKMax .. -kFastKMin (e = -k).
// G is 10^e 2^-r exactly where that is a whole number (e <= 55).
constexpr int kFastKMin = kKMin - 2;  // flog10pow2(kQMin) - 2
constexpr int kFastKMax = kKMax - 2;  // flog10pow2(971) - 2

struct Pow10x128 {
  u64 hi, lo;
};

// Whether any bit of n below bit `shift` is set.
bool any_below(const Big& n, int shift) {
  for (int bit = 0; bit < shift; ++bit) {
    const size_t limb = static_cast<size_t>(bit / 32);
    if (limb >= n.size()) return false;
    if ((n[limb] >> (bit % 32)) & 1u) return true;
  }
  return false;
}

const std::vector<Pow10x128>& table128() {
  static const std::vector<Pow10x128> entries = [] {
    std::vector<Pow10x128> t(static_cast<size_t>(kFastKMax - kFastKMin + 1));
    const auto put = [&t](int e, u128 g) {
      t[static_cast<size_t>(e + kFastKMax)] = {static_cast<u64>(g >> 64), static_cast<u64>(g)};
    };
    Big n{1};
    for (int e = 0; e <= -kFastKMin; ++e) {  // 10^e exactly, shifted, rounded up
      if (e > 0) mul_small(n, 10);
      const int r = flog2pow10(e) - 127;
      put(e, bits_from(n, r) + (r > 0 && any_below(n, r) ? 1 : 0));
    }
    // e < 0: 10^e is never a whole multiple of a power of two, so the ceiling is the floor plus
    // one, the floor from floor(2^S / 10^m) as in table().
    constexpr int kS = 1216;
    Big x(static_cast<size_t>(kS / 32) + 1, 0);
    x.back() = 1u << (kS % 32);
    for (int m = 1; m <= kFastKMax; ++m) {
      div_small(x, 10);
      const int r = flog2pow10(-m) - 127;
      put(-m, bits_from(x, kS + r) + 1);
    }
    return t;
  }();
  return entries;
}

// floor(g cp / 2^127), with its lowest bit set when the division is not exact (round to odd).
u64 rop(const Pow10& g, u64 cp) {
  const u64 x1 = static_cast<u64>((u128{g.lo} * cp) >> 64);
  const u128 y = u128{g.hi} * cp;
  const u64 y0 = static_cast<u64>(y), y1 = static_cast<u64>(y >> 64);
  const u64 z = (y0 >> 1) + x1;
  const u64 vbp = y1 + (z >> 63);
  const u64 mask63 = (u64{1} << 63) - 1;
  return vbp | (((z & mask63) + mask63) >> 63);
}

struct Decimal {
  u64 f;  // f 10^e, possibly with trailing zeros
  int e;
};

// The shortest decimal in the rounding interval of c 2^q (times 10^-dk: dk = -1 when c was
// multiplied by 10), nearest to it, ties to even.
Decimal to_decimal(int q, u64 c, int dk) {
  const u64 out = c & 1;  // an odd c's interval excludes its ends
  const u64 cb = c << 2, cbr = cb + 2;
  u64 cbl;
  int k;
  if (c != kCMin || q == kQMin) {
    cbl = cb - 2;
    k = flog10pow2(q);
  } else {  // a power of two: the gap below is half the gap above
    cbl = cb - 1;
    k = flog10_three_quarters_pow2(q);
  }
  const int h = q + flog2pow10(-k) + 2;
  const Pow10& g = table()[static_cast<size_t>(-k + kKMax)];
  const u64 vb = rop(g, cb << h), vbl = rop(g, cbl << h), vbr = rop(g, cbr << h);
  const u64 s = vb >> 2;
  // Which of these holds depends on the digits of v, not on a pattern a branch predictor could
  // learn, so every outcome is computed and one is selected without a branch.
  // One digit shorter: the multiple of 10 below or above, when only one of them is in. It is
  // returned as s / 10 or s / 10 + 1 with the exponent one up (no trailing zero to strip).
  const u64 s10 = s / 10, sp10 = s10 * 10, tp10 = sp10 + 10;
  const bool upin = vbl + out <= sp10 << 2;
  const bool wpin = (tp10 << 2) + out <= vbr;
  const bool shorter = (s >= 10) & (upin != wpin);
  // Else s or t = s + 1: the one in the interval, or the nearer when both are (even on a tie).
  const u64 t = s + 1;
  const bool uin = vbl + out <= s << 2;
  const bool win = (t << 2) + out <= vbr;
  const int64_t cmp = static_cast<int64_t>(vb - ((s + t) << 1));
  const bool nearer_t = (cmp > 0) | ((cmp == 0) & ((s & 1) != 0));
  const bool pick_t = (uin != win) ? !uin : nearer_t;
  const u64 f = shorter ? s10 + (upin ? 0 : 1) : s + (pick_t ? 1 : 0);
  return {f, k + dk + (shorter ? 1 : 0)};
}

// u g / 2^128 for the 192-bit product u g: its whole part and the top 64 bits of its fraction.
struct Scaled {
  u64 whole, fraction;
};
Scaled mul_upper(u64 u, const Pow10x128& g) {
  const u128 high = u128{u} * g.hi;
  const u128 low = u128{u} * g.lo;
  const u128 sum = high + (low >> 64);
  return {static_cast<u64>(sum >> 64), static_cast<u64>(sum)};
}

// The same decimal as to_decimal, for v = c 2^q normal and not a power of two (a rounding
// interval symmetric around v, the common case), with a third of its arithmetic. After Junekey
// Jeon's Dragonbox ("Dragonbox: A New Floating-Point Binary-to-Decimal Conversion Algorithm",
// 2020): scaled by 10^-k with k = floor(q log10 2) - 2, the interval is delta = 2^q 10^-k wide,
// 100 <= delta < 1000, and ends at z = (c + 1/2) 2^q 10^-k. It holds at most one multiple of
// 1000, the one candidate a digit shorter than the others: 1000 floor(z / 1000), which is in when
// z mod 1000 is below delta. Else the answer is the multiple of 100 nearest to v (ties to even),
// always in. So one 64 x 128-bit product (z, with the scale factor rounded up; the paper shows
// the floors below come out exact with it for every double) and the floor of delta decide,
// except in about one case in a hundred, which goes to to_decimal: z mod 1000 exactly
// floor(delta), or 0 with z whole (is 1000 floor(z / 1000) in?), and a multiple of 100 whose
// rounding the floor of v 10^-k may miss by one or which may be a tie. Both candidates are
// computed and one selected without a branch: which one depends on the digits.
Decimal to_decimal_symmetric(int q, u64 c) {
  const int k = flog10pow2(q) - 2;
  const int beta = q + flog2pow10(-k);  // 6 <= beta <= 9: (2c + 1) << beta fits in 64 bits
  const Pow10x128& g = table128()[static_cast<size_t>(-k + kFastKMax)];
  const Scaled z = mul_upper(((c << 1) | 1) << beta, g);
  const u64 delta = g.hi >> (63 - beta);  // floor(delta): delta = G 2^(beta - 127)
  const u64 s = z.whole / 1000;
  const u64 r = z.whole - 1000 * s;
  const bool shorter = r < delta;
  // floor(v 10^-k) - 1000 s is r - floor(delta / 2) or one less (v 10^-k = z - delta / 2);
  // with 50 added, the division by 100 rounds either the same way unless it divides exactly.
  // (Meaningful when r >= delta.)
  const u64 dist = r - delta / 2 + 50;
  const bool undecided =
      (r == delta) | ((r == 0) & (z.fraction == 0)) | (!shorter & (dist % 100 == 0));
  if (__builtin_expect(undecided, 0)) return to_decimal(q, c, 0);
  const u64 f = shorter ? s : s * 10 + dist / 100;
  return {f, k + (shorter ? 3 : 2)};
}

constexpr char kPairs[] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

// The 8 decimal digits of n < 10^8, leading zeros included, as text in one 64-bit word (the first
// digit in the lowest byte): the digits are split in its lanes (4-digit halves in 32-bit lanes,
// 2-digit pairs in 16-bit lanes, digits in bytes), each split a multiply-shift exact over its
// range (v / 100 = v * 10486 >> 20 below 43,699; v / 10 = v * 103 >> 10 below 179).
u64 eight_digit_text(uint32_t n) {
  const u64 halves = (n / 10000) | (u64{n % 10000} << 32);
  const u64 hundreds = ((halves * 10486) >> 20) & 0x0000007f0000007fULL;
  const u64 pairs = hundreds | ((halves - hundreds * 100) << 16);
  const u64 tens = ((pairs * 103) >> 10) & 0x000f000f000f000fULL;
  const u64 digits = tens | ((pairs - tens * 10) << 8);
  static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "digit text is little-endian");
  return digits + 0x3030303030303030ULL;
}

// Writes the 8 decimal digits of n < 10^8, leading zeros included, at out, with one store.
void eight_digits(uint32_t n, char* out) {
  const u64 text = eight_digit_text(n);
  std::memcpy(out, &text, 8);
}

// Writes the last `count` decimal digits of v (leading zeros included) so that they end at
// `end`, right to left, and returns v without them. Each digit is written once, in its place.
u64 digits_ending_at(u64 v, int count, char* end) {
  while (count >= 8) {
    end -= 8;
    eight_digits(static_cast<uint32_t>(v % 100000000), end);
    v /= 100000000;
    count -= 8;
  }
  while (count >= 2) {
    end -= 2;
    std::memcpy(end, kPairs + 2 * (v % 100), 2);
    v /= 100;
    count -= 2;
  }
  if (count == 1) {
    end[-1] = static_cast<char>('0' + v % 10);
    v /= 10;
  }
  return v;
}

constexpr u64 kPow10[] = {1,
                          10,
                          100,
                          1000,
                          10000,
                          100000,
                          1000000,
                          10000000,
                          100000000,
                          1000000000,
                          10000000000,
                          100000000000,
                          1000000000000,
                          10000000000000,
                          100000000000000,
                          1000000000000000,
                          10000000000000000,
                          100000000000000000,
                          1000000000000000000};

// The number of decimal digits of 0 < v < 10^18.
int digit_count(u64 v) {
  const int bits = 64 - __builtin_clzll(v);
  const int t = (bits * 1233) >> 12;  // floor(bits log10 2), one below or the count itself
  return t + (v >= kPow10[t] ? 1 : 0);
}

// The n decimal digits of 0 < f < 10^17 (n = digit_count(f)) as text held in registers, so
// that they are placed by fixed-size stores at any offset (text written to memory and read back
// at another offset would stall on store forwarding). The first digit is in the lowest byte.
class DigitText {
 public:
  DigitText(u64 f, int n) : n_(n) {
    const u64 f16 = n == 17 ? f % kPow10[16] : f;
    top_ = static_cast<char>('0' + f / kPow10[16]);
    const u64 first8 = n <= 8 ? 0x3030303030303030ULL
                              : eight_digit_text(static_cast<uint32_t>(f16 / kPow10[8]));
    const u64 last8 = eight_digit_text(static_cast<uint32_t>(f16 % kPow10[8]));
    w_ = (u128{last8} << 64) | first8;  // 16 digits, leading zeros included
    w_ >>= 8 * (n < 16 ? 16 - n : 0);   // now the n digits, then zero bytes
    tail_shift_ = n == 17 ? -8 : 0;
  }
  char first() const { return n_ == 17 ? top_ : static_cast<char>(w_); }
  // The first 16 digits (fewer when n < 16, then scratch) at out, and the 17th (or scratch) at
  // out[16].
  void head(char* out) const {
    const u128 h = n_ == 17 ? (w_ << 8) | static_cast<unsigned char>(top_) : w_;
    std::memcpy(out, &h, 16);
    out[16] = static_cast<char>(w_ >> 120);
  }
  // The digits from the k-th on (0 < k < n; at most 16 of them, then scratch), at out.
  void tail(int k, char* out) const {
    const u128 t = w_ >> (8 * k + tail_shift_);
    std::memcpy(out, &t, 16);
  }

 private:
  u128 w_;
  char top_;
  int n_;
  int tail_shift_;  // -8 when top_ is the first digit: w_ then starts at the second
};

// Lays out f 10^e (0 < f < 10^17) as std::to_chars does. `exact` is the value itself when it is
// a whole number of at least 2^53 (else 0): fixed notation writes its digits, not the shortest
// ones. The digits are placed by fixed-size copies (n <= 17 digits, at most 16 before a point);
// what lands past the returned end is scratch, within kShortestRoom.
char* lay_out(u64 f, int e, u128 exact, char* out) {
  while (f % 10 == 0) {  // trailing zeros go into the exponent
    f /= 10;
    ++e;
  }
  const int n = digit_count(f);
  const int sci_exp = e + n - 1;
  const int abs_exp = sci_exp < 0 ? -sci_exp : sci_exp;
  const int sci_len = n + (n > 1 ? 1 : 0) + 2 + (abs_exp >= 100 ? 3 : 2);
  const int fixed_len = e >= 0 ? n + e : (n + e > 0 ? n + 1 : 2 - e);
  if (fixed_len <= sci_len) {
    if (e >= 0) {
      if (exact != 0) {  // below 2^77 < 10^24: at most 8 digits above the last 16
        const u64 high = static_cast<u64>(exact / kPow10[16]);
        const u64 low = static_cast<u64>(exact % kPow10[16]);
        const int m = high == 0 ? digit_count(low) : digit_count(high) + 16;
        digits_ending_at(low, high == 0 ? m : 16, out + m);
        if (high != 0) digits_ending_at(high, m - 16, out + m - 16);
        return out + m;
      }
      DigitText(f, n).head(out);
      std::memset(out + n, '0', 8);  // e <= 5 here: fixed notation is longer from 6 zeros on
      return out + n + e;
    }
    // ddd.ddd or 0.000ddd, laid out without a branch (both are common in one column): the
    // stores of the form not taken land where the other form's stores overwrite them, or past
    // the end. -whole <= 4 here, as above.
    const DigitText d(f, n);
    const int whole = n + e;  // digits before the point
    const bool point_inside = whole > 0;
    std::memcpy(out, "0.000000", 8);
    d.head(out + (point_inside ? 0 : 2 - whole));
    out[point_inside ? whole : 1] = '.';
    // The digits after the point for ddd.ddd; for 0.000ddd, scratch past its end.
    d.tail(point_inside ? whole : 1, out + (point_inside ? whole + 1 : 2 - e));
    return out + (point_inside ? n + 1 : 2 - e);
  }
  // d.ddde+XX
  const DigitText d(f, n);
  out[0] = d.first();
  out[1] = '.';
  if (n > 1) d.tail(1, out + 2);
  out += n > 1 ? n + 1 : 1;
  out[0] = 'e';
  out[1] = sci_exp < 0 ? '-' : '+';
  if (abs_exp >= 100) {
    out[2] = static_cast<char>('0' + abs_exp / 100);
    std::memcpy(out + 3, kPairs + 2 * (abs_exp % 100), 2);
    return out + 5;
  }
  std::memcpy(out + 2, kPairs + 2 * abs_exp, 2);
  return out + 4;
}

}  // namespace

char* write_shortest(double v, char* out) {
  u64 bits;
  std::memcpy(&bits, &v, sizeof bits);
  // Without a branch: about half of a column's values are negative, in no pattern a predictor
  // could learn (so are the tests below that depend on the value's size).
  *out = '-';
  out += bits >> 63;
  const int bq = static_cast<int>((bits >> 52) & 0x7ff);
  const u64 t = bits & (kCMin - 1);
  if (bq == 0x7ff) {
    std::memcpy(out, t != 0 ? "nan" : "inf", 3);
    return out + 3;
  }
  if (bq == 0) {
    if (t == 0) {
      *out = '0';
      return out + 1;
    }
    const Decimal d = t < kTiny ? to_decimal(kQMin, 10 * t, -1) : to_decimal(kQMin, t, 0);
    return lay_out(d.f, d.e, 0, out);
  }
  const int q = bq - 1075;
  const u64 c = kCMin | t;
  // A whole number below 2^53 is written with its own digits: c 2^q with -53 < q < 0 and no
  // bits below the point. One test, which for typical data is rarely true.
  const bool small_exponent = (q < 0) & (q > -53);
  const int fraction_bits = small_exponent ? -q : 63;  // 63: c (< 2^53) has bits below it
  if ((c & ((u64{1} << fraction_bits) - 1)) == 0) return lay_out(c >> fraction_bits, 0, 0, out);
  const Decimal d = c != kCMin ? to_decimal_symmetric(q, c) : to_decimal(q, c, 0);
  // From 2^53 up every double is a whole number; in fixed notation it is written exactly. Fixed
  // notation is only chosen below 10^23 < 2^77.
  const u128 exact = q >= 0 && q <= 24 ? u128{c} << q : 0;
  return lay_out(d.f, d.e, exact, out);
}

}  // namespace imbgen
