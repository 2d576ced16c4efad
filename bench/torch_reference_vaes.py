#!/usr/bin/python3
# PyTorch-eager reference for the training steps that bench/generators_bench.cpp times in
# fit_steps_benchmark (BM_VaeFitSteps, BM_CvaeFitSteps, BM_TvaeFitSteps, BM_DdpmFitSteps): default
# configs, 492 rows x 29 features of class 1 (FitOptions: classes {1}, seed 42, threads 1).
# Run with Debian's python3-torch 1.13: /usr/bin/python3 bench/torch_reference_vaes.py
#   [--models vae,cvae,tvae,ddpm] [--steps N]; prints "torch_step_ms <model> <ms>" per model.
#
# What it mirrors (imbgen):
# - data: make_data (bench/generators_bench.cpp) with imbgen's Rng (src/core/rng.cpp: xoshiro256**
#   seeded by splitmix64, Box-Muller normals) and mix_seed: the same 984 x 29 values.
# - vae: Vae::fit (src/generators/vae.cpp): class 1's rows through StandardScaler::fit/transform
#   (src/data/scaler.cpp), gaussian_vae_options (row sigma = 0.01 + softplus), VaeNet::train,
#   VaeNet::Impl::step and compute_loss / gaussian_nll (src/generators/vae_net.cpp).
# - cvae: Cvae::fit (cvae.cpp): rows_of_classes(y, {1}) keeps class 1's 492 rows only (the other
#   class is not trained on here), scaled together; cond_dim = 1, so the one-hot condition is a
#   constant column of ones appended to the encoder's input and to z.
# - tvae: Tvae::fit_class / net_options (tvae.cpp): TvaeConfig (latent 128, loss_factor 2, learned
#   per-column sigma from 0.1 clamped to [0.01, 1]) on ModeNormalizer's encoding
#   (mode_normalizer.cpp): per column a tanh-Gaussian alpha and a categorical mode block.
# - ddpm: Ddpm::fit_all / train, Trainer::step, DenoiserImpl, sinusoid_table, make_denoiser
#   (ddpm.cpp), cosine_schedule (ddpm_schedule.cpp), QuantileNormalTransformer (quantile.cpp).
# - shared: MlpImpl with MlpOptions{} (Linear -> ReLU, no norm, no dropout), init_linear_layers
#   and make_adam (torch_blocks.cpp); RowSampler and step_budget (training_loop.cpp): batches
#   min(batch_size, rows) drawn from seeded shuffles that never drop a row.
# Weights, reparameterisation noise, timesteps and diffusion noise come from torch.Generator
# objects seeded as the C++'s at::Generator (the same mt19937 CPU generator) and drawn in the
# same order. Checked: the first 20 step losses of vae, cvae and ddpm here equal, to 5 decimals,
# the per-step history of `imbgen fit --class 1 --set NAME.steps=20 --set NAME.history_every=1`
# on make_data's rows (tvae differs by its synthetic encoding, deviation 2).
#
# Where this does not mirror exactly, and what it does instead:
# 1. Timing scope: the C++ benchmark times a whole fit() per iteration (setup - scaler, VGM or
#    quantile fits, network construction - plus 200 steps of run_training, whose per-step
#    finite check, progress report and history means are not mirrored). Here one model per family
#    is built once; 20 warm-up steps, then the mean of N steps, best of 3 repeats (optimizer and
#    EMA state carry on between repeats).
# 2. tvae's encoded matrix: the VGM fit (vgm.cpp) and ModeNormalizer::encode are not ported. The
#    width is the C++'s: 156 = 29 alphas + 127 mode columns, with TVAE_MODES below (modes kept per
#    column) read from the history of `imbgen fit -g tvae --class 1 --seed 42` on make_data's rows.
#    The values are synthetic (seeded): alpha = clamp(0.25 N(0, 1), +-0.99), mode uniform.
# 3. ddpm's data: the quantile transform is taken rank-based: with n_quantiles (1000) >= rows
#    (492) a training value maps to ndtri(rank / (n - 1)) clamped to +-5.1993, as the C++'s up to
#    percentile rounding and AS241 vs torch's ndtri.
# 4. ddpm's learning rate anneals linearly over all steps this run makes (warm-up + 3 repeats),
#    not over the fit's 200 steps.
# 5. Batch indices are drawn with the C++'s RowSampler and seed, but all before timing; each step
#    still turns its list into an int64 tensor as the C++ does.
# 6. Inherent to eager Python: Python dispatch of every op and torch.optim's Adam/AdamW
#    (foreach=False in 1.13, a step tensor per parameter) instead of LibTorch's C++ loops.
# 7. Threads: torch.set_num_threads(1), set_num_interop_threads(1) and OPENBLAS_NUM_THREADS=1.
#    The C++ benchmark sets LibTorch's intra-op count to 1 (TorchThreadScope); OpenBLAS's own count
#    is set to 1 only by BM_GanTrainStep (set_blas_threads, process-wide), so a filtered run of the
#    FitSteps benchmarks alone leaves OpenBLAS at its default.
import argparse
import math
import os
import sys

