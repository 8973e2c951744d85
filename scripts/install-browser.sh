#!/usr/bin/env bash
# Installs what the Neo4j Browser end-to-end test (e2e/) needs: Debian's Chromium (never a
# browser download) and playwright-core from e2e/package-lock.json.
set -euo pipefail
cd "$(dirname "$0")/.."
say() { printf 'install-browser.sh: %s\n' "$*" >&2; }

if [ ! -x /usr/bin/chromium ]; then
  sudo=
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  say "installing Debian's chromium"
  $sudo apt-get update -q
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium
fi
say "$(/usr/bin/chromium --version 2>/dev/null)"

command -v npm >/dev/null || { say "npm not found: install Node.js 20 or later"; exit 1; }
# playwright-core ships no browser and downloads none. npm ci again only when the lock file is
# newer than what it installed (node_modules/.package-lock.json), so a second run costs nothing.
if [ -f e2e/node_modules/.package-lock.json ] && [ e2e/node_modules/.package-lock.json -nt e2e/package-lock.json ] &&
  [ -f e2e/node_modules/playwright-core/package.json ]; then
  say "playwright-core $(sed -n 's/.*"version": *"\([^"]*\)".*/\1/p' e2e/node_modules/playwright-core/package.json | head -n 1) already installed"
else
  (cd e2e && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund)
fi
