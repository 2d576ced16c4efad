// The LibTorch side of the reference GAN (Goodfellow et al. 2014, Algorithm 1 with k = 1
// discriminator step and the non-saturating generator loss of Section 3): the networks, one
// training step, sampling, and the weights' binary save/load.
//
// The training step is written out by hand (manual_mlp.h): the forward and backward passes of
// both networks and their Adam updates, over the networks' own tensors, with LibTorch only for
// the matrix products. Autograd and the per-operation dispatch of LibTorch were about 80 % of a
// step at these sizes (a batch of 64 rows through layers 16 to 128 wide). Rows differ from an
// autograd step's in the last bits, and the training runs drift apart from there;
// tests/generators/gan_trainer_test.cpp checks steps against autograd.
#include "gan_trainer.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "imbgen/core/error.h"
#include "imbgen/core/rng.h"
#include "manual_mlp.h"
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

const MlpOptions kGeneratorOptions{Activation::kReLU, true, 0.0};
const MlpOptions kDiscriminatorOptions{Activation::kReLU, false, 0.0};

double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }

// binary_cross_entropy_with_logits of one logit x against label t.
double bce_with_logits(double x, double t) {
  return std::max(x, 0.0) - x * t + std::log1p(std::exp(-std::fabs(x)));
}

}  // namespace

struct GanTrainer::Impl {
  GanConfig config;
  int64_t d = 0;
  int64_t latent = 0;
  at::Generator gen;  // weight initialisation and training noise
  Mlp g{nullptr};     // hidden layers Linear -> ReLU -> BatchNorm1d, linear output
  Mlp disc{nullptr};  // hidden layers Linear -> ReLU, one output logit
  std::unique_ptr<ManualMlp> g_train, d_train;  // their training passes and Adam states
  MlpPass g_pass;       // the generated batch
  MlpPass d_pass;       // the real batch, then the generated one: [2 batch, d]
  MlpPass d_fake_pass;  // the generated batch through the updated discriminator
  torch::Tensor data;   // [n, d] float32, standardised rows
  std::unique_ptr<RowSampler> rows;
  uint64_t seed = 0;

  Impl(const GanConfig& c, size_t n_features, uint64_t s)
      : config(c),
        d(static_cast<int64_t>(n_features)),
        latent(c.latent_dim > 0 ? c.latent_dim : static_cast<int64_t>(n_features)),
        gen(seeded_generator(s)),
        g(latent, c.generator_hidden, d, kGeneratorOptions),
        disc(d, c.discriminator_hidden, 1, kDiscriminatorOptions),
        seed(s) {
    init_linear_layers(*g, gen);
    init_linear_layers(*disc, gen);
    g_train = std::make_unique<ManualMlp>(g, c.generator_hidden.size(), kGeneratorOptions,
                                          c.generator_lr, c.beta1, c.beta2);
    d_train = std::make_unique<ManualMlp>(disc, c.discriminator_hidden.size(),
                                          kDiscriminatorOptions, c.discriminator_lr, c.beta1,
                                          c.beta2);
    g_pass = g_train->make_pass(c.batch_size);
    d_pass = d_train->make_pass(2 * int64_t{c.batch_size});
    d_fake_pass = d_train->make_pass(c.batch_size);
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
  torch::NoGradGuard no_grad;  // the passes are written out (ManualMlp), not recorded
  const int64_t b = s.config.batch_size;
  const auto batch = static_cast<size_t>(b);
  // The real rows and the generated ones, one after the other, through the discriminator.
  at::Tensor real = s.d_pass.in[0].narrow(0, 0, b);
  at::index_select_out(real, s.data, 0, torch::tensor(s.rows->next(batch)));
  s.g_pass.in[0].copy_(torch::randn({b, s.latent}, s.gen));
  s.g_train->forward(s.g_pass);  // BatchNorm in training mode: the batch's statistics
  s.d_pass.in[0].narrow(0, b, b).copy_(s.g_pass.out);
  s.d_train->forward(s.d_pass);

  // Discriminator: BCE(D(real), 1) + BCE(D(fake), 0), each a mean over the batch.
  GanStepStats stats;
  const float* logit = s.d_pass.out.data_ptr<float>();
  float* d_logit = s.d_pass.d_pre.back().data_ptr<float>();
  for (size_t i = 0; i < 2 * batch; ++i) {
    const double label = i < batch ? 1.0 : 0.0, p = sigmoid(logit[i]);
    stats.d_loss += bce_with_logits(logit[i], label);
    (i < batch ? stats.d_real : stats.d_fake) += p;
    d_logit[i] = static_cast<float>((p - label) / static_cast<double>(batch));
  }
  stats.d_loss /= static_cast<double>(batch);
  stats.d_real /= static_cast<double>(batch);
  stats.d_fake /= static_cast<double>(batch);
  s.d_train->backward(s.d_pass, /*params=*/true, /*input=*/false);
  s.d_train->adam_step();

  // Generator: the same generated rows, labelled 1 for the updated discriminator, whose weights
  // stay as they are.
  s.d_fake_pass.in[0].copy_(s.g_pass.out);
  s.d_train->forward(s.d_fake_pass);
  const float* fake_logit = s.d_fake_pass.out.data_ptr<float>();
  float* d_fake_logit = s.d_fake_pass.d_pre.back().data_ptr<float>();
  for (size_t i = 0; i < batch; ++i) {
    stats.g_loss += bce_with_logits(fake_logit[i], 1.0);
    d_fake_logit[i] = static_cast<float>((sigmoid(fake_logit[i]) - 1.0) / static_cast<double>(batch));
  }
  stats.g_loss /= static_cast<double>(batch);
  s.d_train->backward(s.d_fake_pass, /*params=*/false, /*input=*/true);
  s.g_pass.d_pre.back().copy_(s.d_fake_pass.d_in[0]);
  s.g_train->backward(s.g_pass, /*params=*/true, /*input=*/false);
  s.g_train->adam_step();
  return stats;
}

void GanTrainer::finish() {
  impl_->g->eval();
  impl_->disc->eval();
  impl_->data = torch::Tensor();
}

Matrix GanTrainer::sample(size_t n, uint64_t seed) const {
  Matrix out(n, n_features());
  sample_into(seed, block_of(out));
  return out;
}

void GanTrainer::sample_into(uint64_t seed, const MutableNumberBlock& out) const {
  Impl& s = *impl_;
  check_internal(!s.g->is_training(), "GanTrainer::sample: call finish() after training");
  sample_mlp(s.g, s.config.generator_hidden.size(), kGeneratorOptions, s.latent, seed, out);
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
