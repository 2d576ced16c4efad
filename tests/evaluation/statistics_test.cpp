// Per-column statistics against scipy/numpy: KS test (exact and asymptotic p-values, every
// branch of the Kolmogorov distribution), Wasserstein-1, summaries, correlations, chi-square.
#include "imbgen/evaluation/statistics.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "imbgen/core/error.h"

namespace imbgen {
namespace {

// The samples of the reference scripts below: wave(n, f, g, s)[i] = sin(f i) + 0.5 cos(g i + 0.2) +
// s.
std::vector<double> wave(int n, double f, double g, double s = 0.0) {
  std::vector<double> v;
  for (int i = 0; i < n; ++i) v.push_back(std::sin(f * i) + 0.5 * std::cos(g * i + 0.2) + s);
  return v;
}

std::vector<double> floor3(std::vector<double> v) {
  for (double& x : v) x = std::floor(3 * x);
  return v;
}

// Relative tolerance, with an absolute floor for values near 0.
void expect_close(double expected, double actual, double rel = 1e-9, double abs = 1e-14) {
  EXPECT_NEAR(actual, expected, std::max(abs, rel * std::abs(expected)));
}

// Reference values (scipy 1.10.1):
//   import numpy as np; from scipy import stats
//   def wave(n, f, g, s=0.0):
//       i = np.arange(n); return np.sin(f*i) + 0.5*np.cos(g*i + 0.2) + s
//   cases = [(40,55,0.0,False), (60,60,0.3,False), (400,4000,0.05,False), (300,12000,0.05,False),
//            (100,20000,0.1,False), (50,70,0.0,True), (200,300,1.0,False)]
//   for n1, n2, s, ints in cases:
//       x = wave(n1, 0.37, 1.13); y = wave(n2, 0.29, 0.71, s)
//       if ints: x = np.floor(3*x); y = np.floor(3*y)
//       r = stats.ks_2samp(x, y); print(repr(r.statistic), repr(r.pvalue))
struct KsCase {
  int n1, n2;
  double shift;
  bool ints;
  double statistic, pvalue;
  bool exact;
};
const KsCase kKsCases[] = {
    {40, 55, 0.0, false, 0.18636363636363637, 0.3476224786955409, true},
    {60, 60, 0.3, false, 0.25, 0.046660870723173625, true},
    {400, 4000, 0.05, false, 0.047, 0.3882184705917534, true},
    {300, 12000, 0.05, false, 0.028166666666666673, 0.9691693674259383, false},
    {100, 20000, 0.1, false, 0.14140000000000008, 0.03306195401042439, false},
    {50, 70, 0.0, true, 0.10857142857142857, 0.8433573976972915, true},
    {200, 300, 1.0, false, 0.44666666666666666, 4.941670606393644e-22, true},
};

TEST(KsTwoSample, MatchesScipyAuto) {
  for (const KsCase& c : kKsCases) {
    SCOPED_TRACE(std::to_string(c.n1) + " vs " + std::to_string(c.n2));
    std::vector<double> x = wave(c.n1, 0.37, 1.13), y = wave(c.n2, 0.29, 0.71, c.shift);
    if (c.ints) {
      x = floor3(x);
      y = floor3(y);
    }
    const KsResult r = ks_2samp(x, y);
    expect_close(c.statistic, r.statistic, 1e-12);
    expect_close(c.pvalue, r.pvalue, 1e-9);
    EXPECT_EQ(r.exact, c.exact);
  }
}

// stats.ks_2samp(wave(40,.37,1.13), wave(55,.29,.71), method='asymp').pvalue
//   -> 0.3565535264160662
// stats.ks_2samp(wave(300,.37,1.13), wave(12000,.29,.71,0.05), method='exact').pvalue
//   -> 0.969586818821433
TEST(KsTwoSample, ForcedMethodsMatchScipy) {
  const KsResult asymp =
      ks_2samp(wave(40, 0.37, 1.13), wave(55, 0.29, 0.71), KsMethod::kAsymptotic);
  EXPECT_FALSE(asymp.exact);
  expect_close(0.3565535264160662, asymp.pvalue);
  const KsResult exact =
      ks_2samp(wave(300, 0.37, 1.13), wave(12000, 0.29, 0.71, 0.05), KsMethod::kExact);
  EXPECT_TRUE(exact.exact);
  expect_close(0.969586818821433, exact.pvalue);
}

TEST(KsTwoSample, IdenticalSamplesHavePValueOne) {
  const std::vector<double> x = wave(30, 0.37, 1.13);
  const KsResult r = ks_2samp(x, x);
  EXPECT_EQ(r.statistic, 0.0);
  EXPECT_EQ(r.pvalue, 1.0);
}

TEST(KsTwoSample, RejectsEmptySample) {
  try {
    ks_2samp({}, {1.0, 2.0});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("got 0 and 2"), std::string::npos) << e.what();
  }
}

// The one-sample distribution in every branch of Simard & L'Ecuyer's selection:
//   from scipy import stats
//   for n, d in cases: print(n, d, repr(stats.kstwo.sf(d, n)))
TEST(KolmogorovSf, MatchesScipyKstwoInEveryBranch) {
  struct Case {
    int64_t n;
    double d, sf;
  };
  const Case cases[] = {
      {5, 0.15, 0.9988},                      // n d <= 1 (Ruben-Gambino)
      {5, 0.3, 0.664},                        // n d^2 <= 4, n <= 140: Durbin
      {5, 0.85, 0.0001518750000000001},       // n d >= n - 1
      {50, 0.019, 1.0},                       // n d <= 1/2
      {50, 0.1, 0.6623112704658186},          // Durbin
      {50, 0.3, 0.00017353260202718738},      // n d^2 > 4, n <= 140: 2 x Smirnov
      {50, 0.6, 9.634070456142374e-18},       // d >= 1/2: 2 x Smirnov
      {140, 0.07, 0.4776228287946577},        // Durbin
      {140, 0.2, 2.1981563302200222e-05},     // 2 x Smirnov
      {141, 0.05, 0.8548456930096628},        // n > 140, n d^1.5 <= 1.4: Durbin
      {400, 0.02, 0.9962957072474701},        // Durbin
      {400, 0.05, 0.26121244607129124},       // Pelz-Good
      {400, 0.09, 0.0028652847831479775},     // n d^2 >= 2.2: 2 x Smirnov
      {400, 0.5, 5.390131481240781e-93},      // d >= 1/2
      {400, 0.0021, 1.0},                     // n d <= 1
      {1000, 0.03, 0.3226902143914636},       // Pelz-Good
      {1000, 0.2, 1.5528629204250538e-35},    // 2 x Smirnov
      {200000, 0.002, 0.39995085369038097},   // n > 100000: Pelz-Good
      {200000, 0.004, 0.003314212822560255},  // 2 x Smirnov
      {288, 0.06, 0.24116504779660874},       // Pelz-Good
      {120000, 0.003, 0.22983839677697482},   // Pelz-Good
  };
  for (const Case& c : cases) {
    SCOPED_TRACE("n = " + std::to_string(c.n) + ", d = " + std::to_string(c.d));
    expect_close(c.sf, kolmogorov_sf(c.n, c.d), 1e-8);
  }
  EXPECT_EQ(kolmogorov_sf(10, 0.0), 1.0);
  EXPECT_EQ(kolmogorov_sf(10, 1.0), 0.0);
}

// from scipy import special; special.smirnov(n, d)
TEST(SmirnovSf, MatchesScipy) {
  expect_close(0.39676169159999997, smirnov_sf(10, 0.2), 1e-11);
  expect_close(0.1308963539251094, smirnov_sf(400, 0.05), 1e-11);
  expect_close(1.0054875707113316e-32, smirnov_sf(400, 0.3), 1e-11);
  expect_close(0.8133237754763678, smirnov_sf(1000, 0.01), 1e-11);
}

// stats.wasserstein_distance(wave(40,.37,1.13), wave(55,.29,.71,0.3)) -> 0.3280620447253752
// stats.wasserstein_distance(np.floor(3*wave(50,.37,1.13)), np.floor(3*wave(70,.29,.71)))
//   -> 0.37714285714285734
TEST(Wasserstein1d, MatchesScipy) {
  expect_close(0.3280620447253752, wasserstein_1d(wave(40, 0.37, 1.13), wave(55, 0.29, 0.71, 0.3)),
               1e-12);
  expect_close(0.37714285714285734,
               wasserstein_1d(floor3(wave(50, 0.37, 1.13)), floor3(wave(70, 0.29, 0.71))), 1e-12);
  EXPECT_EQ(wasserstein_1d({1, 2, 3}, {3, 2, 1}), 0.0);
  EXPECT_NEAR(wasserstein_1d({0, 1}, {5, 6}), 5.0, 1e-15);  // a shift moves every unit of mass
  EXPECT_THROW(wasserstein_1d({}, {1}), Error);
}

// v = wave(101, 0.37, 1.13) * 3 + 1
// v.mean(), v.std(ddof=1), v.min(), v.max(); np.quantile(v, [0, .01, .25, .5, .9, 1])
TEST(Describe, MatchesNumpy) {
  std::vector<double> v = wave(101, 0.37, 1.13);
  for (double& x : v) x = 3 * x + 1;
  const ColumnSummary s = describe(v, {0.0, 0.01, 0.25, 0.5, 0.9, 1.0});
  EXPECT_EQ(s.count, 101u);
  expect_close(1.0225970106144655, s.mean, 1e-12);
  expect_close(2.3833930315838066, s.std, 1e-12);
  expect_close(-3.474395356881187, s.min, 1e-15);
  expect_close(5.482904970549699, s.max, 1e-15);
  const double q[] = {-3.474395356881187, -3.427396358771574, -0.139959533542672,
                      1.024296261315058,  4.540031919100483,  5.482904970549699};
  ASSERT_EQ(s.quantiles.size(), 6u);
  for (size_t i = 0; i < 6; ++i) expect_close(q[i], s.quantiles[i], 1e-12);
}

TEST(Describe, RejectsBadInput) {
  EXPECT_THROW(describe({}, {0.5}), Error);
  try {
    describe({1.0}, {1.5});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("quantile level must be in [0, 1], got 1.5"),
              std::string::npos)
        << e.what();
  }
}

