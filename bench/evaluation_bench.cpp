// Benchmarks of the evaluation module: the whole evaluate() on 400 real vs 4,000 synthetic rows of
// 29 features (the fraud rows and SMOTE-like interpolations of them), with each block's share of
// the wall time as counters, and the t-SNE gradient, exact vs Barnes-Hut, per iteration.
#include <benchmark/benchmark.h>

#include <string>

#include "blas_main.h"
#include "../tests/evaluation/fraud_rows.inc"
#include "imbgen/core/rng.h"
#include "imbgen/core/threads.h"
#include "imbgen/data/scaler.h"
#include "imbgen/evaluation/embedding.h"
#include "imbgen/evaluation/evaluate.h"

namespace {

using imbgen::Matrix;

Matrix fraud_rows(size_t first, size_t count) {
  Matrix m(count, kFraudColumnCount);
  for (size_t i = 0; i < count; ++i) {
    for (size_t j = 0; j < static_cast<size_t>(kFraudColumnCount); ++j) {
      m(i, j) = kFraudRows[(first + i) * kFraudColumnCount + j];
    }
  }
  return m;
}

// n rows, each a random point on the segment between two random rows of `x`.
Matrix interpolate(const Matrix& x, size_t n, uint64_t seed) {
  imbgen::Rng rng(seed);
  Matrix out(n, x.cols);
  for (size_t i = 0; i < n; ++i) {
    const size_t a = rng.index(x.rows), b = rng.index(x.rows);
    const double t = rng.uniform();
    for (size_t j = 0; j < x.cols; ++j) out(i, j) = x(a, j) + t * (x(b, j) - x(a, j));
  }
  return out;
}

std::vector<std::string> names() {
  return std::vector<std::string>(kFraudColumns, kFraudColumns + kFraudColumnCount);
}

// Arg 0: threads; arg 1: holdout rows (0 = none).
void BM_EvaluateAll(benchmark::State& state) {
  imbgen::set_blas_threads(1);
  const Matrix real = fraud_rows(0, 400);
  const Matrix synthetic = interpolate(real, 4000, 1);
  const size_t holdout_rows = static_cast<size_t>(state.range(1));
  const Matrix holdout = fraud_rows(400, holdout_rows);
  imbgen::EvaluationConfig config;
  config.threads = static_cast<int>(state.range(0));
  const Matrix* h = holdout_rows > 0 ? &holdout : nullptr;
  nlohmann::json result = imbgen::evaluate(real, synthetic, h, names(), config);  // validate once
  if (!result.contains("tsne") || result["tsne"].contains("skipped")) {
    state.SkipWithError("evaluation did not run every block");
    return;
  }
  nlohmann::json timings = nlohmann::json::object();
  for (auto _ : state) {
    result = imbgen::evaluate(real, synthetic, h, names(), config);
    for (const auto& item : result["timings"].items()) {
      timings[item.key()] = timings.value(item.key(), 0.0) + item.value().get<double>();
    }
    benchmark::DoNotOptimize(result);
  }
  const double total = timings["total"].get<double>();
  for (const auto& item : timings.items()) {
    if (item.key() == "total") continue;
    state.counters["share_" + item.key()] = item.value().get<double>() / total;
  }
  state.counters["rows_per_s"] =
      benchmark::Counter(static_cast<double>(real.rows + synthetic.rows + holdout_rows),
                         benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_EvaluateAll)
    ->Args({1, 0})
    ->Args({2, 0})
    ->Args({2, 92})
    ->Unit(benchmark::kSecond)
    ->UseRealTime()
    ->Iterations(1);

// t-SNE on 3,000 points (the evaluation's default cap), 50 iterations: arg 0 = theta x 10
// (0 = exact gradient), arg 1 = threads. Per-iteration cost decides Barnes-Hut vs exact.
void BM_Tsne(benchmark::State& state) {
  const Matrix real = fraud_rows(0, 400);
  Matrix x = Matrix::vstack(real, interpolate(real, 2600, 2));
  imbgen::StandardScaler scaler;
  scaler.fit(x);
  scaler.transform_inplace(x);
  imbgen::TsneConfig config;
  config.iterations = 50;
  config.exaggeration_iterations = 50;
  config.theta = static_cast<double>(state.range(0)) / 10.0;
  config.threads = static_cast<int>(state.range(1));
  for (auto _ : state) benchmark::DoNotOptimize(imbgen::tsne(x, config));
  state.counters["iterations_per_s"] =
      benchmark::Counter(50.0, benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_Tsne)
    ->Args({5, 1})
    ->Args({5, 2})
    ->Args({0, 2})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Iterations(1);

}  // namespace

int main(int argc, char** argv) { return imbgen::bench::blas_benchmark_main(argc, argv); }
