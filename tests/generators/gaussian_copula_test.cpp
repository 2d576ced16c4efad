// Gaussian copula: the normal cdf and quantile against scipy, marginals kept (range, quantiles,
// category frequencies, exact one-hot output), dependence kept (numeric-numeric and
// category-numeric), degenerate columns handled.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "generators/baseline_helpers.h"
#include "generators/oversampling.h"
#include "imbgen/core/error.h"
#include "imbgen/core/rng.h"
#include "imbgen/generators/generator.h"

namespace imbgen {
namespace {

using testing_helpers::error_message;

TEST(NormalDistribution, MatchesScipy) {
  // /usr/bin/python3 -c "from scipy.special import ndtri, ndtr; print(repr(float(ndtri(p))))"
  const std::vector<std::pair<double, double>> quantiles = {
      {1e-300, -37.0470962993612},   {1e-20, -9.262340089798409},
      {1e-10, -6.361340902404056},   {0.001, -3.090232306167813},
      {0.02425, -1.972961051311885}, {0.1, -1.2815515655446004},
      {0.3, -0.5244005127080409},    {0.5, 0.0},
      {0.75, 0.6744897501960817},    {0.975, 1.959963984540054},
      {0.999999, 4.753424308817087}, {0.999999999999, 7.0344869100478356}};
  for (const auto& [p, z] : quantiles) {
    EXPECT_NEAR(normal_quantile(p), z, 1e-14 * std::max(1.0, std::abs(z))) << p;
  }
  EXPECT_EQ(normal_quantile(0.0), -INFINITY);
  EXPECT_EQ(normal_quantile(1.0), INFINITY);
  //   print(repr(float(ndtr(z))))
  const std::vector<std::pair<double, double>> cdf = {{-8.0, 6.22096057427174e-16},
                                                      {-1.5, 0.06680720126885807},
                                                      {0.0, 0.5},
                                                      {0.3, 0.6179114221889526},
                                                      {2.0, 0.9772498680518208}};
  for (const auto& [z, p] : cdf) EXPECT_NEAR(normal_cdf(z), p, 1e-15 * std::max(1e-2, p)) << z;
}

// Class 1: a skewed numeric column, a second one tied to it, and a categorical column (3
// categories seen, 1 never) whose category shifts the first column.
void table(Matrix& x, std::vector<int>& y, std::vector<EncodedSpan>& spans) {
  Rng rng(11);
  const size_t n = 400;
  x = Matrix(n + 20, 6);
  y.assign(n + 20, 0);
  for (size_t i = 0; i < n; ++i) {
    y[i] = 1;
    const double u = rng.uniform();
    const size_t cat =
        u < 0.5 ? 0 : (u < 0.8 ? 1 : 2);  // frequencies 0.5, 0.3, 0.2; column 3 never
    const double a = std::exp(rng.normal()) + 3.0 * static_cast<double>(cat);
    x(i, 0) = a;
    x(i, 1) = 2.0 * a + 0.1 * rng.normal();
    x(i, 2 + cat) = 1.0;
  }
  for (size_t i = n; i < n + 20; ++i) x(i, 0) = -100.0;  // class 0, far away
  spans = {
      {SpanKind::kNumeric, 0, 0, 1}, {SpanKind::kNumeric, 1, 1, 1}, {SpanKind::kOneHot, 2, 2, 4}};
}

double spearman(const std::vector<double>& a, const std::vector<double>& b) {
  auto ranks = [](const std::vector<double>& v) {
    std::vector<size_t> o(v.size());
    for (size_t i = 0; i < o.size(); ++i) o[i] = i;
    std::sort(o.begin(), o.end(), [&](size_t p, size_t q) { return v[p] < v[q]; });
    std::vector<double> r(v.size());
    for (size_t i = 0; i < o.size(); ++i) r[o[i]] = static_cast<double>(i);
    return r;
  };
  const std::vector<double> ra = ranks(a), rb = ranks(b);
  const double m = 0.5 * static_cast<double>(a.size() - 1);
  double sab = 0, saa = 0, sbb = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    sab += (ra[i] - m) * (rb[i] - m);
    saa += (ra[i] - m) * (ra[i] - m);
    sbb += (rb[i] - m) * (rb[i] - m);
  }
  return sab / std::sqrt(saa * sbb);
}

TEST(GaussianCopula, KeepsMarginalsCategoriesAndDependence) {
  Matrix x;
  std::vector<int> y;
  std::vector<EncodedSpan> spans;
  table(x, y, spans);
  auto g = make_generator("gaussian_copula");
  FitOptions options;
  options.classes = {1};
  options.spans = spans;
  g->fit(x, y, options);
  EXPECT_EQ(g->history()["classes"]["1"], nlohmann::json({{"rows", 400}, {"variables", 3}}));

  const size_t n = 20000;
  const Matrix s = g->sample(1, n, 3);
  std::vector<double> train0, train1, s0, s1;
  for (size_t i = 0; i < 400; ++i) {
    train0.push_back(x(i, 0));
    train1.push_back(x(i, 1));
  }
  std::vector<double> count(4, 0.0), sum_by_cat(4, 0.0);
  for (size_t i = 0; i < n; ++i) {
    s0.push_back(s(i, 0));
    s1.push_back(s(i, 1));
    size_t ones = 0, cat = 0;
    for (size_t c = 0; c < 4; ++c) {
      ASSERT_TRUE(s(i, 2 + c) == 0.0 || s(i, 2 + c) == 1.0);
      if (s(i, 2 + c) == 1.0) {
        ++ones;
        cat = c;
      }
    }
    ASSERT_EQ(ones, 1u) << "row " << i;
    count[cat] += 1;
    sum_by_cat[cat] += s(i, 0);
  }
  // Marginals: within the training range, same median and quartiles (2% of the range).
  auto sorted = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v;
  };
  const std::vector<double> t0 = sorted(train0), q0 = sorted(s0);
  EXPECT_GE(q0.front(), t0.front());
  EXPECT_LE(q0.back(), t0.back());
  const double range = t0.back() - t0.front();
  for (double p : {0.25, 0.5, 0.75}) {
    const double want = t0[static_cast<size_t>(p * 399)];
    const double got = q0[static_cast<size_t>(p * (n - 1))];
    EXPECT_NEAR(got, want, 0.02 * range) << p;
  }
  // Categories at their training frequencies; the unseen one never.
  std::vector<double> train_count(4, 0.0);
  for (size_t i = 0; i < 400; ++i) {
    for (size_t c = 0; c < 4; ++c) train_count[c] += x(i, 2 + c);
  }
  for (size_t c = 0; c < 4; ++c) {
    EXPECT_NEAR(count[c] / n, train_count[c] / 400, 0.015) << "category " << c;
  }
  EXPECT_EQ(count[3], 0.0);
  // Dependence: the two numeric columns stay rank-correlated, and the category still shifts the
  // first column (training means about 1.6, 4.6 and 7.6).
  EXPECT_GT(spearman(train0, train1), 0.99);
  EXPECT_GT(spearman(s0, s1), 0.95);
  const double m0 = sum_by_cat[0] / count[0], m1 = sum_by_cat[1] / count[1],
               m2 = sum_by_cat[2] / count[2];
  EXPECT_LT(m0 + 1.0, m1);
  EXPECT_LT(m1 + 1.0, m2);
}

