#!/usr/bin/env bash
# Embedding throughput: in-process candle MiniLM (all-MiniLM-L6-v2, f32)
# against ONNX Runtime fp32 on the same texts and thread count, side by side
# in one run (crates/embed/examples/embed_bench). Prints the machine, the
# AVX-512 FMA issue rate, candle's 2048³ GEMM, the packed kernel and fused
# attention timings, then REPEAT interleaved rounds of (candle, ORT) with
# medians, load average and the candle/ORT ratio.
#
# Sets up what it needs when missing: the bench corpus, the MiniLM model
# (scripts/fetch-models.sh), a Python venv with onnxruntime, and MiniLM
# converted to ONNX by ../shared/bench/anchors/bert_to_onnx.py.
#
# Usage: scripts/bench-embed.sh [extra embed_bench args...]
# Environment: THREADS (2), N (1000 texts), BUDGETS (4096), REPEAT (3),
#   AMANMCP_ORT_VENV, AMANMCP_MINILM_ONNX, AMANMCP_BENCH_KIT, AMANMCP_BENCH_DIR.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
tmp="${TMPDIR:-/tmp}"
bench="${AMANMCP_BENCH_KIT:-$repo/../shared/bench}"
work="${AMANMCP_BENCH_DIR:-$tmp/amanmcp-bench}"
venv="${AMANMCP_ORT_VENV:-$tmp/amanmcp-ortvenv}"
onnx="${AMANMCP_MINILM_ONNX:-$tmp/amanmcp-minilm-fp32.onnx}"
models="${AMANMCP_MODELS_DIR:-$HOME/.cache/amanmcp/models}"
threads="${THREADS:-2}"
n="${N:-1000}"
budgets="${BUDGETS:-4096}"
repeat="${REPEAT:-3}"

echo "== machine"
lscpu | grep -E "Model name|^CPU\(s\)|Thread\(s\) per core" | sed 's/  */ /g'
grep -o -w -E "avx512f|avx512_bf16|avx512_vnni|amx_tile" /proc/cpuinfo | sort -u | tr '\n' ' '; echo
date -u +"Date: %Y-%m-%d %H:%M UTC"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"

echo "== setup"
"$bench/make-corpus.sh" "$work/corpus" >/dev/null  # idempotent
[ -f "$models/all-MiniLM-L6-v2/model.safetensors" ] || scripts/fetch-models.sh
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import onnxruntime, onnx, tokenizers, safetensors, numpy" 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q onnx onnxruntime tokenizers safetensors numpy
fi
[ -f "$onnx" ] || "$venv/bin/python" "$bench/anchors/bert_to_onnx.py" "$models/all-MiniLM-L6-v2" "$onnx"
echo "onnxruntime $("$venv/bin/python" -c 'import onnxruntime; print(onnxruntime.__version__)'), model $onnx"
cargo build --release -p amanmcp-embed --example embed_bench 2>&1 | tail -1

echo "== embedding throughput (threads $threads, $n texts, budgets $budgets, $repeat rounds)"
out=$(mktemp)
trap 'rm -f "$out"' EXIT
target="${CARGO_TARGET_DIR:-$repo/target}"
"$target/release/examples/embed_bench" --corpus "$work/corpus" --models minilm --n "$n" \
  --threads "$threads" --budgets "$budgets" --repeat "$repeat" --kernels 1 \
  --ort-python "$venv/bin/python" --onnx "$onnx" "$@" | tee "$out"
echo "== summary"
grep -E "^(median|candle/ORT|AVX-512 FMA|candle f32 GEMM)" "$out" || true
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
