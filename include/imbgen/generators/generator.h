// The Generator interface: learns the rows of one or more classes from training rows and samples
// new rows in original units. Implementations are chosen by name from the registry.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "imbgen/core/observer.h"
#include "imbgen/data/encoder.h"
#include "imbgen/data/matrix.h"

namespace imbgen {

struct FitOptions {
  // Classes to model. A non-conditional model trains one model per class listed here.
  std::vector<int> classes;
  uint64_t seed = 42;
  // Threads this fit may use: the SMOTE family's neighbour searches, and the deep generators'
  // LibTorch intra-op work on the calling thread (set for the fit and restored after; other
  // threads, and OpenBLAS's process-wide count that a program sets once at start-up, are left
  // alone).
  int threads = 1;
  Observer* observer = nullptr;  // training progress (losses per step); may be null
  // Layout of the columns of x: numeric columns, 0/1 missing indicators and one-hot blocks of
  // categorical columns (see data/encoder.h). Empty: every column is numeric, in original units.
  // Models that treat categorical columns specially (SMOTE-NC, CTGAN, TVAE, multinomial
  // diffusion) read it; the others may ignore it. A model that needs it after loading stores it
  // in its state.
  std::vector<EncodedSpan> spans;
};

class Generator {
 public:
  virtual ~Generator() = default;

  virtual std::string name() const = 0;
  // The full configuration, defaults included; make_generator(name(), config()) rebuilds it.
  virtual nlohmann::json config() const = 0;
  // True when one model covers every class and sample(c, n) draws class c directly.
  virtual bool conditional() const { return false; }

  // Fewest training rows of a class that fit() accepts with this configuration (SMOTE:
  // k_neighbors + 1): a caller can check its classes against it before any training.
  virtual size_t min_class_rows() const { return 1; }

  // x: training rows in original units [n, d]; y: class index per row (same length).
  // Only the rows of the training split may be passed here. Throws Error(kInvalidArgument) when a
  // class in options.classes has fewer than min_class_rows() rows (the message names the class,
  // its count and the minimum), Error(kDiverged) when training produces NaN (names the step).
  virtual void fit(const Matrix& x, const std::vector<int>& y, const FitOptions& options) = 0;
  // True when fit() reads nothing but the rows of options.classes (each class's model from its
  // own rows): a caller may pass those rows alone, in their order, and gets the same model.
  virtual bool fits_own_rows_only() const { return false; }

  // n new rows of class `cls` in original units [n, d]. Same fitted model + seed -> same bytes.
  // Throws Error(kInvalidArgument) for a class the model was not fit on.
  virtual Matrix sample(int cls, size_t n, uint64_t seed) const = 0;
  // sample(cls, n, seed)'s rows written into `out` (n rows of the model's columns, any strides)
  // instead of a new Matrix: the same numbers in the same places. The default copies sample()'s
  // Matrix; a generator that makes its rows one at a time writes them in place.
  virtual void sample_into(int cls, size_t n, uint64_t seed, const MutableNumberBlock& out) const;

  // The fitted state (not the config) in the generator's own binary format. save_generator()
  // wraps this with the file magic, version, name and config.
  virtual void save_state(std::ostream& out) const = 0;
  virtual void load_state(std::istream& in) = 0;

  // Recorded training curves (e.g. per-step losses) for the report; empty when not trained.
  virtual nlohmann::json history() const { return nlohmann::json::object(); }
};

// Pieces: a sample of n rows is drawn in pieces of kSamplePiece rows, each an independent draw.
// Piece k holds rows [k * kSamplePiece, min(n, (k + 1) * kSamplePiece)) and is drawn as
// sample(cls, rows, sample_piece_seed(seed, k)); piece 0's seed is `seed` itself, so a sample of
// up to kSamplePiece rows is the single draw sample(cls, n, seed). The pieces can be drawn in any
// order, on any thread, and streamed without holding every row at once (the server does); every
// caller draws by this rule, so `imbgen sample`, the server, resample() and the Python package
// give the same rows. (imbgen 0.2 and earlier drew a sample of any size as one draw: from 0.3 on a
// sample of more than kSamplePiece rows differs from theirs from row kSamplePiece on.)
inline constexpr size_t kSamplePiece = size_t{1} << 16;
uint64_t sample_piece_seed(uint64_t seed, size_t piece);
inline size_t sample_piece_count(size_t n) { return (n + kSamplePiece - 1) / kSamplePiece; }
// Rows in piece `piece` of a sample of n rows.
inline size_t sample_piece_rows(size_t n, size_t piece) {
  return std::min(kSamplePiece, n - std::min(n, piece * kSamplePiece));
}
// The n rows of class `cls` by that rule, written into `out` (n rows of the model's columns,
// any strides).
void sample_in_pieces(const Generator& generator, int cls, size_t n, uint64_t seed,
                      const MutableNumberBlock& out);

// Registry. `config` may be partial: missing keys take their defaults; unknown keys or invalid
// values throw Error(kInvalidArgument) listing every problem. An unknown name throws
// Error(kNotFound) listing the valid names.
std::unique_ptr<Generator> make_generator(const std::string& name,
                                          const nlohmann::json& config = nlohmann::json::object());
std::vector<std::string> generator_names();

// A JSON Schema (draft 2020-12 keywords) of the options `make_generator(name, options)` takes:
// {"title": name, "description": ..., "type": "object", "properties": {key: {"type", "default",
// "description", and the valid range ("minimum", "maximum", "exclusiveMinimum",
// "exclusiveMaximum", "enum", "items", "maxItems", "anyOf")}}, "additionalProperties": false}.
// Defaults are the config struct's own. Throws Error(kNotFound) for an unknown name.
nlohmann::json generator_options_schema(const std::string& name);
// One line saying what the generator does. Throws Error(kNotFound) for an unknown name.
std::string generator_description(const std::string& name);
// Whether the generator trains a neural network (gan, wgan_gp, ctgan, vae, cvae, tvae, ddpm): its
// fit takes seconds to minutes where the SMOTE family's takes milliseconds. Throws
// Error(kNotFound) for an unknown name.
bool generator_trains_network(const std::string& name);

// Model files: magic string + format version + name + config + metadata + state + CRC-32.
// `metadata` is free-form JSON kept with the model (the CLI stores the column schema and class
// labels there). Loading a corrupt, truncated or foreign file throws Error with a clear message
// (never crashes); `metadata`, when not null, receives the stored metadata.
void save_generator(const Generator& generator, const std::string& path,
                    const nlohmann::json& metadata = nlohmann::json::object());
std::unique_ptr<Generator> load_generator(const std::string& path,
                                          nlohmann::json* metadata = nullptr);

}  // namespace imbgen
