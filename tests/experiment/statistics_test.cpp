// Statistics of repeated cross-validation checked against scipy 1.10: t-intervals, the corrected
// resampled t-test (Nadeau & Bengio 2003) and the Wilcoxon signed-rank test.
#include "imbgen/experiment/statistics.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "imbgen/core/error.h"

namespace imbgen {
namespace {

// Reference values from /usr/bin/python3 (numpy, scipy 1.10.1):
//   import numpy as np, scipy.stats as st
//   v = np.array([0.81,0.79,0.85,0.83,0.80,0.78,0.84,0.82,0.86,0.80])
//   m = v.mean(); s = v.std(ddof=1)                     # 0.8180000000000002 0.026583202716502486
//   st.t.interval(0.95, 9, loc=m, scale=st.sem(v))     # (0.798983522354413, 0.8370164776455874)
//   st.t.interval(0.90, 9, loc=m, scale=st.sem(v))     # (0.8025902169487613, 0.833409783051239)
//   st.t.interval(0.95, 9, loc=m, scale=np.sqrt((1/10 + 0.25) * v.var(ddof=1)))
//                                                      # (0.7824234279734836, 0.8535765720265167)
const std::vector<double> kValues = {0.81, 0.79, 0.85, 0.83, 0.80, 0.78, 0.84, 0.82, 0.86, 0.80};

TEST(MeanInterval, MatchesScipyTInterval) {
  const MeanInterval plain = mean_interval(kValues, 0.95);
  EXPECT_EQ(plain.n, 10u);
  EXPECT_NEAR(plain.mean, 0.8180000000000002, 1e-15);
  EXPECT_NEAR(plain.std, 0.026583202716502486, 1e-15);
  EXPECT_NEAR(plain.ci_low, 0.798983522354413, 1e-12);
  EXPECT_NEAR(plain.ci_high, 0.8370164776455874, 1e-12);
  const MeanInterval ninety = mean_interval(kValues, 0.90);
  EXPECT_NEAR(ninety.ci_low, 0.8025902169487613, 1e-12);
  EXPECT_NEAR(ninety.ci_high, 0.833409783051239, 1e-12);
}

TEST(MeanInterval, NadeauBengioCorrectionWidensTheInterval) {
  const MeanInterval corrected = mean_interval(kValues, 0.95, 1.0 / 10 + 0.25);
  EXPECT_NEAR(corrected.ci_low, 0.7824234279734836, 1e-12);
  EXPECT_NEAR(corrected.ci_high, 0.8535765720265167, 1e-12);
}

TEST(MeanInterval, SkipsNaNAndHandlesTinySamples) {
  std::vector<double> v = kValues;
  v.push_back(std::nan(""));
  const MeanInterval with_nan = mean_interval(v, 0.95);
  EXPECT_EQ(with_nan.n, 10u);
  EXPECT_NEAR(with_nan.ci_low, 0.798983522354413, 1e-12);
  const MeanInterval one = mean_interval({0.5}, 0.95);
  EXPECT_EQ(one.n, 1u);
  EXPECT_DOUBLE_EQ(one.mean, 0.5);
  EXPECT_TRUE(std::isnan(one.ci_low));
  EXPECT_TRUE(std::isnan(one.std));
  const MeanInterval constant = mean_interval({0.7, 0.7, 0.7}, 0.95);
  EXPECT_DOUBLE_EQ(constant.ci_low, 0.7);
  EXPECT_DOUBLE_EQ(constant.ci_high, 0.7);
  EXPECT_TRUE(std::isnan(mean_interval({}, 0.95).mean));
}

TEST(MeanInterval, RejectsABadConfidence) {
  try {
    mean_interval(kValues, 1.5);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("confidence must be in (0, 1), got 1.5"),
              std::string::npos)
        << e.what();
  }
}

// Paired samples of 10 folds.
//   a = np.array([0.91,0.88,0.93,0.90,0.87,0.92,0.89,0.94,0.90,0.91])
//   b = np.array([0.89,0.87,0.90,0.91,0.85,0.90,0.88,0.91,0.88,0.90])
//   d = a - b; J = 10; r = 0.25
//   t = d.mean() / np.sqrt((1/J + r) * d.var(ddof=1)); p = 2 * st.t.sf(abs(t), J - 1)
//     # d.mean() 0.016000000000000004, t 2.304073731539134, p 0.04668712530587354
//   st.t.interval(0.95, J-1, loc=d.mean(), scale=np.sqrt((1/J + r) * d.var(ddof=1)))
//     # (0.00029107796837832614, 0.03170892203162168)
//   st.ttest_rel(a, b)  # statistic=4.310527248642599, pvalue=0.0019601743970654264
//   st.wilcoxon(a, b, zero_method="wilcox", correction=False, method="auto")
//     # statistic=2.5, pvalue=0.009765625
const std::vector<double> kA = {0.91, 0.88, 0.93, 0.90, 0.87, 0.92, 0.89, 0.94, 0.90, 0.91};
const std::vector<double> kB = {0.89, 0.87, 0.90, 0.91, 0.85, 0.90, 0.88, 0.91, 0.88, 0.90};

TEST(CorrectedResampledTTest, MatchesTheHandComputedStatistic) {
  const PairedTTest r = corrected_resampled_ttest(kA, kB, 0.25, 0.95);
  EXPECT_EQ(r.n, 10u);
  EXPECT_NEAR(r.diff, 0.016000000000000004, 1e-15);
  EXPECT_NEAR(r.t, 2.304073731539134, 1e-12);
  EXPECT_NEAR(r.pvalue, 0.04668712530587354, 1e-12);
  EXPECT_NEAR(r.ci_low, 0.00029107796837832614, 1e-12);
  EXPECT_NEAR(r.ci_high, 0.03170892203162168, 1e-12);
  // The interval excludes 0 exactly when p < 1 - confidence.
  EXPECT_GT(r.ci_low, 0.0);
  EXPECT_LT(r.pvalue, 0.05);
}

TEST(CorrectedResampledTTest, WithoutCorrectionIsScipysTtestRel) {
  const PairedTTest r = corrected_resampled_ttest(kA, kB, 0.0);
  EXPECT_NEAR(r.t, 4.310527248642599, 1e-12);
  EXPECT_NEAR(r.pvalue, 0.0019601743970654264, 1e-12);
  // Swapping the samples flips the sign only.
  const PairedTTest s = corrected_resampled_ttest(kB, kA, 0.0);
  EXPECT_NEAR(s.t, -4.310527248642599, 1e-12);
  EXPECT_NEAR(s.pvalue, r.pvalue, 1e-15);
}

TEST(CorrectedResampledTTest, DegenerateCases) {
  const PairedTTest same = corrected_resampled_ttest(kA, kA, 0.25);
  EXPECT_DOUBLE_EQ(same.diff, 0.0);
  EXPECT_DOUBLE_EQ(same.pvalue, 1.0);
  // Every difference exactly 0.5 (binary fractions): zero variance, a certain difference.
  const std::vector<double> halves = {0.5, 0.25, 0.75, 0.5};
  const std::vector<double> shifted_halves = {1.0, 0.75, 1.25, 1.0};
  const PairedTTest constant = corrected_resampled_ttest(shifted_halves, halves, 0.25);
  EXPECT_DOUBLE_EQ(constant.diff, 0.5);
  EXPECT_DOUBLE_EQ(constant.pvalue, 0.0);
  const PairedTTest one = corrected_resampled_ttest({0.9}, {0.8}, 0.25);
  EXPECT_EQ(one.n, 1u);
  EXPECT_TRUE(std::isnan(one.pvalue));
  // Pairs with a NaN are left out.
  std::vector<double> a = kA, b = kB;
  a.push_back(std::nan(""));
  b.push_back(0.5);
  EXPECT_NEAR(corrected_resampled_ttest(a, b, 0.25).pvalue, 0.04668712530587354, 1e-12);
}

TEST(CorrectedResampledTTest, RejectsUnpairedSamples) {
  try {
    corrected_resampled_ttest({0.1, 0.2}, {0.1}, 0.25);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("differ in length (2 and 1)"), std::string::npos)
        << e.what();
  }
  EXPECT_THROW(corrected_resampled_ttest(kA, kB, -0.1), Error);
}