os.environ["OPENBLAS_NUM_THREADS"] = "1"  # before torch loads OpenBLAS
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_reference_gans import time_model  # noqa: E402  (the same timing for every model)

SEED = 42  # FitOptions::seed
CLASS_ROWS, FEATURES = 492, 29
TVAE_MODES = [5, 6, 4, 5, 6, 4, 5, 5, 4, 5, 4, 5, 4, 3, 3, 3, 5, 5, 4, 4, 4, 3, 3, 4, 6, 5, 5, 4, 4]
M64 = (1 << 64) - 1

# ---- imbgen's Rng, mix_seed and RowSampler ----


def _splitmix(x):
    x = (x + 0x9E3779B97F4A7C15) & M64
    z = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & M64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
    return x, z ^ (z >> 31)


def mix_seed(seed, stream):
    return _splitmix(seed ^ ((stream * 0xD1B54A32D192ED03 + 0x8CB92BA72F3D8DD7) & M64))[1]


class Rng:
    def __init__(self, seed):
        self.s, self.spare = [], None
        for _ in range(4):
            seed, v = _splitmix(seed)
            self.s.append(v)

    def u64(self):
        s, rotl = self.s, lambda x, k: ((x << k) | (x >> (64 - k))) & M64
        result, t = (rotl((s[1] * 5) & M64, 7) * 9) & M64, (s[1] << 17) & M64
        s[2] ^= s[0]
        s[3] ^= s[1]
        s[1] ^= s[2]
        s[0] ^= s[3]
        s[2] ^= t
        s[3] = rotl(s[3], 45)
        return result

    def uniform(self):
        return (self.u64() >> 11) * 2.0**-53

    def normal(self):
        if self.spare is not None:
            v, self.spare = self.spare, None
            return v
        u1 = 0.0
        while u1 <= 0.0:
            u1 = self.uniform()
        r, theta = math.sqrt(-2.0 * math.log(u1)), 2.0 * math.pi * self.uniform()
        self.spare = r * math.sin(theta)
        return r * math.cos(theta)

    def index(self, n):
        limit = M64 - (M64 % n)
        v = self.u64()
        while v >= limit:
            v = self.u64()
        return v % n


def row_batches(n, batch, count, seed):
    """count batches of RowSampler(n, seed).next(batch): passes over fresh seeded shuffles."""
    rng, order, cursor, out = Rng(seed), list(range(n)), n, []
    for _ in range(count):
        idx = []
        for _ in range(batch):
            if cursor == n:
                for i in range(n, 1, -1):  # Rng::shuffle
                    j = rng.index(i)
                    order[i - 1], order[j] = order[j], order[i - 1]
                cursor = 0
            idx.append(order[cursor])
            cursor += 1
        out.append(idx)
    return out


def seeded(seed):
    g = torch.Generator()
    g.manual_seed(seed)
    return g


# ---- data ----


def make_data():
    """Class 1's rows of make_data (rows 0..491 of x; standard normal + 1), float64."""
    rng = Rng(7)
    rows = [[rng.normal() + 1.0 for _ in range(FEATURES)] for _ in range(CLASS_ROWS)]
    return torch.tensor(rows, dtype=torch.float64)


def standardize(x):
    """StandardScaler::fit + transform (population variance), then to_tensor's float32."""
    n, eps = x.size(0), 2.0**-52
    mean = x.mean(0)
    dev = (x - mean).sum(0)
    var = (((x - mean) ** 2).sum(0) - dev * dev / n) / n
    bound = n * eps * var + (n * mean * eps) ** 2
    scale = torch.where(var <= bound, torch.ones_like(var), var.clamp_min(0).sqrt())
    return ((x - mean) / scale).float()


