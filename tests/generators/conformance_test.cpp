// Conformance suite run over every registered generator: shapes, finiteness, seeding, save/load,
// config round trip and the errors every generator shares.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "generators/registry.h"
#include "imbgen/core/error.h"
#include "imbgen/core/rng.h"
#include "imbgen/generators/generator.h"

namespace imbgen {
namespace {

constexpr size_t kCols = 3;

// Two Gaussian classes: 60 rows of class 0, 24 rows of class 1 (shifted, correlated columns).
void make_data(Matrix& x, std::vector<int>& y) {
  Rng rng(2024);
  x = Matrix(84, kCols);
  y.assign(84, 0);
  for (size_t i = 0; i < x.rows; ++i) {
    const bool minority = i >= 60;
    y[i] = minority ? 1 : 0;
    const double a = rng.normal();
    x(i, 0) = (minority ? 4.0 : 0.0) + a;
    x(i, 1) = (minority ? -2.0 : 1.0) + 0.5 * a + 0.3 * rng.normal();
    x(i, 2) = 100.0 + 10.0 * rng.normal();
  }
}

// The registry's quick settings keep the suite fast; the defaults are tested in each family's own
// tests.
nlohmann::json small_config(const std::string& name) {
  for (const GeneratorSpec& s : generator_specs()) {
    if (s.name == name) return s.quick_config;
  }
  return nlohmann::json::object();
}

std::unique_ptr<Generator> fitted(const std::string& name, uint64_t seed = 42) {
  Matrix x;
  std::vector<int> y;
  make_data(x, y);
  auto g = make_generator(name, small_config(name));
  FitOptions options;
  options.classes = {1};
  options.seed = seed;
  g->fit(x, y, options);
  return g;
}

bool same_bytes(const Matrix& a, const Matrix& b) {
  return a.rows == b.rows && a.cols == b.cols &&
         std::memcmp(a.data.data(), b.data.data(), a.data.size() * sizeof(double)) == 0;
}

std::string temp_path(const std::string& stem) {
  return (std::filesystem::path(testing::TempDir()) /
          (stem + "_" + std::to_string(::getpid()) + ".imbgen"))
      .string();
}

class GeneratorConformance : public testing::TestWithParam<std::string> {};

TEST_P(GeneratorConformance, SamplesHaveTheTrainingShapeAndAreFinite) {
  auto g = fitted(GetParam());
  EXPECT_EQ(g->name(), GetParam());
  const Matrix s = g->sample(1, 257, 7);
  ASSERT_EQ(s.rows, 257u);
  ASSERT_EQ(s.cols, kCols);
  ASSERT_EQ(s.data.size(), 257 * kCols);
  for (double v : s.data) ASSERT_TRUE(std::isfinite(v));
  const Matrix none = g->sample(1, 0, 7);
  EXPECT_EQ(none.rows, 0u);
}

TEST_P(GeneratorConformance, SameSeedGivesTheSameBytes) {
  auto a = fitted(GetParam(), 5);
  auto b = fitted(GetParam(), 5);
  EXPECT_TRUE(same_bytes(a->sample(1, 100, 11), b->sample(1, 100, 11)));
  EXPECT_TRUE(same_bytes(a->sample(1, 100, 11), a->sample(1, 100, 11)));
  EXPECT_EQ(a->history(), b->history());
}

// sample_into writes sample()'s numbers into a block of any layout: row-major, and column-major
// inside a taller array (as the Python package's X_res), 130 rows (two 64-row blocks and a rest).
TEST_P(GeneratorConformance, SampleIntoWritesSampleRowsInAnyLayout) {
  auto g = fitted(GetParam());
  const Matrix want = g->sample(1, 130, 21);
  Matrix rows(130, kCols, -1.0);
  g->sample_into(1, 130, 21, {rows.data.data(), 130, kCols, static_cast<ptrdiff_t>(kCols), 1});
  EXPECT_TRUE(same_bytes(rows, want));
  const size_t tall = 150;  // 10 rows above and below the block
  std::vector<double> columns(tall * kCols, -1.0);
  g->sample_into(1, 130, 21, {columns.data() + 10, 130, kCols, 1, static_cast<ptrdiff_t>(tall)});
  for (size_t r = 0; r < tall; ++r) {
    for (size_t c = 0; c < kCols; ++c) {
      const double got = columns[c * tall + r];
      if (r < 10 || r >= 140) {
        ASSERT_EQ(got, -1.0) << "row " << r << " outside the block was written";
      } else {
        ASSERT_EQ(std::memcmp(&got, want.row(r - 10) + c, sizeof got), 0) << r << ", " << c;
      }
    }
  }
}

TEST_P(GeneratorConformance, DifferentSeedsGiveDifferentRows) {
  auto g = fitted(GetParam());
  const Matrix a = g->sample(1, 100, 1);
  const Matrix b = g->sample(1, 100, 2);
  size_t differing = 0;
  for (size_t i = 0; i < a.rows; ++i) {
    if (std::memcmp(a.row(i), b.row(i), kCols * sizeof(double)) != 0) ++differing;
  }
  EXPECT_GT(differing, 50u);
}

TEST_P(GeneratorConformance, SaveThenLoadGivesIdenticalSamples) {
  auto g = fitted(GetParam());
  const std::string path = temp_path("conformance_" + GetParam());
  save_generator(*g, path);
  auto loaded = load_generator(path);
  EXPECT_EQ(loaded->name(), g->name());
  EXPECT_EQ(loaded->config(), g->config());
  EXPECT_EQ(loaded->history(), g->history());
  EXPECT_TRUE(same_bytes(loaded->sample(1, 300, 9), g->sample(1, 300, 9)));
  // Saving the loaded model again gives the same file.
  const std::string again = temp_path("conformance_again_" + GetParam());
  save_generator(*loaded, again);
  EXPECT_EQ(std::filesystem::file_size(path), std::filesystem::file_size(again));
  std::filesystem::remove(path);
  std::filesystem::remove(again);
}

// A damaged state whose count or length field says "2^40" (or 2^62) must be refused as corrupt,
// never allocated: before this test, gaussian_copula and smote_nc read their column count
// unchecked and ran out of memory (found by fuzz/fuzz_model). Every 8-byte window of the state's
// first 160 bytes gets each value in turn; a load may succeed (the window held a weight) but an
// error must be a corrupt or unsupported file (Error), not std::bad_alloc or std::length_error.
TEST_P(GeneratorConformance, AHugeCountInADamagedStateIsRefused) {
  auto g = fitted(GetParam());
  std::ostringstream out;
  g->save_state(out);
  const std::string state = out.str();
  const size_t last = std::min<size_t>(state.size() - 8, 160);
  for (const uint64_t value : {uint64_t{1} << 40, uint64_t{1} << 62}) {
    for (size_t at = 0; at <= last; ++at) {
      std::string damaged = state;
      for (size_t b = 0; b < 8; ++b) damaged[at + b] = static_cast<char>((value >> (8 * b)) & 0xff);
      std::istringstream in(damaged);
      auto fresh = make_generator(GetParam(), small_config(GetParam()));
      try {
        fresh->load_state(in);
      } catch (const Error& e) {
        EXPECT_TRUE(e.kind() == ErrorKind::kInvalidArgument || e.kind() == ErrorKind::kUnsupported)
            << "byte " << at << ": " << e.what();
      } catch (const std::exception& e) {
        ADD_FAILURE() << "byte " << at << " = " << value << ": " << e.what();
      }
    }
  }
}

TEST_P(GeneratorConformance, ConfigJsonRoundTrips) {
  auto g = make_generator(GetParam());
  const nlohmann::json defaults = g->config();
  EXPECT_TRUE(defaults.is_object());
  EXPECT_EQ(make_generator(GetParam(), defaults)->config(), defaults);
  auto small = make_generator(GetParam(), small_config(GetParam()));
  EXPECT_EQ(make_generator(GetParam(), small->config())->config(), small->config());
  const nlohmann::json requested = small_config(GetParam());
  for (const auto& [key, value] : requested.items()) {
    EXPECT_EQ(small->config().at(key), value) << key;
  }
}

TEST_P(GeneratorConformance, OptionsSchemaDescribesTheConfig) {
  const nlohmann::json schema = generator_options_schema(GetParam());
  EXPECT_EQ(schema.at("title"), GetParam());
  EXPECT_EQ(schema.at("type"), "object");
  EXPECT_EQ(schema.at("additionalProperties"), false);
  const std::string description = generator_description(GetParam());
  EXPECT_EQ(schema.at("description"), description);
  EXPECT_FALSE(description.empty());
  EXPECT_EQ(description.find('\n'), std::string::npos);
  // Every config key has a property whose default is the config's default, and no other.
  const nlohmann::json defaults = make_generator(GetParam())->config();
  const nlohmann::json& properties = schema.at("properties");
  EXPECT_EQ(properties.size(), defaults.size());
  for (const auto& [key, value] : defaults.items()) {
    ASSERT_TRUE(properties.contains(key)) << key;
    EXPECT_EQ(properties.at(key).at("default"), value) << key;
    EXPECT_TRUE(properties.at(key).contains("type") || properties.at(key).contains("anyOf")) << key;
    EXPECT_FALSE(properties.at(key).at("description").get<std::string>().empty()) << key;
  }
  const nlohmann::json quick = small_config(GetParam());
  for (const auto& [key, value] : quick.items()) EXPECT_TRUE(properties.contains(key)) << key;
}

TEST_P(GeneratorConformance, UnknownConfigKeyIsAnError) {
  try {
    make_generator(GetParam(), {{"no_such_setting", 1}});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find(GetParam() + " config: unknown key 'no_such_setting'"),
              std::string::npos)
        << e.what();
  }
}

TEST_P(GeneratorConformance, SampleOfAClassNotFitIsAnError) {
  auto g = fitted(GetParam());
  try {
    g->sample(0, 10, 1);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInvalidArgument);
    EXPECT_STREQ(e.what(), (GetParam() + ": sample: class 0 was not fit (fit classes: 1)").c_str());
  }
  auto unfit = make_generator(GetParam(), small_config(GetParam()));
  try {
    unfit->sample(1, 10, 1);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), (GetParam() + ": sample: class 1 was not fit (fit classes: none; "
                                         "call fit first)")
                               .c_str());
  }
}

