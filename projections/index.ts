import { apiKeysProjection } from './apiKeys/projection.js';
import { auditTimelineProjection } from './auditTimeline/projection.js';
import { budgetsProjection } from './budgets/projection.js';
import { deploymentsProjection } from './deployments/projection.js';
import { policiesProjection } from './policies/projection.js';
import type { Projection } from './runtime/projection.js';
import { tenantsProjection } from './tenants/projection.js';
import { usageProjection } from './usage/projection.js';
import { webhooksProjection } from './webhooks/projection.js';

export { ApiKeyCredentials } from './apiKeys/credentials.js';
export { apiKeysProjection, type ApiKeyDoc } from './apiKeys/projection.js';
export { auditEntryId, auditTimelineProjection, type AuditEntryDoc } from './auditTimeline/projection.js';
export { budgetsProjection, type BudgetDoc } from './budgets/projection.js';
export { deploymentsProjection, type DeploymentDoc } from './deployments/projection.js';
export { policiesProjection, type PolicyDoc, type PolicyVersionRecord } from './policies/projection.js';
export { tenantsProjection, type TenantDoc, type TenantStatus } from './tenants/projection.js';
export { NONE as USAGE_NONE, usageProjection, usageRollupId, type RollupKey, type UsageRollupDoc } from './usage/projection.js';
export { tenantSpendSince } from './usage/spend.js';
export { USAGE_GROUPINGS, summariseUsage, type UsageGrouping, type UsageReport, type UsageTotals } from './usage/totals.js';

/** Every read model the runner keeps up to date, each under its logical collection name. */
export const ALL_PROJECTIONS: readonly Projection[] = [
  tenantsProjection,
  apiKeysProjection,
  policiesProjection,
  budgetsProjection,
  deploymentsProjection,
  auditTimelineProjection,
  usageProjection,
  webhooksProjection,
];

/**
 * Logical collections whose 'platform' documents every tenant may read: the deployment
 * catalog is platform-owned, yet each tenant must see which models it can call.
 */
export const SHARED_COLLECTIONS: readonly string[] = [deploymentsProjection.collection];
