// CTGAN: class-conditional sampling lands in the requested class's region, one-hot blocks and
// indicators come back exactly one-hot / 0-1 and follow the class's categories, mode-specific
// normalisation finds the modes, constant columns stay constant, small-data sizing, save/load
// with spans, and the errors for bad spans and configs.
#include "imbgen/generators/ctgan.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "imbgen/core/error.h"
#include "imbgen/core/rng.h"

namespace imbgen {
namespace {

CtganConfig small_config(int steps) {
  CtganConfig c;
  c.generator_hidden = {64, 64};
  c.critic_hidden = {64, 64};
  c.latent_dim = 16;
  c.steps = steps;
  c.generator_lr = 1e-3;
  c.critic_lr = 1e-3;
  c.validation_fraction = 0.0;
  return c;
}

// Two classes in 2-D: class 0 around (0, 0), class 1 around (6, 6), sd 1.
void two_classes(size_t n0, size_t n1, Matrix& x, std::vector<int>& y) {
  Rng rng(21);
  x = Matrix(n0 + n1, 2);
  y.assign(x.rows, 0);
  for (size_t i = 0; i < x.rows; ++i) {
    const bool one = i >= n0;
    y[i] = one ? 1 : 0;
    x(i, 0) = (one ? 6.0 : 0.0) + rng.normal();
    x(i, 1) = (one ? 6.0 : 0.0) + rng.normal();
  }
}

TEST(Ctgan, SamplesTheRequestedClassDirectly) {
  Matrix x;
  std::vector<int> y;
  two_classes(150, 60, x, y);
  auto g = make_ctgan(small_config(600));
  EXPECT_TRUE(g->conditional());
  FitOptions options;
  options.classes = {0, 1};
  options.seed = 3;
  g->fit(x, y, options);
  for (int cls : {0, 1}) {
    const Matrix s = g->sample(cls, 1000, 8);
    ASSERT_EQ(s.rows, 1000u);
    const double centre = cls == 1 ? 6.0 : 0.0;
    double mean0 = 0, mean1 = 0;
    size_t own_side = 0;
    for (size_t i = 0; i < s.rows; ++i) {
      mean0 += s(i, 0) / 1000.0;
      mean1 += s(i, 1) / 1000.0;
      // Closer to its class's centre than to the other class's.
      if (std::abs(s(i, 0) + s(i, 1) - 2 * centre) < 6.0) ++own_side;
    }
    // GAN training oscillates: seeds 1 to 5 put every mean within 1.85 of its centre and over
    // 98% of the rows on their class's side.
    EXPECT_NEAR(mean0, centre, 2.0) << "class " << cls;
    EXPECT_NEAR(mean1, centre, 2.0) << "class " << cls;
    EXPECT_GT(own_side, 900u) << "class " << cls;
  }
}

// Columns: a numeric value, a 3-category one-hot block and a missing indicator. Class 0 mostly
// has category 0 and no missing values; class 1 mostly category 2 and half missing.
void mixed_data(Matrix& x, std::vector<int>& y, std::vector<EncodedSpan>& spans) {
  Rng rng(5);
  const size_t n0 = 120, n1 = 60;
  x = Matrix(n0 + n1, 5);
  y.assign(x.rows, 0);
  for (size_t i = 0; i < x.rows; ++i) {
    const bool one = i >= n0;
    y[i] = one ? 1 : 0;
    x(i, 0) = (one ? 3.0 : -1.0) + 0.5 * rng.normal();
    const double u = rng.uniform();
    const size_t cat = one ? (u < 0.9 ? 2 : 1) : (u < 0.9 ? 0 : 1);
    x(i, 1 + cat) = 1.0;
    x(i, 4) = one && rng.uniform() < 0.5 ? 1.0 : 0.0;
  }
  spans = {{SpanKind::kNumeric, 0, 0, 1},
           {SpanKind::kOneHot, 1, 1, 3},
           {SpanKind::kMissingIndicator, 0, 4, 1}};
}

TEST(Ctgan, SampledBlocksAreExactlyOneHotAndFollowTheClass) {
  Matrix x;
  std::vector<int> y;
  std::vector<EncodedSpan> spans;
  mixed_data(x, y, spans);
  auto g = make_ctgan(small_config(300));
  FitOptions options;
  options.classes = {0, 1};
  options.spans = spans;
  g->fit(x, y, options);
  for (int cls : {0, 1}) {
    const Matrix s = g->sample(cls, 600, 2);
    std::vector<double> share(3, 0.0);
    double missing = 0;
    for (size_t i = 0; i < s.rows; ++i) {
      int ones = 0;
      for (size_t j = 1; j <= 3; ++j) {
        ASSERT_TRUE(s(i, j) == 0.0 || s(i, j) == 1.0) << s(i, j);
        ones += s(i, j) == 1.0 ? 1 : 0;
        share[j - 1] += s(i, j) / 600.0;
      }
      ASSERT_EQ(ones, 1) << "row " << i;
      ASSERT_TRUE(s(i, 4) == 0.0 || s(i, 4) == 1.0) << s(i, 4);
      missing += s(i, 4) / 600.0;
    }
    // The class's main category dominates (0.9 in the data).
    EXPECT_GT(share[cls == 1 ? 2 : 0], 0.7) << "class " << cls;
    if (cls == 0) {
      EXPECT_LT(missing, 0.15);
    } else {
      EXPECT_NEAR(missing, 0.5, 0.25);
    }
  }
}

TEST(Ctgan, FindsModesAndKeepsConstantColumnsConstant) {
  Rng rng(8);
  Matrix x(200, 3);
  const std::vector<int> y(200, 1);
  for (size_t i = 0; i < x.rows; ++i) {
    x(i, 0) = (i % 2 ? 10.0 : -10.0) + 0.3 * rng.normal();  // two modes
    x(i, 1) = 7.25;                                         // constant
    x(i, 2) = rng.normal();
  }
  auto g = make_ctgan(small_config(150));
  FitOptions options;
  options.classes = {1};
  g->fit(x, y, options);
  const nlohmann::json modes = g->history().at("modes");
  ASSERT_EQ(modes.size(), 3u);  // the constant column has no mixture: 0 modes
  EXPECT_EQ(modes[0], 2);
  EXPECT_EQ(modes[1], 0);
  const Matrix s = g->sample(1, 300, 1);
  for (size_t i = 0; i < s.rows; ++i) EXPECT_EQ(s(i, 1), 7.25);
}

TEST(Ctgan, FewerRowsThanABatchAreAllUsed) {
  Matrix x;
  std::vector<int> y;
  two_classes(4, 3, x, y);
  CtganConfig c = small_config(0);
  c.generator_hidden = {8};
  c.critic_hidden = {8};
  c.pac = 10;
  auto g = make_ctgan(c);
  FitOptions options;
  options.classes = {0, 1};
  g->fit(x, y, options);
  const nlohmann::json h = g->history();
  // 7 rows: batch min(100, 7) rounded up to pac 10 = 10; steps clamp(ceil(1500 * 7 / 10), 1000,
  // 5000) = 1050.
  EXPECT_EQ(h.at("rows"), 7);
  EXPECT_EQ(h.at("batch_size"), 10);
  EXPECT_EQ(h.at("steps"), 1050);
  EXPECT_FALSE(h.contains("validation"));
  EXPECT_EQ(h.at("step").back(), 1050);
  for (double v : g->sample(1, 50, 3).data) EXPECT_TRUE(std::isfinite(v));
}

TEST(Ctgan, ValidationKeepsTheBestWeightsAndRecordsTheCurve) {
  Matrix x;
  std::vector<int> y;
  two_classes(100, 30, x, y);
  CtganConfig c = small_config(60);
  c.validation_fraction = 0.2;
  c.validation_every = 25;
  auto g = make_ctgan(c);
  FitOptions options;
  options.classes = {0, 1};
  g->fit(x, y, options);
  const nlohmann::json h = g->history();
  EXPECT_EQ(h.at("rows"), 80 + 24);
  const auto& val = h.at("validation");
  EXPECT_EQ(h.at("validation_rows"), 20 + 6);
  EXPECT_EQ(val.at("step"), (nlohmann::json{25, 50, 60}));
  const std::vector<double> mmd = val.at("mmd").get<std::vector<double>>();
  const size_t best = static_cast<size_t>(std::min_element(mmd.begin(), mmd.end()) - mmd.begin());
  EXPECT_EQ(val.at("best_step"), val.at("step")[best]);
}

TEST(Ctgan, SaveThenLoadWithSpansGivesIdenticalSamples) {
  Matrix x;
  std::vector<int> y;
  std::vector<EncodedSpan> spans;
  mixed_data(x, y, spans);
  CtganConfig c = small_config(30);
  auto g = make_ctgan(c);
  FitOptions options;
  options.classes = {1, 0};
  options.spans = spans;
  g->fit(x, y, options);
  const std::string path = (std::filesystem::path(testing::TempDir()) /
                            ("ctgan_spans_" + std::to_string(::getpid()) + ".imbgen"))
                               .string();
  save_generator(*g, path);
  auto loaded = load_generator(path);
  std::filesystem::remove(path);
  for (int cls : {0, 1}) {
    const Matrix a = g->sample(cls, 200, 4);
    const Matrix b = loaded->sample(cls, 200, 4);
    ASSERT_EQ(a.data.size(), b.data.size());
    EXPECT_EQ(std::memcmp(a.data.data(), b.data.data(), a.data.size() * sizeof(double)), 0);
  }
}

std::string fit_error(const Matrix& x, const std::vector<int>& y,
                      const std::vector<EncodedSpan>& spans) {
  auto g = make_ctgan(small_config(5));
  FitOptions options;
  options.classes = {0, 1};
  options.spans = spans;
  try {
    g->fit(x, y, options);
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInvalidArgument);
    return e.what();
  }
  return "no error";
}

TEST(Ctgan, RejectsSpansThatDoNotFitTheData) {
  Matrix x;
  std::vector<int> y;
  std::vector<EncodedSpan> spans;
  mixed_data(x, y, spans);
  std::vector<EncodedSpan> gap = spans;
  gap[2].start = 5;
  EXPECT_EQ(fit_error(x, y, gap),
            "ctgan: fit: FitOptions.spans do not describe the columns of x: span 2 (table column "
            "0) starts at model column 5, expected 4 (pass TableEncoder::spans() of the encoder "
            "that made x)");
  std::vector<EncodedSpan> short_spans(spans.begin(), spans.end() - 1);
  EXPECT_EQ(fit_error(x, y, short_spans),
            "ctgan: fit: FitOptions.spans do not describe the columns of x: they cover 4 columns "
            "but x has 5 (pass TableEncoder::spans() of the encoder that made x)");
  Matrix two = x;
  for (size_t j = 1; j <= 3; ++j) two(7, j) = 1.0;
  EXPECT_EQ(
      fit_error(two, y, spans),
      "ctgan: fit: row 7: the one-hot block in columns 1..3 holds 3 ones; expected exactly 1");
  Matrix half = x;
  half(9, 4) = 0.5;
  EXPECT_EQ(fit_error(half, y, spans),
            "ctgan: fit: row 9, column 4: expected 0 or 1 in a missing indicator, got 0.5");
}

TEST(Ctgan, AHugeLearningRateIsReportedAsDivergenceAndLeavesItUnfit) {
  Matrix x;
  std::vector<int> y;
  two_classes(40, 20, x, y);
  CtganConfig c = small_config(300);
  c.generator_lr = 1e30;
  c.critic_lr = 1e30;
  auto g = make_ctgan(c);
  FitOptions options;
  options.classes = {0, 1};
  try {
    g->fit(x, y, options);
    FAIL() << "expected divergence";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kDiverged);
    const std::string m = e.what();
    EXPECT_EQ(m.rfind("ctgan: training diverged at step ", 0), 0u) << m;
    EXPECT_NE(m.find(" of 300 (critic_loss = "), std::string::npos) << m;
  }
  EXPECT_THROW(g->sample(1, 5, 1), Error);
}

TEST(Ctgan, ConfigListsEveryProblem) {
  try {
    make_generator("ctgan",
                   {{"pac", 10}, {"batch_size", 55}, {"gumbel_tau", 0.0}, {"dropout", 1.0}});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInvalidArgument);
    EXPECT_STREQ(e.what(),
                 "ctgan config: dropout must be in [0, 1), got 1; gumbel_tau must be a finite "
                 "number > 0, got 0; batch_size must be a multiple of pac (10), got 55");
  }
}

}  // namespace
}  // namespace imbgen