TEST_P(GeneratorConformance, FitRejectsBadInputs) {
  Matrix x;
  std::vector<int> y;
  make_data(x, y);
  auto g = make_generator(GetParam(), small_config(GetParam()));
  FitOptions options;
  options.classes = {1};
  auto message = [&](const Matrix& xx, const std::vector<int>& yy, const FitOptions& o) {
    try {
      g->fit(xx, yy, o);
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::kInvalidArgument);
      return std::string(e.what());
    }
    return std::string("no error");
  };
  const std::string p = GetParam() + ": fit: ";
  EXPECT_EQ(message(x, std::vector<int>(y.begin(), y.end() - 1), options),
            p + "x has 84 rows but y has 83 labels; they must match");
  Matrix bad = x;
  bad(61, 2) = std::nan("");
  EXPECT_EQ(message(bad, y, options),
            p + "row 61, column 2: value is nan; generators need finite features (impute or "
                "drop missing values first)");
  FitOptions none;
  EXPECT_EQ(message(x, y, none), p + "FitOptions.classes is empty; list the classes to model");
  FitOptions twice;
  twice.classes = {1, 1};
  EXPECT_EQ(message(x, y, twice), p + "class 1 is listed twice in FitOptions.classes");
  FitOptions absent;
  absent.classes = {7};
  EXPECT_NE(message(x, y, absent).find("class 7 has 0 training rows"), std::string::npos);
}

