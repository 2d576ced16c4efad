#!/usr/bin/env python3
"""Crash safety of imbgen's outputs: SIGKILL at random moments, and a full disk.

  crash_test.py IMBGEN DATA run [--kills N]        kill `imbgen run`: the output folder is
                                                   always as it was or complete
  crash_test.py IMBGEN DATA benchmark [--kills N]  kill `imbgen benchmark` (and its --resume):
                                                   the finished outputs are all there or none
                                                   is, every stored cell is whole, and the
                                                   resumed run's summary.csv is byte for byte
                                                   the uninterrupted run's
  crash_test.py IMBGEN DATA disk                   a full disk (a 1 MiB tmpfs when mounting is
                                                   allowed, else a file-size limit): exit 5, an
                                                   I/O message naming the file, nothing partial,
                                                   nothing of the user's lost

The kill moments are drawn from a seeded generator (--seed) over the duration of an uninterrupted
run; every third kill instead waits for the staging folder to appear (the outputs are being
written) and comes 0-20 ms later, and in the benchmark one kill of three comes 0-300 ms after a
cell was stored. Prints the count of each outcome. Standard library only.
"""
import argparse
import hashlib
import json
import os
import random
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time

RUN_ARGS = ["--drop", "Time", "--strategies", "none,random,smote", "--classifiers",
            "logistic", "--no-evaluate",
            "--threads", "1", "--quiet"]
BENCH_ARGS = ["--drop", "Time", "--strategies", "none,random", "--classifiers", "logistic",
              "--folds", "2", "--repeats", "2", "--no-evaluate", "--jobs", "1", "--threads", "1",
              "--seed", "5", "--quiet"]
FAILURES = []


def fail(msg):
    FAILURES.append(msg)
    print("FAIL: " + msg, flush=True)


def snapshot(folder):
    """{relative path: sha256} of every file under folder (None when it does not exist)."""
    if not os.path.exists(folder):
        return None
    out = {}
    for root, dirs, files in os.walk(folder):
        for name in files:
            path = os.path.join(root, name)
            with open(path, "rb") as f:
                out[os.path.relpath(path, folder)] = hashlib.sha256(f.read()).hexdigest()
        for name in dirs:
            out.setdefault(os.path.relpath(os.path.join(root, name), folder) + "/", "dir")
    return out


def leftovers(folder):
    """Staging folders a killed run left next to `folder`."""
    parent, name = os.path.split(os.path.abspath(folder))
    return [e for e in os.listdir(parent) if e.startswith("." + name + ".imbgen-staging-")]


def run_to_end(cmd, what):
    start = time.monotonic()
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if p.returncode != 0:
        fail(f"{what}: exit {p.returncode}\n{p.stdout}")
    return time.monotonic() - start


FASTEST = [float("inf")]  # the shortest whole run seen: kill moments scale with it


def kill_at(cmd, delay):
    """Starts cmd, SIGKILLs it after `delay` seconds; returns the exit status (None: killed)."""
    start = time.monotonic()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        p.wait(timeout=delay)
        FASTEST[0] = min(FASTEST[0], time.monotonic() - start)
        return p.returncode  # finished before the kill
    except subprocess.TimeoutExpired:
        os.kill(p.pid, signal.SIGKILL)
        p.wait()
        return None


def kill_while_writing(cmd, folder, rng):
    """Starts cmd, waits until its staging folder appears next to `folder` (the outputs are being
    written), SIGKILLs it 0-20 ms later; returns the exit status (None: killed)."""
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while p.poll() is None and not leftovers(folder):
        time.sleep(0.0005)
    if p.poll() is not None:
        return p.returncode
    time.sleep(rng.uniform(0.0, 0.02))
    if p.poll() is not None:
        return p.returncode
    os.kill(p.pid, signal.SIGKILL)
    p.wait()
    return None


def stored_cells(folder):
    return sum(len([n for n in names if n.endswith(".json") and n != "manifest.json"])
               for _, _, names in os.walk(os.path.join(folder, "cells")))


def kill_after_a_new_cell(cmd, folder, rng):
    """Starts cmd, waits until it has stored one more cell, SIGKILLs it 0-300 ms later (while
    the next cell is being computed or saved); returns the exit status (None: killed)."""
    before = stored_cells(folder)
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while p.poll() is None and stored_cells(folder) <= before:
        time.sleep(0.002)
    if p.poll() is not None:
        return p.returncode
    time.sleep(rng.uniform(0.0, 0.3))
    if p.poll() is not None:
        return p.returncode
    os.kill(p.pid, signal.SIGKILL)
    p.wait()
    return None


def kill_moments(rng, n, duration):
    """Fractions of a run's duration: uniform, every other one in the last fifth."""
    return [rng.uniform(0.05, 1.0) if i % 2 == 0 else rng.uniform(0.8, 1.05) for i in range(n)]


