// Nearest neighbours, MMD, precision/recall/density/coverage and privacy distances against
// scikit-learn/scipy/numpy references, plus the behaviour of their permutation and holdout parts.
#include "imbgen/evaluation/distances.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "imbgen/core/error.h"
#include "imbgen/core/rng.h"

namespace imbgen {
namespace {

// The matrices of the reference script below:
//   def real(n, d): i = np.arange(n)[:, None]; j = np.arange(d)[None, :]
//       return np.sin(0.37*(i+1)*(j+1)) + 0.5*np.cos(1.13*i + 0.7*j)
//   def fake(n, d): i = np.arange(n)[:, None]; j = np.arange(d)[None, :]
//       return np.sin(0.29*(i+1)*(j+1) + 0.4) + 0.5*np.cos(0.71*i + 0.3*j) + 0.2
//   X, Y = real(40, 3), fake(50, 3)
Matrix real_rows(size_t n, size_t d) {
  Matrix m(n, d);
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = 0; j < d; ++j) {
      const double ti = static_cast<double>(i), tj = static_cast<double>(j);
      m(i, j) = std::sin(0.37 * (ti + 1) * (tj + 1)) + 0.5 * std::cos(1.13 * ti + 0.7 * tj);
    }
  }
  return m;
}

Matrix fake_rows(size_t n, size_t d) {
  Matrix m(n, d);
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = 0; j < d; ++j) {
      const double ti = static_cast<double>(i), tj = static_cast<double>(j);
      m(i, j) =
          std::sin(0.29 * (ti + 1) * (tj + 1) + 0.4) + 0.5 * std::cos(0.71 * ti + 0.3 * tj) + 0.2;
    }
  }
  return m;
}

Matrix gaussian(size_t n, size_t d, double shift, uint64_t seed) {
  Rng rng(seed);
  Matrix m(n, d);
  for (double& v : m.data) v = rng.normal() + shift;
  return m;
}

// nn = NearestNeighbors(n_neighbors=3).fit(X)
// nn.kneighbors(Y[:4])  /  nn.kneighbors(None)[:4]  (the second excludes each row itself)
TEST(NearestNeighbours, MatchesScikitLearn) {
  const Matrix x = real_rows(40, 3), y = fake_rows(50, 3);
  const Neighbours q = nearest_neighbours(y, x, 3, false, 2);
  const size_t q_idx[] = {0, 17, 34, 0, 17, 34, 1, 18, 34, 37, 20, 2};
  const double q_dist[] = {0.8797921273737118,  1.077205847645795,  1.3152382907775868,
                           0.7100038592401452,  0.8650384974805828, 1.0913560864772036,
                           0.44946244691100284, 0.6030422739434682, 0.7479589230411746,
                           0.38652738784736024, 0.4349491778870227, 0.47840425642371703};
  for (size_t t = 0; t < 12; ++t) {
    EXPECT_EQ(q.indices[t], q_idx[t]) << t;
    EXPECT_NEAR(q.distances[t], q_dist[t], 1e-12) << t;
  }
  const Neighbours s = nearest_neighbours(x, x, 3, true);
  const size_t s_idx[] = {17, 34, 1, 18, 34, 17, 19, 37, 36, 20, 37, 2};
  const double s_dist[] = {0.21472985236108033, 0.4511660922105631,  0.623389356043643,
                           0.2487593235641301,  0.314212640431367,   0.43061895219181595,
                           0.14776870896496921, 0.17033588963176224, 0.29070869816455935,
                           0.23653681374355318, 0.484987994944184,   0.5185359281696821};
  for (size_t t = 0; t < 12; ++t) {
    EXPECT_EQ(s.indices[t], s_idx[t]) << t;
    EXPECT_NEAR(s.distances[t], s_dist[t], 1e-12) << t;
  }
}

TEST(NearestNeighbours, RejectsTooFewRows) {
  const Matrix x = real_rows(3, 2);
  try {
    nearest_neighbours(x, x, 3, true);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("k = 3 needs at least 4 reference rows, got 3"),
              std::string::npos)
        << e.what();
  }
  EXPECT_THROW(nearest_neighbours(x, real_rows(3, 4), 1, false), Error);
}

// Z = np.vstack([X, Y]); s = np.median(pdist(Z))
// K = np.exp(-cdist(Z, Z, 'sqeuclidean') / (2*s*s)); m, n = len(X), len(Y)
// mmd2 = (K[:m,:m].sum() - m)/(m*(m-1)) + (K[m:,m:].sum() - n)/(n*(n-1)) - 2*K[:m,m:].mean()
//   -> s = 1.744736152593462, mmd2 = -0.0010747723489268335
TEST(Mmd, MatchesNumpyReference) {
  const MmdResult r = mmd_rbf(real_rows(40, 3), fake_rows(50, 3), 0, 1);
  EXPECT_NEAR(r.bandwidth, 1.744736152593462, 1e-12);
  EXPECT_NEAR(r.mmd2, -0.0010747723489268335, 1e-13);
  EXPECT_EQ(r.pvalue, 1.0);  // (1 + 0) / (1 + 0) with no permutations
}

TEST(Mmd, PermutationPValueSeparatesShiftFromNoShift) {
  const Matrix a = gaussian(60, 4, 0.0, 1), same = gaussian(80, 4, 0.0, 2);
  const Matrix shifted = gaussian(80, 4, 1.0, 3);
  const MmdResult null = mmd_rbf(a, same, 200, 7, 0.0, 2);
  const MmdResult alt = mmd_rbf(a, shifted, 200, 7, 0.0, 2);
  EXPECT_GT(null.pvalue, 0.05);
  EXPECT_NEAR(alt.pvalue, 1.0 / 201.0, 1e-15);  // no permutation reaches the observed value
  EXPECT_GT(alt.mmd2, 10 * std::abs(null.mmd2));
  // Same seed, same p-value, whatever the thread count.
  EXPECT_EQ(mmd_rbf(a, same, 200, 7, 0.0, 1).pvalue, null.pvalue);
}

