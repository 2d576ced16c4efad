// "random_forest" grown by imbgen (engine "imbgen"): Breiman's random forest (Breiman 2001,
// "Random Forests", Machine Learning 45) of CART classification trees (Breiman, Friedman, Olshen &
// Stone 1984), with the split search on histograms of binned features as in XGBoost's and
// LightGBM's "hist" methods. engine "xgboost" keeps the forest in XGBoost's random-forest mode
// (xgboost_classifier.cpp).
//
// The model, for the defaults (see RandomForestConfig for the options):
// - Each tree sees a subsample of the rows drawn without replacement (0.632 of them) and, at each
//   split, a random set of floor(sqrt(d)) of the d features. As in XGBoost, a drawn feature that
//   is constant within the node counts towards that number, and when every drawn feature is, the
//   node stays a leaf. (scikit-learn draws on until it has that many features that vary. Measured
//   with bench/baselines_vs_sklearn.sh, no resampling, 5 folds, mean PR-AUC: XGBoost's way
//   0.8991 / 0.7549 / 0.8010 on the bundled data / mammography / adult, scikit-learn's way
//   0.8949 / 0.7474 / 0.7729: on adult's one-hot columns, most draws deep in a tree are
//   constant.)
// - A node splits on the cut with the largest decrease of the Gini impurity (with sample weights:
//   of weighted class shares) over the drawn features, and every impure node with a possible cut
//   there splits, as in CART (XGBoost asks for a positive decrease), so the trees grow until their
//   leaves are pure or their draws find no cut. The threshold lies halfway
//   between the training values on either side of the cut, as CART's.
// - A row's score is the mean over the trees of its leaf's class frequencies (scikit-learn's
//   predict_proba).
//
// Binning: every feature is cut into at most max_bin bins of about equal row counts; a feature
// with at most max_bin distinct values gets one bin per value, and then the candidate cuts are
// exactly CART's. Missing values (NaN) have a bin of their own; a split sends them to the side that
// scores better, and at prediction time to that side (to the heavier child when the node had no
// missing rows).
//
// The gain is XGBoost's with the class prior as the starting score (see xgboost_classifier.cpp),
// summed over the classes: sum_k (S_k - p_k W)^2 / (W + l_k) over both children minus the parent,
// where W is the node's weight, S_k the weight of class k in it, p_k the class share of all
// training rows, and l_k = reg_lambda / (c p_k (1 - p_k)) (c = 1 for two classes, 2 for more,
// XGBoost's hessians). With reg_lambda = 0 that is the Gini decrease times the node weight (the
// linear terms cancel), for any number of classes, and a leaf's value for class k is (S_k + l_k
// p_k) / (W + l_k): its class frequency, shrunk towards the prior when reg_lambda > 0. Two classes
// need only the class-1 term (the class-0 term is the same number). min_child_weight is in the same
// hessian units: a child needs a weight of min_child_weight / min_k(c p_k (1 - p_k)).
//
// Trees grow in parallel on `threads` threads; each tree draws from its own seeded stream, so the
// forest does not depend on the number of threads.
#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <exception>
#include <limits>
#include <thread>
#include <utility>

#include "classifiers/common.h"
#include "imbgen/classifiers/classifier_configs.h"
#include "imbgen/core/error.h"
#include "imbgen/core/rng.h"

namespace imbgen {
namespace {

// The training rows' features as bin indices, feature by feature, with the value range of each
// bin. Bins of feature f are numbered 0..bins(f)-1 in increasing value order; bin bins(f) holds
// the missing values.
struct BinnedColumns {
  size_t rows = 0;
  std::vector<uint16_t> bin;     // [feature * rows + row]
  std::vector<uint32_t> first;   // per feature: its first bin in lo/hi; one more at the end
  std::vector<double> lo, hi;    // per bin: smallest and largest training value in it
  std::vector<uint8_t> missing;  // per feature: 1 when a training value is NaN

