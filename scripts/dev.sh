#!/usr/bin/env bash
# `make dev`: the whole API on http://127.0.0.1:$API_PORT/api/..., against
# DynamoDB Local on 127.0.0.1:$DYNAMODB_PORT with its data kept in .local/data.
# Ctrl-C stops everything this started.
source "$(dirname "$0")/lib.sh"

DYNAMODB_PORT=${DYNAMODB_PORT:-8000}
API_PORT=${API_PORT:-9000}
export TABLE_NAME=${TABLE_NAME:-conduit}
export AWS_REGION=${AWS_REGION:-us-east-1}
export DYNAMODB_ENDPOINT="http://127.0.0.1:$DYNAMODB_PORT"
JWT_SECRET=$(local_jwt_secret)
export JWT_SECRET

ensure_cargo_lambda
ensure_dynamodb_local

DYNAMODB_PID=""
WORKER_PID=""
trap 'stop_pids "$WORKER_PID" "$DYNAMODB_PID"' EXIT
trap 'exit 130' INT TERM

start_dynamodb "$DYNAMODB_PORT" "$LOCAL/data"
cd "$ROOT"
cargo run --quiet -p conduit-tools --bin create-table
# The stream worker (article cleanup), fed from the local table's stream as
# Lambda's event source mapping feeds it in AWS; its log is in .local/.
cargo build --quiet -p conduit-tools --bin local-stream
cargo run --quiet -p conduit-tools --bin local-stream >"$LOCAL/local-stream.log" 2>&1 &
WORKER_PID=$!
log "stream worker running (log: .local/local-stream.log)"
log "API on http://127.0.0.1:$API_PORT/api (functions build on their first request)"
cargo lambda watch -A 127.0.0.1 -P "$API_PORT"
