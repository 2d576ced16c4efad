// `imbgen benchmark`: the configuration, the plan of cells (data set x repeat x fold x strategy),
// the pool of workers that computes and stores them (in this process, or across the ranks of a
// cluster), and the work of one cell.
#include "imbgen/experiment/benchmark.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <exception>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <thread>
#include <type_traits>

#include "auto_select.h"
#include "benchmark_results.h"
#include "cell.h"
#include "imbgen/classifiers/classifier.h"
#include "imbgen/core/error.h"
#include "imbgen/core/rng.h"
#include "imbgen/core/text.h"
#include "imbgen/core/version.h"
#include "imbgen/data/csv.h"
#include "imbgen/data/split.h"
#include "imbgen/evaluation/evaluate.h"
#include "imbgen/experiment/run.h"
#include "imbgen/experiment/settings.h"
#include "imbgen/experiment/store.h"
#include "imbgen/experiment/strategy.h"
#include "imbgen/generators/generator.h"

namespace imbgen {
namespace {

using namespace experiment_detail;

// Streams of mix_seed, so that no two uses of one seed coincide.
constexpr uint64_t kValidationStream = 0x76616c;  // "val"
constexpr uint64_t kClassifierStream = 0x636c66;  // "clf"
constexpr uint64_t kEvaluationStream = 0x6576;    // "ev"
constexpr uint64_t kAutoStream = 0x6175746f;      // "auto"

bool valid_name(const std::string& s) {
  if (s.empty() || s == "." || s == "..") return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
  });
}

