# Shared by the engine scripts (sourced, not run): messages to stderr, loopback port checks,
# and a graceful stop — SIGTERM, wait, then SIGKILL — so each script keeps only its engine's specifics.

say() { echo "== $*" >&2; }

# port_open PORT: something accepts TCP connections on 127.0.0.1:PORT.
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# terminate PID NAME GRACE_SECONDS: SIGTERM, wait up to GRACE_SECONDS, then SIGKILL and wait
# up to 5 s more. Returns 0 when it stopped on SIGTERM, 1 when it had to be killed.
terminate() {
  local pid="$1" name="$2" grace="$3"
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 $((grace * 10))); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  say "${name} (pid ${pid}) did not stop within ${grace} s of SIGTERM: SIGKILL"
  kill -KILL "$pid" 2>/dev/null || true
  for _ in $(seq 1 50); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  return 1
}