  size_t bins(size_t f) const { return first[f + 1] - first[f]; }
  // The threshold of a cut of feature f between its bins `below` and `above` (no training value
  // between them): halfway between the values on either side, as CART's; the lower one where
  // rounding or an infinite neighbour leaves no number strictly between.
  double threshold(size_t f, size_t below, size_t above) const {
    const double low = hi[first[f] + below], high = lo[first[f] + above];
    const double t = low / 2 + high / 2;
    return t < high ? t : low;
  }
  uint16_t at(size_t f, size_t row) const { return bin[f * rows + row]; }
};

BinnedColumns bin_columns(const Matrix& x, size_t max_bin) {
  BinnedColumns b;
  b.rows = x.rows;
  b.bin.resize(x.rows * x.cols);
  b.first.push_back(0);
  b.missing.assign(x.cols, 0);
  std::vector<std::pair<double, uint32_t>> sorted;  // value, row
  sorted.reserve(x.rows);
  for (size_t f = 0; f < x.cols; ++f) {
    sorted.clear();
    for (size_t i = 0; i < x.rows; ++i) {
      const double v = x(i, f);
      if (std::isnan(v)) {
        b.missing[f] = 1;
      } else {
        sorted.emplace_back(v, static_cast<uint32_t>(i));
      }
    }
    std::sort(sorted.begin(), sorted.end(),
              [](const auto& a, const auto& c) { return a.first < c.first; });
    size_t distinct = 0;
    for (size_t i = 0; i < sorted.size(); ++i) {
      if (i == 0 || sorted[i].first != sorted[i - 1].first) ++distinct;
    }
    // A bin takes whole runs of equal values. With more distinct values than bins, a bin closes
    // at the end of the run where the rows so far reach its share of sorted.size() / limit, so
    // there are at most `limit` of them (the last share is reached only by the last run).
    const size_t limit = max_bin - b.missing[f];  // the missing bin counts towards max_bin
    const double share = static_cast<double>(sorted.size()) / static_cast<double>(limit);
    const size_t base = b.lo.size();
    uint16_t* out = b.bin.data() + f * x.rows;
    size_t closed = 0;
    for (size_t i = 0; i < sorted.size(); ++i) {
      if (i == 0 || (sorted[i].first != sorted[i - 1].first && b.hi.size() - base == closed)) {
        b.lo.push_back(sorted[i].first);  // opens a bin
        b.hi.push_back(sorted[i].first);
      }
      b.hi.back() = sorted[i].first;
      out[sorted[i].second] = static_cast<uint16_t>(b.hi.size() - base - 1);
      const bool run_ends = i + 1 == sorted.size() || sorted[i + 1].first != sorted[i].first;
      if (run_ends && (distinct <= limit ||
                       static_cast<double>(i + 1) >= static_cast<double>(closed + 1) * share)) {
        ++closed;
      }
    }
    const auto n_bins = static_cast<uint16_t>(b.hi.size() - base);
    for (size_t i = 0; i < x.rows; ++i) {
      if (std::isnan(x(i, f))) out[i] = n_bins;
    }
    b.first.push_back(static_cast<uint32_t>(b.hi.size()));
  }
  return b;
}

// One node of a grown tree. A split sends a row left when its value is <= threshold (a missing
// value: by `feature`'s lowest bit); a leaf's class frequencies start at leaf[next].
struct TreeNode {
  double threshold = 0;
  int32_t feature = -1;  // split: feature * 2 + 1 when missing values go right; leaf: -1
  int32_t next = 0;      // split: the left child (the right child is next + 1); leaf: see above
};

struct Tree {
  std::vector<TreeNode> nodes;  // nodes[0] is the root
  std::vector<double> leaf;     // per leaf: P(class 1) (two classes) or one value per class
};

// What every tree of one fit shares, read-only while the trees grow.
struct ForestProblem {
  const BinnedColumns* x = nullptr;
  std::vector<uint8_t> label;    // class per row
  std::vector<double> weight;    // per row, > 0
  std::vector<double> positive;  // per row: its weight when its class is 1, else 0
  std::vector<uint32_t> usable;  // the rows with a positive weight, ascending
  size_t n_classes = 2;
  size_t n_features = 0;
  std::vector<double> prior;   // weighted class shares, clamped to [1e-6, 1 - 1e-6]
  std::vector<double> pseudo;  // l_k per class (see the top of this file)
  double min_child = 0;        // the smallest weight a child may have
  size_t features_per_split = 1;
  size_t rows_per_tree = 1;
  int max_depth = 0;    // 0: unlimited
  bool shrink = false;  // reg_lambda > 0

