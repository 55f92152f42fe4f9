#!/usr/bin/env bash
# `make seed`: fills a running stack with a small demo data set through its
# API (tests/e2e/seed-data.mjs: 5 users, 12 articles with tags, follows,
# favorites and comment threads, one of 25 comments). Running it again
# changes nothing.
#   CONDUIT_API    the API's base URL (default http://127.0.0.1:9000/api, `make dev`'s)
#   SEED_PASSWORD  the seed users' password. Local demo data, not a secret:
#                  the default, conduit-demo-password, signs in as any of them
#                  (e.g. ada.lovelace@example.com) in a local front end.
source "$(dirname "$0")/lib.sh"

export CONDUIT_API=${CONDUIT_API:-http://127.0.0.1:9000/api}
log "seeding $CONDUIT_API"
exec node "$ROOT/tests/e2e/seed.mjs"
