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
# What every function's handler does to DynamoDB, recorded over the whole
# run: the least-privilege check below holds it against the template.
export CONDUIT_ACTIONS_DIR="$TMPDIR/actions-$$"
rm -rf "$CONDUIT_ACTIONS_DIR"
trap 'stop_pids "$DYNAMODB_PID"; rm -f "$output"; rm -rf "$CONDUIT_ACTIONS_DIR"' EXIT
# Every test binary runs even when one fails, so a failure shows all others.
status=0
DYNAMODB_ENDPOINT="http://127.0.0.1:$port" cargo test --workspace --no-fail-fast "$@" 2>&1 \
  | tee "$output" || status=$?
# Least privilege, from everything the run did; only a whole run can say
# that no test performs a grant.
if [ "$#" -eq 0 ] && [ "$status" -eq 0 ]; then
  log "every function's grants against what the whole run performed"
  cargo test --quiet -p conduit-tests --test deploy -- --ignored --exact \
    policies::each_function_is_granted_exactly_what_the_whole_suite_performs 2>&1 \
    | tee -a "$output" || status=$?
fi
# cargo prints one result line per test binary, the last of them often a crate
# with no doctests; one total says what ran.
awk '/^test result:/ { passed += $4; failed += $6 } END { printf "tests: %d passed, %d failed\n", passed, failed }' "$output"
[ "$status" -eq 0 ] || exit "$status"

# The deploy template, checked offline as AWS would check it.
log "cfn-lint and sam validate on template.yaml"
cfn-lint template.yaml
sam validate --lint --region us-east-1
