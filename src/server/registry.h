// The models a server offers: the *.imbgen files of one folder, loaded when they appear or
// change, dropped when they go; a file that does not load is listed with the reason.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "imbgen/experiment/model.h"

namespace imbgen::server_detail {

struct ModelEntry {
  std::string id;
  std::shared_ptr<const Model> model;  // null when the file did not load
  std::string error;                   // why not (no file-system path in it)
  std::filesystem::file_time_type mtime;
  uintmax_t size = 0;
};

class ModelRegistry {
 public:
  // Throws Error(kNotFound) when `dir` is not a folder.
  explicit ModelRegistry(const std::string& dir);

  // Every model file of the folder now, loading new and changed files.
  std::vector<ModelEntry> list();
  // The entry of `id`, refreshed from its file; null when there is no such model (an invalid
  // id, a missing file, a link that leads outside the folder).
  std::shared_ptr<const ModelEntry> get(const std::string& id);
  size_t loaded() const;

  // A model id: letters, digits, '.', '_', '-', not starting with '.', at most 128 characters.
  static bool valid_id(const std::string& id);

 private:
  // The file of `id` when it is a regular file inside the folder (after links); else empty.
  std::filesystem::path file_of(const std::string& id) const;
  std::shared_ptr<const ModelEntry> refresh(const std::string& id,
                                            const std::filesystem::path& file);

  std::filesystem::path dir_;  // canonical
  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<const ModelEntry>> entries_;
};

}  // namespace imbgen::server_detail