  // sum_k (S_k - p_k W)^2 / (W + l_k) of a node with class weights s[0..K) and weight w.
  double score(const double* s, double w) const {
    if (n_classes == 2) {
      const double d = s[1] - prior[1] * w;
      return d * d / (w + pseudo[1]);
    }
    double total = 0;
    for (size_t k = 0; k < n_classes; ++k) {
      const double d = s[k] - prior[k] * w;
      total += d * d / (w + pseudo[k]);
    }
    return total;
  }
};

double sum_of(const double* s, size_t k) {
  double w = 0;
  for (size_t c = 0; c < k; ++c) w += s[c];
  return w;
}

// Grows trees; one per thread, reused from tree to tree.
class TreeGrower {
 public:
  explicit TreeGrower(const ForestProblem& p)
      : p_(p),
        k_(p.n_classes),
        rows_(p.usable.size()),
        right_rows_(p.usable.size()),
        weight_(p.usable.size()),
        positive_(p.usable.size()),
        right_weight_(p.usable.size()),
        right_positive_(p.usable.size()),
        features_(p.n_features) {
    size_t most_bins = 0;
    for (size_t f = 0; f < p.n_features; ++f) most_bins = std::max(most_bins, p.x->bins(f) + 1);
    hist_.assign(most_bins * k_, 0.0);
    left_.resize(k_);
    right_.resize(k_);
    node_stats_.resize(k_);
  }

  Tree grow(uint64_t seed) {
    Rng rng(seed);
    Tree tree;
    const size_t n_rows = draw_rows(rng);
    for (size_t f = 0; f < p_.n_features; ++f) features_[f] = static_cast<uint32_t>(f);

    // Root statistics, then depth first: the left child before the right one.
    std::vector<double> root(k_, 0.0);
    for (size_t i = 0; i < n_rows; ++i) root[p_.label[rows_[i]]] += p_.weight[rows_[i]];
    tree.nodes.emplace_back();
    stack_.clear();
    stack_stats_.clear();
    push({0, 0, static_cast<uint32_t>(n_rows), 0}, root.data());
    while (!stack_.empty()) {
      const Pending node = stack_.back();
      stack_.pop_back();
      std::copy(stack_stats_.end() - static_cast<std::ptrdiff_t>(k_), stack_stats_.end(),
                node_stats_.begin());
      stack_stats_.resize(stack_stats_.size() - k_);
      const double w = sum_of(node_stats_.data(), k_);

      Split split;
      if (can_split(node, w)) split = best_split(node, w, rng);
      if (split.feature < 0) {
        make_leaf(tree, node.node, node_stats_.data(), w);
        continue;
      }
      const uint32_t middle = partition(node, split);
      const auto left_child = static_cast<int32_t>(tree.nodes.size());
      tree.nodes.emplace_back();
      tree.nodes.emplace_back();
      TreeNode& parent = tree.nodes[static_cast<size_t>(node.node)];
      parent.threshold = split.threshold;
      parent.feature = split.feature * 2 + (split.missing_right ? 1 : 0);
      parent.next = left_child;
      std::vector<double>& right = left_;  // scratch: parent - left
      for (size_t c = 0; c < k_; ++c) right[c] = node_stats_[c] - split.left[c];
      push({left_child + 1, middle, node.end, node.depth + 1}, right.data());
      push({left_child, node.begin, middle, node.depth + 1}, split.left.data());
    }
    return tree;
  }

 private:
  struct Pending {
    int32_t node;
    uint32_t begin, end;  // the node's rows: rows_[begin, end)
    int depth;
  };
  struct Split {
    int32_t feature = -1;
    uint16_t last_left_bin = 0;  // bins <= this go left
    bool missing_right = true;
    double threshold = 0;
    std::vector<double> left;  // class weights of the left child

    // A better cut of feature f (its left child's weights are the caller's to set).
    void take(uint32_t f, uint16_t last_left, bool missing_goes_right, double cut) {
      feature = static_cast<int32_t>(f);
      last_left_bin = last_left;
      missing_right = missing_goes_right;
      threshold = cut;
    }
  };

  void push(const Pending& node, const double* stats) {
    stack_.push_back(node);
    stack_stats_.insert(stack_stats_.end(), stats, stats + k_);
  }

