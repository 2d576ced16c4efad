// Output folders replaced as a whole: staged next to the folder, swapped in with one rename.
#include "imbgen/core/output_folder.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "imbgen/core/error.h"

namespace imbgen {
namespace fs = std::filesystem;
namespace {

std::atomic<int> g_counter{0};
constexpr const char* kMarker = ".imbgen-staging-";

bool process_alive(long pid) { return ::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM; }

// Removes the entries of `parent` named "<prefix><pid>-..." whose process is gone: what a killed
// run left behind (a staging folder, or the old contents it was deleting).
void remove_stale(const fs::path& parent, const std::string& prefix) {
  std::error_code ec;
  for (auto it = fs::directory_iterator(parent, ec); !ec && it != fs::directory_iterator();
       it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.compare(0, prefix.size(), prefix) != 0) continue;
    const std::string rest = name.substr(prefix.size());
    char* end = nullptr;
    const long pid = std::strtol(rest.c_str(), &end, 10);
    if (end == rest.c_str() || *end != '-' || pid <= 0) continue;
    if (pid == static_cast<long>(::getpid()) || process_alive(pid)) continue;
    std::error_code ignored;
    fs::remove_all(it->path(), ignored);
  }
}

// Puts `from` (an entry of the old contents) at `to`: files as hard links (a copy where the file
// system refuses links), folders entry by entry, symbolic links as links.
void carry(const fs::path& from, const fs::path& to) {
  const fs::file_status st = fs::symlink_status(from);
  if (fs::is_symlink(st)) {
    fs::copy_symlink(from, to);
    return;
  }
  if (fs::is_directory(st)) {
    fs::create_directory(to, from);
    for (const auto& e : fs::directory_iterator(from)) carry(e.path(), to / e.path().filename());
    return;
  }
  std::error_code ec;
  fs::create_hard_link(from, to, ec);
  if (ec) fs::copy_file(from, to);
}

// Whether `inner` is `outer` or lies inside it (both canonical).
bool inside(const fs::path& inner, const fs::path& outer) {
  auto i = inner.begin();
  for (auto o = outer.begin(); o != outer.end(); ++o, ++i) {
    if (i == inner.end() || *i != *o) return false;
  }
  return true;
}

// A new folder "<parent>/<prefix><pid>-<n>", or an empty path with `error` set.
fs::path make_staging(const fs::path& parent, const std::string& prefix, int& error) {
  for (int tries = 0; tries < 1000; ++tries) {
    fs::path p = parent / (prefix + std::to_string(::getpid()) + "-" + std::to_string(g_counter++));
    if (::mkdir(p.c_str(), 0777) == 0) return p;
    error = errno;
    if (error != EEXIST) return {};
  }
  return {};
}

}  // namespace

OutputFolder::OutputFolder(fs::path dir, std::vector<std::string> owned) : owned_(std::move(owned)) {
  if (dir.empty()) throw Error(ErrorKind::kInvalidArgument, "the output folder name is empty");
  std::error_code ec;
  fs::path abs = fs::absolute(dir, ec).lexically_normal();
  if (ec) throw Error(ErrorKind::kIo, "output folder '" + dir.string() + "': " + ec.message());
  if (!abs.has_filename()) abs = abs.parent_path();  // "out/" names "out"
  if (fs::is_symlink(fs::symlink_status(abs, ec))) {
    // Fill the folder the link points to; the link stays.
    abs = fs::canonical(abs, ec);
    if (ec) {
      throw Error(ErrorKind::kIo, "output folder '" + dir.string() +
                                      "' is a symbolic link to nothing: " + ec.message());
    }
  }
  const fs::file_status st = fs::status(abs, ec);
  const bool exists = fs::exists(st);
  if (exists && !fs::is_directory(st)) {
    throw Error(ErrorKind::kInvalidArgument,
                "output folder '" + dir.string() + "' exists and is not a folder");
  }
  dir_ = abs;
  const fs::path parent = dir_.parent_path();
  fs::create_directories(parent, ec);
  if (ec) {
    throw Error(ErrorKind::kIo,
                "cannot create the folder '" + parent.string() + "': " + ec.message());
  }
  if (exists) {
    const fs::path cwd = fs::current_path(ec);
    const fs::path here = ec ? fs::path() : fs::canonical(cwd, ec);
    const fs::path there = ec ? fs::path() : fs::canonical(dir_, ec);
    if (!ec && inside(here, there)) in_place_ = true;
  }
  int error = 0;
  if (!in_place_) {
    const std::string prefix = "." + dir_.filename().string() + kMarker;
    remove_stale(parent, prefix);
    staging_ = make_staging(parent, prefix, error);
    // A parent we may not write in (the folder itself may be writable): stage inside it.
    if (staging_.empty() && exists) in_place_ = true;
  }
  if (in_place_) {
    remove_stale(dir_, kMarker);
    staging_ = make_staging(dir_, kMarker, error);
  }
  if (staging_.empty()) {
    throw Error(ErrorKind::kIo, "cannot write the output folder '" + dir_.string() + "': " +
                                    std::strerror(error));
  }
}

