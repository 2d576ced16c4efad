// The deep generators' training loop (training_loop.h): divergence check, progress, block means,
// model selection with the best weights kept, early stopping; the step budget, held-back rows and
// the row sampler.
#include "training_loop.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <sstream>

#include "imbgen/core/error.h"

namespace imbgen {

LoopResult run_training(const LoopSettings& settings, const std::vector<std::string>& keys,
                        const std::function<std::vector<double>()>& step,
                        const std::function<double()>& score,
                        const std::function<void()>& keep_best, Observer& observer) {
  const bool validate = score && settings.validation_every > 0;
  const size_t k = keys.size();
  std::vector<int> steps_done;
  std::vector<std::vector<double>> curves(k);
  std::vector<double> sums(k, 0.0);
  int in_block = 0;
  std::vector<int> val_step;
  std::vector<double> val_mmd;
  double best = std::numeric_limits<double>::infinity();
  int best_step = 0;
  int since_best = 0;
  bool stopped_early = false;

  for (int s = 1; s <= settings.steps; ++s) {
    const std::vector<double> values = step();
    check_internal(values.size() == k, "run_training: a step returned the wrong number of values");
    Progress progress{settings.task, s, settings.steps, {}};
    bool finite = true;
    for (size_t i = 0; i < k; ++i) {
      progress.values.emplace_back(keys[i], values[i]);
      finite = finite && std::isfinite(values[i]);
    }
    if (!finite) {
      std::ostringstream msg;
      msg << settings.task << ": training diverged at step " << s << " of " << settings.steps
          << " (";
      for (size_t i = 0; i < k; ++i) msg << (i ? ", " : "") << keys[i] << " = " << values[i];
      msg << "); hint: " << settings.divergence_hint;
      throw Error(ErrorKind::kDiverged, msg.str());
    }
    if (validate && (s % settings.validation_every == 0 || s == settings.steps)) {
      const double mmd = score();
      val_step.push_back(s);
      val_mmd.push_back(mmd);
      progress.values.emplace_back("mmd", mmd);
      if (mmd < best) {
        best = mmd;
        best_step = s;
        since_best = 0;
        keep_best();
      } else {
        ++since_best;
      }
    }
    observer.on_progress(progress);

    for (size_t i = 0; i < k; ++i) sums[i] += values[i];
    ++in_block;
    const bool stop = validate && settings.patience > 0 && since_best >= settings.patience;
    if (in_block == settings.history_every || s == settings.steps || stop) {
      steps_done.push_back(s);
      for (size_t i = 0; i < k; ++i) curves[i].push_back(sums[i] / in_block);
      std::fill(sums.begin(), sums.end(), 0.0);
      in_block = 0;
    }
    if (stop) {
      stopped_early = s < settings.steps;
      break;
    }
  }

  LoopResult result;
  result.history = {{"step", steps_done}};
  for (size_t i = 0; i < k; ++i) result.history[keys[i]] = curves[i];
  if (validate) {
    result.history["validation"] = {{"step", val_step},
                                    {"mmd", val_mmd},
                                    {"best_step", best_step},
                                    {"best_mmd", best},
                                    {"stopped_early", stopped_early}};
  }
  result.has_best = best_step > 0;
  return result;
}

int step_budget(int steps, double epochs, size_t rows, size_t batch, int64_t min_steps,
                int64_t max_steps) {
  if (steps > 0) return steps;
  const double wanted = std::ceil(epochs * static_cast<double>(rows) / static_cast<double>(batch));
  return static_cast<int>(std::clamp<int64_t>(static_cast<int64_t>(wanted), min_steps, max_steps));
}

void note_no_validation(Observer& observer, const std::string& task, const std::string& needs) {
  observer.on_message(task + ": too few rows to hold some back for validation (" + needs +
                      "); training on all of them and keeping the last weights");
}

HoldoutSplit holdout_split(size_t n, double fraction, size_t min_validation, size_t min_train,
                           uint64_t seed) {
  HoldoutSplit out;
  const auto m = static_cast<size_t>(std::llround(fraction * static_cast<double>(n)));
  if (fraction <= 0.0 || m < min_validation || m > n || n - m < min_train) {
    out.train.resize(n);
    std::iota(out.train.begin(), out.train.end(), size_t{0});
    return out;
  }
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), size_t{0});
  Rng rng(seed);
  rng.shuffle(order);
  out.validation.assign(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(m));
  out.train.assign(order.begin() + static_cast<std::ptrdiff_t>(m), order.end());
  std::sort(out.validation.begin(), out.validation.end());
  std::sort(out.train.begin(), out.train.end());
  return out;
}

size_t ConditionSplit::validation_rows() const {
  size_t n = 0;
  for (const auto& v : validation) n += v.size();
  return n;
}

ConditionSplit split_by_condition(const std::vector<int>& condition, size_t n_conditions,
                                  double fraction, size_t min_validation, size_t min_train,
                                  uint64_t seed) {
  std::vector<std::vector<size_t>> rows_of(n_conditions);
  for (size_t i = 0; i < condition.size(); ++i) {
    rows_of[static_cast<size_t>(condition[i])].push_back(i);
  }
  ConditionSplit out;
  out.train_of.resize(n_conditions);
  out.validation.resize(n_conditions);
  for (size_t c = 0; c < n_conditions; ++c) {
    const HoldoutSplit split = holdout_split(rows_of[c].size(), fraction, min_validation, min_train,
                                             mix_seed(seed, 100 + c));
    for (size_t i : split.train) out.train_of[c].push_back(rows_of[c][i]);
    for (size_t i : split.validation) out.validation[c].push_back(rows_of[c][i]);
    out.train.insert(out.train.end(), out.train_of[c].begin(), out.train_of[c].end());
  }
  std::sort(out.train.begin(), out.train.end());
  return out;
}

Matrix score_sample(const Matrix& m, size_t max_rows, uint64_t seed) {
  std::vector<size_t> order(m.rows);
  std::iota(order.begin(), order.end(), size_t{0});
  Rng rng(seed);
  rng.shuffle(order);
  order.resize(std::min(order.size(), max_rows));
  return m.select_rows(order);
}

RowSampler::RowSampler(size_t n, uint64_t seed) : rng_(seed), order_(n), cursor_(n) {
  std::iota(order_.begin(), order_.end(), 0);
}

std::vector<int64_t> RowSampler::next(size_t batch) {
  check_internal(!order_.empty(), "RowSampler: no rows");
  std::vector<int64_t> idx(batch);
  for (auto& i : idx) {
    if (cursor_ == order_.size()) {
      rng_.shuffle(order_);
      cursor_ = 0;
    }
    i = order_[cursor_++];
  }
  return idx;
}

}  // namespace imbgen
