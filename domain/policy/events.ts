import type { DomainEvent } from '../shared/decider.js';
import type { PolicyRules } from './commands.js';

/** Events of the policy context. Schemas: schemas/events/policy/*.avsc */
export type PolicyCreated = DomainEvent<'PolicyCreated', { tenantId: string; policyId: string; name: string; description: string | null }>;
/** Versions are numbered 1, 2, 3 … per policy and never change once published. */
export type PolicyVersionPublished = DomainEvent<'PolicyVersionPublished', { tenantId: string; policyId: string; version: number; rules: PolicyRules }>;
/** `version` is the version in force at the moment of attaching, recorded for the audit trail. */
export type PolicyAttached = DomainEvent<'PolicyAttached', { tenantId: string; policyId: string; version: number }>;
export type PolicyDetached = DomainEvent<'PolicyDetached', { tenantId: string; policyId: string }>;

export type PolicyEvent = PolicyCreated | PolicyVersionPublished | PolicyAttached | PolicyDetached;
