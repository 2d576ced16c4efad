// The model file loader (Model::load) and what reads a loaded model's card and schema (the
// server's model list, model card and sample endpoints): any bytes give a model or an
// imbgen::Error; a model that loads can draw rows of each of its classes or says why not with an
// Error; and the server answers about it without a 500 (which it keeps for its own bugs). The
// input is a model file without its last 4 bytes, the CRC-32; the harness appends the right one,
// so that mutations reach the parts behind the checksum (a wrong checksum is rejected before
// anything else is read; tests/generators/model_file_test.cpp covers that).
#include <zlib.h>

#include <cstdio>
#include <cstdlib>
#include <memory>

#include "common.h"
#include "imbgen/core/error.h"
#include "imbgen/experiment/model.h"
#include "imbgen/server/server.h"

namespace {

const std::filesystem::path& models_dir() {
  static const std::filesystem::path dir = [] {
    const auto d = imbgen::fuzz::scratch_dir() / "models";
    std::filesystem::create_directories(d);
    return d;
  }();
  return dir;
}

imbgen::HttpServer& server() {
  static const auto s = [] {
    imbgen::ServerOptions o;
    o.models_dir = models_dir().string();
    o.max_rows = 20;
    o.access_log = false;
    return std::make_unique<imbgen::HttpServer>(o);
  }();
  return *s;
}

void expect_no_500(const std::string& request) {
  const std::string response = server().handle(request);
  if (response.rfind("HTTP/1.1 500", 0) == 0) {
    std::fprintf(stderr, "model_fuzzer: status 500 for\n%s\n---\n%s\n", request.c_str(),
                 response.c_str());
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string bytes = imbgen::fuzz::as_string(data, size);
  const uint32_t crc =
      static_cast<uint32_t>(crc32(crc32(0L, Z_NULL, 0), data, static_cast<uInt>(size)));
  for (int i = 0; i < 4; ++i) bytes.push_back(static_cast<char>((crc >> (8 * i)) & 0xFF));
  const auto path = models_dir() / "x.imbgen";
  imbgen::fuzz::write_bytes(path, bytes);
  std::string label;
  try {
    const imbgen::Model model = imbgen::Model::load(path.string());
    (void)model.card().dump();
    for (const auto& l : model.fitted_classes()) {
      if (label.empty()) label = l;
      try {
        (void)model.sample(l, 3, 1);
      } catch (const imbgen::Error&) {
      }
    }
  } catch (const imbgen::Error&) {
  }
  expect_no_500("GET /v1/models HTTP/1.1\r\n\r\n");
  expect_no_500("GET /v1/models/x HTTP/1.1\r\n\r\n");
  if (!label.empty()) {
    const nlohmann::json body = {{"counts", {{label, 2}}}, {"seed", 1}};
    const std::string text = body.dump();
    expect_no_500("POST /v1/models/x/sample HTTP/1.1\r\nContent-Length: " +
                  std::to_string(text.size()) + "\r\n\r\n" + text);
  }
  return 0;
}
