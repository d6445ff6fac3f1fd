import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { NotFoundError } from '../../domain/shared/errors.js';
import type { AppDeps } from '../deps.js';
import { DOCS_HTML, DOCS_INIT_JS, SWAGGER_ASSETS, buildOpenApiDocument, swaggerAssetPath } from '../http/openapi.js';
import { route, type AnyRoute, type RouteResult } from '../http/route.js';

const ProjectionParams = z.strictObject({ name: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/) });
const DocsAssetParams = z.strictObject({ asset: z.string().max(64) });
const LimitQuery = z.strictObject({ limit: z.coerce.number().int().min(1).max(1000).default(100) });

/** Health, readiness, metrics, API docs and projection operations. */
export function systemRoutes(deps: AppDeps, allRoutes: () => readonly AnyRoute[], version: string): AnyRoute[] {
  return [
    route({ method: 'get', path: '/healthz', tag: 'system', access: 'public', summary: 'Liveness', handler: async () => ({ body: { status: 'ok' } }) }),
    route({
      method: 'get', path: '/readyz', tag: 'system', access: 'public', summary: 'Readiness: engines reachable and projections caught up',
      handler: async () => {
        const ready = await deps.ready();
        return { status: ready ? 200 : 503, body: { status: ready ? 'ready' : 'not_ready' } };
      },
    }),
    route({
      method: 'get', path: '/metrics', tag: 'system', access: 'public', summary: 'Prometheus metrics',
      handler: async ({ ctx }) => {
        ctx.type = deps.metrics.registry.contentType;
        return { body: await deps.metrics.registry.metrics(), headers: { 'Content-Type': deps.metrics.registry.contentType } };
      },
    }),
    route({ method: 'get', path: '/openapi.json', tag: 'system', access: 'public', summary: 'This OpenAPI 3.1 document', handler: async () => ({ body: buildOpenApiDocument(allRoutes(), version) }) }),
    route({
      method: 'get', path: '/docs', tag: 'system', access: 'public', summary: 'Browsable API docs',
      handler: async ({ ctx }) => {
        ctx.type = 'text/html';
        return { body: DOCS_HTML, headers: { 'Content-Type': 'text/html; charset=utf-8' } };
      },
    }),
    route({
      method: 'get', path: '/docs/:asset', tag: 'system', access: 'public', summary: 'API docs assets', params: DocsAssetParams,
      handler: async ({ params }): Promise<RouteResult> => {
        if (params.asset === 'init.js') return { body: DOCS_INIT_JS, headers: { 'Content-Type': 'application/javascript' } };
        if (!SWAGGER_ASSETS.has(params.asset)) throw new NotFoundError('asset', params.asset);
        const type = params.asset.endsWith('.css') ? 'text/css' : params.asset.endsWith('.png') ? 'image/png' : 'application/javascript';
        return { body: await readFile(swaggerAssetPath(params.asset)), headers: { 'Content-Type': type, 'Cache-Control': 'public, max-age=86400' } };
      },
    }),
    route({ method: 'get', path: '/admin/projections', tag: 'projections', access: 'admin', summary: 'Projection status: checkpoint, lag, dead letters', handler: async () => ({ body: { projections: await deps.projections.status() } }) }),
    route({
      method: 'post', path: '/admin/projections/:name/rebuild', tag: 'projections', access: 'admin', summary: 'Rebuild a projection blue/green and switch over', params: ProjectionParams,
      handler: async ({ params }) => {
        if (!deps.projections.names().includes(params.name)) throw new NotFoundError('projection', params.name);
        return { body: await deps.projections.rebuild(params.name) };
      },
    }),
    route({
      method: 'get', path: '/admin/projections/:name/dead-letters', tag: 'projections', access: 'admin', summary: "A projection's dead-lettered events", params: ProjectionParams, query: LimitQuery,
      handler: async ({ params, query }) => {
        if (!deps.projections.names().includes(params.name)) throw new NotFoundError('projection', params.name);
        return { body: { deadLetters: await deps.projections.deadLetters(params.name, query.limit) } };
      },
    }),
  ];
}
