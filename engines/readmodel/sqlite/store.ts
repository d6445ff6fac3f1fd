import Database from 'better-sqlite3';
import { WalCheckpoints } from '../../sqlite/checkpointer.js';
import type { DeadLetter, Doc, DocumentWrite, FindQuery, Page, ReadModelStore } from '../port.js';
import { encodeCursor } from '../cursor.js';
import { compileFind, type SqlParam } from './query.js';
import { createFieldIndexes, dropFieldIndexes, initialise } from './schema.js';

export interface SqliteReadModelStoreOptions {
  /** File path, or ':memory:' for a private in-memory database. */
  readonly path: string;
}

/** As set by schema.ts (busy_timeout = 5000). */
const BUSY_TIMEOUT_MS = 5_000;

interface DeadLetterRow {
  projection: string;
  position: number;
  stream_id: string;
  event_id: string;
  event_type: string;
  error: string;
  failed_at: string;
}

interface FindRow {
  id: string;
  doc: string;
  sort_key: string | number | null;
}

/** Find statements are compiled per query shape; a bounded cache keeps hot ones prepared. */
const STATEMENT_CACHE_SIZE = 256;

/**
 * Embedded read-model store on one SQLite file (better-sqlite3, synchronous under the hood).
 * Guarantees: `commit` is one transaction (all writes and the checkpoint, or nothing);
 * `find` pages by keyset on (sort value, id), so pages never overlap or skip rows even
 * when documents share a sort value.
 */
export class SqliteReadModelStore implements ReadModelStore {
  private readonly statements = new Map<string, Database.Statement>();
  private readonly getDoc: Database.Statement<[string, string], { doc: string }>;
  private readonly upsertDoc: Database.Statement<[string, string, string]>;
  private readonly deleteDoc: Database.Statement<[string, string]>;
  private readonly upsertCheckpoint: Database.Statement<[string, number]>;
  private readonly commitTx: (writes: readonly DocumentWrite[], checkpoint: { name: string; position: number }) => void;

  private checkpoints: WalCheckpoints | null = null;

  private constructor(private readonly db: Database.Database) {
    initialise(db);
    this.getDoc = db.prepare('SELECT doc FROM documents WHERE collection = ? AND id = ?');
    this.upsertDoc = db.prepare('INSERT INTO documents (collection, id, doc) VALUES (?, ?, ?) ON CONFLICT (collection, id) DO UPDATE SET doc = excluded.doc');
    this.deleteDoc = db.prepare('DELETE FROM documents WHERE collection = ? AND id = ?');
    this.upsertCheckpoint = db.prepare('INSERT INTO checkpoints (name, position) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET position = excluded.position');
    this.commitTx = db.transaction((writes: readonly DocumentWrite[], checkpoint: { name: string; position: number }) => {
      for (const write of writes) {
        if (write.doc === null) this.deleteDoc.run(write.collection, write.id);
        else this.upsertDoc.run(write.collection, write.id, JSON.stringify(write.doc));
      }
      this.upsertCheckpoint.run(checkpoint.name, checkpoint.position);
    });
  }

  static async open(options: SqliteReadModelStoreOptions): Promise<SqliteReadModelStore> {
    const store = new SqliteReadModelStore(new Database(options.path));
    // Checkpoints off the event loop: the projections commit many small batches under load.
    if (options.path !== ':memory:') store.checkpoints = new WalCheckpoints(store.db, options.path, BUSY_TIMEOUT_MS);
    return store;
  }

  async get(collection: string, id: string): Promise<Doc | null> {
    const row = this.getDoc.get(collection, id);
    return row ? (JSON.parse(row.doc) as Doc) : null;
  }

  async find(collection: string, query: FindQuery): Promise<Page<Doc>> {
    const compiled = compileFind(collection, query);
    const rows = this.statement(compiled.sql).all(...compiled.params) as FindRow[];
    const page = rows.slice(0, compiled.limit);
    const last = page[page.length - 1];
    const nextCursor =
      rows.length > compiled.limit && last ? encodeCursor({ ...compiled.sort, value: last.sort_key, id: last.id }) : null;
    return { items: page.map((row) => JSON.parse(row.doc) as Doc), nextCursor };
  }

  async commit(writes: readonly DocumentWrite[], checkpoint: { readonly name: string; readonly position: number }): Promise<void> {
    for (const write of writes) {
      if (write.doc !== null && write.doc.id !== write.id) throw new Error(`document id '${write.doc.id}' does not match write id '${write.id}'`);
    }
    this.commitTx(writes, checkpoint);
  }

  async getCheckpoint(name: string): Promise<number> {
    const row = this.statement('SELECT position FROM checkpoints WHERE name = ?').get(name) as { position: number } | undefined;
    return row?.position ?? 0;
  }

  async deleteCheckpoint(name: string): Promise<void> {
    this.statement('DELETE FROM checkpoints WHERE name = ?').run(name);
  }

  async ensureIndexes(collection: string, fields: readonly string[]): Promise<void> {
    createFieldIndexes(this.db, collection, fields);
  }

  async dropCollection(collection: string): Promise<void> {
    // Indexes first: deleting the rows then maintains no index but the primary key.
    dropFieldIndexes(this.db, collection);
    this.statement('DELETE FROM documents WHERE collection = ?').run(collection);
  }

  async setAlias(alias: string, collection: string): Promise<void> {
    this.statement('INSERT INTO aliases (alias, collection) VALUES (?, ?) ON CONFLICT (alias) DO UPDATE SET collection = excluded.collection').run(alias, collection);
  }

  async getAlias(alias: string): Promise<string | null> {
    const row = this.statement('SELECT collection FROM aliases WHERE alias = ?').get(alias) as { collection: string } | undefined;
    return row?.collection ?? null;
  }

  /** Idempotent per (projection, position): a batch re-applied after a crash does not list a failure twice. */
  async addDeadLetter(entry: DeadLetter): Promise<void> {
    this.statement(
      `INSERT INTO dead_letters (projection, position, stream_id, event_id, event_type, error, failed_at)
       VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (projection, position) DO NOTHING`,
    ).run(entry.projection, entry.position, entry.streamId, entry.eventId, entry.eventType, entry.error, entry.failedAt);
  }

  /** Oldest first (by position). */
  async listDeadLetters(projection: string, limit: number): Promise<DeadLetter[]> {
    const rows = this.statement('SELECT * FROM dead_letters WHERE projection = ? ORDER BY position LIMIT ?').all(projection, limit) as DeadLetterRow[];
    return rows.map((row) => ({
      projection: row.projection,
      position: row.position,
      streamId: row.stream_id,
      eventId: row.event_id,
      eventType: row.event_type,
      error: row.error,
      failedAt: row.failed_at,
    }));
  }

  async close(): Promise<void> {
    await this.checkpoints?.stop();
    this.checkpoints = null;
    if (this.db.open) this.db.close();
  }

  private statement(sql: string): Database.Statement<SqlParam[]> {
    let statement = this.statements.get(sql);
    if (statement) {
      // Re-insert to keep the Map in least-recently-used order.
      this.statements.delete(sql);
    } else {
      statement = this.db.prepare<SqlParam[]>(sql);
      if (this.statements.size >= STATEMENT_CACHE_SIZE) this.statements.delete(this.statements.keys().next().value as string);
    }
    this.statements.set(sql, statement);
    return statement;
  }
}
