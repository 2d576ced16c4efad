// `imbgen serve`: routes, request checks, limits, streaming and metrics over cpp-httplib. The
// rows come from the library's Model::sample, exactly as `imbgen sample` draws them.
#include "imbgen/server/server.h"

#include <httplib.h>
#include <malloc.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <deque>
#include <iostream>
#include <limits>
#include <map>
#include <mutex>
#include <random>
#include <sstream>
#include <thread>

#include "imbgen/core/error.h"
#include "imbgen/core/text.h"
#include "imbgen/core/version.h"
#include "imbgen/data/csv.h"
#include "imbgen/data/table.h"
#include "imbgen/generators/generator.h"
#include "server/registry.h"

namespace imbgen {

using nlohmann::json;
using server_detail::ModelEntry;
using server_detail::ModelRegistry;

void ServerOptions::validate() const {
  std::vector<std::string> problems;
  if (models_dir.empty()) problems.push_back("--models: give the folder of model files");
  if (port < 0 || port > 65535)
    problems.push_back("--port must be in 0..65535, got " + std::to_string(port));
  if (max_rows < 1) problems.push_back("--max-rows must be >= 1");
  if (max_body < 64) problems.push_back("--max-body must be >= 64 bytes");
  if (threads < 1) problems.push_back("--threads must be >= 1, got " + std::to_string(threads));
  if (connections < 1 || queue < 0 || wait_queue < 0)
    problems.push_back("connections must be >= 1 and queues >= 0");
  if (!(read_timeout > 0 && write_timeout > 0 && wait_seconds >= 0))
    problems.push_back("timeouts must be > 0");
  if (!problems.empty()) {
    std::string msg = problems.size() == 1 ? problems[0] : "invalid server options:";
    if (problems.size() > 1)
      for (const auto& p : problems) msg += "\n  - " + p;
    throw Error(ErrorKind::kInvalidArgument, msg);
  }
}

namespace {

// Set on a connection thread that serves a connection the server had no room for: every
// request on it gets 503 at once.
thread_local bool t_overflow = false;

// httplib's task queue with bounds: `workers` threads serve connections, at most `capacity`
// wait; beyond that a connection goes to a small overflow pool (or, when that is full too, is
// served on the accepting thread) where it only ever gets a quick 503.
class BoundedPool : public httplib::TaskQueue {
 public:
  BoundedPool(size_t workers, size_t capacity) : capacity_(capacity) {
    for (size_t i = 0; i < workers; ++i) threads_.emplace_back([this] { work(main_, false); });
    for (size_t i = 0; i < 2; ++i) threads_.emplace_back([this] { work(overflow_, true); });
  }
  ~BoundedPool() override { shutdown(); }

  void enqueue(std::function<void()> fn) override {
    std::unique_lock<std::mutex> lock(mu_);
    if (main_.size() < capacity_ + idle_) {
      main_.push_back(std::move(fn));
    } else if (overflow_.size() < capacity_) {
      overflow_.push_back(std::move(fn));
    } else {
      lock.unlock();
      t_overflow = true;
      fn();
      t_overflow = false;
      return;
    }
    cv_.notify_all();
  }

  void shutdown() override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopping_) return;
      stopping_ = true;
    }
    cv_.notify_all();
    for (auto& t : threads_) t.join();
  }

 private:
  void work(std::deque<std::function<void()>>& q, bool overflow) {
    t_overflow = overflow;
    for (;;) {
      std::function<void()> fn;
      {
        std::unique_lock<std::mutex> lock(mu_);
        if (!overflow) ++idle_;
        cv_.wait(lock, [&] { return stopping_ || !q.empty(); });
        if (!overflow) --idle_;
        if (q.empty()) return;  // stopping, nothing left
        fn = std::move(q.front());
        q.pop_front();
      }
      fn();
    }
  }

  size_t capacity_;
  size_t idle_ = 0;
  bool stopping_ = false;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> main_, overflow_;
  std::vector<std::thread> threads_;
};

