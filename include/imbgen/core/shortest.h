// The shortest text that reads back as the same double, written several times faster than
// std::to_chars and byte for byte what std::to_chars(first, last, v) writes ("0.1", "-3",
// "1e-07", "1.2345678901234567e+300", "inf", "-nan"). CSV output writes every number through it:
// a million rows of 30 columns is 30 million numbers.
#pragma once

namespace imbgen {

// The longest text write_shortest writes: "-2.2250738585072014e-308" is 24 characters.
inline constexpr int kShortestMaxChars = 24;
// The room it needs at `out`: it copies in fixed-size blocks, and what it writes past the end it
// returns is scratch.
inline constexpr int kShortestRoom = 64;

// Writes v at `out` (kShortestRoom characters of room, no terminating NUL) and returns the end
// of what it wrote.
char* write_shortest(double v, char* out);

}  // namespace imbgen
