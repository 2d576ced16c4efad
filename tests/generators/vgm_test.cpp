// The 1-D variational Gaussian mixture behind CTGAN's mode-specific normalisation: the updates,
// modes, means, weights and deviations against scikit-learn's BayesianGaussianMixture, digamma
// against scipy.
#include "generators/vgm.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "imbgen/core/error.h"

namespace imbgen {
namespace {

// Three well-separated Gaussians (means -5, 0, 6; sd 0.5, 1, 0.7; 200, 300, 100 values) from a
// deterministic sequence both C++ and Python compute the same way: u1, u2 from the additive
// recurrence with the plastic-number constants, then Box-Muller.
std::vector<double> three_modes() {
  const double mu[] = {-5.0, 0.0, 6.0};
  const double sd[] = {0.5, 1.0, 0.7};
  const int count[] = {200, 300, 100};
  std::vector<double> out;
  int i = 0;
  for (int c = 0; c < 3; ++c) {
    for (int k = 0; k < count[c]; ++k) {
      ++i;
      const double u1 = std::fmod(i * 0.7548776662466927, 1.0);
      const double u2 = std::fmod(i * 0.5698402909980532, 1.0);
      const double z = std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * M_PI * u2);
      out.push_back(mu[c] + sd[c] * z);
    }
  }
  return out;
}

// The variational updates against scikit-learn 1.2 (/usr/bin/python3) started from the same
// assignment: the values in 10 equal-count bins by rank.
//   x = three_modes(); n = len(x)
//   labels = (np.argsort(np.argsort(x, kind='stable'), kind='stable') * 10) // n
//   class Fixed(BayesianGaussianMixture):
//       def _initialize_parameters(self, X, random_state):
//           resp = np.zeros((len(X), 10)); resp[np.arange(len(X)), labels] = 1
//           self._initialize(X, resp)
//   g = Fixed(n_components=10, weight_concentration_prior_type='dirichlet_process',
//             weight_concentration_prior=0.001, n_init=1).fit(x.reshape(-1, 1))
// -> n_iter_ 100 (not converged); weights_ > 0.005 at components 1, 4, 5, 9:
//    weights_ 0.3364660938, 0.2050039649, 0.2866279263, 0.1595044694
//    means_   -4.9765877128, 0.0132895569, 0.0110170032, 5.9400245296
//    sqrt(covariances_) 0.6550747717, 1.0667644235, 0.9990974015, 1.0446737549
// The middle clump stays split in two co-located components (scikit-learn's result too).
TEST(Vgm, UpdatesMatchScikitLearnFromTheSameStart) {
  const std::vector<double> x = three_modes();
  std::vector<size_t> order(x.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return x[a] < x[b]; });
  std::vector<int> labels(x.size());
  for (size_t r = 0; r < order.size(); ++r) labels[order[r]] = static_cast<int>(r * 10 / x.size());
  const Vgm vgm = fit_vgm_from_labels(x, labels, VgmOptions{});
  const double kept = 0.3364660938 + 0.2050039649 + 0.2866279263 + 0.1595044694;
  // Ordered by mean: components 1, 5, 4, 9.
  const double weights[] = {0.3364660938 / kept, 0.2866279263 / kept, 0.2050039649 / kept,
                            0.1595044694 / kept};
  const double means[] = {-4.9765877128, 0.0110170032, 0.0132895569, 5.9400245296};
  const double sds[] = {0.6550747717, 0.9990974015, 1.0667644235, 1.0446737549};
  ASSERT_EQ(vgm.modes(), 4u);
  for (size_t k = 0; k < 4; ++k) {
    EXPECT_NEAR(vgm.weights[k], weights[k], 1e-9) << k;
    EXPECT_NEAR(vgm.means[k], means[k], 1e-9) << k;
    EXPECT_NEAR(vgm.stds[k], sds[k], 1e-9) << k;
  }
}

