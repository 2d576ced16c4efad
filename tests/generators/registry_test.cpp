// The registry, the typed configs (validation lists every problem, JSON errors) and the random
// oversampler's own behaviour.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "imbgen/core/error.h"
#include "imbgen/generators/gan.h"
#include "imbgen/generators/generator.h"
#include "imbgen/generators/random.h"
#include "imbgen/generators/smote.h"

namespace imbgen {
namespace {

std::string error_of(const std::function<void()>& f, ErrorKind expected_kind) {
  try {
    f();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), expected_kind) << e.what();
    return e.what();
  }
  return "no error";
}

TEST(Registry, ListsTheBuiltInGenerators) {
  const auto names = generator_names();
  for (const char* n : {"random", "smote", "gan"}) {
    EXPECT_NE(std::find(names.begin(), names.end(), n), names.end()) << n;
  }
  for (const auto& n : names) EXPECT_EQ(make_generator(n)->name(), n);
}

TEST(Registry, SaysWhichGeneratorsTrainANetwork) {
  const std::vector<std::string> networks = {"gan",  "wgan_gp", "ctgan", "vae",
                                             "cvae", "tvae",    "ddpm"};
  for (const auto& n : generator_names()) {
    const bool network = std::find(networks.begin(), networks.end(), n) != networks.end();
    EXPECT_EQ(generator_trains_network(n), network) << n;
  }
  EXPECT_EQ(error_of([] { generator_trains_network("smot"); }, ErrorKind::kNotFound).substr(0, 27),
            "unknown generator 'smot' (v");
}

TEST(Registry, UnknownNameListsTheValidOnes) {
  std::string valid;
  for (const auto& n : generator_names()) valid += (valid.empty() ? "" : ", ") + n;
  EXPECT_EQ(valid.rfind("random, smote, ", 0), 0u) << valid;
  EXPECT_NE(valid.find(", gan"), std::string::npos) << valid;
  EXPECT_EQ(error_of([] { make_generator("smot"); }, ErrorKind::kNotFound),
            "unknown generator 'smot' (valid generators: " + valid + ")");
}

TEST(GanConfig, DefaultsAreTheReferenceConfiguration) {
  const GanConfig c;
  EXPECT_EQ(c.latent_dim, 0);
  EXPECT_EQ(c.generator_hidden, (std::vector<int>{32, 64, 128}));
  EXPECT_EQ(c.discriminator_hidden, (std::vector<int>{128, 64, 32, 32, 16}));
  EXPECT_EQ(c.generator_lr, 1e-3);
  EXPECT_EQ(c.discriminator_lr, 1e-3);
  EXPECT_EQ(c.beta1, 0.5);
  EXPECT_EQ(c.beta2, 0.999);
  EXPECT_EQ(c.steps, 5000);
  EXPECT_EQ(c.batch_size, 64);
  EXPECT_TRUE(c.problems().empty());
  EXPECT_EQ(make_generator("gan")->config(), c.to_json());
}

TEST(GanConfig, ValidationListsEveryProblem) {
  GanConfig c;
  c.steps = 0;
  c.beta1 = 1.5;
  c.batch_size = 1;
  c.generator_hidden = {32, -4};
  c.discriminator_lr = -1.0;
  EXPECT_EQ(error_of([&] { c.validate(); }, ErrorKind::kInvalidArgument),
            "gan config: generator_hidden[1] must be in [1, 4096], got -4; discriminator_lr must "
            "be a finite number > 0, got -1; beta1 must be in [0, 1), got 1.5; steps must be >= 1, "
            "got 0; batch_size must be in [2, 1048576] (BatchNorm needs 2 rows), got 1");
  EXPECT_EQ(error_of([&] { make_gan(c); }, ErrorKind::kInvalidArgument).substr(0, 11),
            "gan config:");
}

