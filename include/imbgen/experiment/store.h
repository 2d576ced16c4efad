// The on-disk store of a benchmark's finished cells: a manifest naming the configuration (and its
// hash) and one JSON file per finished cell, written atomically as each cell finishes, so an
// interrupted benchmark resumes where it stopped and never loses or half-writes a cell.
#pragma once

#include <cstdint>
#include <filesystem>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

namespace imbgen {

// 16 lowercase hex digits: FNV-1a (64 bit) of config.dump() (nlohmann::json keeps object keys
// sorted, so equal configurations give equal hashes).
std::string config_hash(const nlohmann::json& config);

// Layout of a store folder DIR:
//   DIR/manifest.json   {"format": "imbgen-benchmark-store", "version": 2, "config_hash": "...",
//                        "config": {...}}
//   DIR/<key>.json      {"format": "imbgen-benchmark-cell", "version": 2, "config_hash": "...",
//                        "key": "<key>", "cell": {...}}  one per finished cell
//   DIR/.lock           held (flock) while a process has the store open
// Keys are relative paths of [A-Za-z0-9._-] components separated by '/', e.g.
// "creditcard/r0-f3-smote".
class CellStore {
 public:
  static constexpr const char* kManifestFormat = "imbgen-benchmark-store";
  static constexpr const char* kCellFormat = "imbgen-benchmark-cell";
  // 2: generator rows are drawn with class_sample_seed (one seeding rule for every front end);
  // the cells of a version-1 store came from other seeds and cannot be mixed with new ones.
  static constexpr int kVersion = 2;

  // Opens the store in `dir` for the configuration `config` (any JSON; its config_hash()
  // identifies it), creating the folder and manifest when there is none.
  //  - resume = false: a folder that already holds a store (a manifest or a cell file) is an
  //    Error(kInvalidArgument) naming it, with the hint to pass --resume or choose another --out.
  //  - resume = true: an existing manifest must have the same hash, else Error(kInvalidArgument)
  //    naming the settings that differ; finished cells are listed, and temporary files left by a
  //    killed process are removed.
  // Error(kInvalidArgument) when another process has the store open; Error(kIo) when the folder
  // or the manifest cannot be written or read.
  CellStore(std::filesystem::path dir, const nlohmann::json& config, bool resume);
  ~CellStore();
  CellStore(const CellStore&) = delete;
  CellStore& operator=(const CellStore&) = delete;

  const std::filesystem::path& dir() const { return dir_; }
  const std::string& hash() const { return hash_; }

  // Thread-safe.
  bool contains(const std::string& key) const;
  size_t size() const;
  std::vector<std::string> keys() const;  // sorted

  // The stored cell. Error(kNotFound) for a key not stored; Error(kInvalidArgument) naming the
  // file when it is not a cell of this store (bad JSON, other format, version, hash or key),
  // with the hint to delete it so that it is computed again.
  nlohmann::json load(const std::string& key) const;
  // Writes the cell atomically (a temporary file renamed into place): a crash leaves either no
  // file or the whole file. Thread-safe. Error(kInvalidArgument) for a malformed key.
  void save(const std::string& key, const nlohmann::json& cell);

 private:
  std::filesystem::path path_of(const std::string& key) const;

  std::filesystem::path dir_;
  std::string hash_;
  int lock_fd_ = -1;
  mutable std::mutex mutex_;
  std::set<std::string> keys_;
};

}  // namespace imbgen
