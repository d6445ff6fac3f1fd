import { type Db, MongoClient, MongoServerError } from 'mongodb';
import { ValidationError } from '../../../domain/shared/errors.js';
import { unlessUnavailable } from './errors.js';
import type { DeadLetter, Doc, DocumentWrite, FindQuery, Page, ReadModelStore } from '../port.js';
import { encodeCursor, type SortValue } from '../cursor.js';
import { assertField, COLLECTION_PATTERN } from '../sqlite/fields.js';
import { compileFind, key, type StoredDoc } from './query.js';
import { lastWritesByCollection, writeLast } from './writes.js';

export interface MongoReadModelStoreOptions {
  /** mongodb:// URL (MongoDB, or FerretDB for the Mongo-compatible engine). */
  readonly url: string;
  /** Database holding the read models; one per deployment (tests use a fresh one per run). */
  readonly database: string;
  /**
   * How long an operation waits for a reachable server before failing with
   * ReadModelStoreUnavailableError. Default 2,000 ms (the driver's 30 s would hold every
   * projection batch and query that long before an outage shows).
   */
  readonly serverSelectionTimeoutMs?: number;
  /** TCP connect timeout per connection attempt. Default 2,000 ms. */
  readonly connectTimeoutMs?: number;
  /**
   * An operation whose server goes silent (hung, not closed) fails after this long, so a
   * stalled engine is an outage too and not a projection stuck forever. Default 60,000 ms:
   * well above the largest batch commit.
   */
  readonly socketTimeoutMs?: number;
  /**
   * Update statements per command. Default: unlimited on MongoDB; 10 on FerretDB (detected at
   * connect), whose update command keeps one SQLite connection per statement that matched a
   * document until the command ends, and hangs forever once its pool of 100 is exhausted —
   * by one command of ~100 replaces, or by a few concurrent ones.
   */
  readonly maxUpdatesPerCommand?: number;
}

const FERRETDB_UPDATES_PER_COMMAND = 10;

/** Read-model collection `c` lives in the MongoDB collection `rm_c`; the store's own bookkeeping in `sys_*`. */
const DOCUMENT_PREFIX = 'rm_';
const CHECKPOINTS = 'sys_checkpoints';
const ALIASES = 'sys_aliases';
const DEAD_LETTERS = 'sys_dead_letters';
const NAMESPACE_NOT_FOUND = 26;

interface CheckpointDoc {
  _id: string;
  position: number;
}
interface AliasDoc {
  _id: string;
  collection: string;
}
type DeadLetterDoc = DeadLetter & { _id: string };

function physical(collection: string): string {
  if (typeof collection !== 'string' || !COLLECTION_PATTERN.test(collection)) {
    throw new ValidationError(`invalid collection name '${String(collection)}'`, [{ path: 'collection', message: 'must match ' + COLLECTION_PATTERN.source }]);
  }
  return DOCUMENT_PREFIX + collection;
}

/**
 * The last item's sort value for the cursor. Arrays and objects sort by MongoDB's own rules
 * (an array by its least element), which a keyset cannot resume from, so paging on them is
 * refused rather than repeating or skipping documents.
 */
function sortValue(field: string, value: unknown): SortValue {
  if (value === undefined || value === null) return null;
  if (typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value))) return value;
  throw new ValidationError(`cannot page on '${field}': it holds an array or an object`, [{ path: 'sort.field', message: 'must hold scalars to page on' }]);
}

function toDoc(stored: StoredDoc): Doc {
  const { _id: _ignored, ...doc } = stored;
  return doc as unknown as Doc;
}