TEST(GanConfig, JsonErrorsAreCollectedTogether) {
  const nlohmann::json j = {{"steps", "many"},
                            {"generator_hidden", {32, 1.5}},
                            {"beta2", 2.0},
                            {"stepz", 3},
                            {"latent_dim", 4}};
  EXPECT_EQ(error_of([&] { GanConfig::from_json(j); }, ErrorKind::kInvalidArgument),
            "gan config: generator_hidden: expected a list of integers, got [32,1.5]; steps: "
            "expected an integer, got \"many\"; unknown key 'stepz' (valid keys: batch_size, "
            "beta1, beta2, discriminator_hidden, discriminator_lr, generator_hidden, "
            "generator_lr, history_every, latent_dim, steps); beta2 must be in [0, 1), got 2");
  EXPECT_EQ(
      error_of([] { GanConfig::from_json(nlohmann::json::array()); }, ErrorKind::kInvalidArgument),
      "gan config: expected a JSON object, got []");
  const GanConfig partial = GanConfig::from_json({{"steps", 10}, {"latent_dim", 8}});
  EXPECT_EQ(partial.steps, 10);
  EXPECT_EQ(partial.latent_dim, 8);
  EXPECT_EQ(partial.batch_size, 64);
  EXPECT_EQ(GanConfig::from_json(partial.to_json()).to_json(), partial.to_json());
}

TEST(GeneratorOptionsSchema, IsBuiltFromTheConfigFields) {
  const nlohmann::json s = generator_options_schema("gan");
  EXPECT_EQ(s.at("properties").at("steps"),
            (nlohmann::json{{"type", "integer"},
                            {"default", 5000},
                            {"description", "training steps per class"},
                            {"minimum", 1}}));
  EXPECT_EQ(s.at("properties").at("latent_dim").at("description"),
            "noise size (0 = the number of features)");
  EXPECT_EQ(s.at("properties").at("latent_dim").at("maximum"), 4096);
  EXPECT_EQ(s.at("properties").at("beta1").at("exclusiveMaximum"), 1);
  EXPECT_EQ(s.at("properties").at("generator_lr").at("exclusiveMinimum"), 0);
  EXPECT_EQ(s.at("properties").at("generator_hidden").at("items"),
            (nlohmann::json{{"type", "integer"}, {"minimum", 1}, {"maximum", 4096}}));
  EXPECT_EQ(s.at("properties").at("generator_hidden").at("maxItems"), 16);
  EXPECT_EQ(generator_options_schema("borderline_smote").at("properties").at("kind").at("enum"),
            (nlohmann::json{1, 2}));
  const nlohmann::json threshold =
      generator_options_schema("kmeans_smote").at("properties").at("cluster_balance_threshold");
  EXPECT_EQ(threshold.at("default"), "auto");
  EXPECT_EQ(threshold.at("anyOf").size(), 2u);
  EXPECT_EQ(generator_options_schema("tvae").at("properties").at("latent_dim").at("default"), 128);
  EXPECT_EQ(generator_options_schema("vae").at("properties").at("latent_dim").at("default"), 16);
  EXPECT_EQ(generator_options_schema("random").at("properties"), nlohmann::json::object());
  EXPECT_EQ(error_of([] { generator_options_schema("smot"); }, ErrorKind::kNotFound).substr(0, 27),
            "unknown generator 'smot' (v");
  EXPECT_EQ(error_of([] { generator_description("smot"); }, ErrorKind::kNotFound).substr(0, 27),
            "unknown generator 'smot' (v");
}

