import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';

/**
 * Schema of the embedded event store (user_version 1).
 *
 * events — one row per event; the $all stream is this table in `position` order.
 *   position     INTEGER PRIMARY KEY AUTOINCREMENT
 *                global, 1-based; assigned inside the single write transaction, so positions
 *                become visible in commit order. AUTOINCREMENT means a position is never
 *                reused, even if the newest row is deleted (a subscriber's checkpoint stays valid).
 *   stream_id    TEXT    NOT NULL
 *   revision     INTEGER NOT NULL   0-based within the stream
 *   event_id     TEXT    NOT NULL   the idempotency key of the event within its stream
 *                (no global index: idempotency is per stream, see append.ts)
 *   type         TEXT    NOT NULL
 *   data         TEXT    NOT NULL   JSON object
 *   metadata     TEXT    NOT NULL   JSON object
 *   recorded_at  TEXT    NOT NULL   ISO-8601 commit time
 *   UNIQUE (stream_id, revision)   no two events can claim the same place in a stream; it is
 *                                  also the index that reads a stream and finds its head.
 *
 * stream_metadata — one row per stream whose metadata was ever set.
 *   stream_id    TEXT PRIMARY KEY
 *   metadata     TEXT NOT NULL      JSON StreamMetadata
 *
 * The tables are plain on purpose: a tamper-evidence test can UPDATE events.data directly.
 */
const SCHEMA_VERSION = 1;

const DDL = `
CREATE TABLE IF NOT EXISTS events (
  position    INTEGER PRIMARY KEY AUTOINCREMENT,
  stream_id   TEXT    NOT NULL,
  revision    INTEGER NOT NULL,
  event_id    TEXT    NOT NULL,
  type        TEXT    NOT NULL,
  data        TEXT    NOT NULL,
  metadata    TEXT    NOT NULL,
  recorded_at TEXT    NOT NULL,
  UNIQUE (stream_id, revision)
);
CREATE TABLE IF NOT EXISTS stream_metadata (
  stream_id   TEXT PRIMARY KEY,
  metadata    TEXT NOT NULL
);
`;

export interface OpenDatabaseOptions {
  readonly path: string;
  /** true → synchronous=FULL (an fsync per commit: survives power loss). */
  readonly fsync: boolean;
  /** How long a writer waits for another process's write lock before failing. */
  readonly busyTimeoutMs: number;
}

/**
 * Opens (creating if needed) the database file with the durability settings of the store.
 *
 * WAL + synchronous=NORMAL: a commit is written to the WAL file before the append is
 * acknowledged, so it survives kill -9 of the process (the data is in the OS page cache);
 * only an OS crash or power loss can lose the last commits. synchronous=FULL adds an
 * fsync of the WAL per commit and survives those too.
 */
export function openDatabase(options: OpenDatabaseOptions): Database.Database {
  if (options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true });
  const db = new Database(options.path, { timeout: options.busyTimeoutMs });
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${options.fsync ? 'FULL' : 'NORMAL'}`);
  // Each append of a write group runs under a savepoint; keep its sub-journal in memory
  // rather than in a temporary file (it measured ~1.5x slower on disk).
  db.pragma('temp_store = MEMORY');
  // Index pages of a large log are touched at random by appends to many streams: keep
  // them in a 64 MiB page cache and read the file through mmap (no read syscalls).
  db.pragma('cache_size = -65536');
  if (options.path !== ':memory:') db.pragma('mmap_size = 268435456');
  migrate(db);
  return db;
}

function migrate(db: Database.Database): void {
  const version = db.pragma('user_version', { simple: true });
  if (typeof version === 'number' && version > SCHEMA_VERSION) {
    throw new Error(`event store schema version ${version} is newer than this code (${SCHEMA_VERSION})`);
  }
  db.transaction(() => {
    db.exec(DDL);
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  }).immediate();
}
