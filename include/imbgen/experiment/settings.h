// Options of the components a job uses (generators, classifiers, the evaluation), as the front
// ends receive them: the CLI's repeatable --set NAME.KEY=VALUE, Python keyword arguments, JSON.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace imbgen {

struct ComponentSettings {
  nlohmann::json generators = nlohmann::json::object();   // {"gan": {"steps": 2000}, ...}
  nlohmann::json classifiers = nlohmann::json::object();  // {"svm_rbf": {"C": 10}, ...}
  nlohmann::json evaluation = nlohmann::json::object();   // EvaluationConfig keys
  nlohmann::json auto_options = nlohmann::json::object();  // AutoConfig keys (experiment/auto.h)
};

// Adds one "NAME.KEY=VALUE" setting: NAME is a generator, a classifier, "evaluation" (only when
// `evaluation_allowed`) or "auto" (only when `auto_allowed`); VALUE is read as JSON when it parses
// (numbers, true/false, arrays), otherwise as a string. Throws Error(kInvalidArgument) naming the
// setting for a malformed one and listing the valid names for an unknown NAME. Keys are checked by
// the problems below.
void add_setting(const std::string& setting, ComponentSettings& settings,
                 bool evaluation_allowed = true, bool auto_allowed = false);

// Every problem with component options, one line each (empty when fine): options for a generator
// or classifier that is not in use (naming it and those in use), and options a component rejects
// (unknown keys, wrong types, bad values; each component lists its valid keys). `evaluation`
// may be null when the job has no evaluation.
std::vector<std::string> component_problems(const nlohmann::json& generator_configs,
                                            const std::vector<std::string>& generators_in_use,
                                            const nlohmann::json& classifier_configs,
                                            const std::vector<std::string>& classifiers_in_use,
                                            const nlohmann::json* evaluation_config);

// Throws Error(kInvalidArgument) with `title` and the problems, one per line ("title:\n  - a\n
// - b"); a single problem is the message itself. Does nothing when `problems` is empty.
void throw_problems(const std::string& title, const std::vector<std::string>& problems);

}  // namespace imbgen
