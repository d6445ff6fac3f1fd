#!/usr/bin/env bash
# FerretDB (MongoDB wire protocol) on its SQLite backend, for the Mongo-compatible engine. No Docker.
#
#   ops/engines/ferretdb.sh install   build the server (once per source change) into the cache
#   ops/engines/ferretdb.sh start     install if needed, then start it in the background (the default)
#   ops/engines/ferretdb.sh stop      SIGTERM, wait up to 10 s, then SIGKILL
#   ops/engines/ferretdb.sh status    exit 0 when it answers ping, 3 when not running, 1 when unhealthy
#
# `go install github.com/FerretDB/FerretDB/cmd/ferretdb` panics at start (its version file is
# generated and not in the module), so ops/engines/ferretdb/ is a small Go program embedding the
# package github.com/FerretDB/FerretDB/ferretdb (version pinned in ops/engines/ferretdb/go.mod).
# `install` builds it with the machine's Go (modules from the Go module proxy, CGO off: the SQLite
# driver is pure Go) into ${NEXUS_FERRETDB_CACHE:-~/.cache/nexus/ferretdb}/<version>/ferretdb,
# and rebuilds only when main.go, go.mod or go.sum change. The first build takes about a minute.
#
# `start` listens on 127.0.0.1:${NEXUS_FERRETDB_PORT:-27018} only, keeps one SQLite file per
# database in ${NEXUS_FERRETDB_DIR:-${TMPDIR:-/tmp}/nexus-ferretdb/<port>}/data (kept across
# stop/start; remove the folder to start empty), logs to ferretdb.log beside it, waits until the
# port accepts and a MongoDB ping answers, then prints on stdout, alone:
#   NEXUS_MONGO_URL=mongodb://127.0.0.1:<port>/
# so `eval "$(ops/engines/ferretdb.sh start)"` sets it. Everything else goes to stderr.
# Idempotent: when the server it started (or anything else speaking MongoDB) already answers
# on that port, it prints the URL and does nothing. NEXUS_FERRETDB_LOG_LEVEL: debug, info
# (every connection), warn (failed commands; the default) or error.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
src="$here/ferretdb"
port="${NEXUS_FERRETDB_PORT:-27018}"
dir="${NEXUS_FERRETDB_DIR:-${TMPDIR:-/tmp}/nexus-ferretdb/${port}}"
cache="${NEXUS_FERRETDB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/nexus/ferretdb}"
log_level="${NEXUS_FERRETDB_LOG_LEVEL:-warn}"
start_timeout="${NEXUS_FERRETDB_START_TIMEOUT:-20}"
url="mongodb://127.0.0.1:${port}/"
pidfile="$dir/ferretdb.pid"
logfile="$dir/ferretdb.log"

version="$(sed -n 's#^[[:space:]]*\(require[[:space:]]*\)\{0,1\}github.com/FerretDB/FerretDB[[:space:]]\{1,\}\(v[^[:space:]]*\).*#\2#p' "$src/go.mod" | head -n1)"
[ -n "$version" ] || { echo "cannot read the FerretDB version from $src/go.mod" >&2; exit 1; }
bin="$cache/$version/ferretdb"

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

source_hash() { cat "$src/main.go" "$src/go.mod" "$src/go.sum" | sha256sum | cut -d' ' -f1; }

install() {
  local want; want="$(source_hash)"
  if [ -x "$bin" ] && [ "$(cat "$bin.source-sha256" 2>/dev/null)" = "$want" ]; then
    say "ferretdb $version already built: $bin"
    return 0
  fi
  if ! command -v go >/dev/null 2>&1; then
    echo "go is not on PATH: install Go >= 1.24 (FerretDB $version needs it) and run again" >&2
    exit 1
  fi
  say "building ferretdb $version with $(go version | cut -d' ' -f3) (first build: about a minute)"
  local t0 tmp; t0="$(now)"
  mkdir -p "$cache/$version"
  tmp="$(mktemp "$cache/$version/ferretdb.build.XXXXXX")"
  # -mod=readonly: go.sum is committed; the build never rewrites files in the repo.
  if ! (cd "$src" && CGO_ENABLED=0 GOFLAGS=-mod=readonly \
        go build -buildvcs=false -trimpath -ldflags='-s -w' -o "$tmp" .); then
    rm -f "$tmp"
    echo "building ferretdb failed (see the Go output above)" >&2
    exit 1
  fi
  mv -f "$tmp" "$bin"
  echo "$want" > "$bin.source-sha256"
  say "built $bin in $(since "$t0") s"
}

