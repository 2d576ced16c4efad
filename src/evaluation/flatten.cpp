// flatten_to_csv(): the scalars of an evaluation result as "key,value" rows, plot data left out.
#include <sstream>
#include <string>

#include "imbgen/data/csv.h"
#include "imbgen/evaluation/evaluate.h"

namespace imbgen {
namespace {

void flatten(const nlohmann::json& j, const std::string& key, std::ostream& out) {
  if (j.is_object()) {
    for (const auto& item : j.items()) {
      if (item.key() == "plot") continue;
      flatten(item.value(), key.empty() ? item.key() : key + "." + item.key(), out);
    }
    return;
  }
  if (j.is_array()) {
    for (size_t i = 0; i < j.size(); ++i) {
      const nlohmann::json& e = j[i];
      const bool named = e.is_object() && e.contains("name") && e["name"].is_string();
      flatten(e, key + "." + (named ? e["name"].get<std::string>() : std::to_string(i)), out);
    }
    return;
  }
  std::string value;
  if (j.is_number()) {
    value = format_number(j.get<double>());
  } else if (j.is_boolean()) {
    value = j.get<bool>() ? "true" : "false";
  } else if (j.is_string()) {
    value = j.get<std::string>();
  }  // null stays empty
  write_csv_row(out, {key, value});
}

}  // namespace

std::string flatten_to_csv(const nlohmann::json& result) {
  std::ostringstream out;
  write_csv_row(out, {"key", "value"});
  flatten(result, "", out);
  return out.str();
}

}  // namespace imbgen
