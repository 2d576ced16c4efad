// report_render RESULTS.json OUT.html: renders a results file to a report (used by the browser
// test; `imbgen report DIR` is the user-facing command).
#include <iostream>

#include "imbgen/core/error.h"
#include "imbgen/core/files.h"
#include "imbgen/report/report.h"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: report_render RESULTS.json OUT.html\n";
    return 2;
  }
  try {
    imbgen::write_report(nlohmann::json::parse(imbgen::read_file(argv[1])), argv[2]);
  } catch (const std::exception& e) {
    std::cerr << "report_render: " << argv[1] << ": " << e.what() << "\n";
    return 1;
  }
  return 0;
}
