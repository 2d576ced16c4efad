// classifiers_detail::RbfDecision against libsvm itself: for models trained with svm_train, the
// decision values of every row must equal svm_predict_values' bit for bit (svm_rbf's scores, and
// so every result that uses them, are libsvm's own).
#include "classifiers/svm_decision.h"

#include <gtest/gtest.h>
#include <libsvm/svm.h>

#include <cmath>
#include <cstring>
#include <memory>
#include <vector>

#include "classifiers/svm_solver.h"
#include "imbgen/core/rng.h"

namespace imbgen {
namespace {

void silent(const char*) {}

struct Problem {
  size_t n = 0, d = 0;
  std::vector<double> x;  // [n, d]
  std::vector<double> y;
  std::vector<svm_node> nodes;
  std::vector<svm_node*> rows;
};

// Rows of k classes around class-dependent centres; a quarter of the values are exactly 0 (absent
// from libsvm's sparse rows) and a few are -0.0, which libsvm's rows also leave out.
Problem make_problem(size_t n, size_t d, int k, uint64_t seed) {
  Rng rng(seed);
  Problem p;
  p.n = n;
  p.d = d;
  p.x.resize(n * d);
  p.y.resize(n);
  for (size_t i = 0; i < n; ++i) {
    const int c = static_cast<int>(i % static_cast<size_t>(k));
    p.y[i] = c;
    for (size_t j = 0; j < d; ++j) {
      const double u = rng.uniform();
      p.x[i * d + j] = u < 0.25 ? 0.0 : (u < 0.27 ? -0.0 : rng.normal() + (j % 3 == 0 ? c : 0));
    }
  }
  std::vector<size_t> starts;
  for (size_t i = 0; i < n; ++i) {
    starts.push_back(p.nodes.size());
    for (size_t j = 0; j < d; ++j) {
      if (p.x[i * d + j] != 0.0) p.nodes.push_back({static_cast<int>(j + 1), p.x[i * d + j]});
    }
    p.nodes.push_back({-1, 0.0});
  }
  for (size_t s : starts) p.rows.push_back(p.nodes.data() + s);
  return p;
}

struct ModelDeleter {
  void operator()(svm_model* m) const { svm_free_and_destroy_model(&m); }
};

// libsvm's C-SVC with an RBF kernel on `p`, class 1's C multiplied by `class1_weight`. The model
// keeps pointers into p's nodes.
std::unique_ptr<svm_model, ModelDeleter> train_libsvm(Problem& p, double gamma, double c,
                                                      double eps, double class1_weight) {
  svm_problem prob{};
  prob.l = static_cast<int>(p.n);
  prob.y = p.y.data();
  prob.x = p.rows.data();
  int weight_label[] = {1};
  double weight[] = {class1_weight};
  svm_parameter param{};
  param.svm_type = C_SVC;
  param.kernel_type = RBF;
  param.gamma = gamma;
  param.C = c;
  param.cache_size = 50;
  param.eps = eps;
  param.shrinking = 1;
  param.nr_weight = 1;
  param.weight_label = weight_label;
  param.weight = weight;
  EXPECT_EQ(svm_check_parameter(&prob, &param), nullptr);
  svm_set_print_string_function(&silent);
  return std::unique_ptr<svm_model, ModelDeleter>(svm_train(&prob, &param));
}

void expect_same_values_as_libsvm(int k, double gamma, double c, bool class_weight) {
  Problem train = make_problem(300, 7, k, 11 + static_cast<uint64_t>(k));
  Problem test = make_problem(200, 7, k, 99);
  std::unique_ptr<svm_model, ModelDeleter> model =
      train_libsvm(train, gamma, c, 1e-3, class_weight ? 3.5 : 1.0);
  ASSERT_NE(model, nullptr);
  ASSERT_GT(model->l, 10);

  const classifiers_detail::RbfDecision decision(*model, train.d);
  const size_t pairs = static_cast<size_t>(k * (k - 1) / 2);
  ASSERT_EQ(decision.n_pairs(), pairs);
  std::vector<double> want(pairs), got(pairs), kernel;
  size_t nonzero = 0;
  for (size_t i = 0; i < test.n; ++i) {
    svm_predict_values(model.get(), test.rows[i], want.data());
    decision.values(test.x.data() + i * test.d, got.data(), kernel);
    for (size_t p = 0; p < pairs; ++p) {
      // Bit for bit: == alone would let -0.0 pass for 0.0.
      EXPECT_EQ(std::memcmp(&got[p], &want[p], sizeof(double)), 0)
          << "row " << i << ", pair " << p << ": " << got[p] << " against libsvm's " << want[p];
      nonzero += want[p] != 0.0;
    }
  }
  EXPECT_GT(nonzero, test.n * pairs / 2);
}

TEST(RbfDecision, TwoClassesMatchLibsvmBitForBit) {
  expect_same_values_as_libsvm(2, 0.2, 1.0, false);
}

TEST(RbfDecision, TwoClassesWithAClassWeightMatchLibsvmBitForBit) {
  expect_same_values_as_libsvm(2, 0.05, 10.0, true);
}

TEST(RbfDecision, FourClassesMatchLibsvmBitForBit) {
  expect_same_values_as_libsvm(4, 0.5, 2.0, false);
}

// classifiers_detail::solve_rbf_svm against libsvm's svm_train on the same two-class problem: at a
// tight tolerance both reach its optimum, so the decision values of held-out rows agree (1e-6 is
// far above the 1e-9 or so that float kernel columns leave, and far below what a different model
// gives); the dual objective is libsvm's to 1e-8 relative. At libsvm's default tolerance the
// solution must meet the stopping condition it claims, recomputed here in double precision from
// the rows: the largest violation of the optimality conditions below eps.
struct Solved {
  std::vector<double> values;  // decision values of the test rows
  double objective = 0;        // 1/2 a'Qa - sum(a)
};

double rbf(const double* u, const double* v, size_t d, double gamma) {
  double s = 0;
  for (size_t f = 0; f < d; ++f) s += (u[f] - v[f]) * (u[f] - v[f]);
  return std::exp(-gamma * s);
}

// Two classes: libsvm's label +1 is class 0 of make_problem (its first row's class).
Solved from_alpha(const Problem& train, const Problem& test,
                  const std::vector<double>& signed_alpha, double rho, double gamma) {
  Solved out;
  const size_t d = train.d;
  for (size_t i = 0; i < test.n; ++i) {
    double f = -rho;
    for (size_t t = 0; t < train.n; ++t) {
      if (signed_alpha[t] != 0) {
        f += signed_alpha[t] * rbf(train.x.data() + t * d, test.x.data() + i * d, d, gamma);
      }
    }
    out.values.push_back(f);
  }
  for (size_t s = 0; s < train.n; ++s) {
    if (signed_alpha[s] == 0) continue;
    out.objective -= std::fabs(signed_alpha[s]);
    for (size_t t = 0; t < train.n; ++t) {
      if (signed_alpha[t] == 0) continue;
      out.objective += 0.5 * signed_alpha[s] * signed_alpha[t] *
                       rbf(train.x.data() + s * d, train.x.data() + t * d, d, gamma);
    }
  }
  return out;
}

// The solver's problem for two-class rows: class 0 is +1 (libsvm's first label), class 1 is -1.
// `sign` is filled and must outlive the problem.
classifiers_detail::RbfSvmProblem solver_problem(const Problem& train,
                                                 std::vector<signed char>& sign) {
  sign.clear();
  for (double v : train.y) sign.push_back(v == 0 ? 1 : -1);
  classifiers_detail::RbfSvmProblem p;
  p.x = train.x.data();
  p.n = train.n;
  p.d = train.d;
  p.y = sign.data();
  return p;
}

void expect_solver_matches_libsvm(double gamma, double c, double weight, double cache_mb) {
  Problem train = make_problem(300, 7, 2, 5);
  const Problem test = make_problem(100, 7, 2, 6);
  std::vector<signed char> sign;
  classifiers_detail::RbfSvmProblem mine = solver_problem(train, sign);
  mine.c_positive = c;
  mine.c_negative = c * weight;
  mine.gamma = gamma;
  mine.eps = 1e-10;
  mine.cache_mb = cache_mb;
  const classifiers_detail::RbfSvmSolution tight = classifiers_detail::solve_rbf_svm(mine);
  ASSERT_TRUE(tight.converged);
  std::vector<double> signed_alpha(train.n);
  for (size_t t = 0; t < train.n; ++t) signed_alpha[t] = sign[t] * tight.alpha[t];
  const Solved got = from_alpha(train, test, signed_alpha, tight.rho, gamma);

  std::unique_ptr<svm_model, ModelDeleter> model = train_libsvm(train, gamma, c, 1e-10, weight);
  ASSERT_EQ(model->label[0], 0);
  std::vector<double> libsvm_alpha(train.n, 0.0);
  for (int s = 0; s < model->l; ++s) {
    libsvm_alpha[static_cast<size_t>(model->sv_indices[s] - 1)] = model->sv_coef[0][s];
  }
  const Solved want = from_alpha(train, test, libsvm_alpha, model->rho[0], gamma);
  size_t support = 0;
  for (double a : tight.alpha) support += a > 0;
  EXPECT_EQ(support, static_cast<size_t>(model->l));
  EXPECT_NEAR(got.objective, want.objective, 1e-8 * std::fabs(want.objective));
  for (size_t i = 0; i < test.n; ++i) {
    EXPECT_NEAR(got.values[i], want.values[i], 1e-6) << "row " << i;
  }

  // libsvm's default tolerance: the stopping condition holds, recomputed in double precision.
  mine.eps = 1e-3;
  const classifiers_detail::RbfSvmSolution loose = classifiers_detail::solve_rbf_svm(mine);
  ASSERT_TRUE(loose.converged);
  EXPECT_LT(loose.iterations, tight.iterations);
  double up = -INFINITY, down = -INFINITY;
  for (size_t t = 0; t < train.n; ++t) {
    const double ct = sign[t] > 0 ? mine.c_positive : mine.c_negative;
    const double a = loose.alpha[t];
    // The box, up to the rounding of the clipped pair's sum or difference.
    ASSERT_GE(a, 0.0);
    ASSERT_LE(a, ct * (1 + 1e-14));
    double g = -1;  // (Qa - e)_t
    for (size_t s = 0; s < train.n; ++s) {
      if (loose.alpha[s] != 0) {
        g += sign[t] * sign[s] * loose.alpha[s] *
             rbf(train.x.data() + t * train.d, train.x.data() + s * train.d, train.d, gamma);
      }
    }
    const double yg = sign[t] * g;
    if (sign[t] > 0 ? a < ct : a > 0) up = std::max(up, -yg);
    if (sign[t] > 0 ? a > 0 : a < ct) down = std::max(down, yg);
  }
  EXPECT_LT(up + down, 1e-3 * 1.001 + 1e-6);
}

TEST(RbfSvmSolver, ReachesLibsvmsOptimum) { expect_solver_matches_libsvm(0.2, 1.0, 1.0, 50); }

TEST(RbfSvmSolver, ReachesLibsvmsOptimumWithAClassWeightAndBoundedAlphas) {
  expect_solver_matches_libsvm(0.05, 0.3, 4.0, 50);
}

// A cache of two columns: every other column is computed again, with the same values.
TEST(RbfSvmSolver, ReachesLibsvmsOptimumWithATinyCache) {
  expect_solver_matches_libsvm(0.5, 10.0, 1.0, 1e-4);
}

// A class with C = 0 (all its weight 0) cannot move: every a_i stays 0, as in libsvm, which
// also accepts it; no internal error.
TEST(RbfSvmSolver, AClassWithCZeroKeepsEveryAlphaAtZero) {
  const Problem train = make_problem(60, 3, 2, 8);
  std::vector<signed char> sign;
  classifiers_detail::RbfSvmProblem p = solver_problem(train, sign);
  p.c_positive = 0.0;
  p.gamma = 0.5;
  const classifiers_detail::RbfSvmSolution s = classifiers_detail::solve_rbf_svm(p);
  EXPECT_TRUE(s.converged);
  EXPECT_EQ(s.iterations, 0u);
  for (double a : s.alpha) EXPECT_EQ(a, 0.0);
}

}  // namespace
}  // namespace imbgen
