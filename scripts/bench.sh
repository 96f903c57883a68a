#!/usr/bin/env bash
# Reproducible speed and quality figures on the shared bench corpus
# (tokio 1.48 + rich 13.9.4 + click 8.1.8). Prints the machine, then for each
# embedder (static, MiniLM): cold and warm `index --force` (wall time,
# chunks/s, stage breakdown, peak RSS, index size), one-file edit to
# searchable, CLI and MCP query latency (p50/p95), retrieval quality
# (chunk MRR@10, R@1, R@10, file MRR@10) for BM25-only, vector-only and
# hybrid; finally embedding throughput against ONNX Runtime fp32.
#
# Usage: scripts/bench.sh [--quick] [OUT_DIR]   (--quick: 100 queries, no ORT)
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
quick=0
if [ "${1:-}" = "--quick" ]; then quick=1; shift; fi
out="${1:-$repo/bench-out}"
bench="${AMANMCP_BENCH_KIT:-$repo/../shared/bench}"
work="${AMANMCP_BENCH_DIR:-${TMPDIR:-/tmp}/amanmcp-bench}"
mkdir -p "$out"
export AMANMCP_NO_USER_CONFIG=1 AMANMCP_ALLOW_DOWNLOAD=false

echo "== machine"
lscpu | grep -E "Model name|^CPU\(s\)" | sed 's/  */ /g'
free -g | awk '/Mem:/ {print "Memory: " $2 " GiB"}'
date -u +"Date: %Y-%m-%d %H:%M UTC"

echo "== build (release)"
cargo build --release -p amanmcp 2>&1 | tail -1
bin="$repo/target/release/amanmcp"
scripts/fetch-models.sh

echo "== corpus"
"$bench/make-corpus.sh" "$work/corpus" >/dev/null
[ -f "$work/eval/queries.jsonl" ] || python3 "$bench/make-eval.py" "$work/corpus" "$work/eval" >/dev/null
corpus="$work/eval/corpus"
queries="$work/eval/queries.jsonl"
if [ "$quick" = 1 ]; then head -n 100 "$queries" > "$work/queries-100.jsonl"; queries="$work/queries-100.jsonl"; fi
echo "corpus: $(find "$corpus" -type f \( -name '*.rs' -o -name '*.py' \) | xargs cat | wc -l) lines of .rs/.py; queries: $(wc -l < "$queries")"

# Peak RSS (KiB) of a command, via GNU time; the command's stdout is kept.
rss_run() { # rss_file cmd...
  local f=$1; shift
  /usr/bin/time -f "%M" -o "$f" "$@"
}

# A wrapper so eval.py's MCP server runs under GNU time too.
wrap="$out/amanmcp-rss"
cat > "$wrap" <<EOW
#!/usr/bin/env bash
if [ "\${1:-}" = serve ]; then exec /usr/bin/time -f "%M" -o "$out/serve-rss.\$\$" "$bin" "\$@"; fi
exec "$bin" "\$@"
EOW
chmod +x "$wrap"

for emb in static minilm; do
  case $emb in
    static) export AMANMCP_EMBEDDER=static AMANMCP_STATIC_MODEL=static-test; unset AMANMCP_MODEL || true ;;
    minilm) export AMANMCP_EMBEDDER=candle AMANMCP_MODEL=all-MiniLM-L6-v2; unset AMANMCP_STATIC_MODEL || true ;;
  esac
  echo "== embedder: $emb"
  cd "$corpus"
  rm -rf .amanmcp
  export AMANMCP_CACHE_PATH="$out/cache-$emb.sqlite"
  rm -f "$AMANMCP_CACHE_PATH"*
  rss_run "$out/rss-cold-$emb" "$bin" index --force --json -q "$corpus" > "$out/index-cold-$emb.json"
  rss_run "$out/rss-warm-$emb" "$bin" index --force --json -q "$corpus" > "$out/index-warm-$emb.json"
  for phase in cold warm; do
    python3 - "$out/index-$phase-$emb.json" "$(cat "$out/rss-$phase-$emb")" "$phase" <<'PY'
