import { join } from 'node:path';
import { MongoReadModelStore } from '../engines/readmodel/mongodb/index.js';
import type { ReadModelStore } from '../engines/readmodel/port.js';
import { SqliteReadModelStore } from '../engines/readmodel/sqlite/index.js';
import type { Config } from './config.js';

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

/**
 * The embedded SQLite read-model store unless NEXUS_MONGO_URL is set. Its own module (with the
 * engine-start errors), re-exported by engines.ts, so the projection thread opens its stores
 * without loading the Redis and Elasticsearch clients.
 */
export function openReadModelStore(config: Config): Promise<ReadModelStore> {
  const url = config.NEXUS_MONGO_URL;
  if (url === undefined) return SqliteReadModelStore.open({ path: join(config.NEXUS_DATA_DIR, 'read-models.db') });
  return openConfigured('NEXUS_MONGO_URL', 'MongoDB', () => MongoReadModelStore.connect({ url, database: config.NEXUS_MONGO_DATABASE }));
}

/** Events per projection batch: MongoDB takes bigger batches well (one unordered bulk per batch; ops/bench/RESULTS.md); undefined = the runner's default. */
export function projectionBatchSize(config: Config): number | undefined {
  return config.NEXUS_MONGO_URL === undefined ? undefined : 5_000;
}
