#!/usr/bin/env bash
# make bench: load, query and compare mineralmap on synthetic networks of 10k, 100k and 1M
# edges, and write the tables of bench/RESULTS.md (between its "tables" markers).
#
# It starts and stops its own Neo4j (scripts/neo4j.sh with NEO4J_LOCAL_HOME=$BENCH_DIR/neo4j,
# Bolt 37687, HTTP 37474) and its own API on 127.0.0.1:38080, so it runs on a fresh machine
# beside anything else. Everything stays on loopback; every step is bounded in time.
#
#   BENCH_SIZES="10000 100000"   the sizes (edges) to run (default: 10000 100000 1000000 world);
#                                "world" is the world layer, every year (mineralmap import world:
#                                the cached world data, scripts/world.sh fetch), asked about rare
#                                earths to Japan avoiding China, with the offline bulk path too
#   BENCH_SEED=1                 the synthetic network's seed
#   BENCH_CELL=20s               how long each latency cell sends requests
#   BENCH_NAIVE_FOR=60s          the naive loader's time box
#   BENCH_DIR=/tmp/mineralmap-bench   scratch space (documents, Neo4j data, raw results)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

sizes=${BENCH_SIZES:-"10000 100000 1000000 world"}
seed=${BENCH_SEED:-1}
cell=${BENCH_CELL:-20s}
naive_for=${BENCH_NAIVE_FOR:-60s}
work=${BENCH_DIR:-/tmp/mineralmap-bench}
api=127.0.0.1:38080

export NEO4J_LOCAL_HOME=$work/neo4j NEO4J_LOCAL_BOLT_PORT=37687 NEO4J_LOCAL_HTTP_PORT=37474
export NEO4J_LOCAL_HEAP=${NEO4J_LOCAL_HEAP:-6g} NEO4J_LOCAL_PAGECACHE=${NEO4J_LOCAL_PAGECACHE:-2g}
export NEO4J_URI=bolt://127.0.0.1:37687
unset NEO4J_USER NEO4J_PASSWORD NEO4J_DATABASE

say() { printf 'bench: %s\n' "$*" >&2; }
mkdir -p "$work/bin" "$work/results"

say "building"
go build -o "$work/bin/mineralmap" ./cmd/mineralmap
go build -o "$work/bin/mineralmap-synth" ./cmd/mineralmap-synth
for t in naive loadgen graphdump peakrss report; do go build -o "$work/bin/$t" "./bench/$t"; done

venv=$root/.tools/bench-venv
if ! "$venv/bin/python" -c 'import networkx' 2>/dev/null; then
  say "installing networkx from PyPI into $venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q 'networkx>=3.4,<4'
fi

# The Neo4j jars: reuse the repository's download when there is one.
if [ ! -f "$NEO4J_LOCAL_HOME/lib/.complete" ] && [ -f "$root/.neo4j/lib/.complete" ]; then
  mkdir -p "$NEO4J_LOCAL_HOME" && cp -r "$root/.neo4j/lib" "$NEO4J_LOCAL_HOME/"
fi
serve_pid=
stop_all() {
  if [ -n "$serve_pid" ]; then kill "$serve_pid" 2>/dev/null || true; wait "$serve_pid" 2>/dev/null || true; fi
  scripts/neo4j.sh stop >/dev/null 2>&1 || true
}
trap stop_all EXIT

fresh_neo4j() {
  scripts/neo4j.sh stop >/dev/null 2>&1 || true
  rm -rf "$NEO4J_LOCAL_HOME/data"
  scripts/neo4j.sh start 2>&1 | tail -n 1 >&2
}

machine=$work/results/machine.json
{
  printf '{"commit":"%s","dirty":%s,' "$(git rev-parse HEAD)" "$([ -z "$(git status --porcelain -- . ':!bench/RESULTS.md')" ] && echo false || echo true)"
  printf '"cpu":"%s","cores":%s,' "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')" "$(nproc)"
  printf '"mem_kb":%s,' "$(awk '/MemTotal/ {print $2}' /proc/meminfo)"
  printf '"heap":"%s","pagecache":"%s",' "$NEO4J_LOCAL_HEAP" "$NEO4J_LOCAL_PAGECACHE"
  printf '"go":"%s","python":"%s",' "$(go env GOVERSION)" "$("$venv/bin/python" -c 'import sys; print(sys.version.split()[0])')"
  printf '"neo4j":"%s","started":"%s","load_start":"%s"}\n' \
    "$(ls "$NEO4J_LOCAL_HOME"/lib/neo4j-5.*.jar 2>/dev/null | head -n 1 | sed 's/.*neo4j-\(5[0-9.]*\)\.jar/\1/')" \
    "$(date -u +%FT%TZ)" "$(cut -d' ' -f1-3 /proc/loadavg)"
} >"$machine"