TEST(GeneratorConfig, OldKeyNamesAreStillRead) {
  // validate_every was wgan_gp's and ctgan's name of validation_every (model files keep it).
  for (const char* name : {"wgan_gp", "ctgan"}) {
    const auto g = make_generator(name, {{"validate_every", 7}});
    EXPECT_EQ(g->config().at("validation_every"), 7) << name;
    EXPECT_FALSE(g->config().contains("validate_every")) << name;
    EXPECT_EQ(error_of(
                  [&] {
                    make_generator(name, {{"validate_every", 7}, {"validation_every", 8}});
                  },
                  ErrorKind::kInvalidArgument),
              std::string(name) +
                  " config: validate_every is the old name of validation_every; give only one "
                  "of them");
  }
  EXPECT_NE(error_of(
                [] {
                  make_generator("vae", {{"validate_every", 7}});
                },
                ErrorKind::kInvalidArgument)
                .find("unknown key 'validate_every'"),
            std::string::npos);
}

TEST(GeneratorConfig, MessagesNameTheGeneratorTheUserAskedFor) {
  EXPECT_EQ(error_of(
                [] {
                  make_generator("cvae", {{"steps", -1}});
                },
                ErrorKind::kInvalidArgument),
            "cvae config: steps must be >= 0 (0 = from epochs), got -1");
  EXPECT_EQ(error_of(
                [] {
                  make_generator("vae", {{"lr", "fast"}});
                },
                ErrorKind::kInvalidArgument),
            "vae config: lr: expected a number, got \"fast\"");
  EXPECT_EQ(error_of(
                [] {
                  make_generator("tvae", {{"max_modes", 1e3}});
                },
                ErrorKind::kInvalidArgument),
            "tvae config: max_modes: expected an integer, got 1000.0");
}

TEST(SmoteConfig, ValidatesAndRoundTrips) {
  EXPECT_EQ(SmoteConfig().k_neighbors, 5);
  EXPECT_EQ(error_of(
                [] {
                  make_generator("smote", {{"k_neighbors", 0}});
                },
                ErrorKind::kInvalidArgument),
            "smote config: k_neighbors must be in [1, 1000], got 0");
  EXPECT_EQ(error_of(
                [] {
                  make_generator("smote", {{"k_neighbors", 3.5}});
                },
                ErrorKind::kInvalidArgument),
            "smote config: k_neighbors: expected an integer, got 3.5");
  EXPECT_EQ(SmoteConfig::from_json({{"k_neighbors", 3}}).to_json(),
            (nlohmann::json{{"k_neighbors", 3}}));
}

TEST(RandomConfig, HasNoSettings) {
  EXPECT_EQ(RandomConfig().to_json(), nlohmann::json::object());
  EXPECT_EQ(error_of(
                [] {
                  make_generator("random", {{"k_neighbors", 5}});
                },
                ErrorKind::kInvalidArgument),
            "random config: unknown key 'k_neighbors' (valid keys: none, this generator has no "
            "settings)");
}

TEST(RandomOversampler, DrawsTrainingRowsOfTheClassWithReplacement) {
  Matrix x(7, 2);
  std::vector<int> y = {0, 1, 0, 1, 1, 0, 0};
  for (size_t i = 0; i < x.rows; ++i) {
    x(i, 0) = static_cast<double>(i);
    x(i, 1) = -static_cast<double>(i) * 0.5;
  }
  auto g = make_generator("random");
  FitOptions options;
  options.classes = {1};
  g->fit(x, y, options);
  const Matrix s = g->sample(1, 300, 3);
  std::vector<int> counts(x.rows, 0);
  for (size_t i = 0; i < s.rows; ++i) {
    const auto r = static_cast<size_t>(s(i, 0));
    ASSERT_LT(r, x.rows);
    ASSERT_EQ(y[r], 1) << "row of another class";
    ASSERT_EQ(std::memcmp(s.row(i), x.row(r), 2 * sizeof(double)), 0);
    ++counts[r];
  }
  // Uniform over the 3 rows of class 1: each near 100 of 300 (binomial sd ~8.2).
  for (size_t r : {1, 3, 4}) {
    EXPECT_GT(counts[r], 60) << r;
    EXPECT_LT(counts[r], 140) << r;
  }
}

}  // namespace
}  // namespace imbgen
