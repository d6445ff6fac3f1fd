import type { RecordedEvent } from '../../engines/eventstore/port.js';
import type { Doc } from '../../engines/readmodel/port.js';
import type { Category } from '../../domain/shared/streams.js';

/**
 * A read model derived from the event stream. The runtime owns everything around it
 * (subscription, checkpoints, duplicates, dead letters, versions); a projection is only
 * the two pure functions below plus naming.
 */
export interface Projection {
  /** Stable name; checkpoints are stored as `${name}@v${version}`. */
  readonly name: string;
  /**
   * Version of the projection code. Bump it when `evolve` changes meaning: on start, the
   * runner builds the new version beside the live one and switches when it has caught up.
   */
  readonly version: number;
  /** Logical collection queried through an alias (e.g. 'tenants'); physical = `${collection}_v${version}`. */
  readonly collection: string;
  /** Top-level fields queries filter or sort on (tenantId is always indexed). */
  readonly indexes: readonly string[];
  /**
   * Stream categories the projection reads (`tenant`, `inference` …); the subscription is
   * filtered to them, so other events are never decoded for it. Omitted = every event.
   */
  readonly categories?: readonly Category[];
  /** The document an event touches, or null when this projection is not interested. */
  documentId(event: RecordedEvent): string | null;
  /**
   * Pure and deterministic: the same document and event always give the same result, so a
   * rebuild reproduces the live read model exactly. Time comes from event metadata
   * (occurredAt), never from the clock. Returning null deletes the document. The runtime
   * sets `_position`; the returned document must carry the `id` given by documentId and a
   * non-empty `tenantId` (tenant isolation of queries relies on it).
   */
  evolve(doc: Doc | null, event: RecordedEvent): Doc | null;
}

const NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_]{0,62}$/;

export function physicalCollection(projection: Pick<Projection, 'collection'>, version: number): string {
  return `${projection.collection}_v${version}`;
}

export function checkpointName(projection: Pick<Projection, 'name'>, version: number): string {
  return `${projection.name}@v${version}`;
}

/** The version encoded in a physical collection name of this projection, or null if it is not one. */
export function versionOfPhysical(projection: Pick<Projection, 'collection'>, physical: string): number | null {
  const prefix = `${projection.collection}_v`;
  if (!physical.startsWith(prefix)) return null;
  const digits = physical.slice(prefix.length);
  return /^[1-9][0-9]{0,8}$/.test(digits) ? Number(digits) : null;
}

/** Names end up in collection, index and metric label values, so they are kept to a safe alphabet. */
export function assertValidProjection(projection: Projection): void {
  if (!NAME_PATTERN.test(projection.name)) throw new Error(`invalid projection name '${projection.name}'`);
  if (!NAME_PATTERN.test(projection.collection)) throw new Error(`invalid collection '${projection.collection}' of projection ${projection.name}`);
  if (!Number.isInteger(projection.version) || projection.version < 1) throw new Error(`projection ${projection.name}: version must be a positive integer`);
}
