import { z } from 'zod';
import { modelAliasField } from '../deployment/commands.js';
import type { DomainCommand } from '../shared/decider.js';
import { entityIdField, reasonField } from '../shared/fields.js';
import { hasAtMostTwoDecimals } from './split.js';

/** The candidate's share of the alias's traffic, in percent with at most two decimals (12.5, 0.25). */
export const percentField = z.number().min(0).max(100).refine(hasAtMostTwoDecimals, 'a percent with at most two decimals');

/**
 * Command data schemas (strict: unknown fields are rejected). Whether the candidate deployment
 * exists and serves the alias, and whether another rollout already runs on the alias, are
 * checked against the catalog by the command handler: this aggregate sees one rollout only.
 */
export const StartRolloutData = z.strictObject({
  rolloutId: entityIdField,
  modelAlias: modelAliasField,
  candidateDeploymentId: entityIdField,
  percent: percentField,
});
export const RampRolloutData = z.strictObject({ rolloutId: entityIdField, percent: percentField });
export const PauseRolloutData = z.strictObject({ rolloutId: entityIdField, reason: reasonField });
export const ResumeRolloutData = z.strictObject({ rolloutId: entityIdField });
export const CompleteRolloutData = z.strictObject({ rolloutId: entityIdField });
export const RollBackRolloutData = z.strictObject({ rolloutId: entityIdField, reason: reasonField });

/** HTTP bodies: the rolloutId comes from the URL, so the bodies omit it. */
export const StartRolloutBody = StartRolloutData.omit({ rolloutId: true });
export const RampRolloutBody = RampRolloutData.omit({ rolloutId: true });
export const PauseRolloutBody = PauseRolloutData.omit({ rolloutId: true });
export const ResumeRolloutBody = ResumeRolloutData.omit({ rolloutId: true });
export const CompleteRolloutBody = CompleteRolloutData.omit({ rolloutId: true });
export const RollBackRolloutBody = RollBackRolloutData.omit({ rolloutId: true });

export type RolloutCommand =
  | DomainCommand<'StartRollout', z.infer<typeof StartRolloutData>>
  | DomainCommand<'RampRollout', z.infer<typeof RampRolloutData>>
  | DomainCommand<'PauseRollout', z.infer<typeof PauseRolloutData>>
  | DomainCommand<'ResumeRollout', z.infer<typeof ResumeRolloutData>>
  | DomainCommand<'CompleteRollout', z.infer<typeof CompleteRolloutData>>
  | DomainCommand<'RollBackRollout', z.infer<typeof RollBackRolloutData>>;
