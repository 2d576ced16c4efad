// File helpers: atomic writes (temp file + rename, so a failed run never leaves a half-written
// file or clobbers a good one) and whole-file reads with clear errors.
#pragma once

#include <filesystem>
#include <fstream>
#include <string>

namespace imbgen {

// Writes to "<path>.tmp-<pid>-<n>" and renames it over `path` on commit(). If the writer is
// destroyed without commit() (an exception, a failed run), the temporary file is removed and
// `path` is untouched. Throws Error(kIo) when the file cannot be opened, written or renamed.
class AtomicFile {
 public:
  explicit AtomicFile(std::filesystem::path path, bool binary = false);
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  std::ofstream& stream() { return out_; }
  void commit();

 private:
  std::filesystem::path path_;
  std::filesystem::path tmp_;
  std::ofstream out_;
  bool committed_ = false;
};

void write_file_atomic(const std::filesystem::path& path, const std::string& content);
// The whole file. Throws Error(kNotFound) for a missing path, Error(kInvalidArgument) for a folder,
// Error(kIo) when it cannot be opened or read.
std::string read_file(const std::filesystem::path& path);

}  // namespace imbgen
