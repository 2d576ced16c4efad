// Tests of the HTML report: the sections and chart placeholders present with their data and absent
// without, the data blob round trip and escaping, the "what helped" summary, type errors, files.
#include "imbgen/report/report.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <limits>
#include <string>
#include <tuple>
#include <utility>

#include "imbgen/core/error.h"
#include "imbgen/core/files.h"
#include "report/html.h"
#include "report/model.h"

namespace imbgen {
namespace {

using json = nlohmann::json;
using namespace report_detail;

json fixture(const std::string& name) {
  return json::parse(read_file(std::string(IMBGEN_TEST_DATA) + "/report/" + name));
}

size_t occurrences(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

bool has_id(const std::string& html, const std::string& id) {
  return html.find("id=\"" + id + "\"") != std::string::npos;
}

// The text of the inline <script> whose opening tag is `open`.
std::string script_text(const std::string& html, const std::string& open) {
  const size_t begin = html.find(open);
  if (begin == std::string::npos) return "";
  const size_t start = begin + open.size();
  return html.substr(start, html.find("</script>", start) - start);
}

// The page without its inline scripts: what the browser parses as HTML.
std::string markup(const std::string& html) {
  std::string out;
  size_t at = 0;
  while (true) {
    const size_t open = html.find("<script", at);
    out += html.substr(at, open - at);
    if (open == std::string::npos) break;
    at = html.find("</script>", open) + 9;
  }
  return out;
}

// Error kind and message of what `f` throws.
template <typename F>
std::pair<ErrorKind, std::string> error_of(F f) {
  try {
    f();
  } catch (const Error& e) {
    return {e.kind(), e.what()};
  }
  ADD_FAILURE() << "no imbgen::Error thrown";
  return {ErrorKind::kInternal, ""};
}

// A small results file with known values: classifier "logistic", strategies none / smote / gan.
json small_results() {
  auto entry = [](const std::string& strategy, double pr_auc) {
    return json{{"strategy", strategy},
                {"classifier", "logistic"},
                {"metrics", {{"pr_auc", pr_auc}, {"roc_auc", 0.9}, {"f1", nullptr}}},
                {"train_rows", 100},
                {"synthetic_rows", 0},
                {"fit_seconds", 0.5}};
  };
  return {{"imbgen_version", "0.1.0"},
          {"config", {{"strategies", {"none", "smote", "gan"}}, {"classifiers", {"logistic"}}}},
          {"results", {entry("none", 0.5), entry("smote", 0.6), entry("gan", 0.55)}}};
}

// ---- sections ----

TEST(Report, RendersEverySectionOfARun) {
  const std::string html = render_report(fixture("run.json"));
  for (const char* id : {"toc",
                         "top",
                         "summary",
                         "dataset",
                         "dataset-columns",
                         "generators",
                         "gen-gan",
                         "gen-gan-training",
                         "gen-gan-verdicts",
                         "gen-gan-fidelity",
                         "gen-gan-embeddings",
                         "gen-gan-columns",
                         "gen-gan-correlations",
                         "gen-gan-detection",
                         "gen-smote",
                         "gen-smote-fidelity",
                         "downstream",
                         "clf-logistic",
                         "clf-xgboost",
                         "run",
                         "imbgen-data",
                         "imbgen-view"}) {
    EXPECT_TRUE(has_id(html, id)) << id;
  }
  EXPECT_NE(html.find("<a href=\"#gen-gan\">gan</a>"), std::string::npos);  // contents entry
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_NE(html.find("</html>"), std::string::npos);
}

TEST(Report, DrawsOneChartPerFigureOfARun) {
  const std::string html = render_report(fixture("run.json"));
  // run.json: 4 strategies x 2 classifiers; generators gan (with training history) and smote,
  // each with an evaluation. Counted from the fixture by hand.
  EXPECT_EQ(occurrences(markup(html), "data-chart=\"summary\""), 1u);
  EXPECT_EQ(occurrences(markup(html), "data-chart=\"classes\""), 1u);
  EXPECT_EQ(occurrences(markup(html), "data-chart=\"prauc\""), 1u);
  EXPECT_EQ(occurrences(markup(html), "data-chart=\"roc\""), 2u);  // one per classifier
  EXPECT_EQ(occurrences(markup(html), "data-chart=\"pr\""), 2u);
  EXPECT_EQ(occurrences(markup(html), "data-chart=\"history\""),
            1u);  // gan's one class; smote has none
  for (const char* kind : {"pca", "tsne", "columns", "detection", "dcr"})
    EXPECT_EQ(occurrences(markup(html), std::string("data-chart=\"") + kind + "\""), 2u) << kind;
  EXPECT_EQ(occurrences(markup(html), "data-chart=\"corr\""),
            6u);  // real, synthetic, difference x 2
  EXPECT_EQ(occurrences(markup(html), "class=\"chart\""), 24u);
}

TEST(Report, ShowsTheBenchmarkStatistics) {
  const json results = fixture("benchmark.json");
  const std::string html = render_report(results);
  EXPECT_TRUE(has_id(html, "summary"));
  EXPECT_NE(html.find("95% confidence intervals"), std::string::npos);
  EXPECT_NE(html.find("(n = 5)"), std::string::npos);  // five repetitions per cell
  // Every cell's PR-AUC interval of the statistics is printed.
  for (const auto& cell : results.at("statistics").at("cells")) {
    const json& m = cell.at("metrics").at("pr_auc");
    const std::string ci =
        "[" + num(m.at("ci_low").get<double>()) + ", " + num(m.at("ci_high").get<double>()) + "]";
    EXPECT_NE(html.find(ci), std::string::npos) << cell.at("strategy") << " " << ci;
  }
  // Curves come from the first repetition only: one ROC chart per classifier.
  EXPECT_EQ(occurrences(markup(html), "data-chart=\"roc\""), 2u);
}

TEST(Report, LeavesOutSectionsWithoutData) {
  const std::string minimal = render_report(fixture("minimal.json"));
  EXPECT_TRUE(has_id(minimal, "summary"));
  EXPECT_TRUE(has_id(minimal, "dataset"));
  EXPECT_TRUE(has_id(minimal, "clf-logistic"));
  EXPECT_FALSE(has_id(minimal, "generators"));
  EXPECT_FALSE(has_id(minimal, "dataset-columns"));
  EXPECT_EQ(occurrences(markup(minimal), "data-chart=\"roc\""), 0u);  // no curves
  EXPECT_EQ(occurrences(markup(minimal), "class=\"chart\""), 3u);  // summary, classes, PR-AUC bars

  const std::string dataset_only = render_report(fixture("dataset_only.json"));
  EXPECT_TRUE(has_id(dataset_only, "dataset"));
  for (const char* id : {"summary", "generators", "downstream"})
    EXPECT_FALSE(has_id(dataset_only, id)) << id;
  EXPECT_EQ(occurrences(markup(dataset_only), "class=\"chart\""), 1u);

  const std::string empty =
      render_report(json{{"format", "imbgen-results"}, {"format_version", 1}});
  EXPECT_TRUE(has_id(empty, "run"));
  for (const char* id : {"summary", "dataset", "generators", "downstream"})
    EXPECT_FALSE(has_id(empty, id)) << id;
  EXPECT_EQ(occurrences(markup(empty), "class=\"chart\""), 0u);
}

TEST(Report, RefusesWhatIsNotImbgenResults) {
  auto error_of = [](const json& j) -> std::pair<ErrorKind, std::string> {
    try {
      render_report(j);
    } catch (const Error& e) {
      return {e.kind(), e.what()};
    }
    return {ErrorKind::kInternal, "no error"};
  };
  // `{}` once gave a 4.8 MB page with nothing in it.
  auto [kind, msg] = error_of(json::object());
  EXPECT_EQ(kind, ErrorKind::kInvalidArgument);
  EXPECT_NE(msg.find("not imbgen results"), std::string::npos) << msg;
  std::tie(kind, msg) = error_of(json{{"format", "imbgen.evaluation"}, {"format_version", 1}});
  EXPECT_NE(msg.find("\"imbgen.evaluation\""), std::string::npos) << msg;
  std::tie(kind, msg) = error_of(json{{"format", "imbgen-results"}, {"format_version", 99}});
  EXPECT_EQ(kind, ErrorKind::kUnsupported);
  EXPECT_NE(msg.find("99"), std::string::npos) << msg;
}

TEST(Report, GeneratorWithoutEvaluationOrHistory) {
  json r = small_results();
  r["generators"]["smote"] = {
      {"config", {{"k", 5}}}, {"fit_seconds", 0.1}, {"history", json::object()}};
  const std::string html = render_report(r);
  EXPECT_TRUE(has_id(html, "gen-smote"));
  EXPECT_FALSE(has_id(html, "gen-smote-training"));
  EXPECT_FALSE(has_id(html, "gen-smote-fidelity"));
  EXPECT_NE(html.find("No fidelity evaluation in this results file."), std::string::npos);
}

TEST(Report, SkippedEvaluationBlocksAreSaid) {
  json r = small_results();
  r["generators"]["gan"]["evaluation"] = {
      {"columns", {{"skipped", "needs rows"}, {"verdict", "Columns skipped."}}},
      {"prdc", {{"skipped", "k = 5 needs more than 5 real rows, got 3"}}},
  };
  const std::string html = render_report(r);
  EXPECT_NE(html.find("skipped: k = 5 needs more than 5 real rows, got 3"), std::string::npos);
  EXPECT_NE(html.find("Skipped: k = 5 needs more than 5 real rows, got 3."), std::string::npos);
  EXPECT_EQ(occurrences(markup(html), "class=\"chart\""), 2u);  // summary + PR-AUC bars only
}

// Found by fuzz/report_fuzzer.cpp: counts read from results.json were cast to int64 as they
// came, so a missing one (NaN) or one beyond int64 was undefined behaviour (UBSan aborted; a
// plain build printed "-9,223,372,036,854,775,808").
TEST(Report, CountsThatAreNotWholeNumbersOfInt64AreSaidAsTheyAre) {
  json r = fixture("run.json");
  r["generators"]["smote"]["evaluation"]["rows"] = {
      {"columns", 9}, {"synthetic", 1e20}, {"real/", 96}, {"holdout", 24}};
  const std::string html = render_report(r);
  EXPECT_NE(html.find("Compared: 100,000,000,000,000,000,000 synthetic rows, n/a real training "
                      "rows of the class, and 24 fresh real rows"),
            std::string::npos);
  EXPECT_EQ(html.find("-9,223,372,036,854,775,808"), std::string::npos);
}

// ---- the data blob and escaping ----

TEST(Report, DataBlobRoundTripsAndCannotCloseItsScript) {
  json r = fixture("minimal.json");
  const std::string evil = "</script><script>alert(1)</script><!-- </SCRIPT > <b>bold</b>";
  r["dataset"]["source"] = evil;
  r["results"][0]["note"] = evil;
  const std::string html = render_report(r);
  const std::string blob =
      script_text(html, "<script type=\"application/json\" id=\"imbgen-data\">");
  EXPECT_EQ(blob.find('<'), std::string::npos);
  EXPECT_EQ(json::parse(blob), r);  // the page's data is the results file, unchanged
  // Four scripts (data, view, plotly, page) and no other closing tag anywhere.
  EXPECT_EQ(occurrences(html, "</script"), 4u);
  std::string lower = html;
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  EXPECT_EQ(occurrences(lower, "</script"), 4u);
  // In the markup the text is escaped.
  const std::string page = markup(html);
  EXPECT_EQ(page.find("<b>bold</b>"), std::string::npos);
  EXPECT_NE(page.find("&lt;b&gt;bold&lt;/b&gt;"), std::string::npos);
  const std::string view =
      script_text(html, "<script type=\"application/json\" id=\"imbgen-view\">");
  EXPECT_EQ(json::parse(view).at("strategies"), json({"none", "smote"}));
}

TEST(Report, EscapesNamesInAttributesAndIds) {
  json r = small_results();
  r["results"][0]["classifier"] = "a\"b<c>";
  r["config"]["classifiers"] = {"a\"b<c>", "logistic"};
  r["generators"]["x y\"z"] = {{"history", {{"step", {1, 2}}, {"loss", {0.5, 0.4}}}}};
  const std::string html = render_report(r);
  const std::string page = markup(html);
  EXPECT_EQ(page.find("a\"b<c>"), std::string::npos);
  EXPECT_NE(page.find("id=\"clf-a-b-c-\""), std::string::npos);
  EXPECT_NE(page.find("data-generator=\"x y&quot;z\""), std::string::npos);
  EXPECT_NE(page.find("id=\"gen-x-y-z\""), std::string::npos);
}

TEST(Report, LoadsNothingFromTheNetwork) {
  const std::string html = render_report(fixture("run.json"));
  // Outside plotly's own code (license comments, map tile defaults of trace types the report
  // does not use) there is no URL at all.
  const std::string plotly = script_text(html, "<script>\n");
  ASSERT_GT(plotly.size(), 1000000u);
  std::string rest = html;
  rest.erase(rest.find(plotly), plotly.size());
  EXPECT_EQ(rest.find("http://"), std::string::npos);
  EXPECT_EQ(rest.find("https://"), std::string::npos);
  EXPECT_EQ(rest.find(" src="), std::string::npos);
  EXPECT_NE(rest.find("Content-Security-Policy\" content=\"default-src 'none'"), std::string::npos);
}

TEST(Report, InlinesThePinnedPlotly) {
  const std::string pinned =
      json::parse(read_file(std::string(IMBGEN_SOURCE_DIR) + "/third_party/plotly/package.json"))
          .at("dependencies")
          .at("plotly.js-dist-min");
  EXPECT_EQ(report_plotly_version(), pinned);
  const std::string js = read_file(std::string(IMBGEN_SOURCE_DIR) +
                                   "/third_party/plotly/node_modules/plotly.js-dist-min/"
                                   "plotly.min.js");
  const std::string html =
      render_report(json{{"format", "imbgen-results"}, {"format_version", 1}});
  EXPECT_NE(html.find(js), std::string::npos);  // byte for byte
  EXPECT_NE(html.find("plotly.js " + pinned), std::string::npos);
}

// ---- what helped ----

TEST(WhatHelped, BestStrategyAndGainWithoutStatistics) {
  const json r = small_results();
  const auto helped = what_helped(build_model(r));
  ASSERT_EQ(helped.size(), 1u);
  EXPECT_EQ(helped[0].best, "smote");
  EXPECT_DOUBLE_EQ(helped[0].best_value.mean, 0.6);
  EXPECT_NEAR(helped[0].vs_none.diff, 0.1, 1e-12);
  EXPECT_TRUE(std::isnan(helped[0].vs_none.pvalue));
  EXPECT_TRUE(std::isnan(helped[0].vs_smote.diff));  // the best is smote itself
  EXPECT_EQ(helped[0].status, Status::kInfo);
  const std::string html = render_report(r);
  EXPECT_NE(html.find(escape("'smote' scored +0.100 PR-AUC over 'none' on this test split")),
            std::string::npos);
}

TEST(WhatHelped, IgnoresConfiguredNamesWithoutResults) {
  json r = small_results();
  r["config"]["strategies"] = {"gan", "ctgan", "none", "smote"};
  r["config"]["classifiers"] = {"xgboost", "logistic"};
  const Model model = build_model(r);
  EXPECT_EQ(model.strategies, (std::vector<std::string>{"gan", "none", "smote"}));  // config order
  EXPECT_EQ(model.classifiers, std::vector<std::string>{"logistic"});
  EXPECT_FALSE(has_id(render_report(r), "clf-xgboost"));
}

TEST(WhatHelped, NoneIsBest) {
  json r = small_results();
  r["results"][0]["metrics"]["pr_auc"] = 0.9;
  const auto helped = what_helped(build_model(r));
  EXPECT_EQ(helped[0].best, "none");
  EXPECT_EQ(helped[0].use, "none");
  // The answer first, then the closest strategy's evidence (one split: the difference only).
  EXPECT_EQ(helped[0].verdict,
            "None of them: keep your data as it is, tune the threshold. Nothing beat training on "
            "the data as it is; the closest, 'smote', -0.300 PR-AUC over 'none'.");
  EXPECT_NEAR(helped[0].vs_smote.diff, 0.3, 1e-12);
}

TEST(WhatHelped, UsesTheStatisticsWhenPresent) {
  json r = small_results();
  auto cell = [](const std::string& s, double mean, double p) {
    json c = {{"strategy", s},
              {"classifier", "logistic"},
              {"n", 10},
              {"metrics",
               {{"pr_auc", {{"mean", mean}, {"ci_low", mean - 0.02}, {"ci_high", mean + 0.02}}}}}};
    if (s != "none") {
      c["comparisons"]["none"]["pr_auc"] = {{"diff", mean - 0.5},
                                            {"ci_low", mean - 0.53},
                                            {"ci_high", mean - 0.47},
                                            {"pvalue", p},
                                            {"wins", 9},
                                            {"n", 10}};
    }
    return c;
  };
  r["statistics"] = {
      {"confidence", 0.9},
      {"alpha", 0.05},
      {"repeats", 10},
      {"cells", {cell("none", 0.5, 1), cell("smote", 0.58, 0.2), cell("gan", 0.6, 0.004)}}};
  const Model model = build_model(r);
  const auto helped = what_helped(model);
  EXPECT_EQ(helped[0].best, "gan");  // the statistics' means win over the single entries
  EXPECT_EQ(helped[0].status, Status::kGood);
  EXPECT_DOUBLE_EQ(helped[0].vs_none.pvalue, 0.004);
  EXPECT_NEAR(helped[0].vs_none.low, 0.07, 1e-12);
  const std::string html = render_report(r);
  EXPECT_EQ(helped[0].use, "gan");
  EXPECT_EQ(helped[0].verdict,
            "Use 'gan': +0.100 PR-AUC over 'none' (90% CI +0.070 to +0.130, p = 0.004, better in "
            "9/10 folds).");
  EXPECT_NE(html.find(escape(helped[0].verdict)), std::string::npos);
  const OverallAdvice advice = overall_advice(model, helped);
  EXPECT_EQ(advice.classifier, "logistic");
  EXPECT_EQ(advice.strategy, "gan");
  EXPECT_EQ(advice.status, Status::kGood);
  EXPECT_NE(advice.text.find("Use 'gan' with logistic"), std::string::npos) << advice.text;
  EXPECT_NE(html.find("0.600 <span class=\"ci\">[0.580, 0.620]</span>"), std::string::npos);
  EXPECT_NE(html.find("90% confidence intervals"), std::string::npos);
  // Significance marks: gan vs none (p = 0.004) gets one, smote (p = 0.2) does not.
  EXPECT_EQ(occurrences(html, "<sup class=\"sig up\""), 1u);
  EXPECT_NE(html.find("title=\"vs none: +0.100, p = 0.004\">\u25b2n</sup>"), std::string::npos);

  r["statistics"]["cells"][2]["comparisons"]["none"]["pr_auc"]["pvalue"] = 0.3;
  const auto not_significant = what_helped(build_model(r));
  EXPECT_EQ(not_significant[0].status, Status::kWarn);
  EXPECT_EQ(not_significant[0].use, "none");
  EXPECT_EQ(not_significant[0].verdict,
            "None of them: keep your data as it is, tune the threshold. The best, 'gan', is "
            "+0.100 PR-AUC over 'none' (90% CI +0.070 to +0.130, p = 0.300, better in 9/10 "
            "folds): not significantly better.");
  // Overall: the best model's strategy is no significant gain, so the answer is to keep the data.
  const std::string overall = overall_advice(build_model(r), not_significant).text;
  EXPECT_NE(overall.find("The best model is logistic with 'gan' (mean PR-AUC 0.600). None of "
                         "them: keep your data as it is, tune the threshold."),
            std::string::npos)
      << overall;
  EXPECT_NE(render_report(r).find(escape(overall)), std::string::npos);
  // The console's lines say the same.
  const auto lines = what_helped_lines(r);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0], "logistic: " + not_significant[0].verdict);
  EXPECT_EQ(lines[1], "overall: " + overall);
}

TEST(WhatHelped, AveragesRepetitionsWithoutStatistics) {
  json r = small_results();
  json second = r["results"][1];  // smote again, another repetition
  second["metrics"]["pr_auc"] = 0.4;
  r["results"].push_back(second);
  const Model model = build_model(r);
  EXPECT_DOUBLE_EQ(model.cell("smote", "logistic")->value("pr_auc"), 0.5);
  EXPECT_TRUE(std::isnan(model.cell("smote", "logistic")->value("f1")));  // null everywhere
  EXPECT_EQ(what_helped(model)[0].best, "gan");
  EXPECT_NE(render_report(r).find("(n = 2)"), std::string::npos);
}

TEST(WhatHelped, SaysWhatAutoChose) {
  json r = small_results();
  r["config"]["strategies"] = {"none", "smote", "gan", "auto"};
  r["results"].push_back(r["results"][1]);
  r["results"][3]["strategy"] = "auto";
  r["auto"] = {{"logistic",
                {{"chosen", "smote@0.25"},
                 {"choices", {{"smote@0.25", 1}}},
                 {"folds", 1},
                 {"inner_folds", 3},
                 {"inner_pr_auc", {{"none", 0.88}, {"smote@0.25", 0.91}, {"class_weight", 0.9}}},
                 {"skipped", json::object()}}}};
  const std::string html = render_report(r);
  EXPECT_TRUE(has_id(html, "auto-choices"));
  EXPECT_NE(html.find("for logistic: smote@0.25, inner PR-AUC 0.910 against 0.880 for none"),
            std::string::npos);
}

// ---- bad input ----

TEST(Report, NamesTheValueOfTheWrongType) {
  auto message = [](const json& r) { return error_of([&] { render_report(r); }); };
  EXPECT_EQ(message(json::array()),
            std::make_pair(ErrorKind::kInvalidArgument,
                           std::string("results.json: expected an object, got an array")));
  EXPECT_EQ(message({{"results", "abc"}}).second, "results: expected an array, got a string");
  json r = small_results();
  r["results"][1]["metrics"]["pr_auc"] = "0.6";
  EXPECT_EQ(message(r).second,
            "results[1].metrics.pr_auc: expected a number or null, got a string");
  r = small_results();
  r["results"][2].erase("strategy");
  EXPECT_EQ(message(r).second, "results[2]: no 'strategy' (expected the name of the strategy)");
  r = small_results();
  r["results"][2]["classifier"] = 7;
  EXPECT_EQ(message(r).second, "results[2].classifier: expected a string, got a number");
  r = small_results();
  r["results"][0]["curves"] = {{"roc", {{"fpr", {0, 0.5, 1}}, {"tpr", {0, 1}}}}};
  EXPECT_EQ(message(r).second,
            "results[0].curves.roc.tpr: expected 3 values (as many as the curve's other "
            "coordinate), got 2");
  r = small_results();
  r["statistics"] = {
      {"cells",
       {{{"strategy", "gan"}, {"classifier", "logistic"}, {"metrics", {{"pr_auc", 0.5}}}}}}};
  EXPECT_EQ(message(r).second,
            "statistics.cells[0].metrics.pr_auc: expected an object {mean, ci_low, ci_high}, got "
            "a number");
  r = small_results();
  r["generators"] = {{"gan", 3}};
  EXPECT_EQ(message(r).second, "generators.gan: expected an object, got a number");
  r = small_results();
  r["dataset"] = {{"classes", {{"0", "many"}}}};
  EXPECT_EQ(message(r).second, "dataset.classes.0: expected a number or null, got a string");
}

// ---- files ----

class ReportFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::path(IMBGEN_BINARY_DIR) / "report_test_tmp" /
           ::testing::UnitTest::GetInstance()->current_test_info()->name();
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
};

