#!/usr/bin/env bash
# Apache Kafka for the event engines: one KRaft node (broker and controller in one JVM) on
# loopback, without Docker.
#
#   ops/engines/kafka.sh install         resolve the broker jars from Maven Central (--install-only too)
#   ops/engines/kafka.sh start           install if needed, start, wait until the broker answers
#   ops/engines/kafka.sh stop            SIGTERM, wait up to 30 s, then SIGKILL
#   ops/engines/kafka.sh status          say whether it runs (exit 0 running, 3 not running)
#   ops/engines/kafka.sh                 same as start
#
# The jars come with Maven from ops/engines/kafka/pom.xml (kafka_2.13 and kafka-tools at
# ${NEXUS_KAFKA_VERSION:-3.9.2}, plus the slf4j-reload4j binding the release tarball ships)
# into ${NEXUS_KAFKA_CACHE:-~/.cache/nexus/kafka/<version>}/libs; a warm cache is not asked
# again. The 3.9 line keeps the old protocol versions that kafkajs speaks (4.0 dropped them).
#
# The node listens on 127.0.0.1:${NEXUS_KAFKA_PORT:-19092} (PLAINTEXT) and on
# 127.0.0.1:${NEXUS_KAFKA_CONTROLLER_PORT:-port+1} (CONTROLLER), with single-replica
# defaults and auto-created topics. Its data, server.properties, logs (WARN, logs/server.log)
# and pid file go to ${NEXUS_KAFKA_DIR:-${TMPDIR:-/tmp}/nexus-kafka/<port>}; the storage
# is formatted once, so topics survive stop/start until that folder is removed.
# Idempotent: start on a running node and stop on a stopped one only say so.
# Progress goes to stderr; start and status print NEXUS_KAFKA_BROKERS=127.0.0.1:<port> on
# stdout, so `eval "$(ops/engines/kafka.sh start)"` sets it.
# Java 11+ from JAVA_HOME or PATH; heap -Xms256m -Xmx512m (NEXUS_KAFKA_HEAP_OPTS overrides).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
version="${NEXUS_KAFKA_VERSION:-3.9.2}"
port="${NEXUS_KAFKA_PORT:-19092}"
cport="${NEXUS_KAFKA_CONTROLLER_PORT:-$((port + 1))}"
dir="${NEXUS_KAFKA_DIR:-${TMPDIR:-/tmp}/nexus-kafka/${port}}"
cache="${NEXUS_KAFKA_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/nexus/kafka/${version}}"
libs="$cache/libs"
heap="${NEXUS_KAFKA_HEAP_OPTS:--Xms256m -Xmx512m}"
pidfile="$dir/kafka.pid"
brokers="127.0.0.1:${port}"

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
die() { echo "kafka.sh: $*" >&2; exit 1; }

cmd="${1:-start}"
case "$cmd" in
  install|--install-only) cmd=install ;;
  start|stop|status) ;;
  *) echo "usage: $0 [install|--install-only|start|stop|status]" >&2; exit 2 ;;
esac

java_bin() {
  if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; then echo "$JAVA_HOME/bin/java"
  elif command -v java >/dev/null 2>&1; then command -v java
  else die "java is missing: install a JDK ≥ 11 (e.g. apt-get install openjdk-17-jre-headless)"
  fi
}

# The stamp names the version and the pom's digest: editing the pom re-resolves.
stamp_text() { echo "kafka ${version} pom $(sha256sum "$here/kafka/pom.xml" | cut -d' ' -f1)"; }

install() {
  if [ -f "$cache/installed" ] && [ "$(cat "$cache/installed")" = "$(stamp_text)" ] \
     && [ -f "$libs/kafka_2.13-${version}.jar" ]; then
    say "kafka ${version} already installed in $libs"
    return 0
  fi
  command -v mvn >/dev/null 2>&1 || die "mvn is missing: install Maven (apt-get install maven)"
  java_bin >/dev/null
  say "resolving kafka_2.13 ${version} from Maven Central into $libs"
  mkdir -p "$cache"
  local tmp="$cache/libs.tmp.$$"
  rm -rf "$tmp"
  if ! mvn -B -f "$here/kafka/pom.xml" \
       -Dkafka.version="$version" -Dkafka.libs="$tmp" \
       dependency:copy-dependencies > "$cache/maven.log" 2>&1; then
    rm -rf "$tmp"
    grep -E 'ERROR|Could not' "$cache/maven.log" | head -n 20 >&2 || true
    die "Maven could not resolve org.apache.kafka:kafka_2.13:${version}; full output in $cache/maven.log"
  fi
  [ -f "$tmp/kafka_2.13-${version}.jar" ] || { rm -rf "$tmp"; die "kafka_2.13-${version}.jar was not copied"; }
  rm -rf "$libs"
  mv "$tmp" "$libs"
  stamp_text > "$cache/installed"
  say "kafka ${version} installed: $(ls "$libs" | wc -l) jars in $libs"
}

