// Model: a fitted generator with its column space, schema and model card; resample().
#include "imbgen/experiment/model.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <limits>
#include <utility>

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

namespace {

struct FittedGenerator {
  std::unique_ptr<Generator> generator;
  std::vector<int> classes;  // the class indices fit, in fit order
  double seconds = 0.0;
};

// What Model::fit and resample_numbers_into share: the generator fit on every row of `table`,
// in `space`'s terms, for the classes options names (or all but the majority).
FittedGenerator fit_generator(const Table& table, const ModelOptions& options,
                              const ModelSpace& space) {
  if (table.rows() == 0)
    throw Error(ErrorKind::kInvalidArgument, "'" + table.source + "': no rows to fit on");
  FittedGenerator out;
  out.classes = classes_to_model(table, options.classes);
  if (out.classes.empty()) {
    throw Error(ErrorKind::kInvalidArgument,
                "'" + table.source + "': no class to model (target '" + table.target +
                    "' has the single class '" + table.classes.at(0) + "')");
  }
  out.generator = make_generator(options.generator, options.config);
  FitOptions fit;
  fit.classes = out.classes;
  fit.seed = options.seed;
  // One LibTorch thread: intra-op parallelism only slows networks this small down (measured:
  // 300 GAN steps take ~1 s on one thread, ~26 s on two when the other core is busy).
  fit.threads = 1;
  fit.observer = options.observer;
  fit.spans = space.generator_spans();
  const auto t0 = std::chrono::steady_clock::now();
  try {
    // The generator sees exactly the rows it was given.
    if (space.raw()) {
      out.generator->fit(table.x, table.y, fit);  // original units: no copy
    } else {
      out.generator->fit(space.to_generator(table.x), table.y, fit);
    }
  } catch (const Error& e) {
    throw with_class_legend(e, table);
  }
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return out;
}

// Generated rows must be finite numbers.
void check_finite(const Matrix& generated, const std::string& generator, const std::string& label) {
  for (double v : generated.data) {
    if (!std::isfinite(v)) {
      throw Error(ErrorKind::kDiverged, "generator '" + generator +
                                            "' produced a non-finite value (class '" + label +
                                            "')");
    }
  }
}

}  // namespace

