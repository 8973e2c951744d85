#!/usr/bin/env bash
# Installs what the build and tests need on a fresh machine: Go modules, the Neo4j jars, and
# Debian's Chromium with playwright-core for the Browser test (schemathesis and networkx install
# themselves, from PyPI, when their scripts first run). Idempotent: what is there is kept.
set -euo pipefail
cd "$(dirname "$0")/.."
go mod download
scripts/neo4j.sh fetch
scripts/install-browser.sh   # Debian chromium + playwright-core (e2e/), for the Neo4j Browser test
