#!/usr/bin/python3
"""Recomputes every metric in DIR/metrics.csv from DIR/predictions.csv with scikit-learn and exits
non-zero when any differs by more than 1e-6; two classes (label 0/1, score) or several (class
labels, predicted class, one score column per class). Usage: check_predictions.py DIR"""
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


def close(got, ref, what):
    global bad, checked
    checked += 1
    if got is None or abs(float(got) - ref) > 1e-6:
        print(f"{what}: imbgen has {got}, scikit-learn gives {ref}")
        bad += 1


if "predicted" in pred.columns:
    # Several classes: labels are class names; predicted = argmax of the score columns.
    labels = results["dataset"]["class_order"]
    for entry in results["results"]:
        s, c = entry["strategy"], entry["classifier"]
        p = pred[(pred.strategy == s) & (pred.classifier == c)]
        y = p.label.astype(str).to_numpy()
        scores = p[[f"score:{k}" for k in labels]].to_numpy()
        yhat = np.array(labels)[scores.argmax(axis=1)]
        if list(yhat) != list(p.predicted.astype(str)):
            print(f"{s}/{c}: predicted column is not the argmax of the scores")
            bad += 1
        m = entry["metrics"]
        row = table[(table.strategy == s) & (table.classifier == c)].iloc[0]
        where = f"{s}/{c}"
        close(m["accuracy"], skm.accuracy_score(y, yhat), where + " accuracy")
        close(m["balanced_accuracy"], skm.balanced_accuracy_score(y, yhat),
              where + " balanced_accuracy")
        close(m["mcc"], skm.matthews_corrcoef(y, yhat), where + " mcc")
        for avg in ("macro", "weighted"):
            for name, fn in (("precision", skm.precision_score), ("recall", skm.recall_score),
                             ("f1", skm.f1_score)):
                ref = fn(y, yhat, labels=labels, average=avg, zero_division=0)
                close(m[avg][name], ref, f"{where} {avg} {name}")
                if avg == "macro":
                    close(row[f"macro_{name}"], ref, f"{where} metrics.csv macro_{name}")
        close(row["weighted_f1"], skm.f1_score(y, yhat, labels=labels, average="weighted",
                                               zero_division=0), where + " metrics.csv weighted_f1")
        aucs, aps = [], []
        for i, k in enumerate(labels):
            yk = (y == k).astype(int)
            if 0 < yk.sum() < len(yk):
                auc = skm.roc_auc_score(yk, scores[:, i])
                ap = skm.average_precision_score(yk, scores[:, i])
                aucs.append(auc)
                aps.append(ap)
                close(m["classes"][i]["roc_auc"], auc, f"{where} roc_auc {k}")
                close(row[f"pr_auc:{k}"], ap, f"{where} metrics.csv pr_auc:{k}")
            close(row[f"recall:{k}"], skm.recall_score(y, yhat, labels=[k], average="macro",
                                                       zero_division=0), f"{where} recall:{k}")
        close(m["pr_auc"], np.mean(aps), where + " macro pr_auc")
        close(m["roc_auc"], np.mean(aucs), where + " macro roc_auc")
        cm = skm.confusion_matrix(y, yhat, labels=labels)
        if cm.tolist() != entry["confusion_matrix"]:
            print(f"{where}: confusion matrix {entry['confusion_matrix']} != {cm.tolist()}")
            bad += 1
    print(f"checked {checked} metric values of {len(results['results'])} cells: {bad} mismatches")
    sys.exit(1 if bad or checked == 0 else 0)

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