// With k-means initialisation scikit-learn finds the three modes for random_state 0, 1, 2, 4
// (random_state=1: weights 0.3377429, 0.49589824, 0.16635886; means -4.97492955, 0.01491384,
// 5.93837225; sds 0.6570505, 1.00514631, 1.04623777) and stops at max_iter with the middle clump
// split for random_state=3. Here seeds 1, 2, 7-11 give three modes and 3-6, 12 a split middle
// clump; whatever the seed, each clump's total weight and mean come out the same.
TEST(Vgm, FindsTheModesOfAWellSeparatedMixture) {
  const std::vector<double> x = three_modes();
  const double weights[] = {0.3377429, 0.49589824, 0.16635886};
  const double means[] = {-4.97492955, 0.01491384, 5.93837225};
  const double sds[] = {0.6570505, 1.00514631, 1.04623777};
  for (uint64_t seed : {1u, 2u, 7u, 8u}) {
    const Vgm vgm = fit_vgm(x, VgmOptions{}, seed);
    ASSERT_EQ(vgm.modes(), 3u) << "seed " << seed;
    for (size_t k = 0; k < 3; ++k) {
      EXPECT_NEAR(vgm.weights[k], weights[k], 0.01) << "seed " << seed << " mode " << k;
      EXPECT_NEAR(vgm.means[k], means[k], 0.01) << "seed " << seed << " mode " << k;
      EXPECT_NEAR(vgm.stds[k], sds[k], 0.02) << "seed " << seed << " mode " << k;
    }
  }
  for (uint64_t seed = 1; seed <= 12; ++seed) {
    const Vgm vgm = fit_vgm(x, VgmOptions{}, seed);
    EXPECT_GE(vgm.modes(), 3u) << "seed " << seed;
    EXPECT_LE(vgm.modes(), 4u) << "seed " << seed;
    for (size_t c = 0; c < 3; ++c) {
      double w = 0, m = 0;
      for (size_t k = 0; k < vgm.modes(); ++k) {
        if (std::abs(vgm.means[k] - means[c]) < 2.0) {
          w += vgm.weights[k];
          m += vgm.weights[k] * vgm.means[k];
        }
      }
      EXPECT_NEAR(w, weights[c], 0.015) << "seed " << seed << " clump " << c;
      EXPECT_NEAR(m / w, means[c], 0.05) << "seed " << seed << " clump " << c;
    }
  }
}

TEST(Vgm, OneGaussianNeedsFewModesAndTheSameSeedRepeats) {
  std::vector<double> x = three_modes();
  x.resize(200);  // the first component only
  const Vgm a = fit_vgm(x, VgmOptions{}, 9);
  const Vgm b = fit_vgm(x, VgmOptions{}, 9);
  EXPECT_EQ(a.means, b.means);
  EXPECT_EQ(a.weights, b.weights);
  ASSERT_GE(a.modes(), 1u);
  EXPECT_LE(a.modes(), 3u);
  double w = 0, mean = 0;
  for (size_t k = 0; k < a.modes(); ++k) {
    w += a.weights[k];
    mean += a.weights[k] * a.means[k];
  }
  EXPECT_NEAR(w, 1.0, 1e-12);
  EXPECT_NEAR(mean, -5.0, 0.1);
}

TEST(Vgm, PosteriorPicksTheNearestModeAndSumsToOne) {
  const Vgm vgm = fit_vgm(three_modes(), VgmOptions{}, 1);
  ASSERT_EQ(vgm.modes(), 3u);
  for (double v : {-5.2, 0.3, 6.1}) {
    const std::vector<double> p = vgm.posterior(v);
    double sum = 0;
    size_t best = 0;
    for (size_t k = 0; k < p.size(); ++k) {
      sum += p[k];
      if (p[k] > p[best]) best = k;
    }
    EXPECT_NEAR(sum, 1.0, 1e-12);
    EXPECT_GT(p[best], 0.99) << v;
    EXPECT_NEAR(vgm.means[best], v, 1.0) << v;
  }
}

