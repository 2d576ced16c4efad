// run_benchmark across the ranks of a cluster, with ranks as threads of this process (an
// in-process Cluster): the same results as one process, every rank doing cells, a rank that
// sees another benchmark stopping the run before any work, and an error in another rank's cell.
// tests/cli/mpi_test.sh runs the real thing under mpirun.
#include <gtest/gtest.h>

#include <condition_variable>
#include <deque>
#include <mutex>
#include <numeric>
#include <string>
#include <thread>
#include <vector>

#include "data/temp_dir.h"
#include "imbgen/core/error.h"
#include "imbgen/data/csv.h"
#include "imbgen/experiment/benchmark.h"
#include "imbgen/experiment/cluster.h"

namespace imbgen {
namespace {

// Mailboxes shared by the ranks of one in-process cluster.
struct Hub {
  explicit Hub(int n) : boxes(static_cast<size_t>(n)) {}
  std::mutex mutex;
  std::condition_variable arrived;
  std::vector<std::deque<Cluster::Message>> boxes;
};

class ThreadCluster : public Cluster {
 public:
  ThreadCluster(Hub& hub, int rank) : hub_(hub), rank_(rank) {}
  int rank() const override { return rank_; }
  int size() const override { return static_cast<int>(hub_.boxes.size()); }
  std::string host() const override { return "thread" + std::to_string(rank_); }
  void send(int to, int tag, std::string body) override {
    std::lock_guard<std::mutex> lock(hub_.mutex);
    hub_.boxes.at(static_cast<size_t>(to)).push_back({rank_, tag, std::move(body)});
    hub_.arrived.notify_all();
  }
  std::optional<Message> receive(std::chrono::milliseconds wait) override {
    std::unique_lock<std::mutex> lock(hub_.mutex);
    auto& box = hub_.boxes[static_cast<size_t>(rank_)];
    if (!hub_.arrived.wait_for(lock, wait, [&] { return !box.empty(); })) return std::nullopt;
    Message m = std::move(box.front());
    box.pop_front();
    return m;
  }
  void flush() override {}