TEST(WilcoxonSignedRank, ExactWithTiedDifferencesMatchesScipy) {
  const WilcoxonResult r = wilcoxon_signed_rank(kA, kB);
  EXPECT_TRUE(r.exact);
  EXPECT_EQ(r.n, 10u);
  EXPECT_DOUBLE_EQ(r.statistic, 2.5);
  EXPECT_NEAR(r.pvalue, 0.009765625, 1e-15);
}

// Differences given directly (b = 0):
//   x = [0.12,-0.05,0.33,0.21,-0.17,0.08,0.27,0.41,-0.02,0.15]
//   st.wilcoxon(x)  # statistic=9.0, pvalue=0.064453125 (exact)
//   y = [0.1,0.1,-0.1,0.2,0.3,0.3,0.3,-0.4]
//   st.wilcoxon(y)  # statistic=10.0, pvalue=0.3125 (exact; R+ = 26 from tied ranks)
//   z = [0.1,0.0,-0.3,0.2,0.5,0.0,0.7,0.6,-0.1,0.4,0.8,0.9]
//   st.wilcoxon(z)  # statistic=5.5, pvalue=0.024838501704883265 (zeros: normal approximation)
WilcoxonResult wilcoxon_of(const std::vector<double>& d) {
  return wilcoxon_signed_rank(d, std::vector<double>(d.size(), 0.0));
}

