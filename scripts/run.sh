#!/usr/bin/env bash
# make run: reach a Neo4j (NEO4J_URI, a server already on 127.0.0.1:7687, docker compose when a
# Docker engine answers, else the Maven-started local server), load the fixtures, serve the API.
set -euo pipefail
cd "$(dirname "$0")/.."

docker_answers() { command -v docker >/dev/null && timeout 5 docker info >/dev/null 2>&1; }
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

if [ -z "${NEO4J_URI:-}" ]; then
  if port_open 7687; then
    echo "run: using the Neo4j that answers on 127.0.0.1:7687"
  elif docker_answers; then
    echo "run: Docker engine found; starting neo4j with docker compose"
    docker compose up -d --wait neo4j
  else
    scripts/neo4j.sh start
  fi
  export NEO4J_URI=bolt://127.0.0.1:7687
fi

go build -o bin/mineralmap ./cmd/mineralmap
echo "run: loading fixtures/*.json"
bin/mineralmap load fixtures/*.json

# The world layer (national production statistics and customs trade, DATA.md), after the curated
# layer. Where the curated layer has national totals (the published USGS figures of 2024 for its
# minerals) they stand, with their XX residual, and the import's report lists where World Mining
# Data differs; MINERALMAP_WORLD_TOTALS=replace lets World Mining Data replace them instead (and
# zero the residuals: CONTRACT section 5, the total loaded last stands). MINERALMAP_WORLD=off
# skips the layer; MINERALMAP_WORLD_YEARS (FROM-TO) widens it (default: the latest ten years).
if [ "${MINERALMAP_WORLD:-on}" = off ]; then
  echo "run: MINERALMAP_WORLD=off: the world layer is not loaded (one loaded before stays in the database until DELETE /v1/graph)"
elif ! scripts/world.sh fetch; then
  echo "run: the world data could not be had (see above): serving the curated layer only, without the world layer"
else
  world_args=(--last 10)
  [ -n "${MINERALMAP_WORLD_YEARS:-}" ] && world_args=(--years "$MINERALMAP_WORLD_YEARS")
  [ "${MINERALMAP_WORLD_TOTALS:-keep}" = replace ] || world_args+=(--keep-curated-totals)
  echo "run: loading the world layer (${MINERALMAP_WORLD_YEARS:-latest ten years}); its report: .data/world-report.json"
  world_start=$SECONDS
  set +e
  bin/mineralmap import world "${world_args[@]}" --load --report .data/world-report.json 2>&1 | grep -v '^[0-9]\{6\} '
  world_status=${PIPESTATUS[0]}
  set -e
  if [ "$world_status" -eq 0 ] && [ -z "${MINERALMAP_WORLD_YEARS:-}" ]; then
    # Rare earths from 2005 too, for the years around China's 2010 embargo on Japan (the guide's
    # slide "Japan after the 2010 embargo").
    bin/mineralmap import world --years 2005-2014 --minerals rare-earths --keep-curated-totals --load 2>&1 | grep -E 'rows/s|written' | tail -n 2 || world_status=1
  fi
  if [ "$world_status" -eq 0 ]; then
    echo "run: world layer loaded in $((SECONDS - world_start)) s (the HS codes and factors: .data/world-report.json)"
  else
    echo "run: the world layer did not load (see above): serving the curated layer only"
  fi
fi

if [ -z "${MINERALMAP_API_TOKEN:-}" ]; then
  MINERALMAP_API_TOKEN=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
  export MINERALMAP_API_TOKEN
  echo "run: no MINERALMAP_API_TOKEN set; writes for this run need: Authorization: Bearer $MINERALMAP_API_TOKEN"
fi
export MINERALMAP_ADDR=${MINERALMAP_ADDR:-127.0.0.1:8080}
cat <<MSG
run: API          http://$MINERALMAP_ADDR/v1/  (try: curl -s 'http://$MINERALMAP_ADDR/v1/paths?mineral=rare-earths&to=JP&avoid=CN')
run: Neo4j Browser ${MINERALMAP_BROWSER_URL:-http://127.0.0.1:7474/browser/}  (connect to bolt://127.0.0.1:7687, no authentication)
run: stop with Ctrl-C; stop the local Neo4j with: scripts/neo4j.sh stop
MSG
exec bin/mineralmap serve
