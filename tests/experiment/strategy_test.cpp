// Strategy names with a ratio ("smote@0.25"), the --ratios list and its expansion, and auto's
// options: what they accept, what they reject and the messages.
#include "imbgen/experiment/strategy.h"

#include <gtest/gtest.h>

#include <cmath>

#include "imbgen/core/error.h"
#include "imbgen/experiment/auto.h"

namespace imbgen {
namespace {

template <typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInvalidArgument) << e.what();
    return e.what();
  }
  ADD_FAILURE() << "no error";
  return "";
}

TEST(StrategyName, ReadsNamesWithAndWithoutARatio) {
  const StrategyName s = parse_strategy("smote@0.25");
  EXPECT_EQ(s.base, "smote");
  EXPECT_TRUE(s.generator);
  EXPECT_DOUBLE_EQ(s.ratio, 0.25);
  const StrategyName plain = parse_strategy("smote");
  EXPECT_FALSE(plain.has_ratio());
  EXPECT_TRUE(plain.generator);
  for (const char* name : {"none", "class_weight", "auto"}) {
    const StrategyName n = parse_strategy(name);
    EXPECT_EQ(n.base, name);
    EXPECT_FALSE(n.generator);
    EXPECT_FALSE(n.has_ratio());
  }
  EXPECT_DOUBLE_EQ(parse_strategy("ctgan@1").ratio, 1.0);
  EXPECT_DOUBLE_EQ(parse_strategy("random@1e-05").ratio, 1e-5);
}

TEST(StrategyName, RejectsBadNamesWithTheReason) {
  EXPECT_NE(error_of([] { parse_strategy("smoke@0.5"); }).find("unknown strategy 'smoke@0.5'"),
            std::string::npos);
  EXPECT_NE(error_of([] { parse_strategy("none@0.5"); }).find("'none' adds no rows"),
            std::string::npos);
  EXPECT_NE(error_of([] { parse_strategy("auto@0.5"); }).find("'auto' adds no rows"),
            std::string::npos);
  for (const char* bad : {"smote@0", "smote@1.5", "smote@", "smote@x", "smote@-0.1", "smote@nan"})
    EXPECT_NE(error_of([&] { parse_strategy(bad); })
                  .find("expected a minority/majority ratio in "
                        "(0, 1] after '@'"),
              std::string::npos)
        << bad;
  // One strategy, one name: cells and results are keyed by it.
  EXPECT_NE(error_of([] { parse_strategy("smote@0.50"); }).find("write it 'smote@0.5'"),
            std::string::npos);
  EXPECT_NE(error_of([] { parse_strategy("smote@1.0"); }).find("write it 'smote@1'"),
            std::string::npos);
}

TEST(StrategyName, ShortestRoundTripNames) {
  EXPECT_EQ(strategy_with_ratio("smote", 0.1), "smote@0.1");
  EXPECT_EQ(strategy_with_ratio("smote", 1.0), "smote@1");
  EXPECT_EQ(strategy_with_ratio("gan", 0.05), "gan@0.05");
  for (double r : {0.05, 0.1, 0.25, 1.0 / 3, 0.5, 1.0}) {
    const StrategyName n = parse_strategy(strategy_with_ratio("random", r));
    EXPECT_EQ(n.ratio, r);  // exact: the name round-trips the double
  }
}

TEST(Ratios, ParsesTheListAndRejectsBadItems) {
  EXPECT_EQ(parse_ratios("0.05,0.1,0.25,0.5,1"), (std::vector<double>{0.05, 0.1, 0.25, 0.5, 1.0}));
  EXPECT_EQ(parse_ratios(" 0.5 , 1 "), (std::vector<double>{0.5, 1.0}));
  EXPECT_NE(error_of([] { parse_ratios("0.1,,0.5"); }).find("--ratios '0.1,,0.5': an empty item"),
            std::string::npos);
  EXPECT_NE(error_of([] { parse_ratios("0.1,2"); }).find("'2' is not a number in (0, 1]"),
            std::string::npos);
  EXPECT_NE(error_of([] { parse_ratios("0.1,abc"); }).find("'abc' is not a number in (0, 1]"),
            std::string::npos);
  EXPECT_NE(error_of([] { parse_ratios("0.5,0.50"); }).find("'0.50' is listed twice"),
            std::string::npos);
  EXPECT_NE(error_of([] { parse_ratios(""); }).find("no ratio given"), std::string::npos);
}

