// Run-time lookup of openblas_set_num_threads: we do not link OpenBLAS directly (LibTorch pulls
// in whichever libblas Debian's alternatives select), so the symbol may or may not be there.
#include "imbgen/core/threads.h"

#include <dlfcn.h>

#include <cstdlib>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace imbgen {

void set_blas_threads(int n) {
  using SetThreads = void (*)(int);
  if (void* sym = ::dlsym(RTLD_DEFAULT, "openblas_set_num_threads")) {
    reinterpret_cast<SetThreads>(sym)(n);
  }
}

void keep_freed_memory() {
#if defined(__GLIBC__)
  if (std::getenv("MALLOC_MMAP_THRESHOLD_") != nullptr ||
      std::getenv("MALLOC_TRIM_THRESHOLD_") != nullptr) {
    return;  // the user's own settings win
  }
  mallopt(M_MMAP_THRESHOLD, 64 << 20);
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
#endif
}

}  // namespace imbgen
