// EvaluationConfig: validation that reports every problem at once, and the JSON round trip.
#include <algorithm>
#include <cmath>
#include <functional>
#include <string>

#include "imbgen/classifiers/classifier.h"
#include "imbgen/core/error.h"
#include "imbgen/core/text.h"
#include "imbgen/evaluation/evaluate.h"

namespace imbgen {
namespace {

std::string num(double v) {
  nlohmann::json j = v;
  return j.dump();
}

// Reads the keys of a JSON object one by one, collecting every problem.
class Reader {
 public:
  explicit Reader(const nlohmann::json& j) {
    if (j.is_object()) {
      j_ = j;
    } else if (!j.is_null()) {
      problems_.push_back("expected a JSON object, got " + std::string(j.type_name()));
    }
  }

  void number(const char* key, double& out) {
    read(key, [&](const nlohmann::json& v) {
      if (!v.is_number()) return fail(key, "a number", v);
      out = v.get<double>();
    });
  }
  void integer(const char* key, int64_t& out) {
    read(key, [&](const nlohmann::json& v) {
      if (v.is_number_integer()) {
        out = v.get<int64_t>();
      } else if (v.is_number_float() && std::floor(v.get<double>()) == v.get<double>() &&
                 std::abs(v.get<double>()) < 9e15) {
        out = static_cast<int64_t>(v.get<double>());
      } else {
        fail(key, "an integer", v);
      }
    });
  }
  void integer(const char* key, int& out) {
    int64_t wide = out;
    integer(key, wide);
    if (wide < INT32_MIN || wide > INT32_MAX) {
      problems_.push_back(std::string("'") + key + "': expected a 32-bit integer, got " +
                          std::to_string(wide));
    } else {
      out = static_cast<int>(wide);
    }
  }
  void seed(const char* key, uint64_t& out) {
    read(key, [&](const nlohmann::json& v) {
      if (!v.is_number_unsigned()) return fail(key, "a non-negative integer", v);
      out = v.get<uint64_t>();
    });
  }
  void boolean(const char* key, bool& out) {
    read(key, [&](const nlohmann::json& v) {
      if (!v.is_boolean()) return fail(key, "true or false", v);
      out = v.get<bool>();
    });
  }
  void numbers(const char* key, std::vector<double>& out) {
    read(key, [&](const nlohmann::json& v) {
      const bool ok = v.is_array() && std::all_of(v.begin(), v.end(), [](const nlohmann::json& e) {
                        return e.is_number();
                      });
      if (!ok) return fail(key, "an array of numbers", v);
      out = v.get<std::vector<double>>();
    });
  }
  void strings(const char* key, std::vector<std::string>& out) {
    read(key, [&](const nlohmann::json& v) {
      const bool ok = v.is_array() && std::all_of(v.begin(), v.end(), [](const nlohmann::json& e) {
                        return e.is_string();
                      });
      if (!ok) return fail(key, "an array of strings", v);
      out = v.get<std::vector<std::string>>();
    });
  }
  void object(const char* key, nlohmann::json& out) {
    read(key, [&](const nlohmann::json& v) {
      if (!v.is_object()) return fail(key, "a JSON object", v);
      out = v;
    });
  }

  // Unknown keys plus every problem found so far.
  std::vector<std::string> finish() {
    for (const auto& item : j_.items()) {
      if (std::find(known_.begin(), known_.end(), item.key()) == known_.end()) {
        problems_.push_back("unknown key '" + item.key() + "' (valid keys: " + join(known_, ", ") +
                            ")");
      }
    }
    return problems_;
  }

 private:
  void read(const char* key, const std::function<void(const nlohmann::json&)>& parse) {
    known_.emplace_back(key);
    auto it = j_.find(key);
    if (it != j_.end()) parse(*it);
  }
  void fail(const char* key, const char* expected, const nlohmann::json& got) {
    std::string text = got.dump();
    if (text.size() > 60) text = text.substr(0, 57) + "...";
    problems_.push_back(std::string("'") + key + "': expected " + expected + ", got " + text);
  }

