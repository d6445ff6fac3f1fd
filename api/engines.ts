import type { Counters } from '../engines/counters/port.js';
import { MemoryCounters } from '../engines/counters/memory/index.js';
import { RedisCounters } from '../engines/counters/redis/index.js';
import { ElasticsearchSearch } from '../engines/search/elasticsearch/index.js';
import { MemorySearch } from '../engines/search/memory/index.js';
import type { SearchPort } from '../engines/search/port.js';
import type { Config } from './config.js';
import { openConfigured } from './read-model-store.js';

export { openEventStore } from './event-store.js';
export { EngineStartError, openConfigured, openReadModelStore } from './read-model-store.js';

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



/** Search (the audit-trail index) in this process unless NEXUS_ELASTICSEARCH_URL is set. */
export function openSearch(config: Config): Promise<SearchPort> {
  const node = config.NEXUS_ELASTICSEARCH_URL;
  if (node === undefined) return Promise.resolve(new MemorySearch());
  return openConfigured('NEXUS_ELASTICSEARCH_URL', 'Elasticsearch', () => ElasticsearchSearch.connect({ node }));
}
