#!/usr/bin/env bash
# Installs what the build and tests need on a fresh machine: Go modules and the Neo4j jars.
set -euo pipefail
cd "$(dirname "$0")/.."
go mod download
scripts/neo4j.sh fetch
scripts/install-browser.sh   # Debian chromium + playwright-core (e2e/), for the Neo4j Browser test
