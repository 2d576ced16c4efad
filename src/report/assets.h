// The files inlined into every report: plotly.js and the page's own script and style, embedded in
// the binary at build time (see src/report/CMakeLists.txt and assets.cpp.in).
#pragma once

#include <string_view>

namespace imbgen::report_detail {

std::string_view plotly_js();
std::string_view page_js();
std::string_view page_css();
const char* plotly_version();  // e.g. "4.1.2"

}  // namespace imbgen::report_detail
