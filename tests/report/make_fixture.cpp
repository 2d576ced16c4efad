// Makes the report's test fixtures from a real run (not built by default; see
// tests/data/report/README.md): run_experiment() on a data file, then, for every generator
// strategy, evaluate() of its synthetic rows against the training rows of the positive class (the
// test rows of that class as the fresh-real reference), and a per-column summary of the data set.
//
// usage: report_make_fixture DATA OUT.json SEED EVALUATE(0|1) STRATEGIES CLASSIFIERS [DROP]
// [TARGET]
//   STRATEGIES, CLASSIFIERS, DROP: comma-separated; TARGET: the class column (default "Class").
#include <cmath>
#include <iostream>
#include <sstream>

#include "imbgen/core/files.h"
#include "imbgen/data/split.h"
#include "imbgen/data/table.h"
#include "imbgen/evaluation/evaluate.h"
#include "imbgen/evaluation/statistics.h"
#include "imbgen/experiment/run.h"

namespace {

std::vector<std::string> split_list(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  for (std::string item; std::getline(ss, item, ',');)
    if (!item.empty()) out.push_back(item);
  return out;
}

nlohmann::json number(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(); }

nlohmann::json column_summary(const imbgen::Table& t) {
  nlohmann::json out = nlohmann::json::array();
  for (size_t j = 0; j < t.columns.size(); ++j) {
    const imbgen::ColumnInfo& info = t.columns[j];
    nlohmann::json entry = {{"name", info.name}};
    if (info.kind == imbgen::ColumnKind::kCategorical) {
      std::vector<size_t> counts(info.categories.size(), 0);
      for (size_t r = 0; r < t.rows(); ++r) ++counts[static_cast<size_t>(t.x(r, j))];
      size_t top = 0;
      for (size_t c = 1; c < counts.size(); ++c)
        if (counts[c] > counts[top]) top = c;
      size_t missing = 0;
      for (size_t c = 0; c < counts.size(); ++c)
        if (info.categories[c].empty()) missing = counts[c];
      entry.update(
          {{"kind", "categorical"},
           {"count", t.rows() - missing},
           {"missing", missing},
           {"levels", info.categories.size()},
           {"top", imbgen::category_label(info.categories[top])},
           {"top_share", static_cast<double>(counts[top]) / static_cast<double>(t.rows())}});
      nlohmann::json labels = nlohmann::json::array();
      for (const auto& c : info.categories) labels.push_back(imbgen::category_label(c));
      entry["categories"] = labels;
      out.push_back(entry);
      continue;
    }
    std::vector<double> all;
    size_t missing = 0;
    nlohmann::json by_class = nlohmann::json::object();
    for (size_t c = 0; c < t.classes.size(); ++c) {
      std::vector<double> v;
      for (size_t r = 0; r < t.rows(); ++r) {
        const double x = t.x(r, j);
        if (std::isnan(x)) continue;
        if (t.y[r] == static_cast<int>(c)) v.push_back(x);
      }
      if (v.empty()) continue;
      const auto cs = imbgen::describe(v, {});
      by_class[t.classes[c]] = {
          {"count", cs.count}, {"mean", number(cs.mean)}, {"std", number(cs.std)}};
    }
    for (size_t r = 0; r < t.rows(); ++r) {
      if (std::isnan(t.x(r, j))) {
        ++missing;
      } else {
        all.push_back(t.x(r, j));
      }
    }
    entry.update({{"kind", "numeric"}, {"count", all.size()}, {"missing", missing}});
    if (!all.empty()) {
      const auto s = imbgen::describe(all, {0.5});
      entry.update({{"mean", number(s.mean)},
                    {"std", number(s.std)},
                    {"min", number(s.min)},
                    {"median", number(s.quantiles[0])},
                    {"max", number(s.max)},
                    {"by_class", by_class}});
    }
    out.push_back(entry);
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 7) {
    std::cerr << "usage: report_make_fixture DATA OUT.json SEED EVALUATE STRATEGIES CLASSIFIERS "
                 "[DROP]\n";
    return 2;
  }
  try {
    imbgen::LoadOptions load;
    if (argc > 7) load.drop = split_list(argv[7]);
    if (argc > 8) load.target = argv[8];
    const imbgen::Table table = imbgen::load_table(argv[1], load);
    imbgen::RunConfig config;
    config.seed = std::stoull(argv[3]);
    config.strategies = split_list(argv[5]);
    config.classifiers = split_list(argv[6]);
    config.generator_configs = {{"gan", {{"steps", 600}, {"history_every", 10}}}};
    imbgen::RunOutput out = imbgen::run_experiment(table, config, nullptr);
    nlohmann::json& results = out.results;
    results["dataset"]["column_summary"] = column_summary(table);
    results["dataset"]["class_order"] = table.classes;
    if (std::string(argv[4]) == "1") {
      const int positive = table.minority_class();
      const imbgen::Split split =
          imbgen::stratified_split(table.y, config.test_fraction, config.seed);
      std::vector<size_t> train_pos, test_pos;
      for (size_t r : split.train)
        if (table.y[r] == positive) train_pos.push_back(r);
      for (size_t r : split.test)
        if (table.y[r] == positive) test_pos.push_back(r);
      const imbgen::Matrix real = table.x.select_rows(train_pos);
      const imbgen::Matrix holdout = table.x.select_rows(test_pos);
      imbgen::EvaluationConfig ec;
      ec.seed = config.seed;
      ec.pca_max_points = 200;
      ec.tsne_max_points = 300;
      ec.tsne_iterations = 500;
      ec.mmd_permutations = 100;
      ec.histogram_bins = 20;
      ec.roc_curve_points = 41;
      std::vector<imbgen::ColumnKind> kinds;
      for (const auto& c : table.columns) kinds.push_back(c.kind);
      for (const auto& s : out.synthetic) {
        results["generators"][s.strategy]["evaluation"] =
            imbgen::evaluate(real, s.x, &holdout, table.column_names(), ec, nullptr, kinds);
      }
    }
    imbgen::write_file_atomic(argv[2], results.dump(1) + "\n");
  } catch (const std::exception& e) {
    std::cerr << "report_make_fixture: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
