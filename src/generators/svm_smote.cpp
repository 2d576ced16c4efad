// SVM-SMOTE, Nguyen, Cooper and Kamei 2011 (IJKESDP 3(1)), as imbalanced-learn's SVMSMOTE: the
// class's support vectors of an RBF C-SVC (libsvm, Chang and Lin 2011) minus the noise ones are
// split by their m nearest rows into danger (interpolate toward a class neighbour, u ~ U[0, 1))
// and safe (extrapolate away from it, step -out_step * u); a Beta(10, 10) fraction goes to danger.
#include "imbgen/generators/svm_smote.h"

#include <libsvm/svm.h>

#include <algorithm>
#include <climits>
#include <cmath>
#include <map>
#include <memory>
#include <utility>

#include "common.h"
#include "imbgen/core/error.h"
#include "imbgen/core/rng.h"
#include "knn.h"
#include "oversampling.h"
#include "registry.h"

namespace imbgen {
namespace {

constexpr const char* kName = "svm_smote";

void silent_print(const char*) {}

struct SvmModelDeleter {
  void operator()(svm_model* m) const { svm_free_and_destroy_model(&m); }
};

struct ClassModel {
  uint64_t noise = 0;             // support vectors dropped as noise, for history()
  Matrix rows;                    // [n_c, d] the class rows
  std::vector<size_t> danger;     // class row index of each danger support vector
  std::vector<size_t> safe;       // class row index of each safe support vector
  std::vector<size_t> neighbors;  // [danger + safe, k] class row indices (danger first)
};

// Beta(10, 10) as G1 / (G1 + G2) with G ~ Gamma(10, 1) a sum of ten unit exponentials.
double beta_10_10(Rng& rng) {
  auto gamma10 = [&rng]() {
    double g = 0.0;
    for (int i = 0; i < 10; ++i) g -= std::log1p(-rng.uniform());  // 1 - u in (0, 1]
    return g;
  };
  const double a = gamma10();
  const double b = gamma10();
  return a / (a + b);
}

// Row indices of x (ascending) of the support vectors of an RBF C-SVC trained on rows `train`.
std::vector<size_t> support_vectors(const Matrix& x, const std::vector<int>& y,
                                    const std::vector<size_t>& train, double c) {
  const size_t n = train.size(), d = x.cols;
  if (n > static_cast<size_t>(INT_MAX) || d >= static_cast<size_t>(INT_MAX)) {
    throw Error(ErrorKind::kUnsupported, std::string(kName) +
                                             ": libsvm indexes rows and features with int; got " +
                                             std::to_string(n) + " rows and " + std::to_string(d) +
                                             " features (set max_svm_rows)");
  }
  // gamma = 1 / (d * var(x)), the variance over every value of the training rows.
  double mean = 0.0;
  for (size_t i : train) {
    for (size_t j = 0; j < d; ++j) mean += x(i, j);
  }
  mean /= static_cast<double>(n * d);
  double var = 0.0;
  for (size_t i : train) {
    for (size_t j = 0; j < d; ++j) var += (x(i, j) - mean) * (x(i, j) - mean);
  }
  var /= static_cast<double>(n * d);
  const double gamma = var > 0.0 ? 1.0 / (static_cast<double>(d) * var) : 1.0;

  std::vector<svm_node> nodes;  // sparse rows, each ended by index -1
  std::vector<size_t> starts(n);
  for (size_t r = 0; r < n; ++r) {
    starts[r] = nodes.size();
    const double* v = x.row(train[r]);
    for (size_t j = 0; j < d; ++j) {
      if (v[j] != 0.0) nodes.push_back({static_cast<int>(j + 1), v[j]});
    }
    nodes.push_back({-1, 0.0});
  }
  std::vector<svm_node*> rows(n);
  for (size_t r = 0; r < n; ++r) rows[r] = nodes.data() + starts[r];
  std::vector<double> labels(n);
  for (size_t r = 0; r < n; ++r) labels[r] = y[train[r]];

  svm_problem prob{};
  prob.l = static_cast<int>(n);
  prob.y = labels.data();
  prob.x = rows.data();
  svm_parameter param{};  // scikit-learn SVC defaults
  param.svm_type = C_SVC;
  param.kernel_type = RBF;
  param.degree = 3;
  param.gamma = gamma;
  param.cache_size = 200;
  param.eps = 1e-3;
  param.C = c;
  param.shrinking = 1;
  if (const char* problem = svm_check_parameter(&prob, &param)) {
    throw Error(ErrorKind::kInvalidArgument,
                std::string(kName) + ": libsvm rejected the parameters: " + problem);
  }
  svm_set_print_string_function(&silent_print);
  std::unique_ptr<svm_model, SvmModelDeleter> model(svm_train(&prob, &param));
  check_internal(model != nullptr, "svm_smote: libsvm svm_train() returned no model");
  std::vector<int> sv(static_cast<size_t>(svm_get_nr_sv(model.get())));
  svm_get_sv_indices(model.get(), sv.data());  // 1-based indices into the training rows
  std::vector<size_t> out;
  out.reserve(sv.size());
  for (int i : sv) out.push_back(train[static_cast<size_t>(i - 1)]);
  std::sort(out.begin(), out.end());
  return out;
}

class SvmSmote : public GeneratorBase<SvmSmoteConfig> {
 public:
  using GeneratorBase::GeneratorBase;

