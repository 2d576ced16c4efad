// Seeded stratified splits: every class keeps its share in each part.
#pragma once

#include <cstdint>
#include <vector>

namespace imbgen {

struct Split {
  std::vector<size_t> train;  // row indices, ascending
  std::vector<size_t> test;   // row indices, ascending
};

// Per class, round(count * test_fraction) rows (at least 1 when the class has >= 2 rows) go to
// test. Same labels + seed -> same split. test_fraction must be in (0, 1).
Split stratified_split(const std::vector<int>& y, double test_fraction, uint64_t seed);

}  // namespace imbgen
