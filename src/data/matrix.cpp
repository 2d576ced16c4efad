// Row selection and stacking for Matrix.
#include "imbgen/data/matrix.h"

#include <algorithm>

#include "imbgen/core/error.h"

namespace imbgen {

Matrix Matrix::select_rows(const std::vector<size_t>& indices) const {
  Matrix out(indices.size(), cols);
  for (size_t i = 0; i < indices.size(); ++i) {
    check_internal(indices[i] < rows, "Matrix::select_rows: row index out of range");
    std::copy_n(row(indices[i]), cols, out.row(i));
  }
  return out;
}

Matrix Matrix::vstack(const Matrix& a, const Matrix& b) {
  if (a.rows == 0) return b;
  if (b.rows == 0) return a;
  check_internal(a.cols == b.cols, "Matrix::vstack: column counts differ");
  Matrix out(a.rows + b.rows, a.cols);
  std::copy(a.data.begin(), a.data.end(), out.data.begin());
  std::copy(b.data.begin(), b.data.end(), out.data.begin() + static_cast<long>(a.data.size()));
  return out;
}

}  // namespace imbgen
