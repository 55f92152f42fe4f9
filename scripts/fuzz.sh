#!/usr/bin/env bash
# `make fuzz`: Schemathesis against a `cargo lambda watch` stack of its own
# (fresh DynamoDB Local, free ports), from docs/openapi.yaml. Every phase
# (examples, coverage, fuzzing, stateful) and every check, signed in as a
# user registered first (scripts/fuzz_hooks.py); docs/development.md
# ("Fuzzing") says what is left out and why.
#   FUZZ_MAX_EXAMPLES  test cases per operation and phase (default 100)
#   FUZZ_SEED          a seed, to run the same cases again
# The report lands in target/fuzz/: JUnit XML, the failures as a pytest file,
# and emulator-refusals.txt, the requests `cargo lambda watch` could not carry.
source "$(dirname "$0")/lib.sh"

FUZZ_MAX_EXAMPLES=${FUZZ_MAX_EXAMPLES:-100}

ensure_cargo_lambda
ensure_dynamodb_local
ensure_schemathesis

api_port=$(free_port)
DYNAMODB_PID=""
WATCH_PID=""
WORKER_PID=""
trap 'stop_pids "$WATCH_PID" "$WORKER_PID" "$DYNAMODB_PID"' EXIT
start_backend conduit-fuzz "$LOCAL/local-stream-$api_port.log"
start_api "$api_port" "$LOCAL/watch-$api_port.log"
wait_for_port "$api_port" "cargo lambda watch" 120

export FUZZ_API="http://127.0.0.1:$api_port"
# `cargo lambda watch` starts a function on its first request (`cargo run`,
# which waits for any other cargo on the workspace): one harmless request per
# operation first, so no request of the run waits for a function to start.
log "starting every function"
"$VENV/bin/python" - "$FUZZ_API" "$ROOT/docs/openapi.yaml" <<'PY'
import sys, urllib.error, urllib.request, yaml

api, description = sys.argv[1:]
with open(description, encoding="utf-8") as file:
    paths = yaml.safe_load(file)["paths"]
names = {"{username}": "nobody", "{slug}": "nothing", "{id}": "1"}
for path, item in paths.items():
    for method in item:
        url = api + path
        for name, value in names.items():
            url = url.replace(name, value)
        # No token and an empty body: a 401 or a 422 that changes nothing.
        body = b"{}" if method in ("post", "put") else None
        request = urllib.request.Request(url, data=body, method=method.upper())
        try:
            urllib.request.urlopen(request, timeout=600).read()
        except urllib.error.HTTPError:
            pass
PY
log "registering the run's user"
FUZZ_TOKEN=$(curl -sS --fail-with-body -X POST "$FUZZ_API/api/users" \
  -H 'Content-Type: application/json' \
  -d "{\"user\":{\"username\":\"fuzz$$\",\"email\":\"fuzz$$@fuzz.example\",\"password\":\"fuzz-password\"}}" |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["user"]["token"])')
export FUZZ_TOKEN

report="$ROOT/target/fuzz"
rm -rf "$report"
mkdir -p "$report"
export FUZZ_REFUSALS="$report/emulator-refusals.txt"
export FUZZ_CACHE="$LOCAL/cache/schemathesis"
seed=()
[ -n "${FUZZ_SEED:-}" ] && seed=(--seed "$FUZZ_SEED")
log "Schemathesis against $FUZZ_API: $FUZZ_MAX_EXAMPLES cases per operation and phase"
# Every check but `unsupported_method`, which sends methods no route serves and
# expects a 405: the router answers those, never a function, and both
# `cargo lambda watch` and API Gateway's HTTP API answer 404 (see
# docs/development.md, "Fuzzing").
# One worker: Hypothesis describes strategies by parsing their source with
# `ast`, which Python 3.11 cannot do from two threads at once. Output is not
# sanitised: the tokens are this run's, signed with a key made for it.
status=0
PYTHONPYCACHEPREFIX="$LOCAL/cache/pycache" \
SCHEMATHESIS_HOOKS="$ROOT/scripts/fuzz_hooks.py" \
  schemathesis --config-file "$ROOT/scripts/fuzz.toml" run "$ROOT/docs/openapi.yaml" \
  --url "$FUZZ_API" \
  --phases examples,coverage,fuzzing,stateful \
  --checks all \
  --exclude-checks unsupported_method \
  --max-examples "$FUZZ_MAX_EXAMPLES" \
  --workers 1 \
  --output-sanitize false \
  --generation-database none \
  --report junit,pytest --report-dir "$report" \
  "${seed[@]}" || status=$?
if [ -s "$FUZZ_REFUSALS" ]; then
  log "$(wc -l <"$FUZZ_REFUSALS") failures were cargo lambda watch's own 500 to a request it cannot carry (dropped, listed in target/fuzz/emulator-refusals.txt)"
fi
exit "$status"
