// The imbgen side of bench/baselines_vs_sklearn.sh: loads a CSV as `imbgen run` does, deals its
// rows into seeded stratified k folds, fits each classifier on a fold's training rows as they are
// (no resampling) and writes the test scores, the folds and the schema, so that the Python side
// can fit scikit-learn's models on exactly the same training and test rows.
//
//   baselines_scores --data F --target C [--drop A,B] [--folds 5] [--seed 1] [--threads 1]
//                    [--classifiers logistic,...] [--set NAME.KEY=VALUE ...] --out DIR
//
// DIR/folds.csv     row,label,fold   (row: 0-based data row; label: 1 = the minority class)
// DIR/schema.json   {"target", "positive", "columns": [{"name", "kind"}]} (kinds as load_table)
// DIR/svm_rows.csv  fold,row: the training rows svm_rbf trains on when it samples (same function
//                   and seed as SvmRbfClassifier), so the other side can train SVC on them too
// DIR/scores.csv    classifier,fold,row,score   (score of the minority class)
// DIR/fits.csv      classifier,fold,fit_seconds,note
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "classifiers/common.h"
#include "imbgen/classifiers/classifier.h"
#include "imbgen/classifiers/classifier_configs.h"
#include "imbgen/core/error.h"
#include "imbgen/core/rng.h"
#include "imbgen/data/csv.h"
#include "imbgen/data/encoder.h"
#include "imbgen/data/split.h"
#include "imbgen/data/table.h"

namespace imbgen {
namespace {

std::vector<std::string> split_commas(const std::string& s) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : s) {
    if (c == ',') {
      if (!cur.empty()) out.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) out.push_back(cur);
  return out;
}

struct Options {
  std::string data, out;
  LoadOptions load;
  int folds = 5;
  uint64_t seed = 1;
  int threads = 1;
  std::vector<std::string> classifiers = classifier_names();
  std::map<std::string, nlohmann::json> configs;
};

Options parse(int argc, char** argv) {
  Options o;
  auto bad = [](const std::string& what) {
    throw Error(ErrorKind::kInvalidArgument, "baselines_scores: " + what);
  };
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (i + 1 >= argc) bad("option " + a + " needs a value");
    const std::string v = argv[++i];
    if (a == "--data") {
      o.data = v;
    } else if (a == "--target") {
      o.load.target = v;
    } else if (a == "--drop") {
      o.load.drop = split_commas(v);
    } else if (a == "--folds") {
      o.folds = std::stoi(v);
    } else if (a == "--seed") {
      o.seed = std::stoull(v);
    } else if (a == "--threads") {
      o.threads = std::stoi(v);
    } else if (a == "--classifiers") {
      o.classifiers = split_commas(v);
    } else if (a == "--set") {
      // NAME.KEY=VALUE, VALUE parsed as JSON when it is JSON, else a string.
      const auto dot = v.find('.'), eq = v.find('=');
      if (dot == std::string::npos || eq == std::string::npos || eq < dot)
        bad("--set expects NAME.KEY=VALUE, got '" + v + "'");
      const std::string name = v.substr(0, dot), key = v.substr(dot + 1, eq - dot - 1);
      const std::string text = v.substr(eq + 1);
      nlohmann::json value = nlohmann::json::parse(text, nullptr, false);
      if (value.is_discarded()) value = text;
      o.configs[name][key] = value;
    } else if (a == "--out") {
      o.out = v;
    } else {
      bad("unknown option " + a);
    }
  }
  if (o.data.empty() || o.out.empty()) bad("--data and --out are required");
  return o;
}

int run(int argc, char** argv) {
  const Options o = parse(argc, argv);
  const Table table = load_table(o.data, o.load);
  const int positive = table.minority_class();
  std::vector<int> labels(table.rows());
  for (size_t i = 0; i < table.rows(); ++i) labels[i] = table.y[i] == positive ? 1 : 0;
  const std::vector<Split> folds = stratified_kfold(table.y, o.folds, o.seed);

  std::filesystem::create_directories(o.out);
  const std::filesystem::path dir(o.out);
  {
    std::vector<int> fold_of(table.rows(), -1);
    for (size_t f = 0; f < folds.size(); ++f)
      for (size_t r : folds[f].test) fold_of[r] = static_cast<int>(f);
    std::ofstream out(dir / "folds.csv");
    out << "row,label,fold\n";
    for (size_t r = 0; r < table.rows(); ++r)
      out << r << ',' << labels[r] << ',' << fold_of[r] << '\n';
  }
  {
    nlohmann::json columns = nlohmann::json::array();
    for (const auto& c : table.columns) {
      columns.push_back({{"name", c.name},
                         {"kind", c.kind == ColumnKind::kCategorical ? "categorical" : "numeric"}});
    }
    std::ofstream(dir / "schema.json")
        << nlohmann::json{{"target", table.target},
                          {"positive", table.classes[static_cast<size_t>(positive)]},
                          {"columns", columns}}
               .dump(1)
        << '\n';
  }

  std::ofstream scores(dir / "scores.csv"), fits(dir / "fits.csv"), svm_rows(dir / "svm_rows.csv");
  scores << "classifier,fold,row,score\n";
  fits << "classifier,fold,fit_seconds,note\n";
  svm_rows << "fold,row\n";
  char buf[64];
  for (size_t f = 0; f < folds.size(); ++f) {
    const Split& split = folds[f];
    const Table train = table.subset(split.train), test = table.subset(split.test);
    // As `imbgen run`: the encoder (median imputation, standardised numbers, one-hot categories)
    // is fit on the training rows only.
    TableEncoder encoder;
    encoder.fit(train);
    const Matrix x_train = encoder.transform(train.x), x_test = encoder.transform(test.x);
    // The seed of each fold's classifiers, as a benchmark cell derives it.
    const ClassifierContext context{mix_seed(mix_seed(o.seed, f), 0x636c66), o.threads};
    {
      // The rows SvmRbfClassifier::fit samples (same function, same seed stream), written even
      // when svm_rbf is not run here.
      const SvmRbfConfig svm = SvmRbfConfig::from_json(
          o.configs.count("svm_rbf") ? o.configs.at("svm_rbf") : nlohmann::json::object());
      const auto limit = static_cast<size_t>(svm.max_train_rows);
      if (limit > 0 && train.rows() > limit) {
        const auto k = static_cast<int>(train.n_classes());
        const size_t m = std::max(limit, static_cast<size_t>(k));
        for (size_t i : detail::stratified_sample(train.y, k, m, mix_seed(context.seed, 1)))
          svm_rows << f << ',' << split.train[i] << '\n';
      }
    }
    for (const auto& name : o.classifiers) {
      const nlohmann::json config =
          o.configs.count(name) ? o.configs.at(name) : nlohmann::json::object();
      auto clf = make_classifier(name, config, context);
      const auto t0 = std::chrono::steady_clock::now();
      clf->fit(x_train, train.y, {});
      const double seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      const Matrix p = clf->predict_proba(x_test);
      for (size_t i = 0; i < test.rows(); ++i) {
        std::snprintf(buf, sizeof buf, "%.17g", p(i, static_cast<size_t>(positive)));
        scores << name << ',' << f << ',' << split.test[i] << ',' << buf << '\n';
      }
      fits << name << ',' << f << ',' << seconds << ',' << csv_escape(clf->note()) << '\n';
      std::cerr << "imbgen " << name << " fold " << f << ": fit " << seconds << " s\n";
    }
  }
  return 0;
}

}  // namespace
}  // namespace imbgen

int main(int argc, char** argv) {
  try {
    return imbgen::run(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << e.what() << '\n';
    return 1;
  }
}
