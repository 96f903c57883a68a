#!/usr/bin/env bash
# Retrieval quality gate and MCP interop on the shared bench corpus
# (tokio + rich + click, docstring-stripped, CodeSearchNet-style queries):
#  1. `amanmcp index --force` then `amanmcp eval` on the first $GATE_QUERIES
#     queries; chunk MRR@10 must stay at or above config/quality-gate.env.
#  2. ../shared/bench/eval.py --via mcp (the official MCP Python SDK as the
#     client) on the same queries must finish with zero errors.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
bench="${AMANMCP_BENCH_KIT:-$repo/../shared/bench}"
work="${AMANMCP_BENCH_DIR:-${TMPDIR:-/tmp}/amanmcp-bench}"
# shellcheck source=../config/quality-gate.env
source config/quality-gate.env
GATE_QUERIES="${GATE_QUERIES:-50}"

bin="${AMANMCP_BIN:-${CARGO_TARGET_DIR:-$repo/target}/debug/amanmcp}"
[ -x "$bin" ] || cargo build -p amanmcp
export AMANMCP_NO_USER_CONFIG=1

"$bench/make-corpus.sh" "$work/corpus"
[ -f "$work/eval/queries.jsonl" ] || python3 "$bench/make-eval.py" "$work/corpus" "$work/eval"
head -n "$GATE_QUERIES" "$work/eval/queries.jsonl" > "$work/gate-queries.jsonl"

corpus="$work/eval/corpus"
echo "quality gate: indexing $corpus"
(cd "$corpus" && "$bin" index --force "$corpus")
(cd "$corpus" && "$bin" eval "$work/gate-queries.jsonl" --min-mrr "$MIN_CHUNK_MRR")

echo "MCP interop: eval.py --via mcp with the official Python SDK"
python3 "$bench/eval.py" --corpus "$corpus" --queries "$work/gate-queries.jsonl" \
  --bin "$bin" --via mcp --skip-index --out "$work/mcp-gate.json"
python3 - "$work/mcp-gate.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
errors = r["errors"]
mrr = r["metrics"]["all"].get("chunk_mrr@%d" % r["k"])
print(f"mcp interop: {r['n_queries']} queries, {len(errors)} errors, chunk MRR@{r['k']} {mrr}")
for e in errors[:10]:
    print("  ", e)
sys.exit(1 if errors else 0)
PY