  // Knuth's selection sampling (TAOCP 3.4.2, Algorithm S): rows_per_tree of the usable rows
  // without replacement, in ascending order (the histogram passes then read the bins in order).
  size_t draw_rows(Rng& rng) {
    const size_t n = p_.usable.size(), m = p_.rows_per_tree;
    size_t taken = 0;
    for (size_t i = 0; i < n && taken < m; ++i) {
      if (static_cast<double>(n - i) * rng.uniform() < static_cast<double>(m - taken)) {
        const uint32_t r = p_.usable[i];
        weight_[taken] = p_.weight[r];
        positive_[taken] = p_.positive[r];
        rows_[taken++] = r;
      }
    }
    return taken;
  }

  bool can_split(const Pending& node, double w) const {
    if (node.end - node.begin < 2) return false;
    if (p_.max_depth > 0 && node.depth >= p_.max_depth) return false;
    if (w < 2 * p_.min_child) return false;
    const double largest = *std::max_element(node_stats_.begin(), node_stats_.end());
    return largest < w * (1 - 1e-12);  // impure
  }

  // The best cut over features_per_split features drawn at random; none when they are all
  // constant in the node.
  Split best_split(const Pending& node, double w, Rng& rng) {
    Split best;
    best.left.assign(k_, 0.0);
    const double parent_score = p_.score(node_stats_.data(), w);
    double best_score = -std::numeric_limits<double>::infinity();
    for (size_t i = 0; i < p_.features_per_split; ++i) {
      std::swap(features_[i], features_[i + rng.index(p_.n_features - i)]);
      const uint32_t f = features_[i];
      if (k_ == 2) {
        scan_two_classes(node, f, w, best, best_score);
      } else {
        scan_feature(node, f, w, best, best_score);
      }
    }
    if (best.feature < 0) return best;  // every drawn feature is constant in the node
    // With reg_lambda > 0 the gain can be negative: such a split makes the model worse. With 0 it
    // is a Gini decrease, >= 0 up to rounding, and every impure node splits, as in CART.
    if (p_.shrink && !(best_score - parent_score > 0)) best.feature = -1;
    return best;
  }

  // scan_feature() for two classes, with the statistics as numbers: per bin the weight and the
  // class-1 weight.
  void scan_two_classes(const Pending& node, uint32_t f, double w, Split& best,
                        double& best_score) {
    const BinnedColumns& x = *p_.x;
    const size_t n_bins = x.bins(f);
    const uint16_t* bins = x.bin.data() + static_cast<size_t>(f) * x.rows;
    double* hist = hist_.data();
    uint16_t low = std::numeric_limits<uint16_t>::max(), high = 0;
    for (uint32_t i = node.begin; i < node.end; ++i) {
      const uint16_t b = bins[rows_[i]];
      hist[2 * b] += weight_[i];
      hist[2 * b + 1] += positive_[i];
      low = std::min(low, b);
      high = std::max(high, b);
    }
    const bool has_missing = high == n_bins;
    const double missing_w = has_missing ? hist[2 * n_bins] : 0.0;
    const double missing_s = has_missing ? hist[2 * n_bins + 1] : 0.0;
    const double p = p_.prior[1], pseudo = p_.pseudo[1], min_child = p_.min_child;
    const double s_total = node_stats_[1];
    auto consider = [&](double lw, double ls, bool missing_right, double threshold,
                        uint16_t last_left_bin) {
      const double rw = w - lw, rs = s_total - ls;
      if (lw < min_child || rw < min_child) return;
      const double dl = ls - p * lw, dr = rs - p * rw;
      const double score = dl * dl / (lw + pseudo) + dr * dr / (rw + pseudo);
      if (score > best_score) {
        best_score = score;
        best.take(f, last_left_bin, missing_right, threshold);
        best.left[0] = lw - ls;
        best.left[1] = ls;
      }
    };
    double lw = 0, ls = 0;  // the value bins left of the cut
    int last = -1;          // the last non-empty value bin so far
    const size_t value_end = has_missing ? n_bins : static_cast<size_t>(high) + 1;
    for (size_t b = low; b < value_end; ++b) {
      const double bw = hist[2 * b];
      if (bw == 0) continue;
      if (last >= 0) {
        const double threshold = x.threshold(f, static_cast<size_t>(last), b);
        const auto cut = static_cast<uint16_t>(last);
        if (has_missing) {
          consider(lw, ls, true, threshold, cut);
          consider(lw + missing_w, ls + missing_s, false, threshold, cut);
        } else {
          consider(lw, ls, lw < w - lw, threshold, cut);  // unseen missing: the heavier side
        }
      }
      lw += bw;
      ls += hist[2 * b + 1];
      last = static_cast<int>(b);
    }
    if (has_missing && last >= 0) {  // present against missing
      consider(lw, ls, true, std::numeric_limits<double>::infinity(), static_cast<uint16_t>(last));
    }
    const size_t clear_end = has_missing ? n_bins + 1 : static_cast<size_t>(high) + 1;
    if (low < clear_end) {
      std::fill(hist + 2 * static_cast<size_t>(low), hist + 2 * clear_end, 0.0);
    }
  }

