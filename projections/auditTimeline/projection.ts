import { toDomainEvent } from '../../commands/handler.js';
import { CATEGORIES, parseStreamId, type Category } from '../../domain/shared/streams.js';
import type { RecordedEvent } from '../../engines/eventstore/port.js';
import type { Doc } from '../../engines/readmodel/port.js';
import type { Projection } from '../runtime/projection.js';
import { metadataNumber, metadataString, occurredAt } from '../shared/recorded.js';
import { genericSummary, isSummarisedEventType, summarise, type SummarisedEvent } from './summaries.js';

/**
 * One entry per stored event of every category but inference (see TIMELINE_CATEGORIES): who did what, when, on which stream —
 * a searchable index over the event store, which remains the audit trail itself. Event
 * data is never copied (it may hold key hashes or request content); `summary` is the only
 * trace of it, built per type from harmless fields. tenantId = the tenant in the stream id
 * ('platform' for the deployment catalog).
 *
 * id = the global position, zero-padded: entries then arrive in key order, so the store
 * appends to the end of its primary-key B-tree instead of inserting fat rows at random
 * places (random eventId keys made a rebuild ~2× slower). The eventId stays a field.
 */
/** Sorts like the position it encodes (positions stay below 10^16). */
export const auditEntryId = (position: number): string => String(position).padStart(16, '0');

export interface AuditEntryDoc extends Doc {
  readonly eventId: string;
  readonly position: number;
  readonly streamId: string;
  readonly revision: number;
  readonly category: Category;
  readonly type: string;
  readonly actor: string | null;
  readonly occurredAt: string;
  readonly correlationId: string | null;
  readonly commandId: string | null;
  readonly schemaVersion: number;
  readonly summary: string;
}

function summaryOf(event: RecordedEvent): string {
  // Only types with a hand-written summary ever have their data read (after upcasting);
  // for every other type (later categories, unknown events) the summary names no data at all.
  if (!isSummarisedEventType(event.type)) return genericSummary(event.type, event.streamId);
  try {
    return summarise(toDomainEvent<SummarisedEvent>(event));
  } catch {
    // An event whose data cannot be upcast or read still happened: the timeline keeps its
    // entry (deterministically, with the generic summary) rather than dead-lettering it.
    return genericSummary(event.type, event.streamId);
  }
}

/**
 * Every category but `inference`: the timeline is the record of changes to a tenant's set-up
 * (tenant, keys, policies, budgets, limits) and to the platform's catalog. Inference outcomes,
 * one stream per request and most of the log, are indexed by the usage read model and read
 * from their own streams (`inference-{tenant}.{requestId}`, the X-Request-Id); copying each
 * into the timeline cost a read-model write per request on the gateway's hot path.
 */
const TIMELINE_CATEGORIES: readonly Category[] = CATEGORIES.filter((category) => category !== 'inference');

export const auditTimelineProjection: Projection = {
  name: 'auditTimeline',
  version: 2,
  collection: 'auditTimeline',
  // Only the timeline order is indexed: every tenant query is (tenant, position) ordered and the
  // other filters narrow that scan. Each extra index costs a JSON parse per inserted event.
  indexes: ['position'],
  categories: TIMELINE_CATEGORIES,
  documentId(event) {
    // Streams outside the naming convention belong to no tenant, so no tenant may see them here.
    return parseStreamId(event.streamId) === null ? null : auditEntryId(event.position);
  },
  evolve(_doc, event) {
    // Events are immutable and ids unique, so an entry is a function of its event alone.
    const stream = parseStreamId(event.streamId);
    if (stream === null) return null;
    const entry: AuditEntryDoc = {
      id: auditEntryId(event.position),
      tenantId: stream.tenantId,
      _position: event.position,
      eventId: event.eventId,
      position: event.position,
      streamId: event.streamId,
      revision: event.revision,
      category: stream.category,
      type: event.type,
      actor: metadataString(event, 'actor'),
      occurredAt: occurredAt(event),
      correlationId: metadataString(event, 'correlationId'),
      commandId: metadataString(event, 'commandId'),
      // toDomainEvent reads a missing schemaVersion as 1; record the same.
      schemaVersion: metadataNumber(event, 'schemaVersion') ?? 1,
      summary: summaryOf(event),
    };
    return entry;
  },
};
