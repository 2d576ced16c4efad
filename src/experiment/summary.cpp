// The data set summary of results.json: per column count, missing values and location/spread
// (overall and per class) for numeric columns, levels and the most frequent one for categorical.
#include <algorithm>
#include <cmath>

#include "imbgen/experiment/run.h"

namespace imbgen {
namespace {

struct Moments {
  size_t count = 0;
  double mean = 0.0, m2 = 0.0;  // Welford
  void add(double v) {
    ++count;
    const double d = v - mean;
    mean += d / static_cast<double>(count);
    m2 += d * (v - mean);
  }
  double std() const { return count > 1 ? std::sqrt(m2 / static_cast<double>(count - 1)) : 0.0; }
};

}  // namespace

nlohmann::json column_summary(const Table& t) {
  nlohmann::json out = nlohmann::json::array();
  for (size_t c = 0; c < t.columns.size(); ++c) {
    const ColumnInfo& col = t.columns[c];
    nlohmann::json j = {{"name", col.name}};
    if (col.kind == ColumnKind::kCategorical) {
      std::vector<size_t> counts(col.categories.size(), 0);
      size_t missing = 0;
      for (size_t r = 0; r < t.rows(); ++r) {
        const auto code = static_cast<size_t>(t.x(r, c));
        if (code < counts.size()) ++counts[code];
        if (code < col.categories.size() && col.categories[code].empty()) ++missing;
      }
      const size_t top = static_cast<size_t>(
          std::max_element(counts.begin(), counts.end()) - counts.begin());
      std::vector<std::string> labels;
      for (const auto& cat : col.categories) labels.push_back(category_label(cat));
      j.update({{"kind", "categorical"},
                {"count", t.rows() - missing},
                {"missing", missing},
                {"levels", col.categories.size()},
                {"top", counts.empty() ? "" : labels[top]},
                {"top_share", t.rows() && !counts.empty()
                                  ? static_cast<double>(counts[top]) / static_cast<double>(t.rows())
                                  : 0.0},
                {"categories", labels}});
    } else {
      std::vector<double> values;
      values.reserve(t.rows());
      Moments all;
      std::vector<Moments> by_class(t.n_classes());
      for (size_t r = 0; r < t.rows(); ++r) {
        const double v = t.x(r, c);
        if (std::isnan(v)) continue;
        values.push_back(v);
        all.add(v);
        by_class[static_cast<size_t>(t.y[r])].add(v);
      }
      j.update({{"kind", "numeric"}, {"count", values.size()},
                {"missing", t.rows() - values.size()}});
      if (!values.empty()) {
        std::sort(values.begin(), values.end());
        const size_t n = values.size();
        const double median =
            n % 2 ? values[n / 2] : 0.5 * (values[n / 2 - 1] + values[n / 2]);
        j.update({{"mean", all.mean}, {"std", all.std()}, {"min", values.front()},
                  {"median", median}, {"max", values.back()}});
        nlohmann::json per_class = nlohmann::json::object();
        for (size_t k = 0; k < by_class.size(); ++k) {
          per_class[t.classes[k]] = {{"count", by_class[k].count},
                                     {"mean", by_class[k].mean},
                                     {"std", by_class[k].std()}};
        }
        j["by_class"] = per_class;
      }
    }
    out.push_back(j);
  }
  return out;
}

}  // namespace imbgen
