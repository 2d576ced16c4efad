#!/usr/bin/python3
# PyTorch-eager reference for the training step of imbgen's GAN-family generators at their default
# configs, on the shape of bench/generators_bench.cpp (492 class rows x 29 features, one thread).
# Run with Debian's python3-torch (1.13): /usr/bin/python3 bench/torch_reference_gans.py
# Prints one line per model: "torch_step_ms <model> <mean ms per step, best of 3 repeats>".
#
# What it mirrors (one step = what imbgen's step()/run_training calls once):
#  gan     src/generators/gan_trainer.cpp GanTrainer::step (timed by BM_GanTrainStep): GanConfig
#          defaults, latent = d = 29, G 29-32-64-128-29 (Linear -> ReLU -> BatchNorm1d per hidden
#          layer), D 29-128-64-32-32-16-1 (Linear -> ReLU), batch 64 from a RowSampler over 492
#          rows, one D update (BCE-with-logits real/1 + fake/0) and one G update (BCE(D(fake), 1) on
#          the same fake rows, D frozen), Adam lr 1e-3 betas (0.5, 0.999) for both.
#  wgan_gp src/generators/wgan_gp.cpp Trainer::step with torch_blocks.cpp critic_updates /
#          gradient_penalty / generator_update (timed by BM_WganGpFitSteps): latent 64,
#          G 64-256-256-29 (ReLU), critic 29-256-256-1 (LeakyReLU 0.2), 5 critic updates (fresh
#          real + fake batch, GP via autograd.grad(create_graph=True), lambda 10) + 1 G update,
#          Adam lr 1e-4 betas (0.5, 0.9). 20 % of the 492 rows are held back (round(98.4) = 98),
#          so 394 training rows and batch = min(64, 394) = 64.
#  ctgan   the autograd step that src/generators/ctgan_trainer.cpp writes out by hand
#          (tests/generators/ctgan_trainer_test.cpp AutogradCtgan: step / critic_batch /
#          activate / cond_loss; imbgen's side timed by BM_CtganTrainStep): one fit class, so the condition is the 1-wide
#          class one-hot and no column is discrete; 394 training rows, batch = min(100, 394)
#          rounded up to pac = 100, pac = 1 (CtganConfig default; the comment in
#          generators_bench.cpp saying "pac 10" is stale), critic_steps 1, latent 128, residual G
#          129 -> [+256 -> 385] -> [+256 -> 641] -> E, critic (E+1)-256-256-1 with LeakyReLU 0.2
#          and dropout 0.5, Gumbel-softmax tau 0.2 via the same padded span gather, Adam lr 2e-4
#          betas (0.5, 0.9) weight decay 1e-6. E = 29 alpha columns + the VGM modes: MODES below,
#          the per-column mode counts imbgen's ModeNormalizer::fit (max_modes 10) gave for 394
#          rows of N(1, 1) data (`imbgen fit -g ctgan`, seed 42): 94 modes, E = 123, widest span 5.
#
# Where this does not mirror imbgen exactly, and what it does instead:
#  - Data: numpy random values of the right shape (the C++ uses its own Rng); wgan_gp rows are
#    standardised, ctgan rows are a synthetic mode encoding (a uniform random mode per value,
#    alpha ~ clip(N(0, 0.25^2))) of the same width instead of a VGM fit. Values do not change the
#    work of a step. gan uses plain N(0, 1) rows like BM_GanTrainStep.
#  - ctgan's E depends on the VGM fit of the exact benchmark data (94..105 modes over seeds on
#    similar data, E 123..134); --ctgan-modes K uses K modes for every column instead (K = 10:
#    E = 319, the maximum).
#  - Row shuffles (RowSampler, CTGAN's perm) use numpy's generator instead of imbgen's Rng; batches
#    are built with numpy slicing rather than a per-index loop (same semantics: passes over a
#    fresh shuffle, a batch running on into the next pass). CTGAN's real_rows draws the rows of
#    each class with one next(count) call instead of next(1) per row (the same sequence), and
#    draw_conditions sets the class one-hots with one indexed assignment instead of a per-row
#    loop; with no discrete column there are no category draws, as in the C++.
#  - Weight init mirrors init_linear_layers (U(+-1/sqrt(fan_in)) for weight and bias) but from
#    torch's generator; not relevant for speed.
#  - Not timed (as a step): wgan_gp's and ctgan's validation MMD scores every 50 steps and the
#    fit setup (scaler / VGM fits, holdout split), all of which BM_*FitSteps includes in its
#    fits (bench/train_steps_vs_torch.sh takes the difference of the 400- and 200-step fits, so
#    the setup cancels but ctgan's validation scores do not), and run_training's per-step
#    bookkeeping (observer, finiteness check). The
#    .item() reads of each step's statistics are mirrored.
#  - Threads: one ATen thread and, as set_blas_threads(1) does, one OpenBLAS thread (through
#    openblas_set_num_threads of the OpenBLAS this torch loaded).
#  - Optimiser: torch.optim.Adam with foreach=False (the per-parameter loop, as LibTorch's Adam),
#    zero_grad() zeroing the gradients (LibTorch 1.13's behaviour).
import argparse
import ctypes
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

