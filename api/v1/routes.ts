import { randomBytes } from 'node:crypto';
import type { Context } from 'koa';
import { ForbiddenError } from '../../domain/shared/errors.js';
import { ENTITY_ID_PATTERN } from '../../domain/shared/streams.js';
import type { ChatCompletion, ChatCompletionChunk, ChatCompletionRequest } from '../../engines/providers/port.js';
import type { AppDeps } from '../deps.js';
import type { Principal } from '../http/principal.js';
import { route, type AnyRoute, type RouteResult } from '../http/route.js';
import { withFallback, type Dispatched } from './dispatch.js';
import { recordOutcome, type Ending, type RequestFacts, type Served } from './record.js';
import { attemptOrder, routableDeployments } from './routing.js';
import { ChatCompletionBody } from './schemas.js';
import { relaySse } from './sse.js';

type TenantKey = Extract<Principal, { kind: 'apikey' }>;

/** The 'inference' access rule already refused the admin token; this narrows the type and checks the tenant is serving. */
function servingKey(deps: AppDeps, principal: Principal): TenantKey {
  if (principal.kind !== 'apikey') throw new ForbiddenError('the data plane needs a tenant API key');
  const status = deps.gateway.tenant(principal.tenantId)?.status;
  // A suspended tenant's keys still authenticate (so the admin API can explain), but it may not spend.
  if (status !== 'active') throw new ForbiddenError(`tenant '${principal.tenantId}' is ${status ?? 'unknown'}: inference is refused until it is reactivated`);
  return principal;
}

/**
 * The inference stream is named by the request id. A client-chosen X-Request-Id could name a
 * stream that already exists (a retry), which would make recording fail after the answer was
 * generated; so only the id the gateway generated is reused, otherwise a fresh one is issued.
 */
function requestIdFor(ctx: Context): string {
  const current = String(ctx.state.requestId);
  if (ctx.get('x-request-id') !== current && ENTITY_ID_PATTERN.test(current)) return current;
  const fresh = `req_${randomBytes(12).toString('hex')}`;
  ctx.set('X-Request-Id', fresh);
  return fresh;
}

const openAiError = (status: number, message: string, type: string, code: string, param: string | null = null): RouteResult => ({
  status,
  body: { error: { message, type, code, param } },
});

const modelNotFound = (model: string): RouteResult =>
  openAiError(404, `The model '${model}' does not exist or you do not have access to it.`, 'invalid_request_error', 'model_not_found', 'model');

/** A refused request is the client's fault (400); anything else after the fallback chain is a bad gateway. */
function upstreamFailure(dispatched: Extract<Dispatched<unknown>, { ok: false }>, alias: string): RouteResult {
  const { error } = dispatched;
  if (error.kind === 'bad_request') return openAiError(400, error.message, 'invalid_request_error', 'upstream_bad_request');
  return openAiError(502, `every deployment of '${alias}' failed; the last one: ${error.message}`, 'api_error', `upstream_${error.kind}`);
}

const elapsed = (since: number): number => Math.max(0, Math.round(performance.now() - since));