# The pid in the pid file, when that process is still our broker (not a recycled pid).
running_pid() {
  [ -f "$pidfile" ] || return 1
  local pid
  pid="$(cat "$pidfile" 2>/dev/null)" || return 1
  [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] || return 1
  tr '\0' ' ' < "/proc/$pid/cmdline" | grep -q "kafka.Kafka $dir/server.properties" || return 1
  echo "$pid"
}


# A CLI class from the broker's classpath, logging warnings to stderr.
kafka_tool() {
  "$(java_bin)" -Xmx256m -XX:TieredStopAtLevel=1 -Xshare:auto \
    -Dlog4j.configuration="file:$here/kafka/tools-log4j.properties" \
    -cp "$libs/*" "$@"
}

write_config() {
  mkdir -p "$dir/data" "$dir/logs"
  cat > "$dir/server.properties" <<EOF
# Written by ops/engines/kafka.sh at each start; edits here are lost.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:${cport}
listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${cport}
advertised.listeners=PLAINTEXT://127.0.0.1:${port}
inter.broker.listener.name=PLAINTEXT
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=${dir}/data
num.partitions=1
default.replication.factor=1
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
min.insync.replicas=1
auto.create.topics.enable=true
group.initial.rebalance.delay.ms=0
EOF
}

# Kafka's cluster ids are 16 random bytes in URL-safe base64 without padding; one starting
# with '-' would read as an option, so draw again.
cluster_id() {
  local id
  while :; do
    id="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')"
    case "$id" in -*) ;; *) echo "$id"; return ;; esac
  done
}

start() {
  local pid
  if pid="$(running_pid)"; then
    say "kafka already runs on ${brokers} (pid ${pid}, data ${dir})"
    echo "NEXUS_KAFKA_BROKERS=${brokers}"
    return 0
  fi
  for p in "$port" "$cport"; do
    port_open "$p" && die "127.0.0.1:${p} is taken by another process (not the broker of ${dir}): set NEXUS_KAFKA_PORT"
  done
  install
  write_config
  if [ ! -f "$dir/data/meta.properties" ]; then
    say "formatting the storage in $dir/data"
    kafka_tool kafka.tools.StorageTool format -t "$(cluster_id)" -c "$dir/server.properties" >&2 \
      || die "formatting $dir/data failed"
  fi
  local started=$SECONDS
  # setsid + nohup: the broker outlives this script and its terminal.
  setsid nohup "$(java_bin)" $heap \
    -server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 \
    -XX:+ExplicitGCInvokesConcurrent -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true \
    -Dkafka.logs.dir="$dir/logs" \
    -Dlog4j.configuration="file:$here/kafka/log4j.properties" \
    -cp "$libs/*" kafka.Kafka "$dir/server.properties" \
    > "$dir/logs/kafka.out" 2>&1 < /dev/null &
  pid=$!
  echo "$pid" > "$pidfile"
  say "kafka ${version} starting (pid ${pid}), waiting for ${brokers}"
  local deadline=$((SECONDS + 60))
  while ! port_open "$port"; do
    if ! kill -0 "$pid" 2>/dev/null; then
      rm -f "$pidfile"
      tail -n 30 "$dir/logs/kafka.out" "$dir/logs/server.log" >&2 2>/dev/null || true
      die "the broker exited during start; logs in $dir/logs"
    fi
    [ "$SECONDS" -lt "$deadline" ] || die "nothing listens on ${brokers} after 60 s (pid ${pid}); logs in $dir/logs"
    sleep 0.2
  done
  # The port opens before the broker serves metadata: a topic listing proves it answers.
  until kafka_tool org.apache.kafka.tools.TopicCommand --bootstrap-server "$brokers" --list >/dev/null 2>"$dir/logs/probe.err"; do
    kill -0 "$pid" 2>/dev/null || die "the broker exited during start; logs in $dir/logs"
    [ "$SECONDS" -lt "$deadline" ] || { cat "$dir/logs/probe.err" >&2; die "the broker on ${brokers} did not answer within 60 s; logs in $dir/logs"; }
    sleep 0.5
  done
  say "kafka ${version} answers on ${brokers} after $((SECONDS - started)) s (pid ${pid}, data ${dir}, log ${dir}/logs/server.log)"
  echo "NEXUS_KAFKA_BROKERS=${brokers}"
}

stop() {
  local pid
  if ! pid="$(running_pid)"; then
    rm -f "$pidfile"
    say "kafka is not running (data ${dir})"
    return 0
  fi
  say "stopping kafka (pid ${pid})"
  if terminate "$pid" kafka 30; then say "kafka stopped"; else say "kafka killed"; fi
  rm -f "$pidfile"
}

status() {
  local pid
  if pid="$(running_pid)"; then
    if port_open "$port"; then
      say "kafka runs on ${brokers} (pid ${pid}, data ${dir})"
    else
      say "kafka runs (pid ${pid}, data ${dir}) but nothing listens on ${brokers} yet"
    fi
    echo "NEXUS_KAFKA_BROKERS=${brokers}"
    return 0
  fi
  say "kafka is not running on ${brokers} (data ${dir})"
  return 3
}

"$cmd"