def check_run(args):
    work = tempfile.mkdtemp(prefix="imbgen-crash-run-")
    try:
        base = [args.imbgen, "run", "--data", args.data] + RUN_ARGS
        ref = os.path.join(work, "ref")
        duration = run_to_end(base + ["--seed", "7", "--out", ref], "reference run")
        ref_files = snapshot(ref)
        # The earlier results a killed run must not damage: another seed's run plus a user file.
        earlier = os.path.join(work, "earlier")
        duration = min(duration, run_to_end(base + ["--seed", "8", "--out", earlier],
                                            "earlier run"))
        with open(os.path.join(earlier, "notes.txt"), "w") as f:
            f.write("the user's own notes\n")
        deterministic = [k for k in ref_files
                         if k.startswith("synthetic/") or k == "predictions.csv"]
        rng = random.Random(args.seed)
        counts = {}
        out = os.path.join(work, "out")
        for i, fraction in enumerate(kill_moments(rng, args.kills, duration)):
            delay = fraction * min(duration, FASTEST[0])
            shutil.rmtree(out, ignore_errors=True)
            for e in leftovers(out):  # so that each kill's leftovers are its own
                shutil.rmtree(os.path.join(work, e), ignore_errors=True)
            fresh = i % 4 == 3  # every fourth: no folder before the run
            if not fresh:
                shutil.copytree(earlier, out)
            before = snapshot(out)
            if i % 3 == 2:  # every third: while the outputs are being written
                status = kill_while_writing(base + ["--seed", "7", "--out", out], out, rng)
            else:
                status = kill_at(base + ["--seed", "7", "--out", out], delay)
            after = snapshot(out)
            staged = leftovers(out)
            if after == before:
                outcome = "as it was (killed while writing)" if staged else "as it was"
            else:
                expected = dict(ref_files)
                if not fresh:
                    expected["notes.txt"] = before["notes.txt"]
                complete = (after is not None and set(after) == set(expected) and
                            all(after[k] == expected[k] for k in deterministic + ["notes.txt"]
                                if k in expected))
                if complete:
                    try:
                        with open(os.path.join(out, "results.json")) as f:
                            json.load(f)
                    except ValueError:
                        complete = False
                outcome = "complete" if complete else "PARTIAL"
                if not complete:
                    fail(f"run kill {i} at {delay:.2f} s: the folder is neither as it was nor "
                         f"complete: {sorted(set(after or {}) ^ set(expected))}")
            if status is not None:
                outcome += " (finished before the kill)"
            counts[outcome] = counts.get(outcome, 0) + 1
        # The next run cleans up what killed ones left next to the folder (one is made here for
        # sure: a staging folder of a process that is gone).
        os.makedirs(os.path.join(work, ".out.imbgen-staging-4194305-0"), exist_ok=True)
        run_to_end(base + ["--seed", "7", "--out", out], "run after the kills")
        if leftovers(out):
            fail(f"staging folders left after a finished run: {leftovers(out)}")
        print(f"imbgen run: {args.kills} kills over runs of {min(duration, FASTEST[0]):.1f} s "
              f"(the fastest seen):")
        for k, v in sorted(counts.items()):
            print(f"  {v:3d}  {k}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


FINAL = ["metrics.csv", "summary.csv", "results.json", "report.html"]


def check_benchmark(args):
    work = tempfile.mkdtemp(prefix="imbgen-crash-bench-")
    try:
        base = [args.imbgen, "benchmark", "--data", args.data] + BENCH_ARGS
        ref = os.path.join(work, "ref")
        duration = run_to_end(base + ["--out", ref], "reference benchmark")
        with open(os.path.join(ref, "summary.csv"), "rb") as f:
            ref_summary = f.read()
        rng = random.Random(args.seed)
        counts = {}
        out = os.path.join(work, "out")
        chains = max(1, args.kills // 3)
        done = 0
        for chain in range(chains):
            shutil.rmtree(out, ignore_errors=True)
            kills = args.kills // chains + (1 if chain < args.kills % chains else 0)
            first = True
            # Of three kills: one at a random moment, one just after a cell was stored, one while
            # the outputs are written.
            fractions = [rng.uniform(0.5, 1.0) for k in range(kills)]
            for k, fraction in enumerate(fractions):
                delay = fraction * duration
                cmd = base + ["--out", out] + ([] if first else ["--resume"])
                writing = False
                if k % 3 == 2:  # while the finished outputs are being written
                    for e in leftovers(out):
                        shutil.rmtree(os.path.join(work, e), ignore_errors=True)
                    status = kill_while_writing(cmd, out, rng)
                    writing = status is None and bool(leftovers(out))
                elif k % 3 == 1:  # mid-run, after a cell was stored
                    status = kill_after_a_new_cell(cmd, out, rng)
                else:
                    status = kill_at(cmd, delay)
                first = first and not os.path.exists(os.path.join(out, "cells"))
                present = [f for f in FINAL if os.path.exists(os.path.join(out, f))]
                if present and len(present) != len(FINAL):
                    fail(f"benchmark kill at {delay:.2f} s: only {present} of the outputs")
                bad = []
                for root, _, files in os.walk(os.path.join(out, "cells")):
                    for name in files:
                        if name.endswith(".json"):
                            try:
                                with open(os.path.join(root, name)) as f:
                                    json.load(f)
                            except ValueError:
                                bad.append(name)
                if bad:
                    fail(f"benchmark kill at {delay:.2f} s: damaged cells {bad}")
                n_cells = stored_cells(out)
                if status is not None:
                    outcome = "finished before the kill"
                elif writing:
                    outcome = "killed while writing the outputs (none in place)" if not present \
                        else "killed while writing the outputs (all in place)"
                elif present:
                    outcome = "killed after the outputs were in place"
                else:
                    outcome = "killed mid-run, %s cells stored" % ("some" if n_cells else "no")
                counts[outcome] = counts.get(outcome, 0) + 1
                done += 1
            # Finish what the kills left and compare with the uninterrupted run.
            run_to_end(base + ["--out", out, "--resume"], "benchmark --resume")
            with open(os.path.join(out, "summary.csv"), "rb") as f:
                if f.read() != ref_summary:
                    fail(f"chain {chain}: summary.csv after --resume differs from the "
                         "uninterrupted run's")
            if leftovers(out):
                fail(f"staging folders left after a finished benchmark: {leftovers(out)}")
        print(f"imbgen benchmark: {done} kills over {duration:.1f} s runs, {chains} chains each "
              f"finished with --resume (summary.csv compared byte for byte):")
        for k, v in sorted(counts.items()):
            print(f"  {v:3d}  {k}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


def check_disk(args):
    work = tempfile.mkdtemp(prefix="imbgen-crash-disk-")
    mounted = False
    try:
        disk = os.path.join(work, "disk")
        os.makedirs(disk)
        if os.geteuid() == 0:
            mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", disk],
                                     stderr=subprocess.DEVNULL).returncode == 0
        limit = None
        if not mounted:
            limit = 1024 * 1024  # bytes per file: report.html alone is several MB

        def limited():
            if limit is not None:
                resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

        print("full disk: " + ("a 1 MiB tmpfs" if mounted else
                               "no tmpfs (mounting not allowed): a 1 MiB file-size limit"))
        cases = [
            ("run", [args.imbgen, "run", "--data", args.data] + RUN_ARGS + ["--seed", "7"]),
            ("benchmark", [args.imbgen, "benchmark", "--data", args.data] + BENCH_ARGS),
        ]
        for name, cmd in cases:
            out = os.path.join(disk, name)
            os.makedirs(out)
            with open(os.path.join(out, "results.json"), "w") as f:
                f.write('{"earlier": true}\n')
            with open(os.path.join(out, "notes.txt"), "w") as f:
                f.write("the user's own notes\n")
            before = snapshot(out)
            p = subprocess.run(cmd + ["--out", out], stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True, preexec_fn=limited)
            msg = p.stdout.strip().splitlines()[-1] if p.stdout.strip() else ""
            print(f"  {name}: exit {p.returncode}: {msg}")
            if p.returncode != 5:
                fail(f"{name} on a full disk: expected exit 5, got {p.returncode}\n{p.stdout}")
            reason = "No space left on device" if mounted else "File too large"
            if reason not in p.stdout or "wrote" in p.stdout:
                fail(f"{name} on a full disk: expected '{reason}' and no 'wrote'\n{p.stdout}")
            after = snapshot(out)
            if name == "run" and after != before:
                fail(f"run on a full disk changed the output folder: {before} -> {after}")
            if name == "benchmark":
                # The cell store may hold whole cells (for --resume); the user's files are intact
                # and no finished output is there.
                for k in before:
                    if after.get(k) != before[k]:
                        fail(f"benchmark on a full disk changed {k}")
                if any(os.path.exists(os.path.join(out, f)) for f in FINAL[:2] + FINAL[3:]):
                    fail("benchmark on a full disk left some outputs")
            if leftovers(out):
                fail(f"{name} on a full disk left staging folders: {leftovers(out)}")
    finally:
        if mounted:
            subprocess.run(["umount", os.path.join(work, "disk")])
        shutil.rmtree(work, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("imbgen")
    ap.add_argument("data")
    ap.add_argument("what", choices=["run", "benchmark", "disk"])
    ap.add_argument("--kills", type=int, default=20)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    {"run": check_run, "benchmark": check_benchmark, "disk": check_disk}[args.what](args)
    if FAILURES:
        print(f"{len(FAILURES)} failure(s)")
        sys.exit(1)
    print("ok")


if __name__ == "__main__":
    main()