// A seed stream from a name (FNV-1a), so seeds do not depend on the order of the lists.
uint64_t name_stream(const std::string& s) {
  uint64_t h = 14695981039346656037ULL;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

// Identifies a data set's content in the store's configuration: names, labels and every value.
std::string fingerprint(const Table& t) {
  uint64_t h = 14695981039346656037ULL;
  auto add_bytes = [&](const void* p, size_t n) {
    const auto* b = static_cast<const unsigned char*>(p);
    for (size_t i = 0; i < n; ++i) {
      h ^= b[i];
      h *= 1099511628211ULL;
    }
  };
  auto add_string = [&](const std::string& s) {
    add_bytes(s.data(), s.size());
    add_bytes("\0", 1);
  };
  for (const auto& c : t.columns) {
    add_string(c.name);
    add_bytes(&c.kind, sizeof c.kind);
    for (const auto& cat : c.categories) add_string(cat);
  }
  add_string(t.target);
  for (const auto& c : t.classes) add_string(c);
  add_bytes(t.x.data.data(), t.x.data.size() * sizeof(double));
  add_bytes(t.y.data(), t.y.size() * sizeof(int));
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

// Collects type problems while reading a JSON object into a config.
class Reader {
 public:
  explicit Reader(const nlohmann::json& j) : j_(j) {
    if (!j.is_object())
      problems_.push_back("expected a JSON object, got " + std::string(j.type_name()));
  }
  template <typename T>
  void get(const char* key, T& out, const char* expected) {
    if (!j_.is_object() || !j_.contains(key)) return;
    seen_.push_back(key);
    const auto& v = j_.at(key);
    bool ok = false;
    if constexpr (std::is_same_v<T, bool>)
      ok = v.is_boolean();
    else if constexpr (std::is_same_v<T, int>)
      ok = v.is_number_integer();
    else if constexpr (std::is_same_v<T, uint64_t>)
      ok = v.is_number_unsigned() || (v.is_number_integer() && v.get<int64_t>() >= 0);
    else if constexpr (std::is_same_v<T, double>)
      ok = v.is_number();
    else if constexpr (std::is_same_v<T, nlohmann::json>)
      ok = v.is_object();
    else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
      ok = v.is_array() &&
           std::all_of(v.begin(), v.end(), [](const auto& e) { return e.is_string(); });
    }
    if (!ok) {
      problems_.push_back("'" + std::string(key) + "': expected " + expected + ", got " + v.dump());
      return;
    }
    out = v.get<T>();
  }
  std::vector<std::string> finish() {
    if (j_.is_object()) {
      for (const auto& [key, value] : j_.items()) {
        if (!contains(seen_, key)) problems_.push_back("unknown key '" + key + "'");
      }
    }
    return problems_;
  }

 private:
  const nlohmann::json& j_;
  std::vector<std::string> seen_;
  std::vector<std::string> problems_;
};

// Thrown at a cell's checkpoints when the run is stopping; never leaves run_benchmark.
struct Cancelled {};

// Passed as the observer of generators and evaluation: a checkpoint at every progress report.
class Checkpoint : public Observer {
 public:
  explicit Checkpoint(std::function<bool()> stopping) : stopping_(std::move(stopping)) {}
  void on_progress(const Progress&) override { check(); }
  void check() const {
    if (stopping_()) throw Cancelled{};
  }

 private:
  std::function<bool()> stopping_;
};

struct Prepared {
  const BenchmarkData* data = nullptr;
  int positive = 1;
  uint64_t data_seed = 0;
  std::vector<uint64_t> repeat_seeds;     // per repeat
  std::vector<std::vector<Split>> folds;  // [repeat][fold]
};

struct CellPlan {
  size_t dataset;
  int repeat, fold;
  std::string strategy;
  std::string key;
};

// The store takes letters, digits, '.', '_' and '-': "smote@0.25" is stored as "smote-0.25"
// (strategy names hold no '-', so no two names share a key; names without a ratio keep theirs).
std::string cell_key(const std::string& dataset, int repeat, int fold,
                     const std::string& strategy) {
  std::string name = strategy;
  std::replace(name.begin(), name.end(), '@', '-');
  return dataset + "/r" + std::to_string(repeat) + "-f" + std::to_string(fold) + "-" + name;
}

std::vector<int> binary_labels(const Table& t, int positive) {
  std::vector<int> out(t.rows());
  for (size_t i = 0; i < t.rows(); ++i) out[i] = t.y[i] == positive ? 1 : 0;
  return out;
}

nlohmann::json run_cell(const Prepared& p, const BenchmarkConfig& config, const CellPlan& plan,
                        int threads, Checkpoint& checkpoint,
                        const std::function<void(const AutoInnerFold&)>& on_auto_fold) {
  const auto t0 = std::chrono::steady_clock::now();
  const Table& table = p.data->table;
  const Split& split = p.folds[static_cast<size_t>(plan.repeat)][static_cast<size_t>(plan.fold)];
  const uint64_t fold_seed =
      mix_seed(p.repeat_seeds[static_cast<size_t>(plan.repeat)], static_cast<uint64_t>(plan.fold));
  const bool first = plan.repeat == 0 && plan.fold == 0;

  // The training rows split into the fit part and the validation part (same for every strategy).
  std::vector<int> y_train(split.train.size());
  for (size_t i = 0; i < split.train.size(); ++i) y_train[i] = table.y[split.train[i]];
  const Split inner =
      stratified_split(y_train, config.validation_fraction, mix_seed(fold_seed, kValidationStream));
  std::vector<size_t> fit_rows, val_rows;
  for (size_t i : inner.train) fit_rows.push_back(split.train[i]);
  for (size_t i : inner.test) val_rows.push_back(split.train[i]);
  const Table fit = table.subset(fit_rows);
  const Table val = table.subset(val_rows);
  const Table test = table.subset(split.test);

  // Everything that is fit sees the fit part only.
  ModelSpace space;
  space.fit(fit);
  // A strategy's training set; the generator's seed comes from the strategy's name, so auto's
  // refit of "smote@0.5" is that strategy's own cell. GEN@RATIO at the benchmark's own ratio is
  // the strategy GEN, seed included: auto's refit of "gan@1" is the "gan" cell.
  auto training_for = [&](const std::string& strategy) {
    const StrategyName name = parse_strategy(strategy);
    const std::string& seed_name =
        name.has_ratio() && name.ratio == config.ratio ? name.base : strategy;
    const size_t n_new = rows_to_add(fit, p.positive, name.has_ratio() ? name.ratio : config.ratio);
    const nlohmann::json gen_config = config.generator_configs.contains(name.base)
                                          ? config.generator_configs.at(name.base)
                                          : nlohmann::json::object();
    const uint64_t gen_seed = mix_seed(fold_seed, name_stream(seed_name));
    checkpoint.check();
    return build_training_set(
        name.base, fit, space,
        n_new > 0 ? std::map<int, size_t>{{p.positive, n_new}} : std::map<int, size_t>{},
        gen_config, gen_seed, &checkpoint);
  };
  const ClassifierContext context{mix_seed(fold_seed, kClassifierStream), threads};
  const bool is_auto = plan.strategy == "auto";
  TrainingSet training;
  std::map<std::string, AutoChoice> choices;
  std::map<std::string, TrainingSet> chosen_sets;
  if (is_auto) {
    // The inner cross-validation sees the fit part only: never the validation part (thresholds)
    // nor the test fold.
    AutoJob job;
    job.table = &table;
    job.rows = fit_rows;
    job.positive = p.positive;
    job.config = config.auto_config;
    job.classifiers = config.classifiers;
    job.classifier_configs = config.classifier_configs;
    job.generator_configs = config.generator_configs;
    job.context = context;
    job.seed = mix_seed(fold_seed, kAutoStream);
    job.observer = &checkpoint;
    if (on_auto_fold) {
      job.on_fold = [&](const std::vector<size_t>& inner_fit, const std::vector<size_t>& scored) {
        on_auto_fold(AutoInnerFold{p.data->name, plan.repeat, plan.fold, split.test, val_rows,
                                   inner_fit, scored});
      };
    }
    choices = select_by_inner_cv(job);
    for (const auto& [clf, choice] : choices)
      if (!chosen_sets.count(choice.chosen))
        chosen_sets.emplace(choice.chosen, training_for(choice.chosen));
  } else {
    training = training_for(plan.strategy);
  }
  nlohmann::json cell = {{"dataset", p.data->name},
                         {"repeat", plan.repeat},
                         {"fold", plan.fold},
                         {"strategy", plan.strategy}};
  cell["rows"] = {{"train", split.train.size()},
                  {"fit", fit.rows()},
                  {"validation", val.rows()},
                  {"test", test.rows()},
                  {"synthetic", training.synthetic.rows}};
  cell["classes"] = {{"fit", class_summary(table, fit_rows)},
                     {"validation", class_summary(table, val_rows)},
                     {"test", class_summary(table, split.test)}};
  if (!training.generator.is_null()) {
    nlohmann::json gen = training.generator;
    if (!first) gen.erase("history");  // the report draws the first fold's curves only
    if (first && config.evaluate && training.synthetic.rows >= 2) {
      nlohmann::json ej = config.evaluation_config;
      if (!ej.contains("tsne")) ej["tsne"] = false;
      EvaluationConfig ec = EvaluationConfig::from_json(ej);
      ec.seed = mix_seed(fold_seed, kEvaluationStream);
      ec.threads = threads;
      gen["evaluation"] =
          evaluate_synthetic(fit, test, space, training.synthetic, p.positive, ec, &checkpoint);
    }
    cell["generator"] = std::move(gen);
  }

  std::map<std::string, Matrix> x_model_of;  // training set name -> classifier space
  const Matrix val_model = space.to_classifier(val.x);
  const Matrix test_model = space.to_classifier(test.x);
  const std::vector<int> val_labels = binary_labels(val, p.positive);
  const std::vector<int> test_labels = binary_labels(test, p.positive);
  nlohmann::json entries = nlohmann::json::array();
  for (const auto& name : config.classifiers) {
    checkpoint.check();
    const std::string set_name = is_auto ? choices.at(name).chosen : plan.strategy;
    const TrainingSet& used = is_auto ? chosen_sets.at(set_name) : training;
    if (!x_model_of.count(set_name)) x_model_of.emplace(set_name, space.to_classifier(used.x));
    const Matrix& x_model = x_model_of.at(set_name);
    const nlohmann::json clf_config = config.classifier_configs.contains(name)
                                          ? config.classifier_configs.at(name)
                                          : nlohmann::json::object();
    Scored scored = fit_and_score(name, clf_config, context, x_model, used.y, used.weights,
                                  {&val_model, &test_model}, p.positive);
    const std::vector<double>& val_scores = scored.scores[0];
    const std::vector<double>& test_scores = scored.scores[1];
    const TunedThresholds tuned = tune_thresholds(val_labels, val_scores, config.min_precision);
    const BinaryMetrics m = binary_metrics(test_labels, test_scores, scored.default_threshold);
    const BinaryMetrics at_f1 = binary_metrics(test_labels, test_scores, tuned.best_f1);
    const BinaryMetrics at_target =
        binary_metrics(test_labels, test_scores, tuned.precision_target);
    nlohmann::json metrics = m.to_json();
    metrics["f1_tuned"] = at_f1.f1;
    metrics["precision_tuned"] = at_f1.precision;
    metrics["recall_tuned"] = at_f1.recall;
    metrics["mcc_tuned"] = at_f1.mcc;
    metrics["precision_at_target"] = at_target.precision;
    metrics["recall_at_target"] = at_target.recall;
    nlohmann::json entry = {
        {"classifier", name},
        {"metrics", metrics},
        {"score_kind", scored.kind == ScoreKind::kProbability ? "probability" : "decision"},
        {"threshold", scored.default_threshold},
        {"thresholds",
         {{"best_f1", tuned.best_f1},
          {"best_f1_validation", tuned.best_f1_value},
          {"precision_target", tuned.precision_target},
          {"precision_target_reached", tuned.reached}}},
        {"train_rows", used.x.rows},
        {"synthetic_rows", used.synthetic.rows},
        {"fit_seconds", scored.fit_seconds},
        {"classifier_config", scored.config},
    };
    if (is_auto) entry["auto"] = choices.at(name).to_json();
    if (!scored.note.empty()) entry["note"] = scored.note;
    if (first) entry["curves"] = curves_json(test_labels, test_scores);
    entries.push_back(std::move(entry));
  }
  cell["results"] = std::move(entries);
  cell["seconds"] = seconds_since(t0);
  return cell;
}

// ---- computing the cells: in this process, or across the ranks of a cluster ----

// What every way of computing cells needs.
struct Job {
  const std::vector<BenchmarkData>& data;
  const std::vector<Prepared>& prepared;
  const BenchmarkConfig& config;
  const BenchmarkControl& control;
  const std::vector<CellPlan>& all;  // every cell, in plan order; cells are named by their index
  int threads;                       // per classifier
};

std::string cell_place(const Job& job, const CellPlan& plan) {
  return "benchmark cell (data set '" + job.data[plan.dataset].name + "', repeat " +
         std::to_string(plan.repeat) + ", fold " + std::to_string(plan.fold) + ", strategy '" +
         plan.strategy + "')";
}

// The exception being handled, as an Error whose message starts with `where`.
Error error_at(const std::string& where) {
  try {
    throw;
  } catch (const Error& e) {
    return Error(e.kind(), where + ": " + e.what());
  } catch (const std::exception& e) {
    return Error(ErrorKind::kInternal, where + ": " + e.what());
  } catch (...) {
    return Error(ErrorKind::kInternal, where + ": unknown exception");
  }
}

// Stop flag and first error of the threads computing cells in this process.
struct Shared {
  explicit Shared(const BenchmarkControl& c) : control(c) {}
  const BenchmarkControl& control;
  std::atomic<bool> stopping{false};
  std::mutex mutex;  // guards error and the observer
  std::exception_ptr error;

  bool should_stop() const {
    return stopping.load() || (control.stop != nullptr && control.stop->load());
  }
  void fail(std::exception_ptr e) {
    std::lock_guard<std::mutex> lock(mutex);
    stopping = true;
    if (!error) error = std::move(e);
  }
  void progress(int64_t step, int64_t total) {
    if (control.observer == nullptr) return;
    std::lock_guard<std::mutex> lock(mutex);
    control.observer->on_progress(Progress{"benchmark", step, total, {}});
  }
  void message(const std::string& text) {
    if (control.observer == nullptr) return;
    std::lock_guard<std::mutex> lock(mutex);
    control.observer->on_message(text);
  }
};

// One computing thread: takes cell indices from take() until it returns nothing or the run stops,
// and passes each finished cell to give(). A cell's error (or give's) stops every thread and is
// kept in `shared` with the cell named; an abandoned cell (stop) gives nothing.
void compute_cells(const Job& job, Shared& shared,
                   const std::function<std::optional<size_t>()>& take,
                   const std::function<void(size_t, nlohmann::json)>& give) {
  Checkpoint checkpoint([&] { return shared.should_stop(); });
  while (!shared.should_stop()) {
    const std::optional<size_t> i = take();
    if (!i) return;
    const CellPlan& plan = job.all[*i];
    try {
      give(*i, run_cell(job.prepared[plan.dataset], job.config, plan, job.threads, checkpoint,
                           job.control.on_auto_fold));
    } catch (const Cancelled&) {
      return;
    } catch (...) {
      shared.fail(std::make_exception_ptr(error_at(cell_place(job, plan))));
      return;
    }
  }
}

// The pending cells in the order given (costliest_first), handed out to whoever is free first.
class Dispenser {
 public:
  explicit Dispenser(const std::vector<size_t>& pending) : queue_(pending.begin(), pending.end()) {}
  std::optional<size_t> next() {
    std::lock_guard<std::mutex> lock(mutex_);
    if (queue_.empty()) return std::nullopt;
    const size_t i = queue_.front();
    queue_.pop_front();
    return i;
  }

 private:
  std::mutex mutex_;
  std::deque<size_t> queue_;
};

// The pending cells in the order they are handed out: the costliest kinds first, in plan order
// within a kind. First the strategies whose generator trains a network (and auto when one of its
// candidates does), then the other generators (their rows lengthen every classifier's fit), then
// none and class_weight. In plan order, the last fold's network cells were among the last handed
// out and ran on alone while the other threads had nothing left (`bench/protocol_vs_python.sh`,
// 2 cells at once on 2 cores: 176 % CPU). Results do not depend on the order.
std::vector<size_t> costliest_first(const std::vector<CellPlan>& all,
                                    const std::vector<size_t>& pending,
                                    const BenchmarkConfig& config) {
  std::map<std::string, int> kind;  // 2, 1 or 0, by strategy
  for (const std::string& strategy : config.strategies) {
    if (strategy_trains_network(strategy, config.auto_config.candidates)) {
      kind[strategy] = 2;
    } else {
      kind[strategy] = strategy == "auto" || parse_strategy(strategy).generator ? 1 : 0;
    }
  }
  std::vector<size_t> out = pending;
  std::stable_sort(out.begin(), out.end(), [&](size_t a, size_t b) {
    return kind.at(all[a].strategy) > kind.at(all[b].strategy);
  });
  return out;
}

// This process alone: `jobs` threads (the calling one when jobs is 1). Returns the cells stored.
int64_t compute_here(const Job& job, CellStore& store, const std::vector<size_t>& pending) {
  Shared shared(job.control);
  Dispenser dispenser(pending);
  std::atomic<int64_t> done{0};
  const auto total = static_cast<int64_t>(pending.size());
  auto give = [&](size_t i, nlohmann::json cell) {
    store.save(job.all[i].key, cell);
    const int64_t n = ++done;
    shared.progress(n, total);
    if (job.control.stop_after_cells >= 0 && n >= job.control.stop_after_cells)
      shared.stopping = true;
  };
  auto take = [&] { return dispenser.next(); };
  if (!pending.empty()) shared.progress(0, total);
  const int jobs = std::max(1, std::min<int>(job.control.jobs, static_cast<int>(pending.size())));
  if (jobs <= 1) {
    compute_cells(job, shared, take, give);
  } else {
    std::vector<std::thread> pool;
    for (int j = 0; j < jobs; ++j)
      pool.emplace_back([&] { compute_cells(job, shared, take, give); });
    for (auto& t : pool) t.join();
  }
  if (shared.error) std::rethrow_exception(shared.error);
  return done.load();
}

// Messages between the ranks (Cluster tags). A worker rank says hello (its configuration hash,
// host, pid and number of threads); rank 0 answers with one cell per free thread and one more
// each time a result (or an error) comes back; at the end rank 0 says stop, and each worker
// answers bye once its threads have ended.
enum Tag : int { kHello = 1, kAssign = 2, kResult = 3, kFailed = 4, kStop = 5, kBye = 6 };

// How often the thread talking to the other ranks looks for messages while it waits.
constexpr std::chrono::milliseconds kPoll{2};

// Rank 0: the local threads and the other ranks take cells from one dispenser as they become
// free; rank 0 stores every finished cell. Returns the cells stored, and per rank in
// cells_by_rank.
int64_t compute_as_coordinator(const Job& job, Cluster& cluster, CellStore& store,
                               const std::vector<size_t>& pending,
                               std::vector<int64_t>& cells_by_rank) {
  cells_by_rank.assign(static_cast<size_t>(cluster.size()), 0);
  Shared shared(job.control);
  Dispenser dispenser(pending);
  std::atomic<int64_t> done{0};
  std::atomic<int64_t> rank0_cells{0};
  const auto total = static_cast<int64_t>(pending.size());
  auto stored = [&](size_t i, const nlohmann::json& cell) {
    store.save(job.all[i].key, cell);
    const int64_t n = ++done;
    shared.progress(n, total);
    if (job.control.stop_after_cells >= 0 && n >= job.control.stop_after_cells)
      shared.stopping = true;
  };

  // What each rank is computing (rank 0's threads under rank 0), for the message on a stop.
  struct Rank {
    bool said_hello = false, said_bye = false;
    std::string host;
    int64_t pid = 0;
    std::vector<size_t> cells;  // handed out, not yet returned
  };
  std::vector<Rank> ranks(static_cast<size_t>(cluster.size()));
  ranks[0] = {true, false, cluster.host(), static_cast<int64_t>(::getpid()), {}};
  std::mutex ranks_mutex;  // rank 0's entry is changed by its threads
  auto rank_name = [&](int r) {
    const Rank& k = ranks[static_cast<size_t>(r)];
    return "rank " + std::to_string(r) + " (host " + k.host + ", pid " + std::to_string(k.pid) +
           ")";
  };
  auto running = [&](int r, size_t i, bool add) {
    std::lock_guard<std::mutex> lock(ranks_mutex);
    auto& cells = ranks[static_cast<size_t>(r)].cells;
    if (add) {
      cells.push_back(i);
    } else {
      cells.erase(std::remove(cells.begin(), cells.end(), i), cells.end());
    }
  };
  auto assign = [&](int r) {
    if (shared.should_stop()) return;
    if (const auto i = dispenser.next()) {
      running(r, *i, true);
      cluster.send(r, kAssign, std::to_string(*i));
    }
  };
  // A worker's message; one that makes the run fail sets shared.error.
  auto handle = [&](const Cluster::Message& m) {
    const int r = m.from;
    Rank& rank = ranks[static_cast<size_t>(r)];
    auto bad_message = [&](const std::string& what) {
      shared.fail(std::make_exception_ptr(
          Error(ErrorKind::kInternal, "benchmark: " + rank_name(r) + " sent " + what)));
    };
    auto cell_index = [&](const std::string& text) -> std::optional<size_t> {
      char* end = nullptr;
      const unsigned long long i = std::strtoull(text.c_str(), &end, 10);
      if (text.empty() || *end != '\0' || i >= job.all.size() ||
          std::find(rank.cells.begin(), rank.cells.end(), static_cast<size_t>(i)) ==
              rank.cells.end()) {
        bad_message("a result for a cell it was not given ('" + text + "')");
        return std::nullopt;
      }
      return static_cast<size_t>(i);
    };
    if (m.tag == kHello) {
      const nlohmann::json hello = nlohmann::json::parse(m.body, nullptr, false);
      if (hello.is_discarded() || !hello.is_object()) return bad_message("a malformed hello");
      rank.said_hello = true;
      rank.host = hello.value("host", std::string("?"));
      rank.pid = hello.value("pid", int64_t{0});
      if (hello.value("version", std::string()) != version()) {
        return shared.fail(std::make_exception_ptr(Error(
            ErrorKind::kInvalidArgument, "benchmark: " + rank_name(r) + " runs imbgen " +
                                             hello.value("version", std::string("?")) +
                                             ", rank 0 runs " + version() +
                                             "; hint: install the same imbgen on every node")));
      }
      if (hello.value("config_hash", std::string()) != store.hash()) {
        return shared.fail(std::make_exception_ptr(Error(
            ErrorKind::kInvalidArgument,
            "benchmark: " + rank_name(r) + " sees another benchmark than rank 0 (configuration " +
                hello.value("config_hash", std::string("?")) + ", rank 0: " + store.hash() +
                "): its data files or options differ; hint: every rank must read the same data "
                "files (a folder all nodes see) with the same options")));
      }
      const int slots = std::max(1, hello.value("threads", 1));
      for (int k = 0; k < slots; ++k) assign(r);
    } else if (m.tag == kResult) {
      const size_t newline = m.body.find('\n');
      const auto i = cell_index(m.body.substr(0, newline));
      if (!i) return;
      const nlohmann::json cell = nlohmann::json::parse(
          newline == std::string::npos ? std::string() : m.body.substr(newline + 1), nullptr,
          false);
      if (cell.is_discarded() || !cell.is_object())
        return bad_message("a malformed result for cell '" + job.all[*i].key + "'");
      running(r, *i, false);
      try {
        stored(*i, cell);
      } catch (...) {
        return shared.fail(std::make_exception_ptr(error_at(cell_place(job, job.all[*i]))));
      }
      ++cells_by_rank[static_cast<size_t>(r)];
      assign(r);
    } else if (m.tag == kFailed) {
      const nlohmann::json failed = nlohmann::json::parse(m.body, nullptr, false);
      if (failed.is_discarded() || !failed.is_object()) return bad_message("a malformed error");
      const auto i = cell_index(std::to_string(failed.value("cell", int64_t{-1})));
      if (!i) return;
      running(r, *i, false);
      const int kind = failed.value("kind", static_cast<int>(ErrorKind::kInternal));
      shared.fail(std::make_exception_ptr(Error(
          static_cast<ErrorKind>(kind), cell_place(job, job.all[*i]) + " on " + rank_name(r) +
                                            ": " + failed.value("message", std::string("?")))));
    } else if (m.tag == kBye) {
      rank.said_bye = true;
    } else {
      bad_message("an unknown message (tag " + std::to_string(m.tag) + ")");
    }
  };

  if (!pending.empty()) shared.progress(0, total);
  // Rank 0's threads start once every rank has said hello: a rank that sees another benchmark
  // stops the job before any work, and the first cells go to every rank alike.
  std::vector<std::thread> pool;
  auto start_threads = [&] {
    for (size_t r = 1; r < ranks.size(); ++r) {
      if (!ranks[r].said_hello) return;
    }
    for (int j = 0; j < std::max(1, job.control.jobs); ++j) {
      pool.emplace_back([&] {
        compute_cells(
            job, shared,
            [&]() -> std::optional<size_t> {
              const auto i = dispenser.next();
              if (i) running(0, *i, true);
              return i;
            },
            [&](size_t i, nlohmann::json cell) {
              stored(i, cell);
              running(0, i, false);
              ++rank0_cells;
            });
      });
    }
  };
  auto stop_and_join = [&] {
    shared.stopping = true;
    for (auto& t : pool) {
      if (t.joinable()) t.join();
    }
  };
  try {
    while (!shared.should_stop() && done.load() < total) {
      if (const auto m = cluster.receive(kPoll)) {
        handle(*m);
        if (pool.empty() && m->tag == kHello) start_threads();
      }
    }
    if (!shared.error && job.control.stop != nullptr && job.control.stop->load()) {
      // Said at once: a launcher that stops the job (a rank died, or it was cancelled) kills
      // this process soon after.
      std::string what;
      std::lock_guard<std::mutex> lock(ranks_mutex);
      for (int r = 0; r < cluster.size(); ++r) {
        for (size_t i : ranks[static_cast<size_t>(r)].cells)
          what += (what.empty() ? "" : "; ") + rank_name(r) + ": '" + job.all[i].key + "'";
      }
      shared.message("cells in progress when the run stopped: " +
                     (what.empty() ? std::string("none") : what));
    }
    for (int r = 1; r < cluster.size(); ++r) cluster.send(r, kStop, "");
    stop_and_join();
    // Cells finished before the workers saw the stop are stored too; then every rank has ended
    // its threads. A stopped run waits a while only: its launcher may be taking the job down.
    const bool stopped = job.control.stop != nullptr && job.control.stop->load();
    const auto t0 = std::chrono::steady_clock::now();
    auto all_bye = [&] {
      for (size_t r = 1; r < ranks.size(); ++r) {
        if (!ranks[r].said_bye) return false;
      }
      return true;
    };
    while (!shared.error && !all_bye() && (!stopped || seconds_since(t0) < 10)) {
      if (const auto m = cluster.receive(kPoll)) handle(*m);
    }
    cluster.flush();
  } catch (...) {
    stop_and_join();
    throw;
  }
  if (shared.error) std::rethrow_exception(shared.error);
  cells_by_rank[0] = rank0_cells.load();
  return done.load();
}

// Another rank than 0: says hello, computes the cells rank 0 hands out on `jobs` threads and
// sends each back (or its error), until rank 0 says stop. Returns the cells computed.
int64_t compute_as_worker(const Job& job, Cluster& cluster, const std::string& config_hash) {
  Shared shared(job.control);
  std::mutex mutex;
  std::condition_variable wake;
  std::deque<size_t> assigned;
  struct Done {
    size_t cell;
    std::string result;  // the cell's JSON, or empty after an error
    int kind = 0;
    std::string message;
  };
  std::deque<Done> outbox;
  bool stop = false;
  int64_t computed = 0, received = 0;

  const int jobs = std::max(1, job.control.jobs);
  cluster.send(0, kHello,
               nlohmann::json{{"version", version()},
                              {"config_hash", config_hash},
                              {"host", cluster.host()},
                              {"pid", static_cast<int64_t>(::getpid())},
                              {"threads", jobs}}
                   .dump());
  std::vector<std::thread> pool;
  for (int j = 0; j < jobs; ++j) {
    pool.emplace_back([&] {
      Checkpoint checkpoint([&] { return shared.stopping.load(); });
      while (true) {
        size_t i = 0;
        {
          std::unique_lock<std::mutex> lock(mutex);
          wake.wait(lock, [&] { return stop || !assigned.empty(); });
          if (stop) return;
          i = assigned.front();
          assigned.pop_front();
        }
        const CellPlan& plan = job.all[i];
        Done d{i, {}, 0, {}};
        try {
          d.result = run_cell(job.prepared[plan.dataset], job.config, plan, job.threads, checkpoint,
                           job.control.on_auto_fold)
                         .dump();
        } catch (const Cancelled&) {
          return;
        } catch (const Error& e) {
          d.kind = static_cast<int>(e.kind());
          d.message = e.what();
        } catch (const std::exception& e) {
          d.kind = static_cast<int>(ErrorKind::kInternal);
          d.message = e.what();
        }
        std::lock_guard<std::mutex> lock(mutex);
        outbox.push_back(std::move(d));
      }
    });
  }
  auto send_finished = [&] {
    std::deque<Done> ready;
    {
      std::lock_guard<std::mutex> lock(mutex);
      ready.swap(outbox);
    }
    for (auto& d : ready) {
      if (d.result.empty()) {
        cluster.send(
            0, kFailed,
            nlohmann::json{{"cell", d.cell}, {"kind", d.kind}, {"message", d.message}}.dump());
      } else {
        ++computed;
        cluster.send(0, kResult, std::to_string(d.cell) + "\n" + d.result);
      }
    }
  };
  auto end_threads = [&] {
    {
      std::lock_guard<std::mutex> lock(mutex);
      stop = true;
    }
    shared.stopping = true;
    wake.notify_all();
    for (auto& t : pool) {
      if (t.joinable()) t.join();
    }
  };
  try {
    bool stopped = false;
    while (!stopped) {
      send_finished();
      const auto m = cluster.receive(kPoll);
      if (!m) continue;
      if (m->from != 0) continue;  // only rank 0 sends to workers
      if (m->tag == kStop) {
        stopped = true;
      } else if (m->tag == kAssign) {
        ++received;
        if (job.control.kill_at_cell > 0 && received == job.control.kill_at_cell)
          std::raise(SIGKILL);  // test hook: die as a crash would, mid-run
        const size_t i = std::stoull(m->body);
        if (i >= job.all.size())
          throw Error(ErrorKind::kInternal, "benchmark: rank 0 handed out cell " + m->body +
                                                " of " + std::to_string(job.all.size()));
        {
          std::lock_guard<std::mutex> lock(mutex);
          assigned.push_back(i);
        }
        wake.notify_one();
      }
    }
    end_threads();
    send_finished();
    cluster.send(0, kBye, "");
    cluster.flush();
  } catch (...) {
    end_threads();
    throw;
  }
  return computed;
}

}  // namespace

