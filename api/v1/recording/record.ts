import { randomUUID } from 'node:crypto';
import { executeCommand } from '../../../commands/handler.js';
import {
  costMicros,
  inferenceContentHash,
  inferenceDecider,
  inferenceStreamId,
  storedPromptText,
  storedText,
  type InferenceCommand,
  type InferenceErrorKind,
  type RejectionReason,
  type TokenUsage,
} from '../../../domain/inference/index.js';
import type { EventStore } from '../../../engines/eventstore/port.js';
import type { ChatCompletionRequest, Usage } from '../../../engines/providers/port.js';
import type { CachedDeployment } from '../../../projections/cache/snapshots.js';
import { promptMessagesOf } from '../admission/estimate.js';
import type { Attempt } from '../dispatch.js';

/** Who asked and for what: fixed when the request is accepted, before any provider is called. */
export interface RequestFacts {
  readonly tenantId: string;
  readonly keyId: string;
  readonly requestId: string;
  readonly correlationId: string;
  readonly modelAlias: string;
  readonly stream: boolean;
  /** The request as sent upstream (after admission's adjustments, e.g. a max_tokens cap). */
  readonly request: ChatCompletionRequest;
  /** The rollout whose split sent this request to its candidate; null when none did. */
  readonly rolloutId: string | null;
  /**
   * The tenant opted in to storing prompt and completion texts (TenantContentRetentionSet), as
   * the gateway knew it when it admitted the request: a request admitted before an opt-out is
   * still recorded as admitted. Otherwise only the content hash is stored.
   */
  readonly storeContent: boolean;
}

export interface Served {
  readonly deployment: CachedDeployment;
  readonly attempts: readonly Attempt[];
  readonly usage: Usage | null;
  readonly latencyMs: number;
  readonly timeToFirstTokenMs: number | null;
}

export type Ending =
  | { readonly type: 'completed'; readonly finishReason: string | null; readonly completion: string | null }
  | { readonly type: 'failed'; readonly errorKind: InferenceErrorKind; readonly errorMessage: string };

/** What a request is billed: tokens and cost at the serving deployment's current price. */
export interface Bill extends TokenUsage {
  readonly costMicros: number;
}

const NOTHING_BILLED: Bill = { inputTokens: 0, outputTokens: 0, cachedTokens: 0, costMicros: 0 };

/**
 * Billed only when completed, or for a stream that produced tokens (the decider enforces it);
 * computed once per request, for both the usage event and the budget settlement.
 */
export function billOf(served: Served, ending: Ending): Bill {
  const { usage } = served;
  if (usage === null || (ending.type === 'failed' && served.timeToFirstTokenMs === null)) return NOTHING_BILLED;
  const inputTokens = usage.prompt_tokens;
  const tokens = { inputTokens, outputTokens: usage.completion_tokens, cachedTokens: Math.min(usage.prompt_tokens_details?.cached_tokens ?? 0, inputTokens) };
  return { ...tokens, costMicros: costMicros(tokens, served.deployment.price) };
}

/** What recording reads of the request: its facts, and of the request body only the messages (for the content hash). */
export type RecordedFacts = Omit<RequestFacts, 'request'> & { readonly request: Pick<ChatCompletionRequest, 'messages'> };

/** What recording reads of the serving: the deployment's identity and the price version billed (the bill itself is computed before). */
export type RecordedServing = Omit<Served, 'deployment' | 'usage'> & {
  readonly deployment: Pick<CachedDeployment, 'deploymentId' | 'provider' | 'upstreamModel'> & { readonly price: Pick<CachedDeployment['price'], 'currency' | 'priceVersion'> };
};

/**
 * Records the request's outcome, with its bill (billOf), on its own stream. The event's keys
 * are listed in canonical (code-unit) order, spelled out rather than spread: the event hash
 * then serialises it in one native call (canonical-json.ts), which a spread's order would
 * defeat.
 */
export async function recordOutcome(eventStore: EventStore, facts: RecordedFacts, served: RecordedServing, ending: Ending, bill: Bill, now: Date): Promise<void> {
  const { deployment } = served;
  const attempts = [...served.attempts];
  const { currency, priceVersion } = deployment.price;
  const { deploymentId, provider, upstreamModel } = deployment;
  const { tenantId, requestId, keyId, modelAlias, stream, rolloutId } = facts;
  const { inputTokens, outputTokens, cachedTokens, costMicros } = bill;
  const { latencyMs, timeToFirstTokenMs } = served;
  let data: InferenceCommand['data'];
  if (ending.type === 'completed') {
    const { completionText, contentHash, promptText } = contentOf(facts, ending.completion);
    const { finishReason } = ending;
    data = { type: 'InferenceCompleted', data: { attempts, cachedTokens, completionText, contentHash, costMicros, currency, deploymentId, finishReason, inputTokens, keyId, latencyMs, modelAlias, outputTokens, priceVersion, promptText, provider, requestId, rolloutId, stream, tenantId, timeToFirstTokenMs, upstreamModel } };
  } else {
    const { errorKind } = ending;
    const errorMessage = ending.errorMessage.slice(0, 2000);
    data = { type: 'InferenceFailed', data: { attempts, cachedTokens, costMicros, currency, deploymentId, errorKind, errorMessage, inputTokens, keyId, latencyMs, modelAlias, outputTokens, priceVersion, provider, requestId, rolloutId, stream, tenantId, timeToFirstTokenMs, upstreamModel } };
  }
  await appendToRequestStream(eventStore, facts, data, now);
}

/** The request's own stream is new: its one event is appended without reading it first. */
async function appendToRequestStream(
  eventStore: EventStore,
  request: Pick<RequestFacts, 'tenantId' | 'keyId' | 'requestId' | 'correlationId'>,
  data: InferenceCommand['data'],
  now: Date,
): Promise<void> {
  const occurredAt = now.toISOString();
  const actor = `apikey:${request.keyId}`;
  await executeCommand(
    eventStore,
    inferenceStreamId(request.tenantId, request.requestId),
    inferenceDecider,
    { type: 'RecordInferenceOutcome', data, meta: { now: occurredAt, actor } },
    { tenantId: request.tenantId, commandId: randomUUID(), correlationId: request.correlationId, causationId: request.requestId, actor, occurredAt },
    { assumeNewStream: true },
  );
}

/** Always the hash; the texts only for a tenant that opted in, each bounded (see storedText). */
function contentOf(facts: RecordedFacts, completion: string | null) {
  const messages = promptMessagesOf(facts.request);
  const contentHash = inferenceContentHash(messages, completion);
  if (!facts.storeContent) return { completionText: null, contentHash, promptText: null };
  return { completionText: completion === null ? null : storedText(completion), contentHash, promptText: storedPromptText(messages) };
}

export interface Rejection {
  readonly tenantId: string;
  readonly requestId: string;
  readonly correlationId: string;
  readonly keyId: string;
  readonly modelAlias: string;
  readonly reason: RejectionReason;
  readonly detail: string;
}

/** Records a request refused for budget or policy before any provider was called: the audit trail shows every refusal. */
export async function recordRejection(eventStore: EventStore, rejection: Rejection, now: Date): Promise<void> {
  const { tenantId, requestId, keyId, modelAlias, reason, detail } = rejection;
  // Keys in canonical order, as in recordOutcome.
  await appendToRequestStream(eventStore, rejection, { type: 'InferenceRejected', data: { detail: detail.slice(0, 2000), keyId, modelAlias, reason, requestId, tenantId } }, now);
}
