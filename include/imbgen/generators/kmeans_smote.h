// k-means SMOTE (Douzas, Bacao and Last 2018, "Improving imbalanced learning through a heuristic
// oversampling method based on k-means and SMOTE", Information Sciences 465): cluster all rows
// with k-means, keep the clusters where the class is common enough, and share the new rows among
// them by sparsity, sparser clusters getting more; SMOTE inside each kept cluster.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "imbgen/generators/config.h"
#include "imbgen/generators/generator.h"

namespace imbgen {

// k_neighbors: imbalanced-learn's KMeansSMOTE default is 2. n_clusters: imbalanced-learn's default
// MiniBatchKMeans has 8; here Lloyd's algorithm from a seeded greedy k-means++ start (2 + ln k
// candidates per centre), at most 300 iterations, stopping when the centres move less than 1e-4
// of the mean column variance (squared); an emptied cluster keeps its centre.
// cluster_balance_threshold "auto" is imbalanced-learn's "auto" n_c / sum(n) / 2 when every class
// is asked for as many rows (exactly it for one minority class: 0.5). density_exponent "auto" is
// imbalanced-learn's formula (the paper uses the number of features).
struct KmeansSmoteConfig : ConfigBase<KmeansSmoteConfig> {
  static constexpr const char* kName = "kmeans_smote";

  int k_neighbors = 2;
  int n_clusters = 8;
  std::optional<double> cluster_balance_threshold;  // nullopt: "auto" in JSON
  std::optional<double> density_exponent;           // nullopt: "auto" in JSON

  template <class V>
  void visit(V& v) {
    v("k_neighbors", k_neighbors, in_range(1, 1000),
      "SMOTE neighbours inside a cluster; a cluster needs k_neighbors + 1 rows of the class");
    v("n_clusters", n_clusters, in_range(1, 100000), "k-means clusters over all training rows");
    v("cluster_balance_threshold", cluster_balance_threshold, in_range(0, 1),
      "a cluster is kept for class c when (rows of c) / (rows) reaches this; \"auto\": 1 / (2 * "
      "modelled classes)");
    v("density_exponent", density_exponent, in_range(0, 1000),
      "e of a kept cluster's sparsity (mean distance of its class rows)^e / (its class rows); "
      "\"auto\": 0.16 * (log_1.6 of its class rows)^1.8");
  }
};

// fit() sees every training row and treats all columns as numeric (one-hot blocks are
// interpolated like numbers). Throws Error(kInvalidArgument) when a class has fewer than
// k_neighbors + 1 rows, x has fewer rows than n_clusters, or no cluster qualifies for a class
// (the message gives the best cluster's share and hints at the settings to change; imbalanced-
// learn raises too). The mean distance is over all pairs of the cluster's class rows, or of a
// seeded sample of 2,000 of them for larger clusters. sample(c, n) shares n by the normalised
// sparsities with largest remainders (imbalanced-learn's ceil can exceed n), rows grouped by
// cluster; equal weights if every sparsity is 0 (all rows identical). history(): per class, the
// kept clusters with their rows, class rows and weight.
inline std::unique_ptr<Generator> make_kmeans_smote(const KmeansSmoteConfig& config = {}) {
  return make_generator(KmeansSmoteConfig::kName, config.to_json());
}

}  // namespace imbgen