// ---- configuration ----

void BenchmarkConfig::validate() const {
  std::vector<std::string> problems;
  const auto classifiers_known = classifier_names();
  if (strategies.empty()) problems.push_back("no strategy given");
  if (classifiers.empty()) problems.push_back("no classifier given");
  auto check_list = [&](const std::vector<std::string>& names,
                        const std::vector<std::string>& known, const char* what) {
    std::vector<std::string> seen;
    for (const auto& s : names) {
      if (!contains(known, s)) {
        problems.push_back("unknown " + std::string(what) + " '" + s + "' (valid: " + join(known) +
                           ")");
      } else if (contains(seen, s)) {
        problems.push_back(std::string(what) + " '" + s + "' is listed twice");
      }
      seen.push_back(s);
    }
  };
  for (auto& p : strategy_problems(strategies)) problems.push_back(std::move(p));
  check_list(classifiers, classifiers_known, "classifier");
  for (const auto& b : baselines) {
    try {
      parse_strategy(b);
    } catch (const Error& e) {
      const std::string m = e.what();
      const std::string unknown = "unknown strategy";
      problems.push_back(m.compare(0, unknown.size(), unknown) == 0
                             ? "unknown baseline" + m.substr(std::string("unknown").size())
                             : "baseline: " + m);
    }
  }
  if (!(ratio > 0.0) || ratio > 1.0)
    problems.push_back("ratio must be in (0, 1] (minority/majority after augmentation), got " +
                       format_number(ratio));
  if (folds < 2) problems.push_back("folds must be >= 2, got " + std::to_string(folds));
  if (repeats < 1) problems.push_back("repeats must be >= 1, got " + std::to_string(repeats));
  if (!(validation_fraction > 0.0 && validation_fraction < 1.0))
    problems.push_back("validation fraction must be in (0, 1), got " +
                       format_number(validation_fraction));
  if (!(min_precision > 0.0 && min_precision <= 1.0))
    problems.push_back("min precision must be in (0, 1], got " + format_number(min_precision));
  if (!(confidence > 0.0 && confidence < 1.0))
    problems.push_back("confidence must be in (0, 1), got " + format_number(confidence));
  if (!(alpha > 0.0 && alpha < 1.0))
    problems.push_back("alpha must be in (0, 1), got " + format_number(alpha));
  // Options of the generators and classifiers run, checked now rather than in a cell minutes
  // into the run; options for a component not in use are a mistake too.
  for (auto& p : auto_problems(strategies, auto_config)) problems.push_back(std::move(p));
  for (auto& p : component_problems(generator_configs, generators_in_use(strategies, auto_config),
                                    classifier_configs, classifiers, &evaluation_config))
    problems.push_back(std::move(p));
  if (!problems.empty()) throw_problems("invalid benchmark configuration", problems);
}

