// Generator benchmarks: one training step of the reference GAN (d = 29, batch 64, one thread) and
// sampling throughput of gan and smote. Run: build/<dir>/bench/generators_bench
#include <benchmark/benchmark.h>

#include <cmath>
#include <stdexcept>
#include <vector>

#include "generators/gan_trainer.h"
#include "imbgen/core/rng.h"
#include "imbgen/core/threads.h"
#include "imbgen/generators/generator.h"

namespace imbgen {
namespace {

constexpr size_t kFeatures = 29;  // the credit-card data set without Time/Class
constexpr size_t kClassRows = 492;

// kClassRows rows of class 1 and as many of class 0, standard normal features.
void make_data(Matrix& x, std::vector<int>& y) {
  Rng rng(7);
  x = Matrix(2 * kClassRows, kFeatures);
  y.assign(x.rows, 0);
  for (size_t i = 0; i < x.rows; ++i) {
    y[i] = i < kClassRows ? 1 : 0;
    for (size_t c = 0; c < kFeatures; ++c) x(i, c) = rng.normal() + y[i];
  }
}

void require_finite(const Matrix& m) {
  for (double v : m.data) {
    if (!std::isfinite(v)) throw std::runtime_error("benchmark output is not finite");
  }
}

void BM_GanTrainStep(benchmark::State& state) {
  set_torch_threads(1);
  set_blas_threads(1);
  Matrix z(kClassRows, kFeatures);
  Rng rng(3);
  for (double& v : z.data) v = rng.normal();
  GanTrainer trainer(GanConfig{}, kFeatures, 1);
  trainer.set_data(z);
  const GanStepStats first = trainer.step();
  if (!std::isfinite(first.d_loss) || !std::isfinite(first.g_loss)) {
    state.SkipWithError("non-finite loss");
    return;
  }
  for (auto _ : state) benchmark::DoNotOptimize(trainer.step());
  state.SetItemsProcessed(state.iterations());  // steps per second
}
BENCHMARK(BM_GanTrainStep)->Unit(benchmark::kMicrosecond);

std::unique_ptr<Generator> fitted(const std::string& name, const nlohmann::json& config) {
  Matrix x;
  std::vector<int> y;
  make_data(x, y);
  auto g = make_generator(name, config);
  FitOptions options;
  options.classes = {1};
  options.threads = 1;
  g->fit(x, y, options);
  return g;
}

void sample_benchmark(benchmark::State& state, const Generator& g) {
  const auto n = static_cast<size_t>(state.range(0));
  require_finite(g.sample(1, n, 0));
  uint64_t seed = 1;
  for (auto _ : state) benchmark::DoNotOptimize(g.sample(1, n, seed++));
  state.SetItemsProcessed(state.iterations() * state.range(0));  // rows per second
}

void BM_GanSample(benchmark::State& state) {
  // Training time is not measured; a short run gives weights of the right shape and scale.
  static const auto g = fitted("gan", {{"steps", 50}});
  sample_benchmark(state, *g);
}
BENCHMARK(BM_GanSample)->Arg(1000)->Arg(100000)->Unit(benchmark::kMillisecond);

void BM_SmoteSample(benchmark::State& state) {
  static const auto g = fitted("smote", nlohmann::json::object());
  sample_benchmark(state, *g);
}
BENCHMARK(BM_SmoteSample)->Arg(1000)->Arg(100000)->Unit(benchmark::kMillisecond);

void BM_SmoteFit(benchmark::State& state) {
  Matrix x;
  std::vector<int> y;
  make_data(x, y);
  auto g = make_generator("smote");
  FitOptions options;
  options.classes = {1};
  for (auto _ : state) g->fit(x, y, options);
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(kClassRows));
}
BENCHMARK(BM_SmoteFit)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace imbgen

BENCHMARK_MAIN();
