// The generator registry: a plain table of the generators' specs (registry.h). Adding a
// generator: its file defines `GeneratorSpec NAME_generator()`, and NAME goes on one line below.
#include "registry.h"

#include "imbgen/core/error.h"
#include "imbgen/core/rng.h"

#define IMBGEN_GENERATORS(X) \
  X(random)                  \
  X(smote)                   \
  X(smote_nc)                \
  X(borderline_smote)        \
  X(adasyn)                  \
  X(svm_smote)               \
  X(kmeans_smote)            \
  X(gaussian_copula)         \
  X(gan)                     \
  X(wgan_gp)                 \
  X(ctgan)                   \
  X(vae)                     \
  X(cvae)                    \
  X(tvae)                    \
  X(ddpm)

namespace imbgen {

#define IMBGEN_DECLARE_SPEC(name) GeneratorSpec name##_generator();
IMBGEN_GENERATORS(IMBGEN_DECLARE_SPEC)
#undef IMBGEN_DECLARE_SPEC

void Generator::sample_into(int cls, size_t n, uint64_t seed,
                            const MutableNumberBlock& out) const {
  const Matrix rows = sample(cls, n, seed);
  check_internal(rows.rows == n && out.rows == n && out.cols == rows.cols,
                 name() + ": sample_into: the block is not n rows of the model's columns");
  for (size_t r = 0; r < n; ++r)
    for (size_t c = 0; c < rows.cols; ++c) out(r, c) = rows(r, c);
}

uint64_t sample_piece_seed(uint64_t seed, size_t piece) {
  // A stream number of its own: piece k's seed is not the seed of another use of mix_seed.
  constexpr uint64_t kPieceStream = 0x70696563652d7365ULL;  // "piece-se"
  return piece == 0 ? seed : mix_seed(mix_seed(seed, kPieceStream), piece);
}

void sample_in_pieces(const Generator& generator, int cls, size_t n, uint64_t seed,
                      const MutableNumberBlock& out) {
  check_internal(out.rows == n, "sample_in_pieces: the block does not have n rows");
  for (size_t k = 0, pieces = sample_piece_count(n); k < pieces; ++k) {
    const size_t first = k * kSamplePiece, rows = sample_piece_rows(n, k);
    const MutableNumberBlock piece{out.data + static_cast<ptrdiff_t>(first) * out.row_stride,
                                   rows, out.cols, out.row_stride, out.col_stride};
    generator.sample_into(cls, rows, sample_piece_seed(seed, k), piece);
  }
}

const std::vector<GeneratorSpec>& generator_specs() {
#define IMBGEN_SPEC(name) name##_generator(),
  static const std::vector<GeneratorSpec> specs = {IMBGEN_GENERATORS(IMBGEN_SPEC)};
#undef IMBGEN_SPEC
  return specs;
}

const GeneratorSpec& find_spec(const std::string& name) {
  for (const GeneratorSpec& s : generator_specs()) {
    if (s.name == name) return s;
  }
  std::string valid;
  for (const GeneratorSpec& s : generator_specs()) valid += (valid.empty() ? "" : ", ") + s.name;
  throw Error(ErrorKind::kNotFound,
              "unknown generator '" + name + "' (valid generators: " + valid + ")");
}

std::unique_ptr<Generator> make_generator(const std::string& name, const nlohmann::json& config) {
  return find_spec(name).make(config);
}

std::vector<std::string> generator_names() {
  std::vector<std::string> names;
  for (const GeneratorSpec& s : generator_specs()) names.push_back(s.name);
  return names;
}

nlohmann::json generator_options_schema(const std::string& name) {
  const GeneratorSpec& s = find_spec(name);
  nlohmann::json schema = s.schema();
  schema["title"] = s.name;
  schema["description"] = s.description;
  return schema;
}

std::string generator_description(const std::string& name) { return find_spec(name).description; }

bool generator_trains_network(const std::string& name) { return find_spec(name).trains_network; }

}  // namespace imbgen
