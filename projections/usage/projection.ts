import { toDomainEvent } from '../../commands/handler.js';
import type { InferenceEvent } from '../../domain/inference/events.js';
import { assertNever } from '../../domain/shared/errors.js';
import type { RecordedEvent } from '../../engines/eventstore/port.js';
import type { Doc } from '../../engines/readmodel/port.js';
import type { Projection } from '../runtime/projection.js';
import { eventTypeGuard, occurredAt, streamOf } from '../shared/recorded.js';

/**
 * Placeholder for a dimension an event does not have: a rejection may name no key or
 * model, and never has a deployment or a currency (nothing was routed or spent). A real
 * key or deployment could be called '-', but a rejection's rollup always has currency
 * '-' and a served request's never does, so the two never share a document.
 */
export const NONE = '-';

/** The dimensions of one rollup: everything but the tenant and the day. */
export interface RollupKey {
  readonly keyId: string;
  readonly modelAlias: string;
  readonly deploymentId: string;
  readonly currency: string;
}

/** The counts a rollup and a usage report share; they add up across rollups. */
export const USAGE_COUNTS = ['requests', 'completed', 'failed', 'rejected', 'inputTokens', 'outputTokens', 'cachedTokens'] as const;
export type UsageCounts = { readonly [K in (typeof USAGE_COUNTS)[number]]: number };

/**
 * Daily usage of one tenant per (UTC day of occurredAt, key, model alias, deployment,
 * currency). Counts and sums only, so totals over any range add up exactly; averages are
 * derived at query time (latencyMsSum / (completed + failed): rejections have no latency).
 */
export interface UsageRollupDoc extends Doc, RollupKey, UsageCounts {
  /** UTC day of the events' occurredAt, YYYY-MM-DD. */
  readonly day: string;
  /** Integer micro-units of `currency`. */
  readonly costMicros: number;
  readonly latencyMsSum: number;
  readonly firstEventAt: string;
  readonly lastEventAt: string;
}

const isInferenceEventType = eventTypeGuard<InferenceEvent['type']>({
  InferenceCompleted: true,
  InferenceFailed: true,
  InferenceRejected: true,
});

/** The UTC calendar day of an instant; throws on an unreadable one (the event is dead-lettered). */
export function utcDay(isoInstant: string): string {
  const at = new Date(isoInstant);
  if (Number.isNaN(at.getTime())) throw new Error(`invalid instant '${isoInstant}'`);
  return at.toISOString().slice(0, 10);
}

/**
 * Readable and collision-free: tenant, key, deployment and currency cannot contain '.',
 * the day has none, and the model alias (which may) comes last, so the id parses back
 * unambiguously.
 */
export const usageRollupId = (tenantId: string, day: string, key: RollupKey): string =>
  `${tenantId}.${day}.${key.keyId}.${key.deploymentId}.${key.currency}.${key.modelAlias}`;

function rollupKeyOf(event: InferenceEvent): RollupKey {
  if (event.type === 'InferenceRejected') {
    return { keyId: event.data.keyId ?? NONE, modelAlias: event.data.modelAlias ?? NONE, deploymentId: NONE, currency: NONE };
  }
  const { keyId, modelAlias, deploymentId, currency } = event.data;
  return { keyId, modelAlias, deploymentId, currency };
}

export const zeroCounts = (): UsageCounts => ({ requests: 0, completed: 0, failed: 0, rejected: 0, inputTokens: 0, outputTokens: 0, cachedTokens: 0 });

function emptyRollup(id: string, tenantId: string, day: string, key: RollupKey, at: string): UsageRollupDoc {
  return { id, tenantId, _position: 0, day, ...key, ...zeroCounts(), costMicros: 0, latencyMsSum: 0, firstEventAt: at, lastEventAt: at };
}

const earlier = (a: string, b: string): string => (Date.parse(b) < Date.parse(a) ? b : a);
const later = (a: string, b: string): string => (Date.parse(b) > Date.parse(a) ? b : a);

function addOutcome(doc: UsageRollupDoc, event: InferenceEvent, at: string): UsageRollupDoc {
  // Events of different requests reach the projection in commit order, not occurredAt order.
  const counted = { ...doc, requests: doc.requests + 1, firstEventAt: earlier(doc.firstEventAt, at), lastEventAt: later(doc.lastEventAt, at) };
  if (event.type === 'InferenceRejected') return { ...counted, rejected: doc.rejected + 1 };
  const { inputTokens, outputTokens, cachedTokens, costMicros, latencyMs } = event.data;
  const served = {
    ...counted,
    inputTokens: doc.inputTokens + inputTokens,
    outputTokens: doc.outputTokens + outputTokens,
    cachedTokens: doc.cachedTokens + cachedTokens,
    costMicros: doc.costMicros + costMicros,
    latencyMsSum: doc.latencyMsSum + latencyMs,
  };
  switch (event.type) {
    case 'InferenceCompleted':
      return { ...served, completed: doc.completed + 1 };
    case 'InferenceFailed':
      return { ...served, failed: doc.failed + 1 };
    default:
      return assertNever(event, 'inference event');
  }
}

interface Located {
  readonly id: string;
  readonly tenantId: string;
  readonly day: string;
  readonly key: RollupKey;
  readonly event: InferenceEvent;
}

/** The rollup an inference event counts towards; the tenant is the stream's, as for every tenant-owned read model. */
function locate(recorded: RecordedEvent): Located | null {
  if (!isInferenceEventType(recorded.type)) return null;
  const stream = streamOf(recorded, 'inference');
  if (stream === null) return null;
  const event = toDomainEvent<InferenceEvent>(recorded);
  const day = utcDay(occurredAt(recorded));
  const key = rollupKeyOf(event);
  return { id: usageRollupId(stream.tenantId, day, key), tenantId: stream.tenantId, day, key, event };
}

export const usageProjection: Projection = {
  name: 'usage',
  version: 1,
  collection: 'usage',
  // Every query ranges over a tenant's days; the per-key view also filters on keyId.
  indexes: ['day', 'keyId'],
  categories: ['inference'],
  documentId: (recorded) => locate(recorded)?.id ?? null,
  evolve(doc, recorded) {
    const located = locate(recorded);
    if (located === null) return doc;
    const at = occurredAt(recorded);
    const base = (doc as UsageRollupDoc | null) ?? emptyRollup(located.id, located.tenantId, located.day, located.key, at);
    return addOutcome(base, located.event, at);
  },
};
