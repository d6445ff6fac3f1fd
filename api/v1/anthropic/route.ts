import type { Context } from 'koa';
import { route, type AnyRoute, type RouteResult } from '../../http/route.js';
import { estimatePromptTokens, requestedMaxOutputTokens } from '../admission/estimate.js';
import { completeChat, startChatStream } from '../chat.js';
import { clientGone } from '../client-gone.js';
import type { Admission, InferencePipeline } from '../pipeline.js';
import { relayEvents } from '../sse.js';
import { toAnthropicMessage } from './from-canonical.js';
import { MessagesBody } from './schema.js';
import { anthropicEncoder } from './stream.js';
import { toCanonicalRequest } from './to-canonical.js';

const SSE_HEADERS = { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-cache', 'X-Accel-Buffering': 'no' } as const;

async function streamMessage(admission: Admission, ctx: Context): Promise<RouteResult> {
  const abort = clientGone(ctx);
  const started = await startChatStream(admission, abort.signal);
  const { request, modelAlias } = admission.facts;
  const encoder = anthropicEncoder({ alias: modelAlias, estimatedInputTokens: estimatePromptTokens(request, started.deployment.upstreamModel) });
  const relay = relayEvents(started.chunks, encoder, { startedAt: admission.startedAt, signal: abort.signal });
  // Concluded when the stream ends, after the response has started: the handler cannot wait for it.
  void relay.finished.then(started.finish, (error: unknown) => started.finish({ usage: null, completion: null, finishReason: null, timeToFirstTokenMs: null, latencyMs: admission.elapsedMs(), failure: { kind: 'server_error', message: String(error) } }));
  return { body: relay.body, headers: SSE_HEADERS };
}

/**
 * POST /v1/messages: Anthropic's Messages API over the same pipeline as chat (key, limits,
 * budget, routing, fallback, usage event). The request is translated to the canonical form
 * at the edge, so any provider serves it; errors on this path are written in Anthropic's
 * shape by the error middleware. The message names the alias the client sent.
 */
export function messagesRoute(pipeline: InferencePipeline): AnyRoute {
  return route({
    method: 'post',
    path: '/v1/messages',
    summary: 'Create a message, streamed or not (Anthropic Messages API)',
    tag: 'data plane',
    access: 'inference',
    body: MessagesBody,
    handler: async ({ body, principal, ctx }) => {
      const request = toCanonicalRequest(body);
      const admission = await pipeline.admit(principal, ctx, {
        modelAlias: body.model,
        stream: body.stream === true,
        request,
        promptTokens: (upstreamModel) => estimatePromptTokens(request, upstreamModel),
        maxOutputTokens: requestedMaxOutputTokens(request),
        boundsOutput: true,
      });
      if (admission.facts.stream) return streamMessage(admission, ctx);
      return { body: toAnthropicMessage(await completeChat(admission, clientGone(ctx).signal), body.model) };
    },
  });
}
