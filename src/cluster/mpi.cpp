// The ranks of MPI_COMM_WORLD as a Cluster: non-blocking sends kept until they complete, probes
// with short sleeps while waiting (Open MPI's blocking calls spin a core, which the ranks'
// computing threads need), errors returned rather than fatal so they become Error(kIo).
// The only file of imbgen that includes <mpi.h>.
#include "imbgen/cluster/mpi.h"

#include <mpi.h>

#include <chrono>
#include <climits>
#include <cstdlib>
#include <list>
#include <thread>

#include "imbgen/core/error.h"

namespace imbgen {
namespace {

std::string mpi_error_text(int code) {
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  if (MPI_Error_string(code, text, &length) != MPI_SUCCESS)
    return "MPI error " + std::to_string(code);
  return std::string(text, static_cast<size_t>(length));
}

void check(int code, const std::string& what) {
  if (code != MPI_SUCCESS)
    throw Error(ErrorKind::kIo, "MPI: " + what + ": " + mpi_error_text(code));
}

constexpr auto kPause = std::chrono::milliseconds(1);

class WorldCluster final : public MpiCluster {
 public:
  WorldCluster() {
    int provided = 0;
    check(MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided), "MPI_Init_thread");
    if (provided < MPI_THREAD_FUNNELED) {
      MPI_Finalize();
      throw Error(ErrorKind::kUnsupported,
                  "MPI: the library does not support MPI_THREAD_FUNNELED (a process with threads "
                  "whose main thread alone calls MPI)");
    }
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
    MPI_Comm_size(MPI_COMM_WORLD, &size_);
    char name[MPI_MAX_PROCESSOR_NAME];
    int length = 0;
    if (MPI_Get_processor_name(name, &length) == MPI_SUCCESS)
      host_.assign(name, static_cast<size_t>(length));
  }
  ~WorldCluster() override {
    try {
      flush();
    } catch (const Error&) {
      // finalising anyway: the launcher reports a peer that is gone
    }
    MPI_Finalize();
  }

  int rank() const override { return rank_; }
  int size() const override { return size_; }
  std::string host() const override { return host_; }

  void send(int to, int tag, std::string body) override {
    if (body.size() > static_cast<size_t>(INT_MAX))
      throw Error(ErrorKind::kUnsupported, "MPI: a message of " + std::to_string(body.size()) +
                                               " bytes to rank " + std::to_string(to) +
                                               " (at most 2 GiB)");
    outgoing_.push_back({std::move(body), MPI_REQUEST_NULL});
    Outgoing& o = outgoing_.back();
    check(MPI_Isend(o.body.data(), static_cast<int>(o.body.size()), MPI_CHAR, to, tag,
                    MPI_COMM_WORLD, &o.request),
          "sending to rank " + std::to_string(to));
  }

  std::optional<Message> receive(std::chrono::milliseconds wait) override {
    const auto deadline = std::chrono::steady_clock::now() + wait;
    while (true) {
      complete_sends();
      int flag = 0;
      MPI_Status status;
      check(MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, &status), "MPI_Iprobe");
      if (flag) {
        int count = 0;
        check(MPI_Get_count(&status, MPI_CHAR, &count), "MPI_Get_count");
        Message m;
        m.from = status.MPI_SOURCE;
        m.tag = status.MPI_TAG;
        m.body.resize(static_cast<size_t>(count));
        check(MPI_Recv(m.body.data(), count, MPI_CHAR, m.from, m.tag, MPI_COMM_WORLD,
                       MPI_STATUS_IGNORE),
              "receiving from rank " + std::to_string(m.from));
        return m;
      }
      if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
      std::this_thread::sleep_for(kPause);
    }
  }

  void flush() override {
    while (!outgoing_.empty()) {
      complete_sends();
      if (!outgoing_.empty()) std::this_thread::sleep_for(kPause);
    }
  }

  [[noreturn]] void abort(int code) override {
    MPI_Abort(MPI_COMM_WORLD, code);
    std::_Exit(code);  // MPI_Abort does not return; this is in case it does
  }

 private:
  struct Outgoing {
    std::string body;  // kept alive until the send completes
    MPI_Request request;
  };

  // Frees the sends that have completed (which also lets MPI progress the others).
  void complete_sends() {
    for (auto it = outgoing_.begin(); it != outgoing_.end();) {
      int done = 0;
      check(MPI_Test(&it->request, &done, MPI_STATUS_IGNORE), "completing a send");
      it = done ? outgoing_.erase(it) : std::next(it);
    }
  }

  int rank_ = 0, size_ = 1;
  std::string host_ = "?";
  std::list<Outgoing> outgoing_;  // a list: MPI holds pointers to the bodies and requests
};

}  // namespace

std::string mpi_library() {
  char text[MPI_MAX_LIBRARY_VERSION_STRING];
  int length = 0;
  if (MPI_Get_library_version(text, &length) != MPI_SUCCESS) return "MPI";
  std::string s(text, static_cast<size_t>(length));
  const size_t end = s.find_first_of(",\n");
  return end == std::string::npos ? s : s.substr(0, end);
}

std::unique_ptr<MpiCluster> start_mpi() { return std::make_unique<WorldCluster>(); }

}  // namespace imbgen
