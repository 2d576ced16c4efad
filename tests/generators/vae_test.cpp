// The VAE: its loss (negative ELBO) against hand-computed values, learning a 2-D Gaussian, small
// classes, exact spans, model selection, progress, divergence and config errors.
#include "imbgen/generators/vae.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "generators/vae_net.h"
#include "imbgen/core/error.h"
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
//   x = [[1, 2], [0, -1]]; out = [[0.5, 1], [0.2, -0.4]]; sig = [1, 2]
//   mu = [[0.5], [-1.0]]; lv = [[math.log(0.25)], [0.3]]
//   rec = [sum(gnll(x[i][j], out[i][j], sig[j]) for j in range(2)) for i in range(2)]
//   k = [kl(mu[i], lv[i]) for i in range(2)]
//   print(np.mean(rec), np.mean(k), np.mean(rec) + np.mean(k))
//   # -> 2.6885242470 0.4840382922 3.1725625391
//   raw = [[0.0, -1.0], [2.0, 0.5]]; sp = lambda v: math.log1p(math.exp(v))
//   rec = [sum(gnll(x[i][j], out[i][j], 0.01 + sp(raw[i][j])) for j in range(2))
//          for i in range(2)]
//   print(np.mean(rec), np.mean(rec) + np.mean(k))  # -> 4.0827203677 4.5667586599
TEST(VaeLoss, IsTheNegativeElboOfTheGaussianModel) {
  VaeNetOptions o;
  o.data_dim = 2;
  o.latent_dim = 1;
  o.blocks = {{OutputKind::kGaussian, 0, 1}, {OutputKind::kGaussian, 1, 1}};
  const Matrix x = from_rows({{1, 2}, {0, -1}});
  const Matrix mu = from_rows({{0.5}, {-1.0}});
  const Matrix logvar = from_rows({{std::log(0.25)}, {0.3}});
  const VaeLossTerms t =
      vae_loss_terms(o, x, from_rows({{0.5, 1}, {0.2, -0.4}}), {1.0, 2.0}, mu, logvar);
  EXPECT_NEAR(t.recon, 2.6885242470, 1e-5);
  EXPECT_NEAR(t.kl, 0.4840382922, 1e-5);
  EXPECT_NEAR(t.loss, 3.1725625391, 1e-5);

  // Per-row sigmas from the decoder's second half: sigma = 0.01 + softplus(raw).
  o.row_sigma = true;
  const VaeLossTerms r =
      vae_loss_terms(o, x, from_rows({{0.5, 1, 0.0, -1.0}, {0.2, -0.4, 2.0, 0.5}}), {7.0, 7.0}, mu,
                     logvar);  // the parameter is unused
  EXPECT_NEAR(r.recon, 4.0827203677, 1e-5);
  EXPECT_NEAR(r.loss, 4.5667586599, 1e-5);
}

TEST(VaeNet, ParameterCountOfTheDefaultNetworkForTwentyNineFeatures) {
  // Encoder 29 -> 128 -> 128 -> 2 * 16 (mu, logvar): 3840 + 16512 + 4128 = 24480.
  // Decoder 16 -> 128 -> 128 -> 2 * 29 (means, sigmas): 2176 + 16512 + 7482 = 26170.
  // Plus 29 sigma parameters (used without row_sigma): 50679.
  VaeNetOptions o;
  o.data_dim = 29;
  o.latent_dim = 16;
  o.encoder_hidden = {128, 128};
  o.decoder_hidden = {128, 128};
  o.row_sigma = true;
  for (size_t j = 0; j < 29; ++j) o.blocks.push_back({OutputKind::kGaussian, j, 1});
  EXPECT_EQ(VaeNet(o, 1).parameter_count(), 50679);
  o.row_sigma = false;  // the decoder's output halves: 128 * 29 + 29 = 3741
  EXPECT_EQ(VaeNet(o, 1).parameter_count(), 50679 - 3741);
}

