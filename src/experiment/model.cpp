// Model: a fitted generator with its column space, schema and model card; resample().
#include "imbgen/experiment/model.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <ctime>

#include "imbgen/core/error.h"
#include "imbgen/core/rng.h"
#include "imbgen/core/text.h"
#include "imbgen/core/version.h"
#include "imbgen/data/csv.h"
#include "imbgen/generators/generator.h"

namespace imbgen {
namespace {

// A stream of mix_seed that no other use of a fit seed takes ("smp").
constexpr uint64_t kSampleStream = 0x736d70;

// "2026-12-03T19:44:11Z"; SOURCE_DATE_EPOCH (reproducible builds' convention) fixes the time, so
// that model files can be byte-identical.
std::string utc_now() {
  std::time_t t = std::time(nullptr);
  if (const char* epoch = std::getenv("SOURCE_DATE_EPOCH")) {
    char* end = nullptr;
    const long long v = std::strtoll(epoch, &end, 10);
    if (end != epoch && *end == '\0' && v >= 0) t = static_cast<std::time_t>(v);
  }
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

nlohmann::json number_or_null(double v) {
  return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json();
}

nlohmann::json columns_json(const std::vector<ColumnInfo>& columns) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& c : columns) {
    nlohmann::json j = {{"name", c.name},
                        {"kind", c.kind == ColumnKind::kCategorical ? "categorical" : "numeric"}};
    if (c.kind == ColumnKind::kCategorical) {
      j["categories"] = c.categories;
    } else {
      j["integer"] = c.integer;
      j["min"] = number_or_null(c.min);
      j["max"] = number_or_null(c.max);
    }
    out.push_back(std::move(j));
  }
  return out;
}

// The classes to model: the labels asked for, or every class but the majority.
std::vector<int> classes_to_model(const Table& table, const std::vector<std::string>& labels) {
  std::vector<int> out;
  if (labels.empty()) {
    const int majority = table.majority_class();
    for (int c = 0; c < static_cast<int>(table.n_classes()); ++c)
      if (c != majority) out.push_back(c);
    return out;
  }
  for (const auto& label : labels) {
    const auto it = std::find(table.classes.begin(), table.classes.end(), label);
    if (it == table.classes.end()) {
      throw Error(ErrorKind::kInvalidArgument, "class '" + label + "': no such class in target '" +
                                                   table.target +
                                                   "' (classes: " + join(table.classes) + ")");
    }
    const int c = static_cast<int>(it - table.classes.begin());
    if (std::find(out.begin(), out.end(), c) == out.end()) out.push_back(c);
  }
  return out;
}

// The generator names classes by index: add the labels when they differ from the indices.
Error with_class_legend(const Error& e, const Table& table) {
  std::string legend;
  for (size_t c = 0; c < table.classes.size(); ++c) {
    if (table.classes[c] == std::to_string(c)) continue;
    legend += (legend.empty() ? "" : ", ") + std::to_string(c) + " = '" + table.classes[c] + "'";
  }
  if (legend.empty()) return e;
  return Error(e.kind(), std::string(e.what()) + " (classes: " + legend + ")");
}

}  // namespace

uint64_t class_sample_seed(uint64_t seed, int cls) {
  return mix_seed(mix_seed(seed, kSampleStream), static_cast<uint64_t>(cls));
}

Model Model::fit(const Table& table, const ModelOptions& options) {
  ModelSpace space;
  space.fit(table);
  return fit(table, options, space);
}

