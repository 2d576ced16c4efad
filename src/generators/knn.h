// Exact k nearest neighbours by blocked brute force, for the whole SMOTE family: the searches of
// borderline-SMOTE, ADASYN and SVM-SMOTE query the rows of one class against every training row,
// which must take seconds on the full credit card table (284,807 rows x 29 features), not minutes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "imbgen/data/matrix.h"

namespace imbgen {

// An entry of `exclude` that skips nothing.
constexpr size_t kNoExclusion = SIZE_MAX;

// For each row q of `queries`, the indices of the k rows of `data` nearest to it by Euclidean
// distance, closest first, ties broken by the lower index; row-major
// [queries.rows, k]. When `exclude` is not empty it has one entry per query and the data row
// exclude[q] is skipped for query q (a query that is itself a data row is not its own neighbour).
// Exact: a data row is passed over only once its partial squared distance can no longer win, so
// the result equals a full sort of the squared distances (summed over the columns in order of
// decreasing variance; another summation order can differ in the last bit). Queries are split over
// `threads` threads (>= 1). Needs queries.cols == data.cols and k <= data.rows - 1 when excluding,
// k <= data.rows otherwise (Error(kInternal) if not: callers check the row counts and report them
// to the user).
std::vector<size_t> knn_search(const Matrix& data, const Matrix& queries, size_t k,
                               const std::vector<size_t>& exclude = {}, int threads = 1);

// For each row i of `rows`, its k nearest other rows (knn_search of rows against themselves,
// excluding each row from its own list).
std::vector<size_t> knn_within(const Matrix& rows, size_t k, int threads = 1);

}  // namespace imbgen
