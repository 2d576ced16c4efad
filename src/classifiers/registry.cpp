// The classifier registry: a plain table from name to factory.
#include <string>

#include "imbgen/classifiers/classifier_configs.h"
#include "imbgen/core/error.h"

namespace imbgen {
namespace {

using Factory = std::unique_ptr<Classifier> (*)(const nlohmann::json&, const ClassifierContext&);

struct Entry {
  const char* name;
  Factory make;
};

const Entry kClassifiers[] = {
    {"logistic",
     [](const nlohmann::json& j, const ClassifierContext& c) {
       return make_logistic(LogisticConfig::from_json(j), c);
     }},
    {"linear_svm",
     [](const nlohmann::json& j, const ClassifierContext& c) {
       return make_linear_svm(LinearSvmConfig::from_json(j), c);
     }},
    {"svm_rbf",
     [](const nlohmann::json& j, const ClassifierContext& c) {
       return make_svm_rbf(SvmRbfConfig::from_json(j), c);
     }},
    {"random_forest",
     [](const nlohmann::json& j, const ClassifierContext& c) {
       return make_random_forest(RandomForestConfig::from_json(j), c);
     }},
    {"xgboost",
     [](const nlohmann::json& j, const ClassifierContext& c) {
       return make_xgboost(XgboostConfig::from_json(j), c);
     }},
};

}  // namespace

std::unique_ptr<Classifier> make_classifier(const std::string& name, const nlohmann::json& config,
                                            const ClassifierContext& context) {
  for (const Entry& e : kClassifiers) {
    if (name == e.name) return e.make(config, context);
  }
  std::string valid;
  for (const Entry& e : kClassifiers) valid += std::string(valid.empty() ? "" : ", ") + e.name;
  throw Error(ErrorKind::kNotFound, "unknown classifier '" + name + "'; valid names: " + valid);
}

std::vector<std::string> classifier_names() {
  std::vector<std::string> names;
  for (const Entry& e : kClassifiers) names.emplace_back(e.name);
  return names;
}

}  // namespace imbgen
