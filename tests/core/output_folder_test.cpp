// OutputFolder: the folder is as it was until commit(), then holds exactly the new outputs plus
// the user's own files; nothing is left beside it.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <set>
#include <string>

#include "imbgen/core/error.h"
#include "imbgen/core/files.h"
#include "imbgen/core/output_folder.h"

namespace imbgen {
namespace {

namespace fs = std::filesystem;

class OutputFolderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() /
            ("imbgen-output-folder-test-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    fs::create_directories(root_);
    out_ = root_ / "out";
  }
  void TearDown() override { fs::remove_all(root_); }
  // Every path under `dir`, relative ("a", "sub/", "sub/b").
  static std::set<std::string> tree(const fs::path& dir) {
    std::set<std::string> out;
    for (const auto& e : fs::recursive_directory_iterator(dir))
      out.insert(fs::relative(e.path(), dir).string() + (e.is_directory() ? "/" : ""));
    return out;
  }
  fs::path root_, out_;
};

TEST_F(OutputFolderTest, CreatesTheFolderOnlyOnCommit) {
  {
    OutputFolder f(out_, {"results.json"});
    write_file_atomic(f.staging() / "results.json", "{}");
    EXPECT_FALSE(fs::exists(out_));
    f.commit();
  }
  EXPECT_EQ(read_file(out_ / "results.json"), "{}");
  EXPECT_EQ(tree(root_), (std::set<std::string>{"out/", "out/results.json"}));
}

TEST_F(OutputFolderTest, ReplacesOwnedEntriesAndKeepsTheUsersFiles) {
  fs::create_directories(out_ / "synthetic");
  fs::create_directories(out_ / "mine");
  write_file_atomic(out_ / "results.json", "old");
  write_file_atomic(out_ / "synthetic" / "gan.csv", "stale");
  write_file_atomic(out_ / "notes.txt", "the user's");
  write_file_atomic(out_ / "mine" / "data.csv", "a,b\n");
  {
    OutputFolder f(fs::path(out_.string() + "/"), {"results.json", "synthetic"});
    fs::create_directories(f.staging() / "synthetic");
    write_file_atomic(f.staging() / "results.json", "new");
    write_file_atomic(f.staging() / "synthetic" / "smote.csv", "rows");
    f.commit();
  }
  EXPECT_EQ(tree(out_), (std::set<std::string>{"mine/", "mine/data.csv", "notes.txt",
                                               "results.json", "synthetic/",
                                               "synthetic/smote.csv"}));
  EXPECT_EQ(read_file(out_ / "results.json"), "new");
  EXPECT_EQ(read_file(out_ / "notes.txt"), "the user's");
  EXPECT_EQ(read_file(out_ / "mine" / "data.csv"), "a,b\n");
  EXPECT_EQ(tree(root_).size(), tree(out_).size() + 1);  // nothing beside the folder
}

TEST_F(OutputFolderTest, WithoutCommitTheFolderIsAsItWas) {
  fs::create_directories(out_);
  write_file_atomic(out_ / "results.json", "old");
  {
    OutputFolder f(out_, {"results.json", "metrics.csv"});
    write_file_atomic(f.staging() / "results.json", "new");
    write_file_atomic(f.staging() / "metrics.csv", "half");
  }  // an error before commit(): the destructor drops the staged files
  EXPECT_EQ(tree(root_), (std::set<std::string>{"out/", "out/results.json"}));
  EXPECT_EQ(read_file(out_ / "results.json"), "old");
}

TEST_F(OutputFolderTest, RemovesWhatAKilledRunLeftBesideTheFolder) {
  // A staging folder of a process that no longer exists (pid 2^22 + 1 is above Linux's default
  // pid_max of 2^22, so no process has it).
  const fs::path stale = root_ / ".out.imbgen-staging-4194305-0";
  fs::create_directories(stale);
  write_file_atomic(stale / "results.json", "half");
  OutputFolder f(out_, {"results.json"});
  EXPECT_FALSE(fs::exists(stale));
}

TEST_F(OutputFolderTest, AFileInPlaceOfTheFolderIsAnError) {
  write_file_atomic(out_, "a file");
  try {
    OutputFolder f(out_, {"results.json"});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("exists and is not a folder"), std::string::npos);
  }
}

TEST_F(OutputFolderTest, TheWorkingFolderIsFilledInPlace) {
  fs::create_directories(out_);
  write_file_atomic(out_ / "notes.txt", "the user's");
  const fs::path cwd = fs::current_path();
  fs::current_path(out_);
  {
    OutputFolder f(".", {"results.json"});
    write_file_atomic(f.staging() / "results.json", "new");
    f.commit();
  }
  fs::current_path(cwd);
  EXPECT_EQ(tree(out_), (std::set<std::string>{"notes.txt", "results.json"}));
}

}  // namespace
}  // namespace imbgen
