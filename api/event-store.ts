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
  return SqliteEventStore.open({ path: join(config.NEXUS_DATA_DIR, 'events.db'), fsync: config.NEXUS_EVENT_STORE_FSYNC, ...options });
}
