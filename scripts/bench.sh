#!/usr/bin/env bash
# `make bench`: builds the functions and a hello-world floor with the release
# profile (cargo-lambda, x86_64 so they run here), then measures every function
# against DynamoDB Local of its own. Results: target/bench/results.{md,json}.
#   --quick              get-article and list-articles (and health's TLS cold
#                        start), few runs, small extremes: CI keeps the
#                        harness working
#   --function A[,B...]  these functions, full runs (no extremes, which need
#                        the functions they measure)
# A full run also builds health and get-current-user with AWS-LC's CPU-jitter
# entropy source (in target/bench-jitter, so the deployed build stays as it
# is) and compares their TLS cold starts with the deployed build's.
source "$(dirname "$0")/lib.sh"

ensure_cargo_lambda
ensure_dynamodb_local

quick=0
function=""
args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) quick=1; args+=(--quick) ;;
    --function) function=$2; args+=(--function "$2"); shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift
done

cd "$ROOT"
if [ -n "$function" ]; then
  IFS=, read -ra built <<< "$function"
elif [ "$quick" = 1 ]; then
  # get-article's figures, health's TLS cold start, and the functions the
  # extremes measure.
  built=(get-article health favorite-article list-comments feed-articles
         list-articles create-article follow-user)
else
  built=() # every function: the default members
fi
# `${a[@]+"${a[@]}"}` because bash before 4.4 calls an empty array unbound
# under `set -u`.
bins=()
for name in ${built[@]+"${built[@]}"}; do bins+=(--bin "$name"); done
# The harness measures what this run built, whatever else target/lambda
# holds (`make package` leaves arm64 binaries there).
if [ ${#built[@]} -gt 0 ]; then
  args+=(--built "$(IFS=,; echo "${built[*]}")")
fi
# The functions as `sam build` builds them (the default members, so the same
# features), then the floor and the harness from the tools crate on their own:
# built together, the harness's features would leak into the functions.
log "building the functions (release profile)"
cargo lambda build --release --x86-64 ${bins[@]+"${bins[@]}"}
log "building the floor and the harness (release profile)"
cargo lambda build --release --x86-64 -p conduit-tools --bin floor --bin bench
if [ "$quick" = 0 ] && [ -z "$function" ]; then
  log "building health and get-current-user with AWS-LC's jitter entropy (target/bench-jitter)"
  AWS_LC_SYS_NO_JITTER_ENTROPY=0 CARGO_TARGET_DIR="$ROOT/target/bench-jitter" \
    cargo lambda build --release --x86-64 --bin health --bin get-current-user
  args+=(--jitter-dir target/bench-jitter/lambda)
fi

port=$(free_port)
DYNAMODB_PID=""
trap 'stop_pids "$DYNAMODB_PID"' EXIT
start_dynamodb "$port"

DYNAMODB_ENDPOINT="http://127.0.0.1:$port" target/lambda/bench/bootstrap \
  --lambda-dir target/lambda --out target/bench ${args[@]+"${args[@]}"}
