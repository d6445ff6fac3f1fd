import { ReadModelStoreUnavailableError } from '../../engines/readmodel/mongodb/index.js';
import type { DeadLetter, Doc, DocumentWrite, FindQuery, Page, ReadModelStore } from '../../engines/readmodel/port.js';

/**
 * A read-model store whose engine can be "unplugged": while `down`, every call fails the way
 * the MongoDB adapter fails during an outage (ReadModelStoreUnavailableError). It can also
 * fail one commit half-way, as an engine without transactions does when it dies mid-bulk.
 */
export class FlakyStore implements ReadModelStore {
  down = false;
  /** Calls refused while down. */
  refused = 0;
  /** Document reads (get and find) that reached the store. */
  reads = 0;
  private partial: number | null = null;
  private refusal: Error | null = null;

  constructor(readonly inner: ReadModelStore) {}

  /** The next commit applies its first `writes` writes (without its checkpoint), then the store goes down. */
  dieDuringNextCommit(writes: number): void {
    this.partial = writes;
  }

  /** The next commit is refused with `error` (a store that is up but rejects the write). */
  refuseNextCommit(error: Error): void {
    this.refusal = error;
  }

  async commit(writes: readonly DocumentWrite[], checkpoint: { readonly name: string; readonly position: number }): Promise<void> {
    const refusal = this.refusal;
    this.refusal = null;
    if (refusal) throw refusal;
    if (this.partial !== null && !this.down && writes.length > 0) {
      await this.inner.commit(writes.slice(0, this.partial), { name: 'flaky_scratch', position: 0 });
      this.partial = null;
      this.down = true;
    }
    return this.guard('commit', () => this.inner.commit(writes, checkpoint));
  }

  get = (collection: string, id: string): Promise<Doc | null> => this.guard('get', () => (this.reads++, this.inner.get(collection, id)));
  find = (collection: string, query: FindQuery): Promise<Page<Doc>> => this.guard('find', () => (this.reads++, this.inner.find(collection, query)));
  getCheckpoint = (name: string): Promise<number> => this.guard('getCheckpoint', () => this.inner.getCheckpoint(name));
  deleteCheckpoint = (name: string): Promise<void> => this.guard('deleteCheckpoint', () => this.inner.deleteCheckpoint(name));
  ensureIndexes = (collection: string, fields: readonly string[]): Promise<void> => this.guard('ensureIndexes', () => this.inner.ensureIndexes(collection, fields));
  dropCollection = (collection: string): Promise<void> => this.guard('dropCollection', () => this.inner.dropCollection(collection));
  setAlias = (alias: string, collection: string): Promise<void> => this.guard('setAlias', () => this.inner.setAlias(alias, collection));
  getAlias = (alias: string): Promise<string | null> => this.guard('getAlias', () => this.inner.getAlias(alias));
  addDeadLetter = (entry: DeadLetter): Promise<void> => this.guard('addDeadLetter', () => this.inner.addDeadLetter(entry));
  listDeadLetters = (projection: string, limit: number): Promise<DeadLetter[]> => this.guard('listDeadLetters', () => this.inner.listDeadLetters(projection, limit));
  close = (): Promise<void> => this.inner.close();

  private guard<T>(operation: string, work: () => Promise<T>): Promise<T> {
    if (!this.down) return work();
    this.refused += 1;
    return Promise.reject(new ReadModelStoreUnavailableError('flaky', operation, new Error('connect ECONNREFUSED 127.0.0.1:1')));
  }
}
