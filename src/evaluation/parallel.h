// A minimal parallel loop over index ranges with std::thread, for the O(n^2) distance loops.
#pragma once

#include <algorithm>
#include <cstddef>
#include <exception>
#include <thread>
#include <vector>

namespace imbgen {

// Calls body(begin, end) on `threads` contiguous chunks of [0, n) (the caller's thread runs the
// first chunk). Chunks are disjoint, so a body that writes only to its own indices needs no
// locks. The first exception thrown by any chunk is rethrown after every chunk has finished.
template <typename Body>
void parallel_for(size_t n, int threads, Body&& body) {
  const size_t parts = std::min(n, static_cast<size_t>(std::max(1, threads)));
  if (parts <= 1) {
    if (n > 0) body(size_t{0}, n);
    return;
  }
  std::vector<std::exception_ptr> errors(parts);
  std::vector<std::thread> workers;
  workers.reserve(parts - 1);
  auto run = [&](size_t p) {
    const size_t begin = n * p / parts;
    const size_t end = n * (p + 1) / parts;
    try {
      body(begin, end);
    } catch (...) {
      errors[p] = std::current_exception();
    }
  };
  for (size_t p = 1; p < parts; ++p) workers.emplace_back(run, p);
  run(0);
  for (auto& w : workers) w.join();
  for (auto& e : errors) {
    if (e) std::rethrow_exception(e);
  }
}

}  // namespace imbgen
