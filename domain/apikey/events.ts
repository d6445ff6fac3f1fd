import type { DomainEvent } from '../shared/decider.js';
import type { ApiKeyScope } from './commands.js';

/** Events of the API key context. Schemas: schemas/events/apikey/*.avsc. Never a plaintext key. */
export type ApiKeyIssued = DomainEvent<
  'ApiKeyIssued',
  { tenantId: string; keyId: string; name: string; scopes: ApiKeyScope[]; keyPrefix: string; keyHash: string; expiresAt: string | null }
>;
export type ApiKeyRotated = DomainEvent<'ApiKeyRotated', { tenantId: string; keyId: string; keyPrefix: string; keyHash: string }>;
export type ApiKeyRevoked = DomainEvent<'ApiKeyRevoked', { tenantId: string; keyId: string; reason: string }>;

export type ApiKeyEvent = ApiKeyIssued | ApiKeyRotated | ApiKeyRevoked;