// A correlated 2-D Gaussian: mean (5, -3), sd (2, 0.5), correlation 0.8.
Matrix gaussian_rows(size_t n, uint64_t seed) {
  Rng rng(seed);
  Matrix x(n, 2);
  for (size_t i = 0; i < n; ++i) {
    const double a = rng.normal();
    x(i, 0) = 5.0 + 2.0 * a;
    x(i, 1) = -3.0 + 0.5 * (0.8 * a + 0.6 * rng.normal());
  }
  return x;
}

TEST(Vae, LearnsACorrelatedGaussian) {
  const Matrix x = gaussian_rows(300, 1);
  auto g = make_vae(VaeConfig::from_json(
      {{"epochs", 150}, {"latent_dim", 4}, {"encoder_hidden", {32}}, {"decoder_hidden", {32}}}));
  FitOptions options;
  options.classes = {0};
  g->fit(x, std::vector<int>(300, 0), options);
  const Matrix s = g->sample(0, 2000, 3);
  double m0 = 0, m1 = 0;
  for (size_t i = 0; i < s.rows; ++i) {
    m0 += s(i, 0);
    m1 += s(i, 1);
  }
  m0 /= 2000;
  m1 /= 2000;
  double v0 = 0, v1 = 0, cov = 0;
  for (size_t i = 0; i < s.rows; ++i) {
    v0 += (s(i, 0) - m0) * (s(i, 0) - m0);
    v1 += (s(i, 1) - m1) * (s(i, 1) - m1);
    cov += (s(i, 0) - m0) * (s(i, 1) - m1);
  }
  EXPECT_NEAR(m0, 5.0, 0.4);
  EXPECT_NEAR(m1, -3.0, 0.1);
  EXPECT_NEAR(std::sqrt(v0 / 2000), 2.0, 0.5);
  EXPECT_NEAR(std::sqrt(v1 / 2000), 0.5, 0.125);
  EXPECT_GT(cov / std::sqrt(v0 * v1), 0.5);
  // The loss (negative ELBO per row) fell.
  const nlohmann::json h = g->history();
  const nlohmann::json& c = h.at("classes").at("0");
  EXPECT_LT(c.at("loss").back().get<double>(), c.at("loss")[0].get<double>() - 0.5);
}

TEST(Vae, TrainsOnEveryRowWhenTheClassIsSmallerThanTheBatch) {
  const Matrix x = gaussian_rows(7, 2);
  auto g = make_vae(VaeConfig::from_json({{"epochs", 40}}));  // batch_size 128
  FitOptions options;
  options.classes = {1};
  g->fit(x, std::vector<int>(7, 1), options);
  const nlohmann::json h = g->history();
  const nlohmann::json& c = h.at("classes").at("1");
  EXPECT_EQ(c.at("rows"), 7);
  EXPECT_EQ(c.at("batch_size"), 7);
  EXPECT_EQ(c.at("steps"), 40);  // ceil(40 epochs * 7 rows / 7)
  EXPECT_EQ(c.at("step").back(), 40);
}

TEST(Vae, RoundsCategoricalSpansToExactValues) {
  Rng rng(4);
  Matrix x(40, 4, 0.0);
  for (size_t i = 0; i < 40; ++i) {
    x(i, 0) = rng.normal();
    x(i, 1 + (i % 2)) = 1.0;  // a two-category one-hot block
    x(i, 3) = i % 3 == 0 ? 1.0 : 0.0;
  }
  auto g = make_vae(VaeConfig::from_json({{"steps", 30}}));
  FitOptions options;
  options.classes = {0};
  options.spans = {{SpanKind::kNumeric, 0, 0, 1},
                   {SpanKind::kOneHot, 1, 1, 2},
                   {SpanKind::kMissingIndicator, 0, 3, 1}};
  g->fit(x, std::vector<int>(40, 0), options);
  const Matrix s = g->sample(0, 200, 5);
  for (size_t i = 0; i < s.rows; ++i) {
    EXPECT_TRUE((s(i, 1) == 1.0 && s(i, 2) == 0.0) || (s(i, 1) == 0.0 && s(i, 2) == 1.0));
    EXPECT_TRUE(s(i, 3) == 0.0 || s(i, 3) == 1.0);
  }
}

