#!/usr/bin/env bash
# Elasticsearch, single node on loopback, without Docker (search / vector engine tests).
#
#   ops/engines/elasticsearch.sh install   fetch and unpack the distribution only (CI warm-up)
#   ops/engines/elasticsearch.sh start     install if missing, then start; idempotent
#   ops/engines/elasticsearch.sh stop      SIGTERM, wait up to 30 s, then SIGKILL; idempotent
#   ops/engines/elasticsearch.sh status    exit 0 and say so when it answers, 3 when not
#   (--install-only is an alias of install, as in redis.sh; no argument means start)
#
# The distribution is the runnable integ-test zip from Maven Central,
# org.elasticsearch.distribution.integ-test-zip:elasticsearch:<version>:zip, fetched with
# `mvn dependency:copy` (maven-dependency-plugin 3.6.1) and unzipped once into
#   ${NEXUS_ELASTICSEARCH_CACHE}/<version>/elasticsearch-<version>
# (default ~/.cache/nexus/elasticsearch, or /var/cache/nexus/elasticsearch when run as root,
# because /root is not readable by the unprivileged user Elasticsearch must run as).
# That zip has no bundled JDK and fewer modules than the release tarball (no painless,
# reindex, analysis-common, ML...): the core query DSL, the standard analyzer, keyword /
# text / dense_vector fields, _bulk and kNN search are there.
#
# Settings (environment):
#   NEXUS_ELASTICSEARCH_VERSION  default 8.19.21 (8.x runs on Java 17; 9.x needs Java 21+).
#                                9.1.0 also works (checked with Temurin 25), but Central lists
#                                no 9.x in maven-metadata.xml and serves 9.1.0's zip without
#                                a POM or checksums, so Maven cannot verify that download.
#   NEXUS_ELASTICSEARCH_PORT     HTTP port, default 19200 (transport: a free port in 9300-9400)
#   NEXUS_ELASTICSEARCH_DIR      config, data, logs, pid; default ${TMPDIR:-/tmp}/nexus-elasticsearch/<port>
#   NEXUS_ELASTICSEARCH_HEAP     default 512m (-Xms = -Xmx)
#   NEXUS_ELASTICSEARCH_USER     user to run as when this script runs as root, default nexus-es
#                                (created with useradd if missing: Elasticsearch refuses root)
#   ES_JAVA_HOME                 default: the JDK of `java` on PATH for 8.x,
#                                /usr/lib/jvm/temurin-25-jdk-amd64 for 9.x
#
# `stop` keeps the data dir, so indices survive a restart; remove the dir for a clean node.
# Security (x-pack) is disabled: plain HTTP, no users. Nothing listens beyond 127.0.0.1.
# With discovery.type single-node the production bootstrap checks (vm.max_map_count ≥ 262144,
# file descriptors...) are only logged as warnings, so no sysctl is needed.
# Readiness is GET /_cluster/health?wait_for_status=yellow answering 200. On success `start`
# prints NEXUS_ELASTICSEARCH_URL=http://127.0.0.1:<port> on stdout (everything else on stderr).
set -euo pipefail

version="${NEXUS_ELASTICSEARCH_VERSION:-8.19.21}"
port="${NEXUS_ELASTICSEARCH_PORT:-19200}"
dir="${NEXUS_ELASTICSEARCH_DIR:-${TMPDIR:-/tmp}/nexus-elasticsearch/${port}}"
heap="${NEXUS_ELASTICSEARCH_HEAP:-512m}"
es_user="${NEXUS_ELASTICSEARCH_USER:-nexus-es}"
start_timeout="${NEXUS_ELASTICSEARCH_START_TIMEOUT:-120}"
if [ "$(id -u)" -eq 0 ]; then
  cache="${NEXUS_ELASTICSEARCH_CACHE:-/var/cache/nexus/elasticsearch}"
else
  cache="${NEXUS_ELASTICSEARCH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/nexus/elasticsearch}"
fi
home="${cache}/${version}/elasticsearch-${version}"
url="http://127.0.0.1:${port}"
pidfile="${dir}/elasticsearch.pid"
log="${dir}/logs/nexus-es.log"

cmd="${1:-start}"
case "$cmd" in
  install|--install-only) cmd=install ;;
  start|stop|status) ;;
  *) echo "usage: $0 [install|start|stop|status]  (--install-only = install)" >&2; exit 2 ;;
