import { randomUUID } from 'node:crypto';
import { executeCommand } from '../../commands/handler.js';
import { inferenceDecider, inferenceStreamId, type InferenceEvent } from '../../domain/inference/index.js';
import type { EventStore } from '../../engines/eventstore/port.js';

/**
 * Inference outcomes built by hand, valid for their zod and Avro schemas and for the
 * decider's rules, so usage tests need neither the data plane nor a provider.
 */
export interface ServedFacts {
  readonly tenantId: string;
  readonly requestId: string;
  readonly keyId: string;
  readonly modelAlias: string;
  readonly deploymentId: string;
  readonly inputTokens?: number;
  readonly outputTokens?: number;
  readonly costMicros?: number;
  readonly currency?: string;
  readonly latencyMs?: number;
}

function served(facts: ServedFacts, outcome: 'ok' | 'stream_interrupted') {
  const latencyMs = facts.latencyMs ?? 100;
  return {
    tenantId: facts.tenantId,
    requestId: facts.requestId,
    keyId: facts.keyId,
    modelAlias: facts.modelAlias,
    deploymentId: facts.deploymentId,
    provider: 'mock' as const,
    upstreamModel: 'mock-echo',
    attempts: [{ deploymentId: facts.deploymentId, outcome, status: 200, latencyMs }],
    // A streamed request: only a stream that produced its first token may be billed on failure.
    stream: true,
    rolloutId: null,
    inputTokens: facts.inputTokens ?? 10,
    outputTokens: facts.outputTokens ?? 5,
    cachedTokens: 0,
    costMicros: facts.costMicros ?? 1_000,
    currency: facts.currency ?? 'USD',
    priceVersion: 1,
    latencyMs,
    timeToFirstTokenMs: Math.min(10, latencyMs),
  };
}

export const completedOutcome = (facts: ServedFacts): InferenceEvent => ({
  type: 'InferenceCompleted',
  data: { ...served(facts, 'ok'), finishReason: 'stop', contentHash: 'a'.repeat(64), promptText: null, completionText: null },
});

/** A stream that broke after its first token: billed for what it produced. */
export const failedOutcome = (facts: ServedFacts): InferenceEvent => ({
  type: 'InferenceFailed',
  data: { ...served(facts, 'stream_interrupted'), errorKind: 'stream_interrupted', errorMessage: 'the upstream closed the stream' },
});

export const rejectedOutcome = (facts: { tenantId: string; requestId: string; keyId: string | null; modelAlias: string | null }): InferenceEvent => ({
  type: 'InferenceRejected',
  data: { ...facts, reason: 'budget_exhausted', detail: 'the monthly budget is exhausted' },
});

/** Records an outcome on its request stream as the gateway does; returns its global position. */
export async function appendOutcome(eventStore: EventStore, outcome: InferenceEvent, occurredAt: string): Promise<number> {
  const { tenantId, requestId, keyId } = outcome.data;
  const actor = keyId === null ? 'system:gateway' : `apikey:${keyId}`;
  const result = await executeCommand(
    eventStore,
    inferenceStreamId(tenantId, requestId),
    inferenceDecider,
    { type: 'RecordInferenceOutcome', data: outcome, meta: { now: occurredAt, actor } },
    { tenantId, commandId: randomUUID(), correlationId: randomUUID(), causationId: requestId, actor, occurredAt },
  );
  if (result.position === null) throw new Error(`outcome of ${requestId} was not recorded`);
  return result.position;
}
