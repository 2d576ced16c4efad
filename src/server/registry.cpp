// ModelRegistry: the model files of a folder, reloaded when they change.
#include "server/registry.h"

#include <algorithm>

#include "imbgen/core/error.h"

namespace imbgen::server_detail {

namespace fs = std::filesystem;

namespace {

constexpr const char* kExtension = ".imbgen";

// Load errors name the file by its path: say "the model file" instead, so no path reaches a
// client.
std::string without_path(std::string message, const fs::path& file) {
  const std::string quoted = "'" + file.string() + "'";
  for (size_t at; (at = message.find(quoted)) != std::string::npos;)
    message.replace(at, quoted.size(), "the model file");
  const std::string plain = file.string();
  for (size_t at; (at = message.find(plain)) != std::string::npos;)
    message.replace(at, plain.size(), "the model file");
  return message;
}

}  // namespace

ModelRegistry::ModelRegistry(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    throw Error(ErrorKind::kNotFound, "--models '" + dir + "': no such folder");
  }
  dir_ = fs::canonical(dir, ec);
  if (ec) throw Error(ErrorKind::kIo, "--models '" + dir + "': " + ec.message());
}

bool ModelRegistry::valid_id(const std::string& id) {
  if (id.empty() || id.size() > 128 || id[0] == '.') return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '.' || c == '_' || c == '-';
  });
}

fs::path ModelRegistry::file_of(const std::string& id) const {
  if (!valid_id(id)) return {};
  std::error_code ec;
  const fs::path file = fs::canonical(dir_ / (id + kExtension), ec);
  if (ec || !fs::is_regular_file(file, ec)) return {};
  // After links, the file must still be directly inside the folder.
  if (file.parent_path() != dir_) return {};
  return file;
}

std::shared_ptr<const ModelEntry> ModelRegistry::refresh(const std::string& id,
                                                         const fs::path& file) {
  std::error_code ec;
  const auto mtime = fs::last_write_time(file, ec);
  const auto size = fs::file_size(file, ec);
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = entries_.find(id);
    if (it != entries_.end() && it->second->mtime == mtime && it->second->size == size)
      return it->second;
  }
  auto entry = std::make_shared<ModelEntry>();
  entry->id = id;
  entry->mtime = mtime;
  entry->size = size;
  try {
    entry->model = std::make_shared<const Model>(Model::load(file.string()));
  } catch (const Error& e) {
    entry->error = without_path(e.what(), file);
  } catch (const std::exception& e) {
    entry->error = without_path(e.what(), file);
  }
  std::lock_guard<std::mutex> lock(mu_);
  entries_[id] = entry;
  return entry;
}

std::shared_ptr<const ModelEntry> ModelRegistry::get(const std::string& id) {
  const fs::path file = file_of(id);
  if (file.empty()) {
    std::lock_guard<std::mutex> lock(mu_);
    entries_.erase(id);
    return nullptr;
  }
  return refresh(id, file);
}

std::vector<ModelEntry> ModelRegistry::list() {
  std::vector<std::string> ids;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir_, ec)) {
    const std::string name = e.path().filename().string();
    const size_t n = std::char_traits<char>::length(kExtension);
    if (name.size() <= n || name.compare(name.size() - n, n, kExtension) != 0) continue;
    ids.push_back(name.substr(0, name.size() - n));
  }
  std::sort(ids.begin(), ids.end());
  std::vector<ModelEntry> out;
  std::vector<std::string> present;
  for (const auto& id : ids) {
    if (auto entry = get(id)) {
      out.push_back(*entry);
      present.push_back(id);
    }
  }
  std::lock_guard<std::mutex> lock(mu_);
  for (auto it = entries_.begin(); it != entries_.end();) {
    if (std::find(present.begin(), present.end(), it->first) == present.end())
      it = entries_.erase(it);
    else
      ++it;
  }
  return out;
}

size_t ModelRegistry::loaded() const {
  std::lock_guard<std::mutex> lock(mu_);
  size_t n = 0;
  for (const auto& [id, e] : entries_) n += e->model != nullptr;
  return n;
}

}  // namespace imbgen::server_detail
