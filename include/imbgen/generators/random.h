// Random oversampling: new rows of a class are training rows of that class drawn uniformly with
// replacement (the baseline of imbalanced-learn's RandomOverSampler).
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "imbgen/generators/generator.h"

namespace imbgen {

// Random oversampling has no parameters; the struct exists so that every family has the same
// config shape (an empty JSON object, and unknown keys are errors).
struct RandomConfig {
  std::vector<std::string> problems() const { return {}; }
  void validate() const {}
  nlohmann::json to_json() const { return nlohmann::json::object(); }
  // Throws Error(kInvalidArgument) listing every unknown key.
  static RandomConfig from_json(const nlohmann::json& j);
};

std::unique_ptr<Generator> make_random(const RandomConfig& config = {});

}  // namespace imbgen