Model Model::fit(const Table& table, const ModelOptions& options, const ModelSpace& space) {
  if (table.rows() == 0)
    throw Error(ErrorKind::kInvalidArgument, "'" + table.source + "': no rows to fit on");
  Model m;
  m.fitted_ = classes_to_model(table, options.classes);
  if (m.fitted_.empty()) {
    throw Error(ErrorKind::kInvalidArgument,
                "'" + table.source + "': no class to model (target '" + table.target +
                    "' has the single class '" + table.classes.at(0) + "')");
  }
  std::unique_ptr<Generator> generator = make_generator(options.generator, options.config);
  FitOptions fit;
  fit.classes = m.fitted_;
  fit.seed = options.seed;
  // One LibTorch thread: intra-op parallelism only slows networks this small down (measured:
  // 300 GAN steps take ~1 s on one thread, ~26 s on two when the other core is busy).
  fit.threads = 1;
  fit.observer = options.observer;
  fit.spans = space.generator_spans();
  const auto t0 = std::chrono::steady_clock::now();
  try {
    // The generator sees exactly the rows it was given.
    generator->fit(space.to_generator(table.x), table.y, fit);
  } catch (const Error& e) {
    throw with_class_legend(e, table);
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  m.space_ = space;
  m.schema_ = table.subset({});
  m.generator_ = std::move(generator);
  const auto counts = table.class_counts();
  nlohmann::json classes = nlohmann::json::object();
  for (size_t c = 0; c < counts.size(); ++c) classes[table.classes[c]] = counts[c];
  m.card_ = {{"imbgen_version", version()},
             {"generator", options.generator},
             {"config", m.generator_->config()},
             {"seed", options.seed},
             {"created", utc_now()},
             {"fit_seconds", seconds},
             {"data",
              {{"source", table.source},
               {"fingerprint", table_fingerprint(table)},
               {"rows", table.rows()},
               {"columns", columns_json(table.columns)}}},
             {"target", table.target},
             {"classes", classes},
             {"fitted_classes", m.fitted_classes()},
             {"fidelity", nullptr}};
  return m;
}

const std::string& Model::generator_name() const {
  return card_.at("generator").get_ref<const std::string&>();
}

std::vector<std::string> Model::fitted_classes() const {
  std::vector<std::string> out;
  for (int c : fitted_) out.push_back(schema_.classes.at(static_cast<size_t>(c)));
  return out;
}

int Model::fitted_class_index(const std::string& label) const {
  for (int c : fitted_) {
    if (schema_.classes.at(static_cast<size_t>(c)) == label) return c;
  }
  throw Error(ErrorKind::kInvalidArgument, "class '" + label + "': the model was fit on class" +
                                               (fitted_.size() == 1 ? " " : "es ") +
                                               join(fitted_classes()) + " only");
}

Matrix Model::sample_values(int cls, size_t n, uint64_t seed) const {
  check_internal(generator_ != nullptr, "Model::sample_values: the model is not fitted");
  if (std::find(fitted_.begin(), fitted_.end(), cls) == fitted_.end()) {
    throw Error(ErrorKind::kInvalidArgument,
                "class index " + std::to_string(cls) + ": the model was fit on class" +
                    (fitted_.size() == 1 ? " " : "es ") + join(fitted_classes()) + " only");
  }
  const Matrix generated = generator_->sample(cls, n, seed);
  for (double v : generated.data) {
    if (!std::isfinite(v)) {
      throw Error(ErrorKind::kDiverged,
                  "generator '" + generator_name() + "' produced a non-finite value (class '" +
                      schema_.classes.at(static_cast<size_t>(cls)) + "')");
    }
  }
  // Back to the table's schema: labels for categories, integers, training bounds.
  return space_.from_generator(generated);
}

Table Model::sample(const std::string& label, size_t n, uint64_t seed) const {
  const int cls = fitted_class_index(label);
  Table out = schema_;
  out.source = "synthetic rows of " + generator_name();
  out.x = sample_values(cls, n, seed);
  out.y.assign(out.x.rows, cls);
  return out;
}

SyntheticRows Model::generate(const std::map<int, size_t>& rows_per_class, uint64_t seed) const {
  SyntheticRows out;
  out.strategy = generator_name();
  out.x = Matrix(0, schema_.columns.size());
  for (const auto& [cls, n] : rows_per_class) {
    if (n == 0) continue;
    const Matrix rows = sample_values(cls, n, class_sample_seed(seed, cls));
    out.x = Matrix::vstack(out.x, rows);
    out.y.insert(out.y.end(), rows.rows, cls);
  }
  return out;
}

void Model::save(const std::string& path) const {
  check_internal(generator_ != nullptr, "Model::save: the model is not fitted");
  // The keys before "card" are what imbgen 0.1 wrote; old readers find them unchanged.
  const nlohmann::json meta = {{"space", space_.to_json()},
                               {"target", schema_.target},
                               {"classes", schema_.classes},
                               {"fitted_classes", fitted_classes()},
                               {"source", card_.at("data").at("source")},
                               {"card", card_}};
  save_generator(*generator_, path, meta);
}

namespace {

// What is wrong with a model card read from a file ("" when nothing): each member the card's
// readers use (the server's model list and card, save(), the CLI) must be there, with its type.
std::string card_problem(const nlohmann::json& card) {
  if (!card.is_object()) return std::string("expected an object, got ") + card.type_name();
  for (const char* key : {"imbgen_version", "generator", "config", "seed", "created",
                          "fit_seconds", "data", "target", "classes", "fitted_classes",
                          "fidelity"}) {
    if (!card.contains(key)) return std::string("no '") + key + "'";
  }
  const nlohmann::json& data = card.at("data");
  if (!data.is_object()) return std::string("'data': expected an object, got ") + data.type_name();
  for (const char* key : {"source", "fingerprint", "rows", "columns"}) {
    if (!data.contains(key)) return std::string("no 'data.") + key + "'";
  }
  if (!data.at("source").is_string()) return "'data.source': expected a string";
  if (!card.at("classes").is_null() && !card.at("classes").is_object())
    return "'classes': expected an object or null";
  if (!card.at("fitted_classes").is_array()) return "'fitted_classes': expected an array";
  if (!card.at("fidelity").is_null() && !card.at("fidelity").is_object())
    return "'fidelity': expected an object or null";
  return "";
}

}  // namespace

Model Model::load(const std::string& path) {
  nlohmann::json meta;
  Model m;
  m.generator_ = load_generator(path, &meta);
  const auto bad = [&](const std::string& what) {
    return Error(ErrorKind::kInvalidArgument,
                 "'" + path + "': " + what + " (was it written by `imbgen fit` or imbgen.fit?)");
  };
  if (!meta.is_object() || !meta.contains("space") || !meta.contains("classes") ||
      !meta.contains("fitted_classes") || !meta.contains("target"))
    throw bad("the model has no column schema");
  try {
    m.space_ = ModelSpace::from_json(meta.at("space"));
    m.schema_.columns = m.space_.encoder().columns();
    m.schema_.x = Matrix(0, m.schema_.columns.size());
    m.schema_.target = meta.at("target").get<std::string>();
    m.schema_.classes = meta.at("classes").get<std::vector<std::string>>();
    m.schema_.source = path;
    for (const auto& label : meta.at("fitted_classes").get<std::vector<std::string>>()) {
      const auto it = std::find(m.schema_.classes.begin(), m.schema_.classes.end(), label);
      if (it == m.schema_.classes.end()) throw bad("fitted class '" + label + "' is not a class");
      m.fitted_.push_back(static_cast<int>(it - m.schema_.classes.begin()));
    }
  } catch (const nlohmann::json::exception& e) {
    throw bad(std::string("the schema is damaged: ") + e.what());
  } catch (const Error& e) {
    if (std::string(e.what()).rfind("'" + path + "'", 0) == 0) throw;
    throw bad(std::string("the schema is damaged: ") + e.what());
  }
  if (meta.contains("card")) {
    const std::string problem = card_problem(meta.at("card"));
    if (!problem.empty()) throw bad("the model card is damaged: " + problem);
    m.card_ = meta.at("card");
  } else {
    // A model file of imbgen 0.1 (before model cards): what the file itself tells.
    m.card_ = {{"imbgen_version", nullptr},
               {"generator", m.generator_->name()},
               {"config", m.generator_->config()},
               {"seed", nullptr},
               {"created", nullptr},
               {"fit_seconds", nullptr},
               {"data",
                {{"source", meta.contains("source") && meta.at("source").is_string()
                                ? meta.at("source").get<std::string>()
                                : std::string()},
                 {"fingerprint", nullptr},
                 {"rows", nullptr},
                 {"columns", columns_json(m.schema_.columns)}}},
               {"target", m.schema_.target},
               {"classes", nullptr},
               {"fitted_classes", m.fitted_classes()},
               {"fidelity", nullptr}};
  }
  // The stored name and config are the generator's own; the card must agree with them.
  m.card_["generator"] = m.generator_->name();
  m.card_["config"] = m.generator_->config();
  return m;
}

Resampled resample(const Table& table, const ResampleOptions& options) {
  const std::map<int, size_t> n_new =
      rows_to_generate(table.class_counts(), options.sampling, table.classes);
  if (n_new.empty()) {
    throw Error(ErrorKind::kInvalidArgument,
                "sampling strategy '" + options.sampling.to_string() + "': no class of '" +
                    table.source + "' needs synthetic rows");
  }
  ModelOptions mo;
  mo.generator = options.generator;
  mo.config = options.config;
  mo.seed = options.seed;
  mo.observer = options.observer;
  for (const auto& [cls, n] : n_new) mo.classes.push_back(table.classes[static_cast<size_t>(cls)]);
  Resampled out;
  out.model = Model::fit(table, mo);
  const SyntheticRows rows = out.model.generate(n_new, options.seed);
  out.table = table.subset({});
  if (options.keep_original) {
    out.table.x = Matrix::vstack(table.x, rows.x);
    out.table.y = table.y;
    out.table.y.insert(out.table.y.end(), rows.y.begin(), rows.y.end());
    out.original_rows = table.rows();
  } else {
    out.table.x = rows.x;
    out.table.y = rows.y;
  }
  out.added = n_new;
  return out;
}

}  // namespace imbgen
