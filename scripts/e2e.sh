#!/usr/bin/env bash
# `make e2e`: the official Angular front end against the API in headless
# Chromium, over a stack of its own (DynamoDB Local in memory on a free port,
# the stream worker, `cargo lambda watch`), seeded with `make seed`'s data set.
# Two modes, each with its own `cargo lambda watch` and static server:
#   cross-origin  the front end's cross-origin-9200/ build on a free port, the
#                 API on 127.0.0.1:9200 (fixed: the build calls it there), so
#                 the browser sends CORS preflights;
#   same-origin   the same-origin/ build, with the static server forwarding
#                 /api/* to the API on a free port.
# The flows are in tests/e2e/browser.test.mjs. A failing step leaves a
# screenshot and the page's HTML under .local/e2e/<mode>/.
#
#   FRONTEND_DIR    the built front end (default ../shared/frontend beside the project)
#   E2E_MODES       which modes, in order (default "cross-origin same-origin")
#   E2E_BREAK_CORS  1: run the API without its CORS layer (`cargo lambda watch
#                   --disable-cors`), as a deployment that lost its CORS
#                   configuration would. The cross-origin mode must then fail:
#                     E2E_BREAK_CORS=1 E2E_MODES=cross-origin make e2e
#                   stops at its first step, naming the blocked requests.
source "$(dirname "$0")/lib.sh"

FRONTEND_DIR=${FRONTEND_DIR:-$ROOT/../shared/frontend}
read -r -a modes <<<"${E2E_MODES:-cross-origin same-origin}"
CROSS_ORIGIN_API_PORT=9200 # where the cross-origin-9200/ build calls the API

for mode in "${modes[@]}"; do
  case $mode in
    cross-origin) dir=cross-origin-9200 ;;
    same-origin) dir=same-origin ;;
    *) echo "unknown mode '$mode' in E2E_MODES (cross-origin, same-origin)" >&2; exit 2 ;;
  esac
  if [ ! -f "$FRONTEND_DIR/$dir/index.html" ]; then
    echo "no front end build at $FRONTEND_DIR/$dir: set FRONTEND_DIR to the folder holding same-origin/ and cross-origin-9200/" >&2
    exit 1
  fi
  if [ "$mode" = cross-origin ] && (exec 3<>"/dev/tcp/127.0.0.1/$CROSS_ORIGIN_API_PORT") 2>/dev/null; then
    echo "port $CROSS_ORIGIN_API_PORT is in use: the cross-origin build calls the API there, so it must be free (or run E2E_MODES=same-origin)" >&2
    exit 1
  fi
done
FRONTEND_DIR=$(cd "$FRONTEND_DIR" && pwd)

ensure_cargo_lambda
ensure_dynamodb_local
ensure_chromium
ensure_playwright

ARTIFACTS="$LOCAL/e2e"
rm -rf "$ARTIFACTS"
mkdir -p "$ARTIFACTS"

DYNAMODB_PID=""
WORKER_PID=""
WATCH_PID=""
WEB_PID=""
trap 'stop_pids "$WEB_PID" "$WATCH_PID" "$WORKER_PID" "$DYNAMODB_PID"' EXIT
start_backend conduit-e2e "$ARTIFACTS/local-stream.log"

wait_for_health() { # url, seconds
  local url=$1 tries=$(( $2 * 4 ))
  for _ in $(seq "$tries"); do
    if [ "$(curl -s -o /dev/null -w '%{http_code}' "$url/health")" = 200 ]; then return 0; fi
    sleep 0.25
  done
  echo "the API at $url did not answer /health" >&2
  return 1
}

# One mode: its API and static server, the seed, the browser run.
run_mode() {
  local mode=$1 api_port web_port root api_url watch_args=() serve_args=()
  case $mode in
    cross-origin)
      api_port=$CROSS_ORIGIN_API_PORT
      root="$FRONTEND_DIR/cross-origin-9200"
      ;;
    same-origin)
      api_port=$(free_port)
      root="$FRONTEND_DIR/same-origin"
      serve_args=(--api "http://127.0.0.1:$api_port")
      ;;
  esac
  if [ "${E2E_BREAK_CORS:-}" = 1 ]; then
    log "E2E_BREAK_CORS=1: the API runs without CORS"
    watch_args=(--disable-cors)
  fi
  web_port=$(free_port)

  start_api "$api_port" "$ARTIFACTS/watch-$mode.log" "${watch_args[@]}"
  node "$ROOT/tests/e2e/serve.mjs" --port "$web_port" --root "$root" "${serve_args[@]}" \
    >"$ARTIFACTS/serve-$mode.log" 2>&1 &
  WEB_PID=$!
  if [ "$mode" = cross-origin ]; then
    api_url="http://127.0.0.1:$api_port/api"
  else
    api_url="http://127.0.0.1:$web_port/api" # through the static server, as the page calls it
  fi

  local status=0
  {
    wait_for_port "$api_port" "cargo lambda watch" 120 &&
      wait_for_port "$web_port" "the static server" 30 &&
      wait_for_health "$api_url" 120 &&
      log "[$mode] seeding through $api_url" &&
      CONDUIT_API=$api_url node "$ROOT/tests/e2e/seed.mjs" &&
      log "[$mode] front end on http://127.0.0.1:$web_port, API at $api_url" &&
      E2E_MODE=$mode E2E_WEB="http://127.0.0.1:$web_port" E2E_API=$api_url \
        E2E_ARTIFACTS="$ARTIFACTS" E2E_PLAYWRIGHT="$E2E_NODE" CHROMIUM="$CHROMIUM" \
        node --test-reporter=spec "$ROOT/tests/e2e/browser.test.mjs"
  } || status=$?

  stop_pids "$WEB_PID" "$WATCH_PID"
  WEB_PID=""
  WATCH_PID=""
  return "$status"
}

summary=()
failed=0
for mode in "${modes[@]}"; do
  started=$SECONDS
  log "[$mode] starting"
  if run_mode "$mode"; then
    result="passed"
  else
    result="FAILED"
    failed=1
  fi
  summary+=("$mode: $result in $((SECONDS - started)) s")
  log "[$mode] $result in $((SECONDS - started)) s"
done

log "browser tests:"
for line in "${summary[@]}"; do log "  $line"; done
if [ "$failed" = 1 ]; then
  if compgen -G "$ARTIFACTS/*/*.png" >/dev/null; then
    log "screenshots and HTML of the failing steps: $ARTIFACTS/<mode>/"
    ls "$ARTIFACTS"/*/*.png >&2
  fi
  if [ "${E2E_BREAK_CORS:-}" = 1 ]; then
    log "the API ran without CORS (E2E_BREAK_CORS=1): the cross-origin mode is expected to fail"
  fi
  exit 1
fi
