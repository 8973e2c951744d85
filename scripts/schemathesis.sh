#!/usr/bin/env bash
# schemathesis against the live API: no 5xx, every status and every response body as
# http/openapi.json documents them.
#
# Installs schemathesis from PyPI into .tools/schemathesis (a venv, git-ignored), builds the binary,
# loads fixtures/*.json into Neo4j ($NEO4J_URI, else bolt://127.0.0.1:7687, started with
# scripts/neo4j.sh when nothing answers there), serves the API with a fresh API token on a free
# loopback port, runs schemathesis with a bounded number of examples per operation under a time
# limit, then stops the API. DELETE /v1/graph runs last and alone: it empties the graph the other
# operations explore. Everything stops by itself.
#
# Writes test-results/schemathesis/: run.log and delete.log (schemathesis' output), junit XML,
# api.log, and summary.txt: test cases generated, failures, and the requests and 5xx answers
# counted by the API's own /metrics.
#
# Knobs: SCHEMATHESIS_MAX_EXAMPLES (per operation and phase, default 100), SCHEMATHESIS_SEED
# (default 1, so that CI runs repeat; "random" explores), SCHEMATHESIS_TIMEOUT (seconds for the
# whole run, default 900), SCHEMATHESIS_PORT (default: a free port).
set -euo pipefail
cd "$(dirname "$0")/.."

version=4.32.5
venv=$PWD/.tools/schemathesis
max_examples=${SCHEMATHESIS_MAX_EXAMPLES:-100}
seed=${SCHEMATHESIS_SEED:-1}
budget=${SCHEMATHESIS_TIMEOUT:-900}
out=$PWD/test-results/schemathesis
deadline=$((SECONDS + budget))

say() { printf 'schemathesis.sh: %s\n' "$*" >&2; }
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

if ! "$venv/bin/schemathesis" --version 2>/dev/null | grep -qF "$version"; then
  say "installing schemathesis $version from PyPI into $venv"
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$version"
fi

if [ -z "${NEO4J_URI:-}" ]; then
  export NEO4J_URI=bolt://127.0.0.1:7687
  port_open 7687 || scripts/neo4j.sh start
fi

rm -rf "$out"
mkdir -p "$out"
work=$(mktemp -d)
api_pid=
cleanup() {
  if [ -n "$api_pid" ] && kill -0 "$api_pid" 2>/dev/null; then
    kill -TERM "$api_pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$api_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$api_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

go build -o "$work/mineralmap" ./cmd/mineralmap
"$work/mineralmap" load fixtures/*.json >"$out/load.log" 2>&1 || { cat "$out/load.log" >&2; say "loading the fixtures into $NEO4J_URI failed"; exit 1; }

port=${SCHEMATHESIS_PORT:-$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}
base=http://127.0.0.1:$port
token=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
env -u MINERALMAP_READ_TOKEN MINERALMAP_ADDR="127.0.0.1:$port" MINERALMAP_API_TOKEN="$token" \
  "$work/mineralmap" serve >"$out/api.log" 2>&1 &
api_pid=$!
for _ in $(seq 1 300); do
  curl -fsS "$base/readyz" >/dev/null 2>&1 && break
  kill -0 "$api_pid" 2>/dev/null || { cat "$out/api.log" >&2; say "the API exited"; exit 1; }
  sleep 0.2
done
curl -fsS "$base/readyz" >/dev/null || { say "the API on $base is not ready after 60 s"; exit 1; }
say "API on $base (Neo4j $NEO4J_URI); up to $max_examples examples per operation, seed $seed, ${budget}s in all"

st=("$venv/bin/schemathesis" run "$base/openapi.json" --url "$base"
  -H "Authorization: Bearer $token"
  --checks not_a_server_error,status_code_conformance,response_schema_conformance
  --max-examples "$max_examples" --continue-on-failure --generation-database none
  --request-timeout 30 --no-color --report junit --report-dir "$out")
[ "$seed" = random ] || st+=(--seed "$seed")

# run NAME ARGS...: one schemathesis pass within what is left of the budget.
status=0
run() {
  local name=$1 left=$((deadline - SECONDS)) rc=0
  shift
  if [ "$left" -le 0 ]; then say "$name: no time left"; status=1; return; fi
  (cd "$work" && timeout --kill-after=30 "$left" "${st[@]}" "$@") >"$out/$name.log" 2>&1 || rc=$?
  if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then say "$name: stopped at the time limit"; fi
  if [ "$rc" -ne 0 ]; then
    status=1
    sed -n '/^=* FAILURES =*$/,$p' "$out/$name.log" | head -n 300 >&2
    say "$name: failed (exit $rc); the whole output is in $out/$name.log"
  fi
}
run run --exclude-operation-id deleteGraph --report-junit-path "$out/junit.xml"
run delete --include-operation-id deleteGraph --report-junit-path "$out/junit-delete.xml"

# Count from the API itself: every request schemathesis sent, and the 5xx among them.
metrics=$(curl -fsS "$base/metrics" || true)
if [ -z "$metrics" ]; then say "could not read $base/metrics: is the API still up? see $out/api.log"; status=1; fi
requests=$(awk '/^mineralmap_http_requests_total\{/ {n += $NF} END {print n + 0}' <<<"$metrics")
errors5xx=$(awk '/^mineralmap_http_requests_total\{.*status="5[0-9][0-9]"/ {n += $NF} END {print n + 0}' <<<"$metrics")
cases() { grep -A1 '^Test cases:' "$out/$1.log" | tail -n 1 | sed 's/^ *//'; }
{
  used=$(grep -m1 '^Seed:' "$out/run.log" | sed 's/^Seed: *//' || true)
  echo "schemathesis $version, seed ${used:-$seed}, max examples $max_examples: operations but DELETE /v1/graph: $(cases run); DELETE /v1/graph: $(cases delete)"
  echo "schemathesis: API requests $requests, 5xx answers $errors5xx"
} | tee "$out/summary.txt"
if [ "$requests" = 0 ]; then
  say "/metrics counted no request (mineralmap_http_requests_total): the 5xx count above means nothing"
  status=1
fi
if [ "$errors5xx" != 0 ]; then
  say "the API answered $errors5xx request(s) with a 5xx; see $out/api.log"
  status=1
fi
exit "$status"
