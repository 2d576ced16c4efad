// One cell's work, shared by `imbgen run` and `imbgen benchmark`: a strategy's training set, a
// classifier's fit and scores, the evaluation of a generator's rows.
#include "cell.h"

#include <cmath>

#include "imbgen/core/error.h"
#include "imbgen/core/rng.h"
#include "imbgen/experiment/model.h"
#include "imbgen/experiment/run.h"
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
                               const nlohmann::json& generator_config, uint64_t seed,
                               Observer* observer) {
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
  // The library's one way to add rows (include/imbgen/experiment/model.h), as resample() does.
  ModelOptions options;
  options.generator = strategy;
  options.config = generator_config;
  options.seed = seed;
  options.observer = observer;
  for (const auto& [cls, rows] : n_new)
    options.classes.push_back(train.classes[static_cast<size_t>(cls)]);
  const Model model = Model::fit(train, options, space);
  const auto t1 = std::chrono::steady_clock::now();
  const SyntheticRows rows = model.generate(n_new, seed);
  const double sample_seconds = seconds_since(t1);
  out.synthetic = rows.x;
  out.synthetic_y = rows.y;
  nlohmann::json by_class = nlohmann::json::object();
  for (const auto& [cls, n] : n_new) by_class[train.classes[static_cast<size_t>(cls)]] = n;
  out.x = Matrix::vstack(out.x, out.synthetic);
  out.y.insert(out.y.end(), out.synthetic_y.begin(), out.synthetic_y.end());
  out.generator = {{"config", model.generator().config()},
                   {"seed", seed},
                   {"fit_seconds", model.card().at("fit_seconds")},
                   {"sample_seconds", sample_seconds},
                   {"synthetic_rows", out.synthetic.rows},
                   {"synthetic_rows_by_class", by_class},
                   {"history", model.generator().history()}};
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

nlohmann::json dataset_summary(const Table& t) {
  nlohmann::json columns = nlohmann::json::array();
  for (const auto& c : t.columns) columns.push_back(c.name);
  std::vector<size_t> all(t.rows());
  for (size_t i = 0; i < all.size(); ++i) all[i] = i;
  return {{"source", t.source},
          {"rows", t.rows()},
          {"features", t.columns.size()},
          {"columns", columns},
          {"target", t.target},
          {"classes", class_summary(t, all)},
          {"class_order", t.classes},
          {"column_summary", column_summary(t)}};
}

}  // namespace imbgen::experiment_detail
