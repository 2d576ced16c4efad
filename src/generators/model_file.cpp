// Generator model files: magic, format version, generator name, config JSON, the generator's own
// state, and a CRC-32 of everything before it. Loading checks each part and names what is wrong.
#include <zlib.h>

#include <sstream>

#include "binary_io.h"
#include "imbgen/core/error.h"
#include "imbgen/core/files.h"
#include "imbgen/generators/generator.h"

namespace imbgen {
namespace {

constexpr char kMagic[] = "IMBGEN-GENERATOR\n";
constexpr size_t kMagicSize = sizeof(kMagic) - 1;
constexpr uint32_t kFormatVersion = 1;
constexpr uint64_t kMaxNameLength = 256;

uint32_t crc32_of(const std::string& bytes, size_t n) {
  uLong crc = crc32(0L, Z_NULL, 0);
  size_t done = 0;
  while (done < n) {  // zlib takes uInt lengths
    const size_t chunk = std::min<size_t>(n - done, 1u << 30);
    crc = crc32(crc, reinterpret_cast<const Bytef*>(bytes.data() + done), static_cast<uInt>(chunk));
    done += chunk;
  }
  return static_cast<uint32_t>(crc);
}

// The first bytes of a foreign file, printable, for the error message.
std::string preview(const std::string& content) {
  std::string out;
  for (size_t i = 0; i < content.size() && i < 24; ++i) {
    const unsigned char ch = static_cast<unsigned char>(content[i]);
    if (ch == '\n') {
      out += "\\n";
    } else if (ch >= 32 && ch < 127) {
      out += static_cast<char>(ch);
    } else {
      out += "?";
    }
  }
  return out + (content.size() > 24 ? "..." : "");
}

}  // namespace

void save_generator(const Generator& generator, const std::string& path,
                    const nlohmann::json& metadata) {
  std::ostringstream state;
  generator.save_state(state);
  std::ostringstream body;
  BinaryWriter w(body);
  w.bytes(kMagic, kMagicSize);
  w.u32(kFormatVersion);
  w.string(generator.name());
  w.string(generator.config().dump());
  w.string(metadata.is_null() ? "{}" : metadata.dump());
  w.string(state.str());
  std::string bytes = body.str();
  const uint32_t crc = crc32_of(bytes, bytes.size());
  AtomicFile file(path, true);
  file.stream().write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  BinaryWriter(file.stream()).u32(crc);
  file.commit();
}

std::unique_ptr<Generator> load_generator(const std::string& path, nlohmann::json* metadata) {
  const std::string where = "'" + path + "': ";
  const std::string content = read_file(path);
  if (content.empty()) {
    throw Error(ErrorKind::kInvalidArgument,
                where + "the file is empty; expected an imbgen generator model");
  }
  if (content.compare(0, kMagicSize, kMagic, std::min(kMagicSize, content.size())) != 0) {
    throw Error(ErrorKind::kInvalidArgument,
                where + "not an imbgen generator model: expected it to start with \"" +
                    preview(kMagic) + "\", found \"" + preview(content) +
                    "\" (hint: pass a model file saved by imbgen, not a data file)");
  }
  if (content.size() < kMagicSize) {
    throw Error(ErrorKind::kInvalidArgument,
                where + "truncated: the file ends inside the magic string");
  }

  std::string name;
  std::string config_text;
  std::string metadata_text;
  std::string state;
  try {
    std::istringstream in(content);
    in.seekg(static_cast<std::streamoff>(kMagicSize));
    BinaryReader r(in);
    const uint32_t version = r.u32("the format version");
    if (version == 0) throw Error(ErrorKind::kInvalidArgument, "corrupt: format version 0");
    if (version > kFormatVersion) {
      throw Error(ErrorKind::kUnsupported, "format version " + std::to_string(version) +
                                               " is newer than this build of imbgen reads (up to " +
                                               std::to_string(kFormatVersion) +
                                               "); upgrade imbgen to load it");
    }
    name = r.string("the generator name");
    if (name.empty() || name.size() > kMaxNameLength) {
      throw Error(ErrorKind::kInvalidArgument,
                  "corrupt: a generator name of " + std::to_string(name.size()) + " bytes");
    }
    config_text = r.string("the config");
    metadata_text = r.string("the metadata");
    state = r.string("the model state");
    const size_t checked = content.size() - static_cast<size_t>(r.remaining());
    const uint32_t stored = r.u32("the checksum");
    r.expect_end("the checksum");
    if (stored != crc32_of(content, checked)) {
      throw Error(ErrorKind::kInvalidArgument,
                  "corrupt: checksum mismatch (the file was damaged after it was written)");
    }
  } catch (const Error& e) {
    throw Error(e.kind(), where + e.what());
  }

  nlohmann::json config;
  try {
    config = nlohmann::json::parse(config_text);
  } catch (const nlohmann::json::exception& e) {
    throw Error(ErrorKind::kInvalidArgument,
                where + "corrupt: the config is not valid JSON (" + e.what() + ")");
  }
  if (metadata) {
    *metadata = nlohmann::json::parse(metadata_text, nullptr, false);
    if (metadata->is_discarded())
      throw Error(ErrorKind::kInvalidArgument, where + "corrupt: the metadata is not valid JSON");
  }
  try {
    std::unique_ptr<Generator> g = make_generator(name, config);
    std::istringstream in(state);
    g->load_state(in);
    return g;
  } catch (const Error& e) {
    throw Error(e.kind(), where + "generator '" + name + "': " + e.what());
  } catch (const std::exception& e) {
    throw Error(ErrorKind::kInvalidArgument,
                where + "generator '" + name + "': cannot load the state: " + e.what());
  }
}

}  // namespace imbgen