pings() { [ -x "$bin" ] && "$bin" ping -uri "$url" -timeout "${1:-2s}" >/dev/null 2>&1; }

# Pid from the pid file when that process is alive and is our server (not a recycled pid).
our_pid() {
  local pid
  pid="$(cat "$pidfile" 2>/dev/null)" || return 1
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
  tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -q "ferretdb serve -listen 127.0.0.1:$port " || return 1
  echo "$pid"
}

start() {
  local pid
  if pid="$(our_pid)" && pings; then
    say "ferretdb already running on 127.0.0.1:${port} (pid $pid, data $dir/data, log $logfile)"
    echo "NEXUS_MONGO_URL=$url"; return 0
  fi
  install
  if port_open "$port"; then
    if pings; then
      say "something already answers MongoDB ping on 127.0.0.1:${port} (not started by this script: no live pid in $pidfile); using it"
      echo "NEXUS_MONGO_URL=$url"; return 0
    fi
    echo "127.0.0.1:${port} is taken by something that does not answer a MongoDB ping; set NEXUS_FERRETDB_PORT" >&2
    exit 1
  fi

  mkdir -p "$dir/data"
  local t0; t0="$(now)"
  nohup "$bin" serve -listen "127.0.0.1:$port" -data "$dir/data" -log-level "$log_level" \
    >>"$logfile" 2>&1 </dev/null &
  pid=$!
  echo "$pid" > "$pidfile"

  local deadline; deadline=$(( $(date +%s) + start_timeout ))
  while [ "$(date +%s)" -lt "$deadline" ]; do
    if ! kill -0 "$pid" 2>/dev/null; then
      rm -f "$pidfile"
      echo "ferretdb exited during start; last lines of $logfile:" >&2
      tail -n 20 "$logfile" >&2
      exit 1
    fi
    if port_open "$port" && pings 1s; then
      say "ferretdb $version (sqlite) answers on 127.0.0.1:${port} after $(since "$t0") s (pid $pid, data $dir/data, log $logfile)"
      echo "NEXUS_MONGO_URL=$url"; return 0
    fi
    sleep 0.1
  done
  echo "ferretdb did not answer a ping on 127.0.0.1:${port} within ${start_timeout} s; see $logfile (pid $pid left running: ops/engines/ferretdb.sh stop)" >&2
  exit 1
}

stop() {
  local pid
  if ! pid="$(our_pid)"; then
    rm -f "$pidfile"
    if port_open "$port"; then
      say "ferretdb from this script is not running, but something listens on 127.0.0.1:${port} (left alone)"
    else
      say "ferretdb is not running on 127.0.0.1:${port}"
    fi
    return 0
  fi
  if terminate "$pid" ferretdb 10; then say "ferretdb stopped (pid $pid; data kept in $dir/data)"; else say "ferretdb killed (pid $pid)"; fi
  rm -f "$pidfile"
}

status() {
  local pid
  if pid="$(our_pid)"; then
    if pings; then
      say "ferretdb $version running on 127.0.0.1:${port} (pid $pid, data $dir/data, log $logfile); ping ok"
      echo "NEXUS_MONGO_URL=$url"; return 0
    fi
    say "ferretdb process $pid is alive but does not answer a ping on 127.0.0.1:${port}; see $logfile"
    return 1
  fi
  if port_open "$port"; then
    if pings; then
      say "not started by this script, but something answers MongoDB ping on 127.0.0.1:${port}"
      echo "NEXUS_MONGO_URL=$url"; return 0
    fi
    say "ferretdb is not running; something else listens on 127.0.0.1:${port}"
    return 1
  fi
  say "ferretdb is not running on 127.0.0.1:${port}"
  return 3
}

case "${1:-start}" in
  install) install ;;
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) echo "usage: $0 [install|start|stop|status]" >&2; exit 2 ;;
esac
