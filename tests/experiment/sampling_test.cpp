// The sampling strategy: parsing, rows per class as imbalanced-learn's check_sampling_strategy
// computes them, and the errors (unknown label, target below the current count, ratio range).
#include "imbgen/experiment/sampling.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "imbgen/core/error.h"

namespace imbgen {
namespace {

std::string error_of(const std::string& text, const std::vector<size_t>& counts = {10, 2},
                     const std::vector<std::string>& names = {}) {
  try {
    rows_to_generate(counts, SamplingStrategy::parse(text), names);
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInvalidArgument);
    return e.what();
  }
  return "no error";
}

using Rows = std::map<int, size_t>;

// /usr/bin/python3 (imbalanced-learn 0.10):
//   y = np.array([0]*1000 + [1]*37 + [2]*250 + [3]*1000)
//   check_sampling_strategy('auto', y, 'over-sampling')             # {1: 963, 2: 750, 3: 0}
//   check_sampling_strategy({1: 500, 2: 250}, y, 'over-sampling')   # {1: 463, 2: 0}
//   yb = np.array([0]*1000 + [1]*37)
//   check_sampling_strategy(0.5, yb, 'over-sampling')               # {1: 463}
//   check_sampling_strategy(0.333, yb, 'over-sampling')             # {1: 296}
TEST(SamplingStrategy, MatchesImbalancedLearn) {
  const std::vector<size_t> counts = {1000, 37, 250, 1000};
  EXPECT_EQ(rows_to_generate(counts, SamplingStrategy::parse("auto")), (Rows{{1, 963}, {2, 750}}));
  EXPECT_EQ(rows_to_generate(counts, SamplingStrategy::parse("1=500,2=250")), (Rows{{1, 463}}));
  EXPECT_EQ(rows_to_generate({1000, 37}, SamplingStrategy::parse("0.5")), (Rows{{1, 463}}));
  EXPECT_EQ(rows_to_generate({1000, 37}, SamplingStrategy::parse("0.333")), (Rows{{1, 296}}));
}

TEST(SamplingStrategy, RatioAppliesToEveryNonMajorityClass) {
  EXPECT_EQ(rows_to_generate({37, 1000, 250}, SamplingStrategy::parse("0.5")),
            (Rows{{0, 463}, {2, 250}}));
  // A class without rows cannot be learnt: left out of auto and ratio.
  EXPECT_EQ(rows_to_generate({1000, 0, 10}, SamplingStrategy::parse("auto")), (Rows{{2, 990}}));
  EXPECT_EQ(rows_to_generate({1000, 0, 10}, SamplingStrategy::parse(" 1 ")), (Rows{{2, 990}}));
}

TEST(SamplingStrategy, TargetsUseTheClassNames) {
  const std::vector<std::string> names = {"genuine", "fraud", "other"};
  const SamplingStrategy s = SamplingStrategy::parse(" fraud = 5000 , other=1000");
  ASSERT_EQ(s.kind, SamplingStrategy::Kind::kTargets);
  EXPECT_EQ(s.to_string(), "fraud=5000,other=1000");
  EXPECT_EQ(rows_to_generate({20000, 394, 1000}, s, names), (Rows{{1, 4606}}));
  // A label may hold '=' (the count follows the last one); a target for the majority is allowed.
  EXPECT_EQ(rows_to_generate({5, 3}, SamplingStrategy::parse("a=b=4,x=9"), {"x", "a=b"}),
            (Rows{{0, 4}, {1, 1}}));
}

TEST(SamplingStrategy, ParsesAndPrintsBack) {
  for (const std::string text : {"auto", "0.5", "1", "0.333", "1e-05", "fraud=5000,other=1000"}) {
    const SamplingStrategy s = SamplingStrategy::parse(text);
    EXPECT_EQ(SamplingStrategy::parse(s.to_string()).to_string(), s.to_string()) << text;
  }
  EXPECT_EQ(SamplingStrategy::parse("0.25").to_string(), "0.25");
  EXPECT_EQ(SamplingStrategy::parse("0.1").ratio, 0.1);
  EXPECT_EQ(SamplingStrategy::parse("auto").kind, SamplingStrategy::Kind::kAuto);
}

TEST(SamplingStrategy, ClearErrors) {
  const std::string p = "sampling strategy: ";
  EXPECT_EQ(error_of(""), p + "empty; expected \"auto\", a ratio in (0, 1] or label=count pairs "
                              "such as fraud=5000,other=1000");
  EXPECT_EQ(error_of("1.5"), p + "ratio 1.5 is outside (0, 1]; it is the minority/majority row "
                                 "ratio after sampling (use label=count pairs for other targets)");
  EXPECT_EQ(error_of("0"), p + "ratio 0 is outside (0, 1]; it is the minority/majority row ratio "
                               "after sampling (use label=count pairs for other targets)");
  EXPECT_EQ(error_of("fraud"), p + "'fraud': expected label=count (expected \"auto\", a ratio in "
                                   "(0, 1] or label=count pairs such as fraud=5000,other=1000)");
  EXPECT_EQ(error_of("fraud=many"), p + "'fraud=many': expected a row count (a whole number >= "
                                        "0) after '=', got \"many\"");
  EXPECT_EQ(error_of("fraud=-3"), p + "'fraud=-3': expected a row count (a whole number >= 0) "
                                      "after '=', got \"-3\"");
  EXPECT_EQ(error_of("=3"), p + "'=3': the class label before '=' is empty");
  EXPECT_EQ(error_of("a=1,a=2"), p + "class 'a' is given twice");
  EXPECT_EQ(error_of("a=1,"), p + "'': expected label=count (expected \"auto\", a ratio in (0, 1] "
                                  "or label=count pairs such as fraud=5000,other=1000)");
  const std::vector<std::string> names = {"genuine", "fraud"};
  EXPECT_EQ(error_of("frod=500", {1000, 37}, names),
            p + "unknown class 'frod' (classes: genuine, fraud)");
  EXPECT_EQ(error_of("fraud=20", {1000, 37}, names),
            p + "class 'fraud': target 20 is below its 37 training rows; an over-sampler cannot "
                "remove rows (the target is the final count)");
  EXPECT_EQ(error_of("fraud=20", {1000, 0}, names),
            p + "class 'fraud' has no training rows; a generator needs rows to learn from");
  // imbalanced-learn: "The specified ratio required to remove samples from the minority class".
  EXPECT_EQ(error_of("0.03", {1000, 37}, names),
            p + "ratio 0.03: class 'fraud' has 37 rows, already at least 0.03 x 1000 (the rows of "
                "the majority class 'genuine'); an over-sampler cannot remove rows (raise the "
                "ratio, or give label=count targets)");
  EXPECT_EQ(error_of("auto", {0, 0}), p + "the training rows hold no class");
  EXPECT_EQ(error_of("auto", {3, 1}, {"a"}), p + "got 1 class names for 2 class counts");
  EXPECT_EQ(error_of("7=1", {3, 1}), p + "unknown class '7' (classes: 0, 1)");
}

}  // namespace
}  // namespace imbgen
