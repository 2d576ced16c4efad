// `imbgen serve`: the HTTP API over a folder of model files (include/imbgen/server/server.h).
// SIGTERM or Ctrl-C stops accepting, lets the requests in flight finish, and exits 0.
#include <signal.h>
#include <unistd.h>

#include <cerrno>

#include <iostream>
#include <memory>
#include <thread>

#include "common.h"
#include "imbgen/core/error.h"
#include "imbgen/core/files.h"
#include "imbgen/server/server.h"

namespace imbgen::cli {
namespace {

int g_signal_pipe[2] = {-1, -1};

void on_signal(int sig) {
  const unsigned char b = static_cast<unsigned char>(sig);
  ssize_t ignored = ::write(g_signal_pipe[1], &b, 1);  // async-signal-safe
  (void)ignored;
}

struct ServeArgs {
  ServerOptions options;
  std::string token_file;
  int64_t max_rows = 1000000;
  int64_t max_body = 1 << 16;
  bool quiet = false;
};

std::string read_token(const std::string& path) {
  std::string t = read_file(path);
  while (!t.empty() && (t.back() == '\n' || t.back() == '\r' || t.back() == ' ')) t.pop_back();
  while (!t.empty() && t.front() == ' ') t.erase(t.begin());
  if (t.empty()) {
    throw Error(ErrorKind::kInvalidArgument, "--token-file '" + path + "': the file is empty");
  }
  if (t.find_first_of("\n\r\t ") != std::string::npos) {
    throw Error(ErrorKind::kInvalidArgument,
                "--token-file '" + path + "': expected one token on one line");
  }
  return t;
}

int serve_command(ServeArgs& a) {
  if (a.max_rows < 1)
    throw Error(ErrorKind::kInvalidArgument,
                "--max-rows: expected a number >= 1, got " + std::to_string(a.max_rows));
  if (a.max_body < 64)
    throw Error(ErrorKind::kInvalidArgument,
                "--max-body: expected a number of bytes >= 64, got " + std::to_string(a.max_body));
  a.options.max_rows = static_cast<size_t>(a.max_rows);
  a.options.max_body = static_cast<size_t>(a.max_body);
  a.options.validate();  // every option, before the token file is read or anything starts
  if (!a.token_file.empty()) a.options.token = read_token(a.token_file);
  a.options.access_log = !a.quiet;

  // SIGINT and SIGTERM: a handler (process-wide, whichever thread the signal lands on: the
  // numeric libraries start threads of their own) writes the signal to a pipe; one thread reads
  // it and stops the server.
  if (::pipe(g_signal_pipe) != 0) throw Error(ErrorKind::kIo, "cannot create a pipe");
  struct sigaction action {};
  action.sa_handler = on_signal;
  sigemptyset(&action.sa_mask);
  ::sigaction(SIGINT, &action, nullptr);
  ::sigaction(SIGTERM, &action, nullptr);

  HttpServer server(a.options);
  const int port = server.bind();
  std::cerr << "imbgen serve: listening on http://" << a.options.host << ":" << port << " ("
            << a.options.models_dir << ", " << (a.options.token.empty() ? "no token" : "token required")
            << "); Ctrl-C or SIGTERM stops" << std::endl;
  std::thread waiter([&server] {
    unsigned char sig = 0;
    while (::read(g_signal_pipe[0], &sig, 1) < 0 && errno == EINTR) {
    }
    if (sig == 0) return;  // the pipe was closed: the server stopped by itself
    std::cerr << "imbgen serve: " << (sig == SIGTERM ? "SIGTERM" : "interrupt")
              << ": finishing the requests in flight" << std::endl;
    server.stop();
  });
  server.run();
  ::close(g_signal_pipe[1]);  // wakes the waiter if no signal came
  waiter.join();
  std::cerr << "imbgen serve: stopped" << std::endl;
  return 0;
}

}  // namespace

Command add_serve_command(CLI::App& app) {
  auto a = std::make_shared<ServeArgs>();
  a->options.threads = default_threads();
  auto* cmd = app.add_subcommand(
      "serve", "Serve synthetic rows over HTTP from the model files in a folder");
  cmd->add_option("--models", a->options.models_dir,
                  "folder of model files (imbgen fit); a model's id is its file name without "
                  ".imbgen; files added or removed while serving are picked up")
      ->required();
  cmd->add_option("--host", a->options.host, "address to listen on")->capture_default_str();
  cmd->add_option("--port", a->options.port, "port (0: any free port)")->capture_default_str();
  cmd->add_option("--token-file", a->token_file,
                  "file holding a bearer token every request but /healthz must carry");
  cmd->add_option("--max-rows", a->max_rows, "rows in one request, at most")->capture_default_str();
  cmd->add_option("--max-body", a->max_body, "request body bytes, at most")->capture_default_str();
  cmd->add_option("--threads", a->options.threads, "sample requests computed at once")
      ->capture_default_str();
  cmd->add_flag("--quiet,-q", a->quiet, "no access log");
  return [a] { return serve_command(*a); };
}

}  // namespace imbgen::cli