// Compute slots for sample requests: at most `slots` at once, at most `max_waiting` waiting.
class Slots {
 public:
  Slots(int slots, int max_waiting) : free_(slots), max_waiting_(max_waiting) {}
  // False when the wait queue is full or the wait timed out.
  bool acquire(double seconds) {
    std::unique_lock<std::mutex> lock(mu_);
    if (free_ > 0) {
      --free_;
      return true;
    }
    if (waiting_ >= max_waiting_) return false;
    ++waiting_;
    const bool ok = cv_.wait_for(lock, std::chrono::duration<double>(seconds),
                                 [&] { return free_ > 0; });
    --waiting_;
    if (!ok) return false;
    --free_;
    return true;
  }
  void release() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      ++free_;
    }
    cv_.notify_one();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int free_;
  int waiting_ = 0;
  int max_waiting_;
};

// Prometheus counters and a latency histogram.
class Metrics {
 public:
  void record(const std::string& endpoint, int status, double seconds) {
    std::lock_guard<std::mutex> lock(mu_);
    ++requests_[{endpoint, status}];
    for (size_t b = 0; b < kBounds.size(); ++b)
      if (seconds <= kBounds[b]) ++buckets_[endpoint][b];
    ++counts_[endpoint];
    sums_[endpoint] += seconds;
  }
  void add_rows(const std::string& model, size_t n) {
    std::lock_guard<std::mutex> lock(mu_);
    rows_[model] += n;
  }
  std::string text(size_t models_loaded) const {
    std::lock_guard<std::mutex> lock(mu_);
    std::ostringstream o;
    o << "# HELP imbgen_requests_total HTTP requests by endpoint and status.\n"
      << "# TYPE imbgen_requests_total counter\n";
    for (const auto& [k, v] : requests_)
      o << "imbgen_requests_total{endpoint=\"" << k.first << "\",status=\"" << k.second << "\"} "
        << v << "\n";
    o << "# HELP imbgen_rows_generated_total Synthetic rows sent, by model.\n"
      << "# TYPE imbgen_rows_generated_total counter\n";
    for (const auto& [m, v] : rows_)
      o << "imbgen_rows_generated_total{model=\"" << m << "\"} " << v << "\n";
    o << "# HELP imbgen_request_duration_seconds Time from request to the last byte handed to "
         "the connection.\n"
      << "# TYPE imbgen_request_duration_seconds histogram\n";
    for (const auto& [e, b] : buckets_) {
      for (size_t i = 0; i < kBounds.size(); ++i)
        o << "imbgen_request_duration_seconds_bucket{endpoint=\"" << e << "\",le=\""
          << format_number(kBounds[i]) << "\"} " << b[i] << "\n";
      o << "imbgen_request_duration_seconds_bucket{endpoint=\"" << e << "\",le=\"+Inf\"} "
        << counts_.at(e) << "\n"
        << "imbgen_request_duration_seconds_sum{endpoint=\"" << e << "\"} "
        << format_number(sums_.at(e)) << "\n"
        << "imbgen_request_duration_seconds_count{endpoint=\"" << e << "\"} " << counts_.at(e)
        << "\n";
    }
    o << "# HELP imbgen_models_loaded Model files loaded and available.\n"
      << "# TYPE imbgen_models_loaded gauge\nimbgen_models_loaded " << models_loaded << "\n";
    return o.str();
  }

 private:
  static constexpr std::array<double, 10> kBounds = {0.001, 0.0025, 0.005, 0.01, 0.025,
                                                     0.05,  0.1,    0.25,  1.0,  5.0};
  mutable std::mutex mu_;
  std::map<std::pair<std::string, int>, uint64_t> requests_;
  std::map<std::string, std::array<uint64_t, kBounds.size()>> buckets_;
  std::map<std::string, uint64_t> counts_;
  std::map<std::string, double> sums_;
  std::map<std::string, uint64_t> rows_;
};

const char* reason(int status) {
  switch (status) {
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 413: return "Payload Too Large";
    case 422: return "Unprocessable Entity";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    default: return "Error";
  }
}

// JSON text of a response. Strings may hold bytes that are not UTF-8 (a damaged model file's
// error message quotes the file): those become U+FFFD instead of a type_error and a 500.
std::string response_json(const json& body, int indent) {
  return body.dump(indent, ' ', false, json::error_handler_t::replace) + "\n";
}

