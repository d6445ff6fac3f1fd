import { countTextTokens } from '../../domain/inference/tokens.js';
import type { ChatCompletion, ChatCompletionChunk, ChatCompletionRequest, Usage } from '../../engines/providers/port.js';
import { estimatePromptTokens } from './admission/estimate.js';
import type { CachedDeployment } from '../../projections/cache/snapshots.js';
import { primeStream, type Dispatched } from './dispatch.js';
import { GatewayError } from './errors.js';
import type { Admission } from './pipeline.js';
import type { Ending } from './recording/record.js';
import type { StreamSummary } from './sse.js';

type Failed = Extract<Dispatched<unknown>, { ok: false }>;

/**
 * What the client hears when the whole fallback chain failed: a request the upstream refused
 * as such is the client's fault (400); upstream throttling is passed on as 429 with its
 * Retry-After; anything else is a bad gateway (502).
 */
export function upstreamFailure(dispatched: Failed, alias: string): GatewayError {
  const { error } = dispatched;
  if (dispatched.errorKind === 'circuit_open') {
    return new GatewayError(`every deployment of '${alias}' is cooling down after repeated failures`, { status: 503, type: 'overloaded_error', code: 'upstream_circuit_open', retryAfterMs: 5_000 });
  }
  if (error.kind === 'bad_request') return new GatewayError(error.message, { status: 400, type: 'invalid_request_error', code: 'upstream_bad_request' });
  const message = `every deployment of '${alias}' failed; the last one: ${error.message}`;
  if (error.kind === 'rate_limited') return new GatewayError(message, { status: 429, type: 'rate_limit_error', code: 'upstream_rate_limited', retryAfterMs: error.retryAfterMs ?? 1_000 });
  return new GatewayError(message, { status: 502, type: 'api_error', code: `upstream_${error.kind}` });
}

const failedEnding = (dispatched: Failed): Ending => ({ type: 'failed', errorKind: dispatched.errorKind, errorMessage: dispatched.error.message });

/** Records a failed dispatch and returns the error to throw. */
export async function concludeFailure(admission: Admission, dispatched: Failed): Promise<GatewayError> {
  await admission.conclude({ deployment: dispatched.deployment, attempts: dispatched.attempts, usage: null, latencyMs: admission.elapsedMs(), timeToFirstTokenMs: null }, failedEnding(dispatched));
  return upstreamFailure(dispatched, admission.facts.modelAlias);
}

/** A non-streamed chat completion through the fallback chain, recorded and settled before it is returned. */
export async function completeChat(admission: Admission, signal?: AbortSignal): Promise<ChatCompletion> {
  const { facts } = admission;
  const dispatched = await admission.dispatch<ChatCompletion>((provider, target) => provider.chat(facts.request, target, signal), signal);
  if (!dispatched.ok) throw await concludeFailure(admission, dispatched);
  const completion = dispatched.value;
  const first = completion.choices.find((choice) => choice.index === 0);
  const served = { deployment: dispatched.deployment, attempts: dispatched.attempts, usage: completion.usage ?? null, latencyMs: admission.elapsedMs(), timeToFirstTokenMs: null };
  await admission.conclude(served, { type: 'completed', finishReason: first?.finish_reason ?? null, completion: first?.message.content ?? null });
  // The client asked for the alias; the provider's answer is this request's own, so it is relabelled in place.
  completion.model = facts.modelAlias;
  return completion;
}

/**
 * A stream that broke after its first token without the provider's usage report is still
 * billed: the prompt as the tokenizer counts it, and the completion text relayed so far.
 * Nothing is billed when no token was relayed (the decider refuses that anyway).
 */
function partialUsage(admission: Admission, deployment: CachedDeployment, summary: StreamSummary): Usage | null {
  if (summary.failure === null || summary.timeToFirstTokenMs === null) return null;
  const prompt = estimatePromptTokens(admission.facts.request, deployment.upstreamModel);
  const completion = summary.completion === null ? 0 : countTextTokens(summary.completion, deployment.upstreamModel);
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}

/** A stream that has its first chunk (or at least its upstream's acceptance): the client's headers can go. */
export interface StartedStream {
  readonly chunks: AsyncIterable<ChatCompletionChunk>;
  readonly deployment: CachedDeployment;
  /** Called once with what the relay saw: records the outcome and settles the budget. */
  finish(summary: StreamSummary): Promise<void>;
}

/**
 * Starts a streamed chat completion through the fallback chain. The upstream is always asked
 * for usage (the tenant is billed from it even if it did not ask to see it). A chain that
 * fails before the first chunk is recorded and thrown as a GatewayError, so the client gets a
 * proper HTTP error instead of a broken stream.
 */
export async function startChatStream(admission: Admission, signal: AbortSignal): Promise<StartedStream> {
  const { facts } = admission;
  const upstreamRequest: ChatCompletionRequest = { ...facts.request, stream: true, stream_options: { ...facts.request.stream_options, include_usage: true } };
  // Primed: the first chunk is awaited inside the attempt, so a failure before the first token still falls back.
  const dispatched = await admission.dispatch<AsyncIterable<ChatCompletionChunk>>(async (provider, target) => primeStream(await provider.chatStream(upstreamRequest, target, signal), target), signal);
  if (!dispatched.ok) throw await concludeFailure(admission, dispatched);
  return {
    chunks: dispatched.value,
    deployment: dispatched.deployment,
    finish: async (summary) => {
      // The answering attempt was 'ok' when the stream started; a stream that broke afterwards (or
      // that the client left) did not end ok, and the record says so on that attempt.
      const attempts = summary.failure === null ? dispatched.attempts : dispatched.attempts.map((attempt, index, all) => (index === all.length - 1 ? { ...attempt, outcome: 'stream_interrupted' as const } : attempt));
      const served = { deployment: dispatched.deployment, attempts, usage: summary.usage ?? partialUsage(admission, dispatched.deployment, summary), latencyMs: summary.latencyMs, timeToFirstTokenMs: summary.timeToFirstTokenMs };
      const ending: Ending = summary.failure
        ? { type: 'failed', errorKind: summary.failure.kind, errorMessage: summary.failure.message }
        : { type: 'completed', finishReason: summary.finishReason, completion: summary.completion };
      await admission.conclude(served, ending);
    },
  };
}
