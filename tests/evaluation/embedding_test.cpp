// PCA and trustworthiness against scikit-learn; t-SNE on separated blobs keeps neighbourhoods,
// lowers its KL divergence while optimising, and is reproducible.
#include "imbgen/evaluation/embedding.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "imbgen/core/error.h"
#include "imbgen/core/rng.h"
#include "imbgen/evaluation/distances.h"

namespace imbgen {
namespace {

// W = real(60, 4); W[:, 2] += 2*W[:, 0] with
//   def real(n, d): i = np.arange(n)[:, None]; j = np.arange(d)[None, :]
//       return np.sin(0.37*(i+1)*(j+1)) + 0.5*np.cos(1.13*i + 0.7*j)
Matrix pca_fixture() {
  Matrix m(60, 4);
  for (size_t i = 0; i < 60; ++i) {
    for (size_t j = 0; j < 4; ++j) {
      const double ti = static_cast<double>(i), tj = static_cast<double>(j);
      m(i, j) = std::sin(0.37 * (ti + 1) * (tj + 1)) + 0.5 * std::cos(1.13 * ti + 0.7 * tj);
    }
    m(i, 2) += 2 * m(i, 0);
  }
  return m;
}

// p = PCA(2).fit(W): p.components_, p.explained_variance_, p.explained_variance_ratio_,
// p.transform(W[:2])
TEST(Pca, MatchesScikitLearnUpToSign) {
  const Matrix w = pca_fixture();
  const Pca p = fit_pca(w, 2);
  const double components[2][4] = {
      {-0.3865204530905313, -0.06414809681000211, -0.9169609483419371, 0.07529661502485027},
      {-0.0562580830438421, -0.5760881676585267, -0.0029448443519402012, -0.815443915341709}};
  const double projected[2][2] = {{-2.630846312725275, -1.2654513938257894},
                                  {-2.212141282224394, -0.29133678963663295}};
  const Matrix t = p.transform(w.select_rows({0, 1}));
  for (size_t c = 0; c < 2; ++c) {
    const double sign = (p.components(c, 0) * components[c][0] < 0) ? -1.0 : 1.0;
    for (size_t j = 0; j < 4; ++j) EXPECT_NEAR(sign * p.components(c, j), components[c][j], 1e-10);
    for (size_t i = 0; i < 2; ++i) EXPECT_NEAR(sign * t(i, c), projected[i][c], 1e-10);
  }
  EXPECT_NEAR(p.explained_variance[0], 3.988055397346176, 1e-10);
  EXPECT_NEAR(p.explained_variance[1], 0.6790112356282468, 1e-10);
  EXPECT_NEAR(p.explained_variance_ratio[0], 0.7603316299366478, 1e-12);
  EXPECT_NEAR(p.explained_variance_ratio[1], 0.12945500202280863, 1e-12);
  // Our sign convention: the largest loading of each component is positive.
  EXPECT_GT(p.components(0, 2), 0.0);
  EXPECT_GT(p.components(1, 3), 0.0);
}

TEST(Pca, RejectsBadShapes) {
  EXPECT_THROW(fit_pca(Matrix(1, 3), 1), Error);
  try {
    fit_pca(Matrix(5, 3), 4);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("n_components must be in [1, 3], got 4"),
              std::string::npos);
  }
  EXPECT_THROW(fit_pca(pca_fixture(), 2).transform(Matrix(2, 3)), Error);
}

// trustworthiness(W, W[:, :2], n_neighbors=5) -> 0.9407051282051282
// trustworthiness(W, PCA(2).fit(W).transform(W), n_neighbors=5) -> 0.9782692307692308
TEST(Trustworthiness, MatchesScikitLearn) {
  const Matrix w = pca_fixture();
  Matrix first_two(60, 2);
  for (size_t i = 0; i < 60; ++i) {
    first_two(i, 0) = w(i, 0);
    first_two(i, 1) = w(i, 1);
  }
  EXPECT_NEAR(trustworthiness(w, first_two, 5), 0.9407051282051282, 1e-12);
  EXPECT_NEAR(trustworthiness(w, fit_pca(w, 2).transform(w), 5, 2), 0.9782692307692308, 1e-12);
  EXPECT_NEAR(trustworthiness(w, w, 5), 1.0, 1e-15);
  EXPECT_THROW(trustworthiness(w, first_two, 30), Error);  // k must be < n / 2
}

// Four Gaussian blobs in 10 dimensions, centres 10 apart on the axes, 50 points each.
Matrix blobs(std::vector<int>& label) {
  Rng rng(5);
  Matrix x(200, 10);
  label.assign(200, 0);
  for (size_t i = 0; i < 200; ++i) {
    label[i] = static_cast<int>(i / 50);
    for (size_t j = 0; j < 10; ++j)
      x(i, j) = rng.normal() + (static_cast<int>(j) == label[i] ? 10 : 0);
  }
  return x;
}

TEST(Tsne, KeepsNeighbourhoodsOfSeparatedBlobs) {
  std::vector<int> label;
  const Matrix x = blobs(label);
  TsneConfig config;  // scikit-learn's defaults: perplexity 30, 1000 iterations, theta 0.5
  config.threads = 2;
  const TsneResult r = tsne(x, config);
  ASSERT_EQ(r.embedding.rows, 200u);
  ASSERT_EQ(r.embedding.cols, 2u);
  EXPECT_GE(trustworthiness(x, r.embedding, 5), 0.9);
  // Every point's nearest neighbour on the map belongs to its own blob.
  const Neighbours nn = nearest_neighbours(r.embedding, r.embedding, 1, true);
  int same = 0;
  for (size_t i = 0; i < 200; ++i) same += label[nn.indices[i]] == label[i] ? 1 : 0;
  EXPECT_EQ(same, 200);
  // The KL divergence falls: every record after exaggeration is below the first one after it,
  // and the last is the lowest.
  ASSERT_EQ(r.kl_history.size(), 20u);
  EXPECT_EQ(r.kl_history.back().first, 1000);
  double after_exaggeration = 0.0;
  for (const auto& [it, kl] : r.kl_history) {
    if (it == 300) after_exaggeration = kl;
  }
  EXPECT_LT(r.kl_divergence, after_exaggeration);
  EXPECT_LT(r.kl_divergence, r.kl_history.front().second);
  for (const auto& [it, kl] : r.kl_history) {
    if (it > 300) {
      EXPECT_LE(kl, after_exaggeration + 1e-12) << it;
    }
  }
}

TEST(Tsne, ExactGradientAgreesWithBarnesHut) {
  std::vector<int> label;
  const Matrix x = blobs(label).select_rows(
      {0,  1,  2,  3,  4,  5,  6,  7,  8,  9,   10,  11,  12,  13,  14,  50,  51,  52,  53,
       54, 55, 56, 57, 58, 59, 60, 61, 62, 100, 101, 102, 103, 104, 105, 106, 107, 108, 109});
  TsneConfig config;
  config.perplexity = 5;
  config.iterations = 500;
  config.theta = 0.0;
  const TsneResult exact = tsne(x, config);
  config.theta = 0.5;
  const TsneResult bh = tsne(x, config);
  EXPECT_LT(exact.kl_divergence, exact.kl_history.front().second);
  EXPECT_NEAR(bh.kl_divergence, exact.kl_divergence, 0.1 * exact.kl_divergence + 0.02);
  EXPECT_GE(trustworthiness(x, exact.embedding, 5), 0.9);
}

TEST(Tsne, SameSeedSameBytesAndRandomInit) {
  std::vector<int> label;
  const Matrix x = blobs(label).select_rows({0, 1, 2, 3, 4, 50, 51, 52, 53, 54, 100, 101, 102});
  TsneConfig config;
  config.iterations = 300;
  config.init = "random";
  config.seed = 3;
  const TsneResult a = tsne(x, config);
  const TsneResult b = tsne(x, config);
  EXPECT_EQ(a.embedding.data, b.embedding.data);
  EXPECT_NEAR(a.perplexity, 4.0, 1e-15);  // lowered to (13 - 1) / 3
  config.seed = 4;
  EXPECT_NE(tsne(x, config).embedding.data, a.embedding.data);
}

class RecordingObserver : public Observer {
 public:
  void on_progress(const Progress& p) override { seen.push_back(p); }
  std::vector<Progress> seen;
};

TEST(Tsne, ReportsProgressAndRejectsBadConfig) {
  std::vector<int> label;
  const Matrix x = blobs(label).select_rows({0, 1, 2, 50, 51, 52, 100, 101});
  TsneConfig config;
  config.iterations = 300;
  config.kl_every = 100;
  RecordingObserver observer;
  tsne(x, config, &observer);
  ASSERT_EQ(observer.seen.size(), 3u);
  EXPECT_EQ(observer.seen[0].task, "t-SNE");
  EXPECT_EQ(observer.seen[2].step, 300);
  EXPECT_EQ(observer.seen[2].values.at(0).first, "kl_divergence");

  TsneConfig bad;
  bad.perplexity = -1;
  bad.theta = 2;
  bad.init = "spectral";
  try {
    tsne(x, bad);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("perplexity must be > 0"), std::string::npos) << m;
    EXPECT_NE(m.find("theta must be in [0, 1], got 2"), std::string::npos) << m;
    EXPECT_NE(m.find("init must be \"pca\" or \"random\", got \"spectral\""), std::string::npos)
        << m;
  }
  EXPECT_THROW(tsne(Matrix(2, 3), TsneConfig{}), Error);
}

}  // namespace
}  // namespace imbgen