// i = np.arange(30); m = np.zeros((30, 4))
// m[:,0] = np.sin(.37*i) + .5*np.cos(1.13*i); m[:,1] = np.cos(.53*i + 1)
// m[:,2] = .8*m[:,0] + .3*np.sin(2.1*i);      m[:,3] = np.floor(2*np.sin(.77*i))
// np.corrcoef(m.T)[np.triu_indices(4, 1)]; stats.spearmanr(m).correlation[np.triu_indices(4, 1)]
Matrix correlation_fixture() {
  Matrix m(30, 4);
  for (size_t i = 0; i < 30; ++i) {
    const double t = static_cast<double>(i);
    m(i, 0) = std::sin(0.37 * t) + 0.5 * std::cos(1.13 * t);
    m(i, 1) = std::cos(0.53 * t + 1.0);
    m(i, 2) = 0.8 * m(i, 0) + 0.3 * std::sin(2.1 * t);
    m(i, 3) = std::floor(2 * std::sin(0.77 * t));
  }
  return m;
}

TEST(Correlation, PearsonAndSpearmanMatchScipy) {
  const Matrix m = correlation_fixture();
  const double pearson[] = {0.12650676334302535, 0.9440249276599322,    -0.10409879349154481,
                            0.12478629489999736, -0.006394267033281754, -0.0941994556896419};
  const double spearman[] = {0.12124582869855395, 0.9434927697441602,  -0.13845837110769296,
                             0.10700778642936595, 0.02945429335121777, -0.12825373404112933};
  const Matrix p = pearson_matrix(m), s = spearman_matrix(m);
  size_t t = 0;
  for (size_t a = 0; a < 4; ++a) {
    EXPECT_NEAR(p(a, a), 1.0, 1e-15);
    for (size_t b = a + 1; b < 4; ++b, ++t) {
      expect_close(pearson[t], p(a, b), 1e-11);
      expect_close(spearman[t], s(a, b), 1e-11);
      EXPECT_EQ(p(a, b), p(b, a));
    }
  }
}

