#!/usr/bin/env python3
"""Fits the reranker's log-linear weights (crates/index/src/rerank.rs) by
pairwise logistic regression: for every training query whose target is
among the dumped candidates, target-minus-other feature differences are
the positives. Features: ln(boosted score), cosine, relative BM25, term
coverage, name match, and kind one-hots (callable, impl, type definition). The fitted
coefficient of ln(score) is divided out, so the result multiplies the
boosted score by exp(w · features), as rerank.rs does.

usage: train.py TRAIN.jsonl [--eval EVAL.jsonl ...]   (numpy only)
Prints the weights as a Rust constant and MRR@10 before/after on each set.
"""
import argparse, json, math
import numpy as np

KINDS = ["callable", "impl", "type_def"]
NAMES = ["cosine", "bm25", "coverage", "name"] + KINDS

def load(path):
    out = []
    for line in open(path):
        r = json.loads(line)
        c = r["candidates"]
        if not c:
            out.append((np.zeros((0, 1 + len(NAMES))), np.zeros(0, bool))); continue
        # rerank.rs gives a definition the query names the best kind prior;
        # callable's is the best in every fitted set so far.
        kind = lambda x: "callable" if x["kind"] == "named" else x["kind"]
        X = np.array([[math.log(max(x["score"], 1e-9)), x["cosine"], x["bm25"], x["coverage"], x["name"]]
                      + [1.0 if kind(x) == k else 0.0 for k in KINDS] for x in c])
        out.append((X, np.array([x["hit"] for x in c])))
    return out

def mrr(data, w, k=10):
    total = 0.0
    for X, y in data:
        if len(y) == 0: continue
        s = X[:, 0] + X[:, 1:] @ w
        order = np.argsort(-s, kind="stable")[:k]
        for rank, j in enumerate(order):
            if y[j]: total += 1 / (rank + 1); break
    return total / len(data)

def fit(data, l2=1e-3, epochs=2000, lr=0.5):
    diffs = []
    for X, y in data:
        if y.any() and not y.all():
            pos = X[np.argmax(y)]
            diffs.append(pos - X[~y])
    P = np.vstack(diffs)
    w = np.zeros(P.shape[1]); w[0] = 1.0
    for _ in range(epochs):
        z = P @ w
        g = -(P * (1 / (1 + np.exp(np.clip(z, -30, 30))))[:, None]).mean(0) + l2 * w
        w -= lr * g
    return w[1:] / w[0]

ap = argparse.ArgumentParser()
ap.add_argument("train"); ap.add_argument("--eval", nargs="*", default=[])
a = ap.parse_args()
train = load(a.train)
w = fit(train)
zero = np.zeros(len(NAMES))
print("weights: " + ", ".join(f"{n} {v:.3f}" for n, v in zip(NAMES, w)))
for name, path in [("train", a.train)] + [("eval", p) for p in a.eval]:
    d = load(path)
    print(f"{name} {path}: MRR@10 {mrr(d, zero):.4f} -> {mrr(d, w):.4f} ({len(d)} queries)")
