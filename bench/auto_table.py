"""`auto` against the best single strategy and against `none`, per classifier, from finished
`imbgen benchmark` outputs that include `auto` (e.g. `imbgen benchmark --folds 5 --repeats 2
--strategies none,class_weight,random,smote,gan,auto --no-evaluate --out OUT`).

    /usr/bin/python3 bench/auto_table.py OUT [OUT ...]

Prints one markdown row per data set and classifier: the mean test PR-AUC of none, of the best
single strategy (auto excluded) and of auto; auto minus the best, with the standard deviation of
their per-fold differences; and auto minus none with its p-value (the corrected resampled t-test
the benchmark reports in summary.csv). Reads OUT/metrics.csv (one row per fold, strategy and
classifier) and OUT/summary.csv.
"""
import csv
import os
import statistics
import sys
from collections import defaultdict


def rows(out):
    per_fold = defaultdict(lambda: defaultdict(dict))  # dataset -> (classifier, strategy) -> fold
    with open(os.path.join(out, "metrics.csv"), newline="") as f:
        for r in csv.DictReader(f):
            key = (r["classifier"], r["strategy"])
            per_fold[r.get("dataset", out)][key][(r["repeat"], r["fold"])] = float(r["pr_auc"])
    vs_none = {}
    with open(os.path.join(out, "summary.csv"), newline="") as f:
        for r in csv.DictReader(f):
            if r["metric"] == "pr_auc" and r["strategy"] == "auto":
                vs_none[(r.get("dataset", out), r["classifier"])] = r
    for dataset, cells in per_fold.items():
        for classifier in dict.fromkeys(c for c, _ in cells):
            folds = {s: v for (c, s), v in cells.items() if c == classifier}
            if "auto" not in folds:
                continue
            means = {s: statistics.mean(v.values()) for s, v in folds.items()}
            best = max((s for s in means if s != "auto"), key=means.get)
            diffs = [folds["auto"][k] - folds[best][k] for k in folds["auto"]]
            summary = vs_none.get((dataset, classifier))
            against_none = "-"
            if summary and summary.get("vs_none_diff"):
                against_none = (f"{float(summary['vs_none_diff']):+.4f}, "
                                f"p = {float(summary['vs_none_p_ttest']):.3f}")
            yield (f"| {dataset} | {classifier} | {means.get('none', float('nan')):.4f} | "
                   f"{best} {means[best]:.4f} | {means['auto']:.4f} | "
                   f"{means['auto'] - means[best]:+.4f} ({statistics.stdev(diffs):.4f}) | "
                   f"{against_none} |")


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    print("| data | classifier | none | best single | auto | auto - best (fold sd of the "
          "difference) | auto vs none |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for out in sys.argv[1:]:
        for line in rows(out):
            print(line)


if __name__ == "__main__":
    main()