export function v1Routes(deps: AppDeps): AnyRoute[] {
  const record = async (facts: RequestFacts, served: Served, ending: Ending): Promise<void> => {
    try {
      await recordOutcome(deps.eventStore, facts, served, ending, deps.now());
    } catch (error) {
      // The client already has (or is getting) its answer; a lost record is an operator alarm, not a client error.
      deps.logger.error({ err: error, requestId: facts.requestId, tenantId: facts.tenantId }, 'inference outcome not recorded');
    }
  };

  async function complete(facts: RequestFacts, order: Parameters<typeof withFallback>[0], startedAt: number): Promise<RouteResult> {
    const dispatched = await withFallback<ChatCompletion>(order, (provider, target) => provider.chat(facts.request, target));
    const base = { deployment: dispatched.deployment, attempts: dispatched.attempts, latencyMs: elapsed(startedAt), timeToFirstTokenMs: null };
    if (!dispatched.ok) {
      await record(facts, { ...base, usage: null }, { type: 'failed', errorKind: dispatched.error.kind, errorMessage: dispatched.error.message });
      return upstreamFailure(dispatched, facts.modelAlias);
    }
    const completion = dispatched.value;
    const first = completion.choices.find((choice) => choice.index === 0);
    await record(facts, { ...base, usage: completion.usage ?? null }, { type: 'completed', finishReason: first?.finish_reason ?? null, completion: first?.message.content ?? null });
    return { body: { ...completion, model: facts.modelAlias } };
  }

  async function stream(facts: RequestFacts, order: Parameters<typeof withFallback>[0], startedAt: number, ctx: Context): Promise<RouteResult> {
    const abort = new AbortController();
    ctx.res.once('close', () => {
      if (!ctx.res.writableFinished) abort.abort();
    });
    // Always ask upstream for usage: the tenant is billed from it even if it did not ask to see it.
    const upstreamRequest: ChatCompletionRequest = { ...facts.request, stream: true, stream_options: { ...facts.request.stream_options, include_usage: true } };
    const dispatched = await withFallback<AsyncIterable<ChatCompletionChunk>>(order, (provider, target) => provider.chatStream(upstreamRequest, target, abort.signal));
    if (!dispatched.ok) {
      const served = { deployment: dispatched.deployment, attempts: dispatched.attempts, usage: null, latencyMs: elapsed(startedAt), timeToFirstTokenMs: null };
      await record(facts, served, { type: 'failed', errorKind: dispatched.error.kind, errorMessage: dispatched.error.message });
      return upstreamFailure(dispatched, facts.modelAlias);
    }
    const includeUsage = facts.request.stream_options?.include_usage === true;
    const relay = relaySse(dispatched.value, { alias: facts.modelAlias, includeUsage, startedAt, signal: abort.signal });
    // Recorded when the stream ends, after the response has started: the handler cannot wait for it.
    void relay.finished.then(
      (summary) => {
        const served = { deployment: dispatched.deployment, attempts: dispatched.attempts, usage: summary.usage, latencyMs: summary.latencyMs, timeToFirstTokenMs: summary.timeToFirstTokenMs };
        const ending: Ending = summary.failure
          ? { type: 'failed', errorKind: summary.failure.kind, errorMessage: summary.failure.message }
          : { type: 'completed', finishReason: summary.finishReason, completion: summary.completion };
        return record(facts, served, ending);
      },
      (error: unknown) => deps.logger.error({ err: error, requestId: facts.requestId }, 'stream relay failed'),
    );
    return { body: relay.body, headers: { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-cache', 'X-Accel-Buffering': 'no' } };
  }

  return [
    route({
      method: 'get',
      path: '/v1/models',
      summary: 'List the model aliases this key can call (OpenAI-compatible)',
      tag: 'data plane',
      access: 'inference',
      handler: async ({ principal }) => {
        servingKey(deps, principal);
        const data = deps.gateway.modelAliases().flatMap((alias) => {
          const deployments = routableDeployments(deps.gateway, alias);
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
        const key = servingKey(deps, principal);
        const order = attemptOrder(routableDeployments(deps.gateway, body.model));
        if (order.length === 0) return modelNotFound(body.model);
        const startedAt = performance.now();
        const facts: RequestFacts = {
          tenantId: key.tenantId,
          keyId: key.keyId,
          requestId: requestIdFor(ctx),
          correlationId: String(ctx.state.correlationId),
          modelAlias: body.model,
          stream: body.stream === true,
          // The edge checked what the gateway reads (roles, content shapes, limits); adapters own the rest.
          request: body as unknown as ChatCompletionRequest,
        };
        return facts.stream ? stream(facts, order, startedAt, ctx) : complete(facts, order, startedAt);
      },
    }),
  ];
}
