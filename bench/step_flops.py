"""The arithmetic floor of one training step: the matrix-multiply FLOPs of one step of each
PyTorch reference model (bench/torch_reference_gans.py, bench/torch_reference_vaes.py: the same
architectures, losses and batches as imbgen's generators), counted by torch.profiler, and this
core's float32 matrix-multiply rate on one thread. No implementation of the same step on this
core can take less than FLOPs / rate; the rate of a large product is the most any code reaches,
and the rate at a step's own shapes (a batch of 64 rows through a 256-wide layer) is what a
step can hope for.

The same for sampling: the FLOPs per row of the network that makes a row (the generator of the
GAN family, the decoder of the VAEs; before any decoding to original units), so
rate / FLOPs per row is the most rows per second a core can make.

Prints one line per model, `step_mflop gan 21.7`, one per sampler, `sample_kflop_per_row gan
29.8`, then `peak_gflops large 61.2` and `peak_gflops step_shapes 40.1`. Usage: /usr/bin/python3 bench/step_flops.py [--models ...]
(Debian's python3-torch; one thread, OpenBLAS included).
"""
import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import torch  # noqa: E402
from torch.profiler import ProfilerActivity, profile  # noqa: E402

import torch_reference_gans as gans  # noqa: E402
import torch_reference_vaes as vaes  # noqa: E402


def makers():
    x = vaes.make_data()
    steps = 1000  # only the learning-rate schedules of the VAEs and ddpm look at it
    return {
        "gan": gans.GanStep,
        "wgan_gp": gans.WganGpStep,
        "ctgan": lambda: gans.CtganStep(gans.MODES),
        "vae": lambda: vaes.build_vae(x, steps),
        "cvae": lambda: vaes.build_cvae(x, steps),
        "tvae": lambda: vaes.build_tvae(x, steps),
        "ddpm": lambda: vaes.build_ddpm(x, steps),
    }


def step_flops(model):
    """FLOPs of the matrix products (forward, backward and the gradient penalty's double
    backward) of one step, as torch.profiler counts them (2 per multiply-add)."""
    for _ in range(3):
        model.step()
    with profile(activities=[ProfilerActivity.CPU], with_flops=True) as prof:
        model.step()
    return sum(e.flops for e in prof.key_averages() if e.flops)


def samplers():
    """For each model: (the network that makes a row from noise, its input width)."""
    x = vaes.make_data()
    gan, wgan, ctgan = gans.GanStep(), gans.WganGpStep(), gans.CtganStep(gans.MODES)
    vae, cvae, tvae = vaes.build_vae(x, 10), vaes.build_cvae(x, 10), vaes.build_tvae(x, 10)
    return {
        "gan": (gan.g, gan.latent),
        "wgan_gp": (wgan.g, wgan.latent),
        "ctgan": (ctgan.g, ctgan.latent + ctgan.cond_width),
        "vae": (vae.net.decoder, vae.latent),
        "cvae": (cvae.net.decoder, cvae.latent + 1),
        "tvae": (tvae.net.decoder, tvae.latent),
    }


def sample_flops_per_row(net, width, rows=2048):
    net.eval()
    with torch.no_grad(), profile(activities=[ProfilerActivity.CPU], with_flops=True) as prof:
        net(torch.randn(rows, width))
    return sum(e.flops for e in prof.key_averages() if e.flops) / rows


def mm_rate(m, k, n, seconds=1.0):
    """GFLOP/s of float32 [m, k] x [k, n] products on this thread."""
    a, b = torch.randn(m, k), torch.randn(k, n)
    for _ in range(3):
        torch.mm(a, b)
    reps, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for _ in range(10):
            torch.mm(a, b)
        reps += 10
    return 2.0 * m * k * n * reps / (time.perf_counter() - start) / 1e9


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--models", default="gan,wgan_gp,ctgan,vae,cvae,tvae,ddpm")
    args = ap.parse_args()
    torch.set_num_threads(1)
    torch.set_num_interop_threads(1)
    gans.set_blas_threads(1)
    make = makers()
    for name in args.models.split(","):
        print(f"step_mflop {name} {step_flops(make[name]()) / 1e6:.2f}", flush=True)
    for name, (net, width) in samplers().items():
        print(f"sample_kflop_per_row {name} {sample_flops_per_row(net, width) / 1e3:.1f}",
              flush=True)
    print(f"peak_gflops large {mm_rate(1024, 1024, 1024):.1f}")
    # The widest layers of the step: 64 rows through 256 x 256 (wgan_gp), and its gradient.
    print(f"peak_gflops step_shapes {mm_rate(64, 256, 256):.1f}")


if __name__ == "__main__":
    main()
