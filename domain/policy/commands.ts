import { z } from 'zod';
import type { DomainCommand } from '../shared/decider.js';
import { dataRegionField, entityIdField, nameField, tenantIdField } from '../shared/fields.js';

/** Model aliases as clients send them (`gpt-4o`, `claude-sonnet-4`, `openai/gpt-4o-mini`). */
export const modelAliasField = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}$/, 'a model alias such as "gpt-4o"');

/** Lists are sets: duplicates would only make two equal rule sets look different. */
const uniqueList = <T extends z.ZodType<string>>(item: T) =>
  z.array(item).refine((items) => new Set(items).size === items.length, 'entries must be unique');

export const PII_ACTIONS = ['allow', 'redact', 'block'] as const;
export const INJECTION_ACTIONS = ['allow', 'flag', 'block'] as const;

/**
 * The rules of one policy version: the reference for what a policy can say. Every field is
 * required, so a published version is explicit about each rule; `null` means "no constraint".
 *
 * - `allowedModels`: model aliases a request may name; `null` = any model, `[]` = none.
 * - `maxTokens`: cap on the completion tokens a request may ask for (1..1,000,000); `null` = no cap.
 * - `piiAction`: what to do when a prompt contains personal data: `allow` it through,
 *   `redact` it before it reaches the provider, or `block` the request.
 * - `injectionAction`: what to do on a suspected prompt injection: `allow`, `flag` it on the
 *   request's audit record and let it through, or `block` the request.
 * - `dataRegions`: region codes (see `dataRegionField`) a request may be served from;
 *   `null` = any region.
 *
 * Evaluating these against a request is not part of this aggregate.
 */
export const PolicyRules = z.strictObject({
  allowedModels: uniqueList(modelAliasField).nullable(),
  maxTokens: z.number().int().min(1).max(1_000_000).nullable(),
  piiAction: z.enum(PII_ACTIONS),
  injectionAction: z.enum(INJECTION_ACTIONS),
  dataRegions: uniqueList(dataRegionField).nullable(),
});
export type PolicyRules = z.infer<typeof PolicyRules>;

const descriptionField = z.string().trim().max(2000).nullable().default(null);

/** Command data schemas (strict: unknown fields are rejected). */
export const CreatePolicyData = z.strictObject({ tenantId: tenantIdField, policyId: entityIdField, name: nameField, description: descriptionField });
export const PublishPolicyVersionData = z.strictObject({ tenantId: tenantIdField, policyId: entityIdField, rules: PolicyRules });
export const AttachPolicyData = z.strictObject({ tenantId: tenantIdField, policyId: entityIdField });
export const DetachPolicyData = z.strictObject({ tenantId: tenantIdField, policyId: entityIdField });

/** HTTP bodies: the tenant (and, except on create, the policy id) come from the route. */
export const CreatePolicyBody = z.strictObject({ policyId: entityIdField, name: nameField, description: descriptionField });
export const PublishPolicyVersionBody = z.strictObject({ rules: PolicyRules });
export const AttachPolicyBody = z.strictObject({});
export const DetachPolicyBody = z.strictObject({});

export type PolicyCommand =
  | DomainCommand<'CreatePolicy', z.infer<typeof CreatePolicyData>>
  | DomainCommand<'PublishPolicyVersion', z.infer<typeof PublishPolicyVersionData>>
  | DomainCommand<'AttachPolicy', z.infer<typeof AttachPolicyData>>
  | DomainCommand<'DetachPolicy', z.infer<typeof DetachPolicyData>>;
