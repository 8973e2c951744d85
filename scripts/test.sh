#!/usr/bin/env bash
# make test: unit and integration tests against a real Neo4j.
# Neo4j: NEO4J_URI if set; else testcontainers when a Docker engine answers; else the Maven-started
# local server (started here, left running for the next run; stop it with scripts/neo4j.sh stop).
# Writes test-results/: go-test.log, integration.log (one line per integration test that reached
# Neo4j) and summary.txt. Under CI=true any skipped test fails the run.
#
# It first installs what the tests need (scripts/install.sh: Go modules, the Neo4j jars,
# Debian's Chromium and playwright-core for the Browser test); each step is skipped when its
# result is already there, so a second run starts at once.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install.sh
mkdir -p test-results
rm -f test-results/integration.log
export MINERALMAP_INTEGRATION_LOG=$PWD/test-results/integration.log

docker_answers() { command -v docker >/dev/null && timeout 5 docker info >/dev/null 2>&1; }
if [ -z "${NEO4J_URI:-}" ] && ! docker_answers; then
  scripts/neo4j.sh start
fi

# Packages share one database, so they run one at a time (-p 1).
set +e
go test -p 1 -count=1 -timeout 30m -v ./... 2>&1 | tee test-results/go-test.log | grep -E '^(---|===|ok|FAIL|PASS|panic)|--- (FAIL|SKIP)' | grep -v '^=== ' 
status=${PIPESTATUS[0]}
set -e

passed=$(grep -c -- '--- PASS' test-results/go-test.log || true)
failed=$(grep -c -- '--- FAIL' test-results/go-test.log || true)
skipped=$(grep -c -- '--- SKIP' test-results/go-test.log || true)
integration=$(cut -f1 test-results/integration.log 2>/dev/null | sort -u | wc -l)
provider=$(cut -f2 test-results/integration.log 2>/dev/null | sort -u | head -n 1)
{
  echo "tests passed: $passed, failed: $failed, skipped: $skipped"
  echo "integration tests that reached Neo4j: $integration (${provider:-none})"
} | tee test-results/summary.txt

# schemathesis: the live API against http/openapi.json. scripts/schemathesis.sh builds and starts
# its own API on a free loopback port over the same Neo4j, runs a bounded number of examples, and
# stops the API; its failure fails the run.
echo "== schemathesis (logs in test-results/schemathesis/)"
schemathesis_status=0
scripts/schemathesis.sh || schemathesis_status=$?
cat test-results/schemathesis/summary.txt >>test-results/summary.txt 2>/dev/null || true

# The generated Python client (scripts/pyclient.sh): the API as a Python analyst reaches it.
echo "== Python client (logs in test-results/pyclient/)"
pyclient_status=0
scripts/pyclient.sh || pyclient_status=$?

if [ "$status" -ne 0 ]; then exit "$status"; fi
if [ "$pyclient_status" -ne 0 ]; then echo "the generated Python client's checks failed (exit $pyclient_status): test-results/pyclient/" >&2; exit "$pyclient_status"; fi
if [ "$schemathesis_status" -ne 0 ]; then echo "schemathesis failed (exit $schemathesis_status): test-results/schemathesis/" >&2; exit "$schemathesis_status"; fi
if [ "${CI:-}" = true ]; then
  if [ "$skipped" -ne 0 ]; then echo "CI: $skipped test(s) skipped; in CI every test must run" >&2; exit 1; fi
  if [ "$integration" -eq 0 ]; then echo "CI: no integration test reached Neo4j" >&2; exit 1; fi
fi