OutputFolder::~OutputFolder() {
  if (committed_ || staging_.empty()) return;
  std::error_code ignored;
  fs::remove_all(staging_, ignored);
}

Error OutputFolder::in_folder_terms(const Error& e) const {
  std::string msg = e.what();
  const std::string from = staging_.string(), to = dir_.string();
  for (size_t at = msg.find(from); at != std::string::npos; at = msg.find(from, at + to.size()))
    msg.replace(at, from.size(), to);
  return Error(e.kind(), msg);
}

void OutputFolder::commit() {
  check_internal(!committed_, "OutputFolder::commit called twice");
  try {
    if (in_place_) {
      // Each file renamed into place (atomic file by file, not as a whole).
      std::vector<fs::path> files;
      for (auto it = fs::recursive_directory_iterator(staging_);
           it != fs::recursive_directory_iterator(); ++it) {
        if (!it->is_directory()) files.push_back(fs::relative(it->path(), staging_));
      }
      for (const auto& rel : files) {
        fs::create_directories((dir_ / rel).parent_path());
        fs::rename(staging_ / rel, dir_ / rel);
      }
      committed_ = true;
      std::error_code ignored;
      fs::remove_all(staging_, ignored);
      return;
    }
    std::error_code ec;
    if (!fs::exists(dir_, ec)) {
      fs::rename(staging_, dir_);
      committed_ = true;
      return;
    }
    for (const auto& e : fs::directory_iterator(dir_)) {
      const std::string name = e.path().filename().string();
      if (std::find(owned_.begin(), owned_.end(), name) != owned_.end()) continue;
      if (fs::exists(fs::symlink_status(staging_ / name))) continue;
      carry(e.path(), staging_ / name);
    }
    fs::permissions(staging_, fs::status(dir_).permissions());
    if (::renameat2(AT_FDCWD, staging_.c_str(), AT_FDCWD, dir_.c_str(), RENAME_EXCHANGE) == 0) {
      committed_ = true;  // staging_ now holds the old contents
      fs::remove_all(staging_, ec);
      return;
    }
    if (errno != EINVAL && errno != ENOSYS && errno != EOPNOTSUPP) {
      throw fs::filesystem_error("renameat2", staging_, dir_,
                                 std::error_code(errno, std::generic_category()));
    }
    // No atomic exchange on this file system: the old folder aside, the new one in.
    fs::path aside = staging_;
    aside += "-old";
    fs::rename(dir_, aside);
    fs::rename(staging_, dir_);
    committed_ = true;
    fs::remove_all(aside, ec);
  } catch (const fs::filesystem_error& e) {
    throw Error(ErrorKind::kIo, "cannot move the results into '" + dir_.string() +
                                    "': " + e.code().message());
  }
}

}  // namespace imbgen
