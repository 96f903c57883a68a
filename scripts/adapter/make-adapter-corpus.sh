#!/usr/bin/env bash
# make-adapter-corpus.sh SET OUT_DIR
#
# Builds one of the query adapter's own training corpora from pinned registry
# packages, disjoint from the shared bench, from the reranker's corpus and
# from each other. SET names a folder next to this script (corpus-a,
# corpus-b): its Cargo.toml pins the Rust crates (`cargo fetch`), its
# python.txt the Python wheels and the package folders to take from each.
# Nothing is committed. Idempotent: skipped when OUT_DIR/.complete exists.
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: $0 SET OUT_DIR   (SET: a or b)" >&2; exit 2; }
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SET_DIR=$HERE/corpus-$1
OUT=$2
[ -f "$SET_DIR/Cargo.toml" ] || { echo "error: no corpus set '$1' ($SET_DIR)" >&2; exit 2; }
PYTHON=${PYTHON:-python3}
CARGO_HOME=${CARGO_HOME:-$HOME/.cargo}

if [ -e "$OUT/.complete" ]; then
  echo "adapter corpus already complete: $OUT" >&2
  exit 0
fi
rm -rf "$OUT"
mkdir -p "$OUT"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

cp -r "$SET_DIR" "$TMP/crates"
CARGO_REGISTRIES_CRATES_IO_PROTOCOL=sparse cargo fetch --manifest-path "$TMP/crates/Cargo.toml" >&2
# The exact pins from the manifest: `name = "=version"` or `{ version = "=version", ... }`.
sed -nE 's/^([a-z0-9_-]+) = .*"=([0-9.]+)".*/\1-\2/p' "$SET_DIR/Cargo.toml" | while read -r crate; do
  src=""
  for d in "$CARGO_HOME"/registry/src/*/"$crate"; do
    [ -f "$d/Cargo.toml" ] && { src=$d; break; }
  done
  [ -n "$src" ] || { echo "error: $crate not found under $CARGO_HOME/registry/src" >&2; exit 1; }
  cp -r "$src" "$OUT/$crate"
  rm -f "$OUT/$crate/.cargo-ok"
done

mapfile -t PINS < <(grep -v '^#' "$SET_DIR/python.txt" | awk 'NF { print $1 }')
"$PYTHON" -m pip download --quiet --no-deps --only-binary=:all: "${PINS[@]}" -d "$TMP/wheels" >&2
"$PYTHON" - "$TMP/wheels" "$OUT" "$SET_DIR/python.txt" <<'PY'
import pathlib, re, sys, zipfile
wheels, out, spec = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2]), pathlib.Path(sys.argv[3])
for line in spec.read_text().splitlines():
    if not line.strip() or line.startswith("#"):
        continue
    pin, *dirs = line.split()
    name = re.sub(r"[-_.]+", "_", pin.split("==")[0]).lower()
    whl = next(w for w in wheels.glob("*.whl") if w.name.lower().startswith(name + "-"))
    with zipfile.ZipFile(whl) as z:
        members = [m for m in z.namelist() if m.split("/", 1)[0] in dirs]
        if not members:
            sys.exit(f"error: {whl.name} has none of {dirs}")
        z.extractall(out, members)
PY
touch "$OUT/.complete"
echo "adapter corpus ready: $OUT ($(find "$OUT" -name '*.rs' | wc -l) .rs, $(find "$OUT" -name '*.py' | wc -l) .py, $(find "$OUT" -type f \( -name '*.rs' -o -name '*.py' \) -print0 | xargs -0 cat | wc -l) lines)" >&2