nlohmann::json BenchmarkConfig::to_json() const {
  nlohmann::json j = {{"strategies", strategies},
                      {"classifiers", classifiers},
                      {"ratio", ratio},
                      {"folds", folds},
                      {"repeats", repeats},
                      {"seed", seed},
                      {"validation_fraction", validation_fraction},
                      {"min_precision", min_precision},
                      {"generator_configs", generator_configs},
                      {"classifier_configs", classifier_configs},
                      {"evaluate", evaluate},
                      {"evaluation_config", evaluation_config},
                      {"confidence", confidence},
                      {"alpha", alpha},
                      {"baselines", baselines}};
  // Only when auto runs, so that the configuration (and the store of a resumed run) of a job
  // without it is what it was before auto existed.
  if (contains(strategies, "auto")) j["auto"] = auto_config.to_json();
  return j;
}

BenchmarkConfig BenchmarkConfig::from_json(const nlohmann::json& j) {
  BenchmarkConfig c;
  Reader r(j);
  r.get("strategies", c.strategies, "an array of names");
  r.get("classifiers", c.classifiers, "an array of names");
  r.get("ratio", c.ratio, "a number");
  r.get("folds", c.folds, "an integer");
  r.get("repeats", c.repeats, "an integer");
  r.get("seed", c.seed, "a non-negative integer");
  r.get("validation_fraction", c.validation_fraction, "a number");
  r.get("min_precision", c.min_precision, "a number");
  r.get("generator_configs", c.generator_configs, "an object");
  r.get("classifier_configs", c.classifier_configs, "an object");
  r.get("evaluate", c.evaluate, "true or false");
  r.get("evaluation_config", c.evaluation_config, "an object");
  r.get("confidence", c.confidence, "a number");
  r.get("alpha", c.alpha, "a number");
  r.get("baselines", c.baselines, "an array of names");
  nlohmann::json auto_json;
  r.get("auto", auto_json, "an object");
  std::vector<std::string> problems = r.finish();
  if (!auto_json.is_null()) {
    try {
      c.auto_config = AutoConfig::from_json(auto_json);
    } catch (const Error& e) {
      problems.push_back(e.what());
    }
  }
  if (!problems.empty()) throw_problems("benchmark config", problems);
  c.validate();
  return c;
}

