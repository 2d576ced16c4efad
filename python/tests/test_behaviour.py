"""What a Python user expects: Ctrl-C stops a long fit, the GIL is free while imbgen works,
help() reads well, progress only when asked, and which BLAS kernels ran."""

import os
import signal
import subprocess
import sys
import textwrap
import threading

import numpy as np

import imbgen
from conftest import IMBGEN_BIN


def test_ctrl_c_stops_a_long_fit_with_keyboard_interrupt(tmp_path):
    script = textwrap.dedent(f"""
        import sys, numpy as np, imbgen
        rng = np.random.RandomState(0)
        X = rng.normal(size=(400, 8)); y = np.array([0] * 300 + [1] * 100)
        print("fitting", flush=True)
        try:
            m = imbgen.fit(X, y, generator="wgan_gp", steps=1000000, random_state=1)
            m.save({str(tmp_path / 'm.imbgen')!r})
        except KeyboardInterrupt as e:
            print("KeyboardInterrupt:", e, flush=True)
            sys.exit(42)
    """)
    p = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True,
                         env=dict(os.environ))
    assert p.stdout.readline().strip() == "fitting"
    import time
    time.sleep(3)  # let training start
    p.send_signal(signal.SIGINT)
    out, _ = p.communicate(timeout=60)  # stops promptly, not after a million steps
    assert p.returncode == 42, out
    assert "KeyboardInterrupt" in out
    assert not (tmp_path / "m.imbgen").exists()


def test_the_gil_is_released_while_imbgen_trains():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(300, 6))
    y = np.array([0] * 200 + [1] * 100)
    ticks = []
    stop = threading.Event()

    def count():
        while not stop.is_set():
            ticks.append(1)

    t = threading.Thread(target=count)
    t.start()
    before = len(ticks)
    imbgen.fit(X, y, generator="gan", steps=300, random_state=0)
    during = len(ticks) - before
    stop.set()
    t.join()
    # Python code ran in the other thread while the fit held no GIL.
    assert during > 1000


def test_help_and_docstrings():
    for name in imbgen.__all__:
        obj = getattr(imbgen, name)
        if callable(obj):
            assert obj.__doc__ and len(obj.__doc__) > 40, name
    assert "sampling_strategy" in imbgen.Resampler.__doc__
    assert set(imbgen.generators()) >= {"smote", "gan", "ctgan", "ddpm"}
    opts = imbgen.generator_options("smote")
    assert opts["properties"]["k_neighbors"]["default"] == 5 and opts["description"]


def test_verbose_prints_progress_and_quiet_does_not(capfd):
    rng = np.random.RandomState(0)
    X = rng.normal(size=(200, 4))
    y = np.array([0] * 150 + [1] * 50)
    imbgen.fit(X, y, generator="gan", steps=200, random_state=0)
    assert capfd.readouterr().err == ""
    # A fit shorter than the one-second progress interval still prints its last state.
    imbgen.fit(X, y, generator="gan", steps=200, random_state=0, verbose=True)
    assert "imbgen: gan" in capfd.readouterr().err


def test_blas_kernels_are_reported_and_follow_openblas_coretype():
    info = imbgen.blas()
    assert info["library"].startswith("OpenBLAS ") and info["kernels"], info
    assert info["description"].startswith(f"{info['library']}, {info['kernels']} kernels")
    # The command prints the same line; OPENBLAS_CORETYPE, which OpenBLAS reads when it loads,
    # chooses the kernels (Nehalem's need SSE4.2 only), and the line says that it did.
    # Nehalem's kernels leave an AVX-512 CPU's AVX-512 unused: imbgen's own products then take
    # over for the deep generators, and the line says that too.
    env = dict(os.environ, OPENBLAS_CORETYPE="Nehalem")
    env.pop("IMBGEN_GEMM", None)
    r = subprocess.run([IMBGEN_BIN, "--version"], env=env, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    forced = f"BLAS: {info['library']}, Nehalem kernels (OPENBLAS_CORETYPE)"
    own = "; imbgen's AVX-512 products for the deep generators" if info["cpu_avx512"] else ""
    assert r.stdout.splitlines()[1] == forced + own
    env["IMBGEN_GEMM"] = "openblas"
    r = subprocess.run([IMBGEN_BIN, "--version"], env=env, capture_output=True, text=True)
    assert r.stdout.splitlines()[1] == forced
    del env["OPENBLAS_CORETYPE"]
    r = subprocess.run([IMBGEN_BIN, "--version"], env=env, capture_output=True, text=True)
    assert r.stdout.splitlines()[1].startswith(f"BLAS: {info['library']}, ")
    assert "OPENBLAS_CORETYPE" not in r.stdout
