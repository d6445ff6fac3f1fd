import type { Context, Next } from 'koa';
import type { Logger } from 'pino';
import { timeOrderedUuid } from '../../domain/shared/time-ordered-id.js';
import { boundedMethod, statusClass, type Metrics } from './metrics.js';

/**
 * Gives every request an id (accepting a well-formed X-Request-Id from a proxy; otherwise a
 * time-ordered UUID, which names the request's inference stream, see time-ordered-id.ts), a
 * correlation id (X-Correlation-Id or the request id) that flows into event metadata,
 * one structured log line, and a latency observation under its route template.
 */
const SAFE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

function incomingId(ctx: Context, header: string): string | null {
  const value = ctx.get(header);
  return value && SAFE_ID.test(value) ? value : null;
}

export function requestContextMiddleware(logger: Logger, metrics: Metrics) {
  return async function requestContext(ctx: Context, next: Next): Promise<void> {
    const started = process.hrtime.bigint();
    const requestId = incomingId(ctx, 'x-request-id') ?? timeOrderedUuid();
    const correlationId = incomingId(ctx, 'x-correlation-id') ?? requestId;
    ctx.state.requestId = requestId;
    ctx.state.correlationId = correlationId;
    ctx.set('X-Request-Id', requestId);
    ctx.set('X-Correlation-Id', correlationId);
    try {
      await next();
    } finally {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const routeTemplate = (ctx as Context & { _matchedRoute?: string })._matchedRoute ?? 'unmatched';
      metrics.httpDuration.observe({ method: boundedMethod(ctx.method), route: String(routeTemplate), status_class: statusClass(ctx.status) }, seconds);
      // The line's fields are built only when it will be written (production runs at info; benchmarks and quiet setups above it).
      if (logger.isLevelEnabled('info')) logger.info({ requestId, correlationId, method: ctx.method, route: routeTemplate, status: ctx.status, ms: Math.round(seconds * 1e4) / 10 }, 'request');
    }
  };
}
