// AtomicFile and read_file: a failed write never leaves a half-written file or clobbers a good one.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "imbgen/core/error.h"
#include "imbgen/core/files.h"

namespace imbgen {
namespace {

namespace fs = std::filesystem;

class Files : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("imbgen-files-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  size_t entries() const {
    size_t n = 0;
    for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir_)) ++n;
    return n;
  }
  fs::path dir_;
};

TEST_F(Files, CommitReplacesTheFileWhole) {
  const fs::path p = dir_ / "a.txt";
  write_file_atomic(p, "old");
  {
    AtomicFile f(p);
    f.stream() << "new content";
    EXPECT_EQ(read_file(p), "old");  // nothing visible before commit
    f.commit();
  }
  EXPECT_EQ(read_file(p), "new content");
  EXPECT_EQ(entries(), 1u);  // no temporary file left
}

TEST_F(Files, AbandonedWriteLeavesTheOldFileAndNoTemporary) {
  const fs::path p = dir_ / "a.txt";
  write_file_atomic(p, "keep me");
  try {
    AtomicFile f(p);
    f.stream() << "half";
    throw std::runtime_error("failure in the middle");
  } catch (const std::runtime_error&) {
  }
  EXPECT_EQ(read_file(p), "keep me");
  EXPECT_EQ(entries(), 1u);
}

TEST_F(Files, MissingFolderIsAnIoErrorNamingThePath) {
  const fs::path p = dir_ / "no-such-folder" / "a.txt";
  try {
    AtomicFile f(p);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kIo);
    EXPECT_NE(std::string(e.what()).find(p.string()), std::string::npos) << e.what();
  }
}

TEST_F(Files, ReadFileErrors) {
  try {
    read_file(dir_ / "missing.txt");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kNotFound);
    EXPECT_NE(std::string(e.what()).find("missing.txt"), std::string::npos);
  }
  // A folder is not a file.
  try {
    read_file(dir_);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("folder"), std::string::npos) << e.what();
  }
}

TEST_F(Files, ReadsBinaryContentExactly) {
  std::string bytes;
  for (int i = 0; i < 256; ++i) bytes += static_cast<char>(i);
  write_file_atomic(dir_ / "b.bin", bytes);
  EXPECT_EQ(read_file(dir_ / "b.bin"), bytes);
}

}  // namespace
}  // namespace imbgen