def quantile_normal(x):
    """QuantileNormalTransformer on its own training rows (n_quantiles >= rows): rank levels."""
    u = x.argsort(0).argsort(0).double() / (x.size(0) - 1)
    lo = torch.special.ndtri(torch.tensor(1e-7 - 2.0**-52, dtype=torch.float64)).item()
    return torch.special.ndtri(u).clamp(lo, -lo).float()


# ---- networks ----


class Mlp(nn.Module):
    """MlpImpl with MlpOptions{}: hidden layers Linear -> ReLU, a linear output."""

    def __init__(self, d_in, hidden, d_out):
        super().__init__()
        widths = [d_in] + list(hidden) + [d_out]
        self.linear = nn.ModuleList(nn.Linear(a, b) for a, b in zip(widths[:-1], widths[1:]))
        self._layers = tuple(self.linear)

    def forward(self, h):
        for lin in self._layers[:-1]:
            h = torch.relu(lin(h))
        return self._layers[-1](h)


def init_linear_layers(net, gen):
    """LibTorch's default Linear init, U(+-1/sqrt(fan_in)), drawn from gen in module order."""
    with torch.no_grad():
        for m in net.modules():
            if isinstance(m, nn.Linear):
                bound = 1.0 / math.sqrt(m.in_features)
                m.weight.uniform_(-bound, bound, generator=gen)
                m.bias.uniform_(-bound, bound, generator=gen)


# ---- vae, cvae, tvae: VaeNet ----

HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)


def gaussian_nll(x, mean, sigma):
    z = (x - mean) / sigma
    return (0.5 * z.pow(2) + sigma.log() + HALF_LOG_2PI).sum(1)


class VaeModel:
    """VaeNet (vae_net.cpp): its module, Adam, batches and Impl::step with compute_loss."""

    def __init__(self, data, cond, total_steps, net_seed, train_seed, *, latent=16,
                 hidden=(128, 128), lr=1e-3, weight_decay=1e-5, batch_size=128, row_sigma=True,
                 sigma_init=1.0, sigma_min=0.01, sigma_max=1.0, recon_weight=1.0, blocks=None):
        n, d = data.shape
        c = 0 if cond is None else cond.size(1)
        self.data, self.cond, self.d, self.latent = data, cond, d, latent
        self.row_sigma, self.recon_weight = row_sigma, recon_weight
        self.sigma_min, self.sigma_max = sigma_min, sigma_max
        # blocks: ("gauss" | "tanh" | "cat", start, width) covering the columns in order.
        blocks = blocks or [("gauss", j, 1) for j in range(d)]
        cols = lambda kind: [s for k, s, _ in blocks if k == kind]  # noqa: E731
        self.plain = torch.tensor(cols("gauss"), dtype=torch.int64) if cols("gauss") else None
        self.tanh = torch.tensor(cols("tanh"), dtype=torch.int64) if cols("tanh") else None
        self.cats = [(s, w) for k, s, w in blocks if k == "cat"]
        self.net = nn.Module()  # VaeModuleImpl: encoder, decoder, sigma
        self.net.encoder = Mlp(d + c, hidden, 2 * latent)
        self.net.decoder = Mlp(latent + c, hidden, 2 * d if row_sigma else d)
        self.net.sigma = nn.Parameter(torch.full((d,), sigma_init))
        init_linear_layers(self.net, seeded(net_seed))
        self.gen = seeded(mix_seed(train_seed, 1))  # reparameterisation noise
        batch = min(batch_size, n)
        self.batches = row_batches(n, batch, total_steps, mix_seed(train_seed, 2))
        self.k = 0
        self.opt = torch.optim.Adam(self.net.parameters(), lr=lr, betas=(0.9, 0.999),
                                    weight_decay=weight_decay)
        self.net.train()

    def loss(self, x, out, mu, logvar):
        d = self.d
        sigma = (self.sigma_min + F.softplus(out.narrow(1, d, d)) if self.row_sigma
                 else self.net.sigma.unsqueeze(0))
        recon = torch.zeros(x.size(0))
        if self.plain is not None:
            p = self.plain
            recon = recon + gaussian_nll(x.index_select(1, p), out.index_select(1, p),
                                         sigma.index_select(1, p))
        if self.tanh is not None:
            p = self.tanh
            recon = recon + gaussian_nll(x.index_select(1, p), torch.tanh(out.index_select(1, p)),
                                         sigma.index_select(1, p))
        for s, w in self.cats:
            target = x.narrow(1, s, w).argmax(1)
            recon = recon + F.cross_entropy(out.narrow(1, s, w), target, reduction="none")
        kl = -0.5 * (1.0 + logvar - mu.pow(2) - logvar.exp()).sum(1)
        recon, kl = recon.mean(), kl.mean()
        return self.recon_weight * recon + kl, recon, kl

    def step(self):
        idx = torch.tensor(self.batches[self.k], dtype=torch.int64)
        self.k += 1
        xb = self.data.index_select(0, idx)
        cb = None if self.cond is None else self.cond.index_select(0, idx)
        h = self.net.encoder(xb if cb is None else torch.cat([xb, cb], 1))
        mu = h.narrow(1, 0, self.latent)
        logvar = h.narrow(1, self.latent, self.latent).clamp(-30.0, 20.0)
        eps = torch.randn(h.size(0), self.latent, generator=self.gen)
        z = mu + eps * torch.exp(0.5 * logvar)
        out = self.net.decoder(z if cb is None else torch.cat([z, cb], 1))
        loss, recon, kl = self.loss(xb, out, mu, logvar)
        self.opt.zero_grad()
        loss.backward()
        self.opt.step()
        with torch.no_grad():
            self.net.sigma.clamp_(self.sigma_min, self.sigma_max)
        return [loss.item(), recon.item(), kl.item()]


