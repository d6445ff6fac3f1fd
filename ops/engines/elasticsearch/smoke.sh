#!/usr/bin/env bash
# End-to-end check of a running ops/engines/elasticsearch.sh node with curl only:
# an index with a dense_vector field (dims 3, cosine, indexed), a keyword tenantId and a
# text body (standard analyzer, core); _bulk of 3 documents; a kNN search filtered on
# tenantId combined with a match query. Exits non-zero when a response is not as expected.
#
#   ops/engines/elasticsearch/smoke.sh [URL]   (default $NEXUS_ELASTICSEARCH_URL or
#                                              http://127.0.0.1:${NEXUS_ELASTICSEARCH_PORT:-19200})
set -euo pipefail
url="${1:-${NEXUS_ELASTICSEARCH_URL:-http://127.0.0.1:${NEXUS_ELASTICSEARCH_PORT:-19200}}}"
index="nexus-smoke-$$"
j() { curl -sS -m 30 -H 'Content-Type: application/json' "$@"; }
check() {  # check NAME JSON PYTHON-EXPRESSION-ON-d
  python3 -c 'import json,sys; d=json.loads(sys.argv[2]); ok=eval(sys.argv[3]); print("== %s: %s" % (sys.argv[1], "ok" if ok else "UNEXPECTED")); sys.exit(0 if ok else 1)' "$@"
}
trap 'curl -sS -m 10 -o /dev/null -X DELETE "$url/$index" || true' EXIT

r="$(j -X PUT "$url/$index" -d '{
  "settings": {"number_of_shards": 1, "number_of_replicas": 0},
  "mappings": {"properties": {
    "tenantId":  {"type": "keyword"},
    "body":      {"type": "text", "analyzer": "standard"},
    "embedding": {"type": "dense_vector", "dims": 3, "index": true, "similarity": "cosine"}
  }}}')"
echo "$r"; check "create index" "$r" 'd.get("acknowledged") is True'

r="$(j -X POST "$url/_bulk?refresh=true" --data-binary @- <<BULK
{"index":{"_index":"$index","_id":"1"}}
{"tenantId":"t1","body":"red apples and green pears","embedding":[1.0,0.0,0.0]}
{"index":{"_index":"$index","_id":"2"}}
{"tenantId":"t1","body":"a basket of bananas","embedding":[0.9,0.1,0.0]}
{"index":{"_index":"$index","_id":"3"}}
{"tenantId":"t2","body":"red apples for the other tenant","embedding":[1.0,0.0,0.0]}
BULK
)"
echo "$r" | python3 -c 'import json,sys; d=json.load(sys.stdin); print({"errors": d["errors"], "items": [(i["index"]["_id"], i["index"]["result"], i["index"]["status"]) for i in d["items"]]})'
check "bulk" "$r" 'd["errors"] is False and len(d["items"]) == 3'

r="$(j -X POST "$url/$index/_search" -d '{
  "knn": {"field": "embedding", "query_vector": [1.0, 0.05, 0.0], "k": 3, "num_candidates": 10,
          "filter": {"term": {"tenantId": "t1"}}},
  "query": {"match": {"body": "apples"}},
  "_source": ["tenantId", "body"]}')"
echo "$r" | python3 -c 'import json,sys; d=json.load(sys.stdin); print({"total": d["hits"]["total"], "hits": [(h["_id"], round(h["_score"],4), h["_source"]["tenantId"]) for h in d["hits"]["hits"]]})'
# kNN (filtered to t1) finds 1 and 2; the match adds 3 (t2, "apples") as a query hit: the
# filter applies to the kNN part only. Doc 1 scores highest (both kNN and match).
check "knn + filter + match" "$r" '[h["_id"] for h in d["hits"]["hits"]][0] == "1" and {h["_id"] for h in d["hits"]["hits"]} == {"1","2","3"}'

r="$(j -X POST "$url/$index/_search" -d '{
  "knn": {"field": "embedding", "query_vector": [1.0, 0.05, 0.0], "k": 3, "num_candidates": 10,
          "filter": {"term": {"tenantId": "t1"}}},
  "_source": ["tenantId"]}')"
echo "$r" | python3 -c 'import json,sys; d=json.load(sys.stdin); print({"total": d["hits"]["total"], "hits": [(h["_id"], round(h["_score"],4), h["_source"]["tenantId"]) for h in d["hits"]["hits"]]})'
check "knn filtered to tenant t1 only" "$r" '[h["_id"] for h in d["hits"]["hits"]] == ["1","2"]'

# Tenant isolation for the hybrid query: filter both the kNN part and the query part.
r="$(j -X POST "$url/$index/_search" -d '{
  "knn": {"field": "embedding", "query_vector": [1.0, 0.05, 0.0], "k": 3, "num_candidates": 10,
          "filter": {"term": {"tenantId": "t1"}}},
  "query": {"bool": {"must": {"match": {"body": "apples"}}, "filter": {"term": {"tenantId": "t1"}}}},
  "_source": ["tenantId"]}')"
echo "$r" | python3 -c 'import json,sys; d=json.load(sys.stdin); print({"total": d["hits"]["total"], "hits": [(h["_id"], round(h["_score"],4), h["_source"]["tenantId"]) for h in d["hits"]["hits"]]})'
check "knn + match, both filtered to t1" "$r" '[h["_id"] for h in d["hits"]["hits"]] == ["1","2"]'
