import type { RecordedEvent } from '../../engines/eventstore/port.js';
import type { DeadLetter, Doc, DocumentWrite, ReadModelStore } from '../../engines/readmodel/port.js';
import type { DocumentCache } from './doc-cache.js';
import type { Projection } from './projection.js';

/** Where one version of a projection writes. */
export interface BatchTarget {
  readonly store: ReadModelStore;
  readonly projection: Projection;
  readonly physical: string;
  readonly checkpointName: string;
  /** Wall clock, used only to stamp dead letters (never handed to evolve). */
  readonly now: () => Date;
  /** What the worker knows of its documents across batches; updated only with what the store holds. */
  readonly known: DocumentCache;
}

export interface BatchOutcome {
  /** The checkpoint now stored: the last position of the batch (or the previous one if nothing was new). */
  readonly checkpoint: number;
  readonly deadLetters: number;
}

const MAX_ERROR_LENGTH = 2000;
/** Ids per prefetch query: well below the adapters' query and parameter limits. */
const PREFETCH_CHUNK = 500;

/** Documents read or written during one batch, so an entity hit by many events is read once. */
type DocCache = Map<string, Doc | null>;

/**
 * Applies a batch of events and commits the resulting writes with the new checkpoint in
 * one store.commit. Guarantees:
 * - events at or below the checkpoint, or at or below a document's `_position`, are
 *   skipped, so redelivery (after a crash, or on an engine without transactions) is a no-op;
 * - an event whose documentId/evolve throws (or returns an invalid document) is recorded
 *   as a dead letter before the checkpoint moves past it, and the batch goes on;
 * - store errors (unavailable or not) propagate, never dead-letter: the batch can be applied
 *   again as a whole, and the worker's cache only learns the writes once they are committed.
 */
export async function applyBatch(target: BatchTarget, checkpoint: number, events: readonly RecordedEvent[]): Promise<BatchOutcome> {
  const docs = await prefetch(target, events.filter((event) => event.position > checkpoint));
  const writes = new Map<string, DocumentWrite>();
  let position = checkpoint;
  let deadLetters = 0;
  for (const event of events) {
    if (event.position <= position) continue;
    position = event.position;
    const failure = await applyEvent(target, event, docs, writes);
    if (failure !== null) {
      await target.store.addDeadLetter(deadLetterOf(target, event, failure));
      deadLetters += 1;
    }
  }
  if (position !== checkpoint) await target.store.commit([...writes.values()], { name: target.checkpointName, position });
  for (const write of writes.values()) target.known.remember(write.id, write.doc);
  return { checkpoint: position, deadLetters };
}

/**
 * The current state of every document the events touch: from the worker's cache, else read in
 * one query per PREFETCH_CHUNK ids (not one round trip per document). An id whose documentId
 * throws is left out; the event is dead-lettered when applied.
 */
async function prefetch(target: BatchTarget, events: readonly RecordedEvent[]): Promise<DocCache> {
  const docs: DocCache = new Map();
  const seen = new Set<string>();
  const unknown: string[] = [];
  for (const event of events) {
    let id: string | null;
    try {
      id = target.projection.documentId(event);
    } catch {
      continue;
    }
    if (id === null || seen.has(id)) continue;
    seen.add(id);
    const known = target.known.lookup(id);
    if (known === undefined) unknown.push(id);
    else docs.set(id, known);
  }
  for (let i = 0; i < unknown.length; i += PREFETCH_CHUNK) {
    const chunk = unknown.slice(i, i + PREFETCH_CHUNK);
    const page = await target.store.find(target.physical, { filter: { id: { in: chunk } }, limit: chunk.length });
    const found = new Map(page.items.map((doc) => [doc.id, doc]));
    for (const id of chunk) {
      const doc = found.get(id) ?? null;
      docs.set(id, doc);
      target.known.remember(id, doc);
    }
  }
  return docs;
}

/** Returns the failure message of an event the projection could not handle, null otherwise. */
async function applyEvent(target: BatchTarget, event: RecordedEvent, docs: DocCache, writes: Map<string, DocumentWrite>): Promise<string | null> {
  let id: string | null;
  try {
    id = target.projection.documentId(event);
  } catch (error) {
    return messageOf(error);
  }
  if (id === null) return null;
  const current = await load(target, docs, id);
  if (current !== null && current._position >= event.position) return null;
  let next: Doc | null;
  try {
    next = checkedDoc(target.projection.evolve(current, event), id);
  } catch (error) {
    return messageOf(error);
  }
  const stored = next === null ? null : { ...next, _position: event.position };
  docs.set(id, stored);
  // A null result for a document that does not exist is not a write.
  if (stored !== null || current !== null) writes.set(id, { collection: target.physical, id, doc: stored });
  return null;
}

/** Every id was prefetched; the store read is for a documentId that changed its mind (it must be pure). */
async function load(target: BatchTarget, docs: DocCache, id: string): Promise<Doc | null> {
  const cached = docs.get(id);
  if (cached !== undefined) return cached;
  const doc = await target.store.get(target.physical, id);
  docs.set(id, doc);
  return doc;
}

function checkedDoc(doc: Doc | null, id: string): Doc | null {
  if (doc === null) return null;
  if (typeof doc !== 'object') throw new Error('evolve returned a non-object');
  if (doc.id !== id) throw new Error(`evolve returned document id '${String(doc.id)}' for document '${id}'`);
  if (typeof doc.tenantId !== 'string' || doc.tenantId === '') throw new Error(`evolve returned document '${id}' without a tenantId`);
  return doc;
}

function deadLetterOf(target: BatchTarget, event: RecordedEvent, error: string): DeadLetter {
  return {
    projection: target.checkpointName,
    position: event.position,
    streamId: event.streamId,
    eventId: event.eventId,
    eventType: event.type,
    error,
    failedAt: target.now().toISOString(),
  };
}

function messageOf(error: unknown): string {
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return message.slice(0, MAX_ERROR_LENGTH);
}
