// How many rows to generate per class, in the spirit of imbalanced-learn's sampling_strategy:
// "auto" (every class up to the majority's count), a ratio (minority/majority after sampling for
// every non-majority class), or explicit final counts per class label ("fraud=5000,other=1000").
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace imbgen {

struct SamplingStrategy {
  enum class Kind { kAuto, kRatio, kTargets };
  Kind kind = Kind::kAuto;
  double ratio = 1.0;  // kRatio: in (0, 1]
  // kTargets: (class label, final row count of that class), in the order written.
  std::vector<std::pair<std::string, size_t>> targets;

  // Parses "auto", a number in (0, 1] ("0.5", "1e-1"), or comma-separated label=count pairs
  // (blanks around labels and counts are ignored; a label is everything before the last '=' of
  // its pair, so it cannot hold a comma). Checks the syntax only (labels are resolved by
  // rows_to_generate). Throws Error(kInvalidArgument) "sampling strategy: ..." naming the
  // offending part: empty text, a ratio outside (0, 1], a pair without '=', an empty label, a
  // count that is not a whole number, a label given twice.
  static SamplingStrategy parse(const std::string& text);
  // The text parse() reads back: "auto", the ratio (shortest round-trip form), or the pairs.
  std::string to_string() const;
};

// Rows to generate per class index for the training rows' per-class counts (index = class).
// Only classes that get at least one row appear. The majority is the class with the most rows
// (ties: the lower index).
// - kAuto: every other class with rows gets majority - count (imbalanced-learn's "not majority").
// - kRatio: every other class with rows gets int(ratio * majority - count) (imbalanced-learn's
//   float form, extended from two classes to several); a class that would get 0 or fewer rows
//   (already at or above the ratio) is an error, as in imbalanced-learn.
// - kTargets: a listed class gets target - count rows (0: not listed in the result); classes not
//   listed get none.
// Labels are matched against `class_names` (class index -> label, as Table::classes); when it
// is empty the labels are the class indices written as numbers ("0", "1", ...). A class without
// training rows is left out of kAuto and kRatio (nothing to learn from). Throws
// Error(kInvalidArgument) "sampling strategy: ..." for no rows at all, class_names of another
// length than class_counts, an unknown label (listing the valid ones), a target below the
// class's current count, or a target for a class without rows.
std::map<int, size_t> rows_to_generate(const std::vector<size_t>& class_counts,
                                       const SamplingStrategy& strategy,
                                       const std::vector<std::string>& class_names = {});

}  // namespace imbgen
