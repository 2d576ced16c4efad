// Brute-force k nearest neighbours within one class (used by SMOTE; exposed for its tests).
#pragma once

#include <cstddef>
#include <vector>

#include "imbgen/data/matrix.h"

namespace imbgen {

// For each row i of `rows`, the indices of its k nearest other rows by Euclidean distance,
// closest first (ties broken by the lower index); row-major [rows.rows, k]. Needs k < rows.rows.
std::vector<size_t> nearest_neighbors(const Matrix& rows, size_t k);

}  // namespace imbgen
