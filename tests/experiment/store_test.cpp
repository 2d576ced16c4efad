// The benchmark's cell store: cells saved and found again, resume rules, configuration mismatch,
// corrupt files and leftovers of a killed process.
#include "imbgen/experiment/store.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "data/temp_dir.h"
#include "imbgen/core/error.h"

namespace imbgen {
namespace {

namespace fs = std::filesystem;

const nlohmann::json kConfig = {{"folds", 5}, {"repeats", 2}, {"strategies", {"none", "gan"}}};

// The message of the Error thrown by f (empty when none is thrown).
template <typename F>
std::string error_of(F&& f, ErrorKind expected = ErrorKind::kInvalidArgument) {
  try {
    f();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), expected) << e.what();
    return e.what();
  }
  ADD_FAILURE() << "expected an error";
  return "";
}

TEST(CellStore, SavesCellsAndFindsThemOnResume) {
  testing::TempDir tmp;
  const fs::path dir = tmp.path("cells");
  {
    CellStore store(dir, kConfig, false);
    EXPECT_EQ(store.size(), 0u);
    EXPECT_TRUE(fs::exists(dir / "manifest.json"));
    store.save("credit/r0-f0-none", {{"value", 1.5}});
    store.save("credit/r0-f1-gan", {{"value", 2}});
    EXPECT_TRUE(store.contains("credit/r0-f0-none"));
    EXPECT_FALSE(store.contains("credit/r0-f0-gan"));
    EXPECT_EQ(store.load("credit/r0-f0-none").at("value"), 1.5);
  }
  CellStore again(dir, kConfig, true);
  EXPECT_EQ(again.keys(), (std::vector<std::string>{"credit/r0-f0-none", "credit/r0-f1-gan"}));
  EXPECT_EQ(again.load("credit/r0-f1-gan").at("value"), 2);
  EXPECT_EQ(again.hash(), config_hash(kConfig));
  const auto manifest = nlohmann::json::parse(std::ifstream(dir / "manifest.json"));
  EXPECT_EQ(manifest.at("format"), "imbgen-benchmark-store");
  EXPECT_EQ(manifest.at("version"), 2);
  EXPECT_EQ(manifest.at("config"), kConfig);
}

TEST(CellStore, ResumingAnEmptyFolderStartsAFreshStore) {
  testing::TempDir tmp;
  CellStore store(tmp.path("new"), kConfig, true);
  EXPECT_EQ(store.size(), 0u);
  EXPECT_TRUE(fs::exists(fs::path(tmp.path("new")) / "manifest.json"));
}

TEST(CellStore, AnExistingStoreNeedsResume) {
  testing::TempDir tmp;
  const fs::path dir = tmp.path("cells");
  {
    CellStore store(dir, kConfig, false);
    store.save("d/r0-f0-none", nlohmann::json::object());
  }
  const std::string msg = error_of([&] { CellStore s(dir, kConfig, false); });
  EXPECT_NE(msg.find("already holds a benchmark (1 finished cells)"), std::string::npos) << msg;
  EXPECT_NE(msg.find("--resume"), std::string::npos) << msg;
  EXPECT_NE(msg.find("another --out"), std::string::npos) << msg;
}

TEST(CellStore, RefusesToResumeADifferentConfiguration) {
  testing::TempDir tmp;
  const fs::path dir = tmp.path("cells");
  { CellStore store(dir, kConfig, false); }
  nlohmann::json other = kConfig;
  other["folds"] = 3;
  const std::string msg = error_of([&] { CellStore s(dir, other, true); });
  EXPECT_NE(msg.find("different configuration"), std::string::npos) << msg;
  EXPECT_NE(msg.find("folds: 5 in the store, 3 now"), std::string::npos) << msg;
  EXPECT_EQ(msg.find("repeats"), std::string::npos) << msg;  // only what differs is named
}

TEST(CellStore, OneProcessAtATime) {
  testing::TempDir tmp;
  CellStore first(tmp.path("cells"), kConfig, false);
  const std::string msg = error_of([&] { CellStore second(tmp.path("cells"), kConfig, true); });
  EXPECT_NE(msg.find("in use by another imbgen benchmark"), std::string::npos) << msg;
}

