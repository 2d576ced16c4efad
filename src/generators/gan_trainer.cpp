// The LibTorch side of the reference GAN (Goodfellow et al. 2014, Algorithm 1 with k = 1
// discriminator step and the non-saturating generator loss of Section 3): the networks, one
// training step, sampling, and the weights' binary save/load.
#include "gan_trainer.h"

#include <string>
#include <vector>

#include "imbgen/core/error.h"
#include "imbgen/core/rng.h"
#include "torch_blocks.h"
#include "training_loop.h"

namespace imbgen {
namespace {

// The name an Mlp tensor of the generator had when the generator was a torch::nn::Sequential of
// (Linear, ReLU, BatchNorm1d) per hidden layer and a last Linear: linear<i> was module 3i,
// norm<i> module 3i + 2.
std::string sequential_name(const std::string& name) {
  const size_t dot = name.find('.');
  const bool norm = name.rfind("norm", 0) == 0;
  const size_t digits = norm ? 4 : 6;  // "norm" / "linear"
  if (dot == std::string::npos || dot <= digits) return name;
  const size_t layer = std::stoul(name.substr(digits, dot - digits));
  return std::to_string(3 * layer + (norm ? 2 : 0)) + name.substr(dot);
}

}  // namespace

struct GanTrainer::Impl {
  GanConfig config;
  int64_t d = 0;
  int64_t latent = 0;
  at::Generator gen;  // weight initialisation and training noise
  Mlp g{nullptr};     // hidden layers Linear -> ReLU -> BatchNorm1d, linear output
  Mlp disc{nullptr};  // hidden layers Linear -> ReLU, one output logit
  std::vector<torch::Tensor> d_params;
  std::unique_ptr<torch::optim::Adam> g_opt;
  std::unique_ptr<torch::optim::Adam> d_opt;
  torch::Tensor data;  // [n, d] float32, standardised rows
  std::unique_ptr<RowSampler> rows;
  uint64_t seed = 0;
  torch::Tensor ones;   // [batch, 1]
  torch::Tensor zeros;  // [batch, 1]

  Impl(const GanConfig& c, size_t n_features, uint64_t s)
      : config(c),
        d(static_cast<int64_t>(n_features)),
        latent(c.latent_dim > 0 ? c.latent_dim : static_cast<int64_t>(n_features)),
        gen(seeded_generator(s)),
        g(latent, c.generator_hidden, d, MlpOptions{Activation::kReLU, true, 0.0}),
        disc(d, c.discriminator_hidden, 1, MlpOptions{Activation::kReLU, false, 0.0}),
        seed(s) {
    init_linear_layers(*g, gen);
    init_linear_layers(*disc, gen);
    d_params = disc->parameters();
    g_opt = make_adam(g->parameters(), config.generator_lr, config.beta1, config.beta2);
    d_opt = make_adam(disc->parameters(), config.discriminator_lr, config.beta1, config.beta2);
    ones = torch::ones({config.batch_size, 1});
    zeros = torch::zeros({config.batch_size, 1});
  }
};

GanTrainer::GanTrainer(const GanConfig& config, size_t n_features, uint64_t seed)
    : impl_(std::make_unique<Impl>(config, n_features, seed)) {}
GanTrainer::~GanTrainer() = default;
GanTrainer::GanTrainer(GanTrainer&&) noexcept = default;
GanTrainer& GanTrainer::operator=(GanTrainer&&) noexcept = default;

void GanTrainer::set_data(const Matrix& z) {
  check_internal(z.cols == static_cast<size_t>(impl_->d) && z.rows > 0,
                 "GanTrainer::set_data: expected [n > 0, " + std::to_string(impl_->d) + "] rows");
  impl_->data = to_tensor(z);
  // Batches pass over the rows in a fresh shuffled order each time, a batch running on into the
  // next pass when the class has fewer rows than the batch.
  impl_->rows = std::make_unique<RowSampler>(z.rows, mix_seed(impl_->seed, 1));
  impl_->g->train();
  impl_->disc->train();
}

GanStepStats GanTrainer::step() {
  Impl& s = *impl_;
  check_internal(s.data.defined(), "GanTrainer::step: set_data was not called");
  const torch::Tensor real =
      s.data.index_select(0, torch::tensor(s.rows->next(static_cast<size_t>(s.config.batch_size))));
  const torch::Tensor noise =
      torch::randn({s.config.batch_size, s.latent}, s.gen);  // [batch, latent]
  const torch::Tensor fake = s.g->forward(noise);            // [batch, d]

  // Discriminator: real rows labelled 1, generated rows labelled 0.
  const torch::Tensor real_logits = s.disc->forward(real);           // [batch, 1]
  const torch::Tensor fake_logits = s.disc->forward(fake.detach());  // [batch, 1]
  const torch::Tensor d_loss = torch::binary_cross_entropy_with_logits(real_logits, s.ones) +
                               torch::binary_cross_entropy_with_logits(fake_logits, s.zeros);
  s.d_opt->zero_grad();
  d_loss.backward();
  s.d_opt->step();

  // Generator: the same generated rows, labelled 1 for the updated discriminator.
  GanStepStats stats;
  stats.g_loss = generator_update(s.d_params, *s.g_opt, [&] {
    return torch::binary_cross_entropy_with_logits(s.disc->forward(fake), s.ones);
  });
  stats.d_loss = d_loss.item<double>();
  {
    torch::NoGradGuard no_grad;
    stats.d_real = torch::sigmoid(real_logits).mean().item<double>();
    stats.d_fake = torch::sigmoid(fake_logits).mean().item<double>();
  }
  return stats;
}

void GanTrainer::finish() {
  impl_->g->eval();
  impl_->disc->eval();
  impl_->data = torch::Tensor();
}

Matrix GanTrainer::sample(size_t n, uint64_t seed) const {
  Impl& s = *impl_;
  check_internal(!s.g->is_training(), "GanTrainer::sample: call finish() after training");
  at::Generator gen = seeded_generator(seed);
  return generate_rows(n, static_cast<size_t>(s.d), kSampleChunk, [&](size_t m) {
    return to_matrix(forward_in_blocks(torch::randn({static_cast<int64_t>(m), s.latent}, gen),
                                       [&](const torch::Tensor& z) { return s.g->forward(z); }));
  });
}

int64_t GanTrainer::generator_parameter_count() const { return count_parameters(*impl_->g); }
int64_t GanTrainer::discriminator_parameter_count() const { return count_parameters(*impl_->disc); }
size_t GanTrainer::n_features() const { return static_cast<size_t>(impl_->d); }
size_t GanTrainer::latent_dim() const { return static_cast<size_t>(impl_->latent); }

// The generator's tensors in the format of torch_blocks' save_tensors (the discriminator is not
// needed to sample).
void GanTrainer::save(BinaryWriter& w) const { save_tensors(w, *impl_->g); }

void GanTrainer::load(BinaryReader& r) {
  load_tensors(r, *impl_->g, sequential_name);
  impl_->g->eval();
  impl_->disc->eval();
}

}  // namespace imbgen