Model Model::fit(const Table& table, const ModelOptions& options, const ModelSpace& space) {
  FittedGenerator fitted = fit_generator(table, options, space);
  Model m;
  m.fitted_ = std::move(fitted.classes);
  m.space_ = space;
  m.schema_ = table.subset({});
  m.generator_ = std::move(fitted.generator);
  const auto counts = table.class_counts();
  nlohmann::json classes = nlohmann::json::object();
  for (size_t c = 0; c < counts.size(); ++c) classes[table.classes[c]] = counts[c];
  m.card_ = {{"imbgen_version", version()},
             {"generator", options.generator},
             {"config", m.generator_->config()},
             {"seed", options.seed},
             {"created", utc_now()},
             {"fit_seconds", fitted.seconds},
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

void Model::draw(int cls, size_t n, uint64_t seed, Matrix& out) const {
  if (space_.raw()) {  // the generator's columns are the table's: written in place, in out
    const size_t d = schema_.columns.size();
    out.rows = n;
    out.cols = d;
    out.data.resize(n * d);
    generator_->sample_into(cls, n, seed, block_of(out));
  } else {
    out = generator_->sample(cls, n, seed);
  }
  check_finite(out, generator_name(), schema_.classes.at(static_cast<size_t>(cls)));
  // Back to the table's schema: labels for categories, integers, training bounds.
  out = space_.from_generator(std::move(out));
}

Matrix Model::sample_values(int cls, size_t n, uint64_t seed) const {
  check_internal(generator_ != nullptr, "Model::sample_values: the model is not fitted");
  if (std::find(fitted_.begin(), fitted_.end(), cls) == fitted_.end()) {
    throw Error(ErrorKind::kInvalidArgument,
                "class index " + std::to_string(cls) + ": the model was fit on class" +
                    (fitted_.size() == 1 ? " " : "es ") + join(fitted_classes()) + " only");
  }
  // Piece by piece (generators/generator.h): one draw when n fits in a piece.
  Matrix out;
  if (n <= kSamplePiece) {
    draw(cls, n, seed, out);
    return out;
  }
  out = Matrix(n, schema_.columns.size());
  Matrix piece;
  for (size_t k = 0, pieces = sample_piece_count(n); k < pieces; ++k) {
    draw(cls, sample_piece_rows(n, k), sample_piece_seed(seed, k), piece);
    std::copy(piece.data.begin(), piece.data.end(), out.row(k * kSamplePiece));
  }
  return out;
}

Table Model::sample(const std::string& label, size_t n, uint64_t seed) const {
  const int cls = fitted_class_index(label);
  Table out = schema_;
  out.source = "synthetic rows of " + generator_name();
  out.x = sample_values(cls, n, seed);
  out.y.assign(out.x.rows, cls);
  return out;
}

void Model::sample_piece(const std::string& label, size_t n, uint64_t seed, size_t piece,
                         Matrix& x, std::vector<int>& y) const {
  check_internal(generator_ != nullptr, "Model::sample_piece: the model is not fitted");
  const int cls = fitted_class_index(label);
  check_internal(piece < std::max<size_t>(1, sample_piece_count(n)),
                 "Model::sample_piece: no such piece");
  draw(cls, sample_piece_rows(n, piece), sample_piece_seed(seed, piece), x);
  y.assign(x.rows, cls);
}

SampleText::SampleText(const Model& model,
                       const std::vector<std::pair<std::string, size_t>>& counts, uint64_t seed,
                       bool ndjson)
    : model_(model) {
  first_x_.reserve(counts.size());  // the blocks point into these: no reallocation
  first_y_.reserve(counts.size());
  for (const auto& [label, n] : counts) {
    first_x_.emplace_back();
    first_y_.emplace_back();
    model_.sample_piece(label, n, seed, 0, first_x_.back(), first_y_.back());
    rows_ += n;
  }
  std::vector<RowText::Block> blocks;
  for (size_t c = 0; c < counts.size(); ++c) {
    blocks.emplace_back(&first_x_[c], &first_y_[c]);
    const std::string& label = counts[c].first;
    const size_t n = counts[c].second;
    for (size_t k = 1, pieces = sample_piece_count(n); k < pieces; ++k) {
      RowText::Block piece;
      piece.rows = sample_piece_rows(n, k);
      piece.make = [this, label, n, seed, k](Matrix& x, std::vector<int>& y) {
        model_.sample_piece(label, n, seed, k, x, y);
      };
      blocks.push_back(std::move(piece));
    }
  }
  text_ = std::make_unique<RowText>(model_.schema(), std::move(blocks), ndjson);
}

SampleText::~SampleText() = default;

std::string_view SampleText::next() { return text_->next(); }

bool SampleText::done() const { return text_->done(); }

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

namespace {

// The rows resample() adds per class index; Error when there are none.
std::map<int, size_t> rows_to_add(const Table& table, const ResampleOptions& options) {
  std::map<int, size_t> n_new =
      rows_to_generate(table.class_counts(), options.sampling, table.classes);
  if (n_new.empty()) {
    throw Error(ErrorKind::kInvalidArgument,
                "sampling strategy '" + options.sampling.to_string() + "': no class of '" +
                    table.source + "' needs synthetic rows");
  }
  return n_new;
}

// The fit resample() makes: the classes that get rows.
ModelOptions resample_fit(const Table& table, const ResampleOptions& options,
                          const std::map<int, size_t>& n_new) {
  ModelOptions mo;
  mo.generator = options.generator;
  mo.config = options.config;
  mo.seed = options.seed;
  mo.observer = options.observer;
  for (const auto& [cls, n] : n_new) mo.classes.push_back(table.classes[static_cast<size_t>(cls)]);
  return mo;
}

}  // namespace

Resampled resample(const Table& table, const ResampleOptions& options) {
  const std::map<int, size_t> n_new = rows_to_add(table, options);
  Resampled out;
  out.model = Model::fit(table, resample_fit(table, options, n_new));
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

namespace {

struct ColumnPass {
  double lo, hi, bad, fraction;
};

// W doubles in one vector, and the mask of a comparison of two (GCC's vector extensions). The
// default copy of a lane loop uses two lanes (SSE2, every x86-64), the AVX2 copy four.
template <int W>
struct Lanes {
  typedef double V __attribute__((vector_size(8 * W)));
  typedef long long M __attribute__((vector_size(8 * W)));

  // sum += fraction_squared(v) (data/table.h) in each lane: the mask stands for its
  // `a < 2^52 ? ... : 0.0`. By reference: a 256-bit vector by value changes the ABI.
  __attribute__((always_inline)) static void add_fraction_squared(V& sum, const V& v) {
    const V a = reinterpret_cast<V>(reinterpret_cast<M>(v) & (M{} + 0x7fffffffffffffffLL));
    const V two52 = V{} + 4503599627370496.0;
    const V off = a < two52 ? (a + two52) - two52 - a : V{};
    sum += off * off;
  }
};

// Whether this CPU runs AVX2: the lane loops below have a default and an AVX2 copy.
bool cpu_has_avx2() {
  static const bool avx2 = __builtin_cpu_supports("avx2");
  return avx2;
}

// column_pass's contiguous case in W lanes: out[0, r) = in[0, r), and per lane the smallest and
// largest value (compared as `v < lo ? v : lo`, like the scalar loop), the sum of v - v and of
// fraction_squared; returns r (a multiple of W). The fractions are summed only until one is not
// zero (all the sum can say): after the first values of a column of measurements.
template <int W>
__attribute__((always_inline)) inline size_t contiguous_lanes(const double* in, double* out,
                                                              size_t n, double* lo, double* hi,
                                                              double* bad, double* fr) {
  using V = typename Lanes<W>::V;
  V vlo = V{} + lo[0], vhi = V{} + hi[0], vbad = V{}, vfr = V{};
  size_t r = 0;
  bool whole = true;
  for (; r + W <= n; r += W) {
    V v;
    std::memcpy(&v, in + r, sizeof v);
    std::memcpy(out + r, &v, sizeof v);
    vlo = v < vlo ? v : vlo;
    vhi = v < vhi ? vhi : v;
    vbad += v - v;
    if (whole) {
      Lanes<W>::add_fraction_squared(vfr, v);
      if ((r & 63) == 0) {
        for (int j = 0; j < W; ++j) whole = whole && vfr[j] == 0.0;
      }
    }
  }
  for (int j = 0; j < W; ++j) {
    lo[j] = vlo[j];
    hi[j] = vhi[j];
    bad[j] += vbad[j];
    fr[j] += vfr[j];
  }
  return r;
}

size_t contiguous_default(const double* in, double* out, size_t n, double* lo, double* hi,
                          double* bad, double* fr) {
  return contiguous_lanes<2>(in, out, n, lo, hi, bad, fr);
}

__attribute__((target("avx2"))) size_t contiguous_avx2(const double* in, double* out, size_t n,
                                                        double* lo, double* hi, double* bad,
                                                        double* fr) {
  return contiguous_lanes<4>(in, out, n, lo, hi, bad, fr);
}

// The pass over x when x and X_res are both row-major: blocks of 64 rows that stay in cache,
// W columns at a time in lanes, each column's values met in row order, so that its bounds are the
// scalar loop's (the signs of zeros included); the sums as column_pass's. Columns past the last
// whole group of W go one by one.
template <int W>
__attribute__((always_inline)) inline void rows_lanes(const NumberBlock& x,
                                                      const MutableNumberBlock& out, double* lo,
                                                      double* hi, double* bad, double* fr) {
  using V = typename Lanes<W>::V;
  const size_t n = x.rows, d = x.cols, grouped = d - d % W;
  constexpr size_t kRows = 64;
  for (size_t r0 = 0; r0 < n; r0 += kRows) {
    const size_t r1 = std::min(n, r0 + kRows);
    for (size_t c = 0; c < grouped; c += W) {
      V vlo, vhi, vbad, vfr;
      std::memcpy(&vlo, lo + c, sizeof vlo);
      std::memcpy(&vhi, hi + c, sizeof vhi);
      std::memcpy(&vbad, bad + c, sizeof vbad);
      std::memcpy(&vfr, fr + c, sizeof vfr);
      for (size_t r = r0; r < r1; ++r) {
        V v;
        std::memcpy(&v, x.data + static_cast<ptrdiff_t>(r) * x.row_stride + c, sizeof v);
        std::memcpy(out.data + static_cast<ptrdiff_t>(r) * out.row_stride + c, &v, sizeof v);
        vlo = v < vlo ? v : vlo;
        vhi = v < vhi ? vhi : v;
        vbad += v - v;
        Lanes<W>::add_fraction_squared(vfr, v);
      }
      std::memcpy(lo + c, &vlo, sizeof vlo);
      std::memcpy(hi + c, &vhi, sizeof vhi);
      std::memcpy(bad + c, &vbad, sizeof vbad);
      std::memcpy(fr + c, &vfr, sizeof vfr);
    }
    for (size_t r = r0; r < r1; ++r) {
      for (size_t c = grouped; c < d; ++c) {
        const double v = x.data[static_cast<ptrdiff_t>(r) * x.row_stride + c];
        out.data[static_cast<ptrdiff_t>(r) * out.row_stride + c] = v;
        lo[c] = v < lo[c] ? v : lo[c];
        hi[c] = v < hi[c] ? hi[c] : v;
        bad[c] += v - v;
        fr[c] += fraction_squared(v);
      }
    }
  }
}

void rows_default(const NumberBlock& x, const MutableNumberBlock& out, double* lo, double* hi,
                  double* bad, double* fr) {
  rows_lanes<2>(x, out, lo, hi, bad, fr);
}

__attribute__((target("avx2"))) void rows_avx2(const NumberBlock& x, const MutableNumberBlock& out,
                                                double* lo, double* hi, double* bad,
                                                double* fr) {
  rows_lanes<4>(x, out, lo, hi, bad, fr);
}

// x copied into X_res's first rows when both are row-major, with column_pass's results per
// column in lo, hi, bad and fr (of x.cols entries each, started at +inf, -inf, 0 and 0).
void rows_pass(const NumberBlock& x, const MutableNumberBlock& out, double* lo, double* hi,
               double* bad, double* fr) {
  (cpu_has_avx2() ? rows_avx2 : rows_default)(x, out, lo, hi, bad, fr);
}

// to_table_units' contiguous case for a column that is not whole numbers, in W lanes.
template <int W>
__attribute__((always_inline)) inline size_t units_lanes(double* p, size_t n, double lo,
                                                         double hi, bool clip, double* bad) {
  using V = typename Lanes<W>::V;
  const V vlo = V{} + lo, vhi = V{} + hi;
  V vbad = V{};
  size_t r = 0;
  for (; r + W <= n; r += W) {
    V v;
    std::memcpy(&v, p + r, sizeof v);
    vbad += v - v;
    if (clip) {
      // std::clamp(v, lo, hi): v < lo ? lo : (hi < v ? hi : v).
      v = v < vlo ? vlo : (vhi < v ? vhi : v);
      std::memcpy(p + r, &v, sizeof v);
    }
  }
  for (int j = 0; j < W; ++j) *bad += vbad[j];
  return r;
}

size_t units_default(double* p, size_t n, double lo, double hi, bool clip, double* bad) {
  return units_lanes<2>(p, n, lo, hi, clip, bad);
}

__attribute__((target("avx2"))) size_t units_avx2(double* p, size_t n, double lo, double hi,
                                                   bool clip, double* bad) {
  return units_lanes<4>(p, n, lo, hi, clip, bad);
}

// to_table_units over a row-major block: blocks of 64 rows, W columns at a time in lanes where
// none of the W is whole numbers (a group with one goes value by value, std::round first as
// original_units does). Returns the sum of v - v over the values (NaN when one was not finite).
template <int W>
__attribute__((always_inline)) inline double rows_units_lanes(const MutableNumberBlock& b,
                                                              const char* integer,
                                                              const double* lo, const double* hi,
                                                              bool clip) {
  using V = typename Lanes<W>::V;
  const size_t n = b.rows, d = b.cols;
  constexpr size_t kRows = 64;
  double bad = 0.0;
  V vbad = V{};
  for (size_t r0 = 0; r0 < n; r0 += kRows) {
    const size_t r1 = std::min(n, r0 + kRows);
    size_t c = 0;
    for (; c < d; c += W) {
      bool lanes = c + W <= d;
      for (size_t j = c; lanes && j < c + W; ++j) lanes = !integer[j];
      if (!lanes) {
        for (size_t r = r0; r < r1; ++r) {
          for (size_t j = c; j < std::min(d, c + W); ++j) {
            double& v = b(r, j);
            bad += v - v;
            v = original_units(v, integer[j] != 0, lo[j], hi[j], clip);
          }
        }
        continue;
      }
      V vlo, vhi;
      std::memcpy(&vlo, lo + c, sizeof vlo);
      std::memcpy(&vhi, hi + c, sizeof vhi);
      for (size_t r = r0; r < r1; ++r) {
        double* p = &b(r, c);
        V v;
        std::memcpy(&v, p, sizeof v);
        vbad += v - v;
        if (clip) {
          v = v < vlo ? vlo : (vhi < v ? vhi : v);  // std::clamp(v, lo, hi)
          std::memcpy(p, &v, sizeof v);
        }
      }
    }
  }
  for (int j = 0; j < W; ++j) bad += vbad[j];
  return bad;
}

double rows_units_default(const MutableNumberBlock& b, const char* integer, const double* lo,
                          const double* hi, bool clip) {
  return rows_units_lanes<2>(b, integer, lo, hi, clip);
}

__attribute__((target("avx2"))) double rows_units_avx2(const MutableNumberBlock& b,
                                                        const char* integer, const double* lo,
                                                        const double* hi, bool clip) {
  return rows_units_lanes<4>(b, integer, lo, hi, clip);
}

// n generated values of one column (p[0], p[step], ...) turned into table values in place
// (original_units, as ModelSpace::from_generator does). Returns the sum of v - v over the values
// as they came: NaN when one was not finite (check_finite's test).
double to_table_units(double* p, ptrdiff_t step, size_t n, bool integer, double lo, double hi,
                      bool clip) {
  double bad = 0.0;
  size_t r = 0;
  if (step == 1 && !integer) {
    r = cpu_has_avx2() ? units_avx2(p, n, lo, hi, clip, &bad)
                       : units_default(p, n, lo, hi, clip, &bad);
  }
  for (; r < n; ++r) {
    double& v = p[static_cast<ptrdiff_t>(r) * step];
    bad += v - v;
    v = original_units(v, integer, lo, hi, clip);
  }
  return bad;
}

// One column of x copied into X_res, with its bounds as TableEncoder::fit finds them
// (std::minmax_element: the first smallest, the last largest, which tells 0.0 from -0.0), the
// sum of v - v (NaN for a missing or infinite value) and of fraction_squared (0 when every value
// is whole). In lanes when both are contiguous (the sums only decide NaN and "is zero", which
// no order changes); the bounds they give are the same values, and only a bound of zero can
// differ in sign, so such a column's bounds are found again in order.
ColumnPass column_pass(const double* in, ptrdiff_t in_step, double* out, ptrdiff_t out_step,
                       size_t n) {
  double lo[4], hi[4], bad[4] = {0, 0, 0, 0}, fr[4] = {0, 0, 0, 0};
  for (int j = 0; j < 4; ++j) {
    lo[j] = std::numeric_limits<double>::infinity();
    hi[j] = -std::numeric_limits<double>::infinity();
  }
  size_t r = 0;
  if (in_step == 1 && out_step == 1) {
    r = cpu_has_avx2() ? contiguous_avx2(in, out, n, lo, hi, bad, fr)
                       : contiguous_default(in, out, n, lo, hi, bad, fr);
  }
  for (; r < n; ++r) {
    const double v = in[static_cast<ptrdiff_t>(r) * in_step];
    out[static_cast<ptrdiff_t>(r) * out_step] = v;
    lo[0] = v < lo[0] ? v : lo[0];
    hi[0] = v < hi[0] ? hi[0] : v;
    bad[0] += v - v;
    fr[0] += fraction_squared(v);
  }
  ColumnPass p{lo[0], hi[0], bad[0] + bad[1] + bad[2] + bad[3], fr[0] + fr[1] + fr[2] + fr[3]};
  for (int j = 1; j < 4; ++j) {
    p.lo = lo[j] < p.lo ? lo[j] : p.lo;
    p.hi = hi[j] < p.hi ? p.hi : hi[j];
  }
  if (p.lo == 0.0 || p.hi == 0.0) {
    p.lo = std::numeric_limits<double>::infinity();
    p.hi = -p.lo;
    for (size_t i = 0; i < n; ++i) {
      const double v = in[static_cast<ptrdiff_t>(i) * in_step];
      p.lo = v < p.lo ? v : p.lo;
      p.hi = v < p.hi ? p.hi : v;
    }
  }
  return p;
}

}  // namespace

NumberResample::NumberResample(const NumberBlock& x, const std::vector<std::string>& names,
                               const LabelCodes& labels, const std::string& target,
                               const std::string& source, const ResampleOptions& options)
    : x_(x), options_(options) {
  check_internal(names.size() == x.cols, "NumberResample: one name per column");
  schema_ = table_without_numbers(names, labels, target, source);
  if (x.rows != labels.codes.size()) {
    throw Error(ErrorKind::kInvalidArgument,
                "'" + source + "': the numbers have " + std::to_string(x.rows) +
                    " rows but there are " + std::to_string(labels.codes.size()) +
                    " class labels");
  }
  // rows_to_add reads the class counts (from y) and nothing of x.
  added_ = imbgen::rows_to_add(schema_, options_);
  for (const auto& [cls, n] : added_) total_ += n;
}

bool NumberResample::write(const MutableNumberBlock& x_res) const {
  const size_t n = x_.rows, d = x_.cols;
  check_internal(x_res.rows == n + total_ && x_res.cols == d,
                 "NumberResample::write: X_res has the wrong shape");
  // One pass over x: X_res's first rows, and per column what table_from_numbers and the encoder
  // learn: whole numbers, the bounds, and NaN (the sum of v - v) for a missing or infinite value.
  // Column by column over all rows when both are in Fortran order; row by row when both are
  // row-major; else in blocks of rows that stay in cache, merged in row order (a tie keeps the
  // first smallest and the last largest).
  std::vector<double> lo(d, std::numeric_limits<double>::infinity());
  std::vector<double> hi(d, -std::numeric_limits<double>::infinity());
  std::vector<double> bad(d, 0.0), fraction(d, 0.0);
  constexpr size_t kBlock = 64;
  const bool fortran = x_.row_stride == 1 && x_res.row_stride == 1;
  const bool row_major = x_.col_stride == 1 && x_res.col_stride == 1 && !fortran;
  if (row_major) rows_pass(x_, x_res, lo.data(), hi.data(), bad.data(), fraction.data());
  const size_t block = fortran ? std::max<size_t>(n, 1) : kBlock;
  for (size_t r0 = 0; r0 < (row_major ? 0 : n); r0 += block) {
    const size_t rows = std::min(n - r0, block);
    for (size_t c = 0; c < d; ++c) {
      const ColumnPass p = column_pass(
          x_.data + static_cast<ptrdiff_t>(c) * x_.col_stride +
              static_cast<ptrdiff_t>(r0) * x_.row_stride,
          x_.row_stride,
          &x_res(r0, c), x_res.row_stride, rows);
      lo[c] = p.lo < lo[c] ? p.lo : lo[c];
      hi[c] = p.hi < hi[c] ? hi[c] : p.hi;
      bad[c] += p.bad;
      fraction[c] += p.fraction;
    }
  }
  if (std::any_of(bad.begin(), bad.end(), [](double b) { return b != 0.0; })) {
    // A NaN is a missing value, which resample() encodes (not this path); an infinity is an
    // error, the one table_from_numbers gives.
    std::vector<std::string> names;
    for (const auto& col : schema_.columns) names.push_back(col.name);
    LabelCodes labels;
    labels.texts = schema_.classes;
    labels.codes.assign(schema_.y.begin(), schema_.y.end());
    table_from_numbers(x_, names, labels, schema_.target, schema_.source);
    return false;
  }

  // The rows the generator is fit on: those of the classes it models when that is all it reads,
  // else every row; in x's order, as rows of a Table like table_from_numbers'.
  const ModelOptions mo = resample_fit(schema_, options_, added_);
  Table fit_rows = schema_;
  for (size_t c = 0; c < d; ++c) {
    ColumnInfo& col = fit_rows.columns[c];
    col.integer = fraction[c] == 0.0;
    col.min = lo[c];
    col.max = hi[c];
  }
  std::vector<size_t> rows;
  if (make_generator(options_.generator, options_.config)->fits_own_rows_only()) {
    std::vector<char> modelled(schema_.classes.size(), 0);
    for (const auto& [cls, count] : added_) modelled[static_cast<size_t>(cls)] = 1;
    for (size_t r = 0; r < n; ++r)
      if (modelled[static_cast<size_t>(schema_.y[r])]) rows.push_back(r);
  } else {
    rows.resize(n);
    for (size_t r = 0; r < n; ++r) rows[r] = r;
  }
  fit_rows.x = Matrix(rows.size(), d);
  fit_rows.y.resize(rows.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    double* row = fit_rows.x.row(i);
    for (size_t c = 0; c < d; ++c) row[c] = x_res(rows[i], c);
    fit_rows.y[i] = schema_.y[rows[i]];
  }
  const FittedGenerator fitted = fit_generator(fit_rows, mo, ModelSpace());

  // Each class's rows after x's, written there by the generator, then checked and turned into
  // table values in place as check_finite and ModelSpace::from_generator do.
  const bool clip = EncoderConfig().clip_to_bounds;
  std::vector<char> integer(d);
  for (size_t c = 0; c < d; ++c) integer[c] = fit_rows.columns[c].integer;
  size_t at = n;
  for (const auto& [cls, count] : added_) {
    const MutableNumberBlock rows_of{&x_res(at, 0), count, d, x_res.row_stride, x_res.col_stride};
    sample_in_pieces(*fitted.generator, cls, count, class_sample_seed(options_.seed, cls), rows_of);
    double not_finite = 0.0;
    if (row_major) {
      not_finite = (cpu_has_avx2() ? rows_units_avx2 : rows_units_default)(
          rows_of, integer.data(), lo.data(), hi.data(), clip);
    }
    const size_t rows_per_pass = x_res.row_stride == 1 ? std::max<size_t>(count, 1) : kBlock;
    for (size_t r0 = 0; r0 < (row_major ? 0 : count); r0 += rows_per_pass) {
      const size_t r1 = std::min(count, r0 + rows_per_pass);
      for (size_t c = 0; c < d; ++c) {
        not_finite += to_table_units(&rows_of(r0, c), rows_of.row_stride, r1 - r0,
                                     fit_rows.columns[c].integer, lo[c], hi[c], clip);
      }
    }
    if (not_finite != 0.0) {
      throw Error(ErrorKind::kDiverged, "generator '" + options_.generator +
                                            "' produced a non-finite value (class '" +
                                            schema_.classes.at(static_cast<size_t>(cls)) + "')");
    }
    at += count;
  }
  return true;
}

}  // namespace imbgen