def build_vae(x, total):  # Vae::fit, class c = 1
    s = mix_seed(SEED, 1)
    return VaeModel(standardize(x), None, total, s, mix_seed(s, 1))


def build_cvae(x, total):  # Cvae::fit: the rows of classes {1}, condition position 0 of 1
    rows = standardize(x)
    cond = F.one_hot(torch.zeros(rows.size(0), dtype=torch.int64), 1).float()
    return VaeModel(rows, cond, total, mix_seed(SEED, 0), mix_seed(SEED, 1))


def build_tvae(x, total):  # Tvae::fit_class, class 1; synthetic encoding of the C++'s width
    g, n, parts, blocks, start = seeded(0), x.size(0), [], [], 0
    for k in TVAE_MODES:
        alpha = (0.25 * torch.randn(n, 1, generator=g)).clamp(-0.99, 0.99)
        parts.append(torch.cat([alpha, F.one_hot(torch.randint(0, k, (n,), generator=g), k)], 1))
        blocks += [("tanh", start, 1), ("cat", start + 1, k)]
        start += 1 + k
    encoded = torch.cat(parts, 1).float()
    s = mix_seed(SEED, 1)
    return VaeModel(encoded, None, total, s, mix_seed(s, 1), latent=128, row_sigma=False,
                    sigma_init=0.1, recon_weight=2.0, blocks=blocks)


# ---- ddpm ----


def cosine_alphas_cumprod(T):
    def f(t):
        c = math.cos((t / T + 0.008) / 1.008 * math.pi / 2.0)
        return c * c

    out, cum = [], 1.0
    for t in range(T):
        cum *= 1.0 - min(1.0 - f(t + 1.0) / f(float(t)), 0.999)
        out.append(cum)
    return torch.tensor(out, dtype=torch.float64)


class Denoiser(nn.Module):
    """DenoiserImpl: h = proj(x) + time2(silu(time1(sinusoid(t)))) + silu(label(y)); mlp(h)."""

    def __init__(self, d_in, n_classes, dim, hidden, T):
        super().__init__()
        self.proj = nn.Linear(d_in, dim)
        self.time1, self.time2 = nn.Linear(dim, dim), nn.Linear(dim, dim)
        self.label = nn.Embedding(n_classes, dim)
        self.mlp = Mlp(dim, hidden, d_in)
        half = dim // 2
        freqs = torch.exp(-math.log(10000.0) * torch.arange(0, half, dtype=torch.float64) / half)
        args = torch.arange(0, T, dtype=torch.float64).unsqueeze(1) * freqs.unsqueeze(0)
        self.table = torch.cat([torch.cos(args), torch.sin(args)], 1).float()  # not a parameter

    def forward(self, x, t, y):
        emb = (self.time2(F.silu(self.time1(self.table.index_select(0, t))))
               + F.silu(self.label(y)))
        return self.mlp(self.proj(x) + emb)


