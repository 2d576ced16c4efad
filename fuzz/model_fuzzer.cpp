// The model file loader (Model::load): any bytes give a model or an imbgen::Error, and a model
// that loads can draw rows of each of its classes (or says why not with an Error). The input is
// a model file without its last 4 bytes, the CRC-32; the harness appends the right one, so that
// mutations reach the parts behind the checksum (a wrong checksum is rejected before anything
// else is read, and tests/generators/model_file_test.cpp covers that).
#include <zlib.h>

#include "common.h"
#include "imbgen/core/error.h"
#include "imbgen/experiment/model.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string bytes = imbgen::fuzz::as_string(data, size);
  const uint32_t crc = static_cast<uint32_t>(
      crc32(crc32(0L, Z_NULL, 0), data, static_cast<uInt>(size)));
  for (int i = 0; i < 4; ++i) bytes.push_back(static_cast<char>((crc >> (8 * i)) & 0xFF));
  const auto path = imbgen::fuzz::scratch_dir() / "input.imbgen";
  imbgen::fuzz::write_bytes(path, bytes);
  try {
    const imbgen::Model model = imbgen::Model::load(path.string());
    (void)model.card().dump();
    for (const auto& label : model.fitted_classes()) {
      try {
        const imbgen::Table rows = model.sample(label, 3, 1);
        (void)rows;
      } catch (const imbgen::Error&) {
      }
    }
  } catch (const imbgen::Error&) {
  }
  return 0;
}
