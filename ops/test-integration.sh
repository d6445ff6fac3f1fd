#!/usr/bin/env bash
# The integration tier (`npm run test:integration`): every adapter's contract suite against
# its real server, plus the end-to-end and outage scenarios of test/engines/.
#
# Installs what is missing (redis-server from Debian, the Kafka jars and the Elasticsearch
# zip from Maven Central, FerretDB built from the Go module proxy — all cached, so later
# runs start in seconds), starts Kafka, Elasticsearch and FerretDB on loopback unless they
# already run, exports their URLs, runs mocha with .mocharc.integration.json, and stops
# only the engines it started (also when the tests fail or the run is interrupted).
# Outage tests start their own instances on other ports; Redis suites start their own
# redis-server. NEXUS_REQUIRE_*=1 turns a missing engine into a failure instead of a
# pending suite. EventStoreDB cannot be downloaded here: its contract suite runs only when
# NEXUS_EVENTSTORE_URL is given (README: "Running the event-store contract suite against
# EventStoreDB").
set -euo pipefail
cd "$(dirname "$0")/.."

engines=(ferretdb kafka elasticsearch)
started=()
stop_started() {
  local engine
  for engine in "${started[@]}"; do ops/engines/"$engine".sh stop >&2 || true; done
}
trap stop_started EXIT

echo "== integration tier: installing engines (cached after the first run)" >&2
ops/engines/redis.sh --install-only
for engine in "${engines[@]}"; do ops/engines/"$engine".sh install; done

for engine in "${engines[@]}"; do
  if ! ops/engines/"$engine".sh status >/dev/null 2>&1; then started+=("$engine"); fi
  # Each start prints NEXUS_<ENGINE>_…=<url> on stdout.
  eval "export $(ops/engines/"$engine".sh start)"
done

export NEXUS_REQUIRE_REDIS=1 NEXUS_REQUIRE_MONGO=1 NEXUS_REQUIRE_KAFKA=1 NEXUS_REQUIRE_ELASTICSEARCH=1
echo "== engines: NEXUS_MONGO_URL=${NEXUS_MONGO_URL} NEXUS_KAFKA_BROKERS=${NEXUS_KAFKA_BROKERS} NEXUS_ELASTICSEARCH_URL=${NEXUS_ELASTICSEARCH_URL}" >&2
npx mocha --config .mocharc.integration.json "$@"
