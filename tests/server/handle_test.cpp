// HttpServer::handle: requests answered in-process, from bytes, by the same routes as over the
// network (tests/server/test_server.py covers the server on loopback).
#include <gtest/gtest.h>

#include <zlib.h>

#include <cmath>
#include <filesystem>
#include <iterator>
#include <fstream>
#include <string>

#include "data/temp_dir.h"
#include "imbgen/data/table.h"
#include "imbgen/experiment/model.h"
#include "imbgen/server/server.h"

namespace imbgen {
namespace {

// A folder with model "m": SMOTE on 30 rows ("x" numeric, "color" categorical; class "1" has 10).
class ServeHandle : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::create_directories(dir_.path("models"));
    ColumnValues x{"x", ColumnKind::kNumeric, {}, {}};
    ColumnValues color{"color", ColumnKind::kCategorical, {}, {}};
    std::vector<std::string> labels;
    for (int i = 0; i < 30; ++i) {
      x.numbers.push_back(i * 0.5 + (i % 3));
      color.texts.push_back(i % 2 ? "red" : "blue");
      labels.push_back(i % 3 == 0 ? "1" : "0");
    }
    const Table table = table_from_columns({x, color}, labels, "Class", "test-table");
    ModelOptions options;
    options.generator = "smote";
    options.config = {{"k_neighbors", 3}};
    Model::fit(table, options).save(dir_.path("models/m.imbgen"));
  }

  HttpServer make_server() const {
    ServerOptions o;
    o.models_dir = dir_.path("models");
    o.max_rows = 100;
    o.access_log = false;
    return HttpServer(o);
  }

  static std::string post(const std::string& path, const std::string& body) {
    return "POST " + path + " HTTP/1.1\r\nHost: x\r\nContent-Length: " +
           std::to_string(body.size()) + "\r\n\r\n" + body;
  }

  testing::TempDir dir_;
};

