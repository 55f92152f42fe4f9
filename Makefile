# The project's entry points. Each installs what it needs on first use.
.PHONY: dev test conformance package bench

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

# sam build of every function for arm64 (release profile); checks that each
# function got an arm64 bootstrap and prints the sizes.
package:
	@./scripts/package.sh

# Size, cold start, latency, memory and DynamoDB cost of every function against
# a hello-world floor: make bench [ARGS=--quick | ARGS="--function get-article"]
bench:
	@./scripts/bench.sh $(ARGS)
