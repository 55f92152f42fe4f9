#!/usr/bin/env bash
# `make package`: every function built for arm64 with the release profile
# (cross-compiled by cargo-lambda with zig), `sam build`, then a check that SAM
# left an arm64 `bootstrap` for every function of template.yaml, with sizes.
source "$(dirname "$0")/lib.sh"

ensure_cargo_lambda
ensure_template_tools
if ! rustup target list --installed | grep -qx aarch64-unknown-linux-gnu; then
  log "adding the aarch64-unknown-linux-gnu standard library"
  rustup target add aarch64-unknown-linux-gnu
fi

cd "$ROOT"
started=$(date +%s)
# One cargo invocation builds every function (the workspace's default members):
# dependencies once, links side by side. sam build then runs
# `cargo lambda build --bin <function>` for each function, selects the same
# default members, so the same features, finds it up to date and only copies
# its bootstrap.
log "building every function for arm64 (release profile)"
cargo lambda build --release --arm64
built=$(date +%s)
log "sam build"
sam build
finished=$(date +%s)
log "cargo lambda build took $(( built - started ))s, sam build $(( finished - built ))s"

python3 "$ROOT/scripts/check-package.py" template.yaml .aws-sam/build