void send_error(httplib::Response& res, int status, const std::string& message) {
  res.status = status;
  res.set_content(response_json(json{{"error", {{"status", status}, {"message", message}}}}, -1),
                  "application/json");
}

void send_json(httplib::Response& res, const json& body) {
  res.status = 200;
  res.set_content(response_json(body, 2), "application/json");
}

// Same length or not, the time depends on the longer input only.
bool same_token(const std::string& given, const std::string& want) {
  const size_t n = std::max(given.size(), want.size());
  unsigned char diff = given.size() != want.size();
  for (size_t i = 0; i < n; ++i) {
    const unsigned char a = i < given.size() ? static_cast<unsigned char>(given[i]) : 0;
    const unsigned char b = i < want.size() ? static_cast<unsigned char>(want[i]) : 0;
    diff |= static_cast<unsigned char>(a ^ b);
  }
  return diff == 0;
}

// The endpoint name for metrics and the methods its path allows ("" for an unknown path).
std::pair<std::string, std::vector<std::string>> route_of(const std::string& path) {
  if (path == "/healthz") return {"healthz", {"GET"}};
  if (path == "/readyz") return {"readyz", {"GET"}};
  if (path == "/openapi.json") return {"openapi", {"GET"}};
  if (path == "/metrics") return {"metrics", {"GET"}};
  if (path == "/v1/models") return {"models", {"GET"}};
  const std::string prefix = "/v1/models/";
  if (path.rfind(prefix, 0) == 0) {
    const std::string rest = path.substr(prefix.size());
    const auto slash = rest.find('/');
    if (slash == std::string::npos) return {"model", {"GET"}};
    if (rest.substr(slash) == "/sample") return {"sample", {"POST"}};
  }
  return {"", {}};
}

json model_summary(const ModelEntry& e) {
  json j = {{"id", e.id}};
  if (!e.model) {
    j["available"] = false;
    j["error"] = e.error;
    return j;
  }
  const json& card = e.model->card();
  j["available"] = true;
  j["generator"] = card.at("generator");
  j["classes"] = card.at("classes").is_null() ? json::object() : card.at("classes");
  j["fitted_classes"] = card.at("fitted_classes");
  j["columns"] = e.model->schema().column_names();
  j["created"] = card.at("created");
  j["imbgen_version"] = card.at("imbgen_version");
  j["data_fingerprint"] = card.at("data").at("fingerprint");
  return j;
}

json model_card(const ModelEntry& e) {
  json card = e.model->card();
  card["id"] = e.id;
  card.erase("data");  // its "source" is a file-system path
  const json& data = e.model->card().at("data");
  card["data"] = {{"fingerprint", data.at("fingerprint")}, {"rows", data.at("rows")}};
  json columns = json::array();
  for (const auto& c : e.model->schema().columns) {
    json col = {{"name", c.name},
                {"kind", c.kind == ColumnKind::kCategorical ? "categorical" : "numeric"}};
    if (c.kind == ColumnKind::kCategorical) {
      col["categories"] = c.categories;
    } else {
      col["integer"] = c.integer;
    }
    columns.push_back(std::move(col));
  }
  card["schema"] = {{"columns", columns}, {"target", e.model->schema().target}};
  return card;
}

// A sample request, checked. Throws std::pair<int, std::string> (status, message).
struct SampleRequest {
  std::vector<std::pair<std::string, size_t>> counts;  // in the order given
  uint64_t seed = 0;
  bool seed_given = false;
  bool ndjson = false;
};

[[noreturn]] void reject(int status, const std::string& message) {
  throw std::pair<int, std::string>(status, message);
}

