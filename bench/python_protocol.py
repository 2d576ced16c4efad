#!/usr/bin/python3
"""The Python side of bench/protocol_vs_python.sh: imbgen benchmark's protocol in scikit-learn.

    /usr/bin/python3 bench/python_protocol.py [--splits K] [--steps N] [--data F] [--jobs 2]
                                              [--max-rows N] [--forest sklearn|xgboost]

Does per split what `imbgen benchmark` (include/imbgen/experiment/benchmark.h) does per fold, on
the same cells: 8 strategies (none, class_weight, random, smote, borderline_smote, adasyn, gan,
wgan_gp) x 5 classifiers (logistic, linear_svm, svm_rbf, random_forest, xgboost), stratified
5-fold on the bundled data (target Class, Time dropped), --splits of the 5 folds:
  1. stratified 5-fold of all rows -> training rows, test fold;
  2. the training rows split, stratified, into a fit part and a validation part (20 %, imbgen's
     validation_fraction), the same for every strategy of the split;
  3. per (split, strategy) cell: standardise on the fit part (imbgen's ModelSpace: classifiers
     see standardised features, generators original units); the strategy's training set from the
     fit part: as it is (none), balanced sample weights (class_weight), or the fit part plus
     synthetic minority rows up to minority/majority = 1 (imbgen's rows_to_add:
     round(1 * majority) - minority), from imblearn's RandomOverSampler / SMOTE /
     BorderlineSMOTE / ADASYN or the PyTorch mirrors of imbgen's gan and wgan_gp
     (bench/torch_reference_gans.py) fit for --steps steps on the fit part's minority rows;
  4. on the first split only, the fidelity/privacy evaluation of each generator's rows against
     the fit part's minority rows, with the test fold's minority rows as the holdout (imbgen's
     evaluate() blocks with t-SNE off: per-column summaries, KS and Wasserstein; Pearson and
     Spearman matrices; detection by XGBoost and logistic regression, 5 folds, on the synthetic,
     holdout and size-matched synthetic rows; MMD with 200 permutations; precision/recall/
     density/coverage; distances to the closest record, NNDR, exact copies and the holdout share;
     PCA), at imbgen's sizes (detection at most 5,000 rows per set, MMD 1,000, PRDC 5,000);
  5. every classifier fit on the training set, scoring the validation part and the test fold;
     thresholds tuned on the validation scores (best F1; the highest recall at precision >= 0.9),
     metrics on the test fold at the default threshold and at both tuned ones (imbgen's
     binary_metrics: accuracy, precision, recall, F1, ROC-AUC, PR-AUC, MCC, balanced accuracy,
     recall at precision 0.9), and the ROC/PR curves on the first split.
Cells run in --jobs worker processes (default 2, as imbgen's --jobs on this 2-core machine), one
(split, strategy) cell per task in imbgen's plan order (split-major), each worker on one thread
(OpenBLAS/OpenMP through the environment before numpy is imported, torch.set_num_threads(1),
XGBoost nthread=1; scikit-learn and imbalanced-learn run single-threaded by default).

Prints a table of the mean test PR-AUC per strategy x classifier over the splits run, the time of
each generator fit and of the evaluation, and at the end `python_seconds_per_split X`: the wall
time of the whole script (imports and data loading included, as imbgen's run includes its start
and its CSV parsing) divided by the splits run. With --splits below 5 the first split's
evaluation (done once, as imbgen does) weighs 1/K instead of 1/5, and the last cells of a split
cannot overlap the next split's: both raise the per-split time, so 5 is the comparable setting.

Where this differs from imbgen's work, and why:
  - Folds, validation split, generator and classifier seeds come from numpy/scikit-learn, not
    imbgen's Rng: different rows land in each fold, so scores differ by fold noise, not the work.
  - random_forest is scikit-learn's RandomForestClassifier (exact CART splits on bootstrap
    samples; the issue's counterpart); imbgen grows it with XGBoost's random-forest mode (hist,
    256 bins, a 0.632 subsample without replacement). --forest xgboost uses
    xgboost.XGBRFClassifier with imbgen's exact settings instead.
  - LinearSVC(dual=False): scikit-learn 1.2 has no dual="auto"; imbgen's solver "auto" picks the
    primal solver when rows outnumber features, as they do here.
  - ADASYN: imbalanced-learn rounds each row's share, so it adds about (not exactly) the rows
    imbgen adds.
  - gan/wgan_gp: the networks, losses, optimisers and batches of imbgen's (see
    bench/torch_reference_gans.py for what that mirror does differently); the per-class
    StandardScaler, wgan_gp's 20 % held-back rows and its validation MMD every 50 steps with the
    best weights kept, and sampling in blocks of 2,048 rows are added here as imbgen does them.
    Synthetic rows are clipped to the fit part's column bounds (imbgen's from_generator).
  - The classifiers' own StandardScaler (imbgen's fit_feature_scaler) scales every column; imbgen
    leaves 0/1 columns alone, and this data has none.
  - Not done here: the statistics over folds (intervals, paired tests), the cell store, and
    writing results.json, metrics.csv, summary.csv and report.html, all of which imbgen's time
    includes (favours this side, by seconds).
"""
import os
import time

