import type { Doc } from '../../engines/readmodel/port.js';

/**
 * The documents one worker has read or committed, kept across batches so a batch reads from
 * the store only what the worker has never seen (on FerretDB every read by id scans the whole
 * collection, so a rebuild that read each new document first grew quadratically).
 *
 * Sound because the worker is the only writer of its physical collection (one runner per
 * store) and evolve is deterministic: a cached state is one the store held after a commit or
 * a read. Should the store be ahead of it (a commit that failed half-way), re-applying the
 * events after the cached `_position` reproduces exactly what the store holds.
 *
 * Complete mode: a worker that starts on an empty collection from position 0 writes every
 * document there will be, so an id it never wrote is absent — known without a read. The mode
 * ends (reads resume) when it would have to remember more than `maxIds` ids.
 */
export class DocumentCache {
  /** Least recently used first (a Map keeps insertion order; a hit re-inserts). */
  private readonly docs = new Map<string, Doc | null>();
  private written: Set<string> | null = null;

  constructor(
    private readonly maxDocs = 10_000,
    private readonly maxIds = 1_000_000,
  ) {}

  /** Forgets everything; `complete` when the collection is empty and the worker replays from position 0. */
  reset(complete: boolean): void {
    this.docs.clear();
    this.written = complete ? new Set() : null;
  }

  get complete(): boolean {
    return this.written !== null;
  }

  /** The last known state (null: known absent), or undefined when only the store knows. */
  lookup(id: string): Doc | null | undefined {
    const doc = this.docs.get(id);
    if (doc !== undefined) {
      this.docs.delete(id);
      this.docs.set(id, doc);
      return doc;
    }
    if (this.written !== null && !this.written.has(id)) return null;
    return undefined;
  }

  /** A state the store held (a read) or holds (a committed write). */
  remember(id: string, doc: Doc | null): void {
    this.docs.delete(id);
    this.docs.set(id, doc);
    if (this.docs.size > this.maxDocs) this.docs.delete(this.docs.keys().next().value as string);
    if (this.written === null || doc === null) return;
    this.written.add(id);
    if (this.written.size > this.maxIds) this.written = null;
  }
}