SampleRequest parse_sample(const std::string& body, const Model& model, size_t max_rows) {
  json j;
  try {
    j = json::parse(body);
  } catch (const json::parse_error& e) {
    reject(400, "the body is not valid JSON: at byte " + std::to_string(e.byte) +
                    ": " + std::string(e.what()).substr(std::string(e.what()).find(':') + 2));
  } catch (const json::exception& e) {
    // A number beyond a double's range (1e999) is well-formed JSON that nlohmann refuses with
    // out_of_range.406, not a parse_error: still the client's body, so still a 400.
    const std::string what = e.what();
    reject(400, "the body is not valid JSON: " + what.substr(what.find(']') + 2));
  }
  if (!j.is_object())
    reject(422, std::string("expected a JSON object {\"counts\": {...}}, got ") + j.type_name());
  SampleRequest r;
  for (const auto& [key, v] : j.items()) {
    if (key != "counts" && key != "seed" && key != "format")
      reject(422, "unknown field '" + key + "' (valid fields: counts, seed, format)");
  }
  if (!j.contains("counts") || !j.at("counts").is_object() || j.at("counts").empty()) {
    reject(422, "\"counts\": expected an object of class label -> rows, e.g. {\"" +
                    model.fitted_classes().at(0) + "\": 100}; the model's classes: " +
                    join(model.fitted_classes()));
  }
  const auto fitted = model.fitted_classes();
  size_t total = 0;
  for (const auto& [label, n] : j.at("counts").items()) {
    if (std::find(fitted.begin(), fitted.end(), label) == fitted.end()) {
      reject(422, "\"counts\": unknown class '" + label + "'; the model's classes: " +
                      join(fitted));
    }
    if (!n.is_number_unsigned()) {
      reject(422, "\"counts\": '" + label + "': expected a whole number of rows >= 0, got " +
                      n.dump());
    }
    const uint64_t rows = n.get<uint64_t>();
    if (rows > max_rows || total + rows > max_rows) {
      reject(413, "too many rows: at most " + std::to_string(max_rows) +
                      " rows per request (--max-rows); split the request");
    }
    total += rows;
    r.counts.emplace_back(label, static_cast<size_t>(rows));
  }
  if (j.contains("seed")) {
    if (!j.at("seed").is_number_unsigned())
      reject(422, "\"seed\": expected a whole number >= 0, got " + j.at("seed").dump());
    r.seed = j.at("seed").get<uint64_t>();
    r.seed_given = true;
  }
  if (j.contains("format")) {
    const json& f = j.at("format");
    if (!f.is_string() || (f != "csv" && f != "ndjson"))
      reject(422, "\"format\": expected \"csv\" or \"ndjson\", got " + f.dump());
    r.ndjson = f == "ndjson";
  }
  return r;
}

// A request handed over as bytes instead of read from a socket (HttpServer::handle): reads come
// from the request text, writes go to the response text.
class StringStream : public httplib::Stream {
 public:
  explicit StringStream(const std::string& request) : request_(request) {}
  bool is_readable() const override { return true; }
  bool is_writable() const override { return true; }
  ssize_t read(char* ptr, size_t size) override {
    const size_t n = std::min(size, request_.size() - pos_);
    std::memcpy(ptr, request_.data() + pos_, n);
    pos_ += n;
    return static_cast<ssize_t>(n);
  }
  ssize_t write(const char* ptr, size_t size) override {
    response_.append(ptr, size);
    return static_cast<ssize_t>(size);
  }
  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    ip = "127.0.0.1";
    port = 0;
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    ip = "127.0.0.1";
    port = 0;
  }
  socket_t socket() const override { return INVALID_SOCKET; }
  const std::string& response() const { return response_; }

 private:
  const std::string& request_;
  size_t pos_ = 0;
  std::string response_;
};

// httplib's server with one more door: a request processed in the calling thread, from bytes
// (httplib's process_request is what each connection thread runs per request).
class Router : public httplib::Server {
 public:
  std::string handle(const std::string& request) {
    // httplib streams a chunked body only while the server has a listening socket (without one
    // it is shutting down); a server that never listened gets a placeholder during the call.
    // The placeholder is taken back however the call ends (httplib answers a throwing route
    // with a 500 itself, but nothing here relies on that).
    struct Placeholder {
      std::atomic<socket_t>& sock;
      bool placed;
      explicit Placeholder(std::atomic<socket_t>& s) : sock(s), placed(false) {
        socket_t none = INVALID_SOCKET;
        placed = sock.compare_exchange_strong(none, kPlaceholder);
      }
      ~Placeholder() {
        socket_t mine = kPlaceholder;
        if (placed) sock.compare_exchange_strong(mine, INVALID_SOCKET);
      }
    } placeholder(svr_sock_);
    StringStream stream(request);
    bool connection_closed = false;
    process_request(stream, /*close_connection=*/true, connection_closed,
                    [](httplib::Request&) {});
    return stream.response();
  }