TEST(Ratios, ExpandGeneratorsOnly) {
  const std::vector<std::string> in = {"none", "class_weight", "smote",
                                       "auto", "random",       "gan@0.3"};
  EXPECT_EQ(expand_ratios(in, {0.1, 1.0}),
            (std::vector<std::string>{"none", "class_weight", "smote@0.1", "smote@1", "auto",
                                      "random@0.1", "random@1", "gan@0.3"}));
  EXPECT_EQ(expand_ratios(in, {}), in);  // no --ratios: unchanged
}

TEST(Ratios, ProblemsOfAStrategyList) {
  EXPECT_TRUE(strategy_problems({"none", "smote@0.1", "smote@1", "smote", "auto"}).empty());
  const auto p = strategy_problems({"smote@0.1", "smote@0.1", "none@1", "gann"});
  ASSERT_EQ(p.size(), 3u);
  EXPECT_NE(p[0].find("'smote@0.1' is listed twice"), std::string::npos);
  EXPECT_NE(p[1].find("'none' adds no rows"), std::string::npos);
  EXPECT_NE(p[2].find("unknown strategy 'gann'"), std::string::npos);
  EXPECT_EQ(generators_of({"none", "smote@0.1", "smote@1", "gan", "bad@x"}),
            (std::vector<std::string>{"smote", "gan"}));
}

TEST(AutoConfig, DefaultsExpand) {
  const AutoConfig c;
  EXPECT_TRUE(c.problems().empty());
  EXPECT_EQ(c.expanded_candidates(),
            (std::vector<std::string>{"none", "class_weight", "smote@0.25", "smote@1", "gan@1"}));
  EXPECT_EQ(AutoConfig::from_json(c.to_json()), c);
}

TEST(AutoConfig, ReadsSettingsTextAndReportsEveryProblem) {
  // What --set auto.candidates=none,smote@0.25,gan --set auto.ratios=0.5 gives.
  const AutoConfig c = AutoConfig::from_json(
      {{"candidates", "none, smote@0.25,gan"}, {"ratios", 0.5}, {"inner_folds", 4}});
  EXPECT_EQ(c.expanded_candidates(), (std::vector<std::string>{"none", "smote@0.25", "gan@0.5"}));
  EXPECT_EQ(c.inner_folds, 4);
  EXPECT_EQ(AutoConfig::from_json({{"ratios", "0.1,1"}}).ratios, (std::vector<double>{0.1, 1.0}));

  const std::string e = error_of([] {
    AutoConfig::from_json(
        {{"candidates", "none,auto,smoke,none"}, {"ratios", "0.5,2"}, {"inner_folds", 1}});
  });
  for (const char* part :
       {"'auto' cannot be its own candidate", "unknown strategy 'smoke'", "'none' is listed twice",
        "expected ratios in (0, 1], got 2", "auto.inner_folds: expected an integer >= 2, got 1"})
    EXPECT_NE(e.find(part), std::string::npos) << part << "\n" << e;
  EXPECT_NE(error_of([] {
              AutoConfig::from_json({{"folds", 3}});
            }).find("auto: unknown key 'folds' (valid keys: candidates, ratios, inner_folds)"),
            std::string::npos);
  EXPECT_NE(error_of([] {
              AutoConfig::from_json({{"inner_folds", "three"}});
            }).find("auto.inner_folds: expected an integer >= 2, got \"three\""),
            std::string::npos);
}

