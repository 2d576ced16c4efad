// The classical baselines (smote_nc, borderline_smote, adasyn, svm_smote, kmeans_smote,
// gaussian_copula) on three classes: each modelled class is fit and sampled on its own, rows stay
// in their class's region, and a class too small for the method is a clear error.
#include <gtest/gtest.h>

#include <cmath>
#include <sstream>
#include <string>
#include <vector>

#include "generators/baseline_helpers.h"
#include "imbgen/core/error.h"
#include "imbgen/core/rng.h"
#include "imbgen/generators/generator.h"

namespace imbgen {
namespace {

using testing_helpers::error_message;

// Class 0: 120 rows around (0, 0); class 1: 30 around (3, 0); class 2: 20 around (0, 3);
// overlapping, so every class has border rows.
void three_classes(Matrix& x, std::vector<int>& y) {
  Rng rng(8);
  const size_t counts[3] = {120, 30, 20};
  const double cx[3] = {0, 3, 0}, cy[3] = {0, 0, 3};
  x = Matrix(170, 2);
  y.clear();
  size_t r = 0;
  for (int c = 0; c < 3; ++c) {
    for (size_t i = 0; i < counts[c]; ++i, ++r) {
      x(r, 0) = cx[c] + 1.2 * rng.normal();
      x(r, 1) = cy[c] + 1.2 * rng.normal();
      y.push_back(c);
    }
  }
}

class Baseline : public testing::TestWithParam<std::string> {};

TEST_P(Baseline, ModelsSeveralClassesEachInItsRegion) {
  Matrix x;
  std::vector<int> y;
  three_classes(x, y);
  auto g = make_generator(GetParam());
  FitOptions options;
  options.classes = {1, 2};
  g->fit(x, y, options);
  EXPECT_FALSE(g->conditional());
  for (int c : {1, 2}) {
    const Matrix s = g->sample(c, 400, 3);
    ASSERT_EQ(s.rows, 400u);
    double mx = 0, my = 0;
    for (size_t i = 0; i < s.rows; ++i) {
      ASSERT_TRUE(std::isfinite(s(i, 0)) && std::isfinite(s(i, 1)));
      mx += s(i, 0) / 400;
      my += s(i, 1) / 400;
    }
    // Nearer to its own class centre than to the others'.
    const double own = c == 1 ? std::hypot(mx - 3, my) : std::hypot(mx, my - 3);
    const double other0 = std::hypot(mx, my);
    EXPECT_LT(own, other0) << "class " << c << " mean (" << mx << ", " << my << ")";
  }
  EXPECT_THROW(g->sample(0, 5, 1), Error);
}

TEST_P(Baseline, AClassSmallerThanTheMethodNeedsIsAClearError) {
  Matrix x;
  std::vector<int> y;
  three_classes(x, y);
  // Keep one row of class 2: below every method's minimum (k + 1 rows, or 2 for the copula).
  std::vector<size_t> keep;
  bool kept = false;
  for (size_t i = 0; i < y.size(); ++i) {
    if (y[i] != 2 || !kept) keep.push_back(i);
    kept = kept || y[i] == 2;
  }
  const Matrix xs = x.select_rows(keep);
  std::vector<int> ys;
  for (size_t i : keep) ys.push_back(y[i]);
  auto g = make_generator(GetParam());
  FitOptions options;
  options.classes = {1, 2};
  ErrorKind kind{};
  const std::string message = error_message([&] { g->fit(xs, ys, options); }, &kind);
  EXPECT_EQ(kind, ErrorKind::kInvalidArgument);
  EXPECT_EQ(message.rfind(
                GetParam() + ": class 2 has 1 training row; " + GetParam() + " needs at least ", 0),
            0u)
      << message;
}

TEST_P(Baseline, ATruncatedStateIsAClearError) {
  Matrix x;
  std::vector<int> y;
  three_classes(x, y);
  auto g = make_generator(GetParam());
  FitOptions options;
  options.classes = {1, 2};
  g->fit(x, y, options);
  std::ostringstream out;
  g->save_state(out);
  const std::string state = out.str();
  const size_t stride = state.size() / 300 + 1;
  for (size_t n = 0; n < state.size(); n += stride) {
    std::istringstream in(state.substr(0, n));
    auto fresh = make_generator(GetParam());
    ErrorKind kind{};
    const std::string message = error_message([&] { fresh->load_state(in); }, &kind);
    ASSERT_NE(message, "no error") << n << " of " << state.size() << " bytes";
    EXPECT_EQ(kind, ErrorKind::kInvalidArgument) << message;
  }
  std::istringstream whole(state);
  auto fresh = make_generator(GetParam());
  fresh->load_state(whole);
  EXPECT_EQ(fresh->history(), g->history());
}

INSTANTIATE_TEST_SUITE_P(Baselines, Baseline,
                         testing::Values("smote_nc", "borderline_smote", "adasyn", "svm_smote",
                                         "kmeans_smote", "gaussian_copula"),
                         [](const testing::TestParamInfo<std::string>& param_info) {
                           return param_info.param;
                         });

}  // namespace
}  // namespace imbgen
