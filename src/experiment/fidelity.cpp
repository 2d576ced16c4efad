// Fidelity on tables: column checks, category codes aligned by text, imputation, then evaluate().
#include "imbgen/experiment/fidelity.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "imbgen/core/error.h"
#include "imbgen/core/rng.h"
#include "imbgen/core/text.h"

namespace imbgen {
namespace {

std::string kind_name(ColumnKind k) {
  return k == ColumnKind::kCategorical ? "categorical" : "numeric";
}

void check_same_columns(const Table& real, const Table& other) {
  if (other.column_names() != real.column_names()) {
    throw Error(ErrorKind::kInvalidArgument,
                "'" + other.source + "' has the columns " + join(other.column_names()) +
                    " but '" + real.source + "' has " + join(real.column_names()) +
                    "; they must be the same, in the same order");
  }
  for (size_t c = 0; c < real.columns.size(); ++c) {
    if (other.columns[c].kind != real.columns[c].kind) {
      throw Error(ErrorKind::kInvalidArgument,
                  "column '" + real.columns[c].name + "' is " + kind_name(other.columns[c].kind) +
                      " in '" + other.source + "' but " + kind_name(real.columns[c].kind) +
                      " in '" + real.source +
                      "' (hint: declare it categorical for both, e.g. --categorical " +
                      real.columns[c].name + ")");
    }
  }
}

// other's values with categories recoded to real's codes by text (a text real lacks gets a code
// after real's), and missing numbers replaced by `impute`.
Matrix aligned_values(const Table& real, const Table& other, const std::vector<double>& impute) {
  Matrix m = other.x;
  for (size_t c = 0; c < real.columns.size(); ++c) {
    if (real.columns[c].kind == ColumnKind::kCategorical) {
      std::map<std::string, double> code;
      const auto& cats = real.columns[c].categories;
      for (size_t k = 0; k < cats.size(); ++k) code[cats[k]] = static_cast<double>(k);
      std::vector<double> recode;
      double next = static_cast<double>(cats.size());
      for (const auto& text : other.columns[c].categories) {
        auto it = code.find(text);
        if (it == code.end()) it = code.emplace(text, next++).first;
        recode.push_back(it->second);
      }
      for (size_t r = 0; r < m.rows; ++r) m(r, c) = recode.at(static_cast<size_t>(m(r, c)));
    } else {
      for (size_t r = 0; r < m.rows; ++r)
        if (std::isnan(m(r, c))) m(r, c) = impute[c];
    }
  }
  return m;
}

// Median of the finite values of each numeric column of `t` (0 when a column has none).
std::vector<double> medians(const Table& t) {
  std::vector<double> out(t.columns.size(), 0.0);
  for (size_t c = 0; c < t.columns.size(); ++c) {
    std::vector<double> v;
    for (size_t r = 0; r < t.rows(); ++r)
      if (std::isfinite(t.x(r, c))) v.push_back(t.x(r, c));
    if (v.empty()) continue;
    std::sort(v.begin(), v.end());
    const size_t n = v.size();
    out[c] = n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
  }
  return out;
}

nlohmann::json number_at(const nlohmann::json& j, std::initializer_list<const char*> path) {
  const nlohmann::json* p = &j;
  for (const char* k : path) {
    if (!p->is_object() || !p->contains(k)) return nullptr;
    p = &p->at(k);
  }
  return p->is_number() ? *p : nlohmann::json();
}

}  // namespace

nlohmann::json evaluate_tables(const Table& real, const Table& synthetic, const Table* holdout,
                               const EvaluationConfig& config, Observer* observer) {
  check_same_columns(real, synthetic);
  if (holdout != nullptr) check_same_columns(real, *holdout);
  const std::vector<double> impute = medians(real);
  std::vector<ColumnKind> kinds;
  for (const auto& c : real.columns) kinds.push_back(c.kind);
  const Matrix real_x = aligned_values(real, real, impute);
  const Matrix syn_x = aligned_values(real, synthetic, impute);
  Matrix holdout_x;
  if (holdout != nullptr) holdout_x = aligned_values(real, *holdout, impute);
  return evaluate(real_x, syn_x, holdout != nullptr ? &holdout_x : nullptr, real.column_names(),
                  config, observer, kinds);
}

nlohmann::json fidelity_summary(const nlohmann::json& ev) {
  nlohmann::json out = {
      {"detection_auc", number_at(ev, {"detection", "synthetic", "xgboost", "roc_auc"})},
      {"mean_ks", number_at(ev, {"columns", "summary", "mean_ks_statistic"})},
      {"columns_differ", number_at(ev, {"columns", "summary", "differ"})},
      {"pearson_diff", number_at(ev, {"correlations", "pearson", "mean_abs_diff"})},
      {"mmd_pvalue", number_at(ev, {"mmd", "synthetic", "pvalue"})},
      {"precision", number_at(ev, {"prdc", "synthetic", "precision"})},
      {"coverage", number_at(ev, {"prdc", "synthetic", "coverage"})},
      {"dcr_median", number_at(ev, {"privacy", "synthetic", "dcr_median"})},
      {"exact_copy_share", number_at(ev, {"privacy", "synthetic", "exact_copy_share"})},
  };
  if (out["detection_auc"].is_null())
    out["detection_auc"] = number_at(ev, {"detection", "synthetic", "logistic", "roc_auc"});
  out["verdicts"] = ev.value("verdicts", nlohmann::json::object());
  return out;
}

nlohmann::json evaluate_model(const Model& model, const Table& train, uint64_t seed,
                              EvaluationConfig config, Observer* observer) {
  if (train.column_names() != model.schema().column_names()) {
    throw Error(ErrorKind::kInvalidArgument,
                "evaluate_model: '" + train.source + "' is not the model's training table (" +
                    "other columns)");
  }
  config.seed = seed;
  config.tsne = false;
  config.pca = false;
  nlohmann::json classes = nlohmann::json::object();
  for (const int cls : model.fitted_class_indices()) {
    const std::string& label = model.schema().classes.at(static_cast<size_t>(cls));
    const Table real = train.rows_of_class(label);
    if (real.rows() < 2) {
      classes[label] = {{"rows", real.rows()},
                        {"skipped", "fewer than 2 training rows to compare with"}};
      continue;
    }
    Table syn = model.schema();
    syn.source = "synthetic rows of class '" + label + "'";
    syn.x = model.sample_values(cls, real.rows(), class_sample_seed(seed, cls));
    syn.y.assign(syn.x.rows, cls);
    try {
      nlohmann::json s = fidelity_summary(evaluate_tables(real, syn, nullptr, config, observer));
      s["rows"] = real.rows();
      classes[label] = std::move(s);
    } catch (const Error& e) {
      if (e.kind() != ErrorKind::kInvalidArgument) throw;
      classes[label] = {{"rows", real.rows()}, {"skipped", e.what()}};
    }
  }
  return {{"seed", seed}, {"classes", classes}};
}

}  // namespace imbgen
