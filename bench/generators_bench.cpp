// Generator benchmarks: one training step of the reference GAN and of WGAN-GP (d = 29, batch 64,
// one thread), whole short fits of the other deep generators, sampling throughput, and the exact
// kNN of the SMOTE-family baselines.
// Run: build/<dir>/bench/generators_bench
#include <benchmark/benchmark.h>

#include <cmath>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "blas_main.h"
#include "generators/ctgan_trainer.h"
#include "generators/gan_trainer.h"
#include "generators/knn.h"
#include "generators/normal_stream.h"
#include "generators/small_gemm.h"
#include "generators/torch_blocks.h"
#include "generators/training_loop.h"
#include "generators/wgan_gp_trainer.h"
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
  const TorchThreadScope threads(1);
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

// Times trainer.step() (whose values are a vector) after one untimed step, which must give
// finite values (else the benchmark is skipped); items are steps.
template <class Trainer>
void time_steps(benchmark::State& state, Trainer& trainer) {
  for (double v : trainer.step()) {
    if (!std::isfinite(v)) {
      state.SkipWithError("non-finite loss");
      return;
    }
  }
  for (auto _ : state) benchmark::DoNotOptimize(trainer.step());
  state.SetItemsProcessed(state.iterations());  // steps per second
}

// One WGAN-GP training step alone, as BM_GanTrainStep times gan's: 5 critic updates with the
// gradient penalty, then one generator update; the default networks, batch 64, on the 394 rows a
// default fit trains on (80 % of the class, the rest held back for model selection).
void BM_WganGpTrainStep(benchmark::State& state) {
  const TorchThreadScope threads(1);
  set_blas_threads(1);
  Matrix z(394, kFeatures);
  Rng rng(3);
  for (double& v : z.data) v = rng.normal();
  const WganGpConfig config;
  WganGpTrainer trainer(config, to_tensor(z), 64, 1);
  time_steps(state, trainer);
}
BENCHMARK(BM_WganGpTrainStep)->Unit(benchmark::kMillisecond);

// One CTGAN training step alone: one critic update with the gradient penalty, then one generator
// update; the default networks, batch 100, pac 1, on 394 rows of the benchmark's class in the
// mode-specific encoding a default fit makes of them (the label gives its width).
void BM_CtganTrainStep(benchmark::State& state) {
  const TorchThreadScope threads(1);
  set_blas_threads(1);
  Matrix x;
  std::vector<int> y;
  make_data(x, y);
  std::vector<size_t> rows(394);
  for (size_t i = 0; i < rows.size(); ++i) rows[i] = i;  // class 1 comes first
  const Matrix train = x.select_rows(rows);
  const CtganConfig config;
  VgmOptions vo;
  vo.max_components = config.max_modes;
  vo.weight_threshold = config.mode_weight_threshold;
  const ModeNormalizer normalizer = ModeNormalizer::fit(train, {}, vo, 42);
  const ConditionLayout layout = condition_layout(normalizer);
  Rng rng(7);
  CtganTrainer trainer(config, normalizer, layout, 1, to_tensor(normalizer.encode(train, rng)),
                       condition_tables(normalizer, layout, train, std::vector<size_t>(394, 0), 1),
                       100, 1);
  time_steps(state, trainer);
  state.SetLabel("encoded " + std::to_string(normalizer.width()));
}
BENCHMARK(BM_CtganTrainStep)->Unit(benchmark::kMillisecond);

// The mode-specific normalisation's setup (ctgan's and tvae's): a variational Gaussian mixture
// per column, here 29 columns of 394 rows as in a default fit on the benchmark's class.
void BM_ModeNormalizerFit(benchmark::State& state) {
  Matrix x;
  std::vector<int> y;
  make_data(x, y);
  std::vector<size_t> rows(394);
  for (size_t i = 0; i < rows.size(); ++i) rows[i] = i;
  const Matrix train = x.select_rows(rows);
  for (auto _ : state) benchmark::DoNotOptimize(ModeNormalizer::fit(train, {}, VgmOptions{}, 42));
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(train.cols));  // columns/s
}
BENCHMARK(BM_ModeNormalizerFit)->Unit(benchmark::kMillisecond);

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

// Rows per second on one thread in all: sampling runs on one LibTorch thread, and OpenBLAS's own
// threads would otherwise share the products (and benchmark counts the main thread's CPU time).
void sample_benchmark(benchmark::State& state, const Generator& g) {
  set_blas_threads(1);
  const auto n = static_cast<size_t>(state.range(0));
  require_finite(g.sample(1, n, 0));
  uint64_t seed = 1;
  for (auto _ : state) benchmark::DoNotOptimize(g.sample(1, n, seed++));
  state.SetItemsProcessed(state.iterations() * state.range(0));  // rows per second
}

