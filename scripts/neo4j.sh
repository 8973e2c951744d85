#!/usr/bin/env bash
# Local Neo4j 5.26 Community from Maven Central, for machines without a Docker engine.
#
#   scripts/neo4j.sh fetch    fetch the jars into $NEO4J_LOCAL_HOME/lib (cached)
#   scripts/neo4j.sh start    fetch if needed, write the config, start in the background, wait for Bolt
#   scripts/neo4j.sh stop     stop the server started by start (by its pid)
#   scripts/neo4j.sh status   say whether it runs
#   scripts/neo4j.sh ensure   start unless a Neo4j already answers on NEO4J_URI / 127.0.0.1:7687
#   scripts/neo4j.sh log      print where the log is
#   scripts/neo4j.sh import DIR   the offline bulk path: replace the database "neo4j" by the CSV
#                             files in DIR (written by mineralmap bulk-csv) with Neo4j's own importer
#                             (neo4j-admin database import full); the server must be stopped
#
# Everything lives in $NEO4J_LOCAL_HOME (default .neo4j/ in the repository, git-ignored):
# lib/ (jars), conf/neo4j.conf, data/, logs/neo4j.log (the server's console output), run/neo4j.pid.
# Auth: off by default (the server listens on loopback only). With NEO4J_LOCAL_AUTH=on the initial
# password is set to NEO4J_PASSWORD before the first start.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
home=${NEO4J_LOCAL_HOME:-$root/.neo4j}
bolt_port=${NEO4J_LOCAL_BOLT_PORT:-7687}
http_port=${NEO4J_LOCAL_HTTP_PORT:-7474}
heap=${NEO4J_LOCAL_HEAP:-6g}
pagecache=${NEO4J_LOCAL_PAGECACHE:-2g}
tx_timeout=${NEO4J_LOCAL_TX_TIMEOUT:-15m}
api_url=${MINERALMAP_PUBLIC_URL:-http://127.0.0.1:8080}
pidfile=$home/run/neo4j.pid
logfile=$home/logs/neo4j.log

say() { printf 'neo4j.sh: %s\n' "$*" >&2; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

running_pid() {
  [ -f "$pidfile" ] || return 1
  local pid
  pid=$(cat "$pidfile")
  kill -0 "$pid" 2>/dev/null && echo "$pid"
}

fetch() {
  if [ -f "$home/lib/.complete" ]; then return 0; fi
  say "fetching Neo4j jars from Maven Central (scripts/neo4j/pom.xml) into $home/lib"
  mkdir -p "$home/lib"
  (cd "$root/scripts/neo4j" && mvn -q -B dependency:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="$home/lib")
  ls "$home/lib"/neo4j-5.26.*.jar >/dev/null
  ls "$home/lib"/neo4j-browser-*.jar >/dev/null
  touch "$home/lib/.complete"
}

write_conf() {
  mkdir -p "$home/conf" "$home/data" "$home/logs" "$home/run" "$home/import" "$home/plugins"
  local auth=false
  [ "${NEO4J_LOCAL_AUTH:-off}" = on ] && auth=true
  cat >"$home/conf/neo4j.conf" <<EOF
# Written by scripts/neo4j.sh; edits are overwritten at the next start.
server.default_listen_address=127.0.0.1
server.default_advertised_address=127.0.0.1
server.bolt.enabled=true
server.bolt.listen_address=127.0.0.1:$bolt_port
server.bolt.advertised_address=127.0.0.1:$bolt_port
server.http.enabled=true
server.http.listen_address=127.0.0.1:$http_port
server.http.advertised_address=127.0.0.1:$http_port
server.https.enabled=false
dbms.security.auth_enabled=$auth
server.directories.data=$home/data
server.directories.logs=$home/logs
server.directories.run=$home/run
server.directories.import=$home/import
server.directories.plugins=$home/plugins
server.directories.lib=$home/lib
server.logs.config=$home/conf/server-logs.xml
server.logs.user.config=$home/conf/user-logs.xml
# Sized for a 2-core / 24 GiB machine (README, "Sizing"): a load is one transaction, held in the heap
# until it commits (a 1.1M-row document peaked at 3.9 GB); the stores of a 1M-edge graph take 230 MB
# of page cache. Both grow only as used.
server.memory.heap.initial_size=1g
server.memory.heap.max_size=$heap
server.memory.pagecache.size=$pagecache
db.memory.transaction.total.max=0
dbms.usage_report.enabled=false
db.transaction.timeout=$tx_timeout
# Neo4j Browser: on connect, apply the mineralmap stylesheet and open its guide, both served by
# the API (commands separated by ';'); allow the API as a content host.
browser.post_connect_cmd=style $api_url/browser/style.grass; play $api_url/browser/guide
browser.remote_content_hostname_whitelist=*
EOF
  # log4j2 configs: everything to the console (the launcher redirects it to logs/neo4j.log) and
  # the debug log to a file, as the distribution does.
  cat >"$home/conf/user-logs.xml" <<'EOF'
<?xml version="1.0" encoding="UTF-8"?>
<Configuration status="ERROR">
  <Appenders>
    <Console name="ConsoleAppender" target="SYSTEM_OUT">
      <PatternLayout pattern="%d{yyyy-MM-dd HH:mm:ss.SSSZ}{GMT+0} %-5p %m%n"/>
    </Console>
  </Appenders>
  <Loggers>
    <Root level="INFO"><AppenderRef ref="ConsoleAppender"/></Root>
  </Loggers>
</Configuration>
EOF
  cat >"$home/conf/server-logs.xml" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<Configuration status="ERROR">
  <Appenders>
    <RollingRandomAccessFile name="DebugLog" fileName="$home/logs/debug.log"
        filePattern="$home/logs/debug.log.%02i">
      <PatternLayout pattern="%d{yyyy-MM-dd HH:mm:ss.SSSZ}{GMT+0} %-5p [%c{1.}] %m%n"/>
      <Policies><SizeBasedTriggeringPolicy size="20 MB"/></Policies>
      <DefaultRolloverStrategy fileIndex="min" max="3"/>
    </RollingRandomAccessFile>
  </Appenders>
  <Loggers>
    <Root level="INFO"><AppenderRef ref="DebugLog"/></Root>
  </Loggers>
</Configuration>
EOF
}

# The official launcher's JVM flags for 5.26 (server.jvm.additional in the stock neo4j.conf).
jvm_flags=(
  --add-opens=java.base/java.nio=ALL-UNNAMED
  --add-opens=java.base/java.io=ALL-UNNAMED
  --add-opens=java.base/sun.nio.ch=ALL-UNNAMED
  --enable-native-access=ALL-UNNAMED
  -XX:+UseG1GC -XX:-OmitStackTraceInFastThrow
  -XX:+UnlockExperimentalVMOptions -XX:+TrustFinalNonStaticFields -XX:+DisableExplicitGC
  -Djdk.nio.maxCachedBufferSize=1024 -Dio.netty.tryReflectionSetAccessible=true
  -Dlog4j2.disable.jmx=true -Dfile.encoding=UTF-8
)

set_initial_password() {
  [ "${NEO4J_LOCAL_AUTH:-off}" = on ] || return 0
  [ -f "$home/data/dbms/auth.ini" ] && return 0
  : "${NEO4J_PASSWORD:?NEO4J_LOCAL_AUTH=on needs NEO4J_PASSWORD (at least 8 characters)}"
  NEO4J_HOME=$home NEO4J_CONF=$home/conf java -cp "$home/lib/*" "${jvm_flags[@]}" \
    org.neo4j.cli.AdminTool dbms set-initial-password "$NEO4J_PASSWORD" >>"$logfile" 2>&1
}

start() {
  local pid
  if pid=$(running_pid); then
    say "already running (pid $pid); Bolt bolt://127.0.0.1:$bolt_port, log $logfile"
    return 0
  fi
  if port_open "$bolt_port"; then
    say "something already listens on 127.0.0.1:$bolt_port; using it"
    return 0
  fi
  command -v java >/dev/null || { say "java not found: install OpenJDK 17 or 21"; exit 1; }
  fetch
  write_conf
  set_initial_password
  say "starting Neo4j (log: $logfile)"
  local started=$SECONDS
  NEO4J_HOME=$home NEO4J_CONF=$home/conf nohup java -cp "$home/plugins/*:$home/conf/*:$home/lib/*" \
    -Xms1g -Xmx"$heap" "${jvm_flags[@]}" \
    org.neo4j.server.CommunityEntryPoint --home-dir="$home" --config-dir="$home/conf" \
    >>"$logfile" 2>&1 </dev/null &
  pid=$!
  echo "$pid" >"$pidfile"
  local deadline=$((SECONDS + ${NEO4J_LOCAL_START_TIMEOUT:-180}))
  until port_open "$bolt_port" && curl -fsS -o /dev/null "http://127.0.0.1:$http_port/"; do
    if ! kill -0 "$pid" 2>/dev/null; then
      say "Neo4j exited during start; last lines of $logfile:"
      tail -n 30 "$logfile" >&2
      rm -f "$pidfile"
      exit 1
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      say "Neo4j did not answer on Bolt within the timeout; see $logfile"
      exit 1
    fi
    sleep 1
  done
  say "Neo4j ready in $((SECONDS - started))s (pid $pid): bolt://127.0.0.1:$bolt_port, Browser http://127.0.0.1:$http_port/browser/"
}

stop() {
  local pid
  if ! pid=$(running_pid); then
    say "not running"
    rm -f "$pidfile"
    return 0
  fi
  kill "$pid"
  for _ in $(seq 1 60); do
    kill -0 "$pid" 2>/dev/null || { rm -f "$pidfile"; say "stopped (pid $pid)"; return 0; }
    sleep 1
  done
  say "pid $pid did not stop in 60s; killing it"
  kill -9 "$pid" 2>/dev/null || true
  rm -f "$pidfile"
}

status() {
  local pid
  if pid=$(running_pid); then say "running (pid $pid)"; return 0; fi
  if port_open "$bolt_port"; then say "a Neo4j not started by this script answers on $bolt_port"; return 0; fi
  say "not running"
  return 1
}

# bulk_import: neo4j-admin database import full, from the same jars (AdminTool), into the database
# "neo4j" of this home; the options are DIR/import.args (mineralmap bulk-csv). The importer needs
# NEO4J_HOME and NEO4J_CONF, and the database name before the options.
bulk_import() {
  local dir=${1:?usage: scripts/neo4j.sh import DIR}
  local pid
  if pid=$(running_pid); then say "Neo4j runs (pid $pid): stop it first (scripts/neo4j.sh stop)"; exit 1; fi
  [ -f "$dir/import.args" ] || { say "$dir/import.args missing: write it with mineralmap bulk-csv --out $dir"; exit 1; }
  fetch
  write_conf
  local args=()
  while IFS= read -r line; do [ -n "$line" ] && args+=("$line"); done <"$dir/import.args"
  say "importing $dir into the database neo4j of $home (neo4j-admin database import full)"
  (cd "$dir" && NEO4J_HOME=$home NEO4J_CONF=$home/conf java -cp "$home/lib/*" -Xmx"${NEO4J_LOCAL_IMPORT_HEAP:-2g}" "${jvm_flags[@]}" \
    org.neo4j.cli.AdminTool database import full neo4j --overwrite-destination=true "${args[@]}" \
    --report-file="$home/logs/import.report")
}

# ensure: reuse NEO4J_URI or a server already on the Bolt port; else start the local one, unless a
# Docker engine answers and the caller prefers compose (make run handles that case itself).
ensure() {
  if [ -n "${NEO4J_URI:-}" ]; then say "NEO4J_URI is set ($NEO4J_URI); not starting a local server"; return 0; fi
  start
}

case "${1:-}" in
  fetch) fetch ;;
  start) start ;;
  stop) stop ;;
  status) status ;;
  ensure) ensure ;;
  log) echo "$logfile" ;;
  import) bulk_import "${2:-}" ;;
  *) echo "usage: $0 fetch|start|stop|status|ensure|log|import DIR" >&2; exit 2 ;;
esac
