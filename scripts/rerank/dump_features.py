#!/usr/bin/env python3
"""Dumps the reranker's view of every query: the top candidates of a hybrid
`amanmcp search --debug` with their boosted score, features and whether each
is the query's target. Output: one JSON line per query, for train.py.

usage: dump_features.py BIN CORPUS_DIR QUERIES.jsonl OUT.jsonl [--limit 30]
The index must exist (run `amanmcp index --force CORPUS_DIR` first); the
reranker's current weights do not matter, the boosted score is recovered by
dividing out the applied multiplier.
"""
import argparse, json, subprocess, sys

ap = argparse.ArgumentParser()
ap.add_argument("bin"); ap.add_argument("corpus"); ap.add_argument("queries"); ap.add_argument("out")
ap.add_argument("--limit", type=int, default=30)
a = ap.parse_args()
with open(a.out, "w") as out:
    for n, line in enumerate(open(a.queries), 1):
        q = json.loads(line)
        r = subprocess.run([a.bin, "search", "--json", "--debug", "--limit", str(a.limit), q["query"]],
                           cwd=a.corpus, capture_output=True, text=True)
        if r.returncode != 0:
            sys.exit(f"search failed on {q['id']}: {r.stderr[-500:]}")
        cands = []
        for x in json.loads(r.stdout)["results"]:
            d = x["debug"]; f = d.get("rerank")
            if f is None:
                sys.exit("no rerank features in --debug output: a hybrid index with vectors is needed")
            cands.append({
                "score": x["score"] / f["multiplier"] if f["multiplier"] > 0 else x["score"],
                "cosine": f["cosine"], "bm25": f["bm25"], "coverage": f["coverage"], "name": f["name"], "kind": f["kind"],
                "symbol": x.get("symbol"),
                "hit": x["path"] == q["path"] and x["start_line"] <= q["line"] <= x["end_line"],
            })
        out.write(json.dumps({"id": q["id"], "language": q["language"], "candidates": cands}) + "\n")
        if n % 100 == 0:
            print(f"{n} queries", file=sys.stderr)