// scikit-learn (n_components=2, otherwise as above, random_state 0 to 2) on 30 ones and 40 fives:
// weights [0.57746453, 0.42253547], means [4.95818815, 1.07373272], sds [0.40851585,
// 0.53974735]. On 3 ones and 4 fives it keeps a single mode (mean 3.28571429): the prior wins.
TEST(Vgm, TwoValuesGiveTwoModesOnceThereAreEnoughOfThem) {
  std::vector<double> x(30, 1.0);
  x.insert(x.end(), 40, 5.0);
  const Vgm vgm = fit_vgm(x, VgmOptions{}, 4);
  ASSERT_EQ(vgm.modes(), 2u);
  EXPECT_NEAR(vgm.weights[0], 0.42253547, 1e-6);
  EXPECT_NEAR(vgm.means[0], 1.07373272, 1e-6);
  EXPECT_NEAR(vgm.stds[0], 0.53974735, 1e-6);
  EXPECT_NEAR(vgm.means[1], 4.95818815, 1e-6);
  EXPECT_NEAR(vgm.stds[1], 0.40851585, 1e-6);
  const Vgm few = fit_vgm({1, 1, 1, 5, 5, 5, 5}, VgmOptions{}, 4);
  ASSERT_EQ(few.modes(), 1u);
  EXPECT_NEAR(few.means[0], 3.28571429, 1e-6);
}

// 60 values in two tight clumps: the components k-means leaves empty keep a stick-breaking
// weight near 1 / 61 > 0.005, so only the min_rows rule drops them.
TEST(Vgm, EmptyComponentsAreDroppedOnSmallData) {
  std::vector<double> x;
  for (int i = 0; i < 60; ++i) x.push_back((i % 2 ? 10.0 : -10.0) + 0.01 * (i % 7));
  for (uint64_t seed : {1u, 2u, 3u}) {
    const Vgm vgm = fit_vgm(x, VgmOptions{}, seed);
    ASSERT_EQ(vgm.modes(), 2u) << "seed " << seed;
    // The mean prior (the overall mean, about 0) with precision 1 pulls each mean in by 1 / 31.
    EXPECT_NEAR(vgm.means[0], -10.0 * 30 / 31, 0.05);
    EXPECT_NEAR(vgm.means[1], 10.0 * 30 / 31, 0.05);
  }
  VgmOptions keep_empty;
  keep_empty.min_rows = 0.0;
  size_t more = 0;
  for (uint64_t seed : {1u, 2u, 3u}) more += fit_vgm(x, keep_empty, seed).modes() > 2 ? 1 : 0;
  EXPECT_GT(more, 0u);
}

TEST(Vgm, RejectsAConstantColumn) {
  try {
    fit_vgm({2.0, 2.0, 2.0}, VgmOptions{}, 1);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInvalidArgument);
    EXPECT_STREQ(e.what(), "fit_vgm: expected at least 2 distinct values, got 1");
  }
}

// scipy.special.digamma(v) for v in (0.5, 1.0, 3.7, 12.25, 150.0):
// -1.9635100260214235, -0.5772156649015329, 1.1671535393615113, 2.4641546551853692,
// 5.007298257075679
TEST(Vgm, DigammaMatchesScipy) {
  EXPECT_NEAR(digamma(0.5), -1.9635100260214235, 1e-12);
  EXPECT_NEAR(digamma(1.0), -0.5772156649015329, 1e-12);
  EXPECT_NEAR(digamma(3.7), 1.1671535393615113, 1e-12);
  EXPECT_NEAR(digamma(12.25), 2.4641546551853692, 1e-12);
  EXPECT_NEAR(digamma(150.0), 5.007298257075679, 1e-12);
}

}  // namespace
}  // namespace imbgen
