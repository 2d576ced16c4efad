// Stratified train/test split and stratified k-fold, seeded per class so that adding rows of one
// class does not reshuffle another.
#include "imbgen/data/split.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "imbgen/core/error.h"
#include "imbgen/core/rng.h"

namespace imbgen {
namespace {

// Row indices per class label (ascending within a class), after checking the labels.
std::vector<std::vector<size_t>> rows_by_class(const std::vector<int>& y, const char* what) {
  std::vector<std::vector<size_t>> by_class;
  for (size_t i = 0; i < y.size(); ++i) {
    if (y[i] < 0) {
      throw Error(ErrorKind::kInvalidArgument,
                  std::string(what) + ": label at row " + std::to_string(i) + " is " +
                      std::to_string(y[i]) + "; class indices must be >= 0");
    }
    const auto c = static_cast<size_t>(y[i]);
    if (c >= by_class.size()) by_class.resize(c + 1);
    by_class[c].push_back(i);
  }
  return by_class;
}

}  // namespace

Split stratified_split(const std::vector<int>& y, double test_fraction, uint64_t seed) {
  if (!(test_fraction > 0.0 && test_fraction < 1.0)) {
    throw Error(
        ErrorKind::kInvalidArgument,
        "stratified_split: test_fraction must be in (0, 1), got " + std::to_string(test_fraction));
  }
  if (y.empty()) throw Error(ErrorKind::kInvalidArgument, "stratified_split: no rows to split");
  auto by_class = rows_by_class(y, "stratified_split");
  const Rng base(seed);
  Split split;
  for (size_t c = 0; c < by_class.size(); ++c) {
    auto& rows = by_class[c];
    const size_t n = rows.size();
    if (n == 0) continue;
    size_t n_test = static_cast<size_t>(std::llround(static_cast<double>(n) * test_fraction));
    if (n >= 2)
      n_test = std::clamp<size_t>(n_test, 1, n - 1);
    else
      n_test = 0;
    Rng rng = base.derive(c);
    rng.shuffle(rows);
    split.test.insert(split.test.end(), rows.begin(), rows.begin() + static_cast<long>(n_test));
    split.train.insert(split.train.end(), rows.begin() + static_cast<long>(n_test), rows.end());
  }
  std::sort(split.train.begin(), split.train.end());
  std::sort(split.test.begin(), split.test.end());
  return split;
}

std::vector<Split> stratified_kfold(const std::vector<int>& y, int k, uint64_t seed) {
  if (k < 2 || static_cast<size_t>(k) > y.size()) {
    throw Error(ErrorKind::kInvalidArgument,
                "stratified_kfold: k must be between 2 and the number of rows (" +
                    std::to_string(y.size()) + "), got " + std::to_string(k));
  }
  auto by_class = rows_by_class(y, "stratified_kfold");
  const auto n_folds = static_cast<size_t>(k);
  std::vector<size_t> fold_of(y.size());
  const Rng base(seed);
  size_t next = 0;  // the fold that gets the next row, carried across classes
  for (size_t c = 0; c < by_class.size(); ++c) {
    auto& rows = by_class[c];
    Rng rng = base.derive(c);
    rng.shuffle(rows);
    for (size_t i : rows) {
      fold_of[i] = next;
      next = (next + 1) % n_folds;
    }
  }
  std::vector<Split> folds(n_folds);
  for (size_t i = 0; i < y.size(); ++i) {  // ascending i keeps every list sorted
    for (size_t f = 0; f < n_folds; ++f) {
      (f == fold_of[i] ? folds[f].test : folds[f].train).push_back(i);
    }
  }
  return folds;
}

}  // namespace imbgen
