// `imbgen serve`: synthetic rows on demand over HTTP, from the model files in a folder. A thin
// front end of the library's Model API (include/imbgen/experiment/model.h): the same model,
// counts and seed give the same rows as `imbgen sample`.
//
// Endpoints: GET /healthz, /readyz, /openapi.json, /metrics, /v1/models, /v1/models/{id};
// POST /v1/models/{id}/sample. Errors are JSON {"error": {"status": N, "message": "..."}}.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

namespace imbgen {

struct ServerOptions {
  std::string models_dir;       // the folder of *.imbgen files; a model's id is its file name
  std::string host = "127.0.0.1";
  int port = 8080;              // 0: any free port (bind() returns it)
  std::string token;            // non-empty: every endpoint but /healthz needs "Bearer <token>"
  size_t max_rows = 1000000;    // rows in one sample request, at most
  size_t max_body = 1 << 16;    // request body bytes, at most
  int threads = 2;              // sample requests computed at once
  int connections = 64;         // connections served at once (keep-alive clients hold one)
  int queue = 64;               // accepted connections waiting for a connection thread
  int wait_queue = 64;          // sample requests waiting for a compute slot; more: 503
  double wait_seconds = 5;      // longest wait for a compute slot before 503
  double read_timeout = 5;      // seconds a client may take to send a request
  double write_timeout = 10;    // seconds a client may stall a response before it is dropped
  bool access_log = true;       // one line per request on stderr (never the token)

  // Throws Error(kInvalidArgument) naming each bad value.
  void validate() const;
};

class HttpServer {
 public:
  explicit HttpServer(ServerOptions options);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Loads the registry and binds the listening socket; returns the port. Throws Error(kNotFound)
  // when the models folder does not exist, Error(kIo) when the address cannot be bound.
  int bind();
  // Answers one request given as the bytes a client would send (request line, headers, body) in
  // the calling thread, without a socket, and returns the bytes the client would receive (status
  // line, headers, body; a streamed body in its chunks). Loads the models folder first, as bind()
  // does. The same routes, checks, limits and metrics as requests over the network; for tests and
  // fuzzing (fuzz/server_fuzzer.cpp), one call at a time and not on a server that listens.
  // Throws as bind() does for the models folder.
  std::string handle(const std::string& request);
  // Serves until stop(); returns once the requests in flight have finished.
  void run();
  // Stops accepting and lets run() return after the requests in flight. Thread-safe.
  void stop();

  // The OpenAPI 3 document served at /openapi.json.
  static nlohmann::json openapi();

 private:
  void prepare();  // loads the registry and sets up the routes, once

  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace imbgen