// stats.rankdata(m[:8, 3]) -> [4.5 7. 7. 7. 4.5 2. 2. 2.]
TEST(Correlation, AverageRanksMatchScipy) {
  const Matrix m = correlation_fixture();
  std::vector<double> v;
  for (size_t i = 0; i < 8; ++i) v.push_back(m(i, 3));
  const std::vector<double> expected = {4.5, 7, 7, 7, 4.5, 2, 2, 2};
  EXPECT_EQ(average_ranks(v), expected);
}

TEST(Correlation, ConstantColumnIsNaNAndSkipped) {
  Matrix m = correlation_fixture();
  for (size_t i = 0; i < m.rows; ++i) m(i, 1) = 7.0;
  const Matrix p = pearson_matrix(m);
  EXPECT_TRUE(std::isnan(p(0, 1)));
  EXPECT_TRUE(std::isnan(p(1, 1)));
  EXPECT_FALSE(std::isnan(p(0, 2)));
  const MatrixDifference d = upper_triangle_difference(p, p);
  EXPECT_EQ(d.pairs, 3u);
  EXPECT_EQ(d.skipped, 3u);
  EXPECT_EQ(d.mean_abs_diff, 0.0);
}

TEST(Correlation, UpperTriangleDifference) {
  Matrix a(3, 3, 0.0), b(3, 3, 0.0);
  a(0, 1) = 0.5;
  b(0, 1) = 0.2;  // 0.3
  a(0, 2) = -0.4;
  b(0, 2) = 0.2;  // 0.6
  a(1, 2) = 0.1;
  b(1, 2) = 0.1;  // 0
  b(2, 0) = 9.0;  // lower triangle: ignored
  const MatrixDifference d = upper_triangle_difference(a, b);
  EXPECT_EQ(d.pairs, 3u);
  EXPECT_NEAR(d.mean_abs_diff, 0.3, 1e-15);
  EXPECT_NEAR(d.max_abs_diff, 0.6, 1e-15);
  EXPECT_THROW(upper_triangle_difference(a, Matrix(2, 2)), Error);
  EXPECT_THROW(pearson_matrix(Matrix(1, 3)), Error);
}

