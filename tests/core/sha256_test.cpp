// SHA-256 against FIPS 180-4's examples and Python's hashlib.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <utility>

#include "imbgen/core/sha256.h"

namespace imbgen {
namespace {

// Every test runs on the portable code and, where the CPU has them, on the SHA extensions.
class Sha256Paths : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    if (GetParam() && !sha256_cpu_extensions_available()) GTEST_SKIP() << "no SHA extensions";
    sha256_use_cpu_extensions(GetParam());
  }
  void TearDown() override { sha256_use_cpu_extensions(true); }
};
INSTANTIATE_TEST_SUITE_P(Sha256, Sha256Paths, ::testing::Values(false, true),
                         [](const ::testing::TestParamInfo<bool>& p) { return p.param ? "CpuExtensions" : "Portable"; });

TEST_P(Sha256Paths, MatchesTheStandardsExamples) {
  // FIPS 180-2 appendix B (one block, two blocks, a million 'a').
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(sha256_hex(std::string(1000000, 'a')),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST_P(Sha256Paths, PaddingAtBlockBoundariesAndPiecewiseUpdates) {
  // python3 -c "import hashlib; [print(n, hashlib.sha256(bytes(i % 251 for i in
  //   range(n))).hexdigest()) for n in (55, 56, 63, 64, 65, 1000)]"
  const std::pair<size_t, const char*> cases[] = {
      {55, "463eb28e72f82e0a96c0a4cc53690c571281131f672aa229e0d45ae59b598b59"},
      {56, "da2ae4d6b36748f2a318f23e7ab1dfdf45acdc9d049bd80e59de82a60895f562"},
      {63, "29af2686fd53374a36b0846694cc342177e428d1647515f078784d69cdb9e488"},
      {64, "fdeab9acf3710362bd2658cdc9a29e8f9c757fcf9811603a8c447cd1d9151108"},
      {65, "4bfd2c8b6f1eec7a2afeb48b934ee4b2694182027e6d0fc075074f2fabb31781"},
      {1000, "4e4c294b331f7a2099a379bec34b9f9fc03dc46ab465d998f4d683da53487e6d"},
  };
  for (const auto& [n, want] : cases) {
    std::string bytes;
    for (size_t i = 0; i < n; ++i) bytes += static_cast<char>(i % 251);
    EXPECT_EQ(sha256_hex(bytes), want) << n << " bytes";
    // The same bytes fed in uneven pieces.
    Sha256 h;
    size_t done = 0, piece = 1;
    while (done < n) {
      const size_t take = std::min(piece, n - done);
      h.update(bytes.data() + done, take);
      done += take;
      piece = piece * 3 + 1;
    }
    EXPECT_EQ(h.hex(), want) << n << " bytes in pieces";
  }
}

}  // namespace
}  // namespace imbgen
