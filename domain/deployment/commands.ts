import { z } from 'zod';
import type { DomainCommand } from '../shared/decider.js';
import { currencyField, dataRegionField, entityIdField, microsField, reasonField } from '../shared/fields.js';

/** `mock` is the deterministic in-process provider (engines/providers/mock): the embedded quickstart and tests route to it. */
export const PROVIDERS = ['openai', 'azure-openai', 'anthropic', 'gemini', 'ollama', 'vllm', 'openai-compatible', 'mock'] as const;
export type Provider = (typeof PROVIDERS)[number];
/**
 * Providers whose adapter has no public endpoint to fall back on (engines/providers/<name>):
 * a deployment of one of these must say where its server is.
 */
export const PROVIDERS_WITHOUT_DEFAULT_ENDPOINT: readonly Provider[] = ['azure-openai', 'ollama', 'vllm', 'openai-compatible'];
export const needsBaseUrl = (provider: Provider): boolean => PROVIDERS_WITHOUT_DEFAULT_ENDPOINT.includes(provider);

/**
 * The NAME of the secret a deployment authenticates with (`openai-prod`), never the secret:
 * the gateway resolves it per call from its SecretSource (engines/secrets), so the value is
 * never in a command, an event, a read model, a log or a response.
 */
export const CREDENTIAL_REF_PATTERN = /^[a-z0-9][a-z0-9_-]{0,62}$/;
/** null: the deployment calls its upstream without a credential (a local Ollama). */
export const credentialRefField = z
  .string()
  .regex(CREDENTIAL_REF_PATTERN, 'the name of a secret: lower-case letters, digits, "_" or "-", 1–63 characters')
  .nullable();

/** The name clients ask for (`gpt-4o`, `llama3:70b`, `org/model-v1.5`); several deployments may share one. */
export const modelAliasField = z.string().regex(/^[A-Za-z0-9._:/-]{1,100}$/, 'letters, digits, ".", "_", ":", "/" or "-", 1–100 characters');
/** Only http(s): the gateway will call this URL with the provider's credentials. */
const baseUrlField = z.url({ protocol: /^https?$/ }).nullable();
/** Relative share of traffic among deployments of one alias; 0 keeps it registered but unrouted. */
const weightField = z.number().int().min(0).max(1000);
const priceFields = { inputPricePerMTokMicros: microsField, outputPricePerMTokMicros: microsField, currency: currencyField };

/** Reported on `baseUrl`, so a client learns which field to fill in. */
function requireBaseUrlWithoutDefault(data: { provider: Provider; baseUrl: string | null }, ctx: z.RefinementCtx): void {
  if (data.baseUrl === null && needsBaseUrl(data.provider)) {
    ctx.addIssue({ code: 'custom', path: ['baseUrl'], message: `required for provider '${data.provider}', which has no public endpoint` });
  }
}

const RegisterDeploymentFields = z.strictObject({
  deploymentId: entityIdField,
  provider: z.enum(PROVIDERS),
  upstreamModel: z.string().trim().min(1).max(200),
  modelAlias: modelAliasField,
  region: dataRegionField,
  /** Left out or null: the provider's public endpoint (refused for providers without one). */
  baseUrl: baseUrlField.default(null),
  credentialRef: credentialRefField.default(null),
  ...priceFields,
  weight: weightField.default(100),
});

/** Command data schemas (strict: unknown fields are rejected). */
export const RegisterDeploymentData = RegisterDeploymentFields.superRefine(requireBaseUrlWithoutDefault);
export const ChangeDeploymentWeightData = z.strictObject({ deploymentId: entityIdField, weight: weightField });
export const ChangeDeploymentPriceData = z.strictObject({ deploymentId: entityIdField, ...priceFields });
export const DisableDeploymentData = z.strictObject({ deploymentId: entityIdField, reason: reasonField });
export const EnableDeploymentData = z.strictObject({ deploymentId: entityIdField });
/** `credentialRef: null` removes the credential; the deployment then calls its upstream without one. */
export const SetDeploymentCredentialRefData = z.strictObject({ deploymentId: entityIdField, credentialRef: credentialRefField });

/** HTTP bodies: the deploymentId comes from the URL, so the bodies omit it. */
export const RegisterDeploymentBody = RegisterDeploymentFields.omit({ deploymentId: true }).superRefine(requireBaseUrlWithoutDefault);
export const ChangeDeploymentWeightBody = ChangeDeploymentWeightData.omit({ deploymentId: true });
export const ChangeDeploymentPriceBody = ChangeDeploymentPriceData.omit({ deploymentId: true });
export const DisableDeploymentBody = DisableDeploymentData.omit({ deploymentId: true });
export const EnableDeploymentBody = EnableDeploymentData.omit({ deploymentId: true });
export const SetDeploymentCredentialRefBody = SetDeploymentCredentialRefData.omit({ deploymentId: true });

export type DeploymentCommand =
  | DomainCommand<'RegisterDeployment', z.infer<typeof RegisterDeploymentData>>
  | DomainCommand<'ChangeDeploymentWeight', z.infer<typeof ChangeDeploymentWeightData>>
  | DomainCommand<'ChangeDeploymentPrice', z.infer<typeof ChangeDeploymentPriceData>>
  | DomainCommand<'DisableDeployment', z.infer<typeof DisableDeploymentData>>
  | DomainCommand<'EnableDeployment', z.infer<typeof EnableDeploymentData>>
  | DomainCommand<'SetDeploymentCredentialRef', z.infer<typeof SetDeploymentCredentialRefData>>;
