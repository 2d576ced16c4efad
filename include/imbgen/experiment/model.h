// The public library API that every front end calls (the CLI, the Python package, the HTTP
// server): fit a generator on a table, sample rows in the table's own schema, resample a table
// (its rows plus synthetic ones), and save and load model files with their model card.
//
//   Table train = load_table("train.csv", {.target = "Class"});
//   Model model = Model::fit(train, {.generator = "ctgan", .seed = 7});
//   Table rows = model.sample("1", 1000, /*seed=*/11);   // 1000 rows of class "1"
//   model.save("fraud.imbgen");
//
// Seeds: one rule for every door. A fit with seed s trains the generator with s; resample(),
// `imbgen run` and `imbgen benchmark` then draw the rows of class c with class_sample_seed(s, c).
// Model::sample(label, n, seed) draws with `seed` itself, so `imbgen sample --seed S` and the
// server's {"seed": S} give the same rows. The same table, generator, options and seed give the
// same rows through the CLI, Python and the server, byte for byte on one build.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "imbgen/core/observer.h"
#include "imbgen/data/table.h"
#include "imbgen/experiment/sampling.h"
#include "imbgen/experiment/space.h"

namespace imbgen {

class Generator;

// What to fit.
struct ModelOptions {
  std::string generator = "smote";  // a registered generator name (generator_names())
  // The generator's options; missing keys take their defaults, unknown keys or bad values throw
  // Error(kInvalidArgument) naming them and the valid ones.
  nlohmann::json config = nlohmann::json::object();
  // Class labels to model; empty: every class but the majority (the most rows; ties: the first).
  std::vector<std::string> classes;
  uint64_t seed = 42;
  Observer* observer = nullptr;  // training progress (losses per step); may be null
};

// The seed of class `cls`'s rows when one seed drives a whole resampling.
uint64_t class_sample_seed(uint64_t seed, int cls);

// Synthetic rows in table values (see Table::x), class by class.
struct SyntheticRows {
  std::string strategy;  // the generator's name
  Matrix x;
  std::vector<int> y;  // class index per row
};

// A fitted generator with everything needed to turn its output into rows of the training
// table's schema, and its model card. Copies share the (immutable) fitted generator, so a Model
// can be sampled from several threads at once.
class Model {
 public:
  // Fits options.generator on every row of `table`: pass training rows only. The encoder
  // (imputation, scaling, one-hot) is fit on the same rows. Throws Error(kInvalidArgument) for
  // an unknown class label, a class too small for the method or bad options, Error(kNotFound)
  // for an unknown generator, Error(kDiverged) when training produces NaN.
  static Model fit(const Table& table, const ModelOptions& options);
  // The same with an encoder already fit on exactly these rows (run and benchmark share one per
  // split); `space` must come from ModelSpace::fit(table).
  static Model fit(const Table& table, const ModelOptions& options, const ModelSpace& space);

  // n rows of class `label` in the training table's schema (Table::x values: numbers in original
  // units, rounded where the column holds integers, within the training bounds; categories as
  // codes), with `label` as every row's class. Same model + seed: same bytes. Throws
  // Error(kInvalidArgument) for a label the model was not fit on (naming those it was).
  Table sample(const std::string& label, size_t n, uint64_t seed) const;
  // The same by class index, as table values; Error(kDiverged) when the generator produces a
  // non-finite value.
  Matrix sample_values(int cls, size_t n, uint64_t seed) const;
  // Piece `piece` of sample(label, n, seed) (see kSamplePiece in generators/generator.h): the
  // same rows as sample()'s rows [piece * kSamplePiece, ...), drawn on their own into x (its
  // storage reused where it can be), with their class index in y; for a caller that streams a
  // large sample piece by piece and never holds it whole.
  void sample_piece(const std::string& label, size_t n, uint64_t seed, size_t piece, Matrix& x,
                    std::vector<int>& y) const;
  // Rows for several classes at once (class index -> rows), class by class in index order, class
  // c drawn with class_sample_seed(seed, c): what resample(), run and benchmark add.
  SyntheticRows generate(const std::map<int, size_t>& rows_per_class, uint64_t seed) const;

  // Model files: the generator's file (magic, format version, name, config, state, CRC-32,
  // include/imbgen/generators/generator.h) with the schema and this card as its metadata.
  // save() writes atomically. load() throws Error(kNotFound) for a missing file and
  // Error(kInvalidArgument) for a corrupt, truncated or foreign one, naming the file.
  void save(const std::string& path) const;
  static Model load(const std::string& path);

  // The model card: {"imbgen_version", "generator", "config" (full, defaults included), "seed",
  // "created" (UTC, ISO 8601; SOURCE_DATE_EPOCH when set), "fit_seconds", "data": {"source",
  // "fingerprint" (table_fingerprint), "rows", "columns": [{"name", "kind", "integer",
  // "categories", "min", "max"}]}, "target", "classes": {label: training rows},
  // "fitted_classes": [labels], "fidelity": null or a summary (set_fidelity)}.
  const nlohmann::json& card() const { return card_; }
  // Adds the fidelity summary (e.g. evaluate_model()'s) to the card; saved with the model.
  void set_fidelity(nlohmann::json summary) { card_["fidelity"] = std::move(summary); }