N_ROWS, N_FEATURES, HOLDOUT = 492, 29, 0.2
N_TRAIN = N_ROWS - int(round(HOLDOUT * N_ROWS))  # 394, as holdout_split
MODES = [4, 3, 4, 3, 4, 4, 3, 2, 3, 2, 4, 4, 2, 2, 2, 3, 4, 5, 3, 4, 3, 4, 3, 2, 4, 4, 2, 3, 4]


class RowSampler:  # training_loop.cpp RowSampler: passes over fresh shuffles, no row dropped
    def __init__(self, n, seed):
        self.rng = np.random.default_rng(seed)
        self.order = np.arange(n, dtype=np.int64)
        self.cursor = n

    def next(self, batch):
        parts = []
        while batch > 0:
            if self.cursor == len(self.order):
                self.rng.shuffle(self.order)
                self.cursor = 0
            take = min(batch, len(self.order) - self.cursor)
            parts.append(self.order[self.cursor:self.cursor + take])
            self.cursor += take
            batch -= take
        return torch.tensor(np.concatenate(parts))


class Mlp(nn.Module):  # torch_blocks.cpp MlpImpl
    def __init__(self, d_in, hidden, d_out, leaky=False, batch_norm=False, dropout=0.0):
        super().__init__()
        widths = [d_in] + list(hidden)
        self.linear = nn.ModuleList(nn.Linear(a, b) for a, b in zip(widths, widths[1:]))
        self.linear.append(nn.Linear(widths[-1], d_out))
        self.norm = nn.ModuleList(nn.BatchNorm1d(h) for h in hidden) if batch_norm else None
        self.leaky, self.dropout = leaky, dropout

    def forward(self, x, gen=None):
        for i, lin in enumerate(self.linear[:-1]):
            x = F.leaky_relu(lin(x), 0.2) if self.leaky else torch.relu(lin(x))
            if self.norm is not None:
                x = self.norm[i](x)
            if self.dropout > 0 and self.training and gen is not None:  # seeded_dropout
                keep = torch.empty_like(x).bernoulli_(1.0 - self.dropout, generator=gen)
                x = x * keep / (1.0 - self.dropout)
        return self.linear[-1](x)


def init_linear_layers(net, gen):
    with torch.no_grad():
        for m in net.modules():
            if isinstance(m, nn.Linear):
                bound = 1.0 / m.in_features ** 0.5
                m.weight.uniform_(-bound, bound, generator=gen)
                m.bias.uniform_(-bound, bound, generator=gen)


def adam(params, lr, betas, weight_decay=0.0):
    return torch.optim.Adam(params, lr=lr, betas=betas, weight_decay=weight_decay, foreach=False)


def generator_update(critic, opt, loss_fn):  # torch_blocks.cpp generator_update
    params = list(critic.parameters())
    for p in params:
        p.requires_grad_(False)
    loss = loss_fn()
    opt.zero_grad()
    loss.backward()
    opt.step()
    for p in params:
        p.requires_grad_(True)
    return loss.item()