  size_t min_class_rows() const override { return static_cast<size_t>(config_.k_neighbors) + 1; }

  void fit(const Matrix& x, const std::vector<int>& y, const FitOptions& options) override {
    const size_t k = static_cast<size_t>(config_.k_neighbors);
    const size_t m = static_cast<size_t>(config_.m_neighbors);
    begin_fit(name(), x, y, options, min_class_rows(),
              "k_neighbors = " + std::to_string(k) +
                  " needs k_neighbors + 1 rows; lower k_neighbors or use 'random'");
    check_total_rows(name(), x.rows, m, "m_neighbors");
    const std::vector<size_t> sv = support_vectors(x, y, svm_rows(x, y, options), config_.svm_c);

    std::map<int, ClassModel> models;
    for (int c : options.classes) {
      const std::vector<size_t> rows = rows_of_class(y, c);
      std::vector<size_t> class_sv;  // rows of x
      for (size_t i : sv) {
        if (y[i] == c) class_sv.push_back(i);
      }
      const std::vector<size_t> others = other_class_counts(x, y, c, class_sv, m, options.threads);
      ClassModel& model = models[c];
      model.rows = x.select_rows(rows);
      for (size_t s = 0; s < class_sv.size(); ++s) {
        // class row index of the support vector (rows is ascending)
        const size_t local = static_cast<size_t>(
            std::lower_bound(rows.begin(), rows.end(), class_sv[s]) - rows.begin());
        switch (border_of(others[s], m)) {
          case Border::kNoise:
            ++model.noise;
            break;
          case Border::kDanger:
            model.danger.push_back(local);
            break;
          case Border::kSafe:
            model.safe.push_back(local);
            break;
        }
      }
      if (model.danger.empty() && model.safe.empty()) {
        const std::string found =
            class_sv.empty()
                ? "no support vector in the SVM"
                : std::to_string(class_sv.size()) + " support vector" +
                      (class_sv.size() == 1 ? "" : "s") + ", every one noise (all " +
                      std::to_string(m) + " of its m_neighbors nearest rows are of other classes)";
        throw Error(ErrorKind::kInvalidArgument,
                    name() + ": class " + std::to_string(c) + " has " + found +
                        "; SVM-SMOTE has no row to start from (use smote or borderline_smote)");
      }
      std::vector<size_t> anchors = model.danger;
      anchors.insert(anchors.end(), model.safe.begin(), model.safe.end());
      model.neighbors =
          knn_search(model.rows, model.rows.select_rows(anchors), k, anchors, options.threads);
      report_class(options.observer, name(), c,
                   {{"support_vectors", static_cast<double>(class_sv.size())},
                    {"danger", static_cast<double>(model.danger.size())},
                    {"safe", static_cast<double>(model.safe.size())},
                    {"noise", static_cast<double>(model.noise)}});
    }
    models_ = std::move(models);
  }

