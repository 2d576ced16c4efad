// The results.json reader of `imbgen report DIR` (regenerate_report: JSON, then render_report):
// any bytes give a page or an imbgen::Error. The page is rendered in memory (the same function
// write_report saves), which keeps each run fast.
#include <nlohmann/json.hpp>

#include "common.h"
#include "imbgen/core/error.h"
#include "imbgen/report/report.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const nlohmann::json results =
      nlohmann::json::parse(data, data + size, nullptr, /*allow_exceptions=*/false);
  if (results.is_discarded()) return 0;  // regenerate_report: "not valid JSON"
  try {
    (void)imbgen::render_report(results);
  } catch (const imbgen::Error&) {
  }
  return 0;
}