// r = stats.chi2_contingency([[10, 20, 30], [15, 10, 40]], correction=False)
//   -> (5.5708180708180715, 0.0617038448110195, 2)
TEST(ChiSquare, HomogeneityMatchesScipy) {
  const ChiSquareResult r = chi_square_homogeneity({10, 20, 30, 0}, {15, 10, 40, 0});
  expect_close(5.5708180708180715, r.statistic, 1e-12);
  expect_close(0.0617038448110195, r.pvalue, 1e-10);
  EXPECT_EQ(r.dof, 2);  // the category empty in both samples is dropped
  const ChiSquareResult one = chi_square_homogeneity({5, 0}, {7, 0});
  EXPECT_EQ(one.dof, 0);
  EXPECT_EQ(one.pvalue, 1.0);
}

// [stats.chi2.sf(x, k) for x, k in [(.5,1), (3,2), (10,3), (50,10), (200,150), (1,30)]]
TEST(ChiSquare, SurvivalFunctionMatchesScipy) {
  expect_close(0.47950012218695337, chi_square_sf(0.5, 1), 1e-11);
  expect_close(0.22313016014842982, chi_square_sf(3.0, 2), 1e-11);
  expect_close(0.01856613546304325, chi_square_sf(10.0, 3), 1e-11);
  expect_close(2.669083424904495e-07, chi_square_sf(50.0, 10), 1e-10);
  expect_close(0.003973185970821635, chi_square_sf(200.0, 150), 1e-10);
  expect_close(1.0, chi_square_sf(1.0, 30), 1e-12);
  EXPECT_THROW(chi_square_sf(1.0, 0.0), Error);
}

TEST(ChiSquare, TotalVariationAndCounts) {
  std::vector<double> values, ca, cb;
  category_counts({1, 1, 2, 3}, {2, 2, 4}, values, ca, cb);
  EXPECT_EQ(values, (std::vector<double>{1, 2, 3, 4}));
  EXPECT_EQ(ca, (std::vector<double>{2, 1, 1, 0}));
  EXPECT_EQ(cb, (std::vector<double>{0, 2, 0, 1}));
  // p_a = (.5, .25, .25, 0), p_b = (0, 2/3, 0, 1/3): 0.5 * (.5 + 5/12 + .25 + 1/3) = 0.75
  EXPECT_NEAR(total_variation_distance(ca, cb), 0.75, 1e-15);
  EXPECT_EQ(total_variation_distance(ca, ca), 0.0);
  try {
    total_variation_distance({1, 2}, {1});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("differ in length (2 and 1)"), std::string::npos);
  }
}

}  // namespace
}  // namespace imbgen
