import type Database from 'better-sqlite3';
import { assertField, fieldExpr } from './fields.js';

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
 * tenant-scoped queries every tenant read goes through. Indexes span all collections
 * (index DDL cannot bind the collection name), so one field name costs one index.
 */
export function createFieldIndexes(db: Database.Database, fields: readonly string[]): void {
  fields.forEach((field, i) => assertField(field, `fields[${i}]`));
  const tenant = fieldExpr('tenantId');
  const statements = fields
    .filter((field) => field !== 'id')
    .flatMap((field) => {
      const single = `CREATE INDEX IF NOT EXISTS ix_documents_${field} ON documents (collection, ${fieldExpr(field)}, id)`;
      if (field === 'tenantId') return [single];
      return [single, `CREATE INDEX IF NOT EXISTS ix_documents_tenant_${field} ON documents (collection, ${tenant}, ${fieldExpr(field)}, id)`];
    });
  db.transaction(() => statements.forEach((sql) => db.exec(sql)))();
}