TEST(Mmd, RejectsSingleRow) {
  try {
    mmd_rbf(real_rows(1, 3), fake_rows(5, 3), 10, 1);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("at least 2 rows, got 1 and 5"), std::string::npos);
  }
}

// k = 3; rr = np.sort(cdist(X, X), axis=1)[:, k]; fr = np.sort(cdist(Y, Y), axis=1)[:, k]
// D = cdist(X, Y)
// precision = (D < rr[:, None]).any(axis=0).mean();  recall = (D < fr[None, :]).any(axis=1).mean()
// density = (D < rr[:, None]).sum(axis=0).mean() / k; coverage = (D.min(axis=1) < rr).mean()
//   -> 0.68, 1.0, 0.5466666666666666, 0.8
TEST(Prdc, MatchesNaeemReferenceFormulas) {
  const Prdc p = prdc(real_rows(40, 3), fake_rows(50, 3), 3, 2);
  EXPECT_NEAR(p.precision, 0.68, 1e-15);
  EXPECT_NEAR(p.recall, 1.0, 1e-15);
  EXPECT_NEAR(p.density, 0.5466666666666666, 1e-15);
  EXPECT_NEAR(p.coverage, 0.8, 1e-15);
}

TEST(Prdc, SameDistributionScoresHighAndCollapseScoresLowRecall) {
  const Matrix real = gaussian(300, 5, 0.0, 11);
  const Prdc good = prdc(real, gaussian(300, 5, 0.0, 12), 5);
  EXPECT_GT(good.precision, 0.8);
  EXPECT_GT(good.recall, 0.8);
  EXPECT_GT(good.coverage, 0.8);
  EXPECT_NEAR(good.density, 1.0, 0.25);
  // Mode collapse: every fake row near one real region (a small cloud around the origin).
  Matrix collapsed = gaussian(300, 5, 0.0, 13);
  for (double& v : collapsed.data) v *= 0.1;
  const Prdc bad = prdc(real, collapsed, 5);
  EXPECT_LT(bad.recall, 0.2);
  EXPECT_LT(bad.coverage, 0.2);
  EXPECT_GT(bad.precision, 0.9);  // the rows themselves are plausible
  EXPECT_THROW(prdc(real, gaussian(5, 5, 0, 1), 5), Error);
}

// mu, sd = X.mean(axis=0), X.std(axis=0)
// Dz = np.sort(cdist((Y - mu)/sd, (X - mu)/sd), axis=1); dcr = Dz[:, 0]; nndr = Dz[:, 0]/Dz[:, 1]
// np.median(dcr), np.percentile(dcr, 5), dcr.mean(), np.median(nndr), np.percentile(nndr, 5)
TEST(Privacy, DistancesMatchNumpyReference) {
  const PrivacyResult p = privacy_metrics(real_rows(40, 3), fake_rows(50, 3), nullptr, 1);
  EXPECT_EQ(p.n_query, 50u);
  EXPECT_NEAR(p.dcr_median, 0.7785261553351311, 1e-12);
  EXPECT_NEAR(p.dcr_p05, 0.30464503118501485, 1e-12);
  EXPECT_NEAR(p.dcr_mean, 0.7680347725275564, 1e-12);
  EXPECT_NEAR(p.nndr_median, 0.8228214477609022, 1e-12);
  EXPECT_NEAR(p.nndr_p05, 0.5849547326577519, 1e-12);
  EXPECT_EQ(p.exact_copies, 0u);
  EXPECT_TRUE(std::isnan(p.holdout_share));
}

TEST(Privacy, CopiesAreCountedAndCloserToTraining) {
  const Matrix train = gaussian(100, 4, 0.0, 21), holdout = gaussian(100, 4, 0.0, 22);
  Matrix copies = train.select_rows({3, 3, 10, 50, 99});
  copies(4, 0) += 1e-9;  // a near copy is not an exact copy
  const PrivacyResult p = privacy_metrics(train, copies, &holdout, 5);
  EXPECT_EQ(p.exact_copies, 4u);
  EXPECT_EQ(p.dcr_median, 0.0);
  EXPECT_EQ(p.holdout_share, 1.0);
  EXPECT_EQ(p.reference_rows, 100u);
  // Fresh rows from the same distribution are as close to one set as to the other.
  const PrivacyResult fresh = privacy_metrics(train, gaussian(400, 4, 0.0, 23), &holdout, 5);
  EXPECT_NEAR(fresh.holdout_share, 0.5, 0.1);
  EXPECT_EQ(fresh.exact_copies, 0u);
}

TEST(Privacy, ReferenceLeavesEachHoldoutRowOut) {
  const Matrix train = gaussian(150, 4, 0.0, 31), holdout = gaussian(120, 4, 0.0, 32);
  const PrivacyResult r = privacy_reference(train, holdout, 9);
  EXPECT_EQ(r.n_query, 120u);
  EXPECT_EQ(r.reference_rows, 119u);
  EXPECT_NEAR(r.holdout_share, 0.5, 0.12);  // not 0: a row is never its own neighbour
  EXPECT_GT(r.dcr_median, 0.0);
  try {
    privacy_reference(train, gaussian(1, 4, 0.0, 1), 9);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("at least 2 holdout rows, got 1"), std::string::npos);
  }
}

}  // namespace
}  // namespace imbgen