std::string dataset_name(const std::string& path) {
  std::string name = std::filesystem::path(path).filename().string();
  for (const char* ext : {".gz", ".csv"}) {
    const std::string e = ext;
    if (name.size() > e.size() && name.compare(name.size() - e.size(), e.size(), e) == 0)
      name.resize(name.size() - e.size());
  }
  for (char& ch : name) {
    const bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                    (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' || ch == '-';
    if (!ok) ch = '_';
  }
  if (name.empty() || name == "." || name == "..") name = "data";
  return name;
}

// ---- thresholds ----

TunedThresholds tune_thresholds(const std::vector<int>& labels, const std::vector<double>& scores,
                                double min_precision) {
  if (labels.empty() || labels.size() != scores.size()) {
    throw Error(ErrorKind::kInvalidArgument,
                "tune_thresholds: expected as many scores as labels (at least one), got " +
                    std::to_string(labels.size()) + " labels and " + std::to_string(scores.size()) +
                    " scores");
  }
  std::vector<size_t> order(labels.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return scores[a] > scores[b]; });
  double positives = 0;
  for (int l : labels) positives += l == 1 ? 1 : 0;
  TunedThresholds out;
  double best_recall = -1;
  double tp = 0, fp = 0;
  // From the highest threshold down; a strictly better value replaces the best, so ties keep
  // the highest threshold.
  for (size_t k = 0; k < order.size();) {
    const double t = scores[order[k]];
    while (k < order.size() && scores[order[k]] == t) {
      (labels[order[k]] == 1 ? tp : fp) += 1;
      ++k;
    }
    const double fn = positives - tp;
    const double f1 = 2 * tp + fp + fn > 0 ? 2 * tp / (2 * tp + fp + fn) : 0.0;
    if (std::isnan(out.best_f1) || f1 > out.best_f1_value) {
      out.best_f1 = t;
      out.best_f1_value = f1;
    }
    const double precision = tp / (tp + fp);
    const double recall = positives > 0 ? tp / positives : 0.0;
    if (precision >= min_precision && recall > best_recall) {
      best_recall = recall;
      out.precision_target = t;
      out.reached = true;
    }
  }
  if (!out.reached) {
    out.precision_target =
        std::nextafter(scores[order.front()], std::numeric_limits<double>::infinity());
  }
  return out;
}

