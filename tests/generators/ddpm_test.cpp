// TabDDPM: the cosine schedule against its formula, respacing, class-conditional sampling of
// numeric and categorical columns, exact one-hot output, small classes, model selection and
// config errors.
#include "imbgen/generators/ddpm.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "generators/ddpm_schedule.h"
#include "imbgen/core/error.h"
#include "imbgen/core/rng.h"

namespace imbgen {
namespace {

// Reference values (float64) from the formula of Nichol & Dhariwal 2021 as their code computes it:
//   import math, numpy as np
//   T = 1000
//   f = lambda t: math.cos((t / T + 0.008) / 1.008 * math.pi / 2) ** 2
//   betas = np.array([min(1 - f(i + 1) / f(i), 0.999) for i in range(T)])
//   ac = np.cumprod(1.0 - betas)
//   for t in [0, 1, 10, 250, 500, 750, 990, 998, 999]: print(t, betas[t], ac[t])
TEST(CosineSchedule, MatchesTheFormula) {
  const DiffusionSchedule s = cosine_schedule(1000);
  ASSERT_EQ(s.size(), 1000);
  struct Point {
    int t;
    double beta, alpha_bar;
  };
  const Point points[] = {{0, 4.12842248219691e-05, 0.999958715775178},
                          {1, 4.61417527366503e-05, 0.999912575927368},
                          {10, 8.98713624529757e-05, 0.999278903773343},
                          {250, 0.00132722395421181, 0.845887986496883},
                          {500, 0.00315569144158501, 0.492285172448803},
                          {750, 0.00757912265473404, 0.143178646426098},
                          {990, 0.189987542073694, 0.000196717380124804},
                          {998, 0.749999392901117, 2.42876690703485e-06},
                          {999, 0.999, 2.42876690703486e-09}};
  for (const Point& p : points) {
    const auto t = static_cast<size_t>(p.t);
    EXPECT_NEAR(s.betas[t], p.beta, 1e-12 * (1.0 + p.beta)) << p.t;
    EXPECT_NEAR(s.alphas_cumprod[t] / p.alpha_bar, 1.0, 1e-10) << p.t;
  }
  // alpha_bar starts near 1, ends near 0 and decreases strictly; betas are capped at 0.999.
  EXPECT_GT(s.alphas_cumprod.front(), 0.9999);
  EXPECT_LT(s.alphas_cumprod.back(), 1e-8);
  for (size_t t = 1; t < 1000; ++t) {
    EXPECT_LT(s.alphas_cumprod[t], s.alphas_cumprod[t - 1]) << t;
    EXPECT_LE(s.betas[t], 0.999);
  }
  // The posterior coefficients of Ho et al. (2020), eq. 7, at one step.
  const size_t t = 500;
  const double prev = s.alphas_cumprod[t - 1];
  EXPECT_DOUBLE_EQ(s.alphas_cumprod_prev[t], prev);
  EXPECT_NEAR(s.posterior_mean_coef1[t], s.betas[t] * std::sqrt(prev) / (1.0 - s.alphas_cumprod[t]),
              1e-15);
  EXPECT_NEAR(s.posterior_mean_coef2[t],
              (1.0 - prev) * std::sqrt(1.0 - s.betas[t]) / (1.0 - s.alphas_cumprod[t]), 1e-15);
  EXPECT_DOUBLE_EQ(s.alphas_cumprod_prev[0], 1.0);
  EXPECT_DOUBLE_EQ(s.model_log_variance[0], std::log(s.posterior_variance[1]));
  EXPECT_DOUBLE_EQ(s.model_log_variance[t], std::log(s.betas[t]));
}

// Reference: the same script, then
//   use = sorted({int(round(i * (T - 1) / 9)) for i in range(10)})
//   last = 1.0
//   for i in use: print(1 - ac[i] / last); last = ac[i]
TEST(CosineSchedule, RespacingKeepsAlphaBarAtTheKeptSteps) {
  const DiffusionSchedule full = cosine_schedule(1000);
  const DiffusionSchedule s = respace(full, 10);
  ASSERT_EQ(s.size(), 10);
  const std::vector<int> kept = {0, 111, 222, 333, 444, 555, 666, 777, 888, 999};
  const std::vector<double> betas = {4.12842248219691e-05, 0.0343731996243548, 0.0927217231530232,
                                     0.153051049090831,    0.219339206778569,  0.297158221497793,
                                     0.395735574807644,    0.532522384193197,  0.742368174423504,
                                     0.999999918023492};
  EXPECT_EQ(s.timesteps, kept);
  for (size_t i = 0; i < 10; ++i) {
    EXPECT_NEAR(s.betas[i], betas[i], 1e-12) << i;
    // Relative error up to ~1e-9 at the last step, where 1 - beta ~ 8e-8 is a difference.
    EXPECT_NEAR(s.alphas_cumprod[i] / full.alphas_cumprod[static_cast<size_t>(kept[i])], 1.0, 1e-8)
        << i;
  }
  const DiffusionSchedule same = respace(full, 1000);
  EXPECT_EQ(same.betas, full.betas);
  EXPECT_EQ(respace(full, 1).timesteps, std::vector<int>{999});
}

// Two classes over a numeric column, a 3-category one-hot block and a missing indicator:
// class 0 sits at -4 with mostly category 0 and indicator 0; class 1 at +4 with mostly
// category 2 and indicator 1 in 80% of its rows.
void make_mixed(Matrix& x, std::vector<int>& y, std::vector<EncodedSpan>& spans) {
  Rng rng(5);
  const size_t n = 120;
  x = Matrix(n, 5, 0.0);
  y.assign(n, 0);
  for (size_t i = 0; i < n; ++i) {
    const int c = i < 60 ? 0 : 1;
    y[i] = c;
    x(i, 0) = (c == 0 ? -4.0 : 4.0) + rng.normal();
    const bool usual = rng.uniform() < 0.9;
    const size_t category = usual ? (c == 0 ? 0 : 2) : 1;
    x(i, 1 + category) = 1.0;
    x(i, 4) = c == 1 && rng.uniform() < 0.8 ? 1.0 : 0.0;
  }
  spans = {{SpanKind::kNumeric, 0, 0, 1},
           {SpanKind::kOneHot, 1, 1, 3},
           {SpanKind::kMissingIndicator, 0, 4, 1}};
}

nlohmann::json small_config() {
  return {{"timesteps", 100}, {"sample_steps", 25}, {"hidden", {64, 64}}, {"embedding_dim", 32},
          {"steps", 800},     {"batch_size", 64},   {"lr", 3e-3}};
}

class DdpmMixed : public testing::Test {
 protected:
  static void SetUpTestSuite() {
    Matrix x;
    std::vector<int> y;
    std::vector<EncodedSpan> spans;
    make_mixed(x, y, spans);
    model_ = make_generator("ddpm", small_config()).release();
    FitOptions options;
    options.classes = {0, 1};
    options.spans = spans;
    model_->fit(x, y, options);
  }
  static void TearDownTestSuite() {
    delete model_;
    model_ = nullptr;
  }
  static Generator* model_;
};
Generator* DdpmMixed::model_ = nullptr;

TEST_F(DdpmMixed, SamplesTheRequestedClassDirectly) {
  EXPECT_TRUE(model_->conditional());
  for (int c : {0, 1}) {
    const Matrix s = model_->sample(c, 400, 3);
    double mean = 0.0;
    double category[3] = {0, 0, 0};
    double indicator = 0.0;
    for (size_t i = 0; i < s.rows; ++i) {
      mean += s(i, 0);
      for (size_t k = 0; k < 3; ++k) category[k] += s(i, 1 + k);
      indicator += s(i, 4);
    }
    const double n = static_cast<double>(s.rows);
    if (c == 0) {
      EXPECT_NEAR(mean / n, -4.0, 0.7);
      EXPECT_GT(category[0] / n, 0.7);
      EXPECT_LT(indicator / n, 0.1);
    } else {
      EXPECT_NEAR(mean / n, 4.0, 0.7);
      EXPECT_GT(category[2] / n, 0.7);
      EXPECT_NEAR(indicator / n, 0.8, 0.15);
    }
  }
}

TEST_F(DdpmMixed, CategoricalColumnsComeOutExactlyOneHot) {
  const Matrix s = model_->sample(1, 300, 9);
  for (size_t i = 0; i < s.rows; ++i) {
    double sum = 0.0;
    for (size_t k = 1; k <= 3; ++k) {
      EXPECT_TRUE(s(i, k) == 0.0 || s(i, k) == 1.0) << s(i, k);
      sum += s(i, k);
    }
    EXPECT_EQ(sum, 1.0) << "row " << i;
    EXPECT_TRUE(s(i, 4) == 0.0 || s(i, 4) == 1.0) << s(i, 4);
  }
}

TEST_F(DdpmMixed, HistoryRecordsTheCurves) {
  const nlohmann::json h = model_->history();
  EXPECT_EQ(h.at("steps"), 800);
  EXPECT_EQ(h.at("batch_size"), 64);
  EXPECT_EQ(h.at("rows"), 120);
  EXPECT_EQ(h.at("classes"), nlohmann::json({0, 1}));
  ASSERT_EQ(h.at("step").size(), 80u);  // every 10 steps
  EXPECT_EQ(h.at("loss").size(), 80u);
  EXPECT_GT(h.at("multi")[0].get<double>(), 0.0);
  // The loss falls as training goes on.
  EXPECT_LT(h.at("loss").back().get<double>(), h.at("loss")[0].get<double>());
  EXPECT_FALSE(h.contains("validation"));
}

TEST(Ddpm, TrainsOnEveryRowWhenTheClassIsSmallerThanTheBatch) {
  Matrix x(12, 2);
  std::vector<int> y(12, 0);
  Rng rng(3);
  for (size_t i = 0; i < 12; ++i) {
    y[i] = i < 5 ? 1 : 0;
    x(i, 0) = rng.normal();
    x(i, 1) = rng.normal();
  }
  auto g = make_generator("ddpm", {{"timesteps", 50},
                                   {"sample_steps", 10},
                                   {"hidden", {16}},
                                   {"embedding_dim", 8},
                                   {"epochs", 30}});  // batch 256
  FitOptions options;
  options.classes = {1};
  g->fit(x, y, options);
  const nlohmann::json h = g->history();
  EXPECT_EQ(h.at("rows"), 5);
  EXPECT_EQ(h.at("batch_size"), 5);
  EXPECT_EQ(h.at("steps"), 30);  // ceil(30 epochs * 5 rows / 5)
  EXPECT_EQ(h.at("step").back(), 30);
  const Matrix s = g->sample(1, 20, 1);
  EXPECT_EQ(s.rows, 20u);
}

TEST(Ddpm, ModelSelectionKeepsTheBestValidationScoreAndStopsEarly) {
  Matrix x;
  std::vector<int> y;
  std::vector<EncodedSpan> spans;
  make_mixed(x, y, spans);
  nlohmann::json config = small_config();
  config["steps"] = 300;
  config["validation_fraction"] = 0.2;
  config["validation_every"] = 20;
  config["validation_samples"] = 100;
  config["patience"] = 2;
  auto g = make_generator("ddpm", config);
  FitOptions options;
  options.classes = {0, 1};
  options.spans = spans;
  g->fit(x, y, options);
  const nlohmann::json h = g->history();
  EXPECT_EQ(h.at("validation_rows"), 24);  // 12 of each class
  EXPECT_EQ(h.at("rows"), 96);
  const nlohmann::json& v = h.at("validation");
  ASSERT_GE(v.at("mmd").size(), 3u);
  double best = 1e300;
  int best_step = 0;
  for (size_t i = 0; i < v.at("mmd").size(); ++i) {
    if (v.at("mmd")[i].get<double>() < best) {
      best = v.at("mmd")[i];
      best_step = v.at("step")[i];
    }
  }
  EXPECT_EQ(v.at("best_mmd").get<double>(), best);
  EXPECT_EQ(v.at("best_step").get<int>(), best_step);
  if (v.at("stopped_early").get<bool>()) {
    // Two evaluations without improvement after the best one, and nothing trained after that.
    EXPECT_EQ(v.at("step").back().get<int>(), best_step + 2 * 20);
    EXPECT_EQ(h.at("step").back(), v.at("step").back());
    EXPECT_LT(h.at("step").back().get<int>(), 300);
  }
}

TEST(DdpmConfig, ListsEveryProblem) {
  try {
    DdpmConfig::from_json({{"timesteps", 0}, {"embedding_dim", 7}, {"ema_decay", 1.0}});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInvalidArgument);
    EXPECT_STREQ(e.what(),
                 "ddpm config: timesteps must be in [1, 10000], got 0; sample_steps must be in "
                 "[0, timesteps = 0] (0 = every step), got 20; embedding_dim must be even, got 7; "
                 "ema_decay must be in [0, 1), got 1");
  }
}

TEST(Ddpm, RejectsSpansThatDoNotDescribeTheColumns) {
  Matrix x;
  std::vector<int> y;
  std::vector<EncodedSpan> spans;
  make_mixed(x, y, spans);
  spans.pop_back();
  auto g = make_generator("ddpm", small_config());
  FitOptions options;
  options.classes = {1};
  options.spans = spans;
  try {
    g->fit(x, y, options);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInvalidArgument);
    EXPECT_EQ(std::string(e.what()).rfind(
                  "ddpm: fit: FitOptions.spans do not describe the columns of x: they cover 4 "
                  "columns but x has 5",
                  0),
              0u)
        << e.what();
  }
}

}  // namespace
}  // namespace imbgen
