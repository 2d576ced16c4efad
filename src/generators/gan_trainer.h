// One GAN (generator + discriminator + their Adam optimisers) for the standardised rows of one
// class. The LibTorch types stay in gan_trainer.cpp; this header is torch-free.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "binary_io.h"
#include "imbgen/data/matrix.h"
#include "imbgen/generators/gan.h"

namespace imbgen {

struct GanStepStats {
  double d_loss = 0.0;  // BCE(D(real), 1) + BCE(D(fake), 0), before the discriminator update
  double g_loss = 0.0;  // BCE(D(fake), 1), after the discriminator update
  double d_real = 0.0;  // mean sigmoid(D(real))
  double d_fake = 0.0;  // mean sigmoid(D(fake))
};

class GanTrainer {
 public:
  // Builds both networks for `n_features` columns and initialises their weights from `seed`
  // (LibTorch's default Linear initialisation, drawn from a generator seeded explicitly).
  GanTrainer(const GanConfig& config, size_t n_features, uint64_t seed);
  ~GanTrainer();
  GanTrainer(GanTrainer&&) noexcept;
  GanTrainer& operator=(GanTrainer&&) noexcept;

  // The training rows, already standardised [n, n_features]; n >= 1.
  void set_data(const Matrix& z);
  // One discriminator update then one generator update (networks in training mode).
  GanStepStats step();
  // Puts the generator in evaluation mode (BatchNorm uses its running statistics).
  void finish();

  // n rows from the generator in evaluation mode, standardised units [n, n_features].
  // Noise is drawn from a generator seeded with `seed`; thread-safe after finish().
  Matrix sample(size_t n, uint64_t seed) const;
  // The same rows, out.rows of them, written into `out`.
  void sample_into(uint64_t seed, const MutableNumberBlock& out) const;

  int64_t generator_parameter_count() const;
  int64_t discriminator_parameter_count() const;
  size_t n_features() const;
  size_t latent_dim() const;

  // The generator's parameters and buffers (BatchNorm running statistics), by name and shape.
  void save(BinaryWriter& w) const;
  // Loads what save() wrote into networks built with the same config; a name or shape that does
  // not match throws Error(kInvalidArgument). Files written before the generator was a
  // torch_blocks Mlp name its tensors by position ("3.weight" for "linear1.weight"); they load
  // too. Leaves the generator in evaluation mode.
  void load(BinaryReader& r);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace imbgen
