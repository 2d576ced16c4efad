#include "classifiers/svm_solver.h"

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <memory>
#include <new>

#include "core/vector_clones.h"
#include "imbgen/core/error.h"

namespace imbgen::classifiers_detail {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kTau = 1e-12;  // libsvm's floor for a non-positive curvature
constexpr size_t kLanes = 8;    // independent running maxima: one AVX-512 register of doubles

// exp(x) in double precision for x <= 1 (a kernel's exponent is <= 0 up to rounding), in plain
// arithmetic so that a loop of it vectorises (the C library's exp is a call per value). Within
// 1e-15 relative of the exact value down to -708, 0 below (where the value is under 4e-308, far
// below the smallest float): rounded to float, as the kernel columns keep it, it is the C
// library's value rounded to float unless the exact value lies within 1e-15 relative of the
// midpoint between two floats.
inline double exp_small(double x) {
  const double c = x > -708.0 ? x : -708.0;  // also sends NaN to -708
  // n = round(c / ln 2) by adding and subtracting 1.5 * 2^52; ln 2 = kLn2Hi + kLn2Lo, kLn2Hi with
  // 32 significant bits, so n * kLn2Hi is exact for |n| < 2^21.
  constexpr double kRound = 6755399441055744.0;
  constexpr double kLn2Hi = 0.693147180369123816490;
  constexpr double kLn2Lo = 1.90821492927058770002e-10;
  const double n = (c * 1.44269504088896340736 + kRound) - kRound;
  const double r = (c - n * kLn2Hi) - n * kLn2Lo;  // |r| <= ln 2 / 2
  // exp(r) by its Taylor polynomial to degree 12: the remainder is below 2e-16 on |r| <= ln 2 / 2.
  double p = 1.0 / 479001600.0;
  p = 1.0 / 39916800.0 + r * p;
  p = 1.0 / 3628800.0 + r * p;
  p = 1.0 / 362880.0 + r * p;
  p = 1.0 / 40320.0 + r * p;
  p = 1.0 / 5040.0 + r * p;
  p = 1.0 / 720.0 + r * p;
  p = 1.0 / 120.0 + r * p;
  p = 1.0 / 24.0 + r * p;
  p = 1.0 / 6.0 + r * p;
  p = 0.5 + r * p;
  p = 1.0 + r * p;
  p = 1.0 + r * p;
  // times 2^n, n in [-1021, 1]: the exponent field of a normal double.
  const auto bits = static_cast<uint64_t>(static_cast<int64_t>(n) + 1023) << 52;
  double scale;
  std::memcpy(&scale, &bits, sizeof scale);
  return x > -708.0 ? p * scale : 0.0;
}

// out[t] = K(x_i, x_t) as float for the row x_i whose nonzero features are `features` (ascending)
// with values `values`: exp(-gamma (|x_i|^2 + |x_t|^2 - 2 x_i . x_t)), libsvm's expression, the
// dot product summed over x_i's nonzero features in order, as libsvm's sparse rows sum it. Only
// those features' columns are read: one-hot columns make most values 0. x stored [d, n],
// squares[t] = |x_t|^2. Rows go in blocks small enough that their dot products stay in the
// first-level cache while the features are added up.
IMBGEN_VECTOR_CLONES
void kernel_column(const size_t* __restrict features, const double* __restrict values,
                   size_t nonzero, double square, const double* __restrict by_feature,
                   const double* __restrict squares, size_t n, double gamma,
                   float* __restrict out) {
  constexpr size_t kBlockRows = 256;
  double dot[kBlockRows];
  for (size_t start = 0; start < n; start += kBlockRows) {
    const size_t m = std::min(kBlockRows, n - start);
    std::fill(dot, dot + m, 0.0);
    for (size_t k = 0; k < nonzero; ++k) {
      const double v = values[k];
      const double* column = by_feature + features[k] * n + start;
      for (size_t t = 0; t < m; ++t) dot[t] += v * column[t];
    }
    for (size_t t = 0; t < m; ++t) {
      const double exponent = -gamma * (square + squares[start + t] - 2 * dot[t]);
      out[start + t] = static_cast<float>(exp_small(exponent));
    }
  }
}

// Kernel columns K(x_i, .), computed on demand and kept, least recently used first out.
class KernelColumns {
 public:
  KernelColumns(const RbfSvmProblem& p) : n_(p.n), d_(p.d), gamma_(p.gamma) {
    by_feature_.resize(d_ * n_);
    squares_.assign(n_, 0.0);
    for (size_t t = 0; t < n_; ++t) {
      for (size_t f = 0; f < d_; ++f) {
        const double v = p.x[t * d_ + f];
        by_feature_[f * n_ + t] = v;
        squares_[t] += v * v;
      }
    }
    rows_ = p.x;
    const double fit = p.cache_mb * 1048576.0 / (static_cast<double>(n_) * sizeof(float));
    slots_ = std::max<size_t>(2, std::min(n_, static_cast<size_t>(std::max(0.0, fit))));
    block_ = std::max<size_t>(1, (size_t{2} << 20) / (n_ * sizeof(float)));
    slot_of_.assign(n_, kNone);
    owner_.assign(slots_, kNone);
    last_use_.assign(slots_, 0);
    features_.reserve(d_);
    values_.reserve(d_);
  }