/**
 * Read-model store on MongoDB through the official driver; runs on FerretDB, which has no
 * multi-document transactions. Guarantees: `commit` applies the writes (the last write per
 * document, unordered bulk operations per collection: see writeLast) and only then moves the checkpoint,
 * so the checkpoint never runs ahead of the documents. A crash or an outage mid-commit leaves
 * some writes applied and the checkpoint behind: the runtime re-applies the batch and skips
 * every event at or below a document's `_position` (projections/runtime/apply-batch.ts), so
 * the replay ends in the same state. `find` pages by keyset on (sort value, _id), never by skip.
 *
 * Outages: every operation that cannot reach a server within `serverSelectionTimeoutMs` (or
 * loses its connection) fails with ReadModelStoreUnavailableError; the driver keeps
 * monitoring the server and the next operation after it is back succeeds, with no reconnect
 * call (the client is never closed because of an outage).
 */
export class MongoReadModelStore implements ReadModelStore {
  private constructor(
    private readonly client: MongoClient,
    private readonly db: Db,
    private readonly updatesPerCommand: number,
  ) {}

  /** Fails (ReadModelStoreUnavailableError) when no server answers: a wrong URL shows at start, not as a silent retry loop. */
  static async connect(options: MongoReadModelStoreOptions): Promise<MongoReadModelStore> {
    const client = new MongoClient(options.url, {
      serverSelectionTimeoutMS: options.serverSelectionTimeoutMs ?? 2_000,
      connectTimeoutMS: options.connectTimeoutMs ?? 2_000,
      socketTimeoutMS: options.socketTimeoutMs ?? 60_000,
    });
    try {
      return await unlessUnavailable('connect', async () => {
        await client.connect();
        // FerretDB answers buildInfo like MongoDB, plus fields of its own.
        const ferretdb = 'ferretdbVersion' in (await client.db('admin').command({ buildInfo: 1 }));
        const updatesPerCommand = options.maxUpdatesPerCommand ?? (ferretdb ? FERRETDB_UPDATES_PER_COMMAND : Number.POSITIVE_INFINITY);
        const store = new MongoReadModelStore(client, client.db(options.database), updatesPerCommand);
        await store.db.collection<DeadLetterDoc>(DEAD_LETTERS).createIndex({ projection: 1, position: 1 }, { name: 'ix_projection_position' });
        return store;
      });
    } catch (error) {
      await client.close();
      throw error;
    }
  }

  async get(collection: string, id: string): Promise<Doc | null> {
    const documents = this.documents(collection);
    return unlessUnavailable('get', async () => {
      const stored = await documents.findOne({ _id: id });
      return stored ? toDoc(stored) : null;
    });
  }

  async find(collection: string, query: FindQuery): Promise<Page<Doc>> {
    const documents = this.documents(collection);
    const compiled = compileFind(query);
    return unlessUnavailable('find', async () => {
      const rows = await documents.find(compiled.filter).sort(compiled.sort).limit(compiled.limit + 1).toArray();
      const page = rows.slice(0, compiled.limit);
      const last = page[page.length - 1];
      let nextCursor: string | null = null;
      if (rows.length > compiled.limit && last) {
        const value = last[key(compiled.order.field)];
        nextCursor = encodeCursor({ ...compiled.order, value: sortValue(compiled.order.field, value), id: last._id });
      }
      return { items: page.map(toDoc), nextCursor };
    });
  }

  async commit(writes: readonly DocumentWrite[], checkpoint: { readonly name: string; readonly position: number }): Promise<void> {
    for (const write of writes) {
      if (write.doc !== null && write.doc.id !== write.id) throw new Error(`document id '${write.doc.id}' does not match write id '${write.id}'`);
      physical(write.collection);
    }
    await unlessUnavailable('commit', async () => {
      for (const [collection, last] of lastWritesByCollection(writes)) await writeLast(this.documents(collection), last, this.updatesPerCommand);
      await this.db
        .collection<CheckpointDoc>(CHECKPOINTS)
        .updateOne({ _id: checkpoint.name }, { $set: { position: checkpoint.position } }, { upsert: true });
    });
  }