  const std::string& generator_name() const;
  const Generator& generator() const { return *generator_; }
  const ModelSpace& space() const { return space_; }
  // The training table's columns, target and class labels, without rows.
  const Table& schema() const { return schema_; }
  // Labels of the classes the model can sample, in fit order; and their class indices.
  std::vector<std::string> fitted_classes() const;
  const std::vector<int>& fitted_class_indices() const { return fitted_; }
  // The class index of a fitted label; Error(kInvalidArgument) otherwise.
  int fitted_class_index(const std::string& label) const;

 private:
  // One draw of n rows of class cls with `seed`, checked and in table values, into `out`.
  void draw(int cls, size_t n, uint64_t seed, Matrix& out) const;

  std::shared_ptr<const Generator> generator_;
  ModelSpace space_;
  Table schema_;
  std::vector<int> fitted_;
  nlohmann::json card_;
};

// The text of a sample, streamed: for each (class label, rows) of `counts`, in that order, the
// rows sample(label, rows, seed) draws, as CSV (write_rows_csv's header and rows) or NDJSON, a
// chunk at a time (RowText). Each class's first piece (kSamplePiece rows) is drawn by the
// constructor, which so throws what sample() would (an unknown label, Error(kDiverged) for a
// model that makes non-finite values) before any text exists; the later pieces are drawn while
// the text is read, by RowText's threads, and a piece that fails then throws from next() after
// the text before it. Holds a few pieces and a few chunks of text whatever the sample's size.
// What `imbgen sample` writes and `imbgen serve` sends.
class SampleText {
 public:
  SampleText(const Model& model, const std::vector<std::pair<std::string, size_t>>& counts,
             uint64_t seed, bool ndjson);
  ~SampleText();
  SampleText(const SampleText&) = delete;
  SampleText& operator=(const SampleText&) = delete;
  // RowText's: the next chunk (empty at the end), and whether there is no more.
  std::string_view next();
  bool done() const;
  size_t rows() const { return rows_; }

 private:
  Model model_;  // a copy, sharing the fitted generator: the text never outlives its model
  std::vector<Matrix> first_x_;  // each class's first piece
  std::vector<std::vector<int>> first_y_;
  std::unique_ptr<RowText> text_;  // after the rows it reads: destroyed (threads stopped) first
  size_t rows_ = 0;
};

// What resample() adds.
struct ResampleOptions {
  std::string generator = "smote";
  nlohmann::json config = nlohmann::json::object();
  // Rows to add per class: imbalanced-learn's rules (include/imbgen/experiment/sampling.h).
  SamplingStrategy sampling;  // default: auto, every class up to the majority's count
  uint64_t seed = 42;
  Observer* observer = nullptr;
  // false: Resampled::table holds the synthetic rows only (original_rows 0), for a caller that
  // keeps the input rows itself and need not copy them (the Python package).
  bool keep_original = true;
};

struct Resampled {
  Table table;                 // the input rows first, unchanged, then the synthetic rows
  size_t original_rows = 0;    // how many of table's rows are the input's
  std::map<int, size_t> added;  // class index -> rows added
  Model model;                 // the generator fit on the classes that got rows
};

// The table with synthetic rows added: the generator is fit (seed options.seed) on every row of
// `table` for the classes the sampling strategy raises, and class c gets its rows with
// class_sample_seed(options.seed, c). Pass training rows only. Throws as Model::fit and
// rows_to_generate; Error(kInvalidArgument) when no class needs rows.
Resampled resample(const Table& table, const ResampleOptions& options);

// resample() for numbers held by the caller (the Python package's numpy arrays and numeric
// DataFrames), for speed:
//
//   NumberResample job(x, names, labels, target, source, options);  // classes and counts only
//   X_res = (x.rows + job.rows_to_add()) x x.cols, allocated by the caller
//   if (!job.write(X_res)) { a value is missing: resample(table_from_numbers(...), options) }
//
// write() copies x into X_res's first rows and writes after them the rows resample() adds to
// table_from_numbers(x, ...), the same bytes in the same order, reading x in place once. Skipped:
// the Table, the encoder (its imputation and scaling are unused in original units), the Model and
// its card (the data fingerprint), intermediate copies; a generator that fits_own_rows_only() is
// given the rows of the classes it models alone. Errors are those of table_from_numbers and
// resample(), from the constructor (names, labels, sampling strategy) or write() (an infinite
// value, the generator's).
class NumberResample {
 public:
  NumberResample(const NumberBlock& x, const std::vector<std::string>& names,
                 const LabelCodes& labels, const std::string& target, const std::string& source,
                 const ResampleOptions& options);

  size_t rows_to_add() const { return total_; }
  const std::vector<std::string>& classes() const { return schema_.classes; }
  // Rows added per class index, in the order write() writes them.
  const std::map<int, size_t>& added() const { return added_; }
  // False (X_res's first rows written, the rest not) when x holds a NaN.
  bool write(const MutableNumberBlock& x_res) const;

 private:
  NumberBlock x_;
  ResampleOptions options_;
  Table schema_;  // names, classes, target, source; y; no rows in x
  std::map<int, size_t> added_;
  size_t total_ = 0;
};

}  // namespace imbgen