TEST_F(ReportFiles, RegeneratesTheReportOfAnOutputFolder) {
  write_file_atomic(dir_ / "results.json", fixture("minimal.json").dump());
  const std::string path = regenerate_report(dir_.string());
  EXPECT_EQ(path, (dir_ / "report.html").string());
  EXPECT_EQ(read_file(path), render_report(fixture("minimal.json")));
}

TEST_F(ReportFiles, ExplainsWhatIsWrongWithTheFolder) {
  const auto missing = error_of([&] { regenerate_report((dir_ / "nope").string()); });
  EXPECT_EQ(missing.first, ErrorKind::kNotFound);
  EXPECT_EQ(missing.second, "'" + (dir_ / "nope" / "results.json").string() +
                                "': no such file; hint: give the output folder of `imbgen run` "
                                "or `imbgen benchmark`");

  write_file_atomic(dir_ / "results.json", "{\"results\": [");
  const auto invalid = error_of([&] { regenerate_report(dir_.string()); });
  EXPECT_EQ(invalid.first, ErrorKind::kInvalidArgument);
  EXPECT_EQ(invalid.second.rfind("'" + (dir_ / "results.json").string() + "': not valid JSON (", 0),
            0u);

  // Well-formed, but beyond a double: nlohmann's out_of_range, once an "internal error".
  write_file_atomic(dir_ / "results.json", "{\"results\": 1e999}");
  const auto overflow = error_of([&] { regenerate_report(dir_.string()); });
  EXPECT_EQ(overflow.first, ErrorKind::kInvalidArgument);
  EXPECT_NE(overflow.second.find("not valid JSON ("), std::string::npos) << overflow.second;
  EXPECT_NE(overflow.second.find("number overflow parsing '1e999'"), std::string::npos)
      << overflow.second;

  write_file_atomic(dir_ / "results.json", "{\"results\": 1}");
  const auto wrong = error_of([&] { regenerate_report(dir_.string()); });
  EXPECT_EQ(wrong.second,
            "'" + (dir_ / "results.json").string() + "': results: expected an array, got a number");
  EXPECT_FALSE(std::filesystem::exists(dir_ / "report.html"));
}

