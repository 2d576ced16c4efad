// TVAE: its per-column loss against hand-computed values, mode-specific normalisation of a
// bimodal column, exact one-hot blocks and constant columns, and training on a class smaller
// than the batch (the reference implementation silently skipped training there).
#include "imbgen/generators/tvae.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "generators/vae_net.h"
#include "imbgen/core/rng.h"

namespace imbgen {
namespace {

Matrix from_rows(const std::vector<std::vector<double>>& rows) {
  Matrix m(rows.size(), rows[0].size());
  for (size_t i = 0; i < rows.size(); ++i) {
    for (size_t j = 0; j < rows[i].size(); ++j) m(i, j) = rows[i][j];
  }
  return m;
}

// Expected values by hand (float64):
//   import math, numpy as np
//   c = 0.5 * math.log(2 * math.pi)
//   def gnll(x, m, s): return 0.5 * ((x - m) / s) ** 2 + math.log(s) + c
//   def kl(mu, lv): return -0.5 * sum(1 + l - m * m - math.exp(l) for m, l in zip(mu, lv))
//   def ce(logits, t):
//       m = max(logits); return m + math.log(sum(math.exp(v - m) for v in logits)) - logits[t]
//   xt = [[0.3, 0, 1, 0], [-0.5, 1, 0, 0]]; ot = [[0.2, 1.0, 2.0, -1.0], [-1.0, 0.0, 0.5, 0.25]]
//   rec = [gnll(xt[i][0], math.tanh(ot[i][0]), 0.1) + ce(ot[i][1:], int(np.argmax(xt[i][1:])))
//          for i in range(2)]
//   muz = [[0.1, -0.2], [0.0, 0.4]]; lvz = [[0.0, -0.5], [0.2, 0.1]]
//   k3 = [kl(muz[i], lvz[i]) for i in range(2)]
//   print(np.mean(rec), np.mean(k3), 2 * np.mean(rec) + np.mean(k3))
//   # -> 1.4496117740 0.0857760840 2.9849996320
TEST(TvaeLoss, WeighsTheTanhGaussianAndCrossEntropyTerms) {
  VaeNetOptions o;
  o.data_dim = 4;
  o.latent_dim = 2;
  o.recon_weight = 2.0;  // loss_factor
  o.blocks = {{OutputKind::kTanhGaussian, 0, 1}, {OutputKind::kCategorical, 1, 3}};
  const VaeLossTerms t = vae_loss_terms(o, from_rows({{0.3, 0, 1, 0}, {-0.5, 1, 0, 0}}),
                                        from_rows({{0.2, 1.0, 2.0, -1.0}, {-1.0, 0.0, 0.5, 0.25}}),
                                        {0.1, 1.0, 1.0, 1.0}, from_rows({{0.1, -0.2}, {0.0, 0.4}}),
                                        from_rows({{0.0, -0.5}, {0.2, 0.1}}));
  EXPECT_NEAR(t.recon, 1.4496117740, 1e-5);
  EXPECT_NEAR(t.kl, 0.0857760840, 1e-5);
  EXPECT_NEAR(t.loss, 2.9849996320, 1e-5);
}

TEST(Tvae, LearnsABimodalColumnThroughItsModes) {
  // Column 0: two tight modes at -5 and +5; column 1: standard normal; column 2: constant.
  Rng rng(12);
  Matrix x(200, 3);
  for (size_t i = 0; i < 200; ++i) {
    x(i, 0) = (i % 2 == 0 ? -5.0 : 5.0) + 0.3 * rng.normal();
    x(i, 1) = rng.normal();
    x(i, 2) = 7.0;
  }
  auto g = make_tvae(TvaeConfig::from_json(
      {{"epochs", 200}, {"latent_dim", 8}, {"encoder_hidden", {64}}, {"decoder_hidden", {64}}}));
  FitOptions options;
  options.classes = {0};
  g->fit(x, std::vector<int>(200, 0), options);
  const nlohmann::json h = g->history();
  const nlohmann::json& c = h.at("classes").at("0");
  ASSERT_EQ(c.at("modes").size(), 3u);
  EXPECT_GE(c.at("modes")[0].get<int>(), 2);
  EXPECT_EQ(c.at("modes")[2].get<int>(), 0);  // constant: not modelled
  const Matrix s = g->sample(0, 1000, 2);
  size_t low = 0, between = 0;
  for (size_t i = 0; i < s.rows; ++i) {
    if (s(i, 0) < -3.5) ++low;
    if (std::fabs(s(i, 0)) < 3.5) ++between;
    EXPECT_EQ(s(i, 2), 7.0);
  }
  EXPECT_GT(low, 300u);
  EXPECT_LT(low, 700u);
  EXPECT_LT(between, 50u);
}

TEST(Tvae, TrainsOnEveryRowWhenTheClassIsSmallerThanTheBatch) {
  Rng rng(13);
  Matrix x(10, 2);
  for (double& v : x.data) v = rng.normal();
  auto g = make_tvae(TvaeConfig::from_json({{"epochs", 60}, {"batch_size", 500}}));
  FitOptions options;
  options.classes = {1};
  g->fit(x, std::vector<int>(10, 1), options);
  const nlohmann::json h = g->history();
  const nlohmann::json& c = h.at("classes").at("1");
  EXPECT_EQ(c.at("rows"), 10);
  EXPECT_EQ(c.at("batch_size"), 10);
  EXPECT_EQ(c.at("steps"), 60);
  EXPECT_LT(c.at("loss").back().get<double>(), c.at("loss")[0].get<double>());
}

TEST(Tvae, OneHotSpansComeOutExactlyOneHot) {
  Rng rng(14);
  Matrix x(60, 5, 0.0);
  for (size_t i = 0; i < 60; ++i) {
    x(i, 0) = rng.normal();
    x(i, 1 + (i % 3)) = 1.0;
    x(i, 4) = i % 4 == 0 ? 1.0 : 0.0;
  }
  auto g = make_tvae(TvaeConfig::from_json(
      {{"steps", 50}, {"latent_dim", 8}, {"encoder_hidden", {32}}, {"decoder_hidden", {32}}}));
  FitOptions options;
  options.classes = {0};
  options.spans = {{SpanKind::kNumeric, 0, 0, 1},
                   {SpanKind::kOneHot, 1, 1, 3},
                   {SpanKind::kMissingIndicator, 0, 4, 1}};
  g->fit(x, std::vector<int>(60, 0), options);
  const Matrix s = g->sample(0, 300, 1);
  for (size_t i = 0; i < s.rows; ++i) {
    double sum = 0.0;
    for (size_t k = 1; k <= 3; ++k) {
      EXPECT_TRUE(s(i, k) == 0.0 || s(i, k) == 1.0);
      sum += s(i, k);
    }
    EXPECT_EQ(sum, 1.0);
    EXPECT_TRUE(s(i, 4) == 0.0 || s(i, 4) == 1.0);
  }
}

}  // namespace
}  // namespace imbgen
