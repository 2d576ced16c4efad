// Model files: the layout, and clear errors (never crashes or huge allocations) for missing,
// empty, foreign, truncated, corrupt and newer-version files.
#include <gtest/gtest.h>
#include <unistd.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "generators/binary_io.h"
#include "imbgen/core/error.h"
#include "imbgen/core/rng.h"
#include "imbgen/generators/generator.h"

namespace imbgen {
namespace {

const std::string kMagic = "IMBGEN-GENERATOR\n";

std::string temp_path(const std::string& stem) {
  return (std::filesystem::path(testing::TempDir()) /
          ("model_file_" + stem + "_" + std::to_string(::getpid()) + ".imbgen"))
      .string();
}

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The documented layout, written independently of save_generator.
std::string build_file(uint32_t version, const std::string& name, const std::string& config,
                       const std::string& state) {
  std::ostringstream out;
  BinaryWriter w(out);
  w.bytes(kMagic.data(), kMagic.size());
  w.u32(version);
  w.string(name);
  w.string(config);
  w.string("{}");  // metadata
  w.string(state);
  const std::string body = out.str();
  const uint32_t crc =
      static_cast<uint32_t>(crc32(crc32(0L, Z_NULL, 0), reinterpret_cast<const Bytef*>(body.data()),
                                  static_cast<uInt>(body.size())));
  w.u32(crc);
  return out.str();
}

std::unique_ptr<Generator> fitted(const std::string& name, const nlohmann::json& config = {}) {
  Rng rng(8);
  Matrix x(40, 3);
  std::vector<int> y(40, 0);
  for (size_t i = 0; i < x.rows; ++i) {
    y[i] = i < 12 ? 1 : 0;
    for (size_t c = 0; c < 3; ++c) x(i, c) = rng.normal() + static_cast<double>(y[i]);
  }
  auto g = make_generator(name, config.is_null() ? nlohmann::json::object() : config);
  FitOptions options;
  options.classes = {0, 1};
  g->fit(x, y, options);
  return g;
}

// The message of the Error that loading `bytes` throws, checking its kind.
std::string load_error(const std::string& stem, const std::string& bytes,
                       ErrorKind kind = ErrorKind::kInvalidArgument) {
  const std::string path = temp_path(stem);
  write_bytes(path, bytes);
  std::string message = "no error";
  try {
    load_generator(path);
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), kind) << e.what();
    message = e.what();
  }
  std::filesystem::remove(path);
  return message;
}

std::string smote_file() {
  const std::string path = temp_path("smote_source");
  save_generator(*fitted("smote"), path);
  const std::string bytes = read_bytes(path);
  std::filesystem::remove(path);
  return bytes;
}

TEST(ModelFile, StartsWithTheMagicAndTheFormatVersion) {
  const std::string bytes = smote_file();
  ASSERT_GT(bytes.size(), kMagic.size() + 4);
  EXPECT_EQ(bytes.substr(0, kMagic.size()), kMagic);
  EXPECT_EQ(bytes.substr(kMagic.size(), 4), std::string("\x01\x00\x00\x00", 4));
  // The same layout built independently loads and samples like the original.
  std::istringstream in(bytes.substr(kMagic.size() + 4));
  BinaryReader r(in);
  EXPECT_EQ(r.string("name"), "smote");
  EXPECT_EQ(nlohmann::json::parse(r.string("config")), (nlohmann::json{{"k_neighbors", 5}}));
  EXPECT_EQ(r.string("metadata"), "{}");
  const std::string state = r.string("state");
  const std::string path = temp_path("rebuilt");
  write_bytes(path, build_file(1, "smote", R"({"k_neighbors":5})", state));
  const Matrix a = load_generator(path)->sample(1, 20, 3);
  std::filesystem::remove(path);
  const Matrix b = fitted("smote")->sample(1, 20, 3);
  EXPECT_EQ(a.data, b.data);
}

TEST(ModelFile, MissingFileIsNotFound) {
  const std::string path = temp_path("does_not_exist");
  std::filesystem::remove(path);
  try {
    load_generator(path);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kNotFound);
    EXPECT_EQ(std::string(e.what()), "'" + path + "': no such file");
  }
}

TEST(ModelFile, EmptyFile) {
  EXPECT_EQ(load_error("empty", ""),
            "'" + temp_path("empty") + "': the file is empty; expected an imbgen generator model");
}

TEST(ModelFile, CsvFileIsForeign) {
  EXPECT_EQ(load_error("csv", "Time,V1,V2,Amount,Class\n0,1.5,-0.3,149.62,0\n"),
            "'" + temp_path("csv") +
                "': not an imbgen generator model: expected it to start with "
                "\"IMBGEN-GENERATOR\\n\", found \"Time,V1,V2,Amount,Class\\n...\" (hint: pass a "
                "model file saved by imbgen, not a data file)");
}

