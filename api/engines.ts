import { join } from 'node:path';
import type { Counters } from '../engines/counters/port.js';
import { MemoryCounters } from '../engines/counters/memory/index.js';
import { RedisCounters } from '../engines/counters/redis/index.js';
import { MongoReadModelStore } from '../engines/readmodel/mongodb/index.js';
import type { ReadModelStore } from '../engines/readmodel/port.js';
import { SqliteReadModelStore } from '../engines/readmodel/sqlite/index.js';
import { ElasticsearchSearch } from '../engines/search/elasticsearch/index.js';
import { MemorySearch } from '../engines/search/memory/index.js';
import type { SearchPort } from '../engines/search/port.js';
import type { Config } from './config.js';

export { openEventStore } from './event-store.js';

/**
 * Engine selection: each engine is embedded unless its variable names a server. A
 * configured server must answer at start — a wrong or unreachable URL stops the process
 * with the variable named (never its value: URLs may carry credentials), instead of
 * silently running on the embedded engine.
 */
export class EngineStartError extends Error {
  constructor(
    readonly variable: string,
    engine: string,
    cause: unknown,
  ) {
    super(`${variable} is set but ${engine} did not answer: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'EngineStartError';
  }
}

export async function openConfigured<T>(variable: string, engine: string, open: () => Promise<T>): Promise<T> {
  try {
    return await open();
  } catch (error) {
    throw new EngineStartError(variable, engine, error);
  }
}

/** Closes what was opened so far when a later engine fails to start, then rethrows. */
export class OpenedEngines {
  private readonly closers: (() => Promise<void> | void)[] = [];

  async add<T>(opening: Promise<T>, close: (engine: T) => Promise<void> | void): Promise<T> {
    try {
      const engine = await opening;
      this.closers.push(() => close(engine));
      return engine;
    } catch (error) {
      await this.closeAll();
      throw error;
    }
  }

  /**
   * Registers an engine that is still opening, so others can open beside it: closeAll waits for
   * it and closes it if it opened. The caller awaits the returned promise (its failure is the
   * caller's to handle: typically closeAll, then rethrow).
   */
  opening<T>(opening: Promise<T>, close: (engine: T) => Promise<void> | void): Promise<T> {
    const settled = opening.then(
      (engine) => ({ engine }),
      () => null,
    );
    this.closers.push(async () => {
      const opened = await settled;
      if (opened !== null) await close(opened.engine);
    });
    return opening;
  }

  async closeAll(): Promise<void> {
    for (const close of this.closers.splice(0).reverse()) await Promise.resolve(close()).catch(() => undefined);
  }
}

/**
 * Counters in this process unless NEXUS_REDIS_URL is set. Later Redis outages make budget
 * checks fail closed per request while the client reconnects in the background.
 */
export function openCounters(config: Config): Promise<Counters> {
  const url = config.NEXUS_REDIS_URL;
  if (url === undefined) return Promise.resolve(new MemoryCounters());
  return openConfigured('NEXUS_REDIS_URL', 'Redis', () => RedisCounters.connect({ url, connectTimeoutMs: 2_000 }));
}


export function openReadModelStore(config: Config): Promise<ReadModelStore> {
  const url = config.NEXUS_MONGO_URL;
  if (url === undefined) return SqliteReadModelStore.open({ path: join(config.NEXUS_DATA_DIR, 'read-models.db') });
  return openConfigured('NEXUS_MONGO_URL', 'MongoDB', () => MongoReadModelStore.connect({ url, database: config.NEXUS_MONGO_DATABASE }));
}

/** Search (the audit-trail index) in this process unless NEXUS_ELASTICSEARCH_URL is set. */
export function openSearch(config: Config): Promise<SearchPort> {
  const node = config.NEXUS_ELASTICSEARCH_URL;
  if (node === undefined) return Promise.resolve(new MemorySearch());
  return openConfigured('NEXUS_ELASTICSEARCH_URL', 'Elasticsearch', () => ElasticsearchSearch.connect({ node }));
}