  // K(x_i, x_t) for every row t. Stays valid until two more columns have been asked for.
  const float* column(size_t i) {
    size_t slot = slot_of_[i];
    if (slot == kNone) {
      slot = used_ < slots_ ? used_++ : oldest();
      if (owner_[slot] != kNone) slot_of_[owner_[slot]] = kNone;
      owner_[slot] = i;
      slot_of_[i] = slot;
      // Blocks of columns, allocated as the cache fills and never moved.
      if (slot / block_ == blocks_.size()) {
        blocks_.push_back(allocate(std::min(block_, slots_ - slot) * n_));
      }
      features_.clear();
      values_.clear();
      for (size_t f = 0; f < d_; ++f) {
        if (rows_[i * d_ + f] != 0.0) {
          features_.push_back(f);
          values_.push_back(rows_[i * d_ + f]);
        }
      }
      kernel_column(features_.data(), values_.data(), features_.size(), squares_[i],
                    by_feature_.data(), squares_.data(), n_, gamma_, address(slot));
    }
    last_use_[slot] = ++clock_;
    return address(slot);
  }

 private:
  static constexpr size_t kNone = SIZE_MAX;

  struct Free {
    void operator()(float* p) const { std::free(p); }
  };
  using Block = std::unique_ptr<float[], Free>;

  static Block allocate(size_t count) {
    void* p = std::malloc(count * sizeof(float));
    if (p == nullptr) throw std::bad_alloc();
    return Block(static_cast<float*>(p));
  }

  float* address(size_t slot) { return blocks_[slot / block_].get() + (slot % block_) * n_; }

  size_t oldest() const {
    return static_cast<size_t>(std::min_element(last_use_.begin(), last_use_.end()) -
                               last_use_.begin());
  }

