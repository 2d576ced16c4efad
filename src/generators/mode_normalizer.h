// Mode-specific normalisation (Xu, Skoularidou, Cuesta-Infante & Veeramachaneni 2019, "Modeling
// Tabular Data using Conditional GAN", Section 4.2), the data representation of ctgan and tvae.
// A numeric column gets a variational Gaussian mixture (vgm.h); a value x becomes
// alpha = (x - mu_k) / (4 sd_k) and the one-hot of its mode k, drawn from the mixture's posterior.
// alpha is clipped to [-0.99, 0.99], as the reference implementation (the DataTransformer that
// CTGAN and TVAE share, and SDV's ClusterBasedNormalizer after it) does: both models produce
// alpha through tanh, whose values never reach +-1, so a target of exactly +-1 (every value more
// than 4 sd from its mode) would pull the pre-activation towards infinity. Decoding clips alpha
// to [-1, 1]. A one-hot span stays a one-hot block, a missing indicator becomes a block of two,
// and a numeric column with a single value in the rows is not modelled (it comes back as that
// value). Torch-free.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "binary_io.h"
#include "imbgen/core/rng.h"
#include "imbgen/data/encoder.h"
#include "imbgen/data/matrix.h"
#include "vgm.h"

namespace imbgen {

// The values are those of the model files (ctgan and tvae states).
enum class ModeKind : uint8_t { kNumeric = 0, kConstant = 1, kOneHot = 2, kIndicator = 3 };

// One column (or one-hot span) of the given rows and its place in the encoded rows.
struct ModeColumn {
  ModeKind kind = ModeKind::kNumeric;
  size_t start = 0;      // first given column
  size_t width = 1;      // given columns (one-hot: the categories)
  Vgm vgm;               // kNumeric
  double constant = 0;   // kConstant
  size_t out_start = 0;  // first encoded column
  size_t out_width = 0;  // numeric: 1 (alpha) + modes; one-hot: width; indicator: 2; constant: 0

  size_t categories() const { return kind == ModeKind::kIndicator ? 2 : width; }
};

// The category of a given row in a one-hot or indicator column: the largest entry of the block
// (ties: the first), or 1 for an indicator above 0.5.
size_t category_of(const ModeColumn& c, const double* row);

class ModeNormalizer {
 public:
  ModeNormalizer() = default;

  // Columns from `spans` (empty: every column of `rows` numeric); each numeric column's mixture
  // is fit to its values in `rows`, seeded with mix_seed(seed, 1000 + its position in the
  // columns).
  static ModeNormalizer fit(const Matrix& rows, const std::vector<EncodedSpan>& spans,
                            const VgmOptions& options, uint64_t seed);
  // From columns whose kinds, places and mixtures are set (out_start / out_width are computed).
  // Throws Error(kInvalidArgument) "corrupt: ..." when they do not tile `cols` columns in order
  // or a mixture is malformed.
  static ModeNormalizer from_columns(std::vector<ModeColumn> columns, size_t cols);

  // Given rows [n, cols] -> encoded rows [n, width()]; one uniform draw of `rng` per numeric
  // value picks its mode.
  Matrix encode(const Matrix& x, Rng& rng) const;
  // Encoded rows -> given rows [n, cols()]: alpha clipped to [-1, 1] and un-normalised in the mode
  // of the largest mode entry; one-hot blocks and indicators by their largest entry.
  Matrix decode(const Matrix& e) const;

  size_t cols() const { return cols_; }
  size_t width() const { return width_; }
  const std::vector<ModeColumn>& columns() const { return columns_; }
  // Modes of each numeric column (0 for one that is constant), in column order.
  std::vector<int> modes() const;

  // u64 column count, then per column u8 kind, u64 start, u64 width and the mixture (numeric) or
  // the value (constant).
  void save(BinaryWriter& w) const;
  // Reads what save() wrote for columns planned from `spans` over `cols` columns; a column that
  // does not match the plan is corrupt.
  static ModeNormalizer load(BinaryReader& r, const std::vector<EncodedSpan>& spans, size_t cols);

 private:
  std::vector<ModeColumn> columns_;
  size_t cols_ = 0;
  size_t width_ = 0;
};

}  // namespace imbgen
