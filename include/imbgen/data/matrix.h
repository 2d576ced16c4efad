// A dense row-major matrix of doubles: the feature block that flows between modules.
#pragma once

#include <cstddef>
#include <vector>

namespace imbgen {

struct Matrix {
  size_t rows = 0;
  size_t cols = 0;
  std::vector<double> data;  // row-major, size rows * cols

  Matrix() = default;
  Matrix(size_t r, size_t c, double value = 0.0) : rows(r), cols(c), data(r * c, value) {}

  double& operator()(size_t r, size_t c) { return data[r * cols + c]; }
  double operator()(size_t r, size_t c) const { return data[r * cols + c]; }
  double* row(size_t r) { return data.data() + r * cols; }
  const double* row(size_t r) const { return data.data() + r * cols; }

  // The rows at `indices`, in that order.
  Matrix select_rows(const std::vector<size_t>& indices) const;
  // `a` on top of `b`; both must have the same number of columns (or one may be empty).
  static Matrix vstack(const Matrix& a, const Matrix& b);
};

// Numbers held by the caller, e.g. a numpy array in C or Fortran order: value (r, c) is
// data[r * row_stride + c * col_stride] (strides in doubles). Writable blocks are the same with
// a non-const pointer.
struct NumberBlock {
  const double* data = nullptr;
  size_t rows = 0;
  size_t cols = 0;
  ptrdiff_t row_stride = 0;
  ptrdiff_t col_stride = 0;
};
struct MutableNumberBlock {
  double* data = nullptr;
  size_t rows = 0;
  size_t cols = 0;
  ptrdiff_t row_stride = 0;
  ptrdiff_t col_stride = 0;
  double& operator()(size_t r, size_t c) const {
    return data[static_cast<ptrdiff_t>(r) * row_stride + static_cast<ptrdiff_t>(c) * col_stride];
  }
};

// The whole of `m` as a writable block (row-major).
inline MutableNumberBlock block_of(Matrix& m) {
  return {m.data.data(), m.rows, m.cols, static_cast<ptrdiff_t>(m.cols), 1};
}

}  // namespace imbgen
