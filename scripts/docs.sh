#!/usr/bin/env bash
# `make docs`: lints docs/openapi.yaml with Redocly CLI (its recommended rules,
# as docs/redocly.yaml sets them) and renders it as one HTML file,
# target/docs/api.html.
source "$(dirname "$0")/lib.sh"

ensure_redocly

cd "$ROOT"
log "linting docs/openapi.yaml"
"$REDOCLY" lint --config docs/redocly.yaml docs/openapi.yaml
log "rendering target/docs/api.html"
mkdir -p target/docs
"$REDOCLY" build-docs --config docs/redocly.yaml docs/openapi.yaml --output target/docs/api.html
log "the API reference is target/docs/api.html"