// min_class_rows() is what fit() enforces, so a caller (imbgen run) can skip a class that is too
// small before anything trains: one row fewer is refused with the count and the minimum.
TEST_P(GeneratorConformance, MinClassRowsIsWhatFitRequires) {
  Matrix x;
  std::vector<int> y;
  make_data(x, y);
  auto g = make_generator(GetParam(), small_config(GetParam()));
  const size_t need = g->min_class_rows();
  ASSERT_GE(need, 1u);
  ASSERT_LE(need, 24u);  // the data's class 1 has 24 rows
  if (need == 1) return;  // every class with a row is accepted
  // Class 1 cut to need - 1 rows.
  std::vector<size_t> keep;
  size_t ones = 0;
  for (size_t i = 0; i < y.size(); ++i) {
    if (y[i] == 1 && ++ones >= need) continue;
    keep.push_back(i);
  }
  const Matrix small = x.select_rows(keep);
  std::vector<int> small_y;
  for (size_t i : keep) small_y.push_back(y[i]);
  FitOptions options;
  options.classes = {1};
  try {
    g->fit(small, small_y, options);
    FAIL() << GetParam() << ": fit accepted " << need - 1 << " rows, min_class_rows() is " << need;
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("needs at least " + std::to_string(need)),
              std::string::npos)
        << e.what();
  }
}

INSTANTIATE_TEST_SUITE_P(AllGenerators, GeneratorConformance, testing::ValuesIn(generator_names()),
                         [](const testing::TestParamInfo<std::string>& param_info) {
                           return param_info.param;
                         });

}  // namespace
}  // namespace imbgen
