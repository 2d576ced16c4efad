// One cell's work, shared by `imbgen run` and `imbgen benchmark`: a strategy's training set, a
// classifier's fit and scores, the evaluation of a generator's rows.
#include "cell.h"

#include <stdlib.h>

#include <cmath>

#include "imbgen/core/error.h"
#include "imbgen/core/rng.h"
#include "imbgen/generators/generator.h"

namespace imbgen::experiment_detail {
namespace {

// Rows of class `cls` in table values, missing numbers replaced by the training imputation value
// (the evaluation module takes finite values only).
Matrix class_rows_for_evaluation(const Table& t, int cls, const ModelSpace& space) {
  std::vector<size_t> idx;
  for (size_t i = 0; i < t.rows(); ++i) {
    if (t.y[i] == cls) idx.push_back(i);
  }
  Matrix m = t.x.select_rows(idx);
  for (size_t r = 0; r < m.rows; ++r) {
    for (size_t c = 0; c < m.cols; ++c) {
      if (std::isnan(m(r, c))) m(r, c) = space.encoder().imputation_value(c);
    }
  }
  return m;
}

}  // namespace

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

size_t rows_to_add(const Table& train, int positive, double ratio) {
  const auto counts = train.class_counts();
  const size_t n_pos = counts[static_cast<size_t>(positive)];
  const size_t n_neg = counts[static_cast<size_t>(1 - positive)];
  const auto target = static_cast<size_t>(std::llround(ratio * static_cast<double>(n_neg)));
  return target > n_pos ? target - n_pos : 0;
}

TrainingSet build_training_set(const std::string& strategy, const Table& train,
                               const ModelSpace& space, const std::map<int, size_t>& n_new,
                               const nlohmann::json& generator_config, uint64_t fit_seed,
                               uint64_t sample_seed, Observer* observer) {
  TrainingSet out;
  out.x = train.x;
  out.y = train.y;
  if (strategy == "none") return out;
  if (strategy == "class_weight") {
    out.weights = balanced_sample_weights(out.y);
    return out;
  }
  if (n_new.empty()) {
    throw Error(
        ErrorKind::kInvalidArgument,
        "strategy '" + strategy + "': no class needs synthetic rows under this sampling strategy");
  }
  auto generator = make_generator(strategy, generator_config);
  FitOptions options;
  for (const auto& [cls, rows] : n_new) options.classes.push_back(cls);
  options.seed = fit_seed;
  // One LibTorch thread: intra-op parallelism only slows networks this small down (measured:
  // 300 GAN steps take ~1 s on one thread, ~26 s on two when the other core is busy).
  options.threads = 1;
  options.observer = observer;
  options.spans = space.generator_spans();
  const auto t0 = std::chrono::steady_clock::now();
  // The generator sees the training rows only.
  try {
    generator->fit(space.to_generator(train.x), train.y, options);
  } catch (const Error& e) {
    // Generators name classes by index: give the labels when they differ.
    std::string legend;
    for (size_t c = 0; c < train.classes.size(); ++c) {
      if (train.classes[c] == std::to_string(c)) continue;
      legend += (legend.empty() ? "" : ", ") + std::to_string(c) + " = '" + train.classes[c] + "'";
    }
    if (legend.empty()) throw;
    throw Error(e.kind(), std::string(e.what()) + " (classes: " + legend + ")");
  }
  const double fit_seconds = seconds_since(t0);
  const auto t1 = std::chrono::steady_clock::now();
  nlohmann::json by_class = nlohmann::json::object();
  for (const auto& [cls, rows] : n_new) {
    const uint64_t seed =
        n_new.size() == 1 ? sample_seed : mix_seed(sample_seed, static_cast<uint64_t>(cls));
    const Matrix generated = generator->sample(cls, rows, seed);
    for (double v : generated.data) {
      if (!std::isfinite(v)) {
        throw Error(ErrorKind::kDiverged, "generator '" + strategy +
                                              "' produced a non-finite value (class '" +
                                              train.classes[static_cast<size_t>(cls)] + "')");
      }
    }
    // Back to the table's schema: labels for categories, integers, training bounds.
    const Matrix rows_table = space.from_generator(generated);
    out.synthetic =
        out.synthetic.rows == 0 ? rows_table : Matrix::vstack(out.synthetic, rows_table);
    out.synthetic_y.insert(out.synthetic_y.end(), rows_table.rows, cls);
    by_class[train.classes[static_cast<size_t>(cls)]] = rows_table.rows;
  }
  const double sample_seconds = seconds_since(t1);
  out.x = Matrix::vstack(out.x, out.synthetic);
  out.y.insert(out.y.end(), out.synthetic_y.begin(), out.synthetic_y.end());
  out.generator = {{"config", generator->config()},       {"fit_seconds", fit_seconds},
                   {"sample_seconds", sample_seconds},    {"synthetic_rows", out.synthetic.rows},
                   {"synthetic_rows_by_class", by_class}, {"history", generator->history()}};
  return out;
}

Scored fit_and_score(const std::string& name, const nlohmann::json& config,
                     const ClassifierContext& context, const Matrix& x_model,
                     const std::vector<int>& y, const std::vector<double>& weights,
                     const std::vector<const Matrix*>& score_on, int positive) {
  auto clf = make_classifier(name, config, context);
  Scored out;
  const auto t0 = std::chrono::steady_clock::now();
  clf->fit(x_model, y, weights);
  out.fit_seconds = seconds_since(t0);
  for (const Matrix* m : score_on) {
    Matrix proba = clf->predict_proba(*m);
    if (positive >= 0) {
      std::vector<double> s(m->rows);
      for (size_t i = 0; i < m->rows; ++i) s[i] = proba(i, static_cast<size_t>(positive));
      out.scores.push_back(std::move(s));
    }
    out.proba.push_back(std::move(proba));
  }
  out.kind = clf->score_kind();
  out.default_threshold = out.kind == ScoreKind::kProbability ? 0.5 : 0.0;
  out.note = clf->note();
  out.config = clf->config();
  return out;
}

nlohmann::json evaluate_synthetic(const Table& train, const Table& holdout_table,
                                  const ModelSpace& space, const Matrix& synthetic, int positive,
                                  const EvaluationConfig& config, Observer* observer) {
  std::vector<ColumnKind> kinds;
  for (const auto& c : train.columns) kinds.push_back(c.kind);
  Matrix syn_eval = synthetic;
  for (size_t r = 0; r < syn_eval.rows; ++r) {
    for (size_t c = 0; c < syn_eval.cols; ++c) {
      if (std::isnan(syn_eval(r, c))) syn_eval(r, c) = space.encoder().imputation_value(c);
    }
  }
  const Matrix real = class_rows_for_evaluation(train, positive, space);
  const Matrix holdout = class_rows_for_evaluation(holdout_table, positive, space);
  return evaluate(real, syn_eval, holdout.rows >= 2 ? &holdout : nullptr, train.column_names(),
                  config, observer, kinds);
}

nlohmann::json curve_json(const Curve& c, const char* x_name, const char* y_name,
                          size_t max_points) {
  std::vector<double> xs, ys;
  const size_t n = c.x.size();
  const size_t stride = n > max_points ? (n + max_points - 1) / max_points : 1;
  for (size_t i = 0; i < n; i += stride) {
    xs.push_back(c.x[i]);
    ys.push_back(c.y[i]);
  }
  if (n > 0 && (n - 1) % stride != 0) {
    xs.push_back(c.x[n - 1]);
    ys.push_back(c.y[n - 1]);
  }
  return {{x_name, xs}, {y_name, ys}};
}

nlohmann::json curves_json(const std::vector<int>& labels, const std::vector<double>& scores) {
  return {{"roc", curve_json(roc_curve(labels, scores), "fpr", "tpr")},
          {"pr", curve_json(pr_curve(labels, scores), "recall", "precision")}};
}

nlohmann::json class_summary(const Table& t, const std::vector<size_t>& rows) {
  std::vector<size_t> counts(t.n_classes(), 0);
  for (size_t r : rows) ++counts[static_cast<size_t>(t.y[r])];
  nlohmann::json j = nlohmann::json::object();
  for (size_t c = 0; c < counts.size(); ++c) j[t.classes[c]] = counts[c];
  return j;
}

}  // namespace imbgen::experiment_detail

