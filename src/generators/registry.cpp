// The generator registry: a plain table from name to a factory taking a JSON config.
#include <iterator>

#include "imbgen/core/error.h"
#include "imbgen/generators/adasyn.h"
#include "imbgen/generators/borderline_smote.h"
#include "imbgen/generators/ctgan.h"
#include "imbgen/generators/cvae.h"
#include "imbgen/generators/ddpm.h"
#include "imbgen/generators/gan.h"
#include "imbgen/generators/gaussian_copula.h"
#include "imbgen/generators/generator.h"
#include "imbgen/generators/kmeans_smote.h"
#include "imbgen/generators/random.h"
#include "imbgen/generators/smote.h"
#include "imbgen/generators/smote_nc.h"
#include "imbgen/generators/svm_smote.h"
#include "imbgen/generators/tvae.h"
#include "imbgen/generators/vae.h"
#include "imbgen/generators/wgan_gp.h"

namespace imbgen {
namespace {

struct Entry {
  const char* name;
  std::unique_ptr<Generator> (*make)(const nlohmann::json& config);
};

const Entry kRegistry[] = {
    {"random", [](const nlohmann::json& j) { return make_random(RandomConfig::from_json(j)); }},
    {"smote", [](const nlohmann::json& j) { return make_smote(SmoteConfig::from_json(j)); }},
    {"smote_nc",
     [](const nlohmann::json& j) { return make_smote_nc(SmoteNcConfig::from_json(j)); }},
    {"borderline_smote",
     [](const nlohmann::json& j) {
       return make_borderline_smote(BorderlineSmoteConfig::from_json(j));
     }},
    {"adasyn", [](const nlohmann::json& j) { return make_adasyn(AdasynConfig::from_json(j)); }},
    {"svm_smote",
     [](const nlohmann::json& j) { return make_svm_smote(SvmSmoteConfig::from_json(j)); }},
    {"kmeans_smote",
     [](const nlohmann::json& j) { return make_kmeans_smote(KmeansSmoteConfig::from_json(j)); }},
    {"gaussian_copula",
     [](const nlohmann::json& j) {
       return make_gaussian_copula(GaussianCopulaConfig::from_json(j));
     }},
    {"gan", [](const nlohmann::json& j) { return make_gan(GanConfig::from_json(j)); }},
    {"wgan_gp", [](const nlohmann::json& j) { return make_wgan_gp(WganGpConfig::from_json(j)); }},
    {"ctgan", [](const nlohmann::json& j) { return make_ctgan(CtganConfig::from_json(j)); }},
    {"vae", [](const nlohmann::json& j) { return make_vae(VaeConfig::from_json(j)); }},
    {"cvae", [](const nlohmann::json& j) { return make_cvae(CvaeConfig::from_json(j)); }},
    {"tvae", [](const nlohmann::json& j) { return make_tvae(TvaeConfig::from_json(j)); }},
    {"ddpm", [](const nlohmann::json& j) { return make_ddpm(DdpmConfig::from_json(j)); }},
};

}  // namespace

std::unique_ptr<Generator> make_generator(const std::string& name, const nlohmann::json& config) {
  for (const Entry& e : kRegistry) {
    if (name == e.name) return e.make(config);
  }
  std::string valid;
  for (const Entry& e : kRegistry) valid += (valid.empty() ? "" : ", ") + std::string(e.name);
  throw Error(ErrorKind::kNotFound,
              "unknown generator '" + name + "' (valid generators: " + valid + ")");
}

std::vector<std::string> generator_names() {
  std::vector<std::string> names;
  names.reserve(std::size(kRegistry));
  for (const Entry& e : kRegistry) names.emplace_back(e.name);
  return names;
}

}  // namespace imbgen
