// One rand() stream per thread. liblinear's dual solvers and libsvm's Platt scaling draw from the
// C library's rand(), and the classifiers seed it at the start of every fit. glibc's rand() is
// one process-wide stream, so two such fits in different threads (benchmark cells with
// --jobs > 1, or a fit beside the evaluation's detector) would interleave their draws and neither
// would be reproducible. The rand()/srand() below take the place of the C library's for the
// program and for the shared libraries it loads: the dynamic linker binds liblinear's and
// libsvm's rand@GLIBC to the program's own symbol first. They live in this file with
// seed_thread_rand(), which every liblinear/libsvm classifier calls, so any program that fits
// such a classifier links them: explicit, not left to which object files the linker happens to
// pull. Each thread gets glibc's own generator (random_r with a 128-byte state, the TYPE_3
// additive feedback generator behind rand()), seeded with 1 until seeded, so a single thread
// draws exactly the numbers the C library's rand() would.
#include "classifiers/thread_rand.h"

#include <stdlib.h>

#include <cstdint>

namespace {

struct ThreadRand {
  random_data data{};
  char state[128] = {};
  ThreadRand() { ::initstate_r(1, state, sizeof state, &data); }
};

ThreadRand& thread_rand() {
  thread_local ThreadRand r;
  return r;
}

}  // namespace

extern "C" int rand() noexcept {
  int32_t value = 0;
  ::random_r(&thread_rand().data, &value);
  return value;
}

extern "C" void srand(unsigned int seed) noexcept { ::srandom_r(seed, &thread_rand().data); }

namespace imbgen::classifiers_detail {

void seed_thread_rand(unsigned seed) { ::srandom_r(seed, &thread_rand().data); }

}  // namespace imbgen::classifiers_detail