class RecordingObserver : public Observer {
 public:
  void on_progress(const Progress& p) override { seen.push_back(p); }
  void on_message(const std::string& m) override { messages.push_back(m); }
  std::vector<Progress> seen;
  std::vector<std::string> messages;
};

TEST(Vae, ModelSelectionKeepsTheBestWeightsAndReportsProgress) {
  const Matrix x = gaussian_rows(80, 6);
  auto g = make_vae(VaeConfig::from_json({{"steps", 60},
                                          {"validation_fraction", 0.25},
                                          {"validation_every", 10},
                                          {"validation_samples", 100}}));
  FitOptions options;
  options.classes = {2};
  RecordingObserver observer;
  options.observer = &observer;
  g->fit(x, std::vector<int>(80, 2), options);
  ASSERT_EQ(observer.seen.size(), 60u);
  EXPECT_EQ(observer.seen[0].task, "vae: class 2");
  EXPECT_EQ(observer.seen[0].total, 60);
  EXPECT_EQ(observer.seen[0].values.size(), 3u);  // loss, recon, kl
  EXPECT_EQ(observer.seen[9].values.size(), 4u);  // + mmd at a validation step
  EXPECT_EQ(observer.seen[9].values[3].first, "mmd");
  const nlohmann::json h = g->history();
  const nlohmann::json& c = h.at("classes").at("2");
  EXPECT_EQ(c.at("rows"), 60);
  EXPECT_EQ(c.at("validation_rows"), 20);
  const nlohmann::json& v = c.at("validation");
  ASSERT_EQ(v.at("step"), nlohmann::json({10, 20, 30, 40, 50, 60}));
  double best = 1e300;
  for (const auto& m : v.at("mmd")) best = std::min(best, m.get<double>());
  EXPECT_EQ(v.at("best_mmd").get<double>(), best);
  EXPECT_FALSE(v.at("stopped_early").get<bool>());
}

TEST(Vae, TooFewRowsToHoldBackTrainsWithoutSelectionAndSaysSo) {
  const Matrix x = gaussian_rows(5, 6);
  auto g = make_vae(VaeConfig::from_json({{"steps", 5}, {"validation_fraction", 0.2}}));
  FitOptions options;
  options.classes = {0};
  RecordingObserver observer;
  options.observer = &observer;
  g->fit(x, std::vector<int>(5, 0), options);
  ASSERT_EQ(observer.messages.size(), 1u);
  EXPECT_EQ(observer.messages[0],
            "vae: class 0: too few rows to hold some back for validation (needs 2 held-back and "
            "2 training rows per class); training on all of them and keeping the last weights");
  EXPECT_FALSE(g->history().at("classes").at("0").contains("validation"));
}

TEST(Vae, DivergenceIsAnErrorNamingTheStep) {
  const Matrix x = gaussian_rows(20, 7);
  auto g = make_vae(VaeConfig::from_json({{"steps", 50}, {"lr", 1e30}}));
  FitOptions options;
  options.classes = {1};
  try {
    g->fit(x, std::vector<int>(20, 1), options);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kDiverged);
    EXPECT_EQ(std::string(e.what()).rfind("vae: class 1: training diverged at step ", 0), 0u)
        << e.what();
  }
}

TEST(VaeConfig, ListsEveryProblem) {
  try {
    VaeConfig::from_json(
        {{"latent_dim", 0}, {"lr", -1.0}, {"validation_fraction", 0.9}, {"encoder_hidden", {0}}});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInvalidArgument);
    EXPECT_STREQ(e.what(),
                 "vae config: latent_dim must be in [1, 4096], got 0; encoder_hidden[0] must be "
                 "in [1, 4096], got 0; lr must be a finite number > 0, got -1; "
                 "validation_fraction must be in [0, 0.5] (0 = no model selection), got 0.9");
  }
}

}  // namespace
}  // namespace imbgen
