// classifiers_detail::RbfDecision against libsvm itself: for models trained with svm_train, the
// decision values of every row must equal svm_predict_values' bit for bit (svm_rbf's scores, and
// so every result that uses them, are libsvm's own).
#include "classifiers/svm_decision.h"

#include <gtest/gtest.h>
#include <libsvm/svm.h>

#include <cstring>
#include <memory>
#include <vector>

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

void expect_same_values_as_libsvm(int k, double gamma, double c, bool class_weight) {
  Problem train = make_problem(300, 7, k, 11 + static_cast<uint64_t>(k));
  Problem test = make_problem(200, 7, k, 99);
  svm_problem prob{};
  prob.l = static_cast<int>(train.n);
  prob.y = train.y.data();
  prob.x = train.rows.data();
  int weight_label[] = {1};
  double weight[] = {3.5};
  svm_parameter param{};
  param.svm_type = C_SVC;
  param.kernel_type = RBF;
  param.gamma = gamma;
  param.C = c;
  param.cache_size = 50;
  param.eps = 1e-3;
  param.shrinking = 1;
  param.nr_weight = class_weight ? 1 : 0;
  param.weight_label = class_weight ? weight_label : nullptr;
  param.weight = class_weight ? weight : nullptr;
  ASSERT_EQ(svm_check_parameter(&prob, &param), nullptr);
  svm_set_print_string_function(&silent);
  std::unique_ptr<svm_model, ModelDeleter> model(svm_train(&prob, &param));
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

}  // namespace
}  // namespace imbgen