  size_t n_, d_;
  double gamma_;
  const double* rows_ = nullptr;
  std::vector<double> by_feature_;  // [d, n]
  std::vector<double> squares_;     // |x_t|^2
  std::vector<size_t> features_;    // the nonzero features of the column's row, and their values
  std::vector<double> values_;
  size_t slots_ = 0, used_ = 0;
  size_t block_ = 1;           // columns per block: as many as fill 2 MiB, at least one
  std::vector<Block> blocks_;  // block_ columns of n values each
  std::vector<size_t> slot_of_, owner_;
  std::vector<uint64_t> last_use_;
  uint64_t clock_ = 0;
};

// A row and its value; index n when there is none.
struct Best {
  double value;
  size_t index;
};

// Lane-wise running best over blocks of kLanes rows, then the best of the lanes; a strict
// comparison keeps each lane's first row, and the lanes' tie goes to the smaller index, so the
// result is the first best row, whatever the vector width.
Best best_of_lanes(const double* value, const double* index, bool maximum, size_t n) {
  Best best{maximum ? -kInf : kInf, n};
  for (size_t l = 0; l < kLanes; ++l) {
    const auto i = static_cast<size_t>(index[l]);
    if (i >= n) continue;
    const bool better = maximum ? value[l] > best.value : value[l] < best.value;
    if (better || (value[l] == best.value && i < best.index)) best = {value[l], i};
  }
  return best;
}

// Of the rows that may move up (a_t < C_t for y = +1, a_t > 0 for y = -1), the first with the
// largest -y_t G_t: the working set's first index.
IMBGEN_VECTOR_CLONES
Best first_index(const double* __restrict y, const double* __restrict g,
                 const double* __restrict alpha, const double* __restrict c, size_t n) {
  double value[kLanes], index[kLanes];
  for (size_t l = 0; l < kLanes; ++l) value[l] = -kInf, index[l] = static_cast<double>(n);
  const size_t whole = n - n % kLanes;
  for (size_t t = 0; t < whole; t += kLanes) {
    for (size_t l = 0; l < kLanes; ++l) {
      const size_t s = t + l;
      const bool up = y[s] > 0 ? alpha[s] < c[s] : alpha[s] > 0;
      const double v = up ? -y[s] * g[s] : -kInf;
      const bool better = v > value[l];
      value[l] = better ? v : value[l];
      index[l] = better ? static_cast<double>(s) : index[l];
    }
  }
  for (size_t s = whole; s < n; ++s) {
    const size_t l = s - whole;
    const bool up = y[s] > 0 ? alpha[s] < c[s] : alpha[s] > 0;
    const double v = up ? -y[s] * g[s] : -kInf;
    if (v > value[l]) value[l] = v, index[l] = static_cast<double>(s);
  }
  return best_of_lanes(value, index, true, n);
}

// The working set's second index, given the first (gmax = -y_i G_i, its kernel column ki): of the
// rows that may move down (a_t > 0 for y = +1, a_t < C_t for y = -1) with b = gmax + y_t G_t > 0,
// the first with the smallest -b^2 / (K_ii + K_tt - 2 K_it) (the largest decrease of the
// objective, to second order). Also the largest y_t G_t over those rows, for the stopping test.
struct Second {
  Best best;
  double gmax2;
};

IMBGEN_VECTOR_CLONES
Second second_index(const double* __restrict y, const double* __restrict g,
                    const double* __restrict alpha, const double* __restrict c,
                    const float* __restrict ki, double gmax, size_t n) {
  double value[kLanes], index[kLanes], top[kLanes];
  for (size_t l = 0; l < kLanes; ++l) {
    value[l] = kInf, index[l] = static_cast<double>(n), top[l] = -kInf;
  }
  const size_t whole = n - n % kLanes;
  auto step = [&](size_t s, size_t l) {
    const bool down = y[s] > 0 ? alpha[s] > 0 : alpha[s] < c[s];
    const double yg = y[s] * g[s];
    const double b = gmax + yg;
    // RBF: K_ii = K_tt = 1.
    const double quad = 2.0 - 2.0 * static_cast<double>(ki[s]);
    const double obj = -(b * b) / (quad > 0 ? quad : kTau);
    const double v = down && b > 0 ? obj : kInf;
    const double w = down ? yg : -kInf;
    top[l] = w > top[l] ? w : top[l];
    const bool better = v < value[l];
    value[l] = better ? v : value[l];
    index[l] = better ? static_cast<double>(s) : index[l];
  };
  for (size_t t = 0; t < whole; t += kLanes) {
    for (size_t l = 0; l < kLanes; ++l) step(t + l, l);
  }
  for (size_t s = whole; s < n; ++s) step(s, s - whole);
  double gmax2 = -kInf;
  for (size_t l = 0; l < kLanes; ++l) gmax2 = std::max(gmax2, top[l]);
  return {best_of_lanes(value, index, false, n), gmax2};
}

// G_t += Q_ti da_i + Q_tj da_j = y_t (y_i da_i K_it + y_j da_j K_jt).
IMBGEN_VECTOR_CLONES
void update_gradient(double* __restrict g, const double* __restrict y, const float* __restrict ki,
                     const float* __restrict kj, double step_i, double step_j, size_t n) {
  for (size_t t = 0; t < n; ++t) {
    g[t] += y[t] * (step_i * static_cast<double>(ki[t]) + step_j * static_cast<double>(kj[t]));
  }
}

}  // namespace

