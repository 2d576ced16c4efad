// The per-thread rand() streams that keep liblinear and libsvm reproducible under threads.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <thread>
#include <vector>

#include "classifiers/thread_rand.h"

namespace imbgen {
namespace {

// The classifiers module gives every thread its own rand() stream (src/classifiers/thread_rand.cpp),
// so that liblinear/libsvm fits in parallel threads stay reproducible. Reference: glibc's own rand(),
//   import ctypes; libc = ctypes.CDLL("libc.so.6")
//   [libc.rand() for _ in range(3)]  # unseeded: [1804289383, 846930886, 1681692777]
//   libc.srand(42); [libc.rand() for _ in range(5)]
//     # [71876166, 708592740, 1483128881, 907283241, 442951012]
//   libc.srand(7); [libc.rand() for _ in range(3)]  # [1045618677, 1863967299, 1272579899]
TEST(ThreadRand, EachThreadDrawsGlibcsSequence) {
  std::vector<int> unseeded, seeded_42, seeded_7;
  std::thread fresh([&] {
    for (int i = 0; i < 3; ++i) unseeded.push_back(std::rand());
  });
  fresh.join();
  EXPECT_EQ(unseeded, (std::vector<int>{1804289383, 846930886, 1681692777}));
  // Two threads drawing at the same time do not disturb each other's streams.
  std::atomic<int> turn{0};
  auto draw = [&](unsigned seed, int n, int me, std::vector<int>& out) {
    classifiers_detail::seed_thread_rand(seed);
    for (int i = 0; i < n; ++i) {
      while (turn.load() % 2 != me) std::this_thread::yield();  // strictly alternate draws
      out.push_back(std::rand());
      ++turn;
    }
  };
  std::thread a([&] { draw(42, 3, 0, seeded_42); });
  std::thread b([&] { draw(7, 3, 1, seeded_7); });
  a.join();
  b.join();
  EXPECT_EQ(seeded_42, (std::vector<int>{71876166, 708592740, 1483128881}));
  EXPECT_EQ(seeded_7, (std::vector<int>{1045618677, 1863967299, 1272579899}));
}

}  // namespace
}  // namespace imbgen
