import { canonicalJson } from './canonical-json.js';
import { sha256Hex } from './digest.js';
import { nameBasedUuid } from './name-based-uuid.js';
import type { EventToAppend, JsonObject, RecordedEvent } from '../../engines/eventstore/port.js';
import type { DomainEvent } from './decider.js';

/**
 * The envelope every stored event carries. Metadata is what an auditor needs to explain
 * an event: who, why (causation), which request (correlation), when, which schema, and
 * the hash chain that makes tampering with any stored event detectable.
 */
export interface EventMetadata {
  readonly tenantId: string;
  readonly correlationId: string;
  readonly causationId: string;
  readonly actor: string;
  readonly commandId: string;
  readonly schemaVersion: number;
  readonly occurredAt: string;
  /** Hash of the previous event of the same stream; GENESIS_HASH for the first. */
  readonly prevHash: string;
  /** sha256 over the canonical (RFC 8785) form of the event without this field. */
  readonly hash: string;
}

export const GENESIS_HASH = '0'.repeat(64);

/** Fixed namespace so event ids are the same on every node and on every retry. */
const eventIdOf = nameBasedUuid('6f0e7f4e-2d54-4f38-9a37-6c1a5e0b7a11');

export function deterministicEventId(commandId: string, index: number): string {
  return eventIdOf(`${commandId}#${index}`);
}

export interface CommandContext {
  readonly tenantId: string;
  readonly commandId: string;
  readonly correlationId: string;
  readonly causationId: string;
  readonly actor: string;
  readonly occurredAt: string;
}

interface HashInput {
  readonly eventId: string;
  readonly streamId: string;
  readonly revision: number;
  readonly type: string;
  readonly data: unknown;
  readonly metadata: Omit<EventMetadata, 'hash'>;
}

export function hashEvent(input: HashInput): string {
  const canonical = canonicalJson(input);
  if (canonical === undefined) throw new Error('event is not canonicalizable');
  return sha256Hex(canonical);
}

/**
 * Turns decided events into appendable envelopes, chained to the stream's last hash.
 * `firstRevision` is the revision the first new event will get (last revision + 1).
 */
export function sealEvents(
  streamId: string,
  events: readonly DomainEvent[],
  context: CommandContext,
  chain: { readonly firstRevision: number; readonly prevHash: string },
  schemaVersionOf: (type: string) => number,
): EventToAppend[] {
  let prevHash = chain.prevHash;
  return events.map((event, index) => {
    const eventId = deterministicEventId(context.commandId, index);
    // Keys in canonical (sorted) order, here and in the hash input: canonicalJson then sorts nothing.
    const base: Omit<EventMetadata, 'hash'> = {
      actor: context.actor,
      causationId: context.causationId,
      commandId: context.commandId,
      correlationId: context.correlationId,
      occurredAt: context.occurredAt,
      prevHash,
      schemaVersion: schemaVersionOf(event.type),
      tenantId: context.tenantId,
    };
    const hash = hashEvent({ data: event.data, eventId, metadata: base, revision: chain.firstRevision + index, streamId, type: event.type });
    prevHash = hash;
    return { eventId, type: event.type, data: event.data as JsonObject, metadata: { ...base, hash } };
  });
}

export interface BrokenLink {
  readonly streamId: string;
  readonly revision: number;
  readonly position: number;
  readonly eventId: string;
  readonly reason: 'hash_mismatch' | 'prev_hash_mismatch' | 'missing_metadata' | 'revision_gap';
}

/** Verifies one stream's events (in revision order); returns the first broken link or null. */
export function verifyChain(events: readonly RecordedEvent[]): BrokenLink | null {
  const verifier = new ChainVerifier();
  for (const event of events) {
    const broken = verifier.next(event);
    if (broken) return broken;
  }
  return null;
}

/**
 * Incremental verifier for one stream, fed events in revision order. Detects edited
 * events (hash), reordered or replaced ones (prevHash) and removed ones (revision gap).
 */
export class ChainVerifier {
  private prevHash = GENESIS_HASH;
  private expectedRevision = 0;

  next(event: RecordedEvent): BrokenLink | null {
    const metadata = event.metadata as Partial<EventMetadata>;
    const link = { streamId: event.streamId, revision: event.revision, position: event.position, eventId: event.eventId };
    if (event.revision !== this.expectedRevision) return { ...link, reason: 'revision_gap' };
    this.expectedRevision++;
    const prevHash = this.prevHash;
    if (typeof metadata.hash !== 'string' || typeof metadata.prevHash !== 'string') return { ...link, reason: 'missing_metadata' };
    if (metadata.prevHash !== prevHash) return { ...link, reason: 'prev_hash_mismatch' };
    const { hash, ...rest } = metadata as EventMetadata;
    const expected = hashEvent({ data: event.data, eventId: event.eventId, metadata: rest, revision: event.revision, streamId: event.streamId, type: event.type });
    if (expected !== hash) return { ...link, reason: 'hash_mismatch' };
    this.prevHash = hash;
    return null;
  }
}
