import { z } from 'zod';
import { PROVIDERS, modelAliasField } from '../deployment/commands.js';
import type { DomainCommand } from '../shared/decider.js';
import { currencyField, entityIdField, microsField, tenantIdField } from '../shared/fields.js';

/** How one call to one deployment ended. `circuit_open`: skipped, its breaker was open. */
export const ATTEMPT_OUTCOMES = [
  'ok',
  'rate_limited',
  'server_error',
  'timeout',
  'connection',
  'stream_interrupted',
  'bad_request',
  'auth',
  'not_found',
  'circuit_open',
] as const;
export type AttemptOutcome = (typeof ATTEMPT_OUTCOMES)[number];

/**
 * Why a request failed: the outcome of its last attempt, or `client_closed` when the client
 * hung up first (the upstream may still bill what it generated until the gateway aborted it).
 */
export const INFERENCE_ERROR_KINDS = [
  'rate_limited',
  'server_error',
  'timeout',
  'connection',
  'stream_interrupted',
  'bad_request',
  'auth',
  'not_found',
  'circuit_open',
  'client_closed',
] as const;
export type InferenceErrorKind = (typeof INFERENCE_ERROR_KINDS)[number];

/** Why the gateway refused a request before calling any provider. */
export const REJECTION_REASONS = ['budget_exhausted', 'policy_denied', 'rate_limited', 'concurrency_limited', 'overloaded', 'invalid_request'] as const;
export type RejectionReason = (typeof REJECTION_REASONS)[number];

/** Counts and durations are Avro ints: bounded here so a valid command never yields an unencodable event. */
const AVRO_INT_MAX = 2_147_483_647;
const countField = z.number().int().nonnegative().max(AVRO_INT_MAX);
const millisField = z.number().int().nonnegative().max(AVRO_INT_MAX);
const sha256HexField = z.string().regex(/^[0-9a-f]{64}$/, 'a sha256 digest in lower-case hex');
/** Texts bound for errors and details; a provider's error body is summarised, never echoed whole. */
const safeTextField = z.string().trim().min(1).max(2000);

export const InferenceAttemptData = z.strictObject({
  deploymentId: entityIdField,
  outcome: z.enum(ATTEMPT_OUTCOMES),
  /** The upstream HTTP status; null when there was no response (timeout, connection, circuit open). */
  status: z.number().int().min(100).max(599).nullable(),
  latencyMs: millisField,
});

/** Who asked, for what, and which deployment answered (for failures: the last one tried). */
const identityFields = {
  tenantId: tenantIdField,
  requestId: entityIdField,
  keyId: entityIdField,
  modelAlias: modelAliasField,
  deploymentId: entityIdField,
  provider: z.enum(PROVIDERS),
  upstreamModel: z.string().trim().min(1).max(200),
  /** Every call made for this request, in order: fallbacks and retries included. */
  attempts: z.array(InferenceAttemptData).min(1).max(32),
  stream: z.boolean(),
  /** The rollout whose split sent the request to a candidate; null when none did. */
  rolloutId: entityIdField.nullable(),
};

/** Usage and its price: cost is integer micro-units of `currency` at price version `priceVersion`. */
const usageFields = {
  inputTokens: countField,
  outputTokens: countField,
  /** Prompt tokens served from the provider's cache: a subset of inputTokens. */
  cachedTokens: countField,
  costMicros: microsField,
  currency: currencyField,
  priceVersion: z.number().int().min(1).max(AVRO_INT_MAX),
  latencyMs: millisField,
  /** Streams only: null for a non-streamed request, or a stream that never produced a token. */
  timeToFirstTokenMs: millisField.nullable(),
};

export const InferenceCompletedData = z.strictObject({
  ...identityFields,
  ...usageFields,
  /** As the provider reported it, in OpenAI's vocabulary (stop, length, tool_calls, content_filter). */
  finishReason: z.string().trim().min(1).max(64).nullable(),
  /** sha256 of the request messages and the completion (inferenceContentHash): proof without the text. */
  contentHash: sha256HexField,
  /** The texts themselves, only for tenants that opted in to storing them; the recorder decides. */
  promptText: z.string().nullable(),
  completionText: z.string().nullable(),
});

export const InferenceFailedData = z.strictObject({
  ...identityFields,
  ...usageFields,
  errorKind: z.enum(INFERENCE_ERROR_KINDS),
  /** Safe to show the tenant: no credentials, no upstream body verbatim. */
  errorMessage: safeTextField,
});

export const InferenceRejectedData = z.strictObject({
  tenantId: tenantIdField,
  requestId: entityIdField,
  /** null when the request was refused before its key was resolved. */
  keyId: entityIdField.nullable(),
  /** null when the request named no (valid) model. */
  modelAlias: modelAliasField.nullable(),
  reason: z.enum(REJECTION_REASONS),
  detail: safeTextField,
});

/** What RecordInferenceOutcome carries: exactly the event to record. */
export const InferenceOutcome = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('InferenceCompleted'), data: InferenceCompletedData }),
  z.strictObject({ type: z.literal('InferenceFailed'), data: InferenceFailedData }),
  z.strictObject({ type: z.literal('InferenceRejected'), data: InferenceRejectedData }),
]);
export type InferenceOutcome = z.infer<typeof InferenceOutcome>;

/**
 * The gateway records each request's outcome once, on the request's own stream. There is no
 * HTTP body: outcomes come from the data plane, never from an admin call.
 */
export type InferenceCommand = DomainCommand<'RecordInferenceOutcome', InferenceOutcome>;