TEST(ModelFile, GarbageAndWrongMagicAreForeign) {
  std::string garbage(300, '\0');
  Rng rng(1);
  for (auto& ch : garbage) ch = static_cast<char>(rng.index(256));
  EXPECT_NE(load_error("garbage", garbage).find("not an imbgen generator model"),
            std::string::npos);
  const std::string other = "IMBGEN-CLASSIFIER\n" + smote_file().substr(kMagic.size());
  EXPECT_NE(load_error("other_magic", other).find("found \"IMBGEN-CLASSIFIER\\n??????...\""),
            std::string::npos);
}

TEST(ModelFile, FileCutInsideTheMagic) {
  EXPECT_EQ(load_error("cut_magic", kMagic.substr(0, 9)),
            "'" + temp_path("cut_magic") + "': truncated: the file ends inside the magic string");
}

TEST(ModelFile, NewerFormatVersionIsUnsupported) {
  std::string bytes = smote_file();
  bytes[kMagic.size()] = 2;
  EXPECT_EQ(load_error("future", bytes, ErrorKind::kUnsupported),
            "'" + temp_path("future") +
                "': format version 2 is newer than this build of imbgen reads (up to 1); upgrade "
                "imbgen to load it");
  bytes[kMagic.size()] = 0;
  EXPECT_EQ(load_error("version0", bytes),
            "'" + temp_path("version0") + "': corrupt: format version 0");
}

TEST(ModelFile, EveryTruncationIsAClearError) {
  const std::string bytes = smote_file();
  for (size_t n = kMagic.size(); n < bytes.size(); ++n) {
    const std::string m = load_error("cut", bytes.substr(0, n));
    ASSERT_NE(m.find("truncated"), std::string::npos) << "cut at " << n << ": " << m;
    ASSERT_EQ(m.rfind("'" + temp_path("cut") + "': ", 0), 0u) << m;
  }
  EXPECT_EQ(load_error("cut_state", bytes.substr(0, bytes.size() - 40)),
            "'" + temp_path("cut_state") + "': truncated or corrupt: the model state says it is " +
                std::to_string(bytes.size() - kMagic.size() - 4 - 13 - 25 - 10 - 8 - 4) +
                " bytes long but only " +
                std::to_string(bytes.size() - kMagic.size() - 4 - 13 - 25 - 10 - 8 - 40) +
                " bytes are left");
}

TEST(ModelFile, ACorruptLengthIsRefusedWithoutAllocating) {
  std::string bytes = smote_file();
  // The name's u64 length follows the version; make it 2^60.
  bytes[kMagic.size() + 4 + 7] = 0x10;
  const std::string m = load_error("huge_length", bytes);
  EXPECT_NE(m.find("truncated or corrupt: the generator name says it is 1152921504606846981 "
                   "bytes long"),
            std::string::npos)
      << m;
}

TEST(ModelFile, AFlippedByteFailsTheChecksum) {
  const std::string bytes = smote_file();
  for (size_t pos : {bytes.size() - 20, bytes.size() - 100, kMagic.size() + 4 + 8 + 2}) {
    std::string bad = bytes;
    bad[pos] = static_cast<char>(bad[pos] ^ 0x04);
    EXPECT_EQ(load_error("flipped", bad),
              "'" + temp_path("flipped") +
                  "': corrupt: checksum mismatch (the file was damaged after it was written)")
        << "byte " << pos;
  }
}

TEST(ModelFile, TrailingBytesAreCorrupt) {
  EXPECT_EQ(load_error("trailing", smote_file() + "xyz"),
            "'" + temp_path("trailing") + "': corrupt: 3 unexpected bytes after the checksum");
}

TEST(ModelFile, UnknownGeneratorAndBadConfigInsideAValidFile) {
  std::string valid;
  for (const auto& n : generator_names()) valid += (valid.empty() ? "" : ", ") + n;
  EXPECT_EQ(load_error("unknown_name", build_file(1, "ctgan2", "{}", ""), ErrorKind::kNotFound),
            "'" + temp_path("unknown_name") +
                "': generator 'ctgan2': unknown generator 'ctgan2' (valid generators: " + valid +
                ")");
  EXPECT_EQ(load_error("bad_config", build_file(1, "smote", R"({"k_neighbors":0})", "")),
            "'" + temp_path("bad_config") +
                "': generator 'smote': smote config: k_neighbors must be in [1, 1000], got 0");
  EXPECT_NE(load_error("not_json", build_file(1, "smote", "{k:", ""))
                .find("corrupt: the config is not valid JSON"),
            std::string::npos);
}

