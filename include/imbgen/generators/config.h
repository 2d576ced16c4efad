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
#include <optional>
#include <string>
#include <utility>
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

// ---- how ConfigBase's methods walk the visit() list ----
// A field's alias (an old key still read, e.g. from older model files) is declared with
// v.alias("old", "key") before the field; a rule across fields with v.rule(f), f(problems) being
// called by the checker only. The per-type halves are defined in src/generators/config.cpp.

// Throws Error(kInvalidArgument) "<family> config: <p1>; <p2>..." when `problems` is not empty.
void throw_config_problems(const std::string& family, const std::vector<std::string>& problems);

namespace config_detail {

// Per field type: the check (appends a line to p when the value is invalid), the JSON value, the
// reading (false when the JSON value has the wrong type), what a reading expects, and the schema.
void check(const char* key, int v, const Bounds& b, std::vector<std::string>& p);
void check(const char* key, int v, const Choices& c, std::vector<std::string>& p);
void check(const char* key, double v, const Bounds& b, std::vector<std::string>& p);
void check(const char* key, const std::vector<int>& v, const ListBounds& b,
           std::vector<std::string>& p);
void check(const char* key, const std::optional<double>& v, const Bounds& b,
           std::vector<std::string>& p);

nlohmann::json value(int v);
nlohmann::json value(double v);
nlohmann::json value(const std::vector<int>& v);
nlohmann::json value(const std::optional<double>& v);  // a number or "auto"

bool read(const nlohmann::json& j, int& v);
bool read(const nlohmann::json& j, double& v);
bool read(const nlohmann::json& j, std::vector<int>& v);
bool read(const nlohmann::json& j, std::optional<double>& v);

const char* expected(const int&);
const char* expected(const double&);
const char* expected(const std::vector<int>&);
const char* expected(const std::optional<double>&);

nlohmann::json schema(int v, const Bounds& b, const char* description);
nlohmann::json schema(int v, const Choices& c, const char* description);
nlohmann::json schema(double v, const Bounds& b, const char* description);
nlohmann::json schema(const std::vector<int>& v, const ListBounds& b, const char* description);
nlohmann::json schema(const std::optional<double>& v, const Bounds& b, const char* description);

struct Checker {
  std::vector<std::string> problems;
  template <class T, class B>
  void operator()(const char* key, T& v, const B& b, const char*) {
    check(key, v, b, problems);
  }
  template <class F>
  void rule(F&& f) {
    f(problems);
  }
  void alias(const char*, const char*) {}
};

struct Writer {
  nlohmann::json out = nlohmann::json::object();
  template <class T, class B>
  void operator()(const char* key, T& v, const B&, const char*) {
    out[key] = value(v);
  }
  template <class F>
  void rule(F&&) {}
  void alias(const char*, const char*) {}
};

struct SchemaWriter {
  nlohmann::json properties = nlohmann::json::object();
  template <class T, class B>
  void operator()(const char* key, T& v, const B& b, const char* description) {
    properties[key] = schema(v, b, description);
  }
  template <class F>
  void rule(F&&) {}
  void alias(const char*, const char*) {}
};

// Reads the keys of a JSON object into the fields; wrong types are collected, and unknown() lists
// the keys no field (or alias) claimed.
class Reader {
 public:
  explicit Reader(const nlohmann::json& j);

  template <class T, class B>
  void operator()(const char* key, T& v, const B&, const char*) {
    const nlohmann::json* found = find(key);
    if (found && !read(*found, v)) {
      problems_.push_back(std::string(key) + ": expected " + expected(v) + ", got " +
                          found->dump());
    }
  }
  template <class F>
  void rule(F&&) {}
  void alias(const char* old_key, const char* key);

  // Type problems, then one line per unknown key (naming the valid keys).
  std::vector<std::string> problems() const;

 private:
  const nlohmann::json* find(const char* key);

  const nlohmann::json& j_;
  std::vector<std::string> known_;
  std::vector<std::pair<std::string, std::string>> aliases_;  // (old key, key)
  std::vector<std::string> problems_;
};

template <class C>
C& mutable_self(const ConfigBase<C>* base) {
  // The visitors used from const methods only read the fields.
  return const_cast<C&>(static_cast<const C&>(*base));
}

}  // namespace config_detail

template <class C>
std::vector<std::string> ConfigBase<C>::problems() const {
  config_detail::Checker v;
  config_detail::mutable_self(this).visit(v);
  return std::move(v.problems);
}

template <class C>
void ConfigBase<C>::validate() const {
  throw_config_problems(C::kName, problems());
}

template <class C>
nlohmann::json ConfigBase<C>::to_json() const {
  config_detail::Writer v;
  config_detail::mutable_self(this).visit(v);
  return std::move(v.out);
}

template <class C>
C ConfigBase<C>::from_json(const nlohmann::json& j) {
  C c;
  config_detail::Reader reader(j);
  c.visit(reader);
  std::vector<std::string> problems = reader.problems();
  for (std::string& p : c.problems()) problems.push_back(std::move(p));
  throw_config_problems(C::kName, problems);
  return c;
}

template <class C>
nlohmann::json ConfigBase<C>::schema() {
  C c;
  config_detail::SchemaWriter v;
  c.visit(v);
  return {
      {"type", "object"}, {"properties", std::move(v.properties)}, {"additionalProperties", false}};
}

}  // namespace imbgen
