// The generator registry: a plain table from name to a factory taking a JSON config.
#include <iterator>

#include "imbgen/core/error.h"
#include "imbgen/generators/gan.h"
#include "imbgen/generators/generator.h"
#include "imbgen/generators/random.h"
#include "imbgen/generators/smote.h"

namespace imbgen {
namespace {

struct Entry {
  const char* name;
  std::unique_ptr<Generator> (*make)(const nlohmann::json& config);
};

const Entry kRegistry[] = {
    {"random", [](const nlohmann::json& j) { return make_random(RandomConfig::from_json(j)); }},
    {"smote", [](const nlohmann::json& j) { return make_smote(SmoteConfig::from_json(j)); }},
    {"gan", [](const nlohmann::json& j) { return make_gan(GanConfig::from_json(j)); }},
};

}  // namespace

std::unique_ptr<Generator> make_generator(const std::string& name, const nlohmann::json& config) {
  for (const Entry& e : kRegistry) {
    if (name == e.name) return e.make(config);
  }
  std::string valid;
  for (const Entry& e : kRegistry) valid += (valid.empty() ? "" : ", ") + std::string(e.name);
  throw Error(ErrorKind::kNotFound,
              "unknown generator '" + name + "' (valid generators: " + valid + ")");
}

std::vector<std::string> generator_names() {
  std::vector<std::string> names;
  names.reserve(std::size(kRegistry));
  for (const Entry& e : kRegistry) names.emplace_back(e.name);
  return names;
}

}  // namespace imbgen
