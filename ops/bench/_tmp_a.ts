import { runEventStoreBench } from './eventstore.bench.js';
await runEventStoreBench({ batchEvents: 200000, latencyAppends: 6400, writers: 64 });
