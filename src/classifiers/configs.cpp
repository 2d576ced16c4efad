// Validation and JSON round trip of the classifier config structs.
#include <cmath>
#include <sstream>

#include "classifiers/common.h"
#include "imbgen/classifiers/classifier_configs.h"

namespace imbgen {
namespace {

using detail::ConfigReader;
using detail::throw_if_problems;

std::string num(double v) {
  std::ostringstream s;
  s << v;
  return s.str();
}

// Appends "'key' must be <rule>, got v" unless ok.
void need(std::vector<std::string>& p, bool ok, const std::string& key, const std::string& rule,
          double v) {
  if (!ok) p.push_back("'" + key + "' must be " + rule + ", got " + num(v));
}

void positive(std::vector<std::string>& p, const std::string& key, double v) {
  need(p, std::isfinite(v) && v > 0, key, "a finite number > 0", v);
}
void non_negative(std::vector<std::string>& p, const std::string& key, double v) {
  need(p, std::isfinite(v) && v >= 0, key, "a finite number >= 0", v);
}
void unit_interval(std::vector<std::string>& p, const std::string& key, double v) {
  need(p, v > 0 && v <= 1, key, "in (0, 1]", v);
}
void at_least(std::vector<std::string>& p, const std::string& key, int64_t v, int64_t lo) {
  if (v < lo)
    p.push_back("'" + key + "' must be >= " + std::to_string(lo) + ", got " + std::to_string(v));
}

}  // namespace

// ---- logistic ----
std::vector<std::string> LogisticConfig::problems() const {
  std::vector<std::string> p;
  positive(p, "C", c);
  positive(p, "eps", eps);
  need(p, std::isfinite(bias), "bias", "finite (negative = no intercept)", bias);
  return p;
}
void LogisticConfig::validate() const { throw_if_problems("logistic", problems()); }
nlohmann::json LogisticConfig::to_json() const { return {{"C", c}, {"eps", eps}, {"bias", bias}}; }
LogisticConfig LogisticConfig::from_json(const nlohmann::json& j) {
  LogisticConfig cfg;
  ConfigReader r(j, "logistic");
  r.number("C", cfg.c);
  r.number("eps", cfg.eps);
  r.number("bias", cfg.bias);
  r.finish(cfg.problems());
  return cfg;
}

// ---- linear_svm ----
std::vector<std::string> LinearSvmConfig::problems() const {
  std::vector<std::string> p;
  positive(p, "C", c);
  positive(p, "eps", eps);
  need(p, std::isfinite(bias), "bias", "finite (negative = no intercept)", bias);
  if (solver != "auto" && solver != "primal" && solver != "dual")
    p.push_back("'solver' must be \"auto\", \"primal\" or \"dual\", got \"" + solver + "\"");
  return p;
}
void LinearSvmConfig::validate() const { throw_if_problems("linear_svm", problems()); }
nlohmann::json LinearSvmConfig::to_json() const {
  return {{"C", c}, {"eps", eps}, {"bias", bias}, {"solver", solver}};
}
LinearSvmConfig LinearSvmConfig::from_json(const nlohmann::json& j) {
  LinearSvmConfig cfg;
  ConfigReader r(j, "linear_svm");
  r.number("C", cfg.c);
  r.number("eps", cfg.eps);
  r.number("bias", cfg.bias);
  r.custom("solver", [&](const nlohmann::json& v) -> std::optional<std::string> {
    if (!v.is_string()) return "expected \"auto\", \"primal\" or \"dual\", got " + v.dump();
    cfg.solver = v.get<std::string>();
    return std::nullopt;
  });
  r.finish(cfg.problems());
  return cfg;
}

// ---- svm_rbf ----
std::vector<std::string> SvmRbfConfig::problems() const {
  std::vector<std::string> p;
  positive(p, "C", c);
  if (gamma) positive(p, "gamma", *gamma);
  positive(p, "eps", eps);
  positive(p, "cache_size_mb", cache_size_mb);
  if (max_train_rows < 0 || max_train_rows == 1) {
    p.push_back("'max_train_rows' must be 0 (no limit) or >= 2, got " +
                std::to_string(max_train_rows));
  }
  if (solver != "imbgen" && solver != "libsvm") {
    p.push_back("'solver' must be \"imbgen\" or \"libsvm\", got \"" + solver + "\"");
  }
  return p;
}
void SvmRbfConfig::validate() const { throw_if_problems("svm_rbf", problems()); }
nlohmann::json SvmRbfConfig::to_json() const {
  return {{"C", c},
          {"gamma", gamma ? nlohmann::json(*gamma) : nlohmann::json("scale")},
          {"eps", eps},
          {"cache_size_mb", cache_size_mb},
          {"shrinking", shrinking},
          {"solver", solver},
          {"probability", probability},
          {"max_train_rows", max_train_rows}};
}
SvmRbfConfig SvmRbfConfig::from_json(const nlohmann::json& j) {
  SvmRbfConfig cfg;
  ConfigReader r(j, "svm_rbf");
  r.number("C", cfg.c);
  r.custom("gamma", [&](const nlohmann::json& v) -> std::optional<std::string> {
    if (v.is_string() && v.get<std::string>() == "scale") {
      cfg.gamma.reset();
    } else if (v.is_number()) {
      cfg.gamma = v.get<double>();
    } else {
      return "expected \"scale\" or a number, got " + v.dump();
    }
    return std::nullopt;
  });
  r.number("eps", cfg.eps);
  r.number("cache_size_mb", cfg.cache_size_mb);
  r.boolean("shrinking", cfg.shrinking);
  r.custom("solver", [&](const nlohmann::json& v) -> std::optional<std::string> {
    if (!v.is_string()) return "expected \"imbgen\" or \"libsvm\", got " + v.dump();
    cfg.solver = v.get<std::string>();
    return std::nullopt;
  });
  r.boolean("probability", cfg.probability);
  r.integer("max_train_rows", cfg.max_train_rows);
  r.finish(cfg.problems());
  return cfg;
}

// ---- random_forest ----
std::vector<std::string> RandomForestConfig::problems() const {
  std::vector<std::string> p;
  at_least(p, "n_estimators", n_estimators, 1);
  if (max_depth < 0)
    p.push_back("'max_depth' must be >= 0 (0 = unlimited), got " + std::to_string(max_depth));
  unit_interval(p, "subsample", subsample);
  if (colsample_bynode) unit_interval(p, "colsample_bynode", *colsample_bynode);
  non_negative(p, "min_child_weight", min_child_weight);
  non_negative(p, "reg_lambda", reg_lambda);
  if (min_child_weight == 0 && reg_lambda == 0) {
    p.push_back(
        "'min_child_weight' and 'reg_lambda' cannot both be 0 (a leaf without weight "
        "would divide by zero)");
  }
  at_least(p, "max_bin", max_bin, 2);
  if (engine != "imbgen" && engine != "xgboost") {
    p.push_back("'engine' must be \"imbgen\" or \"xgboost\", got \"" + engine + "\"");
  } else if (engine == "imbgen" && max_bin > 65535) {
    p.push_back("'max_bin' must be <= 65535 with engine \"imbgen\", got " +
                std::to_string(max_bin));
  }
  return p;
}
void RandomForestConfig::validate() const { throw_if_problems("random_forest", problems()); }
nlohmann::json RandomForestConfig::to_json() const {
  return {{"n_estimators", n_estimators},
          {"max_depth", max_depth},
          {"subsample", subsample},
          {"colsample_bynode",
           colsample_bynode ? nlohmann::json(*colsample_bynode) : nlohmann::json("sqrt")},
          {"min_child_weight", min_child_weight},
          {"reg_lambda", reg_lambda},
          {"max_bin", max_bin},
          {"engine", engine}};
}
RandomForestConfig RandomForestConfig::from_json(const nlohmann::json& j) {
  RandomForestConfig cfg;
  ConfigReader r(j, "random_forest");
  r.integer("n_estimators", cfg.n_estimators);
  r.integer("max_depth", cfg.max_depth);
  r.number("subsample", cfg.subsample);
  r.custom("colsample_bynode", [&](const nlohmann::json& v) -> std::optional<std::string> {
    if (v.is_string() && v.get<std::string>() == "sqrt") {
      cfg.colsample_bynode.reset();
    } else if (v.is_number()) {
      cfg.colsample_bynode = v.get<double>();
    } else {
      return "expected \"sqrt\" or a number, got " + v.dump();
    }
    return std::nullopt;
  });
  r.number("min_child_weight", cfg.min_child_weight);
  r.number("reg_lambda", cfg.reg_lambda);
  r.integer("max_bin", cfg.max_bin);
  r.custom("engine", [&](const nlohmann::json& v) -> std::optional<std::string> {
    if (!v.is_string()) return "expected \"imbgen\" or \"xgboost\", got " + v.dump();
    cfg.engine = v.get<std::string>();
    return std::nullopt;
  });
  r.finish(cfg.problems());
  return cfg;
}

// ---- xgboost ----
std::vector<std::string> XgboostConfig::problems() const {
  std::vector<std::string> p;
  at_least(p, "n_estimators", n_estimators, 1);
  at_least(p, "max_depth", max_depth, 1);
  unit_interval(p, "learning_rate", learning_rate);
  unit_interval(p, "subsample", subsample);
  unit_interval(p, "colsample_bytree", colsample_bytree);
  non_negative(p, "min_child_weight", min_child_weight);
  non_negative(p, "reg_lambda", reg_lambda);
  at_least(p, "max_bin", max_bin, 2);
  return p;
}
void XgboostConfig::validate() const { throw_if_problems("xgboost", problems()); }
nlohmann::json XgboostConfig::to_json() const {
  return {{"n_estimators", n_estimators},
          {"max_depth", max_depth},
          {"learning_rate", learning_rate},
          {"subsample", subsample},
          {"colsample_bytree", colsample_bytree},
          {"min_child_weight", min_child_weight},
          {"reg_lambda", reg_lambda},
          {"max_bin", max_bin}};
}
XgboostConfig XgboostConfig::from_json(const nlohmann::json& j) {
  XgboostConfig cfg;
  ConfigReader r(j, "xgboost");
  r.integer("n_estimators", cfg.n_estimators);
  r.integer("max_depth", cfg.max_depth);
  r.number("learning_rate", cfg.learning_rate);
  r.number("subsample", cfg.subsample);
  r.number("colsample_bytree", cfg.colsample_bytree);
  r.number("min_child_weight", cfg.min_child_weight);
  r.number("reg_lambda", cfg.reg_lambda);
  r.integer("max_bin", cfg.max_bin);
  r.finish(cfg.problems());
  return cfg;
}

}  // namespace imbgen
