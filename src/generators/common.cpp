// The plumbing shared by all generator families (common.h).
#include "common.h"

#include <algorithm>
#include <cmath>
#include <set>

#include "imbgen/core/error.h"

namespace imbgen {

void check_fit_inputs(const std::string& generator, const Matrix& x, const std::vector<int>& y,
                      const FitOptions& options) {
  const std::string where = generator + ": fit: ";
  if (x.rows != y.size()) {
    throw Error(ErrorKind::kInvalidArgument, where + "x has " + std::to_string(x.rows) +
                                                 " rows but y has " + std::to_string(y.size()) +
                                                 " labels; they must match");
  }
  if (x.cols == 0) throw Error(ErrorKind::kInvalidArgument, where + "x has no columns");
  if (x.data.size() != x.rows * x.cols) {
    throw Error(ErrorKind::kInvalidArgument,
                where + "x holds " + std::to_string(x.data.size()) +
                    " values, expected rows * cols = " + std::to_string(x.rows * x.cols));
  }
  if (options.classes.empty()) {
    throw Error(ErrorKind::kInvalidArgument,
                where + "FitOptions.classes is empty; list the classes to model");
  }
  std::set<int> seen;
  for (int c : options.classes) {
    if (!seen.insert(c).second) {
      throw Error(ErrorKind::kInvalidArgument,
                  where + "class " + std::to_string(c) + " is listed twice in FitOptions.classes");
    }
  }
  if (options.threads < 1) {
    throw Error(ErrorKind::kInvalidArgument,
                where + "FitOptions.threads must be >= 1, got " + std::to_string(options.threads));
  }
  for (size_t i = 0; i < x.data.size(); ++i) {
    if (!std::isfinite(x.data[i])) {
      throw Error(ErrorKind::kInvalidArgument,
                  where + "row " + std::to_string(i / x.cols) + ", column " +
                      std::to_string(i % x.cols) + ": value is " + std::to_string(x.data[i]) +
                      "; generators need finite features (impute or drop missing values first)");
    }
  }
}

Matrix class_rows(const std::string& generator, const Matrix& x, const std::vector<int>& y, int cls,
                  size_t minimum, const std::string& hint) {
  std::vector<size_t> idx;
  for (size_t i = 0; i < y.size(); ++i) {
    if (y[i] == cls) idx.push_back(i);
  }
  if (idx.size() < minimum) {
    std::string msg = generator + ": class " + std::to_string(cls) + " has " +
                      std::to_string(idx.size()) + " training row" + (idx.size() == 1 ? "" : "s") +
                      "; " + generator + " needs at least " + std::to_string(minimum);
    if (!hint.empty()) msg += " (" + hint + ")";
    throw Error(ErrorKind::kInvalidArgument, msg);
  }
  return x.select_rows(idx);
}

Error unfit_class_error(const std::string& generator, int cls, const std::vector<int>& fitted) {
  std::string list;
  for (int c : fitted) list += (list.empty() ? "" : ", ") + std::to_string(c);
  return Error(ErrorKind::kInvalidArgument,
               generator + ": sample: class " + std::to_string(cls) +
                   " was not fit (fit classes: " + (list.empty() ? "none; call fit first" : list) +
                   ")");
}

void begin_fit(const std::string& generator, const Matrix& x, const std::vector<int>& y,
               const FitOptions& options, size_t min_rows, const std::string& hint, bool spans) {
  check_fit_inputs(generator, x, y, options);
  if (spans) check_spans(generator, options.spans, x.cols);
  for (int c : options.classes) class_rows(generator, x, y, c, min_rows, hint);
}

Observer& observer_of(const FitOptions& options) {
  static NullObserver none;  // stateless
  return options.observer ? *options.observer : none;
}

ClassPositions rows_of_classes(const std::vector<int>& y, const std::vector<int>& classes) {
  ClassPositions out;
  for (size_t i = 0; i < y.size(); ++i) {
    auto it = std::find(classes.begin(), classes.end(), y[i]);
    if (it == classes.end()) continue;
    out.rows.push_back(i);
    out.position.push_back(static_cast<int>(it - classes.begin()));
  }
  return out;
}

std::vector<size_t> rows_of_class(const std::vector<int>& y, int cls) {
  std::vector<size_t> out;
  for (size_t i = 0; i < y.size(); ++i) {
    if (y[i] == cls) out.push_back(i);
  }
  return out;
}

namespace {

// The first problem with `spans` as a layout of `cols` columns, or "" when they tile them.
std::string span_problem(const std::vector<EncodedSpan>& spans, size_t cols) {
  size_t next = 0;
  for (size_t i = 0; i < spans.size(); ++i) {
    const EncodedSpan& s = spans[i];
    const std::string at =
        "span " + std::to_string(i) + " (table column " + std::to_string(s.column) + ")";
    if (s.start != next) {
      return at + " starts at model column " + std::to_string(s.start) + ", expected " +
             std::to_string(next);
    }
    if (s.width == 0 || (s.kind != SpanKind::kOneHot && s.width != 1)) {
      return at + " has width " + std::to_string(s.width) +
             (s.kind == SpanKind::kOneHot ? ", expected at least 1" : ", expected 1");
    }
    next += s.width;
  }
  if (next != cols) {
    return "they cover " + std::to_string(next) + " columns but x has " + std::to_string(cols);
  }
  return "";
}

}  // namespace

void check_spans(const std::string& generator, const std::vector<EncodedSpan>& spans, size_t cols) {
  if (spans.empty()) return;
  const std::string problem = span_problem(spans, cols);
  if (!problem.empty()) {
    throw Error(ErrorKind::kInvalidArgument,
                generator + ": fit: FitOptions.spans do not describe the columns of x: " + problem +
                    " (pass TableEncoder::spans() of the encoder that made x)");
  }
}

void write_spans(BinaryWriter& w, const std::vector<EncodedSpan>& spans) {
  w.u64(spans.size());
  for (const EncodedSpan& s : spans) {
    w.u8(static_cast<uint8_t>(s.kind));
    w.u64(s.column);
    w.u64(s.start);
    w.u64(s.width);
  }
}

std::vector<EncodedSpan> read_spans(BinaryReader& r, size_t cols) {
  const uint64_t n = r.length("span count", 25);
  std::vector<EncodedSpan> spans(n);
  for (EncodedSpan& s : spans) {
    const uint8_t kind = r.u8("span kind");
    if (kind > static_cast<uint8_t>(SpanKind::kOneHot)) {
      throw Error(ErrorKind::kInvalidArgument,
                  "corrupt: span kind " + std::to_string(kind) + ", expected 0, 1 or 2");
    }
    s.kind = static_cast<SpanKind>(kind);
    s.column = r.u64("span column");
    s.start = r.u64("span start");
    s.width = r.u64("span width");
  }
  const std::string problem = span_problem(spans, cols);
  if (!spans.empty() && !problem.empty()) {
    throw Error(ErrorKind::kInvalidArgument, "corrupt: spans: " + problem);
  }
  return spans;
}

void write_class_list(BinaryWriter& w, const std::vector<int>& classes) {
  w.u64(classes.size());
  for (int c : classes) w.i64(c);
}

std::vector<int> read_class_list(BinaryReader& r) {
  const uint64_t n = r.length("the class count", 8);
  std::vector<int> classes;
  for (uint64_t i = 0; i < n; ++i) {
    const int c = static_cast<int>(r.i64("a class"));
    if (std::find(classes.begin(), classes.end(), c) != classes.end()) {
      throw Error(ErrorKind::kInvalidArgument,
                  "corrupt: class " + std::to_string(c) + " is listed twice");
    }
    classes.push_back(c);
  }
  return classes;
}

size_t class_position(const std::vector<int>& classes, const std::string& generator, int cls) {
  auto it = std::find(classes.begin(), classes.end(), cls);
  if (it == classes.end()) throw unfit_class_error(generator, cls, classes);
  return static_cast<size_t>(it - classes.begin());
}

void write_json(BinaryWriter& w, const nlohmann::json& j) { w.string(j.dump()); }

nlohmann::json read_json(BinaryReader& r, const std::string& what) {
  const std::string text = r.string(what);
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw Error(ErrorKind::kInvalidArgument,
                "corrupt: " + what + " is not valid JSON (" + e.what() + ")");
  }
}