  // Histogram of feature f over the node's rows, then every cut between two non-empty bins, with
  // the missing rows on either side.
  void scan_feature(const Pending& node, uint32_t f, double w, Split& best, double& best_score) {
    const BinnedColumns& x = *p_.x;
    const size_t n_bins = x.bins(f);
    const uint16_t* bins = x.bin.data() + static_cast<size_t>(f) * x.rows;
    uint16_t low = std::numeric_limits<uint16_t>::max(), high = 0;
    for (uint32_t i = node.begin; i < node.end; ++i) {
      const uint32_t r = rows_[i];
      const uint16_t b = bins[r];
      hist_[b * k_ + p_.label[r]] += p_.weight[r];
      low = std::min(low, b);
      high = std::max(high, b);
    }
    const double* missing = hist_.data() + n_bins * k_;
    const bool has_missing = high == n_bins;
    if (has_missing) high = static_cast<uint16_t>(n_bins - 1);  // the value bins end before
    const double missing_w = has_missing ? sum_of(missing, k_) : 0.0;

    std::fill(left_.begin(), left_.end(), 0.0);
    int last = -1;  // the last non-empty value bin so far
    auto consider = [&](bool missing_right, double threshold, uint16_t last_left_bin) {
      // left_ holds the value bins up to the cut; the missing rows join one side.
      std::vector<double>& l = candidate_;
      l = left_;
      if (!missing_right) {
        for (size_t c = 0; c < k_; ++c) l[c] += missing[c];
      }
      const double wl = sum_of(l.data(), k_), wr = w - wl;
      if (wl < p_.min_child || wr < p_.min_child) return;
      for (size_t c = 0; c < k_; ++c) right_[c] = node_stats_[c] - l[c];
      const double s = p_.score(l.data(), wl) + p_.score(right_.data(), wr);
      if (s > best_score) {
        best_score = s;
        best.take(f, last_left_bin, missing_right, threshold);
        best.left = l;
      }
    };
    for (size_t b = low; b <= high && high < n_bins; ++b) {
      const double* h = hist_.data() + b * k_;
      if (sum_of(h, k_) == 0) continue;
      if (last >= 0) {
        const double threshold = x.threshold(f, static_cast<size_t>(last), b);
        const auto cut = static_cast<uint16_t>(last);
        if (has_missing) {
          consider(true, threshold, cut);
          consider(false, threshold, cut);
        } else {
          // No missing rows here: unseen missing values go to the heavier side.
          const double wl = sum_of(left_.data(), k_);
          consider(wl < w - wl, threshold, cut);
        }
      }
      for (size_t c = 0; c < k_; ++c) left_[c] += h[c];
      last = static_cast<int>(b);
    }
    // Present against missing: every value left, the missing rows right.
    if (has_missing && last >= 0 && missing_w > 0) {
      consider(true, std::numeric_limits<double>::infinity(), static_cast<uint16_t>(last));
    }

    // Clear what this feature used.
    const size_t clear_to = has_missing ? n_bins : static_cast<size_t>(high);
    if (low <= clear_to) {
      std::fill(hist_.begin() + static_cast<std::ptrdiff_t>(low * k_),
                hist_.begin() + static_cast<std::ptrdiff_t>((clear_to + 1) * k_), 0.0);
    }
  }

