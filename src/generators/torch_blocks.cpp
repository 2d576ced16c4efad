// Shared LibTorch building blocks of the deep generators: seeded initialisation and noise, the
// MLP, chunked generation, tensor save/load, the WGAN-GP gradient penalty and updates (Gulrajani
// et al. 2017), an RBF-kernel MMD (Gretton et al. 2012) and validation scores.
#include "torch_blocks.h"

#include <ATen/Parallel.h>
#include <dlfcn.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <mutex>
#include <sstream>

#include "imbgen/core/error.h"
#include "training_loop.h"

namespace imbgen {
namespace {

constexpr uint8_t kFloat32 = 0;
constexpr uint8_t kInt64 = 1;

}  // namespace

at::Generator seeded_generator(uint64_t seed) {
  return at::make_generator<at::CPUGeneratorImpl>(seed);
}

namespace {

// Sets the calling thread's OpenMP team size through the OpenMP runtime LibTorch loaded
// (omp_set_num_threads is per thread; LibTorch's own setter also changes the default every new
// thread takes). Looked up at run time: imbgen does not link the OpenMP runtime itself.
void set_thread_team(int n) {
#if AT_PARALLEL_OPENMP
  using SetThreads = void (*)(int);
  static const auto set =
      reinterpret_cast<SetThreads>(::dlsym(RTLD_DEFAULT, "omp_set_num_threads"));
  if (set) set(n);
#else
  (void)n;
#endif
}

}  // namespace

TorchThreadScope::TorchThreadScope(int n) {
  // A thread's first parallel region would otherwise reset its team size to the process default.
  at::internal::lazy_init_num_threads();
  previous_ = at::get_num_threads();
  if (n != previous_) set_thread_team(n);
}

TorchThreadScope::~TorchThreadScope() {
  if (at::get_num_threads() != previous_) set_thread_team(previous_);
}

MlpImpl::MlpImpl(int64_t in, const std::vector<int>& hidden, int64_t out, MlpOptions options)
    : options_(options) {
  int64_t width = in;
  for (size_t i = 0; i < hidden.size(); ++i) {
    linear_.push_back(
        register_module("linear" + std::to_string(i), torch::nn::Linear(width, hidden[i])));
    if (options_.batch_norm) {
      norm_.push_back(
          register_module("norm" + std::to_string(i), torch::nn::BatchNorm1d(hidden[i])));
    }
    width = hidden[i];
  }
  linear_.push_back(
      register_module("linear" + std::to_string(hidden.size()), torch::nn::Linear(width, out)));
}

torch::Tensor MlpImpl::forward(const torch::Tensor& x, at::Generator* gen) {
  torch::Tensor h = x;
  for (size_t i = 0; i + 1 < linear_.size(); ++i) {
    h = linear_[i]->forward(h);
    h = options_.activation == Activation::kReLU ? torch::relu(h)
                                                 : torch::leaky_relu(h, kLeakySlope);
    if (options_.batch_norm) h = norm_[i]->forward(h);
    if (options_.dropout > 0.0 && is_training() && gen != nullptr) {
      h = seeded_dropout(h, options_.dropout, *gen);
    }
  }
  return linear_.back()->forward(h);
}

void init_linear_layers(torch::nn::Module& net, at::Generator& gen) {
  torch::NoGradGuard no_grad;
  for (const auto& m : net.modules(/*include_self=*/true)) {
    if (auto* lin = m->as<torch::nn::Linear>()) {
      const double bound = 1.0 / std::sqrt(static_cast<double>(lin->options.in_features()));
      lin->weight.uniform_(-bound, bound, gen);
      lin->bias.uniform_(-bound, bound, gen);
    }
  }
}

int64_t count_parameters(const torch::nn::Module& net) {
  int64_t n = 0;
  for (const auto& p : net.parameters()) n += p.numel();
  return n;
}

torch::Tensor seeded_dropout(const torch::Tensor& x, double p, at::Generator& gen) {
  if (p <= 0.0) return x;
  const torch::Tensor keep = torch::empty(x.sizes(), torch::kFloat32);
  dropout_mask(keep.data_ptr<float>(), keep.numel(), p, gen);
  return x * keep / (1.0 - p);
}

void dropout_mask(float* keep, int64_t n, double p, at::Generator& gen) {
  uint64_t seed = 0;
  {
    std::lock_guard<std::mutex> lock(gen.mutex());
    seed = at::check_generator<at::CPUGeneratorImpl>(gen)->random64();
  }
  Rng rng(seed);
  // k bits per value, kept below round((1 - p) 2^k): the fewest k in {1, 2, 4, 8, 16} for which
  // that is exact (k = 1 for p = 0.5), else 32.
  int bits = 32;
  for (int k : {1, 2, 4, 8, 16}) {
    const double scaled = (1.0 - p) * std::ldexp(1.0, k);
    if (scaled == std::floor(scaled)) {
      bits = k;
      break;
    }
  }
  const auto threshold = static_cast<uint64_t>(std::llround((1.0 - p) * std::ldexp(1.0, bits)));
  const uint64_t mask = bits == 32 ? 0xffffffffu : (uint64_t{1} << bits) - 1;
  const int per_draw = 64 / bits;
  for (int64_t i = 0; i < n;) {
    uint64_t draw = rng.next_u64();
    for (int k = 0; k < per_draw && i < n; ++k, ++i, draw >>= bits) {
      keep[i] = (draw & mask) < threshold ? 1.0f : 0.0f;
    }
  }
}

torch::Tensor to_tensor(const Matrix& m) {
  std::vector<float> values(m.data.begin(), m.data.end());
  return torch::from_blob(values.data(),
                          {static_cast<int64_t>(m.rows), static_cast<int64_t>(m.cols)},
                          torch::kFloat32)
      .clone();
}

Matrix to_matrix(const torch::Tensor& t) {
  check_internal(t.dim() == 2, "to_matrix: expected a 2-D tensor");
  const torch::Tensor d = t.detach().to(torch::kFloat64).contiguous();
  Matrix m(static_cast<size_t>(d.size(0)), static_cast<size_t>(d.size(1)));
  const double* p = d.data_ptr<double>();
  std::copy(p, p + m.data.size(), m.data.begin());
  return m;
}

std::vector<std::pair<std::string, torch::Tensor>> named_state(const torch::nn::Module& net) {
  std::vector<std::pair<std::string, torch::Tensor>> out;
  for (const auto& p : net.named_parameters(true)) out.emplace_back(p.key(), p.value());
  for (const auto& b : net.named_buffers(true)) out.emplace_back(b.key(), b.value());
  return out;
}

std::vector<torch::Tensor> copy_state(const torch::nn::Module& net) {
  std::vector<torch::Tensor> out;
  for (const auto& [name, t] : named_state(net)) out.push_back(t.detach().clone());
  return out;
}

void restore_state(torch::nn::Module& net, const std::vector<torch::Tensor>& values) {
  auto state = named_state(net);
  check_internal(state.size() == values.size(), "restore_state: tensor count differs");
  torch::NoGradGuard no_grad;
  for (size_t i = 0; i < state.size(); ++i) state[i].second.copy_(values[i]);
}

void save_tensors(BinaryWriter& w, const torch::nn::Module& net) {
  const auto state = named_state(net);
  w.u64(state.size());
  for (const auto& [name, tensor] : state) {
    const torch::Tensor t = tensor.detach().contiguous();
    w.string(name);
    w.u64(static_cast<uint64_t>(t.dim()));
    for (int64_t size : t.sizes()) w.u64(static_cast<uint64_t>(size));
    if (t.scalar_type() == torch::kFloat32) {
      w.u8(kFloat32);
      w.f32_array(t.data_ptr<float>(), static_cast<size_t>(t.numel()));
    } else {
      check_internal(t.scalar_type() == torch::kInt64, "save_tensors: unexpected dtype");
      w.u8(kInt64);
      const int64_t* p = t.data_ptr<int64_t>();
      for (int64_t i = 0; i < t.numel(); ++i) w.i64(p[i]);
    }
  }
}

void load_tensors(BinaryReader& r, torch::nn::Module& net,
                  const std::function<std::string(const std::string&)>& old_name) {
  auto state = named_state(net);
  const uint64_t count = r.u64("the tensor count");
  if (count != state.size()) {
    throw Error(ErrorKind::kInvalidArgument, "the network holds " + std::to_string(count) +
                                                 " tensors but the config builds one with " +
                                                 std::to_string(state.size()));
  }
  torch::NoGradGuard no_grad;
  for (auto& [name, tensor] : state) {
    const std::string stored = r.string("a tensor name");
    if (stored != name && !(old_name && stored == old_name(name))) {
      throw Error(ErrorKind::kInvalidArgument,
                  "expected the tensor '" + name + "', found '" + stored + "'");
    }
    const uint64_t dims = r.u64("the rank of '" + name + "'");
    if (dims != static_cast<uint64_t>(tensor.dim())) {
      throw Error(ErrorKind::kInvalidArgument, "tensor '" + name + "' has rank " +
                                                   std::to_string(dims) + ", expected " +
                                                   std::to_string(tensor.dim()));
    }
    for (int64_t i = 0; i < tensor.dim(); ++i) {
      const uint64_t size = r.u64("the shape of '" + name + "'");
      if (size != static_cast<uint64_t>(tensor.size(i))) {
        throw Error(ErrorKind::kInvalidArgument,
                    "tensor '" + name + "' has size " + std::to_string(size) + " in dimension " +
                        std::to_string(i) + ", expected " + std::to_string(tensor.size(i)) +
                        " (the file does not match its config)");
      }
    }
    const uint8_t dtype = r.u8("the type of '" + name + "'");
    const uint8_t expected = tensor.scalar_type() == torch::kFloat32 ? kFloat32 : kInt64;
    if (dtype != expected) {
      throw Error(ErrorKind::kInvalidArgument, "tensor '" + name + "' has type code " +
                                                   std::to_string(dtype) + ", expected " +
                                                   std::to_string(expected));
    }
    check_internal(tensor.is_contiguous(), "load_tensors: non-contiguous tensor");
    if (dtype == kFloat32) {
      r.f32_array(tensor.data_ptr<float>(), static_cast<size_t>(tensor.numel()),
                  "the values of '" + name + "'");
    } else {
      int64_t* p = tensor.data_ptr<int64_t>();
      for (int64_t i = 0; i < tensor.numel(); ++i) p[i] = r.i64("the values of '" + name + "'");
    }
  }
}

torch::Tensor gradient_penalty(const std::function<torch::Tensor(const torch::Tensor&)>& critic,
                               const torch::Tensor& real, const torch::Tensor& fake,
                               const torch::Tensor& eps, int64_t pac) {
  check_internal(real.sizes() == fake.sizes() && real.dim() == 2 && real.size(0) % pac == 0,
                 "gradient_penalty: real and fake must be [batch, d] with batch % pac == 0");
  // x_hat is a leaf of its own: the penalty's gradient flows into the critic's weights only.
  const torch::Tensor x_hat =
      (eps * real.detach() + (1.0 - eps) * fake.detach()).requires_grad_(true);  // [batch, d]
  const torch::Tensor out = critic(x_hat);                                       // [batch / pac, 1]
  const torch::Tensor grad = torch::autograd::grad({out}, {x_hat}, {torch::ones_like(out)},
                                                   /*retain_graph=*/true,
                                                   /*create_graph=*/true)[0];     // [batch, d]
  const torch::Tensor norms = grad.reshape({-1, pac * real.size(1)}).norm(2, 1);  // [groups]
  return (norms - 1.0).pow(2).mean();
}

std::unique_ptr<torch::optim::Adam> make_adam(std::vector<torch::Tensor> params, double lr,
                                              double beta1, double beta2, double weight_decay) {
  return std::make_unique<torch::optim::Adam>(
      std::move(params),
      torch::optim::AdamOptions(lr).betas({beta1, beta2}).weight_decay(weight_decay));
}

CriticStats critic_updates(int updates, double gp_lambda, int64_t pac,
                           const std::function<CriticBatch()>& draw,
                           const std::function<torch::Tensor(const torch::Tensor&)>& critic,
                           at::Generator& gen, torch::optim::Optimizer& opt) {
  CriticStats s;
  for (int k = 0; k < updates; ++k) {
    const CriticBatch b = draw();
    const torch::Tensor y_real = critic(b.real).mean();
    const torch::Tensor y_fake = critic(b.fake).mean();
    const int64_t groups = b.real.size(0) / pac;
    const torch::Tensor eps =
        torch::rand({groups, 1}, gen).repeat_interleave(pac, 0);  // [batch, 1]
    const torch::Tensor gp = gradient_penalty(critic, b.real, b.fake, eps, pac);
    const torch::Tensor loss = y_fake - y_real + gp_lambda * gp;
    opt.zero_grad();
    loss.backward();
    opt.step();
    s.loss += loss.item<double>();
    s.wasserstein += (y_real - y_fake).item<double>();
    s.gp += gp.item<double>();
  }
  s.loss /= updates;
  s.wasserstein /= updates;
  s.gp /= updates;
  return s;
}

double generator_update(std::vector<torch::Tensor>& critic_params, torch::optim::Optimizer& opt,
                        const std::function<torch::Tensor()>& loss) {
  for (auto& p : critic_params) p.requires_grad_(false);
  const torch::Tensor l = loss();
  opt.zero_grad();
  l.backward();
  opt.step();
  for (auto& p : critic_params) p.requires_grad_(true);
  return l.item<double>();
}

namespace {

// Squared Euclidean distances between the rows of a [n, d] and b [m, d], float64 [n, m].
torch::Tensor squared_distances(const torch::Tensor& a, const torch::Tensor& b) {
  const torch::Tensor aa = a.pow(2).sum(1, true);                  // [n, 1]
  const torch::Tensor bb = b.pow(2).sum(1, true).transpose(0, 1);  // [1, m]
  return (aa + bb - 2.0 * a.matmul(b.transpose(0, 1))).clamp_min(0.0);
}

}  // namespace

double mmd2_rbf(const torch::Tensor& x, const torch::Tensor& y, double bandwidth) {
  torch::NoGradGuard no_grad;
  const torch::Tensor a = x.detach().to(torch::kFloat64);
  const torch::Tensor b = y.detach().to(torch::kFloat64);
  const torch::Tensor dxx = squared_distances(a, a);
  const torch::Tensor dyy = squared_distances(b, b);
  const torch::Tensor dxy = squared_distances(a, b);
  double total = 0.0;
  for (double s : {0.5, 1.0, 2.0}) {
    const double gamma = 1.0 / (2.0 * (s * bandwidth) * (s * bandwidth));
    total += torch::exp(-gamma * dxx).mean().item<double>() +
             torch::exp(-gamma * dyy).mean().item<double>() -
             2.0 * torch::exp(-gamma * dxy).mean().item<double>();
  }
  return total;
}

double weighted_mmd(const std::vector<MmdTarget>& targets,
                    const std::function<torch::Tensor(const MmdTarget&)>& fake) {
  double total = 0.0, weight = 0.0;
  for (const MmdTarget& t : targets) {
    total += t.weight * mmd2_rbf(fake(t), t.rows, t.bandwidth);
    weight += t.weight;
  }
  return total / weight;
}

std::vector<MmdTarget> held_back_targets(
    const std::vector<std::vector<size_t>>& validation,
    const std::function<torch::Tensor(const std::vector<size_t>&)>& rows) {
  std::vector<MmdTarget> targets;
  for (size_t c = 0; c < validation.size(); ++c) {
    if (validation[c].empty()) continue;
    MmdTarget t;
    t.condition = static_cast<int>(c);
    t.rows = rows(validation[c]);
    t.bandwidth = median_distance(t.rows);
    t.weight = static_cast<double>(validation[c].size());
    targets.push_back(std::move(t));
  }
  return targets;
}

double median_distance(const torch::Tensor& x) {
  torch::NoGradGuard no_grad;
  if (x.size(0) < 2) return 1.0;
  const torch::Tensor d = torch::pdist(x.detach().to(torch::kFloat64));
  const double m = d.median().item<double>();
  return m > 0.0 && std::isfinite(m) ? m : 1.0;
}

}  // namespace imbgen
