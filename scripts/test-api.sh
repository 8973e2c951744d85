# Sourced by the scripts that test a live API (schemathesis.sh, pyclient.sh): start_api builds
# the binary, loads fixtures/*.json into Neo4j ($NEO4J_URI, else bolt://127.0.0.1:7687, started
# with scripts/neo4j.sh when nothing answers there) and serves the API with a fresh API token on
# a free loopback port (PORT if set), logging to $out/api.log. It sets base, token, work and
# api_pid; stop_api (installed as the EXIT trap) stops the API and removes work.

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

stop_api() {
  if [ -n "${api_pid:-}" ] && kill -0 "$api_pid" 2>/dev/null; then
    kill -TERM "$api_pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$api_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$api_pid" 2>/dev/null || true
  fi
  rm -rf "${work:-}"
}

# start_api OUT [PORT]
start_api() {
  out=$1
  if [ -z "${NEO4J_URI:-}" ]; then
    export NEO4J_URI=bolt://127.0.0.1:7687
    port_open 7687 || scripts/neo4j.sh start
  fi
  work=$(mktemp -d)
  api_pid=
  trap stop_api EXIT
  go build -o "$work/mineralmap" ./cmd/mineralmap
  "$work/mineralmap" load fixtures/*.json >"$out/load.log" 2>&1 || { cat "$out/load.log" >&2; say "loading the fixtures into $NEO4J_URI failed"; exit 1; }
  local port=${2:-$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}
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
}