 private:
  static constexpr socket_t kPlaceholder = std::numeric_limits<socket_t>::max();
};

}  // namespace

struct HttpServer::Impl {
  ServerOptions options;
  std::unique_ptr<ModelRegistry> registry;
  Router server;
  bool ready = false;  // registry loaded and routes set up
  Slots slots;
  Metrics metrics;
  std::atomic<bool> stopped{false};
  std::mutex log_mu;
  socket_t listen_socket = INVALID_SOCKET;

  explicit Impl(ServerOptions o)
      : options(std::move(o)), slots(options.threads, options.wait_queue) {}

  void log(const httplib::Request& req, int status, double seconds) {
    if (!options.access_log) return;
    std::lock_guard<std::mutex> lock(log_mu);
    std::cerr << "imbgen serve: " << req.method << " " << req.path << " " << status << " "
              << format_number(std::round(seconds * 1e4) / 10) << " ms\n";
  }

  void setup() {
    const ServerOptions& o = options;
    server.new_task_queue = [this] {
      return new BoundedPool(static_cast<size_t>(options.connections),
                             static_cast<size_t>(options.queue));
    };
    server.set_read_timeout(static_cast<time_t>(o.read_timeout),
                            static_cast<time_t>((o.read_timeout - std::floor(o.read_timeout)) * 1e6));
    server.set_write_timeout(static_cast<time_t>(o.write_timeout),
                             static_cast<time_t>((o.write_timeout - std::floor(o.write_timeout)) * 1e6));
    // An idle keep-alive connection holds a connection thread: closed after 15 s.
    server.set_keep_alive_timeout(15);
    server.set_keep_alive_max_count(1000);
    server.set_payload_max_length(o.max_body);
    // httplib listens with a backlog of 5 (compiled into Debian's library): a burst of new
    // connections, such as 16 clients starting at once, overflows it and the kernel resets some.
    // Note the listening socket here; bind() raises the backlog once httplib has listened.
    server.set_socket_options([this](socket_t sock) {
      httplib::default_socket_options(sock);
      // No Nagle delay: a small response's last segment would otherwise wait for the client's
      // delayed ACK (~40 ms on Linux). Accepted connections inherit it from this socket.
      const int one = 1;
      setsockopt(sock, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      listen_socket = sock;
    });

    server.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
      t_start = std::chrono::steady_clock::now();
      const auto [endpoint, methods] = route_of(req.path);
      if (t_overflow) {
        res.set_header("Retry-After", "1");
        res.set_header("Connection", "close");
        send_error(res, 503, "the server is busy; retry in a second");
        return httplib::Server::HandlerResponse::Handled;
      }
      if (endpoint.empty()) {
        send_error(res, 404, "no such endpoint: " + req.path + " (see /openapi.json)");
        return httplib::Server::HandlerResponse::Handled;
      }
      if (std::find(methods.begin(), methods.end(), req.method) == methods.end()) {
        res.set_header("Allow", join(methods));
        send_error(res, 405, "method " + req.method + " is not allowed on " + req.path +
                                 " (allowed: " + join(methods) + ")");
        return httplib::Server::HandlerResponse::Handled;
      }
      if (!options.token.empty() && endpoint != "healthz") {
        const std::string auth = req.get_header_value("Authorization");
        const std::string prefix = "Bearer ";
        const bool ok = auth.rfind(prefix, 0) == 0 &&
                        same_token(auth.substr(prefix.size()), options.token);
        if (!ok) {
          res.set_header("WWW-Authenticate", "Bearer");
          send_error(res, 401,
                     auth.empty() ? "this server needs an 'Authorization: Bearer <token>' header"
                                  : "the bearer token is not valid");
          return httplib::Server::HandlerResponse::Handled;
        }
      }
      return httplib::Server::HandlerResponse::Unhandled;
    });

