// The dual problem of a two-class C-SVC with an RBF kernel, solved by sequential minimal
// optimisation with second-order working set selection (Fan, Chen & Lin 2005, "Working set
// selection using second order information for training support vector machines", JMLR 6), the
// method of libsvm (Chang & Lin 2011), on dense rows.
//
//   minimise  1/2 a' Q a - sum(a)   subject to  0 <= a_i <= C_i,  y' a = 0,
//   Q_ij = y_i y_j K(x_i, x_j),  K(u, v) = exp(-gamma |u - v|^2),
//
// stopping when the maximal violating pair violates the optimality conditions by less than eps,
// libsvm's criterion. The decision value of a row v is sum_i y_i a_i K(x_i, v) - rho.
//
// Why not libsvm's own solver: libsvm evaluates each kernel value by walking two sparse node lists
// (a branch per feature), one value at a time, and its kernel columns were most of svm_rbf's
// training time. Here the rows are stored feature by feature, so a kernel column is one loop over
// the rows per nonzero feature of its row that vectorises, and the solver's per-iteration passes
// over the rows are branch-free.
// The kernel values are libsvm's (libsvm's expression |u|^2 + |v|^2 - 2 u.v and exp in double
// precision, the dot product over u's nonzero features, kept as float in the column cache as
// libsvm keeps them; exp written out so that it vectorises), so both solve the same problem; they
// may stop at different iterates within eps of its optimum. libsvm's
// shrinking heuristic is not used: it shortens libsvm's passes over the rows, which are the cheap
// part here.
#pragma once

#include <cstddef>
#include <vector>

namespace imbgen::classifiers_detail {

struct RbfSvmProblem {
  const double* x = nullptr;  // [n, d], row-major
  size_t n = 0, d = 0;
  const signed char* y = nullptr;  // [n]: +1 or -1
  double c_positive = 1.0;         // C of the rows with y = +1
  double c_negative = 1.0;         // C of the rows with y = -1
  double gamma = 1.0;
  double eps = 1e-3;
  double cache_mb = 200.0;  // kernel columns kept, in MiB (at least two columns)
};

struct RbfSvmSolution {
  std::vector<double> alpha;  // [n], a_i in [0, C_i]
  double rho = 0.0;
  size_t iterations = 0;
  bool converged = true;  // false: stopped at the iteration limit, max(10^7, 100 n)
};

// Needs both classes among the rows, gamma > 0, eps > 0 and C >= 0 (a class with C = 0 keeps
// every a_i at 0, as in libsvm).
RbfSvmSolution solve_rbf_svm(const RbfSvmProblem& problem);

}  // namespace imbgen::classifiers_detail