// sample_benchmark on a deep generator after a 50-step fit (training time is not measured; a
// short run gives weights of the right shape and scale), fitted once per generator.
void short_fit_sample_benchmark(benchmark::State& state, const std::string& name) {
  static std::map<std::string, std::unique_ptr<Generator>> fits;
  std::unique_ptr<Generator>& g = fits[name];
  if (!g) g = fitted(name, {{"steps", 50}});
  sample_benchmark(state, *g);
}

// The samplers' noise, 1 M standard normal floats: NormalStream (0.9) against LibTorch's normal_
// on one thread (what 0.8's samplers drew with).
void BM_NormalStream(benchmark::State& state) {
  std::vector<float> z(static_cast<size_t>(state.range(0)));
  NormalStream stream(1);
  for (auto _ : state) {
    stream.fill(z.data(), z.size());
    benchmark::DoNotOptimize(z.data());
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_NormalStream)->Arg(1 << 20)->Unit(benchmark::kMillisecond);

void BM_TorchNormal(benchmark::State& state) {
  const TorchThreadScope one(1);
  at::Tensor z = torch::empty({state.range(0)});
  at::Generator gen = seeded_generator(1);
  for (auto _ : state) {
    z.normal_(0.0, 1.0, gen);
    benchmark::DoNotOptimize(z.data_ptr<float>());
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_TorchNormal)->Arg(1 << 20)->Unit(benchmark::kMillisecond);

// imbgen's own product (small_gemm.h) on an n x n x n float32 product, one thread: its
// FLOP rate (items are FLOPs), what bench/train_steps_vs_torch.sh divides a step's FLOPs by
// where this rate is above LibTorch's. Skipped where the product cannot run.
void BM_OwnGemm(benchmark::State& state) {
  if (!gemm_runs_here()) {
    state.SkipWithError("imbgen's product needs AVX-512F");
    return;
  }
  const int64_t n = state.range(0);
  std::vector<float> a(static_cast<size_t>(n * n)), b(a.size()), c(a.size());
  Rng rng(1);
  for (float& v : a) v = static_cast<float>(rng.normal());
  for (float& v : b) v = static_cast<float>(rng.normal());
  const FloatMatrixView av{a.data(), n, n, n, 1}, bv{b.data(), n, n, n, 1};
  for (auto _ : state) {
    gemm(av, bv, c.data(), n, false);
    benchmark::DoNotOptimize(c.data());
  }
  state.SetItemsProcessed(state.iterations() * 2 * n * n * n);
}
BENCHMARK(BM_OwnGemm)->Arg(128)->Arg(256)->Arg(512)->Arg(1024)->Unit(benchmark::kMillisecond);

void BM_GanSample(benchmark::State& state) { short_fit_sample_benchmark(state, "gan"); }
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

// The exact kNN of borderline-SMOTE / ADASYN / SVM-SMOTE: 492 class rows queried for their 10
// nearest rows among N rows x 29 features (28,314: the bundled training split; 284,807: the full
// credit card table), one thread. Standard normal features plus one wide log-normal column, like
// the amount column in original units.
void BM_KnnSearch(benchmark::State& state) {
  const auto n = static_cast<size_t>(state.range(0));
  Rng rng(5);
  Matrix x(n, kFeatures);
  std::vector<size_t> queries;
  for (size_t i = 0; i < n; ++i) {
    for (size_t c = 0; c + 1 < kFeatures; ++c) x(i, c) = rng.normal();
    x(i, kFeatures - 1) = std::exp(3.0 + 1.5 * rng.normal());
    if (i % (n / kClassRows) == 0 && queries.size() < kClassRows) queries.push_back(i);
  }
  const Matrix q = x.select_rows(queries);
  if (knn_search(x, q, 10, queries).size() != queries.size() * 10) {
    state.SkipWithError("wrong result size");
    return;
  }
  for (auto _ : state) benchmark::DoNotOptimize(knn_search(x, q, 10, queries));
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(queries.size()));
}
BENCHMARK(BM_KnnSearch)->Arg(28314)->Arg(284807)->Unit(benchmark::kMillisecond);

// Training steps of the VAE family and TabDDPM at their default sizes and batches, one thread:
// each iteration fits 492 rows x 29 features for N steps (the argument; the setup, for tvae the
// mode-specific normalisation's mixture fits, included), so items per second are steps per second
// of a whole fit. A step alone, as a PyTorch loop times it, is the difference of the longer and
// the 200-step fit over their difference in steps (bench/train_steps_vs_torch.sh computes it):
// 400 steps, and 1,200 for ddpm, whose setup and validation (sampling through its reverse chain)
// take as long as several hundred steps, so that 200 more steps measured little beyond noise.
void fit_steps_benchmark(benchmark::State& state, const std::string& name) {
  const auto steps = static_cast<int>(state.range(0));
  set_blas_threads(1);  // as BM_GanTrainStep: one thread in all, OpenBLAS's included
  Matrix x;
  std::vector<int> y;
  make_data(x, y);
  auto g = make_generator(name, {{"steps", steps}});
  FitOptions options;
  options.classes = {1};
  options.threads = 1;
  g->fit(x, y, options);
  require_finite(g->sample(1, 100, 0));
  for (auto _ : state) g->fit(x, y, options);
  state.SetItemsProcessed(state.iterations() * steps);  // steps per second
}
void BM_VaeFitSteps(benchmark::State& state) { fit_steps_benchmark(state, "vae"); }
BENCHMARK(BM_VaeFitSteps)->Arg(200)->Arg(400)->Unit(benchmark::kMillisecond);
void BM_CvaeFitSteps(benchmark::State& state) { fit_steps_benchmark(state, "cvae"); }
BENCHMARK(BM_CvaeFitSteps)->Arg(200)->Arg(400)->Unit(benchmark::kMillisecond);
void BM_TvaeFitSteps(benchmark::State& state) { fit_steps_benchmark(state, "tvae"); }
BENCHMARK(BM_TvaeFitSteps)->Arg(200)->Arg(400)->Unit(benchmark::kMillisecond);
void BM_DdpmFitSteps(benchmark::State& state) { fit_steps_benchmark(state, "ddpm"); }
BENCHMARK(BM_DdpmFitSteps)->Arg(200)->Arg(1200)->Unit(benchmark::kMillisecond);
// WGAN-GP (a step = 5 critic updates + 1 generator update, batch 64) and CTGAN (batch 100,
// pac 1): the default fit, so the 4 validation scores of the held-back 20% are included, and
// for CTGAN the 29 mixture fits of its setup.
void BM_WganGpFitSteps(benchmark::State& state) { fit_steps_benchmark(state, "wgan_gp"); }
BENCHMARK(BM_WganGpFitSteps)->Arg(200)->Unit(benchmark::kMillisecond);
void BM_CtganFitSteps(benchmark::State& state) { fit_steps_benchmark(state, "ctgan"); }
BENCHMARK(BM_CtganFitSteps)->Arg(200)->Arg(400)->Unit(benchmark::kMillisecond);

// TabDDPM sampling: the reverse chain of 20 respaced steps (the default) over n rows.
void BM_DdpmSample(benchmark::State& state) { short_fit_sample_benchmark(state, "ddpm"); }
BENCHMARK(BM_DdpmSample)->Arg(1000)->Arg(28000)->Unit(benchmark::kMillisecond);

void BM_WganGpSample(benchmark::State& state) { short_fit_sample_benchmark(state, "wgan_gp"); }
BENCHMARK(BM_WganGpSample)->Arg(1000)->Arg(100000)->Unit(benchmark::kMillisecond);

void BM_CtganSample(benchmark::State& state) { short_fit_sample_benchmark(state, "ctgan"); }
BENCHMARK(BM_CtganSample)->Arg(1000)->Arg(100000)->Unit(benchmark::kMillisecond);

void BM_VaeSample(benchmark::State& state) { short_fit_sample_benchmark(state, "vae"); }
BENCHMARK(BM_VaeSample)->Arg(1000)->Arg(100000)->Unit(benchmark::kMillisecond);

void BM_CvaeSample(benchmark::State& state) { short_fit_sample_benchmark(state, "cvae"); }
BENCHMARK(BM_CvaeSample)->Arg(1000)->Arg(100000)->Unit(benchmark::kMillisecond);

void BM_TvaeSample(benchmark::State& state) { short_fit_sample_benchmark(state, "tvae"); }
BENCHMARK(BM_TvaeSample)->Arg(1000)->Arg(100000)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace imbgen

int main(int argc, char** argv) { return imbgen::bench::blas_benchmark_main(argc, argv); }