  Matrix sample(int cls, size_t n, uint64_t seed) const override {
    const ClassModel& m = model_of(models_, name(), cls);
    const size_t k = static_cast<size_t>(config_.k_neighbors);
    Matrix out(n, m.rows.cols);
    Rng rng(mix_seed(seed, static_cast<uint64_t>(cls)));
    const double fraction = beta_10_10(rng);
    size_t n_danger = std::min(n, static_cast<size_t>(fraction * static_cast<double>(n + 1)));
    if (m.safe.empty()) n_danger = n;
    if (m.danger.empty()) n_danger = 0;
    // Anchor a (0..danger-1 danger, then safe) has its neighbours at neighbors[a * k ...].
    auto make = [&](size_t first_anchor, size_t anchors, double step_scale, size_t row) {
      const Pair p = draw_pair(anchors, k, rng);
      const size_t a = first_anchor + p.anchor;
      const size_t base = a < m.danger.size() ? m.danger[a] : m.safe[a - m.danger.size()];
      const size_t nn = m.neighbors[a * k + p.slot];
      interpolate(m.rows.row(base), m.rows.row(nn), step_scale * rng.uniform(), m.rows.cols,
                  out.row(row));
    };
    for (size_t i = 0; i < n_danger; ++i) make(0, m.danger.size(), 1.0, i);
    for (size_t i = n_danger; i < n; ++i) {
      make(m.danger.size(), m.safe.size(), -config_.out_step, i);
    }
    return out;
  }

  void save_state(std::ostream& out) const override {
    BinaryWriter w(out);
    write_per_class(w, models_, [](BinaryWriter& bw, const ClassModel& m) {
      bw.u64(m.noise);
      bw.matrix(m.rows);
      write_indices(bw, m.danger);
      write_indices(bw, m.safe);
      write_indices(bw, m.neighbors);
    });
  }

  void load_state(std::istream& in) override {
    BinaryReader r(in);
    const size_t k = static_cast<size_t>(config_.k_neighbors);
    auto models = read_per_class<ClassModel>(r, 56, [k](BinaryReader& br, int) {
      ClassModel m;
      m.noise = br.u64("the noise count");
      m.rows = br.matrix("the rows");
      m.danger = read_indices(br, "the danger support vectors", m.rows.rows);
      m.safe = read_indices(br, "the safe support vectors", m.rows.rows);
      m.neighbors = read_indices(br, "the neighbours", m.rows.rows);
      if (m.rows.rows < k + 1 || m.rows.cols == 0 || (m.danger.empty() && m.safe.empty()) ||
          m.neighbors.size() != (m.danger.size() + m.safe.size()) * k) {
        throw Error(ErrorKind::kInvalidArgument,
                    "corrupt: rows, support vectors and neighbours do not fit together "
                    "(k_neighbors = " +
                        std::to_string(k) + ")");
      }
      return m;
    });
    r.expect_end("the svm_smote state");
    models_ = std::move(models);
  }

  nlohmann::json history() const override {
    return per_class_history(models_, [&](const ClassModel& m) -> nlohmann::json {
      return {{"rows", m.rows.rows},
              {"danger", m.danger.size()},
              {"safe", m.safe.size()},
              {"noise", m.noise}};
    });
  }

 private:
  // The rows the SVM is trained on: all, or (max_svm_rows) the modelled classes' rows plus a
  // seeded uniform sample of the others; ascending.
  std::vector<size_t> svm_rows(const Matrix& x, const std::vector<int>& y,
                               const FitOptions& options) const {
    std::vector<size_t> all(x.rows);
    for (size_t i = 0; i < x.rows; ++i) all[i] = i;
    const auto limit = static_cast<size_t>(config_.max_svm_rows);
    if (limit == 0 || x.rows <= limit) return all;
    std::vector<size_t> keep, others;
    for (size_t i = 0; i < x.rows; ++i) {
      const bool modelled =
          std::find(options.classes.begin(), options.classes.end(), y[i]) != options.classes.end();
      (modelled ? keep : others).push_back(i);
    }
    if (keep.size() >= limit) {
      throw Error(ErrorKind::kInvalidArgument,
                  std::string(kName) + ": fit: the modelled classes have " +
                      std::to_string(keep.size()) +
                      " rows, max_svm_rows = " + std::to_string(limit) +
                      " leaves no room for the other classes (raise max_svm_rows, or 0 for all)");
    }
    Rng rng(mix_seed(options.seed, 0x5356));
    rng.shuffle(others);
    others.resize(limit - keep.size());
    keep.insert(keep.end(), others.begin(), others.end());
    std::sort(keep.begin(), keep.end());
    return keep;
  }

  std::map<int, ClassModel> models_;
};

}  // namespace

GeneratorSpec svm_smote_generator() {
  return make_spec<SvmSmote, SvmSmoteConfig>(
      "SVM-SMOTE (Nguyen et al. 2011): SMOTE from the class's support vectors of an RBF SVM");
}

}  // namespace imbgen
