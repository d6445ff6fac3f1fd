import type { ApiKeyEvent } from '../../domain/apikey/events.js';
import type { BudgetEvent } from '../../domain/budget/events.js';
import type { DeploymentEvent } from '../../domain/deployment/events.js';
import type { RateLimitFigures } from '../../domain/limits/commands.js';
import type { LimitsEvent } from '../../domain/limits/events.js';
import type { PolicyEvent } from '../../domain/policy/events.js';
import { assertNever } from '../../domain/shared/errors.js';
import type { TenantEvent } from '../../domain/tenant/events.js';
import { eventTypeGuard } from '../shared/recorded.js';

/**
 * One-line, human-readable summaries of events for the audit timeline. The timeline never
 * stores event data (a key's hash, a request's content), so these strings are the only
 * part of the data that reaches it: every one is written per type from fields known to be
 * harmless — for keys only the public prefix, never the hash.
 */
export type SummarisedEvent = TenantEvent | ApiKeyEvent | PolicyEvent | BudgetEvent | DeploymentEvent | LimitsEvent;

export const isSummarisedEventType = eventTypeGuard<SummarisedEvent['type']>({
  TenantRegistered: true,
  TenantRenamed: true,
  TenantDataRegionSet: true,
  TenantSuspended: true,
  TenantReactivated: true,
  TenantClosed: true,
  TenantContentRetentionSet: true,
  ApiKeyIssued: true,
  ApiKeyRotated: true,
  ApiKeyRevoked: true,
  PolicyCreated: true,
  PolicyVersionPublished: true,
  PolicyAttached: true,
  PolicyDetached: true,
  BudgetLimitSet: true,
  BudgetPeriodReset: true,
  BudgetSpendRecorded: true,
  BudgetThresholdCrossed: true,
  DeploymentRegistered: true,
  DeploymentWeightChanged: true,
  DeploymentPriceChanged: true,
  DeploymentDisabled: true,
  DeploymentEnabled: true,
  DeploymentCredentialRefSet: true,
  TenantRateLimitsSet: true,
  KeyRateLimitsSet: true,
});

/** Micro-units as a decimal amount with at least two decimals: 12_500_000 → '12.50', 1_234 → '0.001234'. */
export function formatMicros(micros: number): string {
  const sign = micros < 0 ? '-' : '';
  const abs = Math.abs(micros);
  const fraction = String(abs % 1_000_000).padStart(6, '0').replace(/0{1,4}$/, '');
  return `${sign}${Math.floor(abs / 1_000_000)}.${fraction.padEnd(2, '0')}`;
}

const ceiling = (value: number | null): string => (value === null ? 'none' : String(value));
const describeLimits = (limits: RateLimitFigures): string =>
  `requests/min ${ceiling(limits.requestsPerMinute)}, tokens/min ${ceiling(limits.tokensPerMinute)}, concurrent ${ceiling(limits.maxConcurrent)}`;

/** What a reader needs to know when the event is of a type this module does not summarise. */
export const genericSummary = (type: string, streamId: string): string => `${type} on ${streamId}`;

