// The HTTP request handling of `imbgen serve` (HttpServer::handle: httplib's request parsing, then
// the same routes, checks and limits as over the network, without a socket): any request bytes
// give a response, never a crash, and never a 500 (which the server keeps for its own bugs). The
// models folder holds a small SMOTE model "m" and a damaged file "bad"; two servers answer each
// input, one without and one with a bearer token ("secret").
#include <cstdio>
#include <cstdlib>
#include <memory>

#include "common.h"
#include "imbgen/core/error.h"
#include "imbgen/data/table.h"
#include "imbgen/experiment/model.h"
#include "imbgen/server/server.h"

namespace {

// 30 rows: "x" numeric, "color" categorical, class "1" (10 rows) the minority.
std::string models_dir() {
  const auto dir = imbgen::fuzz::scratch_dir() / "models";
  std::filesystem::create_directories(dir);
  imbgen::ColumnValues x{"x", imbgen::ColumnKind::kNumeric, {}, {}};
  imbgen::ColumnValues color{"color", imbgen::ColumnKind::kCategorical, {}, {}};
  std::vector<std::string> labels;
  for (int i = 0; i < 30; ++i) {
    x.numbers.push_back(i * 0.5 + (i % 3));
    color.texts.push_back(i % 2 ? "red" : "blue");
    labels.push_back(i % 3 == 0 ? "1" : "0");
  }
  const imbgen::Table table =
      imbgen::table_from_columns({x, color}, labels, "Class", "fuzz-table");
  imbgen::ModelOptions options;
  options.generator = "smote";
  options.config = {{"k_neighbors", 3}};
  options.seed = 1;
  imbgen::Model::fit(table, options).save((dir / "m.imbgen").string());
  imbgen::fuzz::write_bytes(dir / "bad.imbgen", "IMBGEN-GENERATOR\n\x01");
  return dir.string();
}

imbgen::HttpServer& server(bool with_token) {
  static const std::string dir = models_dir();
  auto make = [](bool token) {
    imbgen::ServerOptions o;
    o.models_dir = dir;
    o.max_rows = 100;
    o.max_body = 4096;
    o.access_log = false;
    if (token) o.token = "secret";
    return std::make_unique<imbgen::HttpServer>(o);
  };
  static const auto open = make(false);
  static const auto guarded = make(true);
  return with_token ? *guarded : *open;
}

void check_response(const std::string& response) {
  if (response.rfind("HTTP/1.1 500", 0) == 0) {
    std::fprintf(stderr, "server_fuzzer: status 500:\n%s\n", response.c_str());
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string request = imbgen::fuzz::as_string(data, size);
  check_response(server(false).handle(request));
  check_response(server(true).handle(request));
  return 0;
}
