#!/usr/bin/env bash
# `make conformance`: the official RealWorld Hurl suite over real HTTP against
# `cargo lambda watch`, with its own DynamoDB Local and ports.
#   HURL_DIR   the suite (default: ../shared/realworld/hurl beside the project)
#   HURL_FILES which files, relative to HURL_DIR (default: all of them)
source "$(dirname "$0")/lib.sh"

HURL_DIR=${HURL_DIR:-$ROOT/../shared/realworld/hurl}
if [ ! -d "$HURL_DIR" ]; then
  echo "no Hurl suite at $HURL_DIR: set HURL_DIR to the RealWorld hurl/ folder" >&2
  exit 1
fi
HURL_DIR=$(cd "$HURL_DIR" && pwd)
read -r -a files <<<"${HURL_FILES:-$(cd "$HURL_DIR" && echo ./*.hurl)}"

ensure_cargo_lambda
ensure_dynamodb_local
ensure_hurl

api_port=$(free_port)
DYNAMODB_PID=""
WATCH_PID=""
WORKER_PID=""
trap 'stop_pids "$WATCH_PID" "$WORKER_PID" "$DYNAMODB_PID"' EXIT
start_backend conduit-conformance "$LOCAL/local-stream-$api_port.log"
start_api "$api_port" "$LOCAL/watch-$api_port.log"
wait_for_port "$api_port" "cargo lambda watch" 120

log "Hurl suite from $HURL_DIR against http://127.0.0.1:$api_port"
(cd "$HURL_DIR" && hurl --test --jobs 1 \
  --variable "host=http://127.0.0.1:$api_port" \
  --variable "uid=$(date +%s)$$" \
  "${files[@]}")
