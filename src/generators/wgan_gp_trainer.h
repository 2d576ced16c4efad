// The training state of one wgan_gp class (its generator, its critic, their Adam states, the
// rows and the noise source) and its training step, written out by hand (manual_mlp.h).
// Private to the generators module; includes <torch/torch.h>.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "imbgen/generators/wgan_gp.h"
#include "torch_blocks.h"

namespace imbgen {

class WganGpTrainer {
 public:
  // Builds both networks for the rows `data` ([n, d] float32, standardised) and initialises their
  // weights from a generator seeded with `seed` (the generator's layers first), which then draws
  // the noise and the interpolation weights; the batches come from a RowSampler seeded with
  // mix_seed(seed, 1).
  WganGpTrainer(const WganGpConfig& c, const torch::Tensor& data, size_t batch, uint64_t seed);
  ~WganGpTrainer();

  // critic_steps critic updates (Algorithm 1, lines 2-9), each on a fresh real batch, a fresh
  // generated batch and fresh interpolation weights (drawn in that order), then one generator
  // update on fresh noise (line 11). Returns {critic_loss, g_loss, wasserstein, gp}: the critic's
  // values are means over its updates.
  std::vector<double> step();

  // The generator, whose weights the steps update in place.
  Mlp& generator();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace imbgen