 private:
  Hub& hub_;
  int rank_;
};

BenchmarkData small_data(const std::string& name) {
  LoadOptions options;
  options.target = "Class";
  options.drop = {"Time"};
  return {name, load_table(std::string(IMBGEN_TEST_DATA) + "/creditcard-small.csv.gz", options)};
}

BenchmarkConfig small_config() {
  BenchmarkConfig c;
  c.strategies = {"none", "smote", "random"};
  c.classifiers = {"logistic", "xgboost"};
  c.folds = 2;
  c.repeats = 1;
  c.seed = 11;
  c.classifier_configs = {{"xgboost", {{"n_estimators", 20}}}};
  c.evaluate = false;
  return c;
}

// Runs the benchmark on `ranks` in-process ranks, rank r reading data[r]; rank 0's outcome, or
// its error's message in `error`.
BenchmarkOutcome run_on_ranks(const std::vector<std::vector<BenchmarkData>>& data,
                              const BenchmarkConfig& config, const std::string& dir,
                              std::string* error = nullptr, ErrorKind* kind = nullptr) {
  const int n = static_cast<int>(data.size());
  Hub hub(n);
  std::vector<ThreadCluster> clusters;
  for (int r = 0; r < n; ++r) clusters.emplace_back(hub, r);
  std::vector<std::thread> others;
  std::vector<std::string> other_errors(static_cast<size_t>(n));
  auto control_of = [&](int r) {
    BenchmarkControl c;
    c.dir = dir;
    c.jobs = 1;
    c.threads = 1;
    c.cluster = &clusters[static_cast<size_t>(r)];
    return c;
  };
  for (int r = 1; r < n; ++r) {
    others.emplace_back([&, r] {
      try {
        const BenchmarkOutcome o =
            run_benchmark(data[static_cast<size_t>(r)], config, control_of(r));
        EXPECT_FALSE(o.complete);
        EXPECT_EQ(o.rank, r);
      } catch (const std::exception& e) {
        other_errors[static_cast<size_t>(r)] = e.what();
      }
    });
  }
  BenchmarkOutcome outcome;
  try {
    outcome = run_benchmark(data[0], config, control_of(0));
  } catch (const Error& e) {
    if (error == nullptr) throw;
    *error = e.what();
    if (kind != nullptr) *kind = e.kind();
  }
  for (auto& t : others) t.join();
  for (int r = 1; r < n; ++r) EXPECT_EQ(other_errors[static_cast<size_t>(r)], "") << "rank " << r;
  return outcome;
}

TEST(BenchmarkCluster, ThreeRanksGiveTheSummaryOfOneProcess) {
  testing::TempDir tmp;
  const std::vector<BenchmarkData> data = {small_data("credit")};
  BenchmarkControl alone;
  alone.dir = tmp.path("alone");
  alone.jobs = 2;
  alone.threads = 2;
  const BenchmarkOutcome reference = run_benchmark(data, small_config(), alone);
  ASSERT_TRUE(reference.complete);
  EXPECT_TRUE(reference.cells_by_rank.empty());

  const BenchmarkOutcome o = run_on_ranks({data, data, data}, small_config(), tmp.path("ranks"));
  ASSERT_TRUE(o.complete);
  EXPECT_EQ(o.cells_run, 6);
  ASSERT_EQ(o.cells_by_rank.size(), 3u);
  EXPECT_EQ(std::accumulate(o.cells_by_rank.begin(), o.cells_by_rank.end(), int64_t{0}), 6);
  // Every rank gets a cell as soon as it says hello, before rank 0's own threads start.
  EXPECT_GE(o.cells_by_rank[1], 1);
  EXPECT_GE(o.cells_by_rank[2], 1);
  EXPECT_EQ(benchmark_summary_table(o), benchmark_summary_table(reference));
  EXPECT_EQ(o.results.at(0).at("statistics"), reference.results.at(0).at("statistics"));
}

TEST(BenchmarkCluster, ARankWithOtherDataStopsTheRunBeforeAnyWork) {
  testing::TempDir tmp;
  const std::vector<BenchmarkData> data = {small_data("credit")};
  std::vector<BenchmarkData> other = data;
  other[0].table.x.data[5] += 1.0;  // one value differs: another fingerprint
  std::string error;
  const BenchmarkOutcome o =
      run_on_ranks({data, other}, small_config(), tmp.path("mismatch"), &error);
  EXPECT_FALSE(o.complete);
  EXPECT_NE(error.find("rank 1 (host thread1, pid "), std::string::npos) << error;
  EXPECT_NE(error.find("sees another benchmark than rank 0"), std::string::npos) << error;
  EXPECT_NE(error.find("every rank must read the same data files"), std::string::npos) << error;
  // Nothing was computed: rank 0's threads wait for every rank's hello.
  std::error_code ec;
  size_t cells = 0;
  for (const auto& e :
       std::filesystem::recursive_directory_iterator(tmp.path("mismatch") + "/cells", ec)) {
    if (e.path().extension() == ".json" && e.path().filename() != "manifest.json") ++cells;
  }
  EXPECT_EQ(cells, 0u);
}

// Two cells and three ranks: both cells go to the other ranks (rank 0's thread starts after their
// hellos, with nothing left), so the error comes back through the cluster.
TEST(BenchmarkCluster, AnErrorInAnotherRanksCellNamesTheCellAndTheRank) {
  testing::TempDir tmp;
  const std::vector<BenchmarkData> data = {small_data("credit")};
  BenchmarkConfig config = small_config();
  config.strategies = {"vae"};
  config.classifiers = {"logistic"};
  config.classifier_configs = nlohmann::json::object();
  config.generator_configs = {{"vae", {{"lr", 1e12}, {"steps", 200}}}};
  std::string error;
  ErrorKind kind = ErrorKind::kInternal;
  const BenchmarkOutcome o =
      run_on_ranks({data, data, data}, config, tmp.path("diverged"), &error, &kind);
  EXPECT_FALSE(o.complete);
  EXPECT_EQ(kind, ErrorKind::kDiverged) << error;
  EXPECT_NE(error.find("benchmark cell (data set 'credit', repeat 0, fold "), std::string::npos)
      << error;
  EXPECT_NE(error.find("strategy 'vae') on rank "), std::string::npos) << error;
  EXPECT_NE(error.find("(host thread"), std::string::npos) << error;
  EXPECT_NE(error.find("training diverged"), std::string::npos) << error;
}

}  // namespace
}  // namespace imbgen