void BenchmarkControl::validate() const {
  std::vector<std::string> problems;
  if (jobs < 1) problems.push_back("--jobs must be >= 1, got " + std::to_string(jobs));
  if (threads < 1) problems.push_back("--threads must be >= 1, got " + std::to_string(threads));
  if (dir.empty()) problems.push_back("--out: the output folder is empty");
  throw_problems("invalid benchmark options", problems);
}

// ---- the run ----

namespace {

// What would stop a cell midway, one line each: a generator (of a strategy, or one that auto
// may choose) whose class has too few rows in some fold's fit part, a numeric column with no
// value in one.
std::vector<std::string> cell_problems(const std::vector<BenchmarkData>& data,
                                       const std::vector<Prepared>& prepared,
                                       const BenchmarkConfig& config) {
  std::vector<std::string> names = config.strategies;
  if (contains(config.strategies, "auto")) {
    for (const auto& c : config.auto_config.expanded_candidates()) names.push_back(c);
  }
  const std::vector<std::string> generators = generators_of(names);
  std::vector<std::string> problems;
  for (size_t d = 0; d < data.size(); ++d) {
    const Prepared& p = prepared[d];
    const Table& table = data[d].table;
    size_t fewest = table.rows();  // positive rows in the smallest fit part
    std::string where;
    std::set<size_t> empty_columns;
    for (int r = 0; r < config.repeats; ++r) {
      for (int f = 0; f < config.folds; ++f) {
        const Split& split = p.folds[static_cast<size_t>(r)][static_cast<size_t>(f)];
        const uint64_t fold_seed =
            mix_seed(p.repeat_seeds[static_cast<size_t>(r)], static_cast<uint64_t>(f));
        std::vector<int> y_train(split.train.size());
        for (size_t i = 0; i < split.train.size(); ++i) y_train[i] = table.y[split.train[i]];
        const Split inner = stratified_split(y_train, config.validation_fraction,
                                             mix_seed(fold_seed, kValidationStream));
        size_t positives = 0;
        for (size_t i : inner.train) positives += y_train[i] == p.positive ? 1 : 0;
        if (positives < fewest) {
          fewest = positives;
          where = "repeat " + std::to_string(r) + ", fold " + std::to_string(f);
        }
        for (size_t j = 0; j < table.columns.size(); ++j) {
          if (table.columns[j].kind != ColumnKind::kNumeric) continue;
          bool any = false;
          for (size_t i : inner.train) any = any || std::isfinite(table.x(split.train[i], j));
          if (!any) empty_columns.insert(j);
        }
      }
    }
    for (size_t j : empty_columns) {
      problems.push_back("data set '" + data[d].name + "': numeric column '" +
                         printable(table.columns[j].name) +
                         "' has no value in the training rows of some folds (all missing); "
                         "hint: --drop " + printable(table.columns[j].name));
    }
    for (const auto& s : generators) {
      const nlohmann::json gen_config = config.generator_configs.contains(s)
                                            ? config.generator_configs.at(s)
                                            : nlohmann::json::object();
      const size_t needed = make_generator(s, gen_config)->min_class_rows();
      if (fewest >= needed) continue;
      problems.push_back("data set '" + data[d].name + "': class '" +
                         printable(table.classes[static_cast<size_t>(p.positive)]) + "' has " +
                         std::to_string(fewest) + " rows to fit " + s + " on in " + where +
                         "; " + s + " needs at least " + std::to_string(needed) +
                         "; hint: fewer --folds, a smaller k_neighbors, or 'random'");
    }
  }
  return problems;
}

}  // namespace