T_START = time.perf_counter()
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"
os.environ.setdefault("OMP_WAIT_POLICY", "passive")  # as imbgen sets it for itself

import argparse  # noqa: E402
import copy  # noqa: E402
import multiprocessing as mp  # noqa: E402
import sys  # noqa: E402
import warnings  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import torch  # noqa: E402
from imblearn.over_sampling import ADASYN, SMOTE, BorderlineSMOTE, RandomOverSampler  # noqa: E402
from scipy import stats  # noqa: E402
from scipy.spatial.distance import cdist  # noqa: E402
from sklearn.decomposition import PCA  # noqa: E402
from sklearn.ensemble import RandomForestClassifier  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.metrics import (average_precision_score, precision_recall_curve,  # noqa: E402
                             roc_auc_score, roc_curve)
from sklearn.model_selection import StratifiedKFold, train_test_split  # noqa: E402
from sklearn.neighbors import NearestNeighbors  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402
from sklearn.svm import SVC, LinearSVC  # noqa: E402
from xgboost import XGBClassifier, XGBRFClassifier  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch_reference_gans as trg  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STRATEGIES = ["none", "class_weight", "random", "smote", "borderline_smote", "adasyn", "gan",
              "wgan_gp"]
GENERATORS = STRATEGIES[2:]
CLASSIFIERS = ["logistic", "linear_svm", "svm_rbf", "random_forest", "xgboost"]
FOLDS = 5                  # imbgen benchmark --folds 5 --repeats 1
VALIDATION_FRACTION = 0.2  # BenchmarkConfig::validation_fraction
MIN_PRECISION = 0.9        # BenchmarkConfig::min_precision
RATIO = 1.0                # BenchmarkConfig::ratio
SAMPLE_BLOCK = 2048        # gan/wgan_gp sample their networks over 2,048 rows at a time

# Set in the parent before the workers fork (they inherit it).
DATA = {}


# ---------------------------------------------------------------- small helpers

def llround(v):  # std::llround: half away from zero (Python's round() rounds half to even)
    return int(np.floor(v + 0.5)) if v >= 0 else -int(np.floor(-v + 0.5))


def subsample(x, max_rows, rng):  # evaluate.cpp subsample: a random subset when larger
    if len(x) <= max_rows:
        return x
    return x[np.sort(rng.choice(len(x), max_rows, replace=False))]


def balanced_sample_weights(y):  # classifiers/class_weights.cpp: n / (k * count of the class)
    classes, counts = np.unique(y, return_counts=True)
    per = {c: len(y) / (len(classes) * n) for c, n in zip(classes, counts)}
    return np.array([per[c] for c in y]), per


def scaler_of(x):  # data/scaler.cpp StandardScaler: population std, 1 for a constant column
    mean, std = x.mean(0), x.std(0)
    std = np.where(std > 0, std, 1.0)
    return mean, std


# ---------------------------------------------------------------- classifiers

def make_classifier(name, seed, class_weight, forest):
    """imbgen's defaults (include/imbgen/classifiers/classifier_configs.h) on the scikit-learn /
    XGBoost counterparts; returns (model, needs_scaling, score kind)."""
    if name == "logistic":
        # liblinear L2R_LR, C 1, eps 1e-4, bias 100 (scikit-learn's default intercept_scaling is
        # 1: imbgen's 100 leaves the intercept practically unpenalised).
        return LogisticRegression(solver="liblinear", C=1.0, tol=1e-4, intercept_scaling=100.0,
                                  class_weight=class_weight, random_state=seed), True, "proba"
    if name == "linear_svm":
        # L2R_L2LOSS_SVC (primal, as imbgen's solver "auto" picks with more rows than features),
        # C 1, eps 0.01 (scikit-learn's default tol is 1e-4), bias 1. Decision values.
        return LinearSVC(C=1.0, loss="squared_hinge", dual=False, tol=0.01, intercept_scaling=1.0,
                         class_weight=class_weight, random_state=seed), True, "decision"
    if name == "svm_rbf":
        # libsvm C-SVC, C 1, gamma "scale", eps 1e-3, 200 MB cache, shrinking, no Platt scaling
        # (scikit-learn's default, and imbgen's since its probability option became off by
        # default). Decision values.
        return SVC(kernel="rbf", C=1.0, gamma="scale", tol=1e-3, cache_size=200, shrinking=True,
                   class_weight=class_weight, random_state=seed), True, "decision"
    if name == "random_forest":
        if forest == "xgboost":  # imbgen's own recipe: XGBoost's random-forest mode
            d = DATA["x"].shape[1]  # "sqrt": exactly floor(sqrt(d)) features, as imbgen asks
            return XGBRFClassifier(n_estimators=100, max_depth=0, subsample=0.632,
                                   colsample_bynode=(np.floor(np.sqrt(d)) + 0.5) / d,
                                   min_child_weight=1e-5, reg_lambda=0.0,
                                   max_bin=256, tree_method="hist", grow_policy="lossguide",
                                   learning_rate=1.0, nthread=1, random_state=seed), False, "proba"
        # 100 trees, sqrt(d) features per split, unlimited depth, single-row leaves: scikit-learn's
        # defaults are imbgen's here; one job.
        return RandomForestClassifier(n_estimators=100, max_features="sqrt", n_jobs=1,
                                      random_state=seed), False, "proba"
    if name == "xgboost":
        # hist, 200 rounds (XGBClassifier's default is 100), depth 6, eta 0.1 (default 0.3),
        # subsample/colsample 1, min_child_weight 1, lambda 1, 256 bins; base_score is set to the
        # (weighted) positive rate at fit time, as imbgen (XGBoost 1.7's default is 0.5).
        return XGBClassifier(n_estimators=200, max_depth=6, learning_rate=0.1, subsample=1.0,
                             colsample_bytree=1.0, min_child_weight=1.0, reg_lambda=1.0,
                             max_bin=256, tree_method="hist", nthread=1,
                             random_state=seed), False, "proba"
    raise ValueError(name)


