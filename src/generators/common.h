// The plumbing every generator family shares: checks of fit() inputs, per-class row selection,
// the base class (name, config), the per-class model map and the class list with their model
// file framing, JSON and scalers in model files, and FitOptions::spans.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "binary_io.h"
#include "imbgen/core/error.h"
#include "imbgen/core/observer.h"
#include "imbgen/data/encoder.h"
#include "imbgen/data/matrix.h"
#include "imbgen/data/scaler.h"
#include "imbgen/generators/generator.h"

namespace imbgen {

// ---- fit() inputs ----

// Throws Error(kInvalidArgument) when x and y disagree in length, x has no columns or holds a
// non-finite value, options.classes is empty or lists a class twice, or options.threads < 1.
void check_fit_inputs(const std::string& generator, const Matrix& x, const std::vector<int>& y,
                      const FitOptions& options);

// The training rows of class `cls`, [n_c, d]; throws Error(kInvalidArgument) naming the class,
// its count and `minimum` when there are fewer than `minimum` rows (`hint` is appended).
Matrix class_rows(const std::string& generator, const Matrix& x, const std::vector<int>& y, int cls,
                  size_t minimum, const std::string& hint = "");

// What every fit() checks first: check_fit_inputs, then (check_spans) that options.spans tile
// x's columns, then that every class in options.classes has at least `min_rows` rows, so that a
// bad class fails before any training.
void begin_fit(const std::string& generator, const Matrix& x, const std::vector<int>& y,
               const FitOptions& options, size_t min_rows, const std::string& hint = "",
               bool check_spans = false);

// options.observer, or an observer that ignores everything.
Observer& observer_of(const FitOptions& options);

// The rows of y whose class is in `classes`, in their order in y, and each one's position in
// `classes` (the condition index of the conditional models).
struct ClassPositions {
  std::vector<size_t> rows;
  std::vector<int> position;
};
ClassPositions rows_of_classes(const std::vector<int>& y, const std::vector<int>& classes);

// Indices of the rows of class `cls` in y, ascending.
std::vector<size_t> rows_of_class(const std::vector<int>& y, int cls);

// Throws Error(kInvalidArgument) "<generator>: fit: FitOptions.spans ..." unless the spans tile
// the `cols` columns of x in order (each starts where the previous ends, width >= 1, one-hot
// blocks at least 1 wide, the last ends at cols). Empty spans are valid (all numeric).
void check_spans(const std::string& generator, const std::vector<EncodedSpan>& spans, size_t cols);

// Rounds the model columns of categorical spans to their exact form in place: each one-hot block
// becomes the one-hot of its largest value (ties: the first), each missing indicator 1 when it is
// above 0.5, else 0. Numeric columns are left alone. Empty spans: nothing to do.
void round_spans(Matrix& x, const std::vector<EncodedSpan>& spans);

// ---- the generator base ----

// name() and config() of a generator whose config type C names it (C::kName).
template <class C>
class GeneratorBase : public Generator {
 public:
  explicit GeneratorBase(const C& config) : config_(config) {}
  std::string name() const override { return C::kName; }
  nlohmann::json config() const override { return config_.to_json(); }

 protected:
  C config_;
};

// Error(kInvalidArgument) for sample() of a class the model was not fit on; lists the fit classes.
Error unfit_class_error(const std::string& generator, int cls, const std::vector<int>& fitted);

// ---- one model per class ----

// The keys of a per-class map, ascending.
template <class M>
std::vector<int> classes_of(const std::map<int, M>& models) {
  std::vector<int> out;
  out.reserve(models.size());
  for (const auto& entry : models) out.push_back(entry.first);
  return out;
}

// The model of class `cls`; unfit_class_error when there is none.
template <class M>
const M& model_of(const std::map<int, M>& models, const std::string& generator, int cls) {
  auto it = models.find(cls);
  if (it == models.end()) throw unfit_class_error(generator, cls, classes_of(models));
  return it->second;
}

// history() of a family with one model per class: {} before a fit, else
// {"classes": {"<c>": entry(model of c)}}.
template <class M, class Entry>
nlohmann::json per_class_history(const std::map<int, M>& models, Entry entry) {
  if (models.empty()) return nlohmann::json::object();
  nlohmann::json classes = nlohmann::json::object();
  for (const auto& [c, m] : models) classes[std::to_string(c)] = entry(m);
  return {{"classes", classes}};
}

// Model file framing: u64 class count, then per class i64 class + save(w, model).
template <class M, class Save>
void write_per_class(BinaryWriter& w, const std::map<int, M>& models, Save save) {
  w.u64(models.size());
  for (const auto& [c, m] : models) {
    w.i64(c);
    save(w, m);
  }
}

// Reads what write_per_class wrote; load(r, cls) reads one model. `min_bytes` is the fewest bytes
// a class takes (it bounds the count of a corrupt file); errors of a class's model are prefixed
// with "class <c>: ".
template <class M, class Load>
std::map<int, M> read_per_class(BinaryReader& r, size_t min_bytes, Load load) {
  const uint64_t n = r.length("the class count", min_bytes);
  std::map<int, M> models;
  for (uint64_t i = 0; i < n; ++i) {
    const int c = static_cast<int>(r.i64("a class"));
    try {
      models[c] = load(r, c);
    } catch (const Error& e) {
      throw Error(e.kind(), "class " + std::to_string(c) + ": " + e.what());
    }
  }
  return models;
}

// ---- one model for a list of classes ----

// u64 count + i64 per class.
void write_class_list(BinaryWriter& w, const std::vector<int>& classes);
// Reads what write_class_list wrote; a class listed twice is corrupt.
std::vector<int> read_class_list(BinaryReader& r);
// The position of `cls` in `classes`; unfit_class_error when it is not there.
size_t class_position(const std::vector<int>& classes, const std::string& generator, int cls);

// ---- model file parts ----

// A JSON value as a string (e.g. the training history).
void write_json(BinaryWriter& w, const nlohmann::json& j);
// Throws Error(kInvalidArgument) "corrupt: <what> is not valid JSON (...)".
nlohmann::json read_json(BinaryReader& r, const std::string& what);

// A column count that a corrupt file cannot blow up: at least 1, and each column costs at least
// 4 bytes of what is left.
uint64_t read_column_count(BinaryReader& r);

// A StandardScaler: u64 column count, then the scaler as JSON (read_column_count's bounds).
void write_scaler(BinaryWriter& w, const StandardScaler& scaler);
StandardScaler read_scaler(BinaryReader& r);

// Spans in a model file (kind, column, start, width); read_spans checks they tile `cols` columns.
void write_spans(BinaryWriter& w, const std::vector<EncodedSpan>& spans);
std::vector<EncodedSpan> read_spans(BinaryReader& r, size_t cols);

}  // namespace imbgen