TEST(WilcoxonSignedRank, ExactAndApproximateMatchScipy) {
  const WilcoxonResult x =
      wilcoxon_of({0.12, -0.05, 0.33, 0.21, -0.17, 0.08, 0.27, 0.41, -0.02, 0.15});
  EXPECT_TRUE(x.exact);
  EXPECT_DOUBLE_EQ(x.statistic, 9.0);
  EXPECT_NEAR(x.pvalue, 0.064453125, 1e-15);
  const WilcoxonResult y = wilcoxon_of({0.1, 0.1, -0.1, 0.2, 0.3, 0.3, 0.3, -0.4});
  EXPECT_TRUE(y.exact);
  EXPECT_DOUBLE_EQ(y.statistic, 10.0);
  EXPECT_NEAR(y.pvalue, 0.3125, 1e-15);
  const WilcoxonResult z =
      wilcoxon_of({0.1, 0.0, -0.3, 0.2, 0.5, 0.0, 0.7, 0.6, -0.1, 0.4, 0.8, 0.9});
  EXPECT_FALSE(z.exact);
  EXPECT_EQ(z.n, 10u);
  EXPECT_DOUBLE_EQ(z.statistic, 5.5);
  EXPECT_NEAR(z.pvalue, 0.024838501704883265, 1e-12);
}

// More than 50 differences, with ties and two zeros (0.0 and -0.0):
//   rng = np.random.RandomState(3); w = np.round(rng.normal(0.05, 0.2, 60), 2)
//   st.wilcoxon(w)  # statistic=853.0, pvalue=0.984554494836614
TEST(WilcoxonSignedRank, LargeSampleWithTiesUsesTheCorrectedNormalApproximation) {
  const std::vector<double> w = {
      0.41,  0.14,  0.07, -0.32, -0.01, -0.02, 0.03,  -0.08, 0.04,  -0.05, -0.21, 0.23,
      0.23,  0.39,  0.06, -0.03, -0.06, -0.26, 0.25,  -0.17, -0.19, 0.01,  0.35,  0.1,
      -0.15, -0.09, 0.18, 0.02,  -0.1,  0.0,   0.2,   0.45,  -0.2,  -0.08, -0.11, -0.43,
      -0.13, -0.15, 0.27, 0.02,  -0.27, 0.18,  -0.02, -0.3,  -0.07, -0.07, -0.12, 0.06,
      -0.4,  -0.0,  0.25, 0.22,  0.27,  0.27,  0.35,  -0.17, 0.22,  -0.32, -0.07, -0.33};
  const WilcoxonResult r = wilcoxon_of(w);
  EXPECT_FALSE(r.exact);
  EXPECT_EQ(r.n, 58u);
  EXPECT_DOUBLE_EQ(r.statistic, 853.0);
  EXPECT_NEAR(r.pvalue, 0.984554494836614, 1e-12);
}

TEST(WilcoxonSignedRank, AllZeroDifferencesMeanNoEvidence) {
  const WilcoxonResult r = wilcoxon_signed_rank(kA, kA);
  EXPECT_EQ(r.n, 0u);
  EXPECT_DOUBLE_EQ(r.pvalue, 1.0);
  EXPECT_TRUE(std::isnan(wilcoxon_signed_rank({}, {}).pvalue));
  EXPECT_THROW(wilcoxon_signed_rank({0.1}, {}), Error);
}

// st.t.cdf(-2.1, 9) 0.03255914120607599; st.t.cdf(0.7, 3.5) 0.7361829288271604
// st.t.ppf(0.975, 9) 2.2621571627409915; st.t.ppf(0.025, 1) -12.706204736432102
// scipy's quantile (cephes stdtri) is good to ~2e-11 relative: for df = 1 (Cauchy) the exact value
// tan(pi (p - 1/2)) = -12.706204736174705 is what Boost.Math returns, 2.6e-10 from scipy's.
TEST(StudentT, CdfAndQuantileMatchScipy) {
  EXPECT_NEAR(student_t_cdf(-2.1, 9), 0.03255914120607599, 1e-14);
  EXPECT_NEAR(student_t_cdf(0.7, 3.5), 0.7361829288271604, 1e-14);
  EXPECT_NEAR(student_t_quantile(0.975, 9), 2.2621571627409915, 1e-9);
  EXPECT_NEAR(student_t_quantile(0.025, 1), -12.706204736432102, 1e-9);
  EXPECT_NEAR(student_t_quantile(0.025, 1), std::tan(M_PI * (0.025 - 0.5)), 1e-12);
  EXPECT_NEAR(student_t_cdf(student_t_quantile(0.975, 9), 9), 0.975, 1e-15);
  try {
    student_t_quantile(0.5, 0);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("degrees of freedom must be > 0, got 0"),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace imbgen