  // Stable partition of the node's rows: the left ones first, each side in ascending order.
  uint32_t partition(const Pending& node, const Split& split) {
    const BinnedColumns& x = *p_.x;
    const auto f = static_cast<size_t>(split.feature);
    const size_t missing_bin = x.bins(f);
    const uint16_t* bins = x.bin.data() + f * x.rows;
    uint32_t out = node.begin;
    size_t n_right = 0;
    for (uint32_t i = node.begin; i < node.end; ++i) {
      const uint32_t r = rows_[i];
      const uint16_t b = bins[r];
      const bool right = b == missing_bin ? split.missing_right : b > split.last_left_bin;
      const double w = weight_[i], pos = positive_[i];
      if (right) {
        right_rows_[n_right] = r;
        right_weight_[n_right] = w;
        right_positive_[n_right++] = pos;
      } else {
        rows_[out] = r;
        weight_[out] = w;
        positive_[out++] = pos;
      }
    }
    const auto n = static_cast<std::ptrdiff_t>(n_right);
    std::copy(right_rows_.begin(), right_rows_.begin() + n, rows_.begin() + out);
    std::copy(right_weight_.begin(), right_weight_.begin() + n, weight_.begin() + out);
    std::copy(right_positive_.begin(), right_positive_.begin() + n, positive_.begin() + out);
    return out;
  }

  void make_leaf(Tree& tree, int32_t node, const double* s, double w) {
    TreeNode& leaf = tree.nodes[static_cast<size_t>(node)];
    leaf.feature = -1;
    leaf.next = static_cast<int32_t>(tree.leaf.size());
    auto value = [&](size_t c) { return (s[c] + p_.pseudo[c] * p_.prior[c]) / (w + p_.pseudo[c]); };
    if (k_ == 2) {
      tree.leaf.push_back(value(1));
      return;
    }
    double total = 0;
    for (size_t c = 0; c < k_; ++c) total += value(c);
    for (size_t c = 0; c < k_; ++c) tree.leaf.push_back(value(c) / total);
  }

  const ForestProblem& p_;
  size_t k_;
  // The tree's rows, each node's together (see Pending), with their weights and class-1 weights
  // alongside, so that the histogram passes read those in order; right_*: partition() scratch.
  std::vector<uint32_t> rows_, right_rows_;
  std::vector<double> weight_, positive_, right_weight_, right_positive_;
  std::vector<uint32_t> features_;
  std::vector<double> hist_;  // [bin * k + class], all zero between features
  std::vector<double> left_, right_, candidate_, node_stats_;
  std::vector<Pending> stack_;
  std::vector<double> stack_stats_;
};

class RandomForestClassifier final : public Classifier {
 public:
  RandomForestClassifier(RandomForestConfig config, const ClassifierContext& context)
      : config_(std::move(config)), context_(context) {}

  std::string name() const override { return "random_forest"; }
  nlohmann::json config() const override { return config_.to_json(); }
  ScoreKind score_kind() const override { return ScoreKind::kProbability; }

  void fit(const Matrix& x, const std::vector<int>& y,
           const std::vector<double>& sample_weight) override {
    trees_.clear();
    n_classes_ = detail::check_fit_input("random_forest", x, y, sample_weight, false);
    if (n_classes_ > 255) {
      throw Error(ErrorKind::kUnsupported,
                  "random_forest: at most 255 classes, got " + std::to_string(n_classes_));
    }
    const BinnedColumns binned = bin_columns(x, static_cast<size_t>(config_.max_bin));
    const ForestProblem problem = make_problem(binned, y, sample_weight);
    n_features_ = x.cols;
    if (problem.usable.empty()) {
      throw Error(ErrorKind::kInvalidArgument,
                  "random_forest: fit: every sample weight is 0; expected at least one row with "
                  "a positive weight");
    }

    std::vector<Tree> trees(static_cast<size_t>(config_.n_estimators));
    std::atomic<size_t> next{0};
    std::vector<std::exception_ptr> errors(
        static_cast<size_t>(std::max(1, std::min(context_.threads, config_.n_estimators))));
    auto work = [&](size_t worker) {
      try {
        TreeGrower grower(problem);
        for (size_t t = next++; t < trees.size(); t = next++) {
          trees[t] = grower.grow(mix_seed(mix_seed(context_.seed, 3), t));
        }
      } catch (...) {
        errors[worker] = std::current_exception();
        next = trees.size();
      }
    };
    std::vector<std::thread> helpers;
    for (size_t w = 1; w < errors.size(); ++w) helpers.emplace_back(work, w);
    work(0);
    for (auto& h : helpers) h.join();
    for (const auto& e : errors) {
      if (e) std::rethrow_exception(e);
    }
    trees_ = std::move(trees);
  }

