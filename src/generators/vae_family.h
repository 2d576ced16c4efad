// Pieces shared by the VAE family (vae, cvae, tvae): the train plan their settings give, and the
// rounding of spans to exact 0/1.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common.h"
#include "imbgen/data/encoder.h"
#include "imbgen/data/matrix.h"
#include "imbgen/generators/vae.h"
#include "vae_net.h"

namespace imbgen {

inline VaeTrainPlan vae_plan(const VaeSettings& c) {
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
