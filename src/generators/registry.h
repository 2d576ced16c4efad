// The registry's entries: each generator file defines `GeneratorSpec NAME_generator()` and
// registry.cpp lists NAME once. The conformance suite runs over every entry with its quick_config.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "imbgen/generators/generator.h"

namespace imbgen {

struct GeneratorSpec {
  std::string name;
  std::string description;  // one line, for listings and the HTTP schema
  // A generator from a (partial) JSON config; throws Error(kInvalidArgument) listing every
  // problem with the config.
  std::unique_ptr<Generator> (*make)(const nlohmann::json& config) = nullptr;
  nlohmann::json (*schema)() = nullptr;  // JSON Schema of the config (ConfigBase::schema)
  // Small but real settings (few steps, narrow networks) for tests and smoke runs: a fit on a
  // hundred rows takes about a second.
  nlohmann::json quick_config = nlohmann::json::object();
  bool trains_network = false;  // generator_trains_network()
};

// The spec s of a generator that trains a neural network.
inline GeneratorSpec trains_network(GeneratorSpec s) {
  s.trains_network = true;
  return s;
}

// The spec of generator class G, built from its config C (C::kName names it).
template <class G, class C>
GeneratorSpec make_spec(std::string description,
                        nlohmann::json quick_config = nlohmann::json::object()) {
  GeneratorSpec s;
  s.name = C::kName;
  s.description = std::move(description);
  s.make = [](const nlohmann::json& j) -> std::unique_ptr<Generator> {
    return std::make_unique<G>(C::from_json(j));
  };
  s.schema = [] { return C::schema(); };
  s.quick_config = std::move(quick_config);
  return s;
}

// Every registered generator, in the order generator_names() lists them.
const std::vector<GeneratorSpec>& generator_specs();
// Throws Error(kNotFound) listing the valid names.
const GeneratorSpec& find_spec(const std::string& name);

}  // namespace imbgen
