// scikit-learn's class_weight="balanced", expressed as per-row sample weights.
#include <map>

#include "imbgen/classifiers/classifier.h"

namespace imbgen {

std::vector<double> balanced_sample_weights(const std::vector<int>& y) {
  std::map<int, size_t> counts;
  for (int c : y) ++counts[c];
  const double n = static_cast<double>(y.size());
  const double k = static_cast<double>(counts.size());
  std::vector<double> w(y.size());
  for (size_t i = 0; i < y.size(); ++i) w[i] = n / (k * static_cast<double>(counts[y[i]]));
  return w;
}

}  // namespace imbgen
