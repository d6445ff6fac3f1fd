import { z } from 'zod';
import { countTextTokens } from '../../domain/inference/tokens.js';
import { UpstreamError, type EmbeddingsRequest, type EmbeddingsResponse } from '../../engines/providers/port.js';
import { route, type AnyRoute } from '../http/route.js';
import { concludeFailure } from './chat.js';
import type { InferencePipeline } from './pipeline.js';
import { clientGone } from './client-gone.js';

/** OpenAI's own ceilings: 2,048 inputs per request; token ids are non-negative integers. */
const tokenIds = z.array(z.number().int().min(0).max(10_000_000)).min(1).max(100_000);
export const EmbeddingsBody = z.looseObject({
  model: z.string().min(1).max(200),
  input: z.union([z.string().min(1), z.array(z.string().min(1)).min(1).max(2048), tokenIds, z.array(tokenIds).min(1).max(2048)]),
  encoding_format: z.enum(['float', 'base64']).optional(),
  dimensions: z.number().int().min(1).max(16_384).optional(),
  user: z.string().max(256).optional(),
});

function inputTokens(input: EmbeddingsRequest['input'], upstreamModel: string): number {
  if (typeof input === 'string') return countTextTokens(input, upstreamModel);
  return input.reduce<number>((sum, item) => sum + (typeof item === 'number' ? 1 : typeof item === 'string' ? countTextTokens(item, upstreamModel) : item.length), 0);
}

/** The input as one user message, so the content hash of an embedding request is computed like a chat's. */
const asPrompt = (input: EmbeddingsRequest['input']): string => (typeof input === 'string' ? input : JSON.stringify(input));

/**
 * POST /v1/embeddings through the same pipeline as chat (key, limits, budget, routing,
 * fallback, usage event). An embedding has no output tokens: it is billed at the input
 * price, and its outcome is an InferenceCompleted with outputTokens 0 and no finish reason.
 * A deployment whose provider has no embeddings API (Anthropic) ends the chain as not_found.
 */
export function embeddingsRoute(pipeline: InferencePipeline): AnyRoute {
  return route({
    method: 'post',
    path: '/v1/embeddings',
    summary: 'Create embeddings (OpenAI-compatible)',
    tag: 'data plane',
    access: 'inference',
    body: EmbeddingsBody,
    handler: async ({ body, principal, ctx }) => {
      const request = body as unknown as EmbeddingsRequest;
      const admission = await pipeline.admit(principal, ctx, {
        modelAlias: body.model,
        stream: false,
        request: { model: body.model, messages: [{ role: 'user', content: asPrompt(request.input) }] },
        promptTokens: (upstreamModel) => inputTokens(request.input, upstreamModel),
        maxOutputTokens: 0,
        boundsOutput: false,
      });
      const signal = clientGone(ctx).signal;
      const dispatched = await admission.dispatch<EmbeddingsResponse>((provider, target) => {
        if (provider.embeddings === undefined) throw new UpstreamError({ kind: 'not_found', deploymentId: target.deploymentId, upstreamMessage: `provider '${target.provider}' has no embeddings API` });
        return provider.embeddings({ ...request, model: target.upstreamModel }, target, signal);
      }, signal);
      if (!dispatched.ok) throw await concludeFailure(admission, dispatched);
      const base = { deployment: dispatched.deployment, attempts: dispatched.attempts, latencyMs: admission.elapsedMs(), timeToFirstTokenMs: null };
      const { usage } = dispatched.value;
      await admission.conclude({ ...base, usage: { prompt_tokens: usage.prompt_tokens, completion_tokens: 0, total_tokens: usage.total_tokens } }, { type: 'completed', finishReason: null, completion: null });
      return { body: { ...dispatched.value, model: body.model } };
    },
  });
}
