import { createRequire } from 'node:module';
import { z } from 'zod';
import type { AnyRoute } from './route.js';

/**
 * The OpenAPI 3.1 document is generated from the route declarations and their zod
 * schemas (JSON Schema 2020-12, which OpenAPI 3.1 uses natively); nothing is hand-written.
 */
type JsonSchema = Record<string, unknown>;

const toJsonSchema = (schema: z.ZodType): JsonSchema => {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  return rest;
};

const PROBLEM = {
  type: 'object',
  description: 'RFC 9457 problem details; `errors` lists the field paths at fault',
  properties: {
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    instance: { type: 'string' },
    errors: { type: 'array', items: { type: 'object', properties: { path: { type: 'string' }, message: { type: 'string' } } } },
  },
};

function parameters(route: AnyRoute): JsonSchema[] {
  const result: JsonSchema[] = [];
  for (const [location, schema] of [['path', route.params], ['query', route.query]] as const) {
    if (!schema) continue;
    const json = toJsonSchema(schema);
    const properties = (json.properties ?? {}) as Record<string, JsonSchema>;
    const required = new Set((json.required as string[] | undefined) ?? []);
    for (const [name, property] of Object.entries(properties)) {
      result.push({ name, in: location, required: location === 'path' || required.has(name), schema: property });
    }
  }
  return result;
}

function operation(route: AnyRoute): JsonSchema {
  const errorResponse = { description: 'Problem', content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } };
  return {
    summary: route.summary,
    tags: [route.tag],
    operationId: `${route.method}${route.path.replace(/[/:{}-]+(\w)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ''))}`,
    security: route.access === 'public' ? [] : [{ bearer: [] }],
    parameters: parameters(route),
    ...(route.body ? { requestBody: { required: true, content: { 'application/json': { schema: toJsonSchema(route.body) } } } } : {}),
    responses: {
      [String(route.successStatus ?? 200)]: { description: 'Success', content: { 'application/json': { schema: { type: 'object' } } } },
      '4XX': errorResponse,
    },
    'x-access': route.access,
  };
}

export function buildOpenApiDocument(routes: readonly AnyRoute[], version: string): JsonSchema {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const route of routes) {
    const path = route.path.replace(/:(\w+)/g, '{$1}');
    paths[path] = { ...(paths[path] ?? {}), [route.method]: operation(route) };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'NexusAI control, query and audit API', version },
    servers: [{ url: '/', description: 'this NexusAI process' }],
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'Platform admin token or a tenant API key' } },
      schemas: { Problem: PROBLEM },
    },
    paths,
  };
}

const swaggerDir = (): string => {
  const require = createRequire(import.meta.url);
  return (require('swagger-ui-dist') as { getAbsoluteFSPath(): string }).getAbsoluteFSPath();
};

export const SWAGGER_ASSETS = new Set(['swagger-ui.css', 'swagger-ui-bundle.js', 'swagger-ui-standalone-preset.js', 'favicon-32x32.png']);
export const swaggerAssetPath = (name: string): string => `${swaggerDir()}/${name}`;

/** A browsable docs page on swagger-ui-dist served locally: works without internet access. */
export const DOCS_HTML = `<!doctype html>
<html><head><meta charset="utf-8"><title>NexusAI API</title>
<link rel="stylesheet" href="/docs/swagger-ui.css"></head>
<body><div id="ui"></div>
<script src="/docs/swagger-ui-bundle.js"></script>
<script src="/docs/init.js"></script></body></html>`;

export const DOCS_INIT_JS = `window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#ui', persistAuthorization: true });`;
