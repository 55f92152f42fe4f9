#!/usr/bin/env bash
# `make test`: every test of the workspace, against a DynamoDB Local of its own
# (in memory, on a free port), so it never touches `make dev`'s data and can
# run beside it.
source "$(dirname "$0")/lib.sh"

ensure_dynamodb_local
ensure_template_tools

port=$(free_port)
DYNAMODB_PID=""
output=$(mktemp)
trap 'stop_pids "$DYNAMODB_PID"; rm -f "$output"' EXIT
start_dynamodb "$port"

cd "$ROOT"
# The function binaries as a plain build selects them (the default members);
# the telemetry tests run them as Lambda does.
cargo build --bins
# Every test binary runs even when one fails, so a failure shows all others.
status=0
DYNAMODB_ENDPOINT="http://127.0.0.1:$port" cargo test --workspace --no-fail-fast "$@" 2>&1 \
  | tee "$output" || status=$?
# cargo prints one result line per test binary, the last of them often a crate
# with no doctests; one total says what ran.
awk '/^test result:/ { passed += $4; failed += $6 } END { printf "tests: %d passed, %d failed\n", passed, failed }' "$output"
[ "$status" -eq 0 ] || exit "$status"

# The deploy template, checked offline as AWS would check it.
log "cfn-lint and sam validate on template.yaml"
cfn-lint template.yaml
sam validate --lint --region us-east-1
