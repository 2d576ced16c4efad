// Atomic file writes and whole-file reads.
#include "imbgen/core/files.h"

#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <sstream>

#include "imbgen/core/error.h"

namespace imbgen {
namespace {
std::atomic<int> g_counter{0};
}

AtomicFile::AtomicFile(std::filesystem::path path, bool binary) : path_(std::move(path)) {
  tmp_ = path_;
  tmp_ += ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(g_counter++);
  out_.open(tmp_, binary ? std::ios::binary | std::ios::trunc : std::ios::trunc);
  if (!out_) {
    throw Error(ErrorKind::kIo, "cannot write '" + path_.string() + "': " + std::strerror(errno));
  }
}

AtomicFile::~AtomicFile() {
  if (!committed_) {
    out_.close();
    std::error_code ec;
    std::filesystem::remove(tmp_, ec);
  }
}

void AtomicFile::commit() {
  out_.flush();
  // close() is checked too: on NFS the data reaches the server at close, and a failure (server
  // full, quota) shows only there; renaming that file would put a short one in place.
  int error = out_ ? 0 : errno;  // the failed write's reason: ENOSPC, EFBIG, EIO, ...
  out_.close();
  if (error == 0 && out_.fail()) error = errno;
  if (error != 0 || out_.fail()) {
    throw Error(ErrorKind::kIo, "writing '" + path_.string() + "' failed: " +
                                    std::strerror(error) + "; the file was left as it was");
  }
  std::error_code ec;
  std::filesystem::rename(tmp_, path_, ec);
  if (ec) {
    throw Error(ErrorKind::kIo, "cannot move the finished file into place at '" + path_.string() +
                                    "': " + ec.message());
  }
  committed_ = true;
}

void write_file_atomic(const std::filesystem::path& path, const std::string& content) {
  AtomicFile f(path, true);
  f.stream() << content;
  f.commit();
}

std::string read_file(const std::filesystem::path& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    // std::ifstream opens a folder and reads nothing: say what it is instead.
    throw Error(ErrorKind::kInvalidArgument,
                "'" + path.string() + "' is a folder; expected a file");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (!std::filesystem::exists(path))
      throw Error(ErrorKind::kNotFound, "'" + path.string() + "': no such file");
    throw Error(ErrorKind::kIo, "'" + path.string() + "': cannot open for reading");
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) throw Error(ErrorKind::kIo, "'" + path.string() + "': reading failed");
  return ss.str();
}

}  // namespace imbgen
