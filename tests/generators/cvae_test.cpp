// The conditional VAE: one model for two classes that samples each class directly, and its
// history.
#include "imbgen/generators/cvae.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "imbgen/core/rng.h"

namespace imbgen {
namespace {

// Class 0 around (-3, 2), class 1 around (3, -2), both with sd 0.5; 50 rows each.
void make_two_classes(Matrix& x, std::vector<int>& y) {
  Rng rng(8);
  x = Matrix(100, 2);
  y.assign(100, 0);
  for (size_t i = 0; i < 100; ++i) {
    y[i] = i % 2;
    const double sign = y[i] == 0 ? -1.0 : 1.0;
    x(i, 0) = 3.0 * sign + 0.5 * rng.normal();
    x(i, 1) = -2.0 * sign + 0.5 * rng.normal();
  }
}

TEST(Cvae, SamplesTheRequestedClassDirectly) {
  Matrix x;
  std::vector<int> y;
  make_two_classes(x, y);
  auto g = make_cvae(CvaeConfig::from_json(
      {{"epochs", 600}, {"latent_dim", 4}, {"encoder_hidden", {32}}, {"decoder_hidden", {32}}}));
  EXPECT_TRUE(g->conditional());
  FitOptions options;
  options.classes = {1, 0};  // the condition index follows this order
  g->fit(x, y, options);
  for (int c : {0, 1}) {
    const Matrix s = g->sample(c, 500, 4);
    const double sign = c == 0 ? -1.0 : 1.0;
    size_t in_region = 0;
    for (size_t i = 0; i < s.rows; ++i) {
      if (sign * s(i, 0) > 0.0 && sign * s(i, 1) < 0.0) ++in_region;
    }
    // Nearly every row lands in its class's quadrant (the classes are 6 sd apart).
    EXPECT_GT(in_region, 450u) << "class " << c;
  }
  const nlohmann::json h = g->history();
  EXPECT_EQ(h.at("classes"), nlohmann::json({1, 0}));
  EXPECT_EQ(h.at("rows"), 100);
  EXPECT_EQ(h.at("batch_size"), 100);
  EXPECT_EQ(h.at("steps"), 600);
}

}  // namespace
}  // namespace imbgen
