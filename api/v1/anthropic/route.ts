import { route, type AnyRoute } from '../../http/route.js';
import { estimatePromptTokens } from '../admission/estimate.js';
import { completeChat } from '../chat.js';
import { clientGone } from '../client-gone.js';
import type { InferencePipeline } from '../pipeline.js';
import { relayEvents } from '../sse.js';
import { chatAdmission, streamRoute } from '../stream-route.js';
import { toAnthropicMessage } from './from-canonical.js';
import { MessagesBody } from './schema.js';
import { anthropicEncoder } from './stream.js';
import { toCanonicalRequest } from './to-canonical.js';

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
      const admission = await pipeline.admit(principal, ctx, chatAdmission(toCanonicalRequest(body)));
      if (admission.facts.stream) {
        return streamRoute(admission, ctx, (started, chunks, signal) => {
          const { request, modelAlias } = admission.facts;
          const encoder = anthropicEncoder({ alias: modelAlias, estimatedInputTokens: estimatePromptTokens(request, started.deployment.upstreamModel) });
          return relayEvents(chunks, encoder, { startedAt: admission.startedAt, signal });
        });
      }
      return { body: toAnthropicMessage(await completeChat(admission, clientGone(ctx).signal), body.model) };
    },
  });
}