TEST(ModelFile, GanStateMustMatchItsConfig) {
  const std::string path = temp_path("gan_source");
  save_generator(*fitted("gan", {{"steps", 3}, {"batch_size", 4}}), path);
  const std::string bytes = read_bytes(path);
  std::filesystem::remove(path);
  std::istringstream in(bytes.substr(kMagic.size() + 4));
  BinaryReader r(in);
  r.string("name");
  r.string("config");
  r.string("metadata");
  const std::string state = r.string("state");
  const std::string other =
      build_file(1, "gan", R"({"steps":3,"batch_size":4,"generator_hidden":[32,64,100]})", state);
  EXPECT_EQ(load_error("gan_mismatch", other),
            "'" + temp_path("gan_mismatch") +
                "': generator 'gan': class 0: tensor 'linear2.weight' has size 128 in dimension 0, "
                "expected 100 (the file does not match its config)");
  // Cuts through the network weights are clear errors too.
  for (size_t n = kMagic.size() + 4; n < bytes.size(); n += 997) {
    const std::string m = load_error("gan_cut", bytes.substr(0, n));
    ASSERT_NE(m.find("truncated"), std::string::npos) << "cut at " << n << ": " << m;
  }
}

// The state of a gan file with the generator's tensors renamed by `rename` (the layout of
// gan.cpp: classes, each with its scaler and tensors, then the history).
std::string rename_gan_tensors(const std::string& state,
                               const std::function<std::string(const std::string&)>& rename) {
  std::istringstream in(state);
  BinaryReader r(in);
  std::ostringstream out;
  BinaryWriter w(out);
  const uint64_t classes = r.u64("classes");
  w.u64(classes);
  for (uint64_t c = 0; c < classes; ++c) {
    w.i64(r.i64("class"));
    w.u64(r.u64("columns"));
    w.string(r.string("scaler"));
    const uint64_t tensors = r.u64("tensors");
    w.u64(tensors);
    for (uint64_t t = 0; t < tensors; ++t) {
      w.string(rename(r.string("name")));
      const uint64_t rank = r.u64("rank");
      w.u64(rank);
      uint64_t numel = 1;
      for (uint64_t k = 0; k < rank; ++k) {
        const uint64_t size = r.u64("size");
        w.u64(size);
        numel *= size;
      }
      const uint8_t type = r.u8("type");
      w.u8(type);
      std::vector<char> values(numel * (type == 0 ? 4 : 8));
      r.bytes(values.data(), values.size(), "values");
      w.bytes(values.data(), values.size());
    }
  }
  w.string(r.string("history"));
  return out.str();
}

TEST(ModelFile, GanFilesOfEarlierBuildsStillLoad) {
  // Before its generator was a torch_blocks Mlp, gan saved it as a torch::nn::Sequential: hidden
  // layer i's Linear was module 3i and its BatchNorm1d module 3i + 2, the output Linear 3H.
  const nlohmann::json config = {{"steps", 3}, {"batch_size", 4}};
  const auto g = fitted("gan", config);
  std::ostringstream state;
  g->save_state(state);
  const std::string old_state = rename_gan_tensors(state.str(), [](const std::string& name) {
    const bool norm = name.rfind("norm", 0) == 0;
    const size_t dot = name.find('.');
    const int layer = std::stoi(name.substr(norm ? 4 : 6, dot - (norm ? 4 : 6)));
    return std::to_string(3 * layer + (norm ? 2 : 0)) + name.substr(dot);
  });
  ASSERT_NE(old_state.find("8.running_var"), std::string::npos);  // BatchNorm of layer 2
  ASSERT_NE(old_state.find("9.weight"), std::string::npos);       // the output layer
  const std::string path = temp_path("gan_sequential");
  write_bytes(path, build_file(1, "gan", g->config().dump(), old_state));
  const auto loaded = load_generator(path);
  std::filesystem::remove(path);
  const Matrix a = g->sample(1, 50, 3), b = loaded->sample(1, 50, 3);
  EXPECT_EQ(a.data, b.data);
}

TEST(ModelFile, OldConfigKeysOfWganGpAndCtganStillLoad) {
  for (const char* name : {"wgan_gp", "ctgan"}) {
    const auto g = fitted(name, {{"steps", 3}, {"validation_fraction", 0.0}});
    std::ostringstream state;
    g->save_state(state);
    nlohmann::json old_config = g->config();
    old_config["validate_every"] = old_config.at("validation_every");  // the name before
    old_config.erase("validation_every");
    const std::string path = temp_path(std::string(name) + "_old_key");
    write_bytes(path, build_file(1, name, old_config.dump(), state.str()));
    const auto loaded = load_generator(path);
    std::filesystem::remove(path);
    EXPECT_EQ(loaded->config(), g->config()) << name;
    EXPECT_EQ(loaded->sample(1, 20, 4).data, g->sample(1, 20, 4).data) << name;
  }
}

TEST(ModelFile, SavingIntoAMissingFolderIsAnIoError) {
  const std::string path =
      (std::filesystem::path(testing::TempDir()) / "no_such_folder_x" / "m.imbgen").string();
  try {
    save_generator(*fitted("random"), path);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kIo);
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos);
  }
}

}  // namespace
}  // namespace imbgen
