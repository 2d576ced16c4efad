// BlasKernels: when the BLAS leaves a CPU's AVX-512 unused (and imbgen's own products take over
// for the deep generators), the note for commands that train networks when OPENBLAS_CORETYPE
// holds OpenBLAS to kernels without AVX-512 on a CPU that has it, and silence in every other case.
#include "imbgen/core/threads.h"

#include <gtest/gtest.h>

#include <string>

namespace imbgen {
namespace {

BlasKernels kernels(const std::string& name, bool forced, bool cpu_avx512) {
  BlasKernels k;
  k.library = "OpenBLAS 0.3.21";
  k.kernels = name;
  k.forced = forced;
  k.cpu_avx512 = cpu_avx512;
  return k;
}

TEST(BlasKernels, AdviceWhenTheVariableHoldsAnAvx512CpuToNarrowerKernels) {
  const std::string advice = kernels("Haswell", true, true).advice();
  EXPECT_NE(advice.find("OPENBLAS_CORETYPE holds OpenBLAS to its Haswell kernels"),
            std::string::npos)
      << advice;
  EXPECT_NE(advice.find("env -u OPENBLAS_CORETYPE"), std::string::npos) << advice;
  EXPECT_NE(advice.find("the deep generators' matrix products may run 1.3-1.6x slower"),
            std::string::npos)
      << advice;
  EXPECT_FALSE(kernels("Zen", true, true).advice().empty());
  EXPECT_FALSE(kernels("Sandybridge", true, true).advice().empty());
}

// With imbgen's own products for the deep generators (all of them since 0.12), the note says so
// and no longer warns of slower products; --version and results.json name them.
TEST(BlasKernels, OwnProductsAreNamed) {
  BlasKernels k = kernels("Haswell", true, true);
  k.own_products = true;
  const std::string advice = k.advice();
  EXPECT_NE(advice.find("imbgen multiplies the deep generators' matrices with its own AVX-512 "
                        "kernel instead ("),
            std::string::npos)
      << advice;
  EXPECT_EQ(advice.find("slower"), std::string::npos) << advice;
  EXPECT_EQ(k.describe(),
            "OpenBLAS 0.3.21, Haswell kernels (OPENBLAS_CORETYPE); imbgen's AVX-512 products for "
            "the deep generators");
  EXPECT_EQ(kernels("Cooperlake", false, true).describe(), "OpenBLAS 0.3.21, Cooperlake kernels");
}

TEST(BlasKernels, Avx512UnusedOnlyOnAnAvx512CpuWithNarrowerKernels) {
  EXPECT_TRUE(kernels("Haswell", true, true).avx512_unused());
  EXPECT_TRUE(kernels("Haswell", false, true).avx512_unused());  // OpenBLAS's own choice too
  EXPECT_FALSE(kernels("Haswell", true, false).avx512_unused());
  EXPECT_FALSE(kernels("cooperlake", false, true).avx512_unused());
  EXPECT_FALSE(kernels("SkylakeX", true, true).avx512_unused());
  BlasKernels none = kernels("", false, true);
  none.library.clear();
  EXPECT_TRUE(none.avx512_unused());  // not OpenBLAS: its kernels are unknown
}

TEST(BlasKernels, NoAdviceOtherwise) {
  // OpenBLAS's own choice, a CPU without AVX-512, kernels with it (any spelling), no OpenBLAS.
  EXPECT_EQ(kernels("Haswell", false, true).advice(), "");
  EXPECT_EQ(kernels("Haswell", true, false).advice(), "");
  for (const char* wide : {"SkylakeX", "Cooperlake", "SapphireRapids", "COOPERLAKE"}) {
    EXPECT_EQ(kernels(wide, true, true).advice(), "") << wide;
  }
  BlasKernels none = kernels("", true, true);
  none.library.clear();
  EXPECT_EQ(none.advice(), "");
}

}  // namespace
}  // namespace imbgen
