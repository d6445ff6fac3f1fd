import type { DomainEvent } from '../shared/decider.js';
import type { RateLimitFigures } from './commands.js';

/** Events of the limits context. Schemas: schemas/events/limits/*.avsc */
export type TenantRateLimitsSet = DomainEvent<'TenantRateLimitsSet', { tenantId: string } & RateLimitFigures>;
export type KeyRateLimitsSet = DomainEvent<'KeyRateLimitsSet', { tenantId: string; keyId: string } & RateLimitFigures>;

export type LimitsEvent = TenantRateLimitsSet | KeyRateLimitsSet;
