import type { ChatCompletionRequest } from '../../engines/providers/port.js';
import type { AppDeps } from '../deps.js';
import { route, type AnyRoute } from '../http/route.js';
import { evaluatePolicies } from './admission/policy.js';
import { messagesRoute } from './anthropic/route.js';
import { completeChat } from './chat.js';
import { clientGone } from './client-gone.js';
import { embeddingsRoute } from './embeddings.js';
import type { InferencePipeline } from './pipeline.js';
import { routableDeployments } from './routing.js';
import { ChatCompletionBody } from './schemas.js';
import { relaySse } from './sse.js';
import { chatAdmission, streamRoute } from './stream-route.js';

export function v1Routes(deps: AppDeps, pipeline: InferencePipeline): AnyRoute[] {
  return [
    route({
      method: 'get',
      path: '/v1/models',
      summary: 'List the model aliases this key can call (OpenAI-compatible)',
      tag: 'data plane',
      access: 'inference',
      handler: async ({ principal }) => {
        const key = pipeline.servingKey(principal);
        const policies = deps.gateway.policiesFor(key.tenantId);
        const data = deps.gateway.modelAliases().flatMap((alias) => {
          // Only what this key may call: routable, and allowed by the tenant's policies (models, data regions).
          const decision = evaluatePolicies(policies, { modelAlias: alias, maxOutputTokens: null }, routableDeployments(deps.gateway, alias));
          const deployments = decision.allowed ? decision.deployments : [];
          if (deployments.length === 0) return [];
          // The alias exists since its first deployment's first price (set at registration).
          const created = Math.min(...deployments.map((deployment) => Math.floor(Date.parse(deployment.prices[0]?.effectiveFrom ?? '') / 1000) || 0));
          return [{ id: alias, object: 'model', created, owned_by: 'nexusai' }];
        });
        return { body: { object: 'list', data } };
      },
    }),
    route({
      method: 'post',
      path: '/v1/chat/completions',
      summary: 'Create a chat completion, streamed or not (OpenAI-compatible)',
      tag: 'data plane',
      access: 'inference',
      body: ChatCompletionBody,
      handler: async ({ body, principal, ctx }) => {
        // The edge checked what the gateway reads (roles, content shapes, limits); adapters own the rest.
        const request = body as unknown as ChatCompletionRequest;
        const admission = await pipeline.admit(principal, ctx, chatAdmission(request));
        if (!admission.facts.stream) return { body: await completeChat(admission, clientGone(ctx).signal) };
        const includeUsage = request.stream_options?.include_usage === true;
        return streamRoute(admission, ctx, (_started, chunks, signal) =>
          relaySse(chunks, { alias: admission.facts.modelAlias, includeUsage, startedAt: admission.startedAt, signal }),
        );
      },
    }),
    embeddingsRoute(pipeline),
    messagesRoute(pipeline),
  ];
}