  Matrix predict_proba(const Matrix& x) const override {
    detail::check_predict_input("random_forest", !trees_.empty(), n_features_, x, false);
    const auto k = static_cast<size_t>(n_classes_);
    Matrix out(x.rows, k);
    const double scale = 1.0 / static_cast<double>(trees_.size());
    // Tree by tree over blocks of rows: a tree's nodes stay in the cache for the whole block.
    constexpr size_t kBlock = 256;
    for (size_t first = 0; first < x.rows; first += kBlock) {
      const size_t last = std::min(x.rows, first + kBlock);
      for (const Tree& tree : trees_) {
        const TreeNode* nodes = tree.nodes.data();
        for (size_t i = first; i < last; ++i) {
          const double* row = x.data.data() + i * x.cols;
          const TreeNode* n = nodes;
          while (n->feature >= 0) {
            const double v = row[n->feature >> 1];
            const bool right = std::isnan(v) ? (n->feature & 1) != 0 : !(v <= n->threshold);
            n = nodes + n->next + (right ? 1 : 0);
          }
          const double* leaf = tree.leaf.data() + n->next;
          double* o = out.data.data() + i * k;
          if (k == 2) {
            o[1] += leaf[0];
          } else {
            for (size_t c = 0; c < k; ++c) o[c] += leaf[c];
          }
        }
      }
    }
    for (size_t i = 0; i < x.rows; ++i) {
      double* o = out.data.data() + i * k;
      if (k == 2) {
        o[1] = std::clamp(o[1] * scale, 0.0, 1.0);
        o[0] = 1.0 - o[1];
      } else {
        for (size_t c = 0; c < k; ++c) o[c] *= scale;
      }
    }
    return out;
  }

 private:
  ForestProblem make_problem(const BinnedColumns& binned, const std::vector<int>& y,
                             const std::vector<double>& sample_weight) const {
    ForestProblem p;
    p.x = &binned;
    p.n_classes = static_cast<size_t>(n_classes_);
    p.n_features = binned.first.size() - 1;
    p.label.assign(y.begin(), y.end());
    p.weight = sample_weight.empty() ? std::vector<double>(y.size(), 1.0) : sample_weight;
    p.positive.resize(y.size());
    for (size_t i = 0; i < y.size(); ++i) p.positive[i] = y[i] == 1 ? p.weight[i] : 0.0;
    std::vector<double> share(p.n_classes, 0.0);
    double total = 0;
    for (size_t i = 0; i < y.size(); ++i) {
      if (p.weight[i] <= 0) continue;
      p.usable.push_back(static_cast<uint32_t>(i));
      share[static_cast<size_t>(y[i])] += p.weight[i];
      total += p.weight[i];
    }
    const double c = p.n_classes == 2 ? 1.0 : 2.0;
    double smallest_hessian = std::numeric_limits<double>::infinity();
    for (double& s : share) {
      s = total > 0 ? std::clamp(s / total, 1e-6, 1 - 1e-6) : 0.5;
      const double hessian = c * s * (1 - s);
      p.pseudo.push_back(config_.reg_lambda / hessian);
      smallest_hessian = std::min(smallest_hessian, hessian);
    }
    p.prior = share;
    p.min_child = config_.min_child_weight / smallest_hessian;
    p.shrink = config_.reg_lambda > 0;
    const double d = static_cast<double>(p.n_features);
    const double fraction = config_.colsample_bynode
                                ? *config_.colsample_bynode
                                : std::min(1.0, (std::floor(std::sqrt(d)) + 0.5) / d);
    p.features_per_split = std::max<size_t>(1, static_cast<size_t>(std::floor(fraction * d)));
    p.rows_per_tree = std::max<size_t>(
        1, static_cast<size_t>(
               std::llround(config_.subsample * static_cast<double>(p.usable.size()))));
    p.max_depth = config_.max_depth;
    return p;
  }

  RandomForestConfig config_;
  ClassifierContext context_;
  std::vector<Tree> trees_;
  int n_classes_ = 0;
  size_t n_features_ = 0;
};

}  // namespace

std::unique_ptr<Classifier> make_random_forest(const RandomForestConfig& config,
                                               const ClassifierContext& context) {
  config.validate();
  detail::check_context("random_forest", context);
  if (config.engine == "xgboost") return detail::make_xgboost_random_forest(config, context);
  return std::make_unique<RandomForestClassifier>(config, context);
}

}  // namespace imbgen
