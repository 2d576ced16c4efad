// The per-type halves of the config visitors (imbgen/generators/config.h): checks with messages
// that name the key, what is valid and what was found; JSON values and reading; JSON Schema
// entries.
#include "imbgen/generators/config.h"

#include <algorithm>
#include <climits>
#include <cmath>
#include <sstream>

#include "imbgen/core/error.h"

namespace imbgen {

void throw_config_problems(const std::string& family, const std::vector<std::string>& problems) {
  if (problems.empty()) return;
  std::string msg = family + " config: ";
  for (size_t i = 0; i < problems.size(); ++i) msg += (i ? "; " : "") + problems[i];
  throw Error(ErrorKind::kInvalidArgument, msg);
}

namespace config_detail {
namespace {

std::string number(double v) {
  std::ostringstream s;
  s << v;
  return s.str();
}

std::string integer(double v) { return std::to_string(static_cast<long long>(v)); }

bool within(double v, const Bounds& b) {
  return (b.lo_open ? v > b.lo : v >= b.lo) && (b.hi_open ? v < b.hi : v <= b.hi);
}

// "must be in [lo, hi] (note)", "must be >= lo", "must be a finite number > 0", ...
std::string requirement(const Bounds& b, bool is_integer) {
  const auto text = [&](double v) { return is_integer ? integer(v) : number(v); };
  std::string s;
  if (std::isinf(b.hi)) {
    s = std::string(is_integer ? "must be " : "must be a finite number ") +
        (b.lo_open ? "> " : ">= ") + text(b.lo);
  } else {
    s = "must be in " + std::string(b.lo_open ? "(" : "[") + text(b.lo) + ", " + text(b.hi) +
        (b.hi_open ? ")" : "]");
  }
  return b.note.empty() ? s : s + " (" + b.note + ")";
}

// The bounds of a schema entry; infinite ends are left out.
void schema_bounds(nlohmann::json& s, const Bounds& b) {
  if (!std::isinf(b.lo)) s[b.lo_open ? "exclusiveMinimum" : "minimum"] = b.lo;
  if (!std::isinf(b.hi)) s[b.hi_open ? "exclusiveMaximum" : "maximum"] = b.hi;
}

std::string describe(const char* description, const std::string& note) {
  return note.empty() ? description : std::string(description) + " (" + note + ")";
}

}  // namespace

void check(const char* key, int v, const Bounds& b, std::vector<std::string>& p) {
  if (!within(v, b))
    p.push_back(std::string(key) + " " + requirement(b, true) + ", got " + std::to_string(v));
}

void check(const char* key, int v, const Choices& c, std::vector<std::string>& p) {
  if (std::find(c.values.begin(), c.values.end(), v) == c.values.end()) {
    p.push_back(std::string(key) + " must be " + c.text + ", got " + std::to_string(v));
  }
}

void check(const char* key, double v, const Bounds& b, std::vector<std::string>& p) {
  if (!std::isfinite(v) || !within(v, b)) {
    p.push_back(std::string(key) + " " + requirement(b, false) + ", got " + number(v));
  }
}

void check(const char* key, const std::vector<int>& v, const ListBounds& b,
           std::vector<std::string>& p) {
  if (v.size() > b.max_items) {
    p.push_back(std::string(key) + ": at most " + std::to_string(b.max_items) +
                " hidden layers, got " + std::to_string(v.size()));
  }
  for (size_t i = 0; i < v.size(); ++i) {
    check((std::string(key) + "[" + std::to_string(i) + "]").c_str(), v[i], b.item, p);
  }
}

void check(const char* key, const std::optional<double>& v, const Bounds& b,
           std::vector<std::string>& p) {
  if (v && (!std::isfinite(*v) || !within(*v, b))) {
    p.push_back(std::string(key) + " " + requirement(b, false) + " or \"auto\", got " + number(*v));
  }
}

nlohmann::json value(int v) { return v; }
nlohmann::json value(double v) { return v; }
nlohmann::json value(const std::vector<int>& v) { return v; }
nlohmann::json value(const std::optional<double>& v) {
  return v ? nlohmann::json(*v) : nlohmann::json("auto");
}

namespace {

bool fits_int(const nlohmann::json& j) {
  if (!j.is_number_integer()) return false;
  if (j.is_number_unsigned()) return j.get<uint64_t>() <= uint64_t{INT_MAX};
  const auto n = j.get<int64_t>();
  return n >= INT_MIN && n <= INT_MAX;
}

}  // namespace

bool read(const nlohmann::json& j, int& v) {
  if (!fits_int(j)) return false;
  v = j.get<int>();
  return true;
}

bool read(const nlohmann::json& j, double& v) {
  if (!j.is_number()) return false;
  v = j.get<double>();
  return true;
}

bool read(const nlohmann::json& j, std::vector<int>& v) {
  if (!j.is_array() || !std::all_of(j.begin(), j.end(), fits_int)) return false;
  v = j.get<std::vector<int>>();
  return true;
}

bool read(const nlohmann::json& j, std::optional<double>& v) {
  if (j.is_string() && j == "auto") {
    v.reset();
    return true;
  }
  if (!j.is_number()) return false;
  v = j.get<double>();
  return true;
}

const char* expected(const int&) { return "an integer"; }
const char* expected(const double&) { return "a number"; }
const char* expected(const std::vector<int>&) { return "a list of integers"; }
const char* expected(const std::optional<double>&) { return "a number or \"auto\""; }

nlohmann::json schema(int v, const Bounds& b, const char* description) {
  nlohmann::json s = {
      {"type", "integer"}, {"default", v}, {"description", describe(description, b.note)}};
  schema_bounds(s, b);
  return s;
}

nlohmann::json schema(int v, const Choices& c, const char* description) {
  return {{"type", "integer"}, {"default", v}, {"description", description}, {"enum", c.values}};
}

nlohmann::json schema(double v, const Bounds& b, const char* description) {
  nlohmann::json s = {
      {"type", "number"}, {"default", v}, {"description", describe(description, b.note)}};
  schema_bounds(s, b);
  return s;
}

nlohmann::json schema(const std::vector<int>& v, const ListBounds& b, const char* description) {
  nlohmann::json item = {{"type", "integer"}};
  schema_bounds(item, b.item);
  return {{"type", "array"},
          {"default", v},
          {"description", description},
          {"items", item},
          {"maxItems", b.max_items}};
}

nlohmann::json schema(const std::optional<double>& v, const Bounds& b, const char* description) {
  nlohmann::json number_entry = {{"type", "number"}};
  schema_bounds(number_entry, b);
  return {{"default", value(v)},
          {"description", describe(description, b.note)},
          {"anyOf", {number_entry, {{"type", "string"}, {"enum", {"auto"}}}}}};
}

Reader::Reader(const nlohmann::json& j) : j_(j) {
  if (!j_.is_object() && !j_.is_null()) {
    problems_.push_back("expected a JSON object, got " + j_.dump());
  }
}

void Reader::alias(const char* old_key, const char* key) {
  aliases_.emplace_back(old_key, key);
  if (j_.is_object() && j_.contains(old_key) && j_.contains(key)) {
    problems_.push_back(std::string(old_key) + " is the old name of " + key +
                        "; give only one of them");
  }
}

const nlohmann::json* Reader::find(const char* key) {
  known_.emplace_back(key);
  if (!j_.is_object()) return nullptr;
  auto it = j_.find(key);
  if (it != j_.end()) return &*it;
  for (const auto& [old_key, new_key] : aliases_) {
    if (new_key != key) continue;
    it = j_.find(old_key);
    if (it != j_.end()) return &*it;
  }
  return nullptr;
}

std::vector<std::string> Reader::problems() const {
  std::vector<std::string> out = problems_;
  if (!j_.is_object()) return out;
  std::vector<std::string> valid = known_;
  std::sort(valid.begin(), valid.end());
  std::string list;
  for (const auto& k : valid) list += (list.empty() ? "" : ", ") + k;
  for (auto it = j_.begin(); it != j_.end(); ++it) {
    const std::string& key = it.key();
    const bool is_alias = std::any_of(aliases_.begin(), aliases_.end(),
                                      [&](const auto& a) { return a.first == key; });
    if (is_alias || std::find(known_.begin(), known_.end(), key) != known_.end()) continue;
    out.push_back("unknown key '" + key + "' (valid keys: " +
                  (list.empty() ? "none, this generator has no settings" : list) + ")");
  }
  return out;
}

}  // namespace config_detail
}  // namespace imbgen
