#!/usr/bin/python3
"""Recomputes every metric in DIR/metrics.csv from DIR/predictions.csv with scikit-learn and exits
non-zero when any differs by more than 1e-6. Usage: check_predictions.py DIR"""
import json
import sys

import numpy as np
import pandas as pd
from sklearn import metrics as skm

out = sys.argv[1]
# round_trip: pandas' default parser can be one ulp off, which merges or splits tied scores.
pred = pd.read_csv(f"{out}/predictions.csv", float_precision="round_trip")
table = pd.read_csv(f"{out}/metrics.csv", float_precision="round_trip")
results = json.load(open(f"{out}/results.json"))
bad = 0
checked = 0
for entry in results["results"]:
    s, c, thr = entry["strategy"], entry["classifier"], entry["threshold"]
    p = pred[(pred.strategy == s) & (pred.classifier == c)]
    y, score = p.label.to_numpy(), p.score.to_numpy()
    yhat = (score >= thr).astype(int)
    prec, rec, _ = skm.precision_recall_curve(y, score)
    ok = prec >= 0.9
    ref = {
        "accuracy": skm.accuracy_score(y, yhat),
        "precision": skm.precision_score(y, yhat, zero_division=0),
        "recall": skm.recall_score(y, yhat, zero_division=0),
        "f1": skm.f1_score(y, yhat, zero_division=0),
        "roc_auc": skm.roc_auc_score(y, score),
        "pr_auc": skm.average_precision_score(y, score),
        "mcc": skm.matthews_corrcoef(y, yhat),
        "balanced_accuracy": skm.balanced_accuracy_score(y, yhat),
        "recall_at_precision_90": rec[ok].max() if ok.any() else 0.0,
    }
    row = table[(table.strategy == s) & (table.classifier == c)].iloc[0]
    for k, v in ref.items():
        checked += 1
        for got, where in ((row[k], "metrics.csv"), (entry["metrics"][k], "results.json")):
            if abs(float(got) - v) > 1e-6:
                print(f"{s}/{c} {k}: {where} has {got}, scikit-learn gives {v}")
                bad += 1
    cm = skm.confusion_matrix(y, yhat, labels=[0, 1]).ravel()
    if list(cm) != [row.tn, row.fp, row.fn, row.tp]:
        print(f"{s}/{c}: confusion matrix {list(cm)} != {[row.tn, row.fp, row.fn, row.tp]}")
        bad += 1
print(f"checked {checked} metric values of {len(results['results'])} cells: {bad} mismatches")
sys.exit(1 if bad or checked == 0 else 0)
