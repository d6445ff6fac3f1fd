#!/usr/bin/env bash
# Redis for the counters engine (rate limits, budget reservations, idempotency results).
#
#   ops/engines/redis.sh                 install redis-server if missing, then start it
#   ops/engines/redis.sh --install-only  install only (CI: the contract suite starts its own)
#
# Installs the Debian/Ubuntu package with apt-get (after apt-get update) when redis-server
# is not on PATH, then starts it daemonized on 127.0.0.1:${REDIS_PORT:-6379} without
# persistence. Idempotent: when something on that port already answers PING, it does nothing.
# Without persistence a restart loses the counters: rate windows and leases refill, and
# budgets report periodKey null until the gateway reseeds them from the event store
# (Counters.budgets.resetSpent). Logs and the pid file go to ${REDIS_DIR:-/tmp/nexus-redis-<port>}.
set -euo pipefail

port="${REDIS_PORT:-6379}"
dir="${REDIS_DIR:-/tmp/nexus-redis-${port}}"
install_only=false
case "${1:-}" in
  --install-only) install_only=true ;;
  "") ;;
  *) echo "usage: $0 [--install-only]" >&2; exit 2 ;;
esac

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo "$@"
  else echo "need root (or sudo) to run: $*" >&2; exit 1
  fi
}

if ! command -v redis-server >/dev/null 2>&1; then
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "redis-server is missing and apt-get is not available: install Redis ≥ 6 yourself" >&2
    exit 1
  fi
  echo "== installing redis-server with apt-get"
  as_root apt-get update
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends redis-server
  # The package may start a system service on 6379; the service is the operator's to keep or stop.
fi
echo "== $(redis-server --version)"
if [ "$install_only" = true ]; then exit 0; fi

if redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null | grep -q PONG; then
  echo "== redis already answers on 127.0.0.1:${port}"
  exit 0
fi

mkdir -p "$dir"
redis-server --port "$port" --bind 127.0.0.1 --daemonize yes \
  --save '' --appendonly no \
  --dir "$dir" --pidfile "$dir/redis.pid" --logfile "$dir/redis.log"

for _ in $(seq 1 50); do
  if redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null | grep -q PONG; then
    echo "== redis answers on 127.0.0.1:${port} (pid $(cat "$dir/redis.pid"), log $dir/redis.log)"
    exit 0
  fi
  sleep 0.1
done
echo "redis-server did not answer on 127.0.0.1:${port} within 5 s; see $dir/redis.log" >&2
exit 1
