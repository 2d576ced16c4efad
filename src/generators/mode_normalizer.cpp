// Mode-specific normalisation of ctgan and tvae (mode_normalizer.h).
#include "mode_normalizer.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>

#include "imbgen/core/error.h"

namespace imbgen {
namespace {

constexpr double kEncodeClip = 0.99;  // |alpha| of an encoded value, see the header
constexpr double kDecodeClip = 1.0;

// Index of the largest of p[0..n) (ties: the first).
size_t argmax(const double* p, size_t n) {
  size_t best = 0;
  for (size_t k = 1; k < n; ++k) {
    if (p[k] > p[best]) best = k;
  }
  return best;
}

// The columns of a span layout, without their fitted parts.
std::vector<ModeColumn> plan(const std::vector<EncodedSpan>& spans, size_t cols) {
  std::vector<ModeColumn> out;
  if (spans.empty()) {
    for (size_t j = 0; j < cols; ++j) {
      ModeColumn c;
      c.start = j;
      out.push_back(c);
    }
    return out;
  }
  for (const EncodedSpan& s : spans) {
    ModeColumn c;
    c.start = s.start;
    c.width = s.width;
    c.kind = s.kind == SpanKind::kNumeric            ? ModeKind::kNumeric
             : s.kind == SpanKind::kMissingIndicator ? ModeKind::kIndicator
                                                     : ModeKind::kOneHot;
    out.push_back(c);
  }
  return out;
}

[[noreturn]] void corrupt(const std::string& what) {
  throw Error(ErrorKind::kInvalidArgument, "corrupt: " + what);
}

}  // namespace

size_t category_of(const ModeColumn& c, const double* row) {
  if (c.kind == ModeKind::kIndicator) return row[c.start] > 0.5 ? 1 : 0;
  return argmax(row + c.start, c.width);
}

ModeNormalizer ModeNormalizer::fit(const Matrix& rows, const std::vector<EncodedSpan>& spans,
                                   const VgmOptions& options, uint64_t seed) {
  std::vector<ModeColumn> columns = plan(spans, rows.cols);
  for (size_t j = 0; j < columns.size(); ++j) {
    ModeColumn& c = columns[j];
    if (c.kind != ModeKind::kNumeric) continue;
    std::vector<double> v(rows.rows);
    for (size_t i = 0; i < rows.rows; ++i) v[i] = rows(i, c.start);
    if (std::all_of(v.begin(), v.end(), [&](double a) { return a == v[0]; })) {
      c.kind = ModeKind::kConstant;
      c.constant = v[0];
    } else {
      c.vgm = fit_vgm(v, options, mix_seed(seed, 1000 + j));
    }
  }
  return from_columns(std::move(columns), rows.cols);
}

ModeNormalizer ModeNormalizer::from_columns(std::vector<ModeColumn> columns, size_t cols) {
  ModeNormalizer n;
  size_t next = 0;
  for (ModeColumn& c : columns) {
    const bool numeric = c.kind == ModeKind::kNumeric;
    const size_t modes = c.vgm.modes();
    if (c.start != next || c.width == 0 || (c.kind != ModeKind::kOneHot && c.width != 1) ||
        c.vgm.weights.size() != modes || c.vgm.stds.size() != modes || numeric != (modes > 0)) {
      corrupt("column " + std::to_string(&c - columns.data()) + " does not fit the layout");
    }
    for (double s : c.vgm.stds) {
      if (!(s > 0.0) || !std::isfinite(s)) corrupt("a mode deviation is not positive");
    }
    next += c.width;
    c.out_start = n.width_;
    c.out_width = numeric ? 1 + modes : c.kind == ModeKind::kConstant ? 0 : c.categories();
    n.width_ += c.out_width;
  }
  if (next != cols) {
    corrupt("the columns cover " + std::to_string(next) + " of " + std::to_string(cols));
  }
  n.columns_ = std::move(columns);
  n.cols_ = cols;
  return n;
}

Matrix ModeNormalizer::encode(const Matrix& x, Rng& rng) const {
  Matrix out(x.rows, width_, 0.0);
  for (size_t i = 0; i < x.rows; ++i) {
    double* o = out.row(i);
    for (const ModeColumn& c : columns_) {
      const double* v = x.row(i) + c.start;
      switch (c.kind) {
        case ModeKind::kNumeric: {
          const std::vector<double> p = c.vgm.posterior(v[0]);
          const double u = rng.uniform();
          size_t k = 0;
          double cumulative = p[0];
          while (k + 1 < p.size() && u >= cumulative) cumulative += p[++k];
          o[c.out_start] = std::clamp((v[0] - c.vgm.means[k]) / (4.0 * c.vgm.stds[k]), -kEncodeClip,
                                      kEncodeClip);
          o[c.out_start + 1 + k] = 1.0;
          break;
        }
        case ModeKind::kConstant:
          break;
        case ModeKind::kOneHot:
        case ModeKind::kIndicator:
          o[c.out_start + category_of(c, x.row(i))] = 1.0;
          break;
      }
    }
  }
  return out;
}

Matrix ModeNormalizer::decode(const Matrix& e) const {
  Matrix out(e.rows, cols_, 0.0);
  for (size_t i = 0; i < e.rows; ++i) {
    const double* r = e.row(i);
    double* o = out.row(i);
    for (const ModeColumn& c : columns_) {
      switch (c.kind) {
        case ModeKind::kNumeric: {
          const size_t k = argmax(r + c.out_start + 1, c.vgm.modes());
          const double alpha = std::clamp(r[c.out_start], -kDecodeClip, kDecodeClip);
          o[c.start] = alpha * 4.0 * c.vgm.stds[k] + c.vgm.means[k];
          break;
        }
        case ModeKind::kConstant:
          o[c.start] = c.constant;
          break;
        case ModeKind::kOneHot:
          o[c.start + argmax(r + c.out_start, c.width)] = 1.0;
          break;
        case ModeKind::kIndicator:
          o[c.start] = static_cast<double>(argmax(r + c.out_start, 2));
          break;
      }
    }
  }
  return out;
}

std::vector<int> ModeNormalizer::modes() const {
  std::vector<int> out;
  for (const ModeColumn& c : columns_) {
    if (c.kind == ModeKind::kNumeric || c.kind == ModeKind::kConstant) {
      out.push_back(static_cast<int>(c.vgm.modes()));
    }
  }
  return out;
}

void ModeNormalizer::save(BinaryWriter& w) const {
  w.u64(columns_.size());
  for (const ModeColumn& c : columns_) {
    w.u8(static_cast<uint8_t>(c.kind));
    w.u64(c.start);
    w.u64(c.width);
    if (c.kind == ModeKind::kNumeric) {
      w.f64_vector(c.vgm.weights);
      w.f64_vector(c.vgm.means);
      w.f64_vector(c.vgm.stds);
    } else if (c.kind == ModeKind::kConstant) {
      w.f64(c.constant);
    }
  }
}

ModeNormalizer ModeNormalizer::load(BinaryReader& r, const std::vector<EncodedSpan>& spans,
                                    size_t cols) {
  std::vector<ModeColumn> columns = plan(spans, cols);
  const uint64_t count = r.u64("the column count");
  if (count != columns.size()) corrupt("column count " + std::to_string(count));
  for (ModeColumn& c : columns) {
    const uint8_t kind = r.u8("a column kind");
    const uint64_t start = r.u64("a column start");
    const uint64_t width = r.u64("a column width");
    if (kind > static_cast<uint8_t>(ModeKind::kIndicator) || start != c.start || width != c.width) {
      corrupt("a column does not match the spans");
    }
    const auto k = static_cast<ModeKind>(kind);
    const bool numeric = k == ModeKind::kNumeric || k == ModeKind::kConstant;
    if (numeric != (c.kind == ModeKind::kNumeric) || (!numeric && k != c.kind)) {
      corrupt("a column's kind does not match the spans");
    }
    c.kind = k;
    if (k == ModeKind::kNumeric) {
      c.vgm.weights = r.f64_vector("mode weights");
      c.vgm.means = r.f64_vector("mode means");
      c.vgm.stds = r.f64_vector("mode deviations");
      if (c.vgm.weights.empty()) corrupt("a numeric column without modes");
    } else if (k == ModeKind::kConstant) {
      c.constant = r.f64("a constant");
    }
  }
  ModeNormalizer n = from_columns(std::move(columns), cols);
  if (n.width() == 0) corrupt("no modelled column");
  return n;
}

}  // namespace imbgen
