// Seeded stratified splits: every class keeps its share in each part.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace imbgen {

struct Split {
  std::vector<size_t> train;  // row indices, ascending
  std::vector<size_t> test;   // row indices, ascending
};

// Per class, round(count * test_fraction) rows (at least 1 when the class has >= 2 rows, and at
// most count - 1, so a class with >= 2 rows is in both parts; a class with 1 row goes to train)
// go to test. Which rows: a shuffle of the class's rows with its own stream Rng(seed).derive(c).
// train and test partition 0..y.size()-1. Same labels + seed -> same split.
// Throws Error(kInvalidArgument) when test_fraction is not in (0, 1), y is empty or a label is
// negative.
Split stratified_split(const std::vector<int>& y, double test_fraction, uint64_t seed);

// k folds: fold f's test part is the f-th of k disjoint parts that together hold every row once;
// its train part is all the other rows. Each class's rows are shuffled (Rng(seed).derive(c)) and
// dealt to the folds in turn, continuing where the previous class stopped, so each class's
// count per fold differs by at most 1 between folds, and so do the fold sizes. A class with fewer
// than k rows is missing from some test parts. Same labels + k + seed -> same folds.
// Throws Error(kInvalidArgument) when k < 2, k > y.size() or a label is negative.
std::vector<Split> stratified_kfold(const std::vector<int>& y, int k, uint64_t seed);

}  // namespace imbgen