for size in $sizes; do
  out=$work/results/$size
  rm -rf "$out" && mkdir -p "$out"
  doc=$work/synth-$size-$seed.json
  pick_args=()
  if [ "$size" = world ]; then
    say "== the world layer, every year =="
    scripts/world.sh fetch
    doc=$work/world.json
    "$work/bin/mineralmap" import world --out "$doc" --report "$out/import-report.json" 2>"$out/import.log"
    python3 - "$out/import-report.json" "$doc" >"$out/synth.json" <<'PY'
import json, os, sys
r = json.load(open(sys.argv[1])); rows = r["rows"]
nodes = rows.get("countries", 0) + rows.get("minerals", 0)
print(json.dumps({"nodes": nodes, "edges": sum(rows.values()) - nodes, "bytes": os.path.getsize(sys.argv[2])}))
PY
    pick_args=(-mineral rare-earths -consumer JP -supplier CN)
  else
    say "== $size edges =="
    if [ ! -s "$doc" ]; then
      "$work/bin/mineralmap-synth" -edges "$size" -seed "$seed" -out "$doc" 2>"$out/synth.json"
    else
      "$work/bin/mineralmap-synth" -edges "$size" -seed "$seed" -out /dev/null 2>"$out/synth.json"
    fi
  fi

  say "naive loader (one row per transaction, at most $naive_for)"
  fresh_neo4j
  timeout 30m "$work/bin/naive" -for "$naive_for" "$doc" >"$out/naive.json"

  if [ "$size" = world ]; then
    # The offline bulk path into an empty database: the CSV files, then neo4j-admin's importer
    # with the server stopped; then the graph's counts, to compare with the online load's.
    say "bulk path (mineralmap bulk-csv, neo4j-admin database import full)"
    scripts/neo4j.sh stop >/dev/null 2>&1 || true
    rm -rf "$NEO4J_LOCAL_HOME/data" "$work/world-csv"
    t0=$(date +%s.%N)
    "$work/bin/mineralmap" bulk-csv --out "$work/world-csv" "$doc" 2>"$out/bulk-csv.log"
    t1=$(date +%s.%N)
    timeout 30m scripts/neo4j.sh import "$work/world-csv" >"$out/bulk-import.log" 2>&1
    t2=$(date +%s.%N)
    scripts/neo4j.sh start 2>&1 | tail -n 1 >&2
    "$work/bin/graphdump" pick "${pick_args[@]}" >"$out/bulk-pick.json"
    python3 -c 'import json,sys; print(json.dumps({"csv_s": float(sys.argv[2])-float(sys.argv[1]), "import_s": float(sys.argv[3])-float(sys.argv[2])}))' "$t0" "$t1" "$t2" >"$out/bulk.json"
  fi

  say "mineralmap load"
  fresh_neo4j
  timeout 30m "$work/bin/peakrss" -o "$out/load.json" -- "$work/bin/mineralmap" load "$doc" 2>"$out/load.log"
  "$work/bin/graphdump" pick "${pick_args[@]}" >"$out/pick.json"
  read -r mineral consumer supplier < <(python3 -c 'import json,sys; q=json.load(open(sys.argv[1])); print(q["mineral"], q["consumer"], q["supplier"])' "$out/pick.json")
  # Queries run on a restarted Neo4j: in the JVM that took the load, the gigabytes of its
  # transaction state are reclaimed by a G1 cycle some time later, and the ~2 s it competes for
  # the 2 cores would land in whichever latency cell is running then (bench/RESULTS.md).
  scripts/neo4j.sh stop >/dev/null 2>&1
  scripts/neo4j.sh start 2>&1 | tail -n 1 >&2

  say "API on $api ($mineral to $consumer, avoiding $supplier)"
  MINERALMAP_ADDR=$api MINERALMAP_API_TOKEN=bench "$work/bin/mineralmap" serve 2>"$out/serve.log" &
  serve_pid=$!
  # The API reads every mineral's network in the background from its start and says ready
  # (/readyz) once it has; the first request after that is the "first request after a start".
  t_start=$(date +%s.%N)
  for _ in $(seq 1 600); do curl -fsS -o /dev/null "http://$api/readyz" 2>/dev/null && break; sleep 0.2; done
  t_ready=$(date +%s.%N)
  base="http://$api/v1"
  cold_s=$(curl -fsS -o "$out/chokepoints-answer.json" -w '%{time_total}' "$base/chokepoints?mineral=$mineral&consumer=$consumer")
  python3 -c 'import json,sys; print(json.dumps({"cold_s": float(sys.argv[1]), "ready_s": float(sys.argv[3])-float(sys.argv[2])}))' \
    "$cold_s" "$t_start" "$t_ready" >"$out/cold.json"
  # The first request after a commit: a one-record load through the API (a country outside
  # every network, so the answers stay those networkx checks; any commit makes every cached
  # network stale), then the first request once the background warm has read the networks
  # again; and, after a second commit, a request sent at once.
  warmed() { grep -c '"networks warmed"' "$out/serve.log" || true; }
  commit() {
    curl -fsS -o /dev/null -H 'Authorization: Bearer bench' -H 'Content-Type: application/json' -X POST "$base/graph" \
      --data "{\"countries\":[{\"id\":\"QB\",\"name\":\"bench commit $1\",\"source\":\"make bench\"}]}"
  }
  before=$(warmed); t0=$(date +%s.%N); commit 1
  for _ in $(seq 1 300); do [ "$(warmed)" -gt "$before" ] && break; sleep 0.1; done
  t1=$(date +%s.%N)
  after_warm=$(curl -fsS -o /dev/null -w '%{time_total}' "$base/chokepoints?mineral=$mineral&consumer=$consumer")
  commit 2
  at_once=$(curl -fsS -o /dev/null -w '%{time_total}' "$base/chokepoints?mineral=$mineral&consumer=$consumer")
  python3 -c 'import json,sys; print(json.dumps({"warm_s": float(sys.argv[2])-float(sys.argv[1]), "after_warm_s": float(sys.argv[3]), "at_once_s": float(sys.argv[4])}))' \
    "$t0" "$t1" "$after_warm" "$at_once" >"$out/commit.json"
  declare -A urls=(
    [paths]="$base/paths?mineral=$mineral&to=$consumer&avoid=$supplier"
    [chokepoints]="$base/chokepoints?mineral=$mineral&consumer=$consumer"
    [exposure]="$base/exposure?consumer=$consumer&supplier=$supplier&mineral=$mineral"
    [outlook]="$base/outlook?mineral=$mineral&consumer=$consumer&avoid=$supplier&from=2015&to=2032"
    [demand]="$base/minerals/$mineral/demand"
  )
  endpoints="paths chokepoints exposure outlook demand"
  if [ "$size" = world ]; then
    # The world layer has groups (fixtures/world/groups.csv): the ministerial group as one buyer.
    urls[group-chokepoints]="$base/chokepoints?mineral=$mineral&consumer=group:ministerial-2026"
    urls[group-outlook]="$base/outlook?mineral=$mineral&consumer=group:ministerial-2026&avoid=$supplier&from=2015&to=2032"
    urls[demand]="$base/minerals/$mineral/demand?group=ministerial-2026"
    endpoints="$endpoints group-chokepoints group-outlook"
  fi
  for endpoint in $endpoints; do
    for clients in 1 50; do
      say "  $endpoint, $clients client(s), $cell"
      timeout 5m "$work/bin/loadgen" -url "${urls[$endpoint]}" -clients "$clients" -duration "$cell" \
        >"$out/latency-$endpoint-$clients.json"
    done
  done
  python3 -c 'import json,sys; f=dict(l.split(":",1) for l in open(sys.argv[1])); print(json.dumps({k: int(f[k].split()[0]) for k in ("VmHWM","VmRSS")}))' \
    "/proc/$serve_pid/status" >"$out/serve-rss.json"
  kill "$serve_pid"; wait "$serve_pid" 2>/dev/null || true; serve_pid=

  say "networkx reference"
  "$work/bin/graphdump" network -mineral "$mineral" -consumer "$consumer" >"$work/network-$size.json"
  timeout 30m "$venv/bin/python" bench/networkx_chokepoints.py "$work/network-$size.json" \
    "$out/chokepoints-answer.json" --budget 1200 >"$out/networkx.json"
done
scripts/neo4j.sh stop >/dev/null 2>&1 || true
python3 - "$machine" <<'EOF'
import json, sys
m = json.load(open(sys.argv[1])); m["load_end"] = open("/proc/loadavg").read().split()[:3]
m["load_end"] = " ".join(m["load_end"]); json.dump(m, open(sys.argv[1], "w"))
EOF
"$work/bin/report" -results "$work/results" -sizes "$sizes" -md bench/RESULTS.md
say "wrote bench/RESULTS.md"
