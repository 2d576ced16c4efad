// WGAN-GP: the gradient penalty against finite differences (plain and packed critics, and its
// derivative in the critic's weights), the row sampler and held-back split, small-data sizing,
// progress, history and model selection, divergence and config errors, and learning a Gaussian.
#include "imbgen/generators/wgan_gp.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "generators/torch_blocks_common.h"
#include "imbgen/core/error.h"
#include "imbgen/core/rng.h"

namespace imbgen {
namespace {

// A plain C++ forward pass of the critic (LeakyReLU(0.2) between layers) on one input.
double critic_forward(const MlpWeights& w, std::vector<double> h) {
  for (size_t l = 0; l < w.weight.size(); ++l) {
    const Matrix& m = w.weight[l];
    std::vector<double> next(m.rows);
    for (size_t o = 0; o < m.rows; ++o) {
      double s = w.bias[l][o];
      for (size_t i = 0; i < m.cols; ++i) s += m(o, i) * h[i];
      next[o] = l + 1 < w.weight.size() && s < 0 ? 0.2 * s : s;
    }
    h = std::move(next);
  }
  return h[0];
}

// The penalty from central finite differences of critic_forward in its input: each group of pac
// interpolated rows is one input of pac * d values.
double penalty_by_finite_differences(const MlpWeights& w, const Matrix& real, const Matrix& fake,
                                     const std::vector<double>& eps, size_t pac) {
  const size_t d = real.cols;
  const double h = 1e-6;
  double total = 0.0;
  const size_t groups = real.rows / pac;
  for (size_t g = 0; g < groups; ++g) {
    std::vector<double> x;
    for (size_t r = g * pac; r < (g + 1) * pac; ++r) {
      for (size_t j = 0; j < d; ++j) x.push_back(eps[r] * real(r, j) + (1 - eps[r]) * fake(r, j));
    }
    double norm2 = 0.0;
    for (size_t j = 0; j < x.size(); ++j) {
      std::vector<double> up = x, down = x;
      up[j] += h;
      down[j] -= h;
      const double dv = (critic_forward(w, up) - critic_forward(w, down)) / (2 * h);
      norm2 += dv * dv;
    }
    total += (std::sqrt(norm2) - 1.0) * (std::sqrt(norm2) - 1.0);
  }
  return total / static_cast<double>(groups);
}

// A random critic pac * 3 -> 5 -> 4 -> 1 and 6 real, fake rows with their eps.
void check_penalty(size_t pac, uint64_t seed) {
  Rng rng(seed);
  const size_t d = 3;
  MlpWeights w;
  const size_t widths[] = {pac * d, 5, 4, 1};
  for (size_t l = 0; l < 3; ++l) {
    Matrix m(widths[l + 1], widths[l]);
    for (double& v : m.data) v = rng.normal() / std::sqrt(static_cast<double>(widths[l]));
    w.weight.push_back(m);
    std::vector<double> b(widths[l + 1]);
    for (double& v : b) v = 0.3 * rng.normal();
    w.bias.push_back(b);
  }
  Matrix real(6, d), fake(6, d);
  for (double& v : real.data) v = 2.0 * rng.normal();
  for (double& v : fake.data) v = rng.normal();
  std::vector<double> eps(6);
  for (double& v : eps) v = rng.uniform();

  const PenaltyAndGradient gp = critic_gradient_penalty(w, real, fake, eps, static_cast<int>(pac));
  EXPECT_NEAR(gp.penalty, penalty_by_finite_differences(w, real, fake, eps, pac), 1e-7)
      << "pac " << pac << " seed " << seed;

  // create_graph: the penalty's gradient in the critic's weights matches central differences
  // of the penalty in those weights.
  const double h = 1e-6;
  for (size_t l = 0; l < 3; ++l) {
    for (size_t k : {size_t{0}, w.weight[l].data.size() - 1}) {
      MlpWeights up = w, down = w;
      up.weight[l].data[k] += h;
      down.weight[l].data[k] -= h;
      const double numeric =
          (critic_gradient_penalty(up, real, fake, eps, static_cast<int>(pac)).penalty -
           critic_gradient_penalty(down, real, fake, eps, static_cast<int>(pac)).penalty) /
          (2 * h);
      EXPECT_NEAR(gp.gradient.weight[l].data[k], numeric, 1e-6 * std::max(1.0, std::abs(numeric)))
          << "layer " << l << " weight " << k << " pac " << pac;
    }
    MlpWeights up = w, down = w;
    up.bias[l][0] += h;
    down.bias[l][0] -= h;
    const double numeric =
        (critic_gradient_penalty(up, real, fake, eps, static_cast<int>(pac)).penalty -
         critic_gradient_penalty(down, real, fake, eps, static_cast<int>(pac)).penalty) /
        (2 * h);
    EXPECT_NEAR(gp.gradient.bias[l][0], numeric, 1e-6 * std::max(1.0, std::abs(numeric)))
        << "layer " << l << " bias 0, pac " << pac;
  }
}

TEST(GradientPenalty, MatchesFiniteDifferences) {
  for (uint64_t seed : {1u, 2u, 3u}) check_penalty(1, seed);
}

TEST(GradientPenalty, MatchesFiniteDifferencesWithPackedRows) {
  for (uint64_t seed : {4u, 5u}) {
    check_penalty(2, seed);
    check_penalty(3, seed);
  }
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

// A correlated 2-D Gaussian: mean (5, -3), sd (2, 0.5), correlation 0.8.
Matrix gaussian_rows(size_t n, uint64_t seed) {
  Rng rng(seed);
  Matrix x(n, 2);
  for (size_t i = 0; i < n; ++i) {
    const double a = rng.normal();
    const double b = 0.8 * a + 0.6 * rng.normal();
    x(i, 0) = 5.0 + 2.0 * a;
    x(i, 1) = -3.0 + 0.5 * b;
  }
  return x;
}

class RecordingObserver : public Observer {
 public:
  void on_progress(const Progress& p) override { seen.push_back(p); }
  void on_message(const std::string& m) override { messages.push_back(m); }
  std::vector<Progress> seen;
  std::vector<std::string> messages;
};

WganGpConfig tiny_config() {
  WganGpConfig c;
  c.generator_hidden = {16};
  c.critic_hidden = {16};
  c.latent_dim = 4;
  c.critic_steps = 1;
  return c;
}

TEST(WganGp, SizesBatchAndStepsFromTheRowCount) {
  // 30 rows: 6 held back, 24 train -> batch min(64, 24) = 24, steps clamp(300 * 24 / 24,
  // 1000, 5000) = 1000.
  const Matrix x = gaussian_rows(30, 1);
  const std::vector<int> y(x.rows, 1);
  auto g = make_wgan_gp(tiny_config());
  FitOptions options;
  options.classes = {1};
  g->fit(x, y, options);
  const nlohmann::json history = g->history();
  const auto& h = history.at("classes").at("1");
  EXPECT_EQ(h.at("train_rows"), 24);
  EXPECT_EQ(h.at("batch_size"), 24);
  EXPECT_EQ(h.at("steps"), 1000);
  EXPECT_EQ(h.at("validation").at("rows"), 6);

  // A set batch size larger than the rows is capped; a set step count is kept.
  WganGpConfig c = tiny_config();
  c.batch_size = 500;
  c.steps = 7;
  c.validation_fraction = 0.0;
  auto capped = make_wgan_gp(c);
  capped->fit(x, y, options);
  const nlohmann::json capped_history = capped->history();
  const auto& hc = capped_history.at("classes").at("1");
  EXPECT_EQ(hc.at("train_rows"), 30);
  EXPECT_EQ(hc.at("batch_size"), 30);
  EXPECT_EQ(hc.at("steps"), 7);
  EXPECT_TRUE(hc.at("validation").is_null());
}

TEST(WganGp, ReportsProgressAndKeepsTheBestValidationWeights) {
  const Matrix x = gaussian_rows(60, 2);
  std::vector<int> y(x.rows, 0);
  for (size_t i = 0; i < 40; ++i) y[i] = 2;
  WganGpConfig c = tiny_config();
  c.steps = 45;
  c.batch_size = 8;
  c.history_every = 20;
  c.validation_every = 10;
  auto g = make_wgan_gp(c);
  RecordingObserver observer;
  FitOptions options;
  options.classes = {2, 0};
  options.observer = &observer;
  g->fit(x, y, options);
  ASSERT_EQ(observer.seen.size(), 90u);
  EXPECT_EQ(observer.seen[0].task, "wgan_gp: class 2");
  EXPECT_EQ(observer.seen[89].task, "wgan_gp: class 0");
  EXPECT_EQ(observer.seen[0].total, 45);
  const auto& v = observer.seen[3].values;
  ASSERT_EQ(v.size(), 4u);
  EXPECT_EQ(v[0].first, "critic_loss");
  EXPECT_EQ(v[1].first, "g_loss");
  EXPECT_EQ(v[2].first, "wasserstein");
  EXPECT_EQ(v[3].first, "gp");
  EXPECT_GE(v[3].second, 0.0);
  ASSERT_EQ(observer.seen[9].values.size(), 5u);  // step 10 carries the validation score
  EXPECT_EQ(observer.seen[9].values[4].first, "val_mmd2");
  // 20 rows of class 0: 4 would be held back (< 5), so it trains on all and says so.
  ASSERT_EQ(observer.messages.size(), 1u);
  EXPECT_NE(observer.messages[0].find("wgan_gp: class 0: 20 rows are too few"), std::string::npos)
      << observer.messages[0];

  const nlohmann::json h = g->history();
  EXPECT_EQ(h.at("every"), 20);
  const auto& c2 = h.at("classes").at("2");
  EXPECT_EQ(c2.at("step"), (nlohmann::json{20, 40, 45}));
  double sum = 0;
  for (size_t i = 0; i < 20; ++i) sum += observer.seen[i].values[1].second;
  EXPECT_NEAR(c2.at("g_loss")[0].get<double>(), sum / 20, 1e-12);
  const auto& val = c2.at("validation");
  EXPECT_EQ(val.at("rows"), 8);
  EXPECT_EQ(val.at("step"), (nlohmann::json{10, 20, 30, 40, 45}));
  const std::vector<double> mmd = val.at("mmd2").get<std::vector<double>>();
  const size_t best = static_cast<size_t>(std::min_element(mmd.begin(), mmd.end()) - mmd.begin());
  EXPECT_EQ(val.at("best_step"), val.at("step")[best]);
  EXPECT_TRUE(h.at("classes").at("0").at("validation").is_null());
}

struct Moments {
  double mean[2], sd[2], corr;
};

Moments moments(const Matrix& x) {
  Moments m{};
  const double n = static_cast<double>(x.rows);
  for (size_t c = 0; c < 2; ++c) {
    double s = 0;
    for (size_t i = 0; i < x.rows; ++i) s += x(i, c);
    m.mean[c] = s / n;
  }
  double v0 = 0, v1 = 0, cov = 0;
  for (size_t i = 0; i < x.rows; ++i) {
    const double a = x(i, 0) - m.mean[0];
    const double b = x(i, 1) - m.mean[1];
    v0 += a * a;
    v1 += b * b;
    cov += a * b;
  }
  m.sd[0] = std::sqrt(v0 / n);
  m.sd[1] = std::sqrt(v1 / n);
  m.corr = cov / std::sqrt(v0 * v1);
  return m;
}

// With a few hundred steps of small networks the samples take the data's spread and
// correlation (an untrained generator gives about a tenth of the spread).
TEST(WganGp, LearnsACorrelatedGaussian) {
  const Matrix x = gaussian_rows(300, 3);
  const std::vector<int> y(x.rows, 1);
  const Moments data = moments(x);
  WganGpConfig c;
  c.generator_hidden = {64, 64};
  c.critic_hidden = {64, 64};
  c.latent_dim = 8;
  c.steps = 400;
  c.generator_lr = 1e-3;
  c.critic_lr = 1e-3;
  c.validation_fraction = 0.0;
  auto g = make_wgan_gp(c);
  FitOptions options;
  options.classes = {1};
  options.seed = 4;
  g->fit(x, y, options);
  const Moments fake = moments(g->sample(1, 4000, 5));
  for (int k = 0; k < 2; ++k) {
    EXPECT_NEAR(fake.mean[k], data.mean[k], 0.35 * data.sd[k]) << "column " << k;
    EXPECT_GT(fake.sd[k] / data.sd[k], 0.6) << "column " << k;
    EXPECT_LT(fake.sd[k] / data.sd[k], 1.5) << "column " << k;
  }
  EXPECT_NEAR(fake.corr, data.corr, 0.2);
}

TEST(WganGp, AHugeLearningRateIsReportedAsDivergence) {
  const Matrix x = gaussian_rows(64, 5);
  const std::vector<int> y(x.rows, 1);
  WganGpConfig c = tiny_config();
  c.steps = 300;
  c.generator_lr = 1e30;
  c.critic_lr = 1e30;
  auto g = make_wgan_gp(c);
  FitOptions options;
  options.classes = {1};
  try {
    g->fit(x, y, options);
    FAIL() << "expected divergence";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kDiverged);
    const std::string m = e.what();
    EXPECT_EQ(m.rfind("wgan_gp: class 1: training diverged at step ", 0), 0u) << m;
    EXPECT_NE(m.find(" of 300 (critic_loss = "), std::string::npos) << m;
    EXPECT_NE(m.find("hint: lower generator_lr / critic_lr"), std::string::npos) << m;
  }
}

TEST(WganGp, ConfigListsEveryProblem) {
  try {
    make_generator("wgan_gp", {{"critic_steps", 0},
                               {"gp_lambda", -1.0},
                               {"validation_fraction", 0.9},
                               {"critic_hidden", {0}},
                               {"beta2", 1.0}});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInvalidArgument);
    EXPECT_STREQ(e.what(),
                 "wgan_gp config: critic_hidden[0] must be in [1, 4096], got 0; beta2 must be in "
                 "[0, 1), got 1; gp_lambda must be a finite number >= 0, got -1; critic_steps "
                 "must be in [1, 100], got 0; validation_fraction must be in [0, 0.5] (0 = no "
                 "model selection), got 0.9");
  }
}

TEST(WganGp, AClassWithOneRowIsRefused) {
  Matrix x = gaussian_rows(10, 6);
  std::vector<int> y(10, 0);
  y[4] = 1;
  auto g = make_wgan_gp(tiny_config());
  FitOptions options;
  options.classes = {0, 1};
  try {
    g->fit(x, y, options);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInvalidArgument);
    EXPECT_STREQ(e.what(), "wgan_gp: class 1 has 1 training row; wgan_gp needs at least 2");
  }
}

}  // namespace
}  // namespace imbgen
