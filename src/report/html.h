// Small HTML helpers for the report: escaping, number formatting, element ids, and JSON that is
// safe inside a <script> element.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace imbgen::report_detail {

// Text or attribute value with & < > " ' escaped.
std::string escape(std::string_view text);

// Fixed-point number with `digits` decimals; "n/a" for NaN or infinity.
std::string num(double v, int digits = 3);
// A value of any size for tables: 3 decimals below 100, 1 below 10,000, else none, with
// thousands separators ("0.812", "809.5", "100,000").
std::string compact(double v);
// As num(), with an explicit sign ("+0.041", "-0.010").
std::string signed_num(double v, int digits = 3);
// A percentage of a share in [0, 1]: percent(0.0017, 2) = "0.17%".
std::string percent(double share, int digits = 1);
// An integer with thousands separators: "284,807".
std::string count(int64_t n);
// A count read from a JSON number, which may be anything: its whole part with thousands
// separators (the full digits beyond int64's range), "n/a" for NaN or infinity.
std::string count_number(double v);
// v's whole part (as a cast truncates) when int64 holds it; else `fallback`.
int64_t whole_or(double v, int64_t fallback);
// "p < 0.001" or "p = 0.034"; "p n/a" for NaN.
std::string pvalue(double p);
// Seconds in a short human form: "0.021 s", "12.3 s", "4 min 05 s".
std::string seconds(double s);

// `text` reduced to [a-z0-9_-] (other characters become '-'), for element ids.
std::string id_part(std::string_view text);

// JSON for an inline <script type="application/json">: every '<' is written as \u003c, so no
// string in the data can close the script element or open a comment; invalid UTF-8 is replaced.
std::string script_json(const nlohmann::json& j);

}  // namespace imbgen::report_detail
