import type Database from 'better-sqlite3';
import { assertField, collectionLiteral, fieldExpr } from './fields.js';

/**
 * One table holds every collection: documents are JSON text keyed by (collection, id).
 * Checkpoints live in the same file so a batch of writes and its checkpoint commit in one
 * transaction: after a crash the read model is exactly as of its checkpoint.
 */
const DDL = `
CREATE TABLE IF NOT EXISTS documents (
  collection TEXT NOT NULL,
  id         TEXT NOT NULL,
  doc        TEXT NOT NULL,
  PRIMARY KEY (collection, id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS checkpoints (
  name     TEXT PRIMARY KEY,
  position INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS aliases (
  alias      TEXT PRIMARY KEY,
  collection TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS dead_letters (
  projection TEXT    NOT NULL,
  position   INTEGER NOT NULL,
  stream_id  TEXT    NOT NULL,
  event_id   TEXT    NOT NULL,
  event_type TEXT    NOT NULL,
  error      TEXT    NOT NULL,
  failed_at  TEXT    NOT NULL,
  PRIMARY KEY (projection, position)
) WITHOUT ROWID;
`;

/**
 * WAL lets queries read while a projection batch commits. synchronous=NORMAL in WAL mode
 * never corrupts and never splits a transaction; a power cut may lose the last commits,
 * which the projection simply re-applies from its (equally rolled back) checkpoint.
 */
export function initialise(db: Database.Database): void {
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  db.exec(DDL);
}

/**
 * Expression indexes over (collection, field, id), which serve equality, range and the
 * keyset order of `find`; plus (collection, tenantId, field, id), which serves the
 * tenant-scoped queries every tenant read goes through. Each index is PARTIAL to one
 * physical collection (`WHERE collection = '<name>'`): a write then maintains only its own
 * collection's indexes — with indexes shared by every collection, each audit-timeline
 * insert paid for all 27 fields that any projection declared (measured 15× slower).
 */
export function createFieldIndexes(db: Database.Database, collection: string, fields: readonly string[]): void {
  fields.forEach((field, i) => assertField(field, `fields[${i}]`));
  const literal = collectionLiteral(collection);
  const tenant = fieldExpr('tenantId');
  const statements = fields
    .filter((field) => field !== 'id')
    .flatMap((field) => {
      const partial = `WHERE collection = ${literal}`;
      const single = `CREATE INDEX IF NOT EXISTS ix_${collection}__${field} ON documents (collection, ${fieldExpr(field)}, id) ${partial}`;
      if (field === 'tenantId') return [single];
      return [single, `CREATE INDEX IF NOT EXISTS ix_${collection}__tenant_${field} ON documents (collection, ${tenant}, ${fieldExpr(field)}, id) ${partial}`];
    });
  db.transaction(() => statements.forEach((sql) => db.exec(sql)))();
}

/** Drops the partial indexes of one collection (with its documents, on dropCollection). */
export function dropFieldIndexes(db: Database.Database, collection: string): void {
  collectionLiteral(collection); // validates the name
  const prefix = `ix_${collection}__`;
  const names = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'index'").all() as { name: string }[]).map((row) => row.name);
  for (const name of names.filter((candidate) => candidate.startsWith(prefix))) db.exec(`DROP INDEX IF EXISTS "${name}"`);
}
