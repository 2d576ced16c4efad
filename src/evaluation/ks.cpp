// The two-sample Kolmogorov-Smirnov test with scipy's p-value rules: an exact lattice-path
// probability for small samples, else the one-sample Kolmogorov distribution (Simard & L'Ecuyer
// 2011: Marsaglia-Tsang-Wang matrix, Pelz-Good series, Birnbaum-Tingey one-sided formula).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>
#include <vector>

#include "imbgen/core/error.h"
#include "imbgen/evaluation/statistics.h"

namespace imbgen {
namespace {

constexpr int64_t kMaxAutoExact = 10000;  // scipy's MAX_AUTO_N

double clip01(double p) { return std::min(1.0, std::max(0.0, p)); }

// log(n! / n^n)
double log_factorial_over_power(int64_t n) {
  const double dn = static_cast<double>(n);
  return std::lgamma(dn + 1.0) - dn * std::log(dn);
}

// P(D_{m,n} >= h g / (m n)) under the null: the probability that a uniformly random lattice path
// from (0,0) to (m,n) leaves the band |n x - m y| < h g. We carry the probability mass of the
// random path (each step's probability is the share of remaining steps of that kind), so every
// value stays in [0, 1]: no binomial coefficients, no overflow. Mass that steps out of the band
// is added to the answer as it leaves, so small p-values keep their relative precision (no
// 1 - inside cancellation). One column of the lattice is kept; the band slides up as x grows.
double exact_two_sample_sf(int64_t n1, int64_t n2, int64_t h) {
  const int64_t m = std::max(n1, n2);
  const int64_t n = std::min(n1, n2);
  const int64_t g = std::gcd(m, n);
  const int64_t bound = h * g;  // inside when |n x - m y| < bound
  const double total = static_cast<double>(m + n);
  std::vector<double> mass(static_cast<size_t>(n) + 1, 0.0);

  // y range inside the band for a given x.
  auto lower = [&](int64_t x) {
    const int64_t num = n * x - bound;  // y > num / m
    const int64_t fl = num >= 0 ? num / m : -((-num + m - 1) / m);
    return std::max<int64_t>(0, fl + 1);
  };
  auto upper = [&](int64_t x) {
    const int64_t num = n * x + bound;  // y < num / m
    const int64_t ce = (num + m - 1) / m;
    return std::min<int64_t>(n, ce - 1);
  };
  // Probability of a y step from (x, y), and of an x step.
  auto y_step = [&](int64_t x, int64_t y) {
    return static_cast<double>(n - y) / (total - static_cast<double>(x + y));
  };
  auto x_step = [&](int64_t x, int64_t y) {
    return static_cast<double>(m - x) / (total - static_cast<double>(x + y));
  };

  double outside = 0.0;
  // Column x = 0.
  int64_t lo = 0;
  int64_t hi = upper(0);
  mass[0] = 1.0;
  for (int64_t y = 1; y <= hi; ++y) {
    mass[static_cast<size_t>(y)] = mass[static_cast<size_t>(y - 1)] * y_step(0, y - 1);
  }
  if (hi < n) outside += mass[static_cast<size_t>(hi)] * y_step(0, hi);
  for (int64_t x = 1; x <= m; ++x) {
    const int64_t new_lo = lower(x);
    const int64_t new_hi = upper(x);
    // x steps from the previous column that land below or above the new band.
    for (int64_t y = lo; y <= hi; ++y) {
      if (y < new_lo || y > new_hi) outside += mass[static_cast<size_t>(y)] * x_step(x - 1, y);
    }
    if (new_lo > new_hi) return clip01(outside);  // every path has left the band
    for (int64_t y = new_lo; y <= new_hi; ++y) {
      const size_t iy = static_cast<size_t>(y);
      // From (x-1, y) by an x step; mass outside the previous band is 0.
      const double from_left = (y >= lo && y <= hi) ? mass[iy] * x_step(x - 1, y) : 0.0;
      // From (x, y-1) by a y step (already updated to column x).
      const double from_below = y > new_lo ? mass[iy - 1] * y_step(x, y - 1) : 0.0;
      mass[iy] = from_left + from_below;
    }
    // y steps out of the top of the band.
    if (new_hi < n) outside += mass[static_cast<size_t>(new_hi)] * y_step(x, new_hi);
    for (int64_t y = lo; y < new_lo && y <= hi; ++y) mass[static_cast<size_t>(y)] = 0.0;
    for (int64_t y = std::max(new_hi + 1, lo); y <= hi; ++y) mass[static_cast<size_t>(y)] = 0.0;
    lo = new_lo;
    hi = new_hi;
  }
  return clip01(outside);
}

// ---- one-sample Kolmogorov distribution ----

// P(D_n < d) by Durbin's matrix, computed as Marsaglia, Tsang & Wang (2003): with
// d = (k - h) / n, the k-th diagonal entry of H^n times n!/n^n. Powers are rescaled by powers of
// two as they grow; the exponent is carried separately.
double kolmogorov_cdf_durbin(int64_t n, double d) {
  const double nd = static_cast<double>(n) * d;
  const int k = static_cast<int>(std::ceil(nd));
  const double h = k - nd;
  const int m = 2 * k - 1;
  const size_t sm = static_cast<size_t>(m);
  std::vector<double> fact_inv(sm + 1);  // 1 / j!
  fact_inv[0] = 1.0;
  for (int j = 1; j <= m; ++j) fact_inv[static_cast<size_t>(j)] = fact_inv[j - 1] / j;

  std::vector<double> hm(sm * sm, 0.0);  // H, row-major
  for (int i = 0; i < m; ++i) {
    for (int j = 0; j < m; ++j) {
      if (i - j + 1 >= 0) hm[static_cast<size_t>(i * m + j)] = fact_inv[i - j + 1];
    }
  }
  for (int i = 0; i < m; ++i) {
    hm[static_cast<size_t>(i * m)] = (1.0 - std::pow(h, i + 1)) * fact_inv[i + 1];
    hm[static_cast<size_t>((m - 1) * m + i)] = (1.0 - std::pow(h, m - i)) * fact_inv[m - i];
  }
  hm[static_cast<size_t>((m - 1) * m)] =
      (1.0 - 2.0 * std::pow(h, m) + std::pow(std::max(0.0, 2.0 * h - 1.0), m)) * fact_inv[m];

  auto multiply = [m, sm](const std::vector<double>& a, const std::vector<double>& b) {
    std::vector<double> c(sm * sm, 0.0);
    for (int i = 0; i < m; ++i) {
      for (int l = 0; l < m; ++l) {
        const double ail = a[static_cast<size_t>(i * m + l)];
        if (ail == 0.0) continue;
        for (int j = 0; j < m; ++j) {
          c[static_cast<size_t>(i * m + j)] += ail * b[static_cast<size_t>(l * m + j)];
        }
      }
    }
    return c;
  };
  auto rescale = [](std::vector<double>& a, int64_t& exponent) {
    double biggest = 0.0;
    for (double v : a) biggest = std::max(biggest, std::abs(v));
    if (biggest == 0.0) return;
    int e = 0;
    std::frexp(biggest, &e);
    if (e > 100 || e < -100) {
      for (double& v : a) v = std::ldexp(v, -e);
      exponent += e;
    }
  };

  std::vector<double> result(sm * sm, 0.0);
  for (int i = 0; i < m; ++i) result[static_cast<size_t>(i * m + i)] = 1.0;
  int64_t result_exp = 0;
  std::vector<double> power = hm;
  int64_t power_exp = 0;
  for (int64_t e = n; e > 0; e >>= 1) {
    if (e & 1) {
      result = multiply(result, power);
      result_exp += power_exp;
      rescale(result, result_exp);
    }
    if (e > 1) {
      power = multiply(power, power);
      power_exp *= 2;
      rescale(power, power_exp);
    }
  }
  const double entry = result[static_cast<size_t>((k - 1) * m + (k - 1))];
  if (entry <= 0.0) return 0.0;
  const double log_p = std::log(entry) + static_cast<double>(result_exp) * std::log(2.0) +
                       log_factorial_over_power(n);
  return clip01(std::exp(log_p));
}

// P(D_n <= d) by the Pelz-Good (1976) asymptotic series: the Li-Chien/Korolyuk expansion
// K0(z) + K1(z)/sqrt(n) + K2(z)/n + K3(z)/n^1.5 at z = d sqrt(n), with each K written in its
// theta-function form that converges fast for small z (Simard & L'Ecuyer 2011, eq. 9-12).
double kolmogorov_cdf_pelz_good(int64_t n, double d) {
  const double z = std::sqrt(static_cast<double>(n)) * d;
  const double pi2 = M_PI * M_PI;
  const double pi4 = pi2 * pi2;
  const double pi6 = pi4 * pi2;
  const double z2 = z * z, z3 = z2 * z, z4 = z2 * z2, z6 = z4 * z2, z7 = z6 * z, z8 = z4 * z4,
               z10 = z8 * z2;
  if (-pi2 / (8.0 * z2) < -708.0) return 0.0;  // K0 underflows: the CDF is 0
  const int terms = static_cast<int>(std::ceil(16.0 * z / M_PI));
  double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  for (int k = terms; k >= 1; --k) {         // smallest terms first
    const double u = (k - 0.5) * (k - 0.5);  // (k - 1/2)^2
    const double e = std::exp(-pi2 * u / (2.0 * z2));
    s0 += e;
    s1 += (pi2 * u - z2) * e;
    s2 += (6 * z6 + 2 * z4 + pi2 * (2 * z4 - 5 * z2) * u + pi4 * (1 - 2 * z2) * u * u) * e;
    s3 += (-30 * z6 - 90 * z8 + pi2 * (135 * z4 - 96 * z6) * u +
           pi4 * (212 * z4 - 60 * z2) * u * u + pi6 * (5 - 30 * z2) * u * u * u) *
          e;
  }
  double t2 = 0, t3 = 0;  // sums over all integers k
  for (int k = terms; k >= 1; --k) {
    const double k2 = static_cast<double>(k) * k;
    const double e = std::exp(-pi2 * k2 / (2.0 * z2));
    t2 += k2 * e;
    t3 += (3.0 * z2 - pi2 * k2) * k2 * e;
  }
  const double root = std::sqrt(2.0 * M_PI);
  const double k0 = root / z * s0;
  const double k1 = root / (6.0 * z4) * s1;
  const double k2 = root / (72.0 * z7) * s2 - pi2 * root / (36.0 * z3) * t2;
  const double k3 = root / (6480.0 * z10) * s3 + pi2 * root / (216.0 * z6) * t3;
  const double sn = std::sqrt(static_cast<double>(n));
  return k0 + k1 / sn + k2 / static_cast<double>(n) + k3 / (static_cast<double>(n) * sn);
}

}  // namespace

double smirnov_sf(int64_t n, double d) {
  if (n <= 0) throw Error(ErrorKind::kInvalidArgument, "smirnov_sf: n must be > 0");
  if (!(d > 0.0)) return 1.0;
  if (d >= 1.0) return 0.0;
  // Birnbaum & Tingey (1951): d * sum_{j=0}^{floor(n(1-d))} C(n,j) (1-d-j/n)^(n-j) (d+j/n)^(j-1).
  // Every term is positive; summed in log space against the largest.
  const double dn = static_cast<double>(n);
  const int64_t last = static_cast<int64_t>(std::floor(dn * (1.0 - d)));
  std::vector<double> logs;
  logs.reserve(static_cast<size_t>(last + 1));
  const double lg_n1 = std::lgamma(dn + 1.0);
  for (int64_t j = 0; j <= last; ++j) {
    const double dj = static_cast<double>(j);
    const double a = 1.0 - d - dj / dn;
    if (a <= 0.0 && j < n) continue;  // the (n-j)-th power of 0
    const double b = d + dj / dn;
    double t = lg_n1 - std::lgamma(dj + 1.0) - std::lgamma(dn - dj + 1.0);
    if (j < n) t += (dn - dj) * std::log(a);
    t += (dj - 1.0) * std::log(b);
    logs.push_back(t);
  }
  if (logs.empty()) return 0.0;
  const double top = *std::max_element(logs.begin(), logs.end());
  double sum = 0.0;
  for (double t : logs) sum += std::exp(t - top);
  return clip01(d * std::exp(top) * sum);
}

double kolmogorov_sf(int64_t n, double d) {
  if (n <= 0) throw Error(ErrorKind::kInvalidArgument, "kolmogorov_sf: n must be > 0");
  if (std::isnan(d)) return d;
  if (d >= 1.0) return 0.0;
  if (d <= 0.0) return 1.0;
  const double dn = static_cast<double>(n);
  const double t = dn * d;
  if (t <= 1.0) {  // Ruben & Gambino: 1/(2n) <= d <= 1/n
    if (t <= 0.5) return 1.0;
    const double cdf = std::exp(log_factorial_over_power(n) + dn * std::log(2.0 * t - 1.0));
    return clip01(1.0 - cdf);
  }
  if (t >= dn - 1.0) return clip01(2.0 * std::pow(1.0 - d, dn));  // Ruben & Gambino
  if (d >= 0.5) return clip01(2.0 * smirnov_sf(n, d));  // the two tails cannot both be crossed
  const double nd2 = t * d;
  if (n <= 140) {
    // Simard & L'Ecuyer use Durbin below n d^2 = 0.754693 and Pomeranz up to 4; both are exact,
    // and Durbin's matrix stays small here (size 2 ceil(n d) - 1 <= 47), so it covers both.
    if (nd2 <= 4.0) return clip01(1.0 - kolmogorov_cdf_durbin(n, d));
    return clip01(2.0 * smirnov_sf(n, d));  // Miller's approximation, exact to ~1e-16 here
  }
  if (nd2 >= 370.0) return 0.0;
  if (nd2 >= 2.2) return clip01(2.0 * smirnov_sf(n, d));
  double cdf = 0.0;
  if (n <= 100000 && dn * std::pow(d, 1.5) <= 1.4) {
    cdf = kolmogorov_cdf_durbin(n, d);
  } else {
    cdf = kolmogorov_cdf_pelz_good(n, d);
  }
  return clip01(1.0 - cdf);
}

KsResult ks_2samp(std::vector<double> a, std::vector<double> b, KsMethod method) {
  if (a.empty() || b.empty()) {
    throw Error(ErrorKind::kInvalidArgument,
                "ks_2samp: both samples need at least one value, got " + std::to_string(a.size()) +
                    " and " + std::to_string(b.size()));
  }
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  const int64_t n1 = static_cast<int64_t>(a.size());
  const int64_t n2 = static_cast<int64_t>(b.size());
  // Walk the merged values; at each distinct value both ECDFs include every value <= it.
  double d = 0.0;
  size_t i = 0, j = 0;
  while (i < a.size() || j < b.size()) {
    double v = 0.0;
    if (j >= b.size() || (i < a.size() && a[i] <= b[j])) {
      v = a[i];
    } else {
      v = b[j];
    }
    while (i < a.size() && a[i] <= v) ++i;
    while (j < b.size() && b[j] <= v) ++j;
    const double diff = std::abs(static_cast<double>(i) / static_cast<double>(n1) -
                                 static_cast<double>(j) / static_cast<double>(n2));
    d = std::max(d, diff);
  }

  KsResult result;
  result.statistic = d;
  const int64_t g = std::gcd(n1, n2);
  const int64_t lcm = (n1 / g) * n2;
  bool exact = false;
  if (method == KsMethod::kAuto) {
    exact = std::max(n1, n2) <= kMaxAutoExact;
  } else if (method == KsMethod::kExact) {
    exact = (n1 / g) < std::numeric_limits<int32_t>::max() / (n2 / g);
  }
  if (exact) {
    const int64_t h = static_cast<int64_t>(std::llround(d * static_cast<double>(lcm)));
    result.pvalue = h == 0 ? 1.0 : exact_two_sample_sf(n1, n2, h);
    result.exact = true;
  } else {
    const double m = static_cast<double>(std::max(n1, n2));
    const double n = static_cast<double>(std::min(n1, n2));
    const int64_t en = static_cast<int64_t>(std::nearbyint(m * n / (m + n)));
    result.pvalue = kolmogorov_sf(std::max<int64_t>(en, 1), d);
  }
  return result;
}

}  // namespace imbgen
