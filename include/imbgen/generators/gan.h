// The reference GAN (Goodfellow et al. 2014, "Generative Adversarial Nets", Algorithm 1 with the
// non-saturating generator loss): one unconditional GAN per class, trained on standardised rows.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "imbgen/generators/config.h"
#include "imbgen/generators/generator.h"

namespace imbgen {

// Defaults are the reference configuration. Each hidden layer of the generator is
// Linear -> ReLU -> BatchNorm1d and its output layer is linear; each hidden layer of the
// discriminator is Linear -> ReLU and its output is one logit (binary cross-entropy on logits).
// One training step = one discriminator update (a real batch labelled 1 and a fake batch
// labelled 0; the loss is the sum of the two means) then one generator update (fake batch
// labelled 1). Both nets use Adam.
struct GanConfig : ConfigBase<GanConfig> {
  static constexpr const char* kName = "gan";

  int latent_dim = 0;
  std::vector<int> generator_hidden = {32, 64, 128};
  std::vector<int> discriminator_hidden = {128, 64, 32, 32, 16};
  double generator_lr = 1e-3;
  double discriminator_lr = 1e-3;
  double beta1 = 0.5;
  double beta2 = 0.999;
  int steps = 5000;
  int batch_size = 64;
  int history_every = 10;

  template <class V>
  void visit(V& v) {
    v("latent_dim", latent_dim, in_range(0, 4096, "0 = the number of features"), "noise size");
    v("generator_hidden", generator_hidden, layer_widths(), "hidden layer widths of the generator");
    v("discriminator_hidden", discriminator_hidden, layer_widths(),
      "hidden layer widths of the discriminator");
    v("generator_lr", generator_lr, positive(), "Adam learning rate of the generator");
    v("discriminator_lr", discriminator_lr, positive(), "Adam learning rate of the discriminator");
    v("beta1", beta1, below(0, 1), "Adam beta1, both nets");
    v("beta2", beta2, below(0, 1), "Adam beta2, both nets");
    v("steps", steps, at_least(1), "training steps per class");
    v("batch_size", batch_size, in_range(2, 1 << 20, "BatchNorm needs 2 rows"),
      "rows per batch, drawn from the class rows by a seeded shuffler");
    v("history_every", history_every, at_least(1),
      "history() keeps the mean losses of every block of this many steps");
  }
};

// fit() trains on options.threads LibTorch threads (training_loop.h's TorchThreadScope). It
// reports every step to options.observer with task "gan: class <c>", and values d_loss,
// g_loss, d_real (mean sigmoid of the discriminator on the real batch) and d_fake (on the fake
// batch). A non-finite value throws Error(kDiverged) naming the class and the step. Each class
// needs at least 2 training rows. history() returns
// {"every": N, "classes": {"<c>": {"step": [...], "d_loss": [...], "g_loss": [...],
//  "d_real": [...], "d_fake": [...]}}} where each value is the mean over the block ending at step.
inline std::unique_ptr<Generator> make_gan(const GanConfig& config = {}) {
  return make_generator(GanConfig::kName, config.to_json());
}

}  // namespace imbgen
