#!/usr/bin/env bash
# make-adapter-corpus.sh OUT_DIR
#
# Builds the query adapter's training corpus from pinned registry packages,
# disjoint from the shared bench and from the reranker's corpus: 23 Rust
# crates (adapter-crates/, `cargo fetch`) and eight Python packages (pip
# wheels). Nothing is committed. Idempotent: skipped when OUT_DIR/.complete exists.
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: $0 OUT_DIR" >&2; exit 2; }
OUT=$1
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PYTHON=${PYTHON:-python3}
CARGO_HOME=${CARGO_HOME:-$HOME/.cargo}
PY_PKGS=(urllib3==2.7.0 prompt_toolkit==3.0.52 pydantic==2.13.4 anyio==4.16.0 starlette==1.10.0 jsonschema==4.26.0 uvicorn==0.54.0 pydantic_settings==2.14.1)

if [ -e "$OUT/.complete" ]; then
  echo "adapter corpus already complete: $OUT" >&2
  exit 0
fi
rm -rf "$OUT"
mkdir -p "$OUT"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

cp -r "$HERE/adapter-crates" "$TMP/crates"
CARGO_REGISTRIES_CRATES_IO_PROTOCOL=sparse cargo fetch --manifest-path "$TMP/crates/Cargo.toml" >&2
# The exact pins from the manifest: `name = "=version"` or `{ version = "=version", ... }`.
sed -nE 's/^([a-z_-]+) = .*"=([0-9.]+)".*/\1-\2/p' "$HERE/adapter-crates/Cargo.toml" | while read -r crate; do
  src=""
  for d in "$CARGO_HOME"/registry/src/*/"$crate"; do
    [ -f "$d/Cargo.toml" ] && { src=$d; break; }
  done
  [ -n "$src" ] || { echo "error: $crate not found under $CARGO_HOME/registry/src" >&2; exit 1; }
  cp -r "$src" "$OUT/$crate"
  rm -f "$OUT/$crate/.cargo-ok"
done

"$PYTHON" -m pip download --quiet --no-deps --only-binary=:all: "${PY_PKGS[@]}" -d "$TMP/wheels" >&2
"$PYTHON" - "$TMP/wheels" "$OUT" urllib3 prompt_toolkit pydantic anyio starlette jsonschema uvicorn pydantic_settings <<'PY'
import pathlib, sys, zipfile
wheels, out, pkgs = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2]), sys.argv[3:]
for pkg in pkgs:
    whl = next(w for w in wheels.glob("*.whl") if w.name.lower().startswith(pkg + "-"))
    with zipfile.ZipFile(whl) as z:
        members = [m for m in z.namelist() if m.startswith(pkg + "/")]
        z.extractall(out, members)
PY
touch "$OUT/.complete"
echo "adapter corpus ready: $OUT ($(find "$OUT" -name '*.rs' | wc -l) .rs, $(find "$OUT" -name '*.py' | wc -l) .py, $(find "$OUT" -type f \( -name '*.rs' -o -name '*.py' \) -print0 | xargs -0 cat | wc -l) lines)" >&2