    server.set_logger([this](const httplib::Request& req, const httplib::Response& res) {
      const auto [endpoint, methods] = route_of(req.path);
      (void)methods;
      // Requests httplib answered itself (malformed, too large) never reached the router.
      const double seconds =
          t_start == std::chrono::steady_clock::time_point{}
              ? 0.0
              : std::chrono::duration<double>(std::chrono::steady_clock::now() - t_start).count();
      t_start = {};
      metrics.record(endpoint.empty() ? "other" : endpoint, res.status, seconds);
      log(req, res.status, seconds);
    });

    server.set_error_handler([](const httplib::Request& req, httplib::Response& res) {
      // httplib's own answers (413 for a body over the limit, 400 for a malformed request):
      // give them the JSON shape too, unless a handler already wrote a body.
      if (!res.body.empty() || res.is_chunked_content_provider_) return;
      std::string message = reason(res.status);
      if (res.status == 413) message = "the request body is larger than the limit (--max-body)";
      send_error(res, res.status, message + " (" + req.method + " " + req.path + ")");
    });
    server.set_exception_handler(
        [](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
          try {
            std::rethrow_exception(ep);
          } catch (const std::exception& e) {
            send_error(res, 500, std::string("internal error: ") + e.what());
          } catch (...) {
            send_error(res, 500, "internal error");
          }
        });

    server.Get("/healthz", [](const httplib::Request&, httplib::Response& res) {
      send_json(res, {{"status", "ok"}});
    });
    server.Get("/readyz", [this](const httplib::Request&, httplib::Response& res) {
      if (stopped.load()) {
        send_error(res, 503, "shutting down");
        return;
      }
      send_json(res, {{"status", "ready"}, {"models", registry->list().size()}});
    });
    server.Get("/openapi.json", [](const httplib::Request&, httplib::Response& res) {
      send_json(res, HttpServer::openapi());
    });
    server.Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
      res.set_content(metrics.text(registry->loaded()), "text/plain; version=0.0.4");
    });
    server.Get("/v1/models", [this](const httplib::Request&, httplib::Response& res) {
      json models = json::array();
      for (const auto& e : registry->list()) models.push_back(model_summary(e));
      send_json(res, {{"models", models}});
    });
    server.Get(R"(/v1/models/([^/]+))", [this](const httplib::Request& req, httplib::Response& res) {
      const auto entry = find(req.matches[1], res);
      if (entry) send_json(res, model_card(*entry));
    });
    server.Post(R"(/v1/models/([^/]+)/sample)",
                [this](const httplib::Request& req, httplib::Response& res) { sample(req, res); });
  }

  // When the request on this connection thread reached the router (httplib keeps no start
  // time); reset after each request is logged.
  static thread_local std::chrono::steady_clock::time_point t_start;

  std::shared_ptr<const ModelEntry> find(const std::string& id, httplib::Response& res) {
    auto entry = ModelRegistry::valid_id(id) ? registry->get(id) : nullptr;
    if (!entry) {
      send_error(res, 404, "no model '" + id + "' (GET /v1/models lists them)");
      return nullptr;
    }
    if (!entry->model) {
      send_error(res, 503, "model '" + id + "' is unavailable: " + entry->error);
      return nullptr;
    }
    return entry;
  }

  void sample(const httplib::Request& req, httplib::Response& res) {
    const std::string id = req.matches[1];
    const auto entry = find(id, res);
    if (!entry) return;
    const Model& model = *entry->model;
    SampleRequest r;
    try {
      r = parse_sample(req.body, model, options.max_rows);
    } catch (const std::pair<int, std::string>& e) {
      send_error(res, e.first, e.second);
      return;
    }
    if (!r.seed_given) {
      std::random_device rd;
      r.seed = (static_cast<uint64_t>(rd()) << 32) ^ rd();
    }
    if (!slots.acquire(options.wait_seconds)) {
      res.set_header("Retry-After", "1");
      send_error(res, 503, "the server is busy (all " + std::to_string(options.threads) +
                               " sampling slots taken); retry in a second");
      return;
    }
    // The rows of every class, drawn as `imbgen sample --class C --seed S` draws them, streamed
    // (SampleText): each class's first piece is drawn here, in a sampling slot, so that a model
    // that cannot sample gets its error status; the later pieces are drawn while the text
    // streams, by the two threads that format it, while this one sends. The server holds a few
    // pieces and three chunks of text of about 1 MiB whatever the request's size.
    struct Stream {
      std::unique_ptr<SampleText> text;
      // After a large request, the memory its pieces and the generator's buffers took goes back
      // to the system: glibc keeps freed blocks in its per-thread heaps, and without this the
      // resident size crept up by about a piece with each large request.
      ~Stream() {
        const bool large = text && text->rows() > kSamplePiece;
        text.reset();
        if (large) malloc_trim(0);
      }
    };
    auto stream = std::make_shared<Stream>();
    try {
      stream->text = std::make_unique<SampleText>(model, r.counts, r.seed, r.ndjson);
    } catch (const Error& e) {
      slots.release();
      if (e.kind() == ErrorKind::kDiverged) {
        // A model that loaded but makes NaN or infinite values: its file is damaged (a fit that
        // diverges is never saved), as with a file that does not load.
        send_error(res, 503, "model '" + id + "' is unavailable: " + e.what() +
                                 " (the model file is damaged; fit it again)");
        return;
      }
      send_error(res, e.kind() == ErrorKind::kInvalidArgument ? 422 : 500, e.what());
      return;
    }
    slots.release();
    metrics.add_rows(id, stream->text->rows());
    res.set_header("X-Imbgen-Seed", std::to_string(r.seed));
    const auto provide = [stream, id, this](size_t, httplib::DataSink& sink) {
      std::string_view chunk;
      try {
        chunk = stream->text->next();
      } catch (const std::exception& e) {
        // Rows already sent cannot be taken back: the response ends without its last chunk,
        // which every HTTP client reports as an incomplete body.
        std::lock_guard<std::mutex> lock(log_mu);
        std::cerr << "imbgen serve: a sample from model '" << id
                  << "' stopped mid-stream: " << e.what() << "\n";
        return false;
      }
      // The chunked framing is written here, around the text as it is: cpp-httplib's own
      // (set_chunked_content_provider) compresses the body when the client accepts gzip or br,
      // as Python's requests always does, and gzip made a sample 60 times slower (200,000 rows
      // in 12.8 s): far slower than any network the rows would cross.
      if (!chunk.empty()) {
        char size[24];
        const int length = std::snprintf(size, sizeof size, "%zx\r\n", chunk.size());
        if (!sink.write(size, static_cast<size_t>(length)) ||
            !sink.write(chunk.data(), chunk.size()) || !sink.write("\r\n", 2)) {
          return false;
        }
      }
      if (stream->text->done()) {
        if (!sink.write("0\r\n\r\n", 5)) return false;
        sink.done();
      }
      return true;
    };
    res.set_header("Transfer-Encoding", "chunked");
    res.set_content_provider(r.ndjson ? "application/x-ndjson" : "text/csv", provide);
  }
};