export function summarise(event: SummarisedEvent): string {
  switch (event.type) {
    case 'TenantRegistered':
      return `tenant ${event.data.tenantId} registered as ${event.data.name} (data region ${event.data.dataRegion})`;
    case 'TenantRenamed':
      return `tenant ${event.data.tenantId} renamed to ${event.data.name}`;
    case 'TenantDataRegionSet':
      return `tenant ${event.data.tenantId} data region set to ${event.data.dataRegion}`;
    case 'TenantSuspended':
      return `tenant ${event.data.tenantId} suspended: ${event.data.reason}`;
    case 'TenantReactivated':
      return `tenant ${event.data.tenantId} reactivated`;
    case 'TenantClosed':
      return `tenant ${event.data.tenantId} closed: ${event.data.reason}`;
    case 'TenantContentRetentionSet':
      // The setting only: no prompt or completion ever passes through this event.
      return `tenant ${event.data.tenantId} ${event.data.storeContent ? 'opted in to' : 'opted out of'} storing prompt and completion texts`;
    case 'ApiKeyIssued': {
      const { keyId, name, keyPrefix, scopes, expiresAt } = event.data;
      const expiry = expiresAt === null ? 'no expiry' : `expires ${expiresAt}`;
      return `API key ${keyId} (${name}, ${keyPrefix}…) issued with scopes ${scopes.join(', ')}, ${expiry}`;
    }
    case 'ApiKeyRotated':
      return `API key ${event.data.keyId} rotated, new prefix ${event.data.keyPrefix}…`;
    case 'ApiKeyRevoked':
      return `API key ${event.data.keyId} revoked: ${event.data.reason}`;
    case 'PolicyCreated':
      return `policy ${event.data.policyId} (${event.data.name}) created`;
    case 'PolicyVersionPublished':
      return `policy ${event.data.policyId} version ${event.data.version} published`;
    case 'PolicyAttached':
      return `policy ${event.data.policyId} attached at version ${event.data.version}`;
    case 'PolicyDetached':
      return `policy ${event.data.policyId} detached`;
    case 'BudgetLimitSet': {
      const { budgetId, limitMicros, currency, period, action } = event.data;
      return `budget ${budgetId} limit set to ${formatMicros(limitMicros)} ${currency} per ${period} (on exhaustion: ${action})`;
    }
    case 'BudgetPeriodReset':
      return `budget ${event.data.budgetId} new period from ${event.data.periodStart} (previous period spent ${formatMicros(event.data.previousSpentMicros)})`;
    case 'BudgetSpendRecorded': {
      const { budgetId, amountMicros, requestId, spentMicros } = event.data;
      return `budget ${budgetId} spend ${formatMicros(amountMicros)} recorded for request ${requestId} (period total ${formatMicros(spentMicros)})`;
    }
    case 'BudgetThresholdCrossed': {
      const { budgetId, thresholdPercent, spentMicros, limitMicros } = event.data;
      return `budget ${budgetId} crossed ${thresholdPercent}% (spent ${formatMicros(spentMicros)} of ${formatMicros(limitMicros)})`;
    }
    case 'DeploymentRegistered': {
      const { deploymentId, provider, upstreamModel, modelAlias, region } = event.data;
      return `deployment ${deploymentId} registered: ${provider} ${upstreamModel} as ${modelAlias} in ${region}`;
    }
    case 'DeploymentWeightChanged':
      return `deployment ${event.data.deploymentId} weight changed from ${event.data.previousWeight} to ${event.data.weight}`;
    case 'DeploymentPriceChanged': {
      const { priceVersion, inputPricePerMTokMicros, outputPricePerMTokMicros, currency, effectiveFrom } = event.data.price;
      const prices = `input ${formatMicros(inputPricePerMTokMicros)} / output ${formatMicros(outputPricePerMTokMicros)} ${currency} per MTok`;
      return `deployment ${event.data.deploymentId} price version ${priceVersion}: ${prices} from ${effectiveFrom}`;
    }
    case 'DeploymentDisabled':
      return `deployment ${event.data.deploymentId} disabled: ${event.data.reason}`;
    case 'DeploymentEnabled':
      return `deployment ${event.data.deploymentId} enabled`;
    case 'DeploymentCredentialRefSet': {
      // The secret's name only: the value is never in the event, so it cannot reach the timeline.
      const { deploymentId, credentialRef } = event.data;
      return credentialRef === null ? `deployment ${deploymentId} credential removed` : `deployment ${deploymentId} credential set to secret ${credentialRef}`;
    }
    case 'TenantRateLimitsSet':
      return `tenant ${event.data.tenantId} limits set: ${describeLimits(event.data)}`;
    case 'KeyRateLimitsSet':
      return `API key ${event.data.keyId} limits set: ${describeLimits(event.data)}`;
    default:
      return assertNever(event, 'audited event');
  }
}