TEST(CellStore, CorruptOrForeignCellsAreNamedWithAHint) {
  testing::TempDir tmp;
  const fs::path dir = tmp.path("cells");
  {
    CellStore store(dir, kConfig, false);
    store.save("d/r0-f0-none", {{"value", 1}});
  }
  std::ofstream(dir / "d" / "r0-f0-none.json") << "{\"format\": \"imbgen-benchmark-cell\", \"ver";
  CellStore store(dir, kConfig, true);
  const std::string msg = error_of([&] { store.load("d/r0-f0-none"); });
  EXPECT_NE(msg.find("r0-f0-none.json': not valid JSON"), std::string::npos) << msg;
  EXPECT_NE(msg.find("delete the file"), std::string::npos) << msg;
  const std::string missing = error_of([&] { store.load("d/r9-f0-none"); }, ErrorKind::kNotFound);
  EXPECT_NE(missing.find("no cell 'd/r9-f0-none'"), std::string::npos) << missing;
  const std::string bad_key = error_of([&] { store.save("../escape", {}); });
  EXPECT_NE(bad_key.find("invalid cell key '../escape'"), std::string::npos) << bad_key;
}

// A member of another type than expected ("version": "2",
// "format": 7) escaped as nlohmann's type_error, an internal error, instead of naming the file.
TEST(CellStore, MembersOfTheWrongTypeNameTheFile) {
  testing::TempDir tmp;
  const fs::path dir = tmp.path("cells");
  {
    CellStore store(dir, kConfig, false);
    store.save("d/r0-f0-none", {{"value", 1}});
  }
  const std::string hash = config_hash(kConfig);
  const std::string cells[] = {
      R"({"format": 7, "version": 2, "config_hash": ")" + hash + R"(", "key": "d/r0-f0-none", "cell": {}})",
      R"({"format": "imbgen-benchmark-cell", "version": "2", "config_hash": ")" + hash + R"(", "key": "d/r0-f0-none", "cell": {}})",
      R"({"format": "imbgen-benchmark-cell", "version": 2, "config_hash": 5, "key": "d/r0-f0-none", "cell": {}})",
      R"({"format": "imbgen-benchmark-cell", "version": 2, "config_hash": ")" + hash + R"(", "key": [1], "cell": {}})"};
  for (const auto& cell : cells) {
    std::ofstream(dir / "d" / "r0-f0-none.json") << cell;
    CellStore store(dir, kConfig, true);
    const std::string msg = error_of([&] { store.load("d/r0-f0-none"); });
    EXPECT_NE(msg.find("r0-f0-none.json': "), std::string::npos) << cell << "\n" << msg;
  }
  std::ofstream(dir / "manifest.json") << R"({"format": 1, "version": 2, "config_hash": ")" << hash
                                       << "\"}";
  const std::string format = error_of([&] { CellStore store(dir, kConfig, true); });
  EXPECT_NE(format.find("is not an imbgen benchmark manifest"), std::string::npos) << format;
  std::ofstream(dir / "manifest.json")
      << R"({"format": "imbgen-benchmark-store", "version": "2", "config_hash": ")" << hash
      << "\"}";
  const std::string version =
      error_of([&] { CellStore store(dir, kConfig, true); }, ErrorKind::kUnsupported);
  EXPECT_NE(version.find("has store format version \"2\""), std::string::npos) << version;
}

TEST(CellStore, RemovesLeftoversOfAKilledProcess) {
  testing::TempDir tmp;
  const fs::path dir = tmp.path("cells");
  { CellStore store(dir, kConfig, false); }
  fs::create_directories(dir / "d");
  const fs::path leftover = dir / "d" / "r0-f0-gan.json.tmp-12345-0";
  std::ofstream(leftover) << "{\"half";
  CellStore store(dir, kConfig, true);
  EXPECT_EQ(store.size(), 0u);  // a temporary file is never a finished cell
  EXPECT_FALSE(fs::exists(leftover));
}

TEST(ConfigHash, DependsOnContentNotKeyOrder) {
  const nlohmann::json a = nlohmann::json::parse(R"({"x": 1, "y": [1, 2]})");
  const nlohmann::json b = nlohmann::json::parse(R"({"y": [1, 2], "x": 1})");
  EXPECT_EQ(config_hash(a), config_hash(b));
  EXPECT_NE(config_hash(a), config_hash(nlohmann::json::parse(R"({"x": 2, "y": [1, 2]})")));
  EXPECT_EQ(config_hash(a).size(), 16u);
}

}  // namespace
}  // namespace imbgen
