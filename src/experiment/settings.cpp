// Component options: NAME.KEY=VALUE settings and their checks before any work starts.
#include "imbgen/experiment/settings.h"

#include <algorithm>

#include "imbgen/classifiers/classifier.h"
#include "imbgen/core/error.h"
#include "imbgen/core/text.h"
#include "imbgen/evaluation/evaluate.h"
#include "imbgen/generators/generator.h"

namespace imbgen {
namespace {

// The generators among the names in use (strategies also hold "none" and "class_weight").
std::vector<std::string> generators_among(const std::vector<std::string>& names) {
  const auto known = generator_names();
  std::vector<std::string> out;
  for (const auto& n : names)
    if (contains(known, n)) out.push_back(n);
  return out;
}

}  // namespace

void add_setting(const std::string& setting, ComponentSettings& settings, bool evaluation_allowed,
                 bool auto_allowed) {
  const auto dot = setting.find('.');
  const auto eq = setting.find('=');
  if (dot == std::string::npos || eq == std::string::npos || eq < dot || dot == 0 ||
      eq == dot + 1) {
    throw Error(ErrorKind::kInvalidArgument,
                "setting '" + setting + "': expected NAME.KEY=VALUE, e.g. gan.steps=2000");
  }
  const std::string name = setting.substr(0, dot);
  const std::string key = setting.substr(dot + 1, eq - dot - 1);
  const std::string text = setting.substr(eq + 1);
  nlohmann::json value = nlohmann::json::parse(text, nullptr, false);
  if (value.is_discarded()) value = text;
  const auto generators = generator_names();
  const auto classifiers = classifier_names();
  if (name == "evaluation" && evaluation_allowed) {
    settings.evaluation[key] = value;
  } else if (name == "auto" && auto_allowed) {
    settings.auto_options[key] = value;
  } else if (contains(generators, name)) {
    settings.generators[name][key] = value;
  } else if (contains(classifiers, name)) {
    settings.classifiers[name][key] = value;
  } else {
    throw Error(ErrorKind::kInvalidArgument, "setting '" + setting + "': unknown name '" + name +
                                                 "' (generators: " + join(generators) +
                                                 "; classifiers: " + join(classifiers) +
                                                 (evaluation_allowed ? "; or evaluation" : "") +
                                                 (auto_allowed ? "; or auto" : "") + ")");
  }
}

std::vector<std::string> component_problems(const nlohmann::json& generator_configs,
                                            const std::vector<std::string>& generators_in_use,
                                            const nlohmann::json& classifier_configs,
                                            const std::vector<std::string>& classifiers_in_use,
                                            const nlohmann::json* evaluation_config) {
  std::vector<std::string> problems;
  const std::vector<std::string> generators = generators_among(generators_in_use);
  auto check = [&](const nlohmann::json& configs, const char* what,
                   const std::vector<std::string>& in_use, auto make) {
    if (!configs.is_object()) {
      problems.push_back(std::string(what) + " options: expected an object, got " +
                         configs.dump());
      return;
    }
    for (const auto& [name, cfg] : configs.items()) {
      if (!contains(in_use, name)) {
        problems.push_back("options for " + std::string(what) + " '" + name +
                           "', which this job does not use (" + what + "s in use: " +
                           (in_use.empty() ? std::string("none") : join(in_use)) + ")");
        continue;
      }
      try {
        make(name, cfg);
      } catch (const Error& e) {
        problems.push_back(std::string(what) + " '" + name + "': " + e.what());
      }
    }
  };
  check(generator_configs, "generator", generators,
        [](const std::string& name, const nlohmann::json& c) { make_generator(name, c); });
  check(classifier_configs, "classifier", classifiers_in_use,
        [](const std::string& name, const nlohmann::json& c) { make_classifier(name, c); });
  if (evaluation_config != nullptr) {
    try {
      EvaluationConfig::from_json(*evaluation_config);
    } catch (const Error& e) {
      problems.push_back(std::string("evaluation: ") + e.what());
    }
  }
  return problems;
}

void throw_problems(const std::string& title, const std::vector<std::string>& problems) {
  if (problems.empty()) return;
  std::string msg = problems.size() == 1 ? title + ": " + problems[0] : title + ":";
  if (problems.size() > 1)
    for (const auto& p : problems) msg += "\n  - " + p;
  throw Error(ErrorKind::kInvalidArgument, msg);
}

}  // namespace imbgen