TEST(GaussianCopula, MissingIndicatorsStayZeroOrOne) {
  Rng rng(2);
  Matrix x(60, 2);
  std::vector<int> y(60, 1);
  for (size_t i = 0; i < 60; ++i) {
    x(i, 0) = rng.normal();
    x(i, 1) = i % 4 == 0 ? 1.0 : 0.0;  // a quarter missing
  }
  auto g = make_generator("gaussian_copula");
  FitOptions options;
  options.classes = {1};
  options.spans = {{SpanKind::kNumeric, 0, 0, 1}, {SpanKind::kMissingIndicator, 0, 1, 1}};
  g->fit(x, y, options);
  const Matrix s = g->sample(1, 8000, 1);
  double missing = 0;
  for (size_t i = 0; i < s.rows; ++i) {
    ASSERT_TRUE(s(i, 1) == 0.0 || s(i, 1) == 1.0);
    missing += s(i, 1);
  }
  EXPECT_NEAR(missing / 8000, 0.25, 0.02);
}

TEST(GaussianCopula, ConstantAndDuplicatedColumnsAreHandled) {
  Rng rng(4);
  Matrix x(30, 3);
  std::vector<int> y(30, 1);
  for (size_t i = 0; i < 30; ++i) {
    x(i, 0) = rng.normal();
    x(i, 1) = x(i, 0);  // perfectly correlated: the correlation is singular
    x(i, 2) = 7.0;      // constant
  }
  auto g = make_generator("gaussian_copula");
  FitOptions options;
  options.classes = {1};
  g->fit(x, y, options);
  const Matrix s = g->sample(1, 500, 5);
  for (size_t i = 0; i < s.rows; ++i) {
    EXPECT_EQ(s(i, 2), 7.0);
    EXPECT_NEAR(s(i, 0), s(i, 1), 0.05);
  }
}

TEST(GaussianCopula, OneRowIsTooFew) {
  Matrix x(5, 2, 1.0);
  std::vector<int> y = {0, 0, 0, 0, 1};
  auto g = make_generator("gaussian_copula");
  FitOptions options;
  options.classes = {1};
  EXPECT_EQ(error_message([&] { g->fit(x, y, options); }),
            "gaussian_copula: class 1 has 1 training row; gaussian_copula needs at least 2 (a "
            "copula needs 2 rows to estimate correlations; use 'random')");
}

}  // namespace
}  // namespace imbgen