  nlohmann::json j_ = nlohmann::json::object();
  std::vector<std::string> known_;
  std::vector<std::string> problems_;
};

}  // namespace

std::vector<std::string> EvaluationConfig::problems() const {
  std::vector<std::string> out;
  auto need = [&](bool ok, const std::string& text) {
    if (!ok) out.push_back(text);
  };
  need(threads >= 1, "threads must be >= 1, got " + std::to_string(threads));
  need(alpha > 0.0 && alpha < 1.0, "alpha must be in (0, 1), got " + num(alpha));
  for (double q : quantiles) {
    need(q >= 0.0 && q <= 1.0, "quantiles must be in [0, 1], got " + num(q));
  }
  const std::vector<std::string> known = classifier_names();
  for (const std::string& name : detection_classifiers) {
    need(std::find(known.begin(), known.end(), name) != known.end(),
         "detection_classifiers: unknown classifier '" + name + "' (valid: " + join(known, ", ") +
             ")");
  }
  if (!detection_configs.is_object()) {
    out.push_back("detection_configs must be a JSON object keyed by classifier name");
  } else {
    for (const auto& item : detection_configs.items()) {
      const bool listed = std::find(detection_classifiers.begin(), detection_classifiers.end(),
                                    item.key()) != detection_classifiers.end();
      if (!listed) {
        out.push_back("detection_configs: '" + item.key() + "' is not in detection_classifiers (" +
                      join(detection_classifiers, ", ") + ")");
        continue;
      }
      try {
        make_classifier(item.key(), item.value());  // validates the classifier's config
      } catch (const Error& e) {
        out.push_back("detection_configs: " + std::string(e.what()));
      }
    }
  }
  need(detection_folds >= 2,
       "detection_folds must be >= 2, got " + std::to_string(detection_folds));
  need(detection_max_rows >= detection_folds, "detection_max_rows must be >= detection_folds (" +
                                                  std::to_string(detection_folds) + "), got " +
                                                  std::to_string(detection_max_rows));
  need(detection_threads >= 1,
       "detection_threads must be >= 1, got " + std::to_string(detection_threads));
  need(mmd_max_rows >= 2, "mmd_max_rows must be >= 2, got " + std::to_string(mmd_max_rows));
  need(mmd_permutations >= 0,
       "mmd_permutations must be >= 0, got " + std::to_string(mmd_permutations));
  need(prdc_k >= 1, "prdc_k must be >= 1, got " + std::to_string(prdc_k));
  need(prdc_max_rows > prdc_k, "prdc_max_rows must be > prdc_k (" + std::to_string(prdc_k) +
                                   "), got " + std::to_string(prdc_max_rows));
  need(histogram_bins >= 1, "histogram_bins must be >= 1, got " + std::to_string(histogram_bins));
  need(pca_max_points >= 1, "pca_max_points must be >= 1, got " + std::to_string(pca_max_points));
  need(tsne_perplexity > 0.0, "tsne_perplexity must be > 0, got " + num(tsne_perplexity));
  need(tsne_max_points >= 3,
       "tsne_max_points must be >= 3, got " + std::to_string(tsne_max_points));
  need(tsne_iterations >= 250,
       "tsne_iterations must be >= 250 (the early-exaggeration phase), got " +
           std::to_string(tsne_iterations));
  need(tsne_theta >= 0.0 && tsne_theta <= 1.0,
       "tsne_theta must be in [0, 1], got " + num(tsne_theta));
  need(roc_curve_points >= 2,
       "roc_curve_points must be >= 2, got " + std::to_string(roc_curve_points));
  need(max_detail_columns >= 1,
       "max_detail_columns must be >= 1, got " + std::to_string(max_detail_columns));
  need(max_heatmap_columns >= 2,
       "max_heatmap_columns must be >= 2, got " + std::to_string(max_heatmap_columns));
  return out;
}

void EvaluationConfig::validate() const {
  const std::vector<std::string> list = problems();
  if (!list.empty()) {
    throw Error(ErrorKind::kInvalidArgument, "evaluation config: " + join(list, "; "));
  }
}

nlohmann::json EvaluationConfig::to_json() const {
  return {{"seed", seed},
          {"threads", threads},
          {"alpha", alpha},
          {"quantiles", quantiles},
          {"detection", detection},
          {"detection_classifiers", detection_classifiers},
          {"detection_configs", detection_configs},
          {"detection_folds", detection_folds},
          {"detection_max_rows", detection_max_rows},
          {"detection_threads", detection_threads},
          {"mmd", mmd},
          {"mmd_max_rows", mmd_max_rows},
          {"mmd_permutations", mmd_permutations},
          {"prdc", prdc},
          {"prdc_k", prdc_k},
          {"prdc_max_rows", prdc_max_rows},
          {"privacy", privacy},
          {"histogram_bins", histogram_bins},
          {"pca", pca},
          {"pca_max_points", pca_max_points},
          {"tsne", tsne},
          {"tsne_perplexity", tsne_perplexity},
          {"tsne_max_points", tsne_max_points},
          {"tsne_iterations", tsne_iterations},
          {"tsne_theta", tsne_theta},
          {"roc_curve_points", roc_curve_points},
          {"max_detail_columns", max_detail_columns},
          {"max_heatmap_columns", max_heatmap_columns}};
}

EvaluationConfig EvaluationConfig::from_json(const nlohmann::json& j) {
  EvaluationConfig c;
  Reader r(j);
  r.seed("seed", c.seed);
  r.integer("threads", c.threads);
  r.number("alpha", c.alpha);
  r.numbers("quantiles", c.quantiles);
  r.boolean("detection", c.detection);
  r.strings("detection_classifiers", c.detection_classifiers);
  r.object("detection_configs", c.detection_configs);
  r.integer("detection_folds", c.detection_folds);
  r.integer("detection_max_rows", c.detection_max_rows);
  r.integer("detection_threads", c.detection_threads);
  r.boolean("mmd", c.mmd);
  r.integer("mmd_max_rows", c.mmd_max_rows);
  r.integer("mmd_permutations", c.mmd_permutations);
  r.boolean("prdc", c.prdc);
  r.integer("prdc_k", c.prdc_k);
  r.integer("prdc_max_rows", c.prdc_max_rows);
  r.boolean("privacy", c.privacy);
  r.integer("histogram_bins", c.histogram_bins);
  r.boolean("pca", c.pca);
  r.integer("pca_max_points", c.pca_max_points);
  r.boolean("tsne", c.tsne);
  r.number("tsne_perplexity", c.tsne_perplexity);
  r.integer("tsne_max_points", c.tsne_max_points);
  r.integer("tsne_iterations", c.tsne_iterations);
  r.number("tsne_theta", c.tsne_theta);
  r.integer("roc_curve_points", c.roc_curve_points);
  r.integer("max_detail_columns", c.max_detail_columns);
  r.integer("max_heatmap_columns", c.max_heatmap_columns);
  std::vector<std::string> list = r.finish();
  // A key with a bad type kept its (valid) default, so value problems never repeat type ones.
  const std::vector<std::string> values = c.problems();
  list.insert(list.end(), values.begin(), values.end());
  if (!list.empty()) {
    throw Error(ErrorKind::kInvalidArgument, "evaluation config: " + join(list, "; "));
  }
  return c;
}

}  // namespace imbgen
