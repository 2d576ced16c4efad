// Several processes computing one benchmark together (the ranks of an MPI job): the messages
// run_benchmark exchanges between them, without any MPI header. The MPI implementation is in
// include/imbgen/cluster/mpi.h; tests can pass an in-process one.
#pragma once

#include <chrono>
#include <optional>
#include <string>

namespace imbgen {

class Cluster {
 public:
  struct Message {
    int from = 0;  // the sender's rank
    int tag = 0;
    std::string body;
  };

  virtual ~Cluster() = default;
  // This process's rank, in [0, size()); rank 0 coordinates.
  virtual int rank() const = 0;
  virtual int size() const = 0;
  // The machine this process runs on, for messages ("node12").
  virtual std::string host() const = 0;
  // Queues `body` for rank `to` with `tag` (>= 0) and returns without waiting for the receiver.
  // Messages from one sender to one receiver arrive in the order they were sent.
  virtual void send(int to, int tag, std::string body) = 0;
  // The next message from any rank, or nothing when none arrives within `wait`.
  virtual std::optional<Message> receive(std::chrono::milliseconds wait) = 0;
  // Waits until every message queued by send() has left this process.
  virtual void flush() = 0;
  // Every method is called from one thread only (the one that called run_benchmark); Error(kIo)
  // when the transport fails.
};

}  // namespace imbgen
