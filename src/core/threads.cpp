// Run-time lookup of OpenBLAS's functions: we do not link OpenBLAS directly (LibTorch pulls in
// whichever libblas Debian's alternatives select), so its symbols may or may not be there.
#include "imbgen/core/threads.h"

#include <dlfcn.h>

#include <cctype>
#include <cstdlib>
#include <sstream>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace imbgen {
namespace {

// An OpenBLAS function, or nullptr. The global scope has it in a program linked with LibTorch; a
// Python extension module's libraries are loaded without RTLD_GLOBAL, so there the loaded library
// is asked by name (RTLD_NOLOAD: never loads a second copy).
void* openblas_symbol(const char* name) {
  if (void* sym = ::dlsym(RTLD_DEFAULT, name)) return sym;
  static void* const library = ::dlopen("libopenblas.so.0", RTLD_LAZY | RTLD_NOLOAD);
  return library != nullptr ? ::dlsym(library, name) : nullptr;
}

template <class Function>
Function openblas_function(const char* name) {
  return reinterpret_cast<Function>(openblas_symbol(name));
}

std::string openblas_core() {
  const auto name = openblas_function<char* (*)()>("openblas_get_corename");
  return name != nullptr ? std::string(name()) : std::string();
}

// "OpenBLAS 0.3.21" from openblas_get_config() ("OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY ...").
std::string openblas_library() {
  const auto config = openblas_function<char* (*)()>("openblas_get_config");
  if (config == nullptr) return "";
  std::istringstream words(config());
  std::string name, release;
  words >> name >> release;
  return name + " " + release;
}

}  // namespace

void set_blas_threads(int n) {
  if (const auto set = openblas_function<void (*)(int)>("openblas_set_num_threads")) set(n);
}

std::string BlasKernels::describe() const {
  const std::string own = own_products ? "; imbgen's AVX-512 products for the deep generators" : "";
  if (library.empty()) return "not OpenBLAS" + own;
  return library + ", " + kernels + " kernels" + (forced ? " (OPENBLAS_CORETYPE)" : "") + own;
}

bool BlasKernels::avx512_unused() const {
  if (!cpu_avx512) return false;
  std::string lower;
  for (char c : kernels) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (const char* wide : {"skylakex", "cooperlake", "sapphirerapids"}) {
    if (lower == wide) return false;
  }
  return true;
}

std::string BlasKernels::advice() const {
  if (library.empty() || !forced || !avx512_unused()) return "";
  const std::string held = "OPENBLAS_CORETYPE holds OpenBLAS to its " + kernels +
                           " kernels, without AVX-512, on this AVX-512 CPU: ";
  const std::string way_out =
      " (`env -u OPENBLAS_CORETYPE imbgen --version` names OpenBLAS's own choice; other kernels "
      "give other last bits, so other rows for the same seed)";
  if (own_products) {
    return held +
           "imbgen multiplies the deep generators' matrices with its own AVX-512 kernel instead" +
           way_out;
  }
  return held +
         "the deep generators' matrix products may run 1.3-1.6x slower than on OpenBLAS's own "
         "choice" +
         way_out;
}

BlasKernels blas_kernels() {
  BlasKernels k;
  k.library = openblas_library();
  k.kernels = openblas_core();
  k.forced = !k.library.empty() && std::getenv("OPENBLAS_CORETYPE") != nullptr;
#if defined(__x86_64__) && defined(__GNUC__)
  k.cpu_avx512 = __builtin_cpu_supports("avx512f");
#endif
  const char* choice = std::getenv("IMBGEN_GEMM");
  const std::string want = choice != nullptr ? choice : "";
  k.own_products = k.cpu_avx512 && want != "openblas" && (want == "imbgen" || k.avx512_unused());
  return k;
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
