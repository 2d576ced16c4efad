// Escaping and formatting helpers of the HTML report.
#include "report/html.h"

#include <cmath>
#include <cstdio>
#include <limits>

namespace imbgen::report_detail {

std::string escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string num(double v, int digits) {
  if (!std::isfinite(v)) return "n/a";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  // "-0.000" reads as a loss where there is none.
  std::string s = buf;
  if (s[0] == '-' && s.find_first_not_of("-0.") == std::string::npos) s.erase(0, 1);
  return s;
}

std::string compact(double v) {
  if (!std::isfinite(v)) return "n/a";
  const double a = std::fabs(v);
  if (a < 100) return num(v, 3);
  if (a < 10000) return num(v, 1);
  const double r = std::round(v);
  if (std::fabs(r) > 9e15) return num(v, 0);
  return count(static_cast<int64_t>(r));
}

std::string signed_num(double v, int digits) {
  const std::string s = num(v, digits);
  if (s == "n/a" || s[0] == '-') return s;
  if (s.find_first_not_of("0.") == std::string::npos) return "±" + s;
  return "+" + s;
}

std::string percent(double share, int digits) {
  if (!std::isfinite(share)) return "n/a";
  return num(100.0 * share, digits) + "%";
}

namespace {

std::string with_separators(const std::string& digits, bool negative) {
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return negative ? "-" + out : out;
}

// Doubles of magnitude below 2^63 convert to int64 without overflow.
constexpr double kInt64Bound = 9223372036854775808.0;

}  // namespace

std::string count(int64_t n) {
  // The magnitude as unsigned: -n overflows for the smallest int64.
  const uint64_t magnitude = n < 0 ? 0 - static_cast<uint64_t>(n) : static_cast<uint64_t>(n);
  return with_separators(std::to_string(magnitude), n < 0);
}

std::string count_number(double v) {
  if (!std::isfinite(v)) return "n/a";
  v = std::trunc(v);
  if (std::fabs(v) < kInt64Bound) return count(static_cast<int64_t>(v));
  char buf[400];
  std::snprintf(buf, sizeof buf, "%.0f", std::fabs(v));
  return with_separators(buf, v < 0);
}

int64_t whole_or(double v, int64_t fallback) {
  if (!std::isfinite(v) || !(std::fabs(v) < kInt64Bound)) return fallback;
  return static_cast<int64_t>(v);
}

std::string pvalue(double p) {
  if (!std::isfinite(p)) return "p n/a";
  if (p < 0.001) return "p < 0.001";
  return "p = " + num(p, 3);
}

std::string seconds(double s) {
  if (!std::isfinite(s)) return "n/a";
  if (s < 1.0) return num(s, 3) + " s";
  if (s < 100.0) return num(s, 1) + " s";
  const int64_t total = whole_or(std::round(s), std::numeric_limits<int64_t>::max());
  char buf[64];
  std::snprintf(buf, sizeof buf, "%lld min %02lld s", static_cast<long long>(total / 60),
                static_cast<long long>(total % 60));
  return buf;
}

std::string id_part(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    out += ok ? c : '-';
  }
  return out.empty() ? "x" : out;
}

std::string script_json(const nlohmann::json& j) {
  const std::string dumped = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  std::string out;
  out.reserve(dumped.size() + 64);
  // '<' only occurs inside JSON strings, where \u003c means the same character.
  for (char c : dumped) {
    if (c == '<') {
      out += "\\u003c";
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace imbgen::report_detail
