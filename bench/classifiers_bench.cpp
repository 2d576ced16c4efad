// Fit and predict throughput of every registered classifier, and of the metrics, on seeded
// synthetic rows (30 features, 2% positives), items = rows.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "imbgen/classifiers/classifier.h"
#include "imbgen/classifiers/metrics.h"
#include "imbgen/core/error.h"
#include "imbgen/core/rng.h"
#include "imbgen/core/threads.h"

namespace imbgen {
namespace {

struct Data {
  Matrix x;
  std::vector<int> y;
};

Data make_data(size_t n, uint64_t seed) {
  Rng rng(seed);
  Data d{Matrix(n, 30), std::vector<int>(n)};
  for (size_t i = 0; i < n; ++i) {
    d.y[i] = rng.uniform() < 0.02 ? 1 : 0;
    for (size_t j = 0; j < 30; ++j) d.x(i, j) = rng.normal() + (j < 5 ? 1.0 * d.y[i] : 0.0);
  }
  return d;
}

void BM_ClassifierFit(benchmark::State& state, const std::string& name,
                      const nlohmann::json& config = nlohmann::json::object()) {
  const Data d = make_data(static_cast<size_t>(state.range(0)), 1);
  auto clf = make_classifier(name, config, {42, 1});
  clf->fit(d.x, d.y, {});  // validate once before timing
  std::vector<double> s(d.x.rows);
  const Matrix p = clf->predict_proba(d.x);
  for (size_t i = 0; i < s.size(); ++i) s[i] = p(i, 1);
  if (!(roc_auc(d.y, s) > 0.8)) throw Error(ErrorKind::kInternal, name + ": training AUC too low");
  for (auto _ : state) clf->fit(d.x, d.y, {});
  state.SetItemsProcessed(state.iterations() * state.range(0));
}

void BM_ClassifierPredict(benchmark::State& state, const std::string& name,
                          const nlohmann::json& config = nlohmann::json::object()) {
  const Data train = make_data(5000, 1), test = make_data(static_cast<size_t>(state.range(0)), 2);
  auto clf = make_classifier(name, config, {42, 1});
  clf->fit(train.x, train.y, {});
  for (auto _ : state) benchmark::DoNotOptimize(clf->predict_proba(test.x));
  state.SetItemsProcessed(state.iterations() * state.range(0));
}

void BM_BinaryMetrics(benchmark::State& state) {
  Rng rng(3);
  const auto n = static_cast<size_t>(state.range(0));
  std::vector<int> y(n);
  std::vector<double> s(n);
  for (size_t i = 0; i < n; ++i) {
    y[i] = rng.uniform() < 0.02 ? 1 : 0;
    s[i] = rng.uniform() + 0.3 * y[i];
  }
  for (auto _ : state) benchmark::DoNotOptimize(binary_metrics(y, s, 0.5));
  state.SetItemsProcessed(state.iterations() * state.range(0));
}

BENCHMARK_CAPTURE(BM_ClassifierFit, logistic, std::string("logistic"))
    ->Arg(5000)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_ClassifierFit, linear_svm, std::string("linear_svm"))
    ->Arg(5000)
    ->Unit(benchmark::kMillisecond);
// svm_rbf with imbgen's solver (the default) and with libsvm's, side by side; 20,000 rows is
// max_train_rows, the most it trains on.
BENCHMARK_CAPTURE(BM_ClassifierFit, svm_rbf, std::string("svm_rbf"))
    ->Arg(2000)
    ->Arg(20000)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_ClassifierFit, svm_rbf_libsvm, std::string("svm_rbf"),
                  nlohmann::json{{"solver", "libsvm"}})
    ->Arg(2000)
    ->Arg(20000)
    ->Unit(benchmark::kMillisecond);
// random_forest with imbgen's builder (the default) and with XGBoost's random-forest mode.
BENCHMARK_CAPTURE(BM_ClassifierFit, random_forest, std::string("random_forest"))
    ->Arg(5000)
    ->Arg(50000)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_ClassifierFit, random_forest_xgboost, std::string("random_forest"),
                  nlohmann::json{{"engine", "xgboost"}})
    ->Arg(5000)
    ->Arg(50000)
    ->Unit(benchmark::kMillisecond);
// The forest as it was grown before scikit-learn's defaults (depth 8, half the features per
// split): the price of unlimited depth.
BENCHMARK_CAPTURE(BM_ClassifierFit, random_forest_depth8, std::string("random_forest"),
                  nlohmann::json{{"max_depth", 8}, {"colsample_bynode", 0.5}})
    ->Arg(5000)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_ClassifierFit, xgboost, std::string("xgboost"))
    ->Arg(5000)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_ClassifierPredict, logistic, std::string("logistic"))
    ->Arg(20000)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_ClassifierPredict, svm_rbf, std::string("svm_rbf"))
    ->Arg(20000)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_ClassifierPredict, random_forest, std::string("random_forest"))
    ->Arg(20000)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_ClassifierPredict, random_forest_xgboost, std::string("random_forest"),
                  nlohmann::json{{"engine", "xgboost"}})
    ->Arg(20000)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_ClassifierPredict, xgboost, std::string("xgboost"))
    ->Arg(20000)
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_BinaryMetrics)->Arg(100000)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace imbgen

// Freed memory stays with the process, as in the imbgen program and the Python package
// (core/threads.h): svm_rbf's kernel cache is hundreds of MB, and a fit that maps it afresh pays a
// page fault per page. Run with GLIBC_TUNABLES=glibc.malloc.hugetlb=1 to ask for huge pages too,
// as the imbgen program does.
int main(int argc, char** argv) {
  imbgen::keep_freed_memory();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
