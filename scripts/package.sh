#!/usr/bin/env bash
# `make package`: `sam build` of every function (arm64, release profile, cross-
# compiled by cargo-lambda with zig), then each function's binary and zip size.
source "$(dirname "$0")/lib.sh"

ensure_cargo_lambda
ensure_template_tools
if ! rustup target list --installed | grep -qx aarch64-unknown-linux-gnu; then
  log "adding the aarch64-unknown-linux-gnu standard library"
  rustup target add aarch64-unknown-linux-gnu
fi

cd "$ROOT"
started=$(date +%s)
# One cargo invocation builds every function (dependencies once, links in
# parallel); sam build's per-function builds then find them up to date.
packages=()
for dir in functions/*/; do packages+=(-p "$(basename "$dir")"); done
cargo lambda build --release --arm64 "${packages[@]}"
sam build
elapsed=$(( $(date +%s) - started ))

log "sam build took ${elapsed}s"
python3 - <<'PY'
import io, os, zipfile
root = ".aws-sam/build"
rows = []
for name in sorted(os.listdir(root)):
    path = os.path.join(root, name, "bootstrap")
    if not os.path.isfile(path):
        continue
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.write(path, "bootstrap")
    rows.append((name, os.path.getsize(path), len(buf.getvalue())))
print(f"{'function':32} {'bootstrap':>12} {'zip':>12}")
for name, raw, zipped in rows:
    print(f"{name:32} {raw/1024/1024:>10.2f}MB {zipped/1024/1024:>10.2f}MB")
PY
