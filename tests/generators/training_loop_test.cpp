// The deep generators' training loop: divergence, progress, block means, model selection with
// patience; the step budget, the held-back rows (per condition) and the row sampler.
#include "generators/training_loop.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>
#include <string>
#include <vector>

#include "imbgen/core/error.h"

namespace imbgen {
namespace {

class RecordingObserver : public Observer {
 public:
  void on_progress(const Progress& p) override { seen.push_back(p); }
  void on_message(const std::string& m) override { messages.push_back(m); }
  std::vector<Progress> seen;
  std::vector<std::string> messages;
};

TEST(TrainingLoop, KeepsBlockMeansOfEveryValue) {
  RecordingObserver observer;
  int s = 0;
  const LoopResult r = run_training(
      {"demo", 7, 3, 0, 0, "none"}, {"a", "b"},
      [&] {
        ++s;
        return std::vector<double>{static_cast<double>(s), 10.0 * s};
      },
      nullptr, nullptr, observer);
  EXPECT_FALSE(r.has_best);
  EXPECT_EQ(r.history.at("step"), (nlohmann::json{3, 6, 7}));
  EXPECT_EQ(r.history.at("a"), (nlohmann::json{2.0, 5.0, 7.0}));
  EXPECT_EQ(r.history.at("b"), (nlohmann::json{20.0, 50.0, 70.0}));
  EXPECT_FALSE(r.history.contains("validation"));
  ASSERT_EQ(observer.seen.size(), 7u);
  EXPECT_EQ(observer.seen[4].task, "demo");
  EXPECT_EQ(observer.seen[4].step, 5);
  EXPECT_EQ(observer.seen[4].total, 7);
  ASSERT_EQ(observer.seen[4].values.size(), 2u);
  EXPECT_EQ(observer.seen[4].values[1].first, "b");
  EXPECT_EQ(observer.seen[4].values[1].second, 50.0);
}

TEST(TrainingLoop, ANonFiniteValueIsDivergenceNamingTheStep) {
  RecordingObserver observer;
  int s = 0;
  try {
    run_training(
        {"gan: class 1", 10, 5, 0, 0, "lower the learning rates"}, {"loss", "other"},
        [&] {
          ++s;
          return std::vector<double>{1.0, s == 4 ? std::nan("") : 2.0};
        },
        nullptr, nullptr, observer);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kDiverged);
    EXPECT_STREQ(e.what(),
                 "gan: class 1: training diverged at step 4 of 10 (loss = 1, other = nan); hint: "
                 "lower the learning rates");
  }
  EXPECT_EQ(observer.seen.size(), 3u);
}

TEST(TrainingLoop, KeepsTheBestScoreAndStopsAfterPatience) {
  RecordingObserver observer;
  // Scored at steps 2, 4, 6, ...: 5, 3, 4, 4 -> the best is at step 4; two scores without a new
  // best stop the run at step 8 of 20.
  const std::vector<double> scores = {5.0, 3.0, 4.0, 4.0, 1.0};
  size_t scored = 0;
  std::vector<int> kept;
  int s = 0;
  const LoopResult r = run_training(
      {"vae", 20, 3, 2, 2, "none"}, {"loss"},
      [&] {
        ++s;
        return std::vector<double>{1.0};
      },
      [&] { return scores[scored++]; }, [&] { kept.push_back(s); }, observer);
  EXPECT_TRUE(r.has_best);
  EXPECT_EQ(kept, (std::vector<int>{2, 4}));
  EXPECT_EQ(s, 8);
  const nlohmann::json& v = r.history.at("validation");
  EXPECT_EQ(v.at("step"), (nlohmann::json{2, 4, 6, 8}));
  EXPECT_EQ(v.at("mmd"), (nlohmann::json{5.0, 3.0, 4.0, 4.0}));
  EXPECT_EQ(v.at("best_step"), 4);
  EXPECT_EQ(v.at("best_mmd"), 3.0);
  EXPECT_EQ(v.at("stopped_early"), true);
  EXPECT_EQ(r.history.at("step"), (nlohmann::json{3, 6, 8}));  // the last block ends at the stop
  ASSERT_EQ(observer.seen.size(), 8u);
  ASSERT_EQ(observer.seen[3].values.size(), 2u);
  EXPECT_EQ(observer.seen[3].values[1].first, "mmd");
  EXPECT_EQ(observer.seen[2].values.size(), 1u);
}

TEST(TrainingLoop, ScoresTheLastStepToo) {
  RecordingObserver observer;
  int scored = 0;
  const LoopResult r = run_training(
      {"t", 5, 10, 4, 0, "none"}, {"loss"}, [] { return std::vector<double>{0.5}; },
      [&] { return 10.0 - ++scored; }, [] {}, observer);
  EXPECT_EQ(r.history.at("validation").at("step"), (nlohmann::json{4, 5}));
  EXPECT_EQ(r.history.at("validation").at("best_step"), 5);
  EXPECT_EQ(r.history.at("validation").at("stopped_early"), false);
}

TEST(StepBudget, TakesAGivenCountOrEpochsOverTheRowsWithinBounds) {
  EXPECT_EQ(step_budget(7, 1000, 10, 5, 1, 100), 7);
  EXPECT_EQ(step_budget(0, 3, 10, 4, 1, 100), 8);  // ceil(3 * 10 / 4)
  EXPECT_EQ(step_budget(0, 1000, 394, 64, 1000, 5000), 5000);
  EXPECT_EQ(step_budget(0, 1, 10, 10, 1000, 5000), 1000);
}

TEST(SplitByCondition, HoldsBackRowsOfEachCondition) {
  std::vector<int> condition;
  for (int i = 0; i < 60; ++i) condition.push_back(i % 3 == 0 ? 1 : 0);  // 40 of 0, 20 of 1
  const ConditionSplit s = split_by_condition(condition, 2, 0.25, 2, 2, 9);
  EXPECT_EQ(s.validation[0].size(), 10u);
  EXPECT_EQ(s.validation[1].size(), 5u);
  EXPECT_EQ(s.validation_rows(), 15u);
  EXPECT_EQ(s.train.size(), 45u);
  EXPECT_TRUE(std::is_sorted(s.train.begin(), s.train.end()));
  std::set<size_t> all(s.train.begin(), s.train.end());
  for (const auto& v : s.validation) {
    for (size_t i : v) {
      EXPECT_TRUE(all.insert(i).second) << i;
    }
  }
  EXPECT_EQ(all.size(), 60u);
  for (size_t i : s.train_of[1]) EXPECT_EQ(condition[i], 1);
  // Each condition's split is holdout_split's of its rows, seeded with mix_seed(seed, 100 + c).
  const HoldoutSplit one = holdout_split(20, 0.25, 2, 2, mix_seed(9, 101));
  for (size_t k = 0; k < one.validation.size(); ++k) {
    EXPECT_EQ(s.validation[1][k], 3 * one.validation[k]);
  }
  EXPECT_EQ(split_by_condition(condition, 2, 0.0, 2, 2, 9).validation_rows(), 0u);
}

TEST(RowSampler, NeverDropsARow) {
  for (size_t n : {1u, 7u, 10u, 64u}) {
    for (size_t batch : {1u, 3u, 16u, 100u}) {
      RowSampler sampler(n, 11);
      std::vector<size_t> count(n, 0);
      size_t drawn = 0;
      for (int b = 0; b < 9; ++b) {
        for (int64_t i : sampler.next(batch)) {
          ASSERT_GE(i, 0);
          ASSERT_LT(static_cast<size_t>(i), n);
          ++count[static_cast<size_t>(i)];
        }
        drawn += batch;
        for (size_t c : count) {
          EXPECT_GE(c, drawn / n) << "n " << n << " batch " << batch;
          EXPECT_LE(c, drawn / n + 1) << "n " << n << " batch " << batch;
        }
      }
    }
  }
}

TEST(HoldoutSplit, PartitionsTheRowsOrKeepsThemAll) {
  const HoldoutSplit s = holdout_split(50, 0.2, 5, 2, 3);
  EXPECT_EQ(s.validation.size(), 10u);
  EXPECT_EQ(s.train.size(), 40u);
  std::set<size_t> all(s.train.begin(), s.train.end());
  all.insert(s.validation.begin(), s.validation.end());
  EXPECT_EQ(all.size(), 50u);
  EXPECT_TRUE(std::is_sorted(s.validation.begin(), s.validation.end()));
  EXPECT_EQ(holdout_split(50, 0.2, 5, 2, 3).validation, s.validation);
  EXPECT_NE(holdout_split(50, 0.2, 5, 2, 4).validation, s.validation);
  // 20% of 20 rows is 4 < 5: no validation, every row trains.
  const HoldoutSplit small = holdout_split(20, 0.2, 5, 2, 3);
  EXPECT_TRUE(small.validation.empty());
  EXPECT_EQ(small.train.size(), 20u);
  EXPECT_TRUE(holdout_split(50, 0.0, 5, 2, 3).validation.empty());
}

}  // namespace
}  // namespace imbgen