TEST_F(ServeHandle, AnswersARequestGivenAsBytes) {
  HttpServer server = make_server();
  const std::string response = server.handle("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(response.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << response;
  EXPECT_NE(response.find("\"status\": \"ok\""), std::string::npos) << response;
}

TEST_F(ServeHandle, StreamsSampleRowsAsChunks) {
  HttpServer server = make_server();
  const std::string response =
      server.handle(post("/v1/models/m/sample", R"({"counts": {"1": 4}, "seed": 3})"));
  EXPECT_EQ(response.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << response;
  EXPECT_NE(response.find("X-Imbgen-Seed: 3\r\n"), std::string::npos) << response;
  EXPECT_NE(response.find("x,color,Class\n"), std::string::npos) << response;
}

TEST_F(ServeHandle, ChecksRequestsAsOverTheNetwork) {
  HttpServer server = make_server();
  EXPECT_EQ(server.handle(post("/v1/models/m/sample", R"({"counts": {"1": -5}})")).rfind(
                "HTTP/1.1 422", 0),
            0u);
  EXPECT_EQ(server.handle(post("/v1/models/m/sample", R"({"counts": {"1": 101}})")).rfind(
                "HTTP/1.1 413", 0),
            0u);
  EXPECT_EQ(server.handle("GET /nowhere HTTP/1.1\r\nHost: x\r\n\r\n").rfind("HTTP/1.1 404", 0),
            0u);
  EXPECT_EQ(server.handle("garbage\r\n\r\n").rfind("HTTP/1.1 400", 0), 0u);
}

// Found by fuzz/server_fuzzer.cpp: a seed of 7.7e77777... is well-formed JSON that nlohmann
// refuses with out_of_range.406 (not a parse_error); it answered 500 "internal error".
TEST_F(ServeHandle, ANumberBeyondADoubleIsABadRequest) {
  HttpServer server = make_server();
  const std::string response =
      server.handle(post("/v1/models/m/sample", R"({"counts": {"1": 4}, "seed": 7e777777})"));
  EXPECT_EQ(response.rfind("HTTP/1.1 400", 0), 0u) << response;
  EXPECT_NE(response.find("the body is not valid JSON: number overflow parsing '7e777777'"),
            std::string::npos)
      << response;
}

// Found by fuzz/model_fuzzer.cpp: a damaged model file whose error message quotes bytes that
// are not UTF-8 (the JSON parser's "last read: ..." of its config) made GET /v1/models answer 500
// (nlohmann's type_error 316 while writing the list) instead of listing the model as unavailable.
TEST_F(ServeHandle, ListsAModelWhoseErrorQuotesBytesThatAreNotUtf8) {
  std::string bytes = "IMBGEN-GENERATOR\n";
  const auto u32 = [&](uint32_t v) {
    for (int i = 0; i < 4; ++i) bytes.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
  };
  const auto text = [&](const std::string& t) {
    for (int i = 0; i < 8; ++i) bytes.push_back(static_cast<char>((t.size() >> (8 * i)) & 0xFF));
    bytes += t;
  };
  u32(1);
  text("smote");
  text("{\"k\": \"\x91\"}");  // the config: not valid JSON, and the byte is not UTF-8
  text("{}");
  text("");
  u32(static_cast<uint32_t>(
      crc32(0L, reinterpret_cast<const Bytef*>(bytes.data()), static_cast<uInt>(bytes.size()))));
  std::ofstream(dir_.path("models/broken.imbgen"), std::ios::binary) << bytes;
  HttpServer server = make_server();
  const std::string response = server.handle("GET /v1/models HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(response.rfind("HTTP/1.1 200", 0), 0u) << response;
  EXPECT_NE(response.find("\"id\": \"broken\""), std::string::npos) << response;
  EXPECT_NE(response.find("the config is not valid JSON"), std::string::npos) << response;
  const std::string card = server.handle("GET /v1/models/broken HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(card.rfind("HTTP/1.1 503", 0), 0u) << card;
}

// Found by fuzz/server_fuzzer.cpp: a request whose method holds a byte that is not UTF-8
// ("DELE\xCDTE") ended the process: httplib's 400 for an unknown method gets our JSON body,
// which quotes the method, and writing it threw inside httplib (std::terminate).
TEST_F(ServeHandle, AMethodThatIsNotUtf8GetsA400) {
  HttpServer server = make_server();
  const std::string response = server.handle("DELE\xCDTE /v1/models/m HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(response.rfind("HTTP/1.1 400", 0), 0u) << response;
  EXPECT_NE(response.find("Bad Request (DELE\xEF\xBF\xBDTE"), std::string::npos) << response;
}

// Found by fuzz/model_fuzzer.cpp: a model file that loads but whose state makes NaN rows (here
// SMOTE's stored rows set to NaN) got 500, the status for the server's own bugs, instead of
// 503 with the model named as damaged.
TEST_F(ServeHandle, AModelThatMakesNanRowsIsUnavailableNotAnInternalError) {
  // Numbers only: SMOTE keeps the rows of class "1" in original units (x = 0, 1.5, 3, ...).
  ColumnValues x{"x", ColumnKind::kNumeric, {}, {}};
  std::vector<std::string> labels;
  for (int i = 0; i < 30; ++i) {
    x.numbers.push_back(i * 0.5 + (i % 3));
    labels.push_back(i % 3 == 0 ? "1" : "0");
  }
  ModelOptions options;
  options.generator = "smote";
  options.config = {{"k_neighbors", 3}};
  const std::string path = dir_.path("models/nan.imbgen");
  Model::fit(table_from_columns({x}, labels, "Class", "t"), options).save(path);
  std::ifstream in(path, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  bytes.resize(bytes.size() - 4);  // the CRC-32, written again below
  const double nan = std::nan("");
  size_t patched = 0;
  for (int i = 3; i < 30; i += 3) {
    const double v = i * 0.5 + (i % 3);
    for (size_t at = bytes.find(std::string(reinterpret_cast<const char*>(&v), 8));
         at != std::string::npos;
         at = bytes.find(std::string(reinterpret_cast<const char*>(&v), 8), at + 8)) {
      bytes.replace(at, 8, std::string(reinterpret_cast<const char*>(&nan), 8));
      ++patched;
    }
  }
  ASSERT_GT(patched, 0u);
  const auto crc = static_cast<uint32_t>(
      crc32(0L, reinterpret_cast<const Bytef*>(bytes.data()), static_cast<uInt>(bytes.size())));
  for (int i = 0; i < 4; ++i) bytes.push_back(static_cast<char>((crc >> (8 * i)) & 0xFF));
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
  HttpServer server = make_server();
  const std::string response =
      server.handle(post("/v1/models/nan/sample", R"({"counts": {"1": 100}, "seed": 1})"));
  EXPECT_EQ(response.rfind("HTTP/1.1 503", 0), 0u) << response;
  EXPECT_NE(response.find("model 'nan' is unavailable: "), std::string::npos) << response;
  EXPECT_NE(response.find("non-finite"), std::string::npos) << response;
}

}  // namespace
}  // namespace imbgen
