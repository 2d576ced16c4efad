// Conditional variational autoencoder (Sohn, Lee & Yan 2015, "Learning Structured Output
// Representation using Deep Conditional Generative Models"; the VAE of Kingma & Welling 2014 with
// the class as condition): one model for all classes, sampling a class directly.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "imbgen/generators/generator.h"

namespace imbgen {

// As VaeConfig (see vae.h), with the one-hot class vector appended to the encoder's input and to
// the decoder's input z. The rows of all fit classes are standardised together.
struct CvaeConfig {
  int latent_dim = 16;
  std::vector<int> encoder_hidden = {128, 128};
  std::vector<int> decoder_hidden = {128, 128};
  double lr = 1e-3;
  double weight_decay = 1e-5;
  int batch_size = 128;  // rows per step: min(batch_size, training rows of all classes)
  int epochs = 1000;     // steps = 0: min(ceil(epochs * rows / batch), 20000) steps
  int steps = 0;
  double sample_noise = 1.0;  // in [0, 10]
  int history_every = 10;
  // Model selection as VaeConfig's, held back per class and scored per class (the MMD^2 of each
  // class weighted by its held-back rows).
  double validation_fraction = 0.0;
  int validation_every = 100;
  int validation_samples = 500;
  int patience = 0;

  std::vector<std::string> problems() const;
  void validate() const;
  nlohmann::json to_json() const;
  static CvaeConfig from_json(const nlohmann::json& j);
};

// conditional() is true: sample(c, n) decodes with class c's one-hot condition, never by
// rejection. Each class needs at least 2 training rows. Progress: task "cvae", values loss,
// recon, kl (and mmd). history(): {"every": N, "classes": [c...], "rows", "validation_rows",
// "batch_size", "steps", "step", "loss", "recon", "kl"[, "validation": {...}]}.
// Reproducible: the same seed gives the same bytes on the same build and LibTorch thread count
// (a different thread count splits the float sums of the matrix products differently, so the
// bytes, not the distribution, may change).
std::unique_ptr<Generator> make_cvae(const CvaeConfig& config = {});

}  // namespace imbgen