RbfSvmSolution solve_rbf_svm(const RbfSvmProblem& p) {
  const size_t n = p.n;
  check_internal(n >= 2 && p.d >= 1 && p.x != nullptr && p.y != nullptr && p.gamma > 0 &&
                     p.eps > 0 && p.c_positive >= 0 && p.c_negative >= 0,
                 "solve_rbf_svm: invalid problem");
  std::vector<double> y(n), c(n), g(n, -1.0);
  bool positive = false, negative = false;
  for (size_t t = 0; t < n; ++t) {
    check_internal(p.y[t] == 1 || p.y[t] == -1, "solve_rbf_svm: labels must be +1 or -1");
    y[t] = p.y[t];
    c[t] = p.y[t] > 0 ? p.c_positive : p.c_negative;
    (p.y[t] > 0 ? positive : negative) = true;
  }
  check_internal(positive && negative, "solve_rbf_svm: needs rows of both classes");
  RbfSvmSolution out;
  out.alpha.assign(n, 0.0);
  double* alpha = out.alpha.data();
  KernelColumns kernel(p);

  // libsvm's iteration limit.
  const size_t limit = std::max<size_t>(10000000, n > INT_MAX / 100 ? INT_MAX : 100 * n);
  for (;;) {
    const Best first = first_index(y.data(), g.data(), alpha, c.data(), n);
    if (first.index == n) break;  // nothing can move up: optimal
    const size_t i = first.index;
    const float* ki = kernel.column(i);
    const Second second = second_index(y.data(), g.data(), alpha, c.data(), ki, first.value, n);
    if (first.value + second.gmax2 < p.eps || second.best.index == n) break;
    if (out.iterations == limit) {
      out.converged = false;
      break;
    }
    ++out.iterations;
    const size_t j = second.best.index;
    const float* kj = kernel.column(j);
    ki = kernel.column(i);  // still cached: used just before j

    // Minimise over the pair along the equality constraint, then clip to the box.
    const double kij = ki[j];
    double quad = 2.0 - 2.0 * kij;
    if (quad <= 0) quad = kTau;
    const double old_i = alpha[i], old_j = alpha[j];
    const double ci = c[i], cj = c[j];
    double ai, aj;
    if (y[i] != y[j]) {
      const double delta = (-g[i] - g[j]) / quad;
      const double diff = old_i - old_j;  // kept
      ai = old_i + delta;
      aj = old_j + delta;
      if (diff > 0) {
        if (aj < 0) aj = 0, ai = diff;
      } else if (ai < 0) {
        ai = 0, aj = -diff;
      }
      if (diff > ci - cj) {
        if (ai > ci) ai = ci, aj = ci - diff;
      } else if (aj > cj) {
        aj = cj, ai = cj + diff;
      }
    } else {
      const double delta = (g[i] - g[j]) / quad;
      const double sum = old_i + old_j;  // kept
      ai = old_i - delta;
      aj = old_j + delta;
      if (sum > ci) {
        if (ai > ci) ai = ci, aj = sum - ci;
      } else if (aj < 0) {
        aj = 0, ai = sum;
      }
      if (sum > cj) {
        if (aj > cj) aj = cj, ai = sum - cj;
      } else if (ai < 0) {
        ai = 0, aj = sum;
      }
    }
    alpha[i] = ai;
    alpha[j] = aj;
    update_gradient(g.data(), y.data(), ki, kj, y[i] * (ai - old_i), y[j] * (aj - old_j), n);
  }

  // rho: the mean of y_t G_t over the free a_t; without any, the middle of the interval the
  // bounded ones leave for it.
  double upper = kInf, lower = -kInf, sum = 0.0;
  size_t free = 0;
  for (size_t t = 0; t < n; ++t) {
    const double yg = y[t] * g[t];
    if (alpha[t] >= c[t]) {
      if (y[t] < 0) {
        upper = std::min(upper, yg);
      } else {
        lower = std::max(lower, yg);
      }
    } else if (alpha[t] <= 0) {
      if (y[t] > 0) {
        upper = std::min(upper, yg);
      } else {
        lower = std::max(lower, yg);
      }
    } else {
      sum += yg;
      ++free;
    }
  }
  out.rho = free > 0 ? sum / static_cast<double>(free) : (upper + lower) / 2;
  return out;
}

}  // namespace imbgen::classifiers_detail
