import { toDomainEvent } from '../../commands/handler.js';
import { foldFor } from '../../domain/registry.js';
import { ChainVerifier, type BrokenLink } from '../../domain/shared/envelope.js';
import { NotFoundError, RuleViolationError } from '../../domain/shared/errors.js';
import { parseStreamId } from '../../domain/shared/streams.js';
import type { EventStore, RecordedEvent } from '../../engines/eventstore/port.js';

/**
 * Forensic queries answered from the event store alone — never from a read model, which
 * is derived data an auditor should not have to trust.
 */
export interface VerificationReport {
  readonly ok: boolean;
  readonly streamsChecked: number;
  readonly eventsChecked: number;
  /** The first broken link by global position, or null when every chain verifies. */
  readonly firstBrokenLink: BrokenLink | null;
}

export async function verifyStream(store: EventStore, streamId: string): Promise<VerificationReport> {
  const events = await store.readStream(streamId);
  if (events.length === 0) throw new NotFoundError('stream', streamId);
  const verifier = new ChainVerifier();
  for (const [index, event] of events.entries()) {
    const broken = verifier.next(event);
    if (broken) return { ok: false, streamsChecked: 1, eventsChecked: index + 1, firstBrokenLink: broken };
  }
  return { ok: true, streamsChecked: 1, eventsChecked: events.length, firstBrokenLink: null };
}

const SCAN_BATCH = 2_000;

/** Scans the whole log once, verifying every stream that belongs to the tenant (by stream id). */
export async function verifyTenant(store: EventStore, tenantId: string): Promise<VerificationReport> {
  const verifiers = new Map<string, ChainVerifier>();
  const broken = new Set<string>();
  let firstBrokenLink: BrokenLink | null = null;
  let eventsChecked = 0;
  for (let after = 0; ; ) {
    const batch = await store.readAll({ after, maxCount: SCAN_BATCH });
    if (batch.length === 0) break;
    after = batch[batch.length - 1].position;
    for (const event of batch) {
      if (parseStreamId(event.streamId)?.tenantId !== tenantId || broken.has(event.streamId)) continue;
      const verifier = verifiers.get(event.streamId) ?? new ChainVerifier();
      verifiers.set(event.streamId, verifier);
      eventsChecked++;
      const link = verifier.next(event);
      if (!link) continue;
      broken.add(event.streamId); // later events of a broken stream cannot be judged
      if (!firstBrokenLink || link.position < firstBrokenLink.position) firstBrokenLink = link;
    }
  }
  return { ok: firstBrokenLink === null, streamsChecked: verifiers.size, eventsChecked, firstBrokenLink };
}

export interface AsOf {
  /** Fold events that occurred at or before this instant (ISO-8601). */
  readonly at?: string;
  /** Fold events at or before this global position. */
  readonly position?: number;
}

export interface StateAsOf {
  readonly streamId: string;
  readonly asOf: AsOf;
  /** Revision of the last event folded, -1 when none. */
  readonly revision: number;
  readonly position: number | null;
  readonly occurredAt: string | null;
  readonly eventsApplied: number;
  readonly state: unknown;
}

const applies = (event: RecordedEvent, asOf: AsOf): boolean =>
  (asOf.position === undefined || event.position <= asOf.position) &&
  (asOf.at === undefined || Date.parse(String(event.metadata.occurredAt)) <= Date.parse(asOf.at));

/** The state of any tenant, policy, budget, key or deployment stream at a time or position. */
export async function stateAsOf(store: EventStore, streamId: string, asOf: AsOf): Promise<StateAsOf> {
  const name = parseStreamId(streamId);
  if (!name) throw new NotFoundError('stream', streamId);
  const fold = foldFor(name.category);
  if (!fold) throw new RuleViolationError('stream_not_foldable', `streams of category '${name.category}' have no state to fold`);
  const events = await store.readStream(streamId);
  if (events.length === 0) throw new NotFoundError('stream', streamId);
  let state = fold.initialState();
  let last: RecordedEvent | null = null;
  let eventsApplied = 0;
  for (const event of events) {
    if (!applies(event, asOf)) break; // streams are in time and position order
    state = fold.evolve(state, toDomainEvent(event));
    last = event;
    eventsApplied++;
  }
  return {
    streamId,
    asOf,
    revision: last ? last.revision : -1,
    position: last ? last.position : null,
    occurredAt: last ? String(last.metadata.occurredAt) : null,
    eventsApplied,
    state,
  };
}
