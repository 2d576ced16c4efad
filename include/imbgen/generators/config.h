// Config reflection: each generator config struct lists its fields once, in
//
//   template <class V> void visit(V& v) {
//     v("steps", steps, at_least(1), "training steps per class");
//   }
//
// (JSON key, member, valid values, one-line description); the member's initialiser is its
// default. ConfigBase<C> derives from that list the checks, the JSON round trip and the JSON
// Schema, so none of them is written out per field.
#pragma once

#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace imbgen {

// Valid values of a number field: lo..hi, each end inclusive unless marked open; an infinite end
// is no bound. Double fields must also be finite. `note` says what special values mean
// ("0 = from the row count"); it goes into the error message and the schema's description.
struct Bounds {
  double lo = -std::numeric_limits<double>::infinity();
  double hi = std::numeric_limits<double>::infinity();
  bool lo_open = false;
  bool hi_open = false;
  std::string note;
};

inline Bounds in_range(double lo, double hi, std::string note = "") {  // [lo, hi]
  return {lo, hi, false, false, std::move(note)};
}
inline Bounds at_least(double lo, std::string note = "") {  // [lo, inf)
  return {lo, std::numeric_limits<double>::infinity(), false, false, std::move(note)};
}
inline Bounds below(double lo, double hi) { return {lo, hi, false, true, ""}; }  // [lo, hi)
inline Bounds above(double lo, double hi) { return {lo, hi, true, false, ""}; }  // (lo, hi]
inline Bounds positive() {                                                       // (0, inf)
  return {0.0, std::numeric_limits<double>::infinity(), true, false, ""};
}

// Valid values of a list of integers: at most max_items entries, each within `item`.
struct ListBounds {
  size_t max_items = 0;
  Bounds item;
};

// Hidden layer widths of a network: at most 16 layers of 1 to 4096 units.
inline ListBounds layer_widths() { return {16, in_range(1, 4096)}; }

// An integer field that takes one of a few values; `text` names them for messages
// ("1 (borderline-SMOTE1) or 2 (borderline-SMOTE2)").
struct Choices {
  std::vector<int> values;
  std::string text;
};

// The methods every config struct C gets from its visit() list. C names its generator in
// `static constexpr const char* kName` (the prefix of its messages: "gan config: ...").
// Defined in src/generators/config_reflect.h and instantiated with each config.
template <class C>
class ConfigBase {
 public:
  // Every problem with the values, one line each ("steps must be >= 1, got 0"); empty when
  // valid.
  std::vector<std::string> problems() const;
  // Throws Error(kInvalidArgument) "<name> config: <problem>; <problem>..." listing every
  // problem.
  void validate() const;
  // Every field, defaults included.
  nlohmann::json to_json() const;
  // Missing keys take their defaults. Unknown keys (the message lists the valid ones), values of
  // the wrong type (what was expected, what was found) and invalid values throw one
  // Error(kInvalidArgument) that lists them all.
  static C from_json(const nlohmann::json& j);
  // A JSON Schema of the config object: {"type": "object", "properties": {key: {"type",
  // "default", "description", bounds ("minimum", "exclusiveMaximum", "enum", ...)}},
  // "additionalProperties": false}. Defaults come from a default-constructed C.
  static nlohmann::json schema();
};

}  // namespace imbgen
