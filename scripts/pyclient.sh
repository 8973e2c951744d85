#!/usr/bin/env bash
# The Python analyst's way in, tested: a client generated from the live API's /openapi.json by
# openapi-python-client (pinned, from PyPI, into .tools/pyclient), driven through the README's
# first queries, a list over two pages, an authenticated load and a 404 and a 422
# (e2e/python/client_check.py), and the README's Python lines run as written. Part of make test.
#
# Writes test-results/pyclient/: session.txt (what the check asked and got), generate.log, api.log.
set -euo pipefail
cd "$(dirname "$0")/.."

generator=0.29.1
requests_version=2.32.3
venv=$PWD/.tools/pyclient
out=$PWD/test-results/pyclient

say() { printf 'pyclient.sh: %s\n' "$*" >&2; }
. scripts/test-api.sh

if ! "$venv/bin/openapi-python-client" --version 2>/dev/null | grep -qF "$generator" ||
  ! "$venv/bin/python" -c "import requests; assert requests.__version__ == '$requests_version'" 2>/dev/null; then
  say "installing openapi-python-client $generator and requests $requests_version from PyPI into $venv"
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "openapi-python-client==$generator" "requests==$requests_version"
fi

rm -rf "$out"
mkdir -p "$out"
start_api "$out"
say "API on $base (Neo4j $NEO4J_URI)"

curl -fsS "$base/openapi.json" -o "$work/openapi.json"
# ruff (a dependency of the generator) formats the generated code: it must be on PATH.
PATH=$venv/bin:$PATH "$venv/bin/openapi-python-client" generate --path "$work/openapi.json" --meta none \
  --output-path "$work/mineralmap_client" >"$out/generate.log" 2>&1 || { cat "$out/generate.log" >&2; say "generating the client failed"; exit 1; }
status=0
PYTHONPATH=$work "$venv/bin/python" e2e/python/client_check.py "$base" "$token" README.md >"$out/session.txt" 2>&1 || status=$?
cat "$out/session.txt"
if [ "$status" -ne 0 ]; then say "the generated client's checks failed (exit $status): $out/session.txt"; fi
exit "$status"
