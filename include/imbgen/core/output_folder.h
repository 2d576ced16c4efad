// A folder of results replaced as a whole: the new files are written into a staging folder next to
// it and swapped in with one rename, so that a failure, a full disk or a killed process leaves the
// folder as it was, and a finished command leaves it complete (never a mix of old and new files).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "imbgen/core/error.h"

namespace imbgen {

class OutputFolder {
 public:
  // `dir`: the folder to fill (created by commit() when missing; its parent folders are created
  // now). `owned`: the top-level names the command writes (files or folders, e.g. "results.json",
  // "synthetic"): those of the earlier contents are replaced or, when this run does not write
  // them, dropped; every other entry of `dir` (the user's own files, a benchmark's cell store) is
  // carried into the new folder unchanged (hard links: nothing is copied). Staging folders that
  // killed processes left next to `dir` are removed. Throws Error(kIo) when the staging folder
  // cannot be made, Error(kInvalidArgument) when `dir` is a file.
  OutputFolder(std::filesystem::path dir, std::vector<std::string> owned);
  // Removes the staging folder unless commit() ran: `dir` stays as it was.
  ~OutputFolder();
  OutputFolder(const OutputFolder&) = delete;
  OutputFolder& operator=(const OutputFolder&) = delete;

  // Where to write the new files (same relative paths as in `dir`).
  const std::filesystem::path& staging() const { return staging_; }
  // The folder that commit() fills.
  const std::filesystem::path& dir() const { return dir_; }

  // `e` with the staging folder's path in its message written as the folder's own, for errors
  // of writers that were given staging() paths: the user should read the path they asked for.
  Error in_folder_terms(const Error& e) const;

  // Moves the staged files into place at once: Linux's renameat2(RENAME_EXCHANGE) swaps the
  // staging folder and `dir`, then the old contents are deleted. On a file system without it, the
  // old folder is renamed aside first (for a moment `dir` is absent; its old contents stay next to
  // it until the swap ends). When `dir` is the working folder (or holds it), where a swap would
  // strand the shell, each file is renamed into place instead. Throws Error(kIo).
  void commit();

 private:
  std::filesystem::path dir_;
  std::vector<std::string> owned_;
  std::filesystem::path staging_;
  bool in_place_ = false;  // staging inside dir_, files renamed one by one
  bool committed_ = false;
};

}  // namespace imbgen
