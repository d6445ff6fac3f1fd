import { TENANT_ID_PATTERN, parseStreamId } from '../../domain/shared/streams.js';
import type { RecordedEvent } from '../../engines/eventstore/port.js';
import type { IndexMapping, SearchDoc } from '../../engines/search/port.js';
import { metadataNumber, metadataString, occurredAt } from '../shared/recorded.js';

/**
 * The audit-trail search index: every stored event — every category, inference included —
 * as one search document, so an auditor can find events by words in their data ("which
 * event mentioned gpt-4o?") as well as by type, stream, actor and time. The event store
 * stays the audit trail; this is a projection of it, rebuilt from position 0 at will.
 *
 * - id = `${streamId}@${revision}`: unique (revisions are unique per stream), stable across
 *   stores (unlike the global position, which another engine numbers differently), and the
 *   same on every replay, so re-indexing overwrites.
 * - tenantId = the tenant in the stream id, as ScopedEvents admits reads; metadata.tenantId
 *   only for streams outside the naming convention. An event with neither belongs to no
 *   tenant and is not indexed, so no tenant can find it.
 * - text = the event's data flattened to `key: value` lines for full text. Values under a key
 *   ending in "hash" (keyHash, contentHash…) are left out: a digest is no words, and an API
 *   key's hash has no business in a text index. The metadata hash chain (prevHash, hash) is
 *   kept as keywords only, for exact look-ups.
 */
export const AUDIT_SEARCH_ALIAS = 'nexus-audit';
/** Bump when the document or the mapping changes meaning: the indexer then rebuilds blue/green. */
export const AUDIT_SEARCH_VERSION = 1;

export const AUDIT_SEARCH_MAPPING: IndexMapping = {
  fields: {
    eventId: { type: 'keyword' },
    streamId: { type: 'keyword' },
    category: { type: 'keyword' },
    type: { type: 'keyword' },
    position: { type: 'long' },
    revision: { type: 'long' },
    occurredAt: { type: 'date' },
    recordedAt: { type: 'date' },
    actor: { type: 'keyword' },
    correlationId: { type: 'keyword' },
    causationId: { type: 'keyword' },
    commandId: { type: 'keyword' },
    schemaVersion: { type: 'long' },
    prevHash: { type: 'keyword' },
    hash: { type: 'keyword' },
    text: { type: 'text' },
  },
};

/** Bounds per value and per document: an opted-in tenant's prompts are stored whole, and the index need not copy them whole. */
const MAX_VALUE_CHARS = 2_000;
const MAX_TEXT_CHARS = 32_000;
const HASH_KEY = /hash$/i;

export const auditSearchId = (event: Pick<RecordedEvent, 'streamId' | 'revision'>): string => `${event.streamId}@${event.revision}`;

function tenantOf(event: RecordedEvent): string | null {
  const stream = parseStreamId(event.streamId);
  if (stream) return stream.tenantId;
  const claimed = metadataString(event, 'tenantId');
  return claimed !== null && TENANT_ID_PATTERN.test(claimed) ? claimed : null;
}

/** `key: value` lines of every scalar in the data, depth first; array elements take their array's key. */
export function flattenForText(data: unknown): string {
  const lines: string[] = [];
  let length = 0;
  const visit = (value: unknown, key: string): void => {
    if (length >= MAX_TEXT_CHARS || value === null || value === undefined || HASH_KEY.test(key)) return;
    if (Array.isArray(value)) {
      for (const item of value) visit(item, key);
    } else if (typeof value === 'object') {
      for (const [child, item] of Object.entries(value)) visit(item, child);
    } else if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
      const line = `${key}: ${String(value).slice(0, MAX_VALUE_CHARS)}`;
      lines.push(line);
      length += line.length + 1;
    }
  };
  visit(data, '');
  return lines.join('\n').slice(0, MAX_TEXT_CHARS);
}

/** The search document of one stored event, or null when the event belongs to no tenant. Pure. */
export function auditSearchDoc(event: RecordedEvent): SearchDoc | null {
  const tenantId = tenantOf(event);
  if (tenantId === null) return null;
  const dash = event.streamId.indexOf('-');
  // A malformed domain time must not cost the event its place in the index (the date field would refuse it).
  const when = occurredAt(event);
  const schemaVersion = metadataNumber(event, 'schemaVersion');
  return {
    id: auditSearchId(event),
    tenantId,
    eventId: event.eventId,
    streamId: event.streamId,
    category: dash > 0 ? event.streamId.slice(0, dash) : null,
    type: event.type,
    position: event.position,
    revision: event.revision,
    occurredAt: Number.isNaN(Date.parse(when)) ? event.recordedAt : when,
    recordedAt: event.recordedAt,
    actor: metadataString(event, 'actor'),
    correlationId: metadataString(event, 'correlationId'),
    causationId: metadataString(event, 'causationId'),
    commandId: metadataString(event, 'commandId'),
    schemaVersion: Number.isSafeInteger(schemaVersion) ? schemaVersion : 1,
    prevHash: metadataString(event, 'prevHash'),
    hash: metadataString(event, 'hash'),
    text: flattenForText(event.data),
  };
}
