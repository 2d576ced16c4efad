// The benchmark cell store (CellStore, what `imbgen benchmark --resume` reads): any manifest and
// cell file give a store and cells, or an imbgen::Error. The input is up to three parts separated
// by NUL bytes (JSON text holds none): manifest.json, the cell file of key "d/r0-f0-smote", and a
// key to look up.
#include <nlohmann/json.hpp>

#include "common.h"
#include "imbgen/core/error.h"
#include "imbgen/experiment/store.h"

namespace {

// The configuration the store is opened with; the seeds' manifests and cells carry its hash.
const nlohmann::json& config() {
  static const nlohmann::json c = {{"folds", 2}, {"strategies", {"none", "smote"}}};
  return c;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace fs = std::filesystem;
  const std::string bytes = imbgen::fuzz::as_string(data, size);
  std::string parts[3];
  size_t part = 0;
  for (char c : bytes) {
    if (c == '\0' && part < 2) {
      ++part;
    } else {
      parts[part].push_back(c);
    }
  }
  const fs::path dir = imbgen::fuzz::scratch_dir() / "store";
  fs::remove_all(dir);
  fs::create_directories(dir / "d");
  if (!parts[0].empty()) imbgen::fuzz::write_bytes(dir / "manifest.json", parts[0]);
  if (!parts[1].empty()) imbgen::fuzz::write_bytes(dir / "d" / "r0-f0-smote.json", parts[1]);
  try {
    imbgen::CellStore store(dir, config(), /*resume=*/true);
    for (const auto& key : store.keys()) {
      try {
        (void)store.load(key).dump();
      } catch (const imbgen::Error&) {
      }
    }
    try {
      (void)store.load(parts[2]);
    } catch (const imbgen::Error&) {
    }
  } catch (const imbgen::Error&) {
  }
  try {  // a store that holds something is not opened without resume
    imbgen::CellStore again(dir, config(), /*resume=*/false);
  } catch (const imbgen::Error&) {
  }
  return 0;
}