TEST(AutoConfig, OptionsWithoutAutoAreAMistake) {
  AutoConfig c;
  EXPECT_TRUE(auto_problems({"none", "smote"}, c).empty());
  c.inner_folds = 5;
  const auto p = auto_problems({"none", "smote"}, c);
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0], "auto options are set, but 'auto' is not among the strategies");
  EXPECT_TRUE(auto_problems({"none", "auto"}, c).empty());
  // Auto's generators count as in use (their --set options are no mistake).
  c.candidates = {"none", "gan@0.5", "smote"};
  EXPECT_EQ(generators_in_use({"none", "random@0.1", "auto"}, c),
            (std::vector<std::string>{"random", "gan", "smote"}));
  EXPECT_EQ(generators_in_use({"none", "random@0.1"}, c), std::vector<std::string>{"random"});
}

TEST(AutoChoiceText, SaysWhatWasChosenAndAgainstWhat) {
  const nlohmann::json one = {
      {"chosen", "smote@0.25"},
      {"choices", {{"smote@0.25", 1}}},
      {"folds", 1},
      {"inner_pr_auc", {{"none", 0.88}, {"class_weight", 0.885}, {"smote@0.25", 0.91}}}};
  EXPECT_EQ(auto_choice_text("random_forest", one),
            "for random_forest: smote@0.25, inner PR-AUC 0.910 against 0.880 for none");
  const nlohmann::json folds = {
      {"chosen", "none"},
      {"choices", {{"none", 6}, {"class_weight", 3}, {"smote@1", 1}}},
      {"folds", 10},
      {"inner_pr_auc", {{"none", 0.8}, {"class_weight", 0.79}, {"smote@1", nullptr}}}};
  EXPECT_EQ(auto_choice_text("logistic", folds),
            "for logistic: none in 6 of 10 folds (class_weight 3, smote@1 1), mean inner PR-AUC "
            "0.800 against 0.790 for class_weight");
  nlohmann::json with_hindsight = folds;
  with_hindsight["hindsight"] = {{"best", "smote@1"}, {"text", "on the test folds -0.010 ..."}};
  EXPECT_EQ(auto_choice_text("logistic", with_hindsight),
            "for logistic: none in 6 of 10 folds (class_weight 3, smote@1 1), mean inner PR-AUC "
            "0.800 against 0.790 for class_weight; on the test folds -0.010 ...");
  // The report reads it back from a results.json that may hold anything: members of other
  // types are left out, never thrown on (`imbgen report` would stop with an internal error).
  const nlohmann::json odd = {{"chosen", 5},
                              {"folds", "ten"},
                              {"choices", 3},
                              {"inner_pr_auc", {{"none", "a"}}},
                              {"hindsight", {{"text", 5}}}};
  EXPECT_EQ(auto_choice_text("x", odd), "for x: , inner PR-AUC n/a");
  const nlohmann::json odd_folds = {{"chosen", "none"},
                                    {"folds", 4},
                                    {"choices", {{"none", "3"}, {"smote@1", 1.5}}},
                                    {"hindsight", "text"}};
  EXPECT_EQ(auto_choice_text("x", odd_folds), "for x: none in 0 of 4 folds, mean inner PR-AUC n/a");
}

TEST(StrategyTrainsNetwork, GeneratorsWithNetworksAndAutoThroughItsCandidates) {
  EXPECT_TRUE(strategy_trains_network("gan", {}));
  EXPECT_TRUE(strategy_trains_network("wgan_gp@0.25", {}));
  EXPECT_TRUE(strategy_trains_network("ddpm", {}));
  EXPECT_FALSE(strategy_trains_network("smote@0.5", {}));
  EXPECT_FALSE(strategy_trains_network("none", {}));
  EXPECT_FALSE(strategy_trains_network("class_weight", {}));
  EXPECT_TRUE(strategy_trains_network("auto", {"none", "smote", "gan@1"}));
  EXPECT_FALSE(strategy_trains_network("auto", {"none", "class_weight", "smote@0.25"}));
  EXPECT_THROW(strategy_trains_network("gann", {}), Error);
  EXPECT_TRUE(any_strategy_trains_network({"none", "smote", "wgan_gp"}, {}));
  EXPECT_FALSE(any_strategy_trains_network({"none", "smote", "auto"}, {"none", "smote@0.25"}));
}

}  // namespace
}  // namespace imbgen
