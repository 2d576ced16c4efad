// Random oversampling: new rows of a class are training rows of that class drawn uniformly with
// replacement (the baseline of imbalanced-learn's RandomOverSampler).
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "imbgen/generators/config.h"
#include "imbgen/generators/generator.h"

namespace imbgen {

// Random oversampling has no parameters; the struct exists so that every family has the same
// config shape (an empty JSON object, and unknown keys are errors).
struct RandomConfig : ConfigBase<RandomConfig> {
  static constexpr const char* kName = "random";

  template <class V>
  void visit(V&) {}
};

inline std::unique_ptr<Generator> make_random(const RandomConfig& config = {}) {
  return make_generator(RandomConfig::kName, config.to_json());
}

}  // namespace imbgen
