// BlasKernels::advice: the note for commands that train networks when OPENBLAS_CORETYPE holds
// OpenBLAS to kernels without AVX-512 on a CPU that has it, and silence in every other case.
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
  EXPECT_FALSE(kernels("Zen", true, true).advice().empty());
  EXPECT_FALSE(kernels("Sandybridge", true, true).advice().empty());
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