thread_local std::chrono::steady_clock::time_point HttpServer::Impl::t_start;

HttpServer::HttpServer(ServerOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {
  impl_->options.validate();
}

HttpServer::~HttpServer() = default;

void HttpServer::prepare() {
  if (impl_->ready) return;
  impl_->registry = std::make_unique<ModelRegistry>(impl_->options.models_dir);
  impl_->registry->list();
  impl_->setup();
  impl_->ready = true;
}

int HttpServer::bind() {
  prepare();
  const auto& o = impl_->options;
  int port = o.port;
  if (port == 0) {
    port = impl_->server.bind_to_any_port(o.host);
  } else if (!impl_->server.bind_to_port(o.host, port)) {
    port = -1;
  }
  if (port < 0) {
    throw Error(ErrorKind::kIo, "cannot listen on " + o.host + ":" + std::to_string(o.port) +
                                    " (in use, or not an address of this machine?)");
  }
  // listen() again on a listening socket sets its backlog (Linux).
  if (impl_->listen_socket != INVALID_SOCKET) ::listen(impl_->listen_socket, 1024);
  return port;
}

std::string HttpServer::handle(const std::string& request) {
  prepare();
  return impl_->server.handle(request);
}

void HttpServer::run() { impl_->server.listen_after_bind(); }

void HttpServer::stop() {
  impl_->stopped.store(true);
  impl_->server.stop();
}

}  // namespace imbgen
