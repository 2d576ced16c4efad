// Run-time lookup of openblas_set_num_threads: we do not link OpenBLAS directly (LibTorch pulls
// in whichever libblas Debian's alternatives select), so the symbol may or may not be there.
#include "imbgen/core/threads.h"

#include <dlfcn.h>

namespace imbgen {

void set_blas_threads(int n) {
  using SetThreads = void (*)(int);
  if (void* sym = ::dlsym(RTLD_DEFAULT, "openblas_set_num_threads")) {
    reinterpret_cast<SetThreads>(sym)(n);
  }
}

}  // namespace imbgen
