# The project's entry points. Each installs what it needs on first use.
.PHONY: dev test conformance package bench seed e2e docs fuzz

# The whole API on http://127.0.0.1:9000/api against DynamoDB Local.
# Ports: make dev API_PORT=9100 DYNAMODB_PORT=8100
dev:
	@./scripts/dev.sh

# Every test, against a DynamoDB Local of its own.
test:
	@./scripts/test.sh

# The RealWorld Hurl suite over HTTP: make conformance [HURL_DIR=...] [HURL_FILES="a.hurl b.hurl"]
conformance:
	@./scripts/conformance.sh

# The demo data set (5 users, 12 articles, follows, favorites, comments) through
# the API of a running stack: make seed [CONDUIT_API=http://127.0.0.1:9000/api]
seed:
	@./scripts/seed.sh

# The Angular front end in headless Chromium, cross-origin and same-origin,
# against a seeded stack of its own: make e2e [E2E_MODES=same-origin] [E2E_BREAK_CORS=1]
e2e:
	@./scripts/e2e.sh

# sam build of every function for arm64 (release profile); checks that each
# function got an arm64 bootstrap and prints the sizes.
package:
	@./scripts/package.sh

# Size, cold start, latency, memory and DynamoDB cost of every function against
# a hello-world floor: make bench [ARGS=--quick | ARGS="--function get-article"]
bench:
	@./scripts/bench.sh $(ARGS)

# Lints docs/openapi.yaml and renders it as one HTML file, target/docs/api.html.
docs:
	@./scripts/docs.sh

# Schemathesis against a stack of its own, from docs/openapi.yaml: make fuzz [FUZZ_MAX_EXAMPLES=N]
fuzz:
	@./scripts/fuzz.sh
