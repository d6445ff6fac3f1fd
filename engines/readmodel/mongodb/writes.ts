import { type AnyBulkWriteOperation, type Collection, MongoBulkWriteError } from 'mongodb';
import type { DocumentWrite } from '../port.js';
import type { StoredDoc } from './query.js';

const DUPLICATE_KEY = 11000;

/**
 * The writes of a commit per collection, keeping only the last write to each document. A
 * write replaces or deletes the whole document, so the last one alone gives the same end
 * state as applying all of them in order — which lets each collection's bulk be unordered.
 */
export function lastWritesByCollection(writes: readonly DocumentWrite[]): Map<string, DocumentWrite[]> {
  const last = new Map<string, Map<string, DocumentWrite>>();
  for (const write of writes) {
    const byId = last.get(write.collection) ?? new Map<string, DocumentWrite>();
    byId.set(write.id, write);
    last.set(write.collection, byId);
  }
  return new Map([...last].map(([collection, byId]) => [collection, [...byId.values()]]));
}

function toOperation(write: DocumentWrite): AnyBulkWriteOperation<StoredDoc> {
  if (write.doc === null) return { deleteOne: { filter: { _id: write.id } } };
  return { replaceOne: { filter: { _id: write.id }, replacement: { ...write.doc }, upsert: true } };
}

/**
 * The writes whose insert failed because the document exists. Any other failure is thrown as
 * it is, and so is a result that does not account for every document (inserted or refused as
 * a duplicate): one that was never sent must not be taken for stored.
 */
function alreadyStored(error: unknown, attempted: readonly DocumentWrite[]): DocumentWrite[] {
  if (!(error instanceof MongoBulkWriteError)) throw error;
  const failed = Array.isArray(error.writeErrors) ? error.writeErrors : [error.writeErrors];
  if (failed.length === 0 || failed.some((e) => e.code !== DUPLICATE_KEY)) throw error;
  if (error.insertedCount + failed.length !== attempted.length) throw error;
  return failed.map((e) => attempted[e.index] as DocumentWrite);
}

/**
 * Writes the last state of each document: inserts first, then replaces those that already
 * existed, and deletes. On FerretDB's SQLite backend an insert costs the same whatever the
 * collection's size, while a replace or an upsert scans the collection (its lookups by _id
 * use no index), so a rebuild — almost only new documents — stays linear. On MongoDB a
 * batch of updates costs one extra round trip (the refused inserts). Unordered: every write
 * touches another document, so order does not matter, and a batch that failed half-way is
 * applied again as a whole (an insert that landed then is replaced with the same document).
 * Replaces and deletes go `updatesPerCommand` to a command (see MongoReadModelStoreOptions).
 */
export async function writeLast(documents: Collection<StoredDoc>, writes: readonly DocumentWrite[], updatesPerCommand: number): Promise<void> {
  const upserts = writes.filter((write) => write.doc !== null);
  let replace: DocumentWrite[] = [];
  if (upserts.length > 0) {
    try {
      await documents.insertMany(upserts.map((write) => ({ ...write.doc, _id: write.id })), { ordered: false });
    } catch (error) {
      replace = alreadyStored(error, upserts);
    }
  }
  const operations = [...replace, ...writes.filter((write) => write.doc === null)].map(toOperation);
  for (let i = 0; i < operations.length; i += updatesPerCommand) {
    await documents.bulkWrite(operations.slice(i, i + updatesPerCommand), { ordered: false });
  }
}
