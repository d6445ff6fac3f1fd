import type Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import { ForbiddenError, NotFoundError, UnauthorizedError, ValidationError } from '../../domain/shared/errors.js';
import type { Principal } from './principal.js';

/**
 * Routes are declared once, as data: method, path, access rule and zod schemas for
 * params, query and body. The same declarations register the Koa handlers, generate the
 * OpenAPI document, and drive the tenant-isolation test that walks the route table.
 */
export type Access =
  | 'public' // no credential (health, docs)
  | 'admin' // platform admin token only
  | 'tenant-read' // admin, or a key with admin-read (or admin-write) of the tenant in the path / scope
  | 'tenant-write' // admin, or a key with admin-write of the tenant in the path
  | 'inference'; // data plane: a key with the inference scope only (the admin token has no tenant to bill)

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

export interface RouteInput<P, Q, B> {
  readonly params: P;
  readonly query: Q;
  readonly body: B;
  readonly principal: Principal;
  readonly ctx: Context;
}

export interface RouteResult {
  readonly status?: number;
  readonly body: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface RouteSpec<P extends z.ZodType = z.ZodType, Q extends z.ZodType = z.ZodType, B extends z.ZodType = z.ZodType> {
  readonly method: HttpMethod;
  readonly path: string;
  readonly summary: string;
  readonly tag: string;
  readonly access: Access;
  readonly params?: P;
  readonly query?: Q;
  readonly body?: B;
  /** HTTP status of a successful response (documentation). */
  readonly successStatus?: number;
  readonly handler: (input: RouteInput<z.output<P>, z.output<Q>, z.output<B>>) => Promise<RouteResult>;
}

export type AnyRoute = RouteSpec<z.ZodType, z.ZodType, z.ZodType>;

/** Identity helper that keeps the zod types of one route tied to its handler. */
export function route<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType>(spec: RouteSpec<P, Q, B>): AnyRoute {
  return spec as unknown as AnyRoute;
}

const EMPTY = z.strictObject({});

function parseOrThrow<T extends z.ZodType>(schema: T, value: unknown, where: string): z.output<T> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((issue) => ({
    path: [where, ...issue.path.map(String)].join('.'),
    message: issue.message,
  }));
  const first = issues[0];
  throw new ValidationError(`invalid ${where}: ${first ? `${first.path}: ${first.message}` : 'malformed'}`, issues);
}

const KEY_SCOPES_FOR: Record<'tenant-read' | 'tenant-write', readonly string[]> = {
  'tenant-read': ['admin-read', 'admin-write'],
  'tenant-write': ['admin-write'],
};

/**
 * Access rules. A key addressing another tenant in the path gets 404, never 403, so keys
 * cannot probe which tenants exist. Resources addressed without a tenant in the path are
 * isolated by the scoped read models instead.
 */
export function authorize(access: Access, principal: Principal | null, params: Record<string, unknown>): void {
  if (access === 'public') return;
  if (!principal) throw new UnauthorizedError('this operation needs a bearer token');
  if (access === 'inference') {
    // Every inference is billed to a tenant, so the platform admin token cannot call the data plane.
    if (principal.kind === 'admin') throw new ForbiddenError('the data plane needs a tenant API key with the inference scope, not the admin token');
    if (!principal.scopes.includes('inference')) throw new ForbiddenError('this key lacks the inference scope');
    return;
  }
  if (principal.kind === 'admin') return;
  if (access === 'admin') throw new ForbiddenError('this operation needs the platform admin token');
  if (typeof params.tenantId === 'string' && params.tenantId !== principal.tenantId) throw new NotFoundError('tenant', params.tenantId);
  if (!principal.scopes.some((scope) => KEY_SCOPES_FOR[access].includes(scope))) {
    throw new ForbiddenError(`this key lacks the ${KEY_SCOPES_FOR[access].join(' or ')} scope`);
  }
}

const ANY_PARAMS = z.record(z.string(), z.string());
const NO_QUERY = z.object({});

/** The Koa handler of one declared route: access, parameters, query and body checked, then the handler's result written. */
function routeHandler(spec: AnyRoute): (ctx: Context) => Promise<void> {
  // Built once per route, not per request: zod compiles a parser for each schema it meets.
  const paramsSchema = spec.params ?? ANY_PARAMS;
  const querySchema = spec.query ?? NO_QUERY;
  return async (ctx: Context) => {
    const principal = (ctx.state.principal as Principal | undefined) ?? null;
    if (spec.access !== 'public' && !principal) throw new UnauthorizedError('this operation needs a bearer token');
    const params = parseOrThrow(paramsSchema, ctx.params ?? {}, 'path');
    authorize(spec.access, principal, params as Record<string, unknown>);
    const query = parseOrThrow(querySchema, ctx.query, 'query');
    const body = spec.body ? parseOrThrow(spec.body, ctx.state.body, 'body') : parseOrThrow(EMPTY, ctx.state.body ?? {}, 'body');
    const result = await spec.handler({ params, query, body, principal: principal as Principal, ctx });
    ctx.status = result.status ?? 200;
    for (const [name, value] of Object.entries(result.headers ?? {})) ctx.set(name, value);
    ctx.body = result.body;
  };
}

export function mountRoutes(router: Router, routes: readonly AnyRoute[]): void {
  for (const spec of routes) router.register(spec.path, [spec.method.toUpperCase()], routeHandler(spec));
}

/** Routes whose paths have no parameters, found by one map lookup (see staticRoutes). */
export interface StaticRoutes {
  readonly routes: readonly AnyRoute[];
  readonly middleware: (ctx: Context, next: () => Promise<unknown>) => Promise<unknown>;
}

/** A path as the router compares it: case-insensitive, a trailing slash ignored (as @koa/router's defaults do). */
const normalizedPath = (path: string): string => (path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path).toLowerCase();

/**
 * The data plane's routes have fixed paths, so a request finds its handler with one map
 * lookup instead of a router's regular-expression scan and per-request middleware
 * composition. It answers like the router: HEAD as GET, OPTIONS with the Allow header, 405
 * for a known path with another method, and anything unknown passes on (404).
 */
export function staticRoutes(routes: readonly AnyRoute[]): StaticRoutes {
  const byPath = new Map<string, Map<string, { readonly template: string; readonly handle: (ctx: Context) => Promise<void> }>>();
  for (const spec of routes) {
    if (spec.path.includes(':')) throw new Error(`route ${spec.path} has parameters; mount it on a router`);
    const path = normalizedPath(spec.path);
    const methods = byPath.get(path) ?? new Map();
    methods.set(spec.method.toUpperCase(), { template: spec.path, handle: routeHandler(spec) });
    byPath.set(path, methods);
  }
  const middleware = async (ctx: Context, next: () => Promise<unknown>): Promise<unknown> => {
    const methods = byPath.get(normalizedPath(ctx.path));
    if (methods === undefined) return next();
    const found = methods.get(ctx.method) ?? (ctx.method === 'HEAD' ? methods.get('GET') : undefined);
    if (found === undefined) {
      ctx.set('Allow', [...methods.keys(), ...(methods.has('GET') ? ['HEAD'] : [])].join(', '));
      if (ctx.method === 'OPTIONS') {
        ctx.status = 200;
        ctx.body = '';
        return;
      }
      ctx.status = 405;
      return;
    }
    // What the router would record: the latency metric and the log label requests by their route template.
    (ctx as Context & { _matchedRoute?: string })._matchedRoute = found.template;
    return found.handle(ctx);
  };
  return { routes, middleware };
}
