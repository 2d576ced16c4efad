// The LibTorch side of the reference GAN (Goodfellow et al. 2014, Algorithm 1 with k = 1
// discriminator step and the non-saturating generator loss of Section 3): the networks, one
// training step, sampling, and the weights' binary save/load. The only torch translation unit.
#include "gan_trainer.h"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>
#include <vector>

#include "imbgen/core/error.h"
#include "imbgen/core/rng.h"
#include "torch_blocks.h"

namespace imbgen {
namespace {

// Rows generated per forward pass in sample(), to bound the memory of large requests.
constexpr size_t kSampleChunk = 65536;

// Hidden layers Linear -> ReLU -> BatchNorm1d, linear output.
torch::nn::Sequential build_generator(int64_t latent, const std::vector<int>& hidden, int64_t d) {
  torch::nn::Sequential net;
  int64_t in = latent;
  for (int h : hidden) {
    net->push_back(torch::nn::Linear(in, h));
    net->push_back(torch::nn::ReLU());
    net->push_back(torch::nn::BatchNorm1d(h));
    in = h;
  }
  net->push_back(torch::nn::Linear(in, d));
  return net;
}

// Hidden layers Linear -> ReLU, one output logit.
torch::nn::Sequential build_discriminator(int64_t d, const std::vector<int>& hidden) {
  torch::nn::Sequential net;
  int64_t in = d;
  for (int h : hidden) {
    net->push_back(torch::nn::Linear(in, h));
    net->push_back(torch::nn::ReLU());
    in = h;
  }
  net->push_back(torch::nn::Linear(in, 1));
  return net;
}

}  // namespace

struct GanTrainer::Impl {
  GanConfig config;
  int64_t d = 0;
  int64_t latent = 0;
  at::Generator gen;  // weight initialisation and training noise
  Rng batch_rng;      // batch sampling
  torch::nn::Sequential g{nullptr};
  torch::nn::Sequential disc{nullptr};
  std::vector<torch::Tensor> d_params;
  std::unique_ptr<torch::optim::Adam> g_opt;
  std::unique_ptr<torch::optim::Adam> d_opt;
  torch::Tensor data;          // [n, d] float32, standardised rows
  std::vector<int64_t> order;  // shuffled row order of the current pass over the data
  size_t cursor = 0;
  torch::Tensor ones;   // [batch, 1]
  torch::Tensor zeros;  // [batch, 1]

  Impl(const GanConfig& c, size_t n_features, uint64_t seed)
      : config(c),
        d(static_cast<int64_t>(n_features)),
        latent(c.latent_dim > 0 ? c.latent_dim : static_cast<int64_t>(n_features)),
        gen(at::make_generator<at::CPUGeneratorImpl>(seed)),
        batch_rng(mix_seed(seed, 1)) {
    g = build_generator(latent, config.generator_hidden, d);
    disc = build_discriminator(d, config.discriminator_hidden);
    init_linear_layers(*g, gen);
    init_linear_layers(*disc, gen);
    d_params = disc->parameters();
    g_opt = std::make_unique<torch::optim::Adam>(
        g->parameters(),
        torch::optim::AdamOptions(config.generator_lr).betas({config.beta1, config.beta2}));
    d_opt = std::make_unique<torch::optim::Adam>(
        disc->parameters(),
        torch::optim::AdamOptions(config.discriminator_lr).betas({config.beta1, config.beta2}));
    ones = torch::ones({config.batch_size, 1});
    zeros = torch::zeros({config.batch_size, 1});
  }

  // The next batch of row indices: passes over the rows in a fresh shuffled order each time, a
  // batch running on into the next pass when the class has fewer rows than the batch.
  torch::Tensor next_batch() {
    std::vector<int64_t> idx(static_cast<size_t>(config.batch_size));
    for (auto& i : idx) {
      if (cursor == order.size()) {
        batch_rng.shuffle(order);
        cursor = 0;
      }
      i = order[cursor++];
    }
    return torch::tensor(idx, torch::kInt64);
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
  std::vector<float> values(z.data.begin(), z.data.end());
  impl_->data =
      torch::from_blob(values.data(), {static_cast<int64_t>(z.rows), static_cast<int64_t>(z.cols)},
                       torch::kFloat32)
          .clone();
  impl_->order.resize(z.rows);
  std::iota(impl_->order.begin(), impl_->order.end(), 0);
  impl_->cursor = impl_->order.size();  // the first batch shuffles
  impl_->g->train();
  impl_->disc->train();
}

GanStepStats GanTrainer::step() {
  Impl& s = *impl_;
  check_internal(s.data.defined(), "GanTrainer::step: set_data was not called");
  const torch::Tensor real = s.data.index_select(0, s.next_batch());  // [batch, d]
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

  // Generator: the same generated rows, labelled 1 for the updated discriminator. The
  // discriminator's weights are frozen meanwhile (their gradients would be discarded).
  for (auto& p : s.d_params) p.requires_grad_(false);
  const torch::Tensor g_loss =
      torch::binary_cross_entropy_with_logits(s.disc->forward(fake), s.ones);
  s.g_opt->zero_grad();
  g_loss.backward();
  s.g_opt->step();
  for (auto& p : s.d_params) p.requires_grad_(true);

  GanStepStats stats;
  stats.d_loss = d_loss.item<double>();
  stats.g_loss = g_loss.item<double>();
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
  torch::NoGradGuard no_grad;
  at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(seed);
  Matrix out(n, static_cast<size_t>(s.d));
  for (size_t start = 0; start < n; start += kSampleChunk) {
    const size_t m = std::min(kSampleChunk, n - start);
    const torch::Tensor noise = torch::randn({static_cast<int64_t>(m), s.latent}, gen);
    const torch::Tensor x = s.g->forward(noise).contiguous();  // [m, d] float32
    const float* p = x.data_ptr<float>();
    std::copy(p, p + m * static_cast<size_t>(s.d), out.row(start));
  }
  return out;
}

int64_t GanTrainer::generator_parameter_count() const { return count_parameters(*impl_->g); }
int64_t GanTrainer::discriminator_parameter_count() const { return count_parameters(*impl_->disc); }
size_t GanTrainer::n_features() const { return static_cast<size_t>(impl_->d); }
size_t GanTrainer::latent_dim() const { return static_cast<size_t>(impl_->latent); }

// The generator's tensors in the format of torch_blocks' save_tensors (the discriminator is not
// needed to sample).
void GanTrainer::save(BinaryWriter& w) const { save_tensors(w, *impl_->g); }

void GanTrainer::load(BinaryReader& r) {
  load_tensors(r, *impl_->g);
  impl_->g->eval();
  impl_->disc->eval();
}

void set_torch_threads(int n) { torch::set_num_threads(n); }

}  // namespace imbgen
