import { toDomainEvent } from '../../commands/handler.js';
import type { ApiKeyEvent } from '../../domain/apikey/events.js';
import { assertNever } from '../../domain/shared/errors.js';
import type { RecordedEvent } from '../../engines/eventstore/port.js';
import type { Doc } from '../../engines/readmodel/port.js';
import type { Projection } from '../runtime/projection.js';
import { eventTypeGuard, occurredAt, streamOf, tenantScopedId } from '../shared/recorded.js';

/**
 * One API key. id = `${tenantId}.${keyId}`. Holds the sha256 of the current secret (never
 * the secret): the credential directory looks keys up by it. Expiry is not a status — it
 * depends on the reader's clock, so readers compare `expiresAt` with their own `now`.
 */
export interface ApiKeyDoc extends Doc {
  readonly keyId: string;
  readonly name: string;
  readonly scopes: readonly string[];
  readonly keyPrefix: string;
  /** Only the current hash authenticates; a rotation replaces it. */
  readonly keyHash: string;
  readonly expiresAt: string | null;
  readonly status: 'active' | 'revoked';
  readonly createdAt: string;
  readonly rotatedAt: string | null;
  readonly revokedAt: string | null;
  readonly revokeReason: string | null;
}

const isApiKeyEventType = eventTypeGuard<ApiKeyEvent['type']>({ ApiKeyIssued: true, ApiKeyRotated: true, ApiKeyRevoked: true });

function evolveApiKey(doc: ApiKeyDoc | null, recorded: RecordedEvent): ApiKeyDoc | null {
  const event = toDomainEvent<ApiKeyEvent>(recorded);
  const at = occurredAt(recorded);
  if (event.type === 'ApiKeyIssued') {
    const { tenantId, keyId, name, scopes, keyPrefix, keyHash, expiresAt } = event.data;
    return {
      id: tenantScopedId(tenantId, keyId),
      tenantId,
      _position: recorded.position,
      keyId,
      name,
      scopes: [...scopes],
      keyPrefix,
      keyHash,
      expiresAt,
      status: 'active',
      createdAt: at,
      rotatedAt: null,
      revokedAt: null,
      revokeReason: null,
    };
  }
  if (doc === null) return null; // a key stream cannot start without issuance; ignore defensively
  switch (event.type) {
    case 'ApiKeyRotated':
      return { ...doc, _position: recorded.position, keyPrefix: event.data.keyPrefix, keyHash: event.data.keyHash, rotatedAt: at };
    case 'ApiKeyRevoked':
      return { ...doc, _position: recorded.position, status: 'revoked', revokedAt: at, revokeReason: event.data.reason };
    default:
      return assertNever(event, 'api key event');
  }
}

export const apiKeysProjection: Projection = {
  name: 'apiKeys',
  version: 1,
  collection: 'apiKeys',
  indexes: ['keyHash', 'status'],
  categories: ['apikey'],
  documentId(event) {
    if (!isApiKeyEventType(event.type)) return null;
    const stream = streamOf(event, 'apikey');
    return stream === null ? null : tenantScopedId(stream.tenantId, stream.entityId);
  },
  evolve(doc, event) {
    if (!isApiKeyEventType(event.type)) return doc;
    return evolveApiKey(doc as ApiKeyDoc | null, event);
  },
};
