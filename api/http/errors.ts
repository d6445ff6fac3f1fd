import type { Context, Next } from 'koa';
import type { Logger } from 'pino';
import { NexusError, type ErrorKind, type FieldIssue } from '../../domain/shared/errors.js';
import { ANTHROPIC_ERROR_TYPE, GatewayError, type GatewayErrorType } from '../v1/errors.js';

/**
 * The one place typed errors become HTTP responses. Admin API: problem+json (RFC 9457).
 * Data plane (/v1/*): OpenAI's {error:{message,type,code,param}} so OpenAI SDKs surface
 * it. Anything untyped is a 500 whose details go to the log, never to the client.
 */
const STATUS: Record<ErrorKind, number> = {
  validation: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  revision_conflict: 412,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rule_violation: 422,
};

const OPENAI_TYPE: Record<ErrorKind, string> = {
  validation: 'invalid_request_error',
  unauthorized: 'authentication_error',
  forbidden: 'permission_error',
  not_found: 'not_found_error',
  conflict: 'conflict_error',
  revision_conflict: 'conflict_error',
  payload_too_large: 'invalid_request_error',
  unsupported_media_type: 'invalid_request_error',
  rule_violation: 'invalid_request_error',
};

interface HttpProblem {
  readonly status: number;
  readonly kind: ErrorKind | 'internal' | 'engine_unavailable';
  readonly message: string;
  readonly issues: readonly FieldIssue[];
  readonly details: Readonly<Record<string, unknown>>;
}

/** The data plane's error body fields (OpenAI's vocabulary), whatever the error's origin. */
interface DataPlaneError {
  readonly status: number;
  readonly message: string;
  readonly type: GatewayErrorType | string;
  readonly code: string;
  readonly param: string | null;
  readonly retryAfterMs: number | null;
}

/** Anthropic's Messages API route answers in Anthropic's error shape, so its SDK raises the right class. */
const isAnthropicSurface = (ctx: Context): boolean => ctx.path === '/v1/messages' || ctx.path.startsWith('/v1/messages/');

function writeDataPlaneError(ctx: Context, error: DataPlaneError): void {
  ctx.status = error.status;
  if (error.retryAfterMs !== null) ctx.set('Retry-After', String(Math.max(1, Math.ceil(error.retryAfterMs / 1000))));
  if (isAnthropicSurface(ctx)) {
    const type = (ANTHROPIC_ERROR_TYPE as Record<string, string>)[error.type] ?? 'api_error';
    ctx.body = { type: 'error', error: { type, message: error.message } };
    return;
  }
  ctx.body = { error: { message: error.message, type: error.type, code: error.code, param: error.param } };
}

function toProblem(error: unknown): HttpProblem {
  if (error instanceof NexusError) {
    const issues = Array.isArray(error.details.issues) ? (error.details.issues as FieldIssue[]) : [];
    const { issues: _omit, ...details } = error.details;
    return { status: STATUS[error.kind], kind: error.kind, message: error.message, issues, details };
  }
  if (isEngineUnavailable(error)) {
    // An engine outage (event store, read models, search, bus, counters) is transient: 503 + Retry-After, not a 500.
    return { status: 503, kind: 'engine_unavailable', message: 'a storage engine is not answering; retry shortly', issues: [], details: {} };
  }
  return { status: 500, kind: 'internal', message: 'internal error', issues: [], details: {} };
}

/** The adapters' "engine unavailable" errors share a `kind` ending in `_unavailable` (eventstore_unavailable, search_unavailable, …). */
function isEngineUnavailable(error: unknown): boolean {
  const kind = error instanceof Error ? (error as { kind?: unknown }).kind : undefined;
  return typeof kind === 'string' && kind.endsWith('_unavailable');
}

function writeProblem(ctx: Context, problem: HttpProblem): void {
  if (ctx.path.startsWith('/v1/')) {
    // OpenAI names the request field itself ('messages.0.role'), not where the gateway found it ('body.…').
    const path = problem.issues[0]?.path ?? null;
    const param = path === null ? null : path.replace(/^body(\.|$)/, '') || null;
    const type = problem.kind === 'internal' ? 'api_error' : problem.kind === 'engine_unavailable' ? 'overloaded_error' : OPENAI_TYPE[problem.kind];
    writeDataPlaneError(ctx, { status: problem.status, message: problem.message, type, code: problem.kind, param, retryAfterMs: problem.status === 503 ? 1_000 : null });
    return;
  }
  ctx.status = problem.status;
  if (problem.status === 503) ctx.set('Retry-After', '1');
  ctx.type = 'application/problem+json';
  ctx.body = {
    type: `https://nexus.dev/problems/${problem.kind}`,
    title: problem.kind.replace(/_/g, ' '),
    status: problem.status,
    detail: problem.message,
    instance: ctx.state.requestId as string | undefined,
    ...(problem.issues.length > 0 ? { errors: problem.issues } : {}),
    ...problem.details,
  };
}

export function errorMiddleware(logger: Logger) {
  return async function handleErrors(ctx: Context, next: Next): Promise<void> {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) {
        writeProblem(ctx, { status: 404, kind: 'not_found', message: `no route for ${ctx.method} ${ctx.path}`, issues: [], details: {} });
      } else if (ctx.status === 405 && ctx.body === undefined) {
        writeProblem(ctx, { status: 405, kind: 'validation', message: `${ctx.method} is not allowed on ${ctx.path}`, issues: [], details: {} });
      }
    } catch (error) {
      if (error instanceof GatewayError) {
        writeDataPlaneError(ctx, error);
        return;
      }
      const problem = toProblem(error);
      if (problem.kind === 'engine_unavailable') logger.warn({ err: error, requestId: ctx.state.requestId }, 'engine unavailable');
      else if (problem.status >= 500) logger.error({ err: error, requestId: ctx.state.requestId }, 'unhandled error');
      writeProblem(ctx, problem);
    }
  };
}
