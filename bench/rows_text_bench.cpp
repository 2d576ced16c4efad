// Benchmarks of writing rows as text, what `imbgen serve` and `imbgen sample` spend their time on
// for large requests: one number with write_shortest against std::to_chars (same text, side by
// side), and whole rows through RowText (CSV and NDJSON, 1 and 2 threads) on SMOTE-like rows of
// the fraud data's shape (29 features, full double precision, the way interpolated rows are).
#include <benchmark/benchmark.h>

#include <charconv>
#include <random>
#include <string_view>
#include <vector>

#include "../tests/evaluation/fraud_rows.inc"
#include "imbgen/core/rng.h"
#include "imbgen/core/shortest.h"
#include "imbgen/data/table.h"

namespace {

using imbgen::Matrix;

// n rows, each a random point on the segment between two random fraud rows: the digits SMOTE
// writes.
Matrix smote_like(size_t n) {
  imbgen::Rng rng(1);
  Matrix out(n, kFraudColumnCount);
  const size_t real = sizeof(kFraudRows) / sizeof(kFraudRows[0]) / kFraudColumnCount;
  for (size_t i = 0; i < n; ++i) {
    const double* a = kFraudRows + rng.index(real) * kFraudColumnCount;
    const double* b = kFraudRows + rng.index(real) * kFraudColumnCount;
    const double t = rng.uniform();
    for (size_t j = 0; j < static_cast<size_t>(kFraudColumnCount); ++j)
      out(i, j) = a[j] + t * (b[j] - a[j]);
  }
  return out;
}

const std::vector<double>& numbers() {
  static const std::vector<double> v = smote_like(20000).data;
  return v;
}

void BM_ToChars(benchmark::State& state) {
  char buf[64];
  for (auto _ : state) {
    for (double v : numbers()) {
      const auto r = std::to_chars(buf, buf + sizeof buf, v);
      benchmark::DoNotOptimize(r.ptr);
    }
  }
  state.counters["numbers_per_s"] = benchmark::Counter(
      static_cast<double>(numbers().size()), benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_ToChars);

void BM_WriteShortest(benchmark::State& state) {
  char buf[imbgen::kShortestRoom];
  for (auto _ : state) {
    for (double v : numbers()) benchmark::DoNotOptimize(imbgen::write_shortest(v, buf));
  }
  state.counters["numbers_per_s"] = benchmark::Counter(
      static_cast<double>(numbers().size()), benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_WriteShortest);

// Arg 0: threads; arg 1: 1 for NDJSON. 200,000 rows, all chunks drained as a server would.
void BM_RowText(benchmark::State& state) {
  static const Matrix x = smote_like(200000);
  static const std::vector<int> y(x.rows, 1);
  imbgen::Table schema;
  for (int j = 0; j < kFraudColumnCount; ++j) {
    imbgen::ColumnInfo c;
    c.name = kFraudColumns[j];
    schema.columns.push_back(c);
  }
  schema.target = "Class";
  schema.classes = {"0", "1"};
  size_t bytes = 0;
  for (auto _ : state) {
    imbgen::RowText text(schema, {{&x, &y}}, state.range(1) == 1,
                         static_cast<int>(state.range(0)), size_t{2} << 20);
    for (std::string_view chunk = text.next(); !chunk.empty(); chunk = text.next())
      bytes += chunk.size();
  }
  state.counters["rows_per_s"] = benchmark::Counter(static_cast<double>(x.rows),
                                                    benchmark::Counter::kIsIterationInvariantRate);
  state.counters["MB_per_s"] =
      benchmark::Counter(static_cast<double>(bytes) / 1e6, benchmark::Counter::kIsRate);
}
BENCHMARK(BM_RowText)
    ->Args({0, 0})
    ->Args({1, 0})
    ->Args({2, 0})
    ->Args({2, 1})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
