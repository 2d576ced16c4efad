// Conditional variational autoencoder (Sohn, Lee & Yan 2015, "Learning Structured Output
// Representation using Deep Conditional Generative Models"; the VAE of Kingma & Welling 2014 with
// the class as condition): one model for all classes, sampling a class directly.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "imbgen/generators/generator.h"
#include "imbgen/generators/vae.h"

namespace imbgen {

// As VaeConfig (see vae.h), with the one-hot class vector appended to the encoder's input and to
// the decoder's input z. The rows of all fit classes are standardised together. Model selection
// holds rows back per class and scores per class (the MMD^2 of each class weighted by its
// held-back rows).
struct CvaeConfig : VaeSettings, ConfigBase<CvaeConfig> {
  static constexpr const char* kName = "cvae";
};

// conditional() is true: sample(c, n) decodes with class c's one-hot condition, never by
// rejection. Each class needs at least 2 training rows. Progress: task "cvae", values loss,
// recon, kl (and mmd). history(): {"every": N, "classes": [c...], "rows", "validation_rows",
// "batch_size", "steps", "step", "loss", "recon", "kl"[, "validation": {...}]}.
// Reproducible: the same seed gives the same bytes on the same build and LibTorch thread count
// (a different thread count splits the float sums of the matrix products differently, so the
// bytes, not the distribution, may change).
inline std::unique_ptr<Generator> make_cvae(const CvaeConfig& config = {}) {
  return make_generator(CvaeConfig::kName, config.to_json());
}

}  // namespace imbgen