esac

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
die() { echo "elasticsearch.sh: $*" >&2; exit 1; }

es_java_home() {
  if [ -n "${ES_JAVA_HOME:-}" ]; then echo "$ES_JAVA_HOME"; return; fi
  case "$version" in
    [0-8].*)
      if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; then echo "$JAVA_HOME"; return; fi
      command -v java >/dev/null 2>&1 || die "no java on PATH: set ES_JAVA_HOME to a JDK ≥ 17"
      local j; j="$(readlink -f "$(command -v java)")"; echo "${j%/bin/java}" ;;
    *) echo "/usr/lib/jvm/temurin-25-jdk-amd64" ;;
  esac
}

# Who runs the server: the current user, or $es_user when we are root.
run_as() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u "$es_user" -- "$@"; else "$@"; fi
}

ensure_user() {
  [ "$(id -u)" -eq 0 ] || return 0
  if ! id -u "$es_user" >/dev/null 2>&1; then
    say "creating system user ${es_user} (Elasticsearch refuses to run as root)"
    useradd --system --user-group --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin "$es_user"
  fi
}

install() {
  if [ -x "$home/bin/elasticsearch" ]; then
    say "elasticsearch ${version} already unpacked in ${home}"
    return 0
  fi
  command -v mvn >/dev/null 2>&1 || die "mvn is missing: install Maven to fetch the distribution"
  command -v unzip >/dev/null 2>&1 || die "unzip is missing (apt-get install unzip)"
  local dl="${cache}/${version}"
  mkdir -p "$dl"
  local zip="${dl}/elasticsearch-${version}.zip"
  if [ ! -s "$zip" ]; then
    say "fetching org.elasticsearch.distribution.integ-test-zip:elasticsearch:${version}:zip with Maven"
    mvn -B -Dstyle.color=never org.apache.maven.plugins:maven-dependency-plugin:3.6.1:copy \
      -Dartifact="org.elasticsearch.distribution.integ-test-zip:elasticsearch:${version}:zip" \
      -DoutputDirectory="$dl" -Dmdep.overWriteReleases=true >"$dl/mvn.log" 2>&1 || {
      tail -n 30 "$dl/mvn.log" >&2
      die "Maven could not fetch elasticsearch ${version} (is Maven Central reachable? log: $dl/mvn.log)"
    }
  fi
  say "unpacking $(basename "$zip")"
  rm -rf "${home}.partial"
  mkdir -p "${home}.partial"
  unzip -q "$zip" -d "${home}.partial"
  # The zip holds one top folder, elasticsearch-<version>.
  mv "${home}.partial/elasticsearch-${version}" "$home"
  rmdir "${home}.partial"
  rm -f "$zip"  # Maven keeps its own copy in ~/.m2
  chmod -R a+rX "$home"
  chmod a+x "$home"/bin/*
  if [ "$(id -u)" -eq 0 ]; then ensure_user; chown -R "$es_user:$es_user" "$home"; fi
  say "elasticsearch ${version} unpacked in ${home}"
}

answers() {  # 200 from the health endpoint (already yellow or green)
  curl -fsS -m 5 -o /dev/null "${url}/_cluster/health?wait_for_status=yellow&timeout=1s" 2>/dev/null
}

our_pid() {  # the pid from our pid file when that process is alive
  [ -s "$pidfile" ] || return 1
  local p; p="$(cat "$pidfile")"
  kill -0 "$p" 2>/dev/null || return 1
  echo "$p"
}

write_config() {
  local conf="$dir/config"
  mkdir -p "$conf" "$dir/data" "$dir/logs" "$dir/tmp"
  # jvm.options, log4j2.properties... from the distribution; elasticsearch.yml is ours.
  cp -R "$home/config/." "$conf/"
  rm -f "$conf/elasticsearch.keystore"
  cat >"$conf/elasticsearch.yml" <<EOF
# Written by ops/engines/elasticsearch.sh; rewritten at each start.
# The integ-test zip ships only the modules apm, transport-netty4, x-pack-core and
# x-pack-security: settings of absent modules (xpack.ml.*, xpack.watcher.*,
# ingest.geoip.*) would be rejected as unknown, so none are set here.
cluster.name: nexus-es
node.name: nexus-es-${port}
path.data: ${dir}/data
path.logs: ${dir}/logs
network.host: 127.0.0.1
http.port: ${port}
discovery.type: single-node
xpack.security.enabled: false
xpack.security.http.ssl.enabled: false
xpack.security.transport.ssl.enabled: false
cluster.routing.allocation.disk.threshold_enabled: false
action.destructive_requires_name: false
EOF
  cat >"$conf/jvm.options.d/nexus.options" <<EOF
-Xms${heap}
-Xmx${heap}
EOF
}

start() {
  if answers; then
    say "elasticsearch already answers on ${url}"
    echo "NEXUS_ELASTICSEARCH_URL=${url}"
    return 0
  fi
  if p="$(our_pid)"; then
    die "pid $p from $pidfile is alive but ${url} does not answer; run '$0 stop' first"
  fi
  if curl -s -m 2 -o /dev/null "${url}/" 2>/dev/null; then
    die "something else (not a healthy Elasticsearch) answers on 127.0.0.1:${port}"
  fi
  install
  ensure_user
  local jh; jh="$(es_java_home)"
  [ -x "$jh/bin/java" ] || die "no JDK at ES_JAVA_HOME=$jh"
  write_config
  if [ "$(id -u)" -eq 0 ]; then
    # Data dir owned by the server's user; the parent folders must be traversable.
    chown -R "$es_user:$es_user" "$dir"
    chmod 755 "$(dirname "$dir")" 2>/dev/null || true
  fi
  rm -f "$pidfile"
  say "starting elasticsearch ${version} (java: $jh, heap ${heap}) on 127.0.0.1:${port}, dir ${dir}"
  # -d: the launcher returns once the node has started (or failed); it keeps its own stdout
  # and stderr quiet after that, so the launcher's output goes to $log.
  (cd "$dir" && run_as env ES_JAVA_HOME="$jh" ES_PATH_CONF="$dir/config" ES_TMPDIR="$dir/tmp" \
      ES_JAVA_OPTS="-Xms${heap} -Xmx${heap} ${ES_JAVA_OPTS:-}" \
      "$home/bin/elasticsearch" -d -p "$pidfile" >"$log.launcher" 2>&1) || {
    echo "elasticsearch's launcher failed; last lines of its output and log:" >&2
    tail -n 40 "$log.launcher" >&2 || true
    tail -n 40 "$dir/logs/nexus-es.log" >&2 2>/dev/null || true
    exit 1
  }
  local deadline=$(( $(date +%s) + start_timeout ))
  while [ "$(date +%s)" -lt "$deadline" ]; do
    if answers; then
      say "elasticsearch answers on ${url} (pid $(cat "$pidfile" 2>/dev/null || echo '?'), log ${dir}/logs/nexus-es.log)"
      echo "NEXUS_ELASTICSEARCH_URL=${url}"
      return 0
    fi
    if [ -s "$pidfile" ] && ! our_pid >/dev/null; then break; fi  # it died
    sleep 1
  done
  echo "elasticsearch did not become yellow on ${url} within ${start_timeout} s; last lines of its log:" >&2
  tail -n 60 "$dir/logs/nexus-es.log" >&2 2>/dev/null || tail -n 60 "$log.launcher" >&2 || true
  exit 1
}

stop() {
  local p
  if ! p="$(our_pid)"; then
    rm -f "$pidfile"
    if answers; then
      die "something answers on ${url} but not from ${dir}: not stopping it"
    fi
    say "elasticsearch is not running (dir ${dir})"
    return 0
  fi
  say "stopping elasticsearch (pid $p)"
  if terminate "$p" elasticsearch 30; then say "stopped"; else say "killed"; fi
  rm -f "$pidfile"
}

status() {
  if answers; then
    local p; p="$(our_pid || echo '?')"
    echo "elasticsearch is running on ${url} (pid ${p}, dir ${dir})"
    return 0
  fi
  if p="$(our_pid)"; then
    echo "elasticsearch pid ${p} is alive but ${url} is not (yet) yellow"
    return 3
  fi
  echo "elasticsearch is not running on ${url}"
  return 3
}

case "$cmd" in
  install) ensure_user; install ;;
  start) start ;;
  stop) stop ;;
  status) status ;;
esac
