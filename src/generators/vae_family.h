// Pieces shared by the VAE family (vae, cvae, tvae): the settings every family config has (their
// checks, JSON and reading), the train plan they give, and the rounding of spans to exact 0/1.
#pragma once

#include <cmath>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "common.h"
#include "imbgen/data/encoder.h"
#include "imbgen/data/matrix.h"
#include "vae_net.h"

namespace imbgen {

// Sanity bounds: they keep a corrupt or mistyped config from asking for absurd networks.
constexpr int kVaeMaxWidth = 4096;
constexpr size_t kVaeMaxLayers = 16;
constexpr int kVaeMaxBatch = 1 << 20;

void vae_check_layers(const char* key, const std::vector<int>& widths, std::vector<std::string>& p);
void vae_check_positive(const char* key, double v, std::vector<std::string>& p);
void vae_check_range(const char* key, double v, double lo, double hi, std::vector<std::string>& p);

// Config types with the fields latent_dim, encoder_hidden, decoder_hidden, lr, weight_decay,
// batch_size, epochs, steps, sample_noise, history_every, validation_fraction,
// validation_every, validation_samples and patience.
template <typename Config>
void vae_common_problems(const Config& c, std::vector<std::string>& p) {
  if (c.latent_dim < 1 || c.latent_dim > kVaeMaxWidth) {
    p.push_back("latent_dim must be in [1, " + std::to_string(kVaeMaxWidth) + "], got " +
                std::to_string(c.latent_dim));
  }
  vae_check_layers("encoder_hidden", c.encoder_hidden, p);
  vae_check_layers("decoder_hidden", c.decoder_hidden, p);
  vae_check_positive("lr", c.lr, p);
  vae_check_range("weight_decay", c.weight_decay, 0.0, 1.0, p);
  if (c.batch_size < 1 || c.batch_size > kVaeMaxBatch) {
    p.push_back("batch_size must be in [1, " + std::to_string(kVaeMaxBatch) + "], got " +
                std::to_string(c.batch_size));
  }
  if (c.epochs < 1) p.push_back("epochs must be >= 1, got " + std::to_string(c.epochs));
  if (c.steps < 0) {
    p.push_back("steps must be >= 0 (0 = from epochs), got " + std::to_string(c.steps));
  }
  vae_check_range("sample_noise", c.sample_noise, 0.0, 10.0, p);
  if (c.history_every < 1) {
    p.push_back("history_every must be >= 1, got " + std::to_string(c.history_every));
  }
  vae_check_range("validation_fraction", c.validation_fraction, 0.0, 0.5, p);
  if (c.validation_every < 1) {
    p.push_back("validation_every must be >= 1, got " + std::to_string(c.validation_every));
  }
  if (c.validation_samples < 2 || c.validation_samples > 100000) {
    p.push_back("validation_samples must be in [2, 100000], got " +
                std::to_string(c.validation_samples));
  }
  if (c.patience < 0) {
    p.push_back("patience must be >= 0 (0 = no early stopping), got " + std::to_string(c.patience));
  }
}

template <typename Config>
void vae_common_to_json(const Config& c, nlohmann::json& j) {
  j["latent_dim"] = c.latent_dim;
  j["encoder_hidden"] = c.encoder_hidden;
  j["decoder_hidden"] = c.decoder_hidden;
  j["lr"] = c.lr;
  j["weight_decay"] = c.weight_decay;
  j["batch_size"] = c.batch_size;
  j["epochs"] = c.epochs;
  j["steps"] = c.steps;
  j["sample_noise"] = c.sample_noise;
  j["history_every"] = c.history_every;
  j["validation_fraction"] = c.validation_fraction;
  j["validation_every"] = c.validation_every;
  j["validation_samples"] = c.validation_samples;
  j["patience"] = c.patience;
}

template <typename Config>
void vae_common_read(Config& c, ConfigReader& r) {
  r.read("latent_dim", c.latent_dim);
  r.read("encoder_hidden", c.encoder_hidden);
  r.read("decoder_hidden", c.decoder_hidden);
  r.read("lr", c.lr);
  r.read("weight_decay", c.weight_decay);
  r.read("batch_size", c.batch_size);
  r.read("epochs", c.epochs);
  r.read("steps", c.steps);
  r.read("sample_noise", c.sample_noise);
  r.read("history_every", c.history_every);
  r.read("validation_fraction", c.validation_fraction);
  r.read("validation_every", c.validation_every);
  r.read("validation_samples", c.validation_samples);
  r.read("patience", c.patience);
}

template <typename Config>
VaeTrainPlan vae_plan(const Config& c) {
  VaeTrainPlan plan;
  plan.batch_size = c.batch_size;
  plan.epochs = c.epochs;
  plan.steps = c.steps;
  plan.history_every = c.history_every;
  plan.validation_fraction = c.validation_fraction;
  plan.validation_every = c.validation_every;
  plan.validation_samples = c.validation_samples;
  plan.patience = c.patience;
  plan.sample_noise = c.sample_noise;
  return plan;
}

// Rounds the model columns of categorical spans to their exact form in place: each one-hot block
// becomes the one-hot of its largest value (ties: the first), each missing indicator 1 when it is
// above 0.5, else 0. Numeric columns are left alone. Empty spans: nothing to do.
void round_spans(Matrix& x, const std::vector<EncodedSpan>& spans);

}  // namespace imbgen
