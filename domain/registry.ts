import { apiKeyDecider } from './apikey/index.js';
import { budgetDecider } from './budget/index.js';
import { deploymentDecider } from './deployment/index.js';
import { inferenceDecider } from './inference/index.js';
import { limitsDecider } from './limits/index.js';
import { policyDecider } from './policy/index.js';
import { rolloutDecider } from './rollout/index.js';
import type { Category } from './shared/streams.js';
import type { DomainEvent } from './shared/decider.js';
import { tenantDecider } from './tenant/index.js';

/** The fold of each stream category: what "state as of" uses to replay any stream. */
export interface StreamFold {
  initialState(): unknown;
  evolve(state: unknown, event: DomainEvent): unknown;
}

const asFold = (decider: { initialState(): unknown; evolve(state: never, event: never): unknown }): StreamFold => decider as unknown as StreamFold;

const FOLDS: Partial<Record<Category, StreamFold>> = {
  tenant: asFold(tenantDecider),
  apikey: asFold(apiKeyDecider),
  policy: asFold(policyDecider),
  budget: asFold(budgetDecider),
  limits: asFold(limitsDecider),
  deployment: asFold(deploymentDecider),
  rollout: asFold(rolloutDecider),
  inference: asFold(inferenceDecider),
};

export const foldFor = (category: Category): StreamFold | null => FOLDS[category] ?? null;
