# manilite — the commands a developer and CI need.
GO      ?= go
BIN     := bin/manilite
VERSION ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)

.PHONY: all generate check-generated build run test test-short vet policy-test bench vendor-docs clean

all: build

## generate: regenerate gen/ and state/ from openapi/manila.yaml
generate:
	$(GO) generate ./gen/ ./state/

## check-generated: fail when gen/ or state/ differs from what the spec generates
check-generated:
	@tmp=$$(mktemp -d) && trap 'rm -rf $$tmp' EXIT && \
	sed "s|^output:.*|output: $$tmp/manila.gen.go|" gen/cfg.yaml > $$tmp/cfg.yaml && \
	$(GO) tool oapi-codegen -config $$tmp/cfg.yaml openapi/manila.yaml && \
	if ! diff -u gen/manila.gen.go $$tmp/manila.gen.go > $$tmp/diff; then \
		head -50 $$tmp/diff; echo "gen/ is stale: run 'make generate' and commit the result"; exit 1; \
	fi && \
	$(GO) run ./state/internal/stategen -o $$tmp/state.gen.go openapi/manila.yaml && \
	if ! diff -u state/state.gen.go $$tmp/state.gen.go > $$tmp/diff; then \
		head -50 $$tmp/diff; echo "state/ is stale: run 'make generate' and commit the result"; exit 1; \
	fi

## build: build bin/manilite
build:
	$(GO) build -ldflags "-X main.version=$(VERSION)" -o $(BIN) ./cmd/manilite

## run: run the server on ./data (SQLite file, embedded policy, noauth)
run: build
	./$(BIN) serve

## vet: go vet and gofmt
vet:
	$(GO) vet ./...
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

## test: everything CI checks — generated code, vet, the Rego tests, all Go tests under the race detector, then the
## storage tests again on a PostgreSQL cluster they start themselves (internal/pgtest), then the HTTP suite in
## cmd/manilite on PostgreSQL (without -race, to keep CI time down: the race detector already ran it on SQLite)
## (the HTTP suite in cmd/manilite takes about 10 minutes under -race on 2 CPUs: past go test's default 10m timeout)
test: check-generated vet
	$(GO) test -race -count=1 -timeout 25m ./...
	MANILITE_TEST_DB=postgres $(GO) test -race -count=1 ./storage/
	MANILITE_TEST_DB=postgres $(GO) test -count=1 -timeout 25m ./cmd/manilite/

## policy-test: the Rego policy tests alone
policy-test:
	$(GO) test -count=1 -run 'TestRego' -v ./policy/

## bench: every speed figure measured side by side in one run (the throughput comparisons, the mixed
## load test, the Go benchmarks), one package at a time, then the figures again as one report.
## It fails only when a request fails or an acknowledged write is lost, never on a figure.
bench:
	@report=$$(mktemp) && trap 'rm -f $$report' EXIT && \
	MANILITE_BENCH=1 MANILITE_BENCH_REPORT=$$report $(GO) test -p 1 -run '^(TestThroughput|TestLoadMixed)' \
		-bench . -benchmem -count=1 -timeout 60m -v ./...; rc=$$?; \
	echo; echo "== make bench: the figures, each measured side by side in this run =="; cat $$report; exit $$rc

## vendor-docs: re-vendor Swagger UI for GET /docs from the npm registry (SWAGGER_UI_VERSION=x.y.z)
vendor-docs:
	./apidocs/vendor.sh

clean:
	rm -rf bin
