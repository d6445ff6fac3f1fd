import { join } from 'node:path';
import { EventStoreDbEventStore } from '../engines/eventstore/eventstoredb/index.js';
import type { EventStore } from '../engines/eventstore/port.js';
import { SqliteEventStore } from '../engines/eventstore/sqlite/index.js';
import type { Config } from './config.js';

/**
 * The embedded SQLite event store unless NEXUS_EVENTSTORE_URL is set (its errors already name
 * the setting, password masked). Its own module, re-exported by engines.ts, so the recorder
 * thread opens the event store without loading the other engines' clients.
 */
export function openEventStore(config: Config, options: { readonly checkpoints?: 'background' | 'shared' } = {}): Promise<EventStore> {
  const url = config.NEXUS_EVENTSTORE_URL;
  if (url !== undefined) return EventStoreDbEventStore.connect({ url, settingName: 'NEXUS_EVENTSTORE_URL' });
  return SqliteEventStore.open({ path: join(config.NEXUS_DATA_DIR, 'events.db'), fsync: config.NEXUS_EVENT_STORE_FSYNC, coalesceNotices: USAGE_NOTICES, ...options });
}

/**
 * The data plane commits one usage event per request; the threads that follow the log (the
 * projections, the other writer) hear of those commits at most once per few milliseconds
 * instead of one wake-up per request. The first notice after a quiet window goes at the end
 * of its turn (right after the answer), so at low rates no timer wakes the request loop again
 * ~5 ms later, just when the next request tends to arrive. The usage read models lag by at
 * most this much more; control-plane commits still travel at once.
 */
const USAGE_NOTICES = { categories: ['inference'], withinMs: 5 } as const;