def fit_and_score(name, x, y, weights, score_on, seed, forest):
    """Fits `name` on (x, y, weights) and returns (scores of each matrix of score_on, default
    threshold, fit seconds)."""
    class_weight = None
    if weights is not None:
        _, class_weight = balanced_sample_weights(y)  # per-class C for liblinear / libsvm
    model, scaled, kind = make_classifier(name, seed, class_weight, forest)
    t0 = time.perf_counter()
    xs, ys, ws = x, y, weights
    if name == "svm_rbf" and len(x) > 20000:
        # max_train_rows 20000: a stratified sample of the training rows (the scaler below still
        # sees every row, as imbgen's).
        keep, _ = train_test_split(np.arange(len(x)), train_size=20000, stratify=y,
                                   random_state=seed)
        xs, ys = x[np.sort(keep)], y[np.sort(keep)]
    scaler = None
    if scaled:
        scaler = StandardScaler().fit(x)
        xs = scaler.transform(xs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        if name in ("random_forest", "xgboost"):
            if name == "xgboost" or forest == "xgboost":
                w = np.ones(len(ys)) if ws is None else ws
                model.set_params(base_score=float(np.average(ys, weights=w)))
            model.fit(xs, ys, sample_weight=ws)
        else:
            model.fit(xs, ys)
    seconds = time.perf_counter() - t0
    out = []
    for m in score_on:
        z = scaler.transform(m) if scaler is not None else m
        out.append(model.decision_function(z) if kind == "decision"
                   else model.predict_proba(z)[:, 1])
    return out, (0.0 if kind == "decision" else 0.5), seconds


# ---------------------------------------------------------------- thresholds and metrics

def tune_thresholds(labels, scores, min_precision):  # benchmark.cpp tune_thresholds
    order = np.argsort(-scores, kind="stable")
    s, lab = scores[order], labels[order]
    tp, fp = np.cumsum(lab), np.cumsum(1 - lab)
    last = np.r_[np.nonzero(s[1:] != s[:-1])[0], len(s) - 1]  # end of each distinct score
    tp, fp, t = tp[last], fp[last], s[last]
    pos = labels.sum()
    fn = pos - tp
    denom = 2 * tp + fp + fn
    f1 = np.where(denom > 0, 2 * tp / np.maximum(denom, 1), 0.0)
    i = int(np.argmax(f1))  # first maximum = the highest threshold
    best_f1, best_f1_value = t[i], f1[i]
    precision = tp / (tp + fp)
    recall = tp / pos if pos > 0 else np.zeros_like(tp, dtype=float)
    ok = np.nonzero(precision >= min_precision)[0]
    if len(ok):
        target = t[ok[int(np.argmax(recall[ok]))]]
        reached = True
    else:
        target, reached = np.nextafter(s[0], np.inf), False
    return best_f1, best_f1_value, target, reached


def binary_metrics(labels, scores, threshold):  # classifiers/metrics.cpp binary_metrics
    pred = scores >= threshold
    tp = int(np.sum(pred & (labels == 1)))
    fp = int(np.sum(pred & (labels == 0)))
    fn = int(np.sum(~pred & (labels == 1)))
    tn = int(np.sum(~pred & (labels == 0)))
    n = tp + fp + fn + tn
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    den = np.sqrt(float(tp + fp) * (tp + fn) * (tn + fp) * (tn + fn))
    mcc = (tp * tn - fp * fn) / den if den > 0 else 0.0
    tnr = tn / (tn + fp) if tn + fp else 0.0
    p, r, _ = precision_recall_curve(labels, scores)
    return {"accuracy": (tp + tn) / n, "precision": precision, "recall": recall, "f1": f1,
            "roc_auc": roc_auc_score(labels, scores),
            "pr_auc": average_precision_score(labels, scores), "mcc": mcc,
            "balanced_accuracy": 0.5 * (recall + tnr),
            "recall_at_precision_90": float(r[p >= 0.9].max()) if np.any(p >= 0.9) else 0.0,
            "confusion_matrix": {"tn": tn, "fp": fp, "fn": fn, "tp": tp}}


# ---------------------------------------------------------------- gan and wgan_gp

class FitGan(trg.GanStep):
    """GanStep (imbgen's GanTrainer) on a split's standardised minority rows instead of the
    mirror's fixed-shape random data; step() is GanStep's."""

    def __init__(self, rows_z, seed):  # GanStep.__init__ with these rows
        self.gen = torch.Generator().manual_seed(seed)
        d = rows_z.shape[1]
        self.g = trg.Mlp(d, [32, 64, 128], d, batch_norm=True)
        self.disc = trg.Mlp(d, [128, 64, 32, 32, 16], 1)
        trg.init_linear_layers(self.g, self.gen)
        trg.init_linear_layers(self.disc, self.gen)
        self.g_opt = trg.adam(self.g.parameters(), 1e-3, (0.5, 0.999))
        self.d_opt = trg.adam(self.disc.parameters(), 1e-3, (0.5, 0.999))
        self.batch, self.latent = 64, d  # GanConfig: batch_size 64, latent_dim 0 = d
        self.ones, self.zeros = torch.ones(self.batch, 1), torch.zeros(self.batch, 1)
        self.data = torch.from_numpy(rows_z).float()
        self.rows = trg.RowSampler(len(rows_z), seed + 1)
        self.g.train()
        self.disc.train()

    def fit(self, steps):
        for _ in range(steps):
            self.step()
        self.g.eval()  # GanTrainer::finish
        self.disc.eval()

    def sample(self, n):
        return sample_blocks(self.g, self.latent, n, self.gen)


def mmd2_rbf(x, y, bandwidth):  # torch_blocks.cpp mmd2_rbf: biased, bandwidths 0.5/1/2 x median
    a, b = x.double(), y.double()
    dxx, dyy, dxy = torch.cdist(a, a) ** 2, torch.cdist(b, b) ** 2, torch.cdist(a, b) ** 2
    total = 0.0
    for s in (0.5, 1.0, 2.0):
        gamma = 1.0 / (2.0 * (s * bandwidth) ** 2)
        total += (torch.exp(-gamma * dxx).mean().item() + torch.exp(-gamma * dyy).mean().item()
                  - 2.0 * torch.exp(-gamma * dxy).mean().item())
    return total


def median_distance(x):  # torch_blocks.cpp median_distance
    if x.size(0) < 2:
        return 1.0
    m = torch.pdist(x.double()).median().item()
    return m if m > 0 and np.isfinite(m) else 1.0


class FitWganGp(trg.WganGpStep):
    """WganGpStep (imbgen's wgan_gp Trainer) on a split's minority rows, with wgan_gp.cpp's fit:
    20 % of the rows held back (round(0.2 n), when >= 5 and leaving >= 2), the scaler fit on the
    rest, batch min(64, n), and every 50 steps (and after the last) an MMD^2 of 500 rows from
    fixed noise against the held-back rows, the best weights kept. step() is WganGpStep's."""

    def __init__(self, rows, seed, validation_fraction=0.2, every=50):
        self.gen = torch.Generator().manual_seed(seed)
        rng = np.random.default_rng(seed + 2)
        n = len(rows)
        n_val = llround(validation_fraction * n)
        if n_val < 5 or n - n_val < 2:
            n_val = 0
        perm = rng.permutation(n)
        train, val = np.sort(perm[n_val:]), np.sort(perm[:n_val])
        self.mean, self.std = scaler_of(rows[train])
        self.data = torch.from_numpy((rows[train] - self.mean) / self.std).float()
        self.batch, self.latent = min(64, len(train)), 64
        self.rows = trg.RowSampler(len(train), seed + 1)
        d = rows.shape[1]
        self.g = trg.Mlp(self.latent, [256, 256], d)
        self.critic = trg.Mlp(d, [256, 256], 1, leaky=True)
        trg.init_linear_layers(self.g, self.gen)
        trg.init_linear_layers(self.critic, self.gen)
        self.g_opt = trg.adam(self.g.parameters(), 1e-4, (0.5, 0.9))
        self.c_opt = trg.adam(self.critic.parameters(), 1e-4, (0.5, 0.9))
        self.every = every
        self.val = None
        if n_val > 0:  # score_sample: at most 1,000 rows of each
            z_val = (rows[val] - self.mean) / self.std
            self.val = torch.from_numpy(subsample(z_val, 1000, rng)).float()
            self.bandwidth = median_distance(torch.from_numpy(
                subsample(self.data.numpy(), 1000, rng)))
            self.noise = torch.randn(500, self.latent, generator=self.gen)

    def score(self):
        with torch.no_grad():
            self.g.eval()
            v = mmd2_rbf(self.g(self.noise), self.val, self.bandwidth)
            self.g.train()
        return v

    def fit(self, steps):
        best, best_state = float("inf"), None
        for s in range(1, steps + 1):
            self.step()
            if self.val is not None and (s % self.every == 0 or s == steps):
                v = self.score()
                if v < best:
                    best, best_state = v, copy.deepcopy(self.g.state_dict())
        if best_state is not None:
            self.g.load_state_dict(best_state)
        self.g.eval()

    def sample(self, n):
        return sample_blocks(self.g, self.latent, n, self.gen)


def sample_blocks(g, latent, n, gen):
    out = []
    with torch.no_grad():
        for start in range(0, n, SAMPLE_BLOCK):
            b = min(SAMPLE_BLOCK, n - start)
            out.append(g(torch.randn(b, latent, generator=gen)).double().numpy())
    return np.concatenate(out) if out else np.zeros((0, g.linear[-1].out_features))


def generate(strategy, x_fit, y_fit, n_new, seed, steps):
    """n_new synthetic minority rows (original units) from `strategy` fit on the fit part."""
    target = {1: int(np.sum(y_fit == 1)) + n_new}
    if strategy in ("random", "smote", "borderline_smote", "adasyn"):
        sampler = {"random": lambda: RandomOverSampler(sampling_strategy=target, random_state=seed),
                   "smote": lambda: SMOTE(sampling_strategy=target, k_neighbors=5,
                                          random_state=seed),
                   "borderline_smote": lambda: BorderlineSMOTE(
                       sampling_strategy=target, k_neighbors=5, m_neighbors=10,
                       kind="borderline-1", random_state=seed),
                   "adasyn": lambda: ADASYN(sampling_strategy=target, n_neighbors=5,
                                            random_state=seed)}[strategy]()
        x_res, _ = sampler.fit_resample(x_fit, y_fit)
        return x_res[len(x_fit):]  # imbalanced-learn appends the new rows
    rows = x_fit[y_fit == 1]
    if strategy == "gan":
        mean, std = scaler_of(rows)  # one StandardScaler per class
        model = FitGan((rows - mean) / std, seed)
    else:
        model = FitWganGp(rows, seed)
        mean, std = model.mean, model.std
    model.fit(steps)
    return model.sample(n_new) * std + mean


# ---------------------------------------------------------------- fidelity evaluation

def ks_summary(r, s):
    k = stats.ks_2samp(r, s)  # method "auto": exact when both have <= 10,000 values, as imbgen
    return float(k.statistic), float(k.pvalue)


def describe(v, levels=(0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99)):
    return {"count": len(v), "mean": float(v.mean()), "std": float(v.std(ddof=1)) if len(v) > 1
            else 0.0, "min": float(v.min()), "max": float(v.max()),
            "quantiles": np.quantile(v, levels).tolist()}


def upper_diff(a, b):
    iu = np.triu_indices_from(a, 1)
    d = np.abs(a[iu] - b[iu])
    d = d[np.isfinite(d)]
    return (float(d.mean()), float(d.max())) if len(d) else (np.nan, np.nan)


def detection_test(real, other, name, folds, seed):  # evaluation/detection.cpp
    rng = np.random.default_rng(seed)
    size = min(len(real), len(other))
    a, b = subsample(real, size, rng), subsample(other, size, rng)
    x = np.vstack([a, b])
    y = np.r_[np.zeros(size, int), np.ones(size, int)]
    oof = np.zeros(len(y))
    fold_auc = []
    for tr, te in StratifiedKFold(folds, shuffle=True, random_state=seed).split(x, y):
        (s,), _, _ = fit_and_score(name, x[tr], y[tr], None, [x[te]], seed, "sklearn")
        oof[te] = s
        fold_auc.append(roc_auc_score(y[te], s))
    roc_curve(y, oof)
    return {"roc_auc": float(np.mean(fold_auc)), "roc_auc_std": float(np.std(fold_auc)),
            "pooled_roc_auc": float(roc_auc_score(y, oof)), "rows_per_set": size}


def mmd_rbf(x, y, permutations, seed, bandwidth=0.0):  # evaluation/distances.cpp mmd_rbf
    z = np.vstack([x, y])
    n, m = len(z), len(x)
    d2 = cdist(z, z, "sqeuclidean")
    if bandwidth <= 0:
        med = float(np.median(np.sqrt(d2[np.triu_indices(n, 1)])))
        bandwidth = med if med > 0 else 1.0
    k = np.exp(-d2 / (2.0 * bandwidth ** 2))
    np.fill_diagonal(k, 0.0)
    k_total = k.sum()

    def statistic(in_x):  # unbiased MMD^2 from within- and between-group sums (i != j)
        a = in_x.astype(float)
        ka = k @ a
        sxx = a @ ka
        sxy = (1 - a) @ ka
        syy = k_total - sxx - 2 * sxy
        return sxx / (m * (m - 1)) + syy / ((n - m) * (n - m - 1)) - 2 * sxy / (m * (n - m))

    labels = np.r_[np.ones(m, bool), np.zeros(n - m, bool)]
    observed = statistic(labels)
    rng = np.random.default_rng(seed)
    hits = sum(statistic(rng.permutation(labels)) >= observed for _ in range(permutations))
    return {"mmd2": float(observed), "pvalue": (1 + hits) / (1 + permutations),
            "bandwidth": bandwidth}


def prdc(real, fake, k):  # evaluation/distances.cpp prdc (Naeem et al. 2020)
    def radii(x):
        d = cdist(x, x)
        np.fill_diagonal(d, np.inf)
        return np.partition(d, k - 1, axis=1)[:, k - 1]
    rr, fr = radii(real), radii(fake)
    d = cdist(fake, real)  # [fake, real]
    inside = d < rr[None, :]
    return {"precision": float(inside.any(1).mean()),
            "recall": float((d < fr[:, None]).any(0).mean()),
            "density": float(inside.sum(1).mean() / k),
            "coverage": float((d.min(0) < rr).mean())}


def privacy(train, query, holdout, seed, reference=False):  # evaluation/privacy.cpp
    mean, std = scaler_of(train)
    tz, qz = (train - mean) / std, (query - mean) / std
    dist, _ = NearestNeighbors(n_neighbors=2, algorithm="brute").fit(tz).kneighbors(qz)
    dcr = dist[:, 0]
    nndr = np.where(dist[:, 1] > 0, dist[:, 0] / np.where(dist[:, 1] > 0, dist[:, 1], 1), 1.0)
    seen = {row.tobytes() for row in (train + 0.0)}  # + 0.0 turns -0.0 into 0.0
    copies = sum((row + 0.0).tobytes() in seen for row in query)
    rng = np.random.default_rng(seed)
    out = {"dcr_median": float(np.median(dcr)), "dcr_p05": float(np.percentile(dcr, 5)),
           "dcr_mean": float(dcr.mean()), "nndr_median": float(np.median(nndr)),
           "nndr_p05": float(np.percentile(nndr, 5)), "exact_copies": int(copies)}
    if holdout is None:
        return out, dcr
    hz = (holdout - mean) / std
    if not reference:
        size = min(len(train), len(holdout))
        tr = rng.choice(len(train), size, replace=False)
        ho = rng.choice(len(holdout), size, replace=False)
        dt, dh = cdist(qz, tz[tr]).min(1), cdist(qz, hz[ho]).min(1)
    else:  # each holdout row against min(train, holdout - 1) other holdout rows
        size = min(len(train), len(holdout) - 1)
        tr = rng.choice(len(train), size, replace=False)
        order = rng.permutation(len(holdout))
        dt = cdist(hz, tz[tr]).min(1)
        dh = np.empty(len(holdout))
        for i in range(len(holdout)):
            others = order[order != i][:size]
            dh[i] = cdist(hz[i:i + 1], hz[others]).min()
    out["holdout_share"] = float(np.mean(np.where(dt < dh, 1.0, np.where(dt == dh, 0.5, 0.0))))
    return out, dcr


def evaluate(real, synthetic, holdout, seed, bins=30):
    """evaluate() of `synthetic` against `real` with `holdout` as fresh real rows, t-SNE off
    (include/imbgen/evaluation/evaluate.h); returns the headline numbers."""
    rng = np.random.default_rng(seed)
    mean, std = scaler_of(real)
    rz, sz, hz = (real - mean) / std, (synthetic - mean) / std, (holdout - mean) / std
    out = {}
    # columns: summaries, KS, Wasserstein (over the real column's std), histograms
    ks_s, ws = [], []
    for j in range(real.shape[1]):
        r, s, h = real[:, j], synthetic[:, j], holdout[:, j]
        for v in (r, s, h):
            describe(v)
        ks_s.append(ks_summary(r, s)[0])
        ws.append(stats.wasserstein_distance(r, s) / std[j])
        ks_summary(r, h)
        stats.wasserstein_distance(r, h)
        lo, hi = min(r.min(), s.min(), h.min()), max(r.max(), s.max(), h.max())
        for v in (r, s, h):
            np.histogram(v, bins, (lo, hi))
    out["mean_ks"], out["mean_wasserstein"] = float(np.mean(ks_s)), float(np.mean(ws))
    # correlations
    with np.errstate(invalid="ignore", divide="ignore"):
        pr, ps, ph = np.corrcoef(real.T), np.corrcoef(synthetic.T), np.corrcoef(holdout.T)
        sr, ss, sh = (stats.spearmanr(v).correlation for v in (real, synthetic, holdout))
    out["pearson_diff"] = upper_diff(pr, ps)[0]
    upper_diff(sr, ss), upper_diff(pr, ph), upper_diff(sr, sh)
    # detection: at most 5,000 rows per set; synthetic, holdout, synthetic matched to the holdout
    dseed = seed + 1
    r5, s5, h5 = subsample(real, 5000, rng), subsample(synthetic, 5000, rng), \
        subsample(holdout, 5000, rng)
    matched = subsample(s5, len(h5), np.random.default_rng(dseed + 1)) \
        if min(len(r5), len(h5)) < min(len(r5), len(s5)) else None
    for name in ("xgboost", "logistic"):
        for other, key in ((s5, "synthetic"), (h5, "holdout"), (matched, "matched")):
            if other is not None and min(len(r5), len(other)) >= 20:
                res = detection_test(r5, other, name, 5, dseed)
                if key == "synthetic":
                    out[f"detection_{name}"] = res["roc_auc"]
    # MMD: at most 1,000 rows per set, 200 permutations, the holdout with the same bandwidth
    r1, s1 = subsample(rz, 1000, rng), subsample(sz, 1000, rng)
    m = mmd_rbf(r1, s1, 200, seed + 2)
    out["mmd_pvalue"] = m["pvalue"]
    mmd_rbf(r1, subsample(hz, 1000, rng), 200, seed + 2, m["bandwidth"])
    # PRDC: k 5, real at most 5,000 rows, fake sets as large as the smallest set
    rp = subsample(rz, 5000, rng)
    fake_rows = min(len(rp), len(sz), len(hz) if len(hz) > 5 else len(sz))
    p = prdc(rp, subsample(sz, fake_rows, rng), 5)
    out["coverage"] = p["coverage"]
    if len(hz) > 5:
        prdc(rp, subsample(hz, fake_rows, rng), 5)
    # privacy: every synthetic row against the training rows, and the holdout's reference
    pv, dcr = privacy(real, synthetic, holdout, seed + 3)
    out["dcr_median"], out["exact_copies"] = pv["dcr_median"], pv["exact_copies"]
    out["holdout_share"] = pv["holdout_share"]
    _, dcr_h = privacy(real, holdout, holdout, seed + 3, reference=True)
    hi = max(np.percentile(dcr, 99), np.percentile(dcr_h, 99))
    np.histogram(dcr, bins, (0, hi if hi > 0 else 1.0))
    # PCA on the standardised real rows; projections of at most 3,000 points per set
    pca = PCA(2, svd_solver="full").fit(rz)
    for v in (rz, sz, hz):
        pca.transform(subsample(v, 3000, rng))
    return out


# ---------------------------------------------------------------- one cell

def run_cell(task):
    split, strategy = task
    t0 = time.perf_counter()
    x, y, args = DATA["x"], DATA["y"], DATA["args"]
    train, test = DATA["splits"][split]
    fit_rows, val_rows = train_test_split(train, test_size=VALIDATION_FRACTION,
                                          stratify=y[train], random_state=args.seed + split)
    x_fit, y_fit = x[fit_rows], y[fit_rows]
    x_val, y_val, x_test, y_test = x[val_rows], y[val_rows], x[test], y[test]
    # The encoder (ModelSpace): the classifiers see standardised features, fit on the fit part.
    mean, std = scaler_of(x_fit)
    lo, hi = x_fit.min(0), x_fit.max(0)

    cell = {"split": split, "strategy": strategy, "gen_seconds": 0.0, "eval_seconds": 0.0}
    weights, x_train, y_train = None, x_fit, y_fit
    if strategy == "class_weight":
        weights, _ = balanced_sample_weights(y_fit)
    elif strategy in GENERATORS:
        n_pos, n_neg = int(np.sum(y_fit == 1)), int(np.sum(y_fit == 0))
        n_new = max(0, llround(RATIO * n_neg) - n_pos)  # cell.cpp rows_to_add
        gen_seed = args.seed * 1000 + split * 10 + STRATEGIES.index(strategy)
        tg = time.perf_counter()
        synthetic = np.clip(generate(strategy, x_fit, y_fit, n_new, gen_seed, args.steps), lo, hi)
        cell["gen_seconds"] = time.perf_counter() - tg
        cell["synthetic_rows"] = len(synthetic)
        x_train = np.vstack([x_fit, synthetic])
        y_train = np.r_[y_fit, np.ones(len(synthetic), int)]
        if split == 0 and len(synthetic) >= 2:
            te = time.perf_counter()
            cell["evaluation"] = evaluate(x_fit[y_fit == 1], synthetic, x_test[y_test == 1],
                                          args.seed + 7)
            cell["eval_seconds"] = time.perf_counter() - te
    z_train, z_val, z_test = ((v - mean) / std for v in (x_train, x_val, x_test))
    cell["results"] = {}
    for k, name in enumerate(CLASSIFIERS):
        (s_val, s_test), default, fit_s = fit_and_score(name, z_train, y_train, weights,
                                                        [z_val, z_test], args.seed + split,
                                                        args.forest)
        best_f1, _, target, _ = tune_thresholds(y_val, s_val, MIN_PRECISION)
        metrics = binary_metrics(y_test, s_test, default)
        at_f1 = binary_metrics(y_test, s_test, best_f1)
        at_target = binary_metrics(y_test, s_test, target)
        metrics.update(f1_tuned=at_f1["f1"], precision_tuned=at_f1["precision"],
                       recall_tuned=at_f1["recall"], mcc_tuned=at_f1["mcc"],
                       precision_at_target=at_target["precision"],
                       recall_at_target=at_target["recall"], fit_seconds=fit_s)
        if split == 0:  # the first fold's curves, as imbgen stores them
            roc_curve(y_test, s_test)
            precision_recall_curve(y_test, s_test)
        cell["results"][name] = metrics
    cell["seconds"] = time.perf_counter() - t0
    return cell


def worker_init():
    torch.set_num_threads(1)
    trg.set_blas_threads(1)


# ---------------------------------------------------------------- main

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--splits", type=int, default=FOLDS, help="how many of the 5 folds to run")
    ap.add_argument("--steps", type=int, default=3000, help="training steps of gan and wgan_gp")
    ap.add_argument("--data", default=os.path.join(ROOT, "data", "creditcard.csv.gz"))
    ap.add_argument("--target", default="Class")
    ap.add_argument("--drop", default="Time")
    ap.add_argument("--strategies", default=",".join(STRATEGIES))
    ap.add_argument("--jobs", type=int, default=2, help="worker processes (one thread each)")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--max-rows", type=int, default=0,
                    help="for testing: a stratified sample of this many rows (0: all)")
    ap.add_argument("--forest", choices=["sklearn", "xgboost"], default="sklearn",
                    help="random_forest as scikit-learn's RandomForestClassifier, or as imbgen "
                    "grows it (XGBoost's random-forest mode)")
    args = ap.parse_args()
    if not 1 <= args.splits <= FOLDS:
        ap.error(f"--splits must be in 1..{FOLDS}")
    strategies = args.strategies.split(",")
    unknown = [s for s in strategies if s not in STRATEGIES]
    if unknown:
        ap.error(f"unknown strategies {unknown}; known: {STRATEGIES}")

    df = pd.read_csv(args.data)
    y = pd.to_numeric(df[args.target]).astype(int).to_numpy()
    drop = [c for c in args.drop.split(",") if c] + [args.target]
    x = df.drop(columns=drop).to_numpy(dtype=np.float64)
    if args.max_rows and args.max_rows < len(y):
        keep, _ = train_test_split(np.arange(len(y)), train_size=args.max_rows, stratify=y,
                                   random_state=args.seed)
        keep = np.sort(keep)
        x, y = x[keep], y[keep]
    folds = list(StratifiedKFold(FOLDS, shuffle=True, random_state=args.seed).split(x, y))
    DATA.update(x=x, y=y, args=args, splits=folds[:args.splits])
    print(f"data: {len(y)} rows x {x.shape[1]} features, {int(y.sum())} positive; "
          f"{args.splits} of {FOLDS} splits, {len(strategies)} strategies x {len(CLASSIFIERS)} "
          f"classifiers, gan/wgan_gp {args.steps} steps, {args.jobs} workers x 1 thread",
          flush=True)

    torch.set_num_threads(1)
    torch.set_num_interop_threads(1)
    tasks = [(f, s) for f in range(args.splits) for s in strategies]  # imbgen's plan order
    cells = []
    if args.jobs > 1:
        with mp.get_context("fork").Pool(args.jobs, initializer=worker_init) as pool:
            for cell in pool.imap_unordered(run_cell, tasks, chunksize=1):
                cells.append(cell)
                print(f"  split {cell['split']} {cell['strategy']}: {cell['seconds']:.1f} s",
                      flush=True)
    else:
        worker_init()
        for t in tasks:
            cells.append(run_cell(t))
            print(f"  split {t[0]} {t[1]}: {cells[-1]['seconds']:.1f} s", flush=True)
    wall = time.perf_counter() - T_START

    print("\nmean test PR-AUC over the splits (strategy x classifier):")
    print(f"{'strategy':<18}" + "".join(f"{c:>14}" for c in CLASSIFIERS))
    for s in strategies:
        row = [np.mean([c["results"][k]["pr_auc"] for c in cells if c["strategy"] == s])
               for k in CLASSIFIERS]
        print(f"{s:<18}" + "".join(f"{v:>14.4f}" for v in row))
    print("\ngenerator fit + sample seconds (mean over splits), and the first split's evaluation:")
    for s in strategies:
        if s in GENERATORS:
            gen = np.mean([c["gen_seconds"] for c in cells if c["strategy"] == s])
            ev = [c for c in cells if c["strategy"] == s and "evaluation" in c]
            text = ""
            if ev:
                e = ev[0]["evaluation"]
                text = (f"; evaluation {ev[0]['eval_seconds']:.1f} s (detection AUC xgboost "
                        f"{e.get('detection_xgboost', float('nan')):.3f}, mean KS "
                        f"{e['mean_ks']:.3f}, coverage {e['coverage']:.2f}, DCR median "
                        f"{e['dcr_median']:.2f})")
            print(f"  {s:<18} {gen:8.1f} s{text}")
    cpu = sum(c["seconds"] for c in cells)
    print(f"\ncells: {len(cells)}, summed cell seconds {cpu:.1f}, evaluation seconds "
          f"{sum(c['eval_seconds'] for c in cells):.1f}, wall {wall:.1f} s")
    print(f"python_seconds_per_split {wall / args.splits:.2f}")


if __name__ == "__main__":
    main()