def make_denoiser(d, seed, T=1000, dim=128, hidden=(256, 256)):
    net = Denoiser(d, 1, dim, hidden, T)
    g = seeded(seed)
    init_linear_layers(net, g)
    with torch.no_grad():
        net.label.weight.normal_(0.0, 1.0, generator=g)
    return net


class DdpmModel:
    """ddpm.cpp's Trainer at DdpmConfig's defaults; numeric columns only (no categorical)."""

    def __init__(self, rows, total_steps, T=1000, lr=2e-3, weight_decay=1e-4, batch_size=256,
                 ema_decay=0.999):
        seed = mix_seed(SEED, 1)  # Ddpm::train's seed
        n, self.dn = rows.shape
        self.T, self.lr, self.ema, self.total, self.k = T, lr, ema_decay, total_steps, 0
        self.batch = min(batch_size, n)
        self.net = make_denoiser(self.dn, mix_seed(SEED, 0))
        self.average = make_denoiser(self.dn, 0)
        self.average.load_state_dict(self.net.state_dict())
        self.net.train()
        self.average.eval()
        ac = cosine_alphas_cumprod(T)
        self.sqrt_ac, self.sqrt_1m_ac = ac.sqrt().float(), (1.0 - ac).sqrt().float()
        self.x_num = rows.narrow(1, 0, self.dn)
        self.labels = torch.zeros(n, dtype=torch.int64)
        self.gen = seeded(mix_seed(seed, 1))  # timesteps, noise
        self.batches = row_batches(n, self.batch, total_steps, mix_seed(seed, 2))
        self.params = list(self.net.parameters())
        self.average_params = list(self.average.parameters())
        self.opt = torch.optim.AdamW(self.params, lr=lr, weight_decay=weight_decay)

    def step(self):
        self.k += 1
        lr = self.lr * (1.0 - (self.k - 1) / self.total)  # linear annealing to 0
        for group in self.opt.param_groups:
            group["lr"] = lr
        b = self.batch
        idx = torch.tensor(self.batches[self.k - 1], dtype=torch.int64)
        t = torch.randint(0, self.T, (b,), generator=self.gen)
        y = self.labels.index_select(0, idx)
        input_cat = torch.zeros(b, 0)  # no categorical variables
        x0 = self.x_num.index_select(0, idx)
        noise = torch.randn(b, self.dn, generator=self.gen)
        input_num = (self.sqrt_ac.index_select(0, t).unsqueeze(1) * x0
                     + self.sqrt_1m_ac.index_select(0, t).unsqueeze(1) * noise)
        out = self.net(torch.cat([input_num, input_cat], 1), t, y)
        mult = torch.zeros(())
        gauss = (out.narrow(1, 0, self.dn) - noise).pow(2).mean()
        loss = gauss + mult
        self.opt.zero_grad()
        loss.backward()
        self.opt.step()
        with torch.no_grad():
            decay = min(self.ema, (1.0 + self.k) / (10.0 + self.k))
            for a, p in zip(self.average_params, self.params):
                a.mul_(decay).add_(p.detach(), alpha=1.0 - decay)
        return [loss.item(), gauss.item(), mult.item()]


def build_ddpm(x, total):  # Ddpm::fit_all: quantile-normal rows of classes {1}
    return DdpmModel(quantile_normal(x), total)


# ---- timing ----

BUILDERS = {"vae": build_vae, "cvae": build_cvae, "tvae": build_tvae, "ddpm": build_ddpm}


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--models", default="vae,cvae,tvae,ddpm")
    ap.add_argument("--steps", type=int, default=200, help="timed steps per repeat")
    ap.add_argument("--warmup", type=int, default=20)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    names = [m.strip() for m in args.models.split(",") if m.strip()]
    unknown = [m for m in names if m not in BUILDERS]
    if unknown:
        ap.error(f"unknown model(s) {unknown}; choose from {sorted(BUILDERS)}")
    torch.set_num_threads(1)
    torch.set_num_interop_threads(1)
    x = make_data()
    total = args.warmup + args.repeats * args.steps
    for name in names:
        ms = time_model(lambda: BUILDERS[name](x, total), args.steps, args.warmup, args.repeats)
        print(f"torch_step_ms {name} {ms:.3f}", flush=True)


if __name__ == "__main__":
    main()
