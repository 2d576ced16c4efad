// TVAE (Xu et al. 2019, "Modeling Tabular Data using Conditional GAN"): one VAE per class on the
// mode-specific normalisation of CTGAN (Section 4.2, mode_normalizer.h), with a tanh-Gaussian
// likelihood for the normalised values and cross-entropy for the mode and category one-hot
// blocks. The network and training loop are vae_net.cpp's.
#include "imbgen/generators/tvae.h"

#include <algorithm>
#include <map>
#include <utility>

#include "common.h"
#include "imbgen/core/rng.h"
#include "imbgen/data/scaler.h"
#include "mode_normalizer.h"
#include "registry.h"
#include "training_loop.h"
#include "vae_net.h"

namespace imbgen {
namespace {

constexpr size_t kMinRows = 2;

// The decoder's output blocks: per numeric column a tanh-Gaussian alpha and its modes'
// categorical block; per one-hot block and indicator a categorical block.
VaeNetOptions net_options(const TvaeConfig& c, const ModeNormalizer& normalizer) {
  VaeNetOptions o = vae_net_options(c, normalizer.width());
  o.row_sigma = false;
  o.sigma_init = 0.1;
  o.sigma_min = 0.01;
  o.sigma_max = 1.0;
  o.recon_weight = c.loss_factor;
  for (const ModeColumn& col : normalizer.columns()) {
    if (col.kind == ModeKind::kConstant) continue;
    if (col.kind == ModeKind::kNumeric) {
      o.blocks.push_back({OutputKind::kTanhGaussian, col.out_start, 1});
      o.blocks.push_back({OutputKind::kCategorical, col.out_start + 1, col.vgm.modes()});
    } else {
      o.blocks.push_back({OutputKind::kCategorical, col.out_start, col.out_width});
    }
  }
  return o;
}

struct ClassModel {
  ModeNormalizer normalizer;
  std::unique_ptr<VaeNet> net;
};

class Tvae : public GeneratorBase<TvaeConfig> {
 public:
  using GeneratorBase::GeneratorBase;

  size_t min_class_rows() const override { return kMinRows; }

  void fit(const Matrix& x, const std::vector<int>& y, const FitOptions& options) override {
    begin_fit(name(), x, y, options, min_class_rows(), "", /*check_spans=*/true);
    const TorchThreadScope threads(options.threads);
    std::map<int, ClassModel> models;
    nlohmann::json curves = nlohmann::json::object();
    for (int c : options.classes) {
      curves[std::to_string(c)] =
          fit_class(class_rows(name(), x, y, c, min_class_rows()), c, options, models[c]);
    }
    models_ = std::move(models);
    spans_ = options.spans;
    history_ = {{"every", config_.history_every}, {"classes", std::move(curves)}};
  }

  // Decoded a block at a time: the net-space rows of all n at once (hundreds of mode columns)
  // were most of a large sample's time and memory.
  Matrix sample(int cls, size_t n, uint64_t seed) const override {
    const ClassModel& m = model_of(models_, name(), cls);
    Matrix out(n, m.normalizer.cols());
    m.net->sample_blocks(n, 0, config_.sample_noise, mix_seed(seed, static_cast<uint64_t>(cls)),
                         [&](size_t start, const Matrix& rows) {
                           const Matrix part = m.normalizer.decode(rows);
                           std::copy(part.data.begin(), part.data.end(), out.row(start));
                         });
    return out;
  }

  void save_state(std::ostream& out) const override {
    BinaryWriter w(out);
    w.u64(models_.size());
    if (models_.empty()) return;
    w.u64(models_.begin()->second.normalizer.cols());
    write_spans(w, spans_);
    for (const auto& [c, m] : models_) {
      w.i64(c);
      m.normalizer.save(w);
      m.net->save(w);
    }
    write_json(w, history_);
  }

  void load_state(std::istream& in) override {
    BinaryReader r(in);
    const uint64_t n = r.length("the class count", 8);
    if (n == 0) {
      r.expect_end("the tvae state");
      models_.clear();
      spans_.clear();
      history_ = nlohmann::json::object();
      return;
    }
    const size_t cols = read_column_count(r);
    std::vector<EncodedSpan> spans = read_spans(r, cols);
    std::map<int, ClassModel> models;
    for (uint64_t i = 0; i < n; ++i) {
      const int c = static_cast<int>(r.i64("a class"));
      try {
        ClassModel& m = models[c];
        m.normalizer = ModeNormalizer::load(r, spans, cols);
        m.net = std::make_unique<VaeNet>(net_options(config_, m.normalizer), 0);
        m.net->load(r);
      } catch (const Error& e) {
        throw Error(e.kind(), "class " + std::to_string(c) + ": " + e.what());
      }
    }
    nlohmann::json history = read_json(r, "the training history");
    r.expect_end("the tvae state");
    models_ = std::move(models);
    spans_ = std::move(spans);
    history_ = std::move(history);
  }

  nlohmann::json history() const override { return history_; }

 private:
  // The normalisation and network of class c from its rows; returns its curves (with the modes
  // of each numeric column).
  nlohmann::json fit_class(const Matrix& rows, int c, const FitOptions& options,
                           ClassModel& m) const {
    const uint64_t class_seed = mix_seed(options.seed, static_cast<uint64_t>(c));
    const std::string task = name() + ": class " + std::to_string(c);
    VgmOptions vo;
    vo.max_components = config_.max_modes;
    vo.weight_threshold = config_.mode_weight_threshold;
    m.normalizer = ModeNormalizer::fit(rows, options.spans, vo, class_seed);
    if (m.normalizer.width() == 0) {
      throw Error(ErrorKind::kInvalidArgument,
                  task +
                      ": every column is constant in its training rows; nothing to learn "
                      "(use random oversampling for this class)");
    }
    Rng rng(mix_seed(class_seed, 2));
    const Matrix encoded = m.normalizer.encode(rows, rng);
    // Validation scores compare decoded rows in units standardised on the class's rows.
    StandardScaler scaler;
    scaler.fit(rows);
    const ModeNormalizer& normalizer = m.normalizer;
    const ScoreMap to_score = [&normalizer, &scaler](const Matrix& e) {
      return scaler.transform(normalizer.decode(e));
    };
    m.net = std::make_unique<VaeNet>(net_options(config_, m.normalizer), class_seed);
    nlohmann::json curve =
        m.net->train(encoded, std::vector<int>(encoded.rows, 0), config_, to_score,
                     mix_seed(class_seed, 1), observer_of(options), task);
    curve["modes"] = m.normalizer.modes();
    return curve;
  }

  std::map<int, ClassModel> models_;
  std::vector<EncodedSpan> spans_;
  nlohmann::json history_ = nlohmann::json::object();
};

}  // namespace

GeneratorSpec tvae_generator() {
  return trains_network(make_spec<Tvae, TvaeConfig>(
      "TVAE (Xu et al. 2019): one variational autoencoder per class on mode-specific normalisation",
      {{"steps", 100},
       {"batch_size", 16},
       {"latent_dim", 8},
       {"encoder_hidden", {32}},
       {"decoder_hidden", {32}}}));
}

}  // namespace imbgen