BenchmarkOutcome run_benchmark(const std::vector<BenchmarkData>& data,
                               const BenchmarkConfig& config, const BenchmarkControl& control) {
  const auto t_start = std::chrono::steady_clock::now();
  config.validate();
  control.validate();
  {
    std::vector<std::string> problems;
    if (data.empty()) problems.push_back("no data set given");
    std::vector<std::string> names;
    for (const auto& d : data) {
      if (!valid_name(d.name)) {
        problems.push_back("data set name '" + d.name +
                           "': expected letters, digits, '.', '_' or '-'");
      } else if (contains(names, d.name)) {
        problems.push_back("two data sets are named '" + d.name +
                           "'; hint: give the files different names");
      }
      names.push_back(d.name);
      if (d.table.n_classes() != 2) {
        problems.push_back(
            "data set '" + d.name + "': target '" + d.table.target + "' has " +
            std::to_string(d.table.n_classes()) +
            " classes; imbgen benchmark compares two classes (tuned thresholds, paired tests on "
            "the positive class) for now; hint: 'imbgen run' handles several classes");
        continue;
      }
      const auto counts = d.table.class_counts();
      for (size_t c = 0; c < counts.size(); ++c) {
        // Each test fold needs a row of each class, and so does each validation part.
        if (counts[c] < static_cast<size_t>(2 * config.folds)) {
          problems.push_back("data set '" + d.name + "': class '" + d.table.classes[c] + "' has " +
                             std::to_string(counts[c]) + " rows; " + std::to_string(config.folds) +
                             " folds need at least " + std::to_string(2 * config.folds) +
                             "; hint: fewer --folds");
        }
      }
      // A generator adds rows up to its ratio: one the data already reaches would add none.
      const int pos = d.table.minority_class();
      const double own = static_cast<double>(counts[static_cast<size_t>(pos)]) /
                         static_cast<double>(counts[static_cast<size_t>(1 - pos)]);
      for (const auto& s : config.strategies) {
        const StrategyName n = parse_strategy(s);
        const double r = n.has_ratio() ? n.ratio : config.ratio;
        if (n.generator && r <= own) {
          problems.push_back("data set '" + d.name + "': strategy '" + s +
                             "' adds rows up to "
                             "minority/majority " +
                             format_number(r) +
                             ", which the data already "
                             "reaches (" +
                             format_number(std::round(own * 1000) / 1000) +
                             "); hint: ratios above " +
                             format_number(std::round(own * 1000) / 1000));
        }
      }
    }
    if (!problems.empty()) throw_problems("cannot run the benchmark", problems);
  }

  // ---- plan ----
  std::vector<Prepared> prepared(data.size());
  nlohmann::json datasets = nlohmann::json::array();
  for (size_t d = 0; d < data.size(); ++d) {
    Prepared& p = prepared[d];
    p.data = &data[d];
    p.positive = data[d].table.minority_class();
    p.data_seed = mix_seed(config.seed, name_stream(data[d].name));
    for (int r = 0; r < config.repeats; ++r) {
      p.repeat_seeds.push_back(mix_seed(p.data_seed, static_cast<uint64_t>(r)));
      p.folds.push_back(stratified_kfold(data[d].table.y, config.folds, p.repeat_seeds.back()));
    }
    datasets.push_back({{"name", data[d].name},
                        {"rows", data[d].table.rows()},
                        {"fingerprint", fingerprint(data[d].table)}});
  }
  // What would stop a cell midway is found now, before any cell trains.
  const std::vector<std::string> problems = cell_problems(data, prepared, config);
  if (!problems.empty()) throw_problems("cannot run the benchmark", problems);

  const nlohmann::json store_config = {{"settings", config.to_json()}, {"datasets", datasets}};
  std::vector<CellPlan> all;
  for (size_t d = 0; d < data.size(); ++d) {
    for (int r = 0; r < config.repeats; ++r) {
      for (int f = 0; f < config.folds; ++f) {
        for (const auto& s : config.strategies)
          all.push_back({d, r, f, s, cell_key(data[d].name, r, f, s)});
      }
    }
  }
  const int threads = std::max(1, control.threads / std::max(1, control.jobs));
  const Job job{data, prepared, config, control, all, threads};
  BenchmarkOutcome outcome;
  outcome.cells_total = static_cast<int64_t>(all.size());
  if (control.cluster != nullptr && control.cluster->rank() != 0) {
    // Another rank: compute what rank 0 hands out; rank 0 stores it and writes the outputs.
    outcome.rank = control.cluster->rank();
    outcome.cells_run = compute_as_worker(job, *control.cluster, config_hash(store_config));
    outcome.seconds = seconds_since(t_start);
    return outcome;
  }

  CellStore store(std::filesystem::path(control.dir) / "cells", store_config, control.resume);
  std::vector<size_t> pending;
  for (size_t i = 0; i < all.size(); ++i) {
    if (!store.contains(all[i].key)) pending.push_back(i);
  }
  outcome.store = store.dir().string();
  outcome.cells_resumed = outcome.cells_total - static_cast<int64_t>(pending.size());
  pending = costliest_first(all, pending, config);

  // ---- compute the missing cells ----
  if (control.cluster != nullptr && control.cluster->size() > 1) {
    outcome.cells_run =
        compute_as_coordinator(job, *control.cluster, store, pending, outcome.cells_by_rank);
  } else {
    outcome.cells_run = compute_here(job, store, pending);
  }
  outcome.seconds = seconds_since(t_start);
  if (static_cast<int64_t>(store.size()) < outcome.cells_total ||
      std::any_of(all.begin(), all.end(),
                  [&](const CellPlan& c) { return !store.contains(c.key); })) {
    return outcome;  // stopped: the finished cells are stored
  }

  // ---- assemble ----
  for (size_t d = 0; d < data.size(); ++d) {
    std::vector<nlohmann::json> cells;
    for (const auto& c : all) {
      if (c.dataset == d) cells.push_back(store.load(c.key));
    }
    outcome.results.push_back(assemble_results(data[d], prepared[d].positive, config, cells));
    outcome.names.push_back(data[d].name);
  }
  outcome.complete = true;
  outcome.seconds = seconds_since(t_start);
  return outcome;
}

}  // namespace imbgen