import json, sys
r = json.load(open(sys.argv[1])); rss = int(sys.argv[2]); phase = sys.argv[3]
wall = r["wall_ms"] / 1000
st = ", ".join(f"{k} {v/1000:.2f}s" for k, v in sorted(r["stages_ms"].items()))
print(f"index --force ({phase} cache): {wall:.2f}s, {r['chunks_total']} chunks, "
      f"{r['chunks_total']/wall:.0f} chunks/s, embedded {r['chunks_embedded']}, "
      f"peak RSS {rss/1024:.0f} MB; stages: {st}")
PY
  done
  echo "index size: $(du -sm .amanmcp | cut -f1) MB (+ cache $(du -sm "$AMANMCP_CACHE_PATH" | cut -f1) MB)"

  # One file edited -> searchable (CLI incremental index + search).
  f="$corpus/tokio/tokio/src/sync/notify.rs"
  [ -f "$f" ] || f=$(find "$corpus" -name '*.rs' | sort | head -1)
  cp "$f" "$out/edit-backup"
  printf '\n/// bench marker\npub fn zz_bench_marker_fn_%s() {}\n' "$emb" >> "$f"
  t0=$(date +%s.%N)
  "$bin" index -q "$corpus" >/dev/null
  "$bin" search --json -n 1 "zz_bench_marker_fn_$emb" "$corpus" | grep -q "zz_bench_marker_fn_$emb"
  t1=$(date +%s.%N)
  echo "edit -> searchable (CLI index + search): $(python3 -c "print(f'{$t1-$t0:.2f}')")s"
  cp "$out/edit-backup" "$f"
  "$bin" index -q "$corpus" >/dev/null

  for mode in bm25-only vector-only hybrid; do
    flag=""; [ "$mode" != hybrid ] && flag="--$mode"
    "$bin" eval "$queries" "$corpus" --json $flag > "$out/eval-$mode-$emb.json"
    python3 - "$out/eval-$mode-$emb.json" "$mode" <<'PY'
import json, sys
r = json.load(open(sys.argv[1])); m = r["overall"]
print(f"quality {sys.argv[2]:<11} chunk MRR@10 {m['chunk_mrr']:.4f}  R@1 {m['recall_at_1']:.3f}  "
      f"R@10 {m['recall_at_k']:.3f}  file MRR@10 {m['file_mrr']:.4f}  (in-process p50 {r['latency_p50_ms']:.1f} ms)")
for lang, l in r["per_language"].items():
    print(f"   {lang:<8} n={l['queries']:<4} chunk MRR@10 {l['chunk_mrr']:.4f} file MRR@10 {l['file_mrr']:.4f}")
PY
  done
  python3 "$bench/eval.py" --corpus "$corpus" --queries "$queries" --bin "$bin" --via cli --skip-index --out "$out/cli-$emb.json" > "$out/cli-$emb.txt" 2>&1 || true
  rm -f "$out"/serve-rss.*
  python3 "$bench/eval.py" --corpus "$corpus" --queries "$queries" --bin "$wrap" --via mcp --skip-index --out "$out/mcp-$emb.json" > "$out/mcp-$emb.txt" 2>&1 || true
  python3 - "$out/cli-$emb.json" "$out/mcp-$emb.json" <<'PY'
import json, sys
for path in sys.argv[1:]:
    try:
        r = json.load(open(path))
    except Exception as e:
        print(f"{path}: no report ({e})"); continue
    m = r["metrics"]["all"]; lat = m["latency_ms"]
    print(f"eval.py via {r['via']}: chunk MRR@10 {m['chunk_mrr@10']}  file MRR@10 {m['file_mrr@10']}  "
          f"latency p50 {lat['p50']} ms p95 {lat['p95']} ms  errors {m['errors']}")
PY
  echo "serve peak RSS: $(( $(cat "$out"/serve-rss.* 2>/dev/null | sort -n | tail -1 || echo 0) / 1024 )) MB"
  cd "$repo"
done

if [ "$quick" = 0 ] && [ -x scripts/bench-embed.sh ]; then
  echo "== embedding throughput vs ONNX Runtime fp32"
  scripts/bench-embed.sh
fi