def gradient_penalty(critic, real, fake, eps, pac):  # torch_blocks.cpp gradient_penalty
    x_hat = (eps * real.detach() + (1.0 - eps) * fake.detach()).requires_grad_(True)
    out = critic(x_hat)
    grad = torch.autograd.grad([out], [x_hat], [torch.ones_like(out)], retain_graph=True,
                               create_graph=True)[0]
    return (grad.reshape(-1, pac * real.size(1)).norm(2, 1) - 1.0).pow(2).mean()


def critic_updates(updates, gp_lambda, pac, draw, critic, gen, opt):  # critic_updates
    stats = np.zeros(3)
    for _ in range(updates):
        real, fake = draw()
        y_real, y_fake = critic(real).mean(), critic(fake).mean()
        eps = torch.rand(real.size(0) // pac, 1, generator=gen).repeat_interleave(pac, 0)
        gp = gradient_penalty(critic, real, fake, eps, pac)
        loss = y_fake - y_real + gp_lambda * gp
        opt.zero_grad()
        loss.backward()
        opt.step()
        stats += [loss.item(), (y_real - y_fake).item(), gp.item()]
    return stats / updates


class GanStep:  # gan_trainer.cpp GanTrainer
    def __init__(self, seed=1):
        self.gen = torch.Generator().manual_seed(seed)
        d = N_FEATURES
        self.g = Mlp(d, [32, 64, 128], d, batch_norm=True)
        self.disc = Mlp(d, [128, 64, 32, 32, 16], 1)
        init_linear_layers(self.g, self.gen)
        init_linear_layers(self.disc, self.gen)
        self.g_opt = adam(self.g.parameters(), 1e-3, (0.5, 0.999))
        self.d_opt = adam(self.disc.parameters(), 1e-3, (0.5, 0.999))
        self.batch, self.latent = 64, d
        self.ones, self.zeros = torch.ones(self.batch, 1), torch.zeros(self.batch, 1)
        self.data = torch.from_numpy(np.random.default_rng(3).standard_normal((N_ROWS, d))).float()
        self.rows = RowSampler(N_ROWS, seed + 1)
        self.g.train()
        self.disc.train()

    def step(self):
        real = self.data.index_select(0, self.rows.next(self.batch))
        fake = self.g(torch.randn(self.batch, self.latent, generator=self.gen))
        real_logits, fake_logits = self.disc(real), self.disc(fake.detach())
        d_loss = (F.binary_cross_entropy_with_logits(real_logits, self.ones)
                  + F.binary_cross_entropy_with_logits(fake_logits, self.zeros))
        self.d_opt.zero_grad()
        d_loss.backward()
        self.d_opt.step()
        g_loss = generator_update(self.disc, self.g_opt, lambda: F.binary_cross_entropy_with_logits(
            self.disc(fake), self.ones))
        with torch.no_grad():
            return (d_loss.item(), g_loss, torch.sigmoid(real_logits).mean().item(),
                    torch.sigmoid(fake_logits).mean().item())


def class_rows(seed=7):  # make_data's class-1 rows (N(1, 1)), the training share of them
    return np.random.default_rng(seed).standard_normal((N_TRAIN, N_FEATURES)) + 1.0


class WganGpStep:  # wgan_gp.cpp Trainer
    def __init__(self, seed=1):
        self.gen = torch.Generator().manual_seed(seed)
        x = class_rows()
        self.data = torch.from_numpy((x - x.mean(0)) / x.std(0)).float()  # StandardScaler
        self.batch, self.latent = min(64, N_TRAIN), 64
        self.rows = RowSampler(N_TRAIN, seed + 1)
        self.g = Mlp(self.latent, [256, 256], N_FEATURES)
        self.critic = Mlp(N_FEATURES, [256, 256], 1, leaky=True)
        init_linear_layers(self.g, self.gen)
        init_linear_layers(self.critic, self.gen)
        self.g_opt = adam(self.g.parameters(), 1e-4, (0.5, 0.9))
        self.c_opt = adam(self.critic.parameters(), 1e-4, (0.5, 0.9))

    def draw(self):
        real = self.data.index_select(0, self.rows.next(self.batch))
        with torch.no_grad():
            fake = self.g(torch.randn(self.batch, self.latent, generator=self.gen))
        return real, fake

    def step(self):
        s = critic_updates(5, 10.0, 1, self.draw, self.critic, self.gen, self.c_opt)
        g_loss = generator_update(self.critic, self.g_opt, lambda: -self.critic(
            self.g(torch.randn(self.batch, self.latent, generator=self.gen))).mean())
        return s, g_loss


class ResidualGenerator(nn.Module):  # ctgan_trainer.h ResidualGeneratorImpl
    def __init__(self, d_in, hidden, d_out):
        super().__init__()
        self.fc, self.bn, width = nn.ModuleList(), nn.ModuleList(), d_in
        for h in hidden:
            self.fc.append(nn.Linear(width, h))
            self.bn.append(nn.BatchNorm1d(h))
            width += h
        self.out = nn.Linear(width, d_out)

    def forward(self, x):
        for fc, bn in zip(self.fc, self.bn):
            x = torch.cat([torch.relu(bn(fc(x))), x], 1)
        return self.out(x)


class CtganStep:  # ctgan_trainer_test.cpp AutogradCtgan
    def __init__(self, modes, seed=42):
        self.gen = torch.Generator().manual_seed(seed)
        self.rng = np.random.default_rng(seed + 1)
        self.n_classes, self.latent, self.pac, self.tau, self.gp_lambda = 1, 128, 1, 0.2, 10.0
        self.cond_width = self.n_classes  # + categories of discrete columns: none here
        self.batch = min(-(-min(N_TRAIN, 100) // self.pac) * self.pac,
                         -(-N_TRAIN // self.pac) * self.pac)
        spans, start = [], 0  # out_spans: (start, width, softmax) per alpha and per mode block
        for k in modes:
            spans += [(start, 1, False), (start + 1, k, True)]
            start += 1 + k
        self.encoded = start
        self.in_width = self.encoded + self.cond_width
        self.data = self.encode(modes)
        self.g = ResidualGenerator(self.latent + self.cond_width, [256, 256], self.encoded)
        self.critic_net = Mlp(self.in_width * self.pac, [256, 256], 1, leaky=True, dropout=0.5)
        init_linear_layers(self.g, self.gen)
        init_linear_layers(self.critic_net, self.gen)
        self.g_opt = adam(self.g.parameters(), 2e-4, (0.5, 0.9), 1e-6)
        self.c_opt = adam(self.critic_net.parameters(), 2e-4, (0.5, 0.9), 1e-6)
        self.class_of_rows = [np.arange(N_TRAIN)]  # ClassConditions::rows of the one class
        self.class_samplers = [RowSampler(N_TRAIN, seed + 200 + c) for c in range(self.n_classes)]
        # index_spans: padded [spans, widest] gather of the columns, span id and alpha mask
        self.widest = max(w for _, w, _ in spans)
        span_id, is_alpha = np.zeros(self.encoded, np.int64), np.zeros(self.encoded, bool)
        padded = np.full(len(spans) * self.widest, self.encoded, np.int64)
        for k, (s, w, soft) in enumerate(spans):
            span_id[s:s + w], is_alpha[s:s + w] = k, not soft
            padded[k * self.widest:k * self.widest + w] = np.arange(s, s + w)
        self.n_spans = len(spans)
        self.span_index = torch.from_numpy(span_id).unsqueeze(0)
        self.padded_index = torch.from_numpy(padded)
        self.alpha_mask = torch.from_numpy(is_alpha)
        self.g.train()
        self.critic_net.train()

    def encode(self, modes):  # stand-in for ModeNormalizer::encode: alpha + a one-hot mode
        out, start = np.zeros((N_TRAIN, self.encoded)), 0
        for k in modes:
            out[:, start] = np.clip(self.rng.normal(0, 0.25, N_TRAIN), -0.99, 0.99)
            out[np.arange(N_TRAIN), start + 1 + self.rng.integers(k, size=N_TRAIN)] = 1.0
            start += 1 + k
        return torch.from_numpy(out).float()

    def draw_conditions(self, b):
        cond = torch.zeros(b, self.cond_width)
        mask = torch.zeros(b, 1)  # [b, max(discrete, 1)], unused without discrete columns
        target = torch.zeros(b, 1, dtype=torch.int64)
        cls = self.rng.integers(self.n_classes, size=b)
        cond[torch.arange(b), torch.from_numpy(cls)] = 1.0
        return cond, mask, target, cls

    def critic(self, v):
        return self.critic_net(v.reshape(-1, self.in_width * self.pac), self.gen)

    def by_span(self, t, pad):
        b = t.size(0)
        return torch.cat([t, torch.full((b, 1), pad)], 1).index_select(
            1, self.padded_index).reshape(b, self.n_spans, self.widest)

    def activate(self, raw):  # tanh for alpha, Gumbel-softmax for the mode blocks
        idx = self.span_index.expand(raw.size(0), raw.size(1))
        gumbel = -torch.empty_like(raw).exponential_(1.0, generator=self.gen).clamp_min(1e-20).log()
        v = (raw + gumbel) / self.tau
        with torch.no_grad():
            top = self.by_span(v, float("-inf")).max(2)[0].gather(1, idx)
        ex = torch.exp(v - top)
        sums = self.by_span(ex, 0.0).sum(2).gather(1, idx)
        return torch.where(self.alpha_mask, torch.tanh(raw), ex / sums)

    def critic_batch(self):
        cond, _, _, cls = self.draw_conditions(self.batch)
        with torch.no_grad():
            noise = torch.randn(self.batch, self.latent, generator=self.gen)
            fake = torch.cat([self.activate(self.g(torch.cat([noise, cond], 1))), cond], 1)
        perm = np.arange(self.batch)
        self.rng.shuffle(perm)
        rows = np.empty(self.batch, np.int64)  # real_rows: each class's next rows, in perm order
        for c in range(self.n_classes):
            where = np.nonzero(cls[perm] == c)[0]
            rows[where] = self.class_of_rows[c][self.class_samplers[c].next(len(where)).numpy()]
        real = torch.cat([self.data.index_select(0, torch.tensor(rows)),
                          cond.index_select(0, torch.tensor(perm))], 1)
        return real, fake

    def step(self):
        s = critic_updates(1, self.gp_lambda, self.pac, self.critic_batch, self.critic, self.gen,
                           self.c_opt)
        cond_value = [0.0]

        def loss():
            cond, _, _, _ = self.draw_conditions(self.batch)
            noise = torch.randn(self.batch, self.latent, generator=self.gen)
            raw = self.g(torch.cat([noise, cond], 1))
            y_fake = self.critic(torch.cat([self.activate(raw), cond], 1)).mean()
            ce = torch.zeros(())  # cond_loss: no discrete column
            cond_value[0] = ce.item()
            return -y_fake + ce

        return s, generator_update(self.critic_net, self.g_opt, loss), cond_value[0]


def set_blas_threads(n):  # core/threads.cpp set_blas_threads, which BM_GanTrainStep calls
    with open("/proc/self/maps") as maps:
        libs = {line.split()[-1] for line in maps if "openblas" in line}
    for lib in libs:
        ctypes.CDLL(lib).openblas_set_num_threads(n)


def time_model(make, steps, warmup=20, repeats=3):
    model = make()
    for _ in range(warmup):
        model.step()
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(steps):
            model.step()
        best = min(best, (time.perf_counter() - t0) * 1e3 / steps)
    return best


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--models", default="gan,wgan_gp,ctgan")
    ap.add_argument("--steps", type=int, default=200, help="timed steps per repeat")
    ap.add_argument("--ctgan-modes", type=int, default=0,
                    help="modes of every ctgan column (0: MODES, imbgen's VGM result)")
    args = ap.parse_args()
    torch.set_num_threads(1)
    torch.set_num_interop_threads(1)
    set_blas_threads(1)
    modes = [args.ctgan_modes] * N_FEATURES if args.ctgan_modes > 0 else MODES
    makers = {"gan": GanStep, "wgan_gp": WganGpStep, "ctgan": lambda: CtganStep(modes)}
    for name in args.models.split(","):
        print(f"torch_step_ms {name} {time_model(makers[name], args.steps):.3f}", flush=True)


if __name__ == "__main__":
    main()
