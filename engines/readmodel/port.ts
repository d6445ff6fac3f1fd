/**
 * The read-model (document) store port. The embedded SQLite adapter and the MongoDB
 * adapter both implement it and both pass test/contract/read-model-store.contract.ts.
 *
 * It is deliberately small: single-document gets, filtered/sorted/paginated finds, and a
 * batch commit of document writes together with a projection checkpoint. On engines with
 * transactions (SQLite) the batch is atomic; on engines without multi-document
 * transactions (MongoDB on FerretDB) each document carries `_position`, the position of
 * the last event applied to it, so re-applying a batch after a crash is a no-op per
 * document — the projection runtime relies on that, not on atomicity.
 */
export interface Doc {
  readonly id: string;
  readonly tenantId: string;
  /** Global position of the last event applied to this document. */
  readonly _position: number;
  readonly [field: string]: unknown;
}

export type Scalar = string | number | boolean | null;

/** A filter on a top-level field: equality, membership, or an inclusive range. */
export type FieldFilter = Scalar | { readonly in: readonly Scalar[] } | { readonly gte?: string | number; readonly lte?: string | number };

export interface FindQuery {
  readonly filter?: Readonly<Record<string, FieldFilter>>;
  /** Sort field (top-level); ties are broken by id. Defaults to id ascending. */
  readonly sort?: { readonly field: string; readonly direction: 'asc' | 'desc' };
  readonly limit: number;
  /** Opaque cursor returned as `nextCursor` by the previous page. */
  readonly after?: string;
}

export interface Page<T> {
  readonly items: T[];
  readonly nextCursor: string | null;
}

export interface DocumentWrite {
  readonly collection: string;
  readonly id: string;
  /** null deletes the document. */
  readonly doc: Doc | null;
}

export interface DeadLetter {
  readonly projection: string;
  readonly position: number;
  readonly streamId: string;
  readonly eventId: string;
  readonly eventType: string;
  readonly error: string;
  readonly failedAt: string;
}

export interface ReadModelStore {
  get(collection: string, id: string): Promise<Doc | null>;
  find(collection: string, query: FindQuery): Promise<Page<Doc>>;
  /** Applies the writes and stores the checkpoint `position` under `checkpointName`. */
  commit(writes: readonly DocumentWrite[], checkpoint: { readonly name: string; readonly position: number }): Promise<void>;
  /** 0 when the checkpoint was never stored. */
  getCheckpoint(name: string): Promise<number>;
  deleteCheckpoint(name: string): Promise<void>;
  /** Declares the fields queries filter or sort on, so the engine can index them. Idempotent. */
  ensureIndexes(collection: string, fields: readonly string[]): Promise<void>;
  /** Removes every document of the collection. */
  dropCollection(collection: string): Promise<void>;
  /** Blue/green switch: the physical collection an alias points at. */
  setAlias(alias: string, collection: string): Promise<void>;
  getAlias(alias: string): Promise<string | null>;
  addDeadLetter(entry: DeadLetter): Promise<void>;
  listDeadLetters(projection: string, limit: number): Promise<DeadLetter[]>;
  close(): Promise<void>;
}
