import { z } from 'zod';
import type { DomainCommand } from '../shared/decider.js';
import { currencyField, dataRegionField, entityIdField, microsField, reasonField } from '../shared/fields.js';

/** `mock` is the deterministic in-process provider (engines/providers/mock): the embedded quickstart and tests route to it. */
export const PROVIDERS = ['openai', 'azure-openai', 'anthropic', 'gemini', 'ollama', 'vllm', 'openai-compatible', 'mock'] as const;
export type Provider = (typeof PROVIDERS)[number];

/** The name clients ask for (`gpt-4o`, `llama3:70b`, `org/model-v1.5`); several deployments may share one. */
export const modelAliasField = z.string().regex(/^[A-Za-z0-9._:/-]{1,100}$/, 'letters, digits, ".", "_", ":", "/" or "-", 1–100 characters');
/** Only http(s): the gateway will call this URL with the provider's credentials. */
const baseUrlField = z.url({ protocol: /^https?$/ }).nullable();
/** Relative share of traffic among deployments of one alias; 0 keeps it registered but unrouted. */
const weightField = z.number().int().min(0).max(1000);
const priceFields = { inputPricePerMTokMicros: microsField, outputPricePerMTokMicros: microsField, currency: currencyField };

/** Command data schemas (strict: unknown fields are rejected). */
export const RegisterDeploymentData = z.strictObject({
  deploymentId: entityIdField,
  provider: z.enum(PROVIDERS),
  upstreamModel: z.string().trim().min(1).max(200),
  modelAlias: modelAliasField,
  region: dataRegionField,
  baseUrl: baseUrlField,
  ...priceFields,
  weight: weightField.default(100),
});
export const ChangeDeploymentWeightData = z.strictObject({ deploymentId: entityIdField, weight: weightField });
export const ChangeDeploymentPriceData = z.strictObject({ deploymentId: entityIdField, ...priceFields });
export const DisableDeploymentData = z.strictObject({ deploymentId: entityIdField, reason: reasonField });
export const EnableDeploymentData = z.strictObject({ deploymentId: entityIdField });

/** HTTP bodies: the deploymentId comes from the URL, so the bodies omit it. */
export const RegisterDeploymentBody = RegisterDeploymentData.omit({ deploymentId: true });
export const ChangeDeploymentWeightBody = ChangeDeploymentWeightData.omit({ deploymentId: true });
export const ChangeDeploymentPriceBody = ChangeDeploymentPriceData.omit({ deploymentId: true });
export const DisableDeploymentBody = DisableDeploymentData.omit({ deploymentId: true });
export const EnableDeploymentBody = EnableDeploymentData.omit({ deploymentId: true });

export type DeploymentCommand =
  | DomainCommand<'RegisterDeployment', z.infer<typeof RegisterDeploymentData>>
  | DomainCommand<'ChangeDeploymentWeight', z.infer<typeof ChangeDeploymentWeightData>>
  | DomainCommand<'ChangeDeploymentPrice', z.infer<typeof ChangeDeploymentPriceData>>
  | DomainCommand<'DisableDeployment', z.infer<typeof DisableDeploymentData>>
  | DomainCommand<'EnableDeployment', z.infer<typeof EnableDeploymentData>>;
