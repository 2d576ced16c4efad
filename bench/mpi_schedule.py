#!/usr/bin/env python3
"""Scaling on paper for `mpirun -n N imbgen benchmark`: replays the measured cell times of a
finished benchmark (its cell store, OUT/cells) through the schedule imbgen uses (rank 0 hands the
next cell in plan order to whichever rank becomes free first; rank 0 computes too) and prints,
for each rank count, the expected wall time, the speed-up and the efficiency, and where it stops
scaling: the largest cell bounds the wall time, and rank 0 also stores every cell.

Usage:
  bench/mpi_schedule.py STORE [--extra STORE2 ...] [--repeats R] [--datasets D]
                        [--ranks 8,32,128] [--jobs J] [--store-mb-per-s 50]
  STORE    a cell store (OUT/cells) of a finished `imbgen benchmark`
  --extra  another store of the same data, folds and strategies with other classifiers: each
           cell's classifier fit times are added to the cell of the same key (its generator fit
           is not: the cell of STORE already did it)
  --repeats / --datasets  replicate the measured cells, as if the benchmark had R repeats (each
           repeat costs what the measured ones cost) or D data sets like this one
  --median every cell at its strategy's median time: a busy machine's noise damped
  --jobs   cells each rank computes at once (imbgen's --jobs); workers = ranks x jobs
Cell times are the `seconds` each cell records (wall time of the generator fit, the classifiers
and the scoring); they include whatever else the machine was doing.
"""
import argparse
import glob
import heapq
import json
import os
import statistics
import sys


def load_cells(store):
    cells = {}
    for path in glob.glob(os.path.join(store, "**", "*.json"), recursive=True):
        if os.path.basename(path) == "manifest.json":
            continue
        with open(path) as f:
            j = json.load(f)
        cells[j["key"]] = (j["cell"], os.path.getsize(path))
    if not cells:
        sys.exit(f"mpi_schedule: no cells in {store}")
    return cells


def plan_order(key):
    # "<dataset>/r<repeat>-f<fold>-<strategy>": imbgen's plan order is data set, repeat, fold,
    # then the strategies in the order given; the strategies' order is taken from the cell files.
    dataset, rest = key.split("/", 1)
    r, f, strategy = rest.split("-", 2)
    return dataset, int(r[1:]), int(f[1:]), strategy


def simulate(times, workers):
    """Dynamic list schedule: each cell, in the order given, goes to the first free worker.
    Returns the wall time."""
    free = [(0.0, w) for w in range(workers)]
    heapq.heapify(free)
    end = 0.0
    for t in times:
        start, w = heapq.heappop(free)
        finish = start + t
        end = max(end, finish)
        heapq.heappush(free, (finish, w))
    return end


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("store")
    ap.add_argument("--extra", action="append", default=[])
    ap.add_argument("--repeats", type=int, default=0, help="replicate to this many repeats")
    ap.add_argument("--datasets", type=int, default=1, help="replicate to this many data sets")
    ap.add_argument("--ranks", default="8,32,128")
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--median", action="store_true",
                    help="give every cell its strategy's median time (damps a busy machine's noise)")
    ap.add_argument("--store-mb-per-s", type=float, default=50.0,
                    help="rank 0's speed to parse a received cell and write it (JSON), MB/s")
    a = ap.parse_args()

    cells = load_cells(a.store)
    extras = [load_cells(s) for s in a.extra]
    strategies = []
    for key in cells:
        s = plan_order(key)[3]
        if s not in strategies:
            strategies.append(s)
    manifest = os.path.join(a.store, "manifest.json")
    if os.path.exists(manifest):
        with open(manifest) as f:
            strategies = json.load(f)["config"]["settings"]["strategies"]
    keyed = []
    missing_extra = 0
    for key, (cell, size) in cells.items():
        t = cell["seconds"]
        for extra in extras:
            if key in extra:
                e = extra[key][0]
                t += sum(r["fit_seconds"] for r in e["results"])
                size += extra[key][1]
            else:
                missing_extra += 1
        d, r, f, s = plan_order(key)
        keyed.append(((d, r, f, strategies.index(s)), t, size, key))
    keyed.sort()
    if a.median:
        medians = {}
        for k, t, _, _ in keyed:
            medians.setdefault(k[3], []).append(t)
        medians = {s: statistics.median(v) for s, v in medians.items()}
        keyed = [(k, medians[k[3]], size, key) for k, _, size, key in keyed]
    repeats_measured = 1 + max(k[0][1] for k in keyed)
    copies_r = max(1, a.repeats // repeats_measured) if a.repeats else 1
    # Replicate: data set copies outermost, then repeats, as imbgen plans them.
    times, sizes = [], []
    for _ in range(a.datasets):
        for _ in range(copies_r):
            for _, t, size, _ in keyed:
                times.append(t)
                sizes.append(size)
    total = sum(times)
    largest = max(times)
    by_strategy = {}
    for (k, t, _, _) in keyed:
        by_strategy.setdefault(strategies[k[3]], []).append(t)

    print(f"cells: {len(times)} ({len(keyed)} measured"
          + (", each at its strategy's median" if a.median else "")
          + (f", x{copies_r} repeats" if copies_r > 1 else "")
          + (f", x{a.datasets} data sets" if a.datasets > 1 else "") + ")"
          + (f"; {missing_extra} cells had no --extra entry" if missing_extra else ""))
    print(f"work: {total:.0f} s in all (one worker: {total / 3600:.2f} h); largest cell "
          f"{largest:.0f} s; median {statistics.median(times):.1f} s")
    print("per strategy (measured cells): " + ", ".join(
        f"{s} median {statistics.median(v):.1f} s max {max(v):.0f} s" for s, v in by_strategy.items()))
    store_s = sum(sizes) / 1e6 / a.store_mb_per_s
    print(f"rank 0 stores {sum(sizes) / 1e6:.1f} MB of cells: about {store_s:.1f} s at "
          f"{a.store_mb_per_s:g} MB/s (an assumption, not measured here)")
    print(f"no more speed-up past about {total / largest:.0f} workers: the largest cell "
          f"({largest:.0f} s) is then the wall time")
    print()
    print(f"{'ranks':>6} {'workers':>8} {'wall s':>9} {'speed-up':>9} {'efficiency':>11} "
          f"{'bound s':>8} {'longest first':>14} {'rank 0 storing':>15}")
    for n in [int(x) for x in a.ranks.split(",")]:
        workers = n * a.jobs
        wall = simulate(times, workers)
        bound = max(total / workers, largest)
        lpt = simulate(sorted(times, reverse=True), workers)
        print(f"{n:>6} {workers:>8} {wall:>9.0f} {total / wall:>9.1f} "
              f"{total / (workers * wall):>10.0%} {bound:>8.0f} {lpt:>14.0f} {store_s / wall:>14.1%}")
    print("bound: max(work / workers, largest cell), what no schedule can beat; longest first: "
          "the wall time if cells were handed out longest first (their times known in advance); "
          "rank 0 storing: share of the wall time rank 0's main thread spends parsing and "
          "writing cells (rank 0 also computes 1/N of the cells, as every rank)")


if __name__ == "__main__":
    main()
