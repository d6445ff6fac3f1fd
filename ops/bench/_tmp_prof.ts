import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { SqliteEventStore } from '../../engines/eventstore/sqlite/index.js';
const store = await SqliteEventStore.open({ path: join(mkdtempSync('/tmp/esbench/db-'), 'e.db') });
const meta = () => ({tenantId:'t_1',correlationId:randomUUID(),causationId:randomUUID(),actor:{type:'apikey',id:'key'},commandId:randomUUID(),schemaVersion:1,occurredAt:new Date().toISOString(),prevHash:'a'.repeat(64),hash:'b'.repeat(64)});
const data = {requestId:'req_1',model:'gpt-4o-mini',deploymentId:'dep_eu_1',usage:{promptTokens:812,completionTokens:264,totalTokens:1076},costMicros:1432,latencyMs:734,finishReason:'stop'};
const t = process.hrtime.bigint();
for (let b=0;b<2000;b++){ await store.appendToStream('s'+b, Array.from({length:100},()=>({eventId: randomUUID(), type:'T', data, metadata: meta()})), 'no_stream'); }
const s = Number(process.hrtime.bigint()-t)/1e9;
console.log((200000/s).toFixed(0), 'ev/s', s.toFixed(2),'s', store.stats);
await store.close();