TEST_F(ReportFiles, WriteFailsCleanlyInAMissingFolder) {
  const json minimal = {{"format", "imbgen-results"}, {"format_version", 1}};
  const auto e = error_of([&] { write_report(minimal, (dir_ / "no" / "r.html").string()); });
  EXPECT_EQ(e.first, ErrorKind::kIo);
  EXPECT_NE(e.second.find("r.html"), std::string::npos);
}

// ---- helpers ----

TEST(ReportHtml, FormatsNumbersForPeople) {
  EXPECT_EQ(num(0.81249), "0.812");
  EXPECT_EQ(num(std::nan("")), "n/a");
  EXPECT_EQ(num(-0.0001), "0.000");  // no "-0.000"
  EXPECT_EQ(signed_num(0.0412), "+0.041");
  EXPECT_EQ(signed_num(-0.01), "-0.010");
  EXPECT_EQ(signed_num(0.0), "\u00b10.000");
  EXPECT_EQ(percent(0.0017, 2), "0.17%");
  EXPECT_EQ(count(284807), "284,807");
  EXPECT_EQ(count(-1234567), "-1,234,567");
  EXPECT_EQ(count(12), "12");
  EXPECT_EQ(count(std::numeric_limits<int64_t>::min()), "-9,223,372,036,854,775,808");
  EXPECT_EQ(count_number(2208.9), "2,208");
  EXPECT_EQ(count_number(-1e19), "-10,000,000,000,000,000,000");
  EXPECT_EQ(count_number(std::nan("")), "n/a");
  EXPECT_EQ(whole_or(1e300, 7), 7);
  EXPECT_EQ(whole_or(-3.7, 7), -3);
  EXPECT_EQ(pvalue(0.0004), "p < 0.001");
  EXPECT_EQ(pvalue(0.0342), "p = 0.034");
  EXPECT_EQ(seconds(0.0213), "0.021 s");
  EXPECT_EQ(seconds(12.34), "12.3 s");
  EXPECT_EQ(seconds(245), "4 min 05 s");
  EXPECT_EQ(escape("<a href=\"x\">'&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
  EXPECT_EQ(id_part("WGAN gp!"), "wgan-gp-");
  EXPECT_EQ(id_part(""), "x");
  EXPECT_EQ(script_json(json{{"a", "</script>"}}), "{\"a\":\"\\u003c/script>\"}");
}

}  // namespace
}  // namespace imbgen