  async getCheckpoint(name: string): Promise<number> {
    return unlessUnavailable('getCheckpoint', async () => {
      const row = await this.db.collection<CheckpointDoc>(CHECKPOINTS).findOne({ _id: name });
      return row?.position ?? 0;
    });
  }

  async deleteCheckpoint(name: string): Promise<void> {
    return unlessUnavailable('deleteCheckpoint', async () => void (await this.db.collection<CheckpointDoc>(CHECKPOINTS).deleteOne({ _id: name })));
  }

  /**
   * Per field, an index on (field, _id), serving equality, range and the keyset order of
   * `find`, and one on (tenantId, field, _id) for tenant-scoped reads. Indexes belong to the
   * collection's own MongoDB collection, so dropCollection removes them with the documents.
   */
  async ensureIndexes(collection: string, fields: readonly string[]): Promise<void> {
    fields.forEach((field, i) => assertField(field, `fields[${i}]`));
    const documents = this.documents(collection);
    await unlessUnavailable('ensureIndexes', async () => {
      for (const field of fields.filter((f) => f !== 'id' && f !== '_id')) {
        await documents.createIndex({ [field]: 1, _id: 1 }, { name: `ix_${field}` });
        if (field !== 'tenantId') await documents.createIndex({ tenantId: 1, [field]: 1, _id: 1 }, { name: `ix_tenant_${field}` });
      }
    });
  }

  async dropCollection(collection: string): Promise<void> {
    const documents = this.documents(collection);
    await unlessUnavailable('dropCollection', async () => {
      try {
        await documents.drop();
      } catch (error) {
        if (!(error instanceof MongoServerError && error.code === NAMESPACE_NOT_FOUND)) throw error;
      }
    });
  }

  async setAlias(alias: string, collection: string): Promise<void> {
    return unlessUnavailable('setAlias', async () => void (await this.db.collection<AliasDoc>(ALIASES).updateOne({ _id: alias }, { $set: { collection } }, { upsert: true })));
  }

  async getAlias(alias: string): Promise<string | null> {
    return unlessUnavailable('getAlias', async () => {
      const row = await this.db.collection<AliasDoc>(ALIASES).findOne({ _id: alias });
      return row?.collection ?? null;
    });
  }

  /** Idempotent per (projection, position): a batch re-applied after a crash does not list a failure twice. */
  async addDeadLetter(entry: DeadLetter): Promise<void> {
    const _id = JSON.stringify([entry.projection, entry.position]);
    const fields: DeadLetter = {
      projection: entry.projection,
      position: entry.position,
      streamId: entry.streamId,
      eventId: entry.eventId,
      eventType: entry.eventType,
      error: entry.error,
      failedAt: entry.failedAt,
    };
    return unlessUnavailable('addDeadLetter', async () => void (await this.db.collection<DeadLetterDoc>(DEAD_LETTERS).updateOne({ _id }, { $setOnInsert: fields }, { upsert: true })));
  }

  /** Oldest first (by position). */
  async listDeadLetters(projection: string, limit: number): Promise<DeadLetter[]> {
    return unlessUnavailable('listDeadLetters', async () => {
      const rows = await this.db
        .collection<DeadLetterDoc>(DEAD_LETTERS)
        .find({ projection: { $eq: projection } })
        .sort({ position: 1 })
        .limit(limit)
        .toArray();
      return rows.map((row) => ({
        projection: row.projection,
        position: row.position,
        streamId: row.streamId,
        eventId: row.eventId,
        eventType: row.eventType,
        error: row.error,
        failedAt: row.failedAt,
      }));
    });
  }

  /** Drops the whole database (tests: one fresh database per run). */
  async dropDatabase(): Promise<void> {
    await unlessUnavailable('dropDatabase', () => this.db.dropDatabase());
  }

  async close(): Promise<void> {
    await this.client.close();
  }

  private documents(collection: string) {
    return this.db.collection<StoredDoc>(physical(collection));
  }
}