uint64_t read_column_count(BinaryReader& r) {
  const uint64_t d = r.u64("the feature count");
  if (d == 0 || d > r.remaining() / 4) {
    throw Error(ErrorKind::kInvalidArgument, "corrupt: feature count " + std::to_string(d));
  }
  return d;
}

void write_scaler(BinaryWriter& w, const StandardScaler& scaler) {
  w.u64(scaler.mean().size());
  write_json(w, scaler.to_json());
}

StandardScaler read_scaler(BinaryReader& r) {
  const uint64_t cols = read_column_count(r);
  const nlohmann::json j = read_json(r, "the scaler");
  StandardScaler scaler;
  try {
    scaler = StandardScaler::from_json(j);
  } catch (const nlohmann::json::exception& e) {
    throw Error(ErrorKind::kInvalidArgument,
                std::string("corrupt: the scaler is not valid (") + e.what() + ")");
  }
  if (scaler.mean().size() != cols || scaler.scale().size() != cols) {
    throw Error(ErrorKind::kInvalidArgument, "corrupt: the scaler has " +
                                                 std::to_string(scaler.mean().size()) +
                                                 " columns, expected " + std::to_string(cols));
  }
  return scaler;
}

void round_spans(Matrix& x, const std::vector<EncodedSpan>& spans) {
  for (const EncodedSpan& s : spans) {
    if (s.kind == SpanKind::kNumeric) continue;
    for (size_t i = 0; i < x.rows; ++i) {
      double* v = x.row(i) + s.start;
      if (s.kind == SpanKind::kMissingIndicator) {
        v[0] = v[0] > 0.5 ? 1.0 : 0.0;
        continue;
      }
      size_t best = 0;
      for (size_t k = 1; k < s.width; ++k) {
        if (v[k] > v[best]) best = k;
      }
      for (size_t k = 0; k < s.width; ++k) v[k] = k == best ? 1.0 : 0.0;
    }
  }
}

}  // namespace imbgen
