import type Database from 'better-sqlite3';

/** A row of the `events` table, as better-sqlite3 returns it. */
export interface EventRow {
  readonly position: number;
  readonly stream_id: string;
  readonly revision: number;
  readonly event_id: string;
  readonly type: string;
  readonly data: string;
  readonly metadata: string;
  readonly recorded_at: string;
}

export interface EventPlaceRow {
  readonly revision: number;
  readonly position: number;
}

export interface StreamHeadRow {
  readonly revision: number;
  readonly position: number;
}

type InsertEventParams = [streamId: string, revision: number, eventId: string, type: string, data: string, metadata: string, recordedAt: string];

const EVENT_COLUMNS = 'position, stream_id, revision, event_id, type, data, metadata, recorded_at';

/**
 * Every statement the store runs, prepared once per connection: preparing is the
 * dominant cost of a small query, and the write path runs several per event.
 * A LIMIT of -1 means "no limit" to SQLite.
 */
export function prepareStatements(db: Database.Database) {
  return {
    streamHead: db.prepare<[string], StreamHeadRow>(
      'SELECT revision, position FROM events WHERE stream_id = ? ORDER BY revision DESC LIMIT 1',
    ),
    // Narrowed to the stream by the (stream_id, revision) index, then filtered: it runs only
    // when an append's expected revision fails or it expects 'any', never on the hot path.
    eventPlaceInStream: db.prepare<[string, string], EventPlaceRow>('SELECT revision, position FROM events WHERE stream_id = ? AND event_id = ?'),
    insertEvent: db.prepare<InsertEventParams>(
      'INSERT INTO events (stream_id, revision, event_id, type, data, metadata, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
    ),
    readStreamForwards: db.prepare<[string, number, number], EventRow>(
      `SELECT ${EVENT_COLUMNS} FROM events WHERE stream_id = ? AND revision >= ? ORDER BY revision ASC LIMIT ?`,
    ),
    readStreamBackwards: db.prepare<[string, number, number], EventRow>(
      `SELECT ${EVENT_COLUMNS} FROM events WHERE stream_id = ? AND revision <= ? ORDER BY revision DESC LIMIT ?`,
    ),
    readAll: db.prepare<[number, number], EventRow>(
      `SELECT ${EVENT_COLUMNS} FROM events WHERE position > ? ORDER BY position ASC LIMIT ?`,
    ),
    headPosition: db.prepare<[], { position: number }>('SELECT COALESCE(MAX(position), 0) AS position FROM events'),
    setStreamMetadata: db.prepare<[string, string]>(
      `INSERT INTO stream_metadata (stream_id, metadata) VALUES (?, ?)
       ON CONFLICT (stream_id) DO UPDATE SET metadata = excluded.metadata`,
    ),
    getStreamMetadata: db.prepare<[string], { metadata: string }>('SELECT metadata FROM stream_metadata WHERE stream_id = ?'),
  };
}

export type Statements = ReturnType<typeof prepareStatements>;

/**
 * Events after a position, up to a head, of the given stream categories (the part of the
 * stream id before its first '-'). Non-matching rows are skipped inside SQLite, never decoded.
 */
export function prepareReadCategories(db: Database.Database, categoryCount: number): Database.Statement<unknown[], EventRow> {
  const placeholders = Array.from({ length: categoryCount }, () => '?').join(', ');
  return db.prepare<unknown[], EventRow>(
    `SELECT ${EVENT_COLUMNS} FROM events WHERE position > ? AND position <= ? AND substr(stream_id, 1, instr(stream_id, '-') - 1) IN (${placeholders}) ORDER BY position ASC LIMIT ?`,
  );
}