// One rand() stream per thread. liblinear's dual solvers and libsvm's Platt scaling draw from the
// C library's rand(), and the classifiers seed it with srand() at the start of every fit (see
// include/imbgen/classifiers/classifier_configs.h). glibc's rand() is one process-wide stream,
// so two such fits in different threads (benchmark cells with --jobs > 1) would interleave their
// draws and neither would be reproducible. These definitions, linked into every program that
// uses the experiment module, take the place of the C library's for the program and for the
// shared libraries it loads (the dynamic linker binds liblinear's and libsvm's rand@GLIBC to the
// program's own symbol first). Each thread gets glibc's own generator (random_r with a 128-byte
// state, the TYPE_3 additive feedback generator behind rand()), seeded with 1 until srand() is
// called, so a single thread draws exactly the numbers the C library's rand() would.
namespace {

struct ThreadRand {
  random_data data{};
  char state[128] = {};
  ThreadRand() { ::initstate_r(1, state, sizeof state, &data); }
};

ThreadRand& thread_rand() {
  thread_local ThreadRand r;
  return r;
}

}  // namespace

extern "C" int rand() noexcept {
  int32_t value = 0;
  ::random_r(&thread_rand().data, &value);
  return value;
}

extern "C" void srand(unsigned int seed) noexcept { ::srandom_r(seed, &thread_rand().data); }
