// The training loop of every deep generator (gan, wgan_gp, ctgan, vae, cvae, tvae, ddpm) and the
// pieces around it: the step budget, rows held back for model selection, and a row sampler that
// never drops rows. Torch-free: the step, the score and the copy of the best weights are the
// family's own.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "imbgen/core/observer.h"
#include "imbgen/core/rng.h"
#include "imbgen/data/matrix.h"

namespace imbgen {

// LibTorch's intra-op thread count of the calling thread, set to n for the lifetime of this
// object and restored after: a deep generator's fit() holds one with FitOptions::threads. With
// LibTorch's OpenMP backend (this build's) the count is the calling thread's own OpenMP setting,
// so fits running in parallel threads (benchmark --jobs) do not change each other's, and nothing
// process-wide changes. OpenBLAS (which LibTorch's matrix products call) has one process-wide
// count: it is the program's to set once at start-up (the CLI sets 1). A LibTorch built with
// another thread pool has no per-thread count; there the scope changes nothing. Defined in
// torch_blocks.cpp.
class TorchThreadScope {
 public:
  explicit TorchThreadScope(int n);
  ~TorchThreadScope();
  TorchThreadScope(const TorchThreadScope&) = delete;
  TorchThreadScope& operator=(const TorchThreadScope&) = delete;

 private:
  int previous_ = 0;
};

struct LoopSettings {
  std::string task;             // progress task and the prefix of messages ("gan: class 1")
  int steps = 1;                // training steps
  int history_every = 10;       // the curves keep the mean of every block of this many steps
  int validation_every = 0;     // score every this many steps and after the last; 0: never
  int patience = 0;             // > 0: stop after this many scores in a row without improvement
  std::string divergence_hint;  // what to try when a value is not finite ("lower lr")
};

// What a training run ran into: the history (curves and model selection) and whether a best
// score was seen (its weights were passed to keep_best).
struct LoopResult {
  // {"step": [...], <key>: [...] for each value key (block means)} and, when scores were taken,
  // "validation": {"step": [...], "mmd": [...], "best_step", "best_mmd", "stopped_early"}.
  nlohmann::json history;
  bool has_best = false;
};

// Runs the steps: step() trains one step and returns its values in the order of `keys`; a value
// that is not finite throws Error(kDiverged) naming the task, the step and every value. Each step
// is reported to the observer (the keys and values, plus "mmd" at a scoring step). With
// validation_every > 0 and a score function, score() (lower is better) runs at every
// validation_every-th step and at the last; a score below every earlier one calls keep_best().
// With patience > 0 the run stops after `patience` scores in a row without a new best.
LoopResult run_training(const LoopSettings& settings, const std::vector<std::string>& keys,
                        const std::function<std::vector<double>()>& step,
                        const std::function<double()>& score,
                        const std::function<void()>& keep_best, Observer& observer);

// `steps` when it is > 0; else clamp(ceil(epochs * rows / batch), min_steps, max_steps): each row
// is seen about `epochs` times, within a budget.
int step_budget(int steps, double epochs, size_t rows, size_t batch, int64_t min_steps,
                int64_t max_steps);

// Tells the observer that `task` trains without model selection (too few rows to hold some back).
void note_no_validation(Observer& observer, const std::string& task, const std::string& needs);

// ---- held-back rows ----

// Rows held back from training for model selection: round(fraction * n) rows chosen by a shuffle
// seeded with `seed`, when that gives at least min_validation rows and leaves at least
// min_train; otherwise validation is empty and every row trains. Both lists ascending.
struct HoldoutSplit {
  std::vector<size_t> train;
  std::vector<size_t> validation;
};
HoldoutSplit holdout_split(size_t n, double fraction, size_t min_validation, size_t min_train,
                           uint64_t seed);

// holdout_split of the rows of each condition (condition[i] in [0, n_conditions)), seeded with
// mix_seed(seed, 100 + c): the training and held-back rows of each condition, and the training
// rows of all conditions (ascending).
struct ConditionSplit {
  std::vector<std::vector<size_t>> train_of;    // [condition] -> rows, ascending
  std::vector<std::vector<size_t>> validation;  // [condition] -> rows, ascending
  std::vector<size_t> train;
  size_t validation_rows() const;
};
ConditionSplit split_by_condition(const std::vector<int>& condition, size_t n_conditions,
                                  double fraction, size_t min_validation, size_t min_train,
                                  uint64_t seed);

// The rows of m at the first min(m.rows, max_rows) positions of a seeded shuffle (a bounded
// sample for scores and kernel bandwidths).
Matrix score_sample(const Matrix& m, size_t max_rows, uint64_t seed);

// Draws batches of row indices from n rows: passes over the rows, each in a fresh seeded
// shuffle; a batch larger than what is left of a pass runs on into the next pass. No row is ever
// dropped: after k indices drawn in total, every row has been drawn floor(k / n) or
// floor(k / n) + 1 times.
class RowSampler {
 public:
  RowSampler(size_t n, uint64_t seed);
  std::vector<int64_t> next(size_t batch);
  size_t rows() const { return order_.size(); }

 private:
  Rng rng_;
  std::vector<int64_t> order_;
  size_t cursor_;
};

}  // namespace imbgen
