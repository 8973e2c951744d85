# mineralmap — the two commands a fresh machine needs are `make run` and `make test`.
SHELL := /bin/bash
GO ?= go

.PHONY: run test build neo4j-start neo4j-stop neo4j-status load-fixtures unit vet bench clean

## run: start Neo4j when none is reachable, load the fixtures, serve the API on 127.0.0.1:8080
run:
	@scripts/run.sh

## test: unit and integration tests against a real Neo4j (started when none is reachable)
test:
	@scripts/test.sh

build:
	$(GO) build -o bin/mineralmap ./cmd/mineralmap

## unit: the tests that need no Neo4j (integration tests skip themselves under -short)
unit:
	$(GO) test -short -count=1 ./...

vet:
	$(GO) vet ./...
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); exit 1; }

neo4j-start:
	@scripts/neo4j.sh start
neo4j-stop:
	@scripts/neo4j.sh stop
neo4j-status:
	@scripts/neo4j.sh status

load-fixtures: build
	bin/mineralmap load fixtures/*.json

## bench: load and query synthetic networks of 10k, 100k and 1M edges, compare with networkx,
## write bench/RESULTS.md (own Neo4j on 37687, API on 38080; not part of make test)
bench:
	@bench/run.sh

clean:
	rm -rf bin test-results
