// The benchmark's cell store: manifest with the configuration hash, one atomically written JSON
// file per finished cell, an flock against two processes writing one store.
#include "imbgen/experiment/store.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>

#include "imbgen/core/error.h"
#include "imbgen/core/files.h"

namespace imbgen {
namespace fs = std::filesystem;
namespace {

constexpr const char* kManifest = "manifest.json";

bool valid_key(const std::string& key) {
  if (key.empty() || key.front() == '/' || key.back() == '/') return false;
  size_t start = 0;
  while (start <= key.size()) {
    const size_t end = std::min(key.find('/', start), key.size());
    const std::string part = key.substr(start, end - start);
    if (part.empty() || part == "." || part == "..") return false;
    for (char c : part) {
      const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '.' || c == '_' || c == '-';
      if (!ok) return false;
    }
    start = end + 1;
  }
  return true;
}

// A member of a JSON object read from disk, or null when it is absent: unlike json::value(key,
// default), never throws when the member has another type than the default (a damaged file is
// described, not an internal error).
nlohmann::json member(const nlohmann::json& j, const char* key) {
  const auto it = j.find(key);
  return it == j.end() ? nlohmann::json() : *it;
}

// The text of a string member, or `otherwise` when it is absent or not a string.
std::string text_member(const nlohmann::json& j, const char* key, const std::string& otherwise) {
  const auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : otherwise;
}

std::string short_json(const nlohmann::json& j) {
  std::string s = j.dump();
  if (s.size() > 60) s = s.substr(0, 57) + "...";
  return s;
}

// "settings.folds: 5 in the store, 3 now; ..." naming each differing value by its path (objects
// and arrays of objects of equal length are compared member by member).
void describe_difference(const nlohmann::json& stored, const nlohmann::json& now,
                         const std::string& path, std::string& out) {
  auto add = [&](const std::string& key, const nlohmann::json* a, const nlohmann::json* b) {
    if (!out.empty()) out += "; ";
    out += (key.empty() ? "configuration" : key) + ": " + (a ? short_json(*a) : "(absent)") +
           " in the store, " + (b ? short_json(*b) : "(absent)") + " now";
  };
  if (stored.is_object() && now.is_object()) {
    for (const auto& [key, value] : stored.items()) {
      const std::string sub = path.empty() ? key : path + "." + key;
      if (!now.contains(key)) {
        add(sub, &value, nullptr);
      } else if (now.at(key) != value) {
        describe_difference(value, now.at(key), sub, out);
      }
    }
    for (const auto& [key, value] : now.items()) {
      if (!stored.contains(key)) add(path.empty() ? key : path + "." + key, nullptr, &value);
    }
    return;
  }
  const bool objects = stored.is_array() && now.is_array() && stored.size() == now.size() &&
                       std::all_of(stored.begin(), stored.end(),
                                   [](const nlohmann::json& e) { return e.is_object(); });
  if (objects) {
    for (size_t i = 0; i < stored.size(); ++i) {
      if (stored[i] != now[i])
        describe_difference(stored[i], now[i], path + "[" + std::to_string(i) + "]", out);
    }
    return;
  }
  add(path, &stored, &now);
}

std::string describe_difference(const nlohmann::json& stored, const nlohmann::json& now) {
  std::string out;
  describe_difference(stored, now, "", out);
  return out.empty() ? "the configuration differs" : out;
}

}  // namespace

std::string config_hash(const nlohmann::json& config) {
  uint64_t h = 14695981039346656037ULL;  // FNV-1a offset basis
  for (unsigned char c : config.dump()) {
    h ^= c;
    h *= 1099511628211ULL;  // FNV prime
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

CellStore::CellStore(fs::path dir, const nlohmann::json& config, bool resume)
    : dir_(std::move(dir)), hash_(config_hash(config)) {
  std::error_code ec;
  fs::create_directories(dir_, ec);
  if (ec) {
    throw Error(ErrorKind::kIo,
                "cannot create the benchmark store '" + dir_.string() + "': " + ec.message());
  }
  lock_fd_ = ::open((dir_ / ".lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (lock_fd_ < 0) {
    throw Error(ErrorKind::kIo, "cannot write in the benchmark store '" + dir_.string() + "'");
  }
  if (::flock(lock_fd_, LOCK_EX | LOCK_NB) != 0) {
    ::close(lock_fd_);
    lock_fd_ = -1;
    throw Error(ErrorKind::kInvalidArgument,
                "'" + dir_.string() +
                    "' is in use by another imbgen benchmark; hint: wait for it or choose another "
                    "--out");
  }
  try {
    // Finished cells, and leftovers of a killed process (AtomicFile's "<name>.tmp-<pid>-<n>").
    std::vector<fs::path> leftovers;
    for (auto it = fs::recursive_directory_iterator(dir_, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (!it->is_regular_file()) continue;
      const fs::path rel = fs::relative(it->path(), dir_);
      const std::string name = rel.generic_string();
      if (name.find(".tmp-") != std::string::npos) {
        leftovers.push_back(it->path());
      } else if (name != kManifest && rel.extension() == ".json") {
        const std::string key = name.substr(0, name.size() - 5);
        if (valid_key(key)) keys_.insert(key);
      }
    }
    if (ec) {
      throw Error(ErrorKind::kIo,
                  "cannot list the benchmark store '" + dir_.string() + "': " + ec.message());
    }
    const fs::path manifest_path = dir_ / kManifest;
    const bool has_manifest = fs::exists(manifest_path);
    if (!resume && (has_manifest || !keys_.empty())) {
      throw Error(ErrorKind::kInvalidArgument,
                  "'" + dir_.string() + "' already holds a benchmark (" +
                      std::to_string(keys_.size()) +
                      " finished cells); hint: pass --resume to continue it, or choose another "
                      "--out");
    }
    if (has_manifest) {
      const nlohmann::json manifest =
          nlohmann::json::parse(read_file(manifest_path), nullptr, false);
      if (manifest.is_discarded() || !manifest.is_object() ||
          text_member(manifest, "format", "") != kManifestFormat || !manifest.contains("config_hash")) {
        throw Error(ErrorKind::kInvalidArgument,
                    "'" + manifest_path.string() +
                        "' is not an imbgen benchmark manifest; hint: choose another --out");
      }
      if (member(manifest, "version") != kVersion) {
        throw Error(ErrorKind::kUnsupported,
                    "'" + manifest_path.string() + "' has store format version " +
                        member(manifest, "version").dump() +
                        "; this imbgen reads " + std::to_string(kVersion) +
                        "; hint: choose another --out");
      }
      if (manifest.at("config_hash") != hash_) {
        throw Error(ErrorKind::kInvalidArgument,
                    "cannot resume '" + dir_.string() +
                        "': it holds a benchmark with a different configuration (" +
                        describe_difference(member(manifest, "config"), config) +
                        "); hint: repeat the options of the stored run, or choose another --out");
      }
    } else if (!keys_.empty()) {
      throw Error(ErrorKind::kInvalidArgument,
                  "'" + dir_.string() +
                      "' holds cell files but no manifest.json; hint: choose another --out");
    } else {
      const nlohmann::json manifest = {{"format", kManifestFormat},
                                       {"version", kVersion},
                                       {"config_hash", hash_},
                                       {"config", config}};
      write_file_atomic(manifest_path, manifest.dump(2) + "\n");
    }
    for (const auto& p : leftovers) fs::remove(p, ec);
  } catch (...) {
    ::close(lock_fd_);
    lock_fd_ = -1;
    throw;
  }
}

CellStore::~CellStore() {
  if (lock_fd_ >= 0) ::close(lock_fd_);  // releases the flock
}

fs::path CellStore::path_of(const std::string& key) const {
  if (!valid_key(key)) {
    throw Error(ErrorKind::kInvalidArgument,
                "benchmark store: invalid cell key '" + key +
                    "' (expected path components of letters, digits, '.', '_' and '-')");
  }
  return dir_ / (key + ".json");
}

bool CellStore::contains(const std::string& key) const {
  std::lock_guard<std::mutex> lock(mutex_);
  return keys_.count(key) > 0;
}

size_t CellStore::size() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return keys_.size();
}

std::vector<std::string> CellStore::keys() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return {keys_.begin(), keys_.end()};
}

nlohmann::json CellStore::load(const std::string& key) const {
  const fs::path path = path_of(key);
  if (!contains(key)) {
    throw Error(ErrorKind::kNotFound,
                "benchmark store '" + dir_.string() + "': no cell '" + key + "'");
  }
  const nlohmann::json j = nlohmann::json::parse(read_file(path), nullptr, false);
  std::string problem;
  if (j.is_discarded() || !j.is_object()) {
    problem = "not valid JSON";
  } else if (text_member(j, "format", "") != kCellFormat) {
    problem = "not an imbgen benchmark cell";
  } else if (member(j, "version") != kVersion) {
    problem = "cell format version " + member(j, "version").dump() + ", expected " +
              std::to_string(kVersion);
  } else if (text_member(j, "config_hash", "") != hash_) {
    problem = "written for configuration " + text_member(j, "config_hash", "?") +
              ", not this store's " + hash_;
  } else if (text_member(j, "key", "") != key) {
    problem = "it holds cell '" + text_member(j, "key", "?") + "'";
  } else if (!j.contains("cell") || !j.at("cell").is_object()) {
    problem = "no 'cell' object";
  }
  if (!problem.empty()) {
    throw Error(ErrorKind::kInvalidArgument,
                "'" + path.string() + "': " + problem +
                    "; hint: delete the file and resume, and the cell is computed again");
  }
  return j.at("cell");
}

void CellStore::save(const std::string& key, const nlohmann::json& cell) {
  const fs::path path = path_of(key);
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  if (ec) {
    throw Error(ErrorKind::kIo,
                "cannot create '" + path.parent_path().string() + "': " + ec.message());
  }
  const nlohmann::json j = {{"format", kCellFormat},
                            {"version", kVersion},
                            {"config_hash", hash_},
                            {"key", key},
                            {"cell", cell}};
  write_file_atomic(path, j.dump() + "\n");
  std::lock_guard<std::mutex> lock(mutex_);
  keys_.insert(key);
}

}  // namespace imbgen
