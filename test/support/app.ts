import { mkdtemp, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bootstrap, type Nexus } from '../../api/bootstrap.js';
import { loadConfig } from '../../api/config.js';
import { createLogger } from '../../api/http/logger.js';

/**
 * A real NexusAI process for HTTP tests: the same bootstrap as `npm start`, embedded
 * engines in a fresh temporary data dir, listening on a random loopback port.
 */
export interface TestApp {
  readonly baseUrl: string;
  readonly adminToken: string;
  readonly dataDir: string;
  readonly nexus: Nexus;
  request(method: string, path: string, options?: RequestOptions): Promise<TestResponse>;
  close(): Promise<void>;
}

export interface RequestOptions {
  readonly token?: string | null;
  readonly body?: unknown;
  /** Sent verbatim (for malformed bodies); overrides `body`. */
  readonly rawBody?: string | Buffer;
  readonly headers?: Record<string, string>;
}

export interface TestResponse {
  readonly status: number;
  readonly headers: Headers;
  // Tests inspect arbitrary JSON shapes; a loose record keeps assertions readable.
  readonly body: Record<string, unknown> & { items?: Array<Record<string, unknown>> };
  readonly text: string;
}

/**
 * Pass NEXUS_DATA_DIR in `env` to start a second process-like instance on another's data
 * (two gateways sharing one event store); the directory is then left for its owner to remove.
 */
export async function startTestApp(env: Record<string, string> = {}, logDestination?: NodeJS.WritableStream): Promise<TestApp> {
  const ownsDataDir = env.NEXUS_DATA_DIR === undefined;
  const dataDir = env.NEXUS_DATA_DIR ?? (await mkdtemp(join(tmpdir(), 'nexus-test-')));
  const config = loadConfig({ NEXUS_DATA_DIR: dataDir, NEXUS_LOG_LEVEL: 'silent', NEXUS_PORT: '0', ...env });
  const logger = logDestination ? createLogger('debug', logDestination) : undefined;
  const nexus = await bootstrap(config, { logger });
  const server: Server = nexus.app.koa.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const adminToken = nexus.adminToken.token;
  return {
    baseUrl,
    adminToken,
    dataDir,
    nexus,
    async request(method, path, options = {}) {
      const token = options.token === undefined ? adminToken : options.token;
      const headers: Record<string, string> = { ...(token ? { authorization: `Bearer ${token}` } : {}), ...options.headers };
      let body: string | Buffer | undefined;
      if (options.rawBody !== undefined) body = options.rawBody;
      else if (options.body !== undefined) body = JSON.stringify(options.body);
      if (body !== undefined && !Object.keys(headers).some((name) => name.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json';
      const response = await fetch(`${baseUrl}${path}`, { method, headers, body });
      const text = await response.text();
      let parsed: Record<string, unknown> = {};
      try {
        parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
      } catch {
        parsed = {};
      }
      return { status: response.status, headers: response.headers, body: parsed, text };
    },
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await nexus.close();
      if (ownsDataDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

let counter = 0;
/** A fresh tenant id per test, so tests never share state. */
export const freshTenantId = (prefix = 't'): string => `${prefix}${Date.now().toString(36)}${(counter++).toString(36)}`;

/** Registers a tenant and issues it a key; returns the plaintext key. */
export async function tenantWithKey(app: TestApp, scopes: string[] = ['inference', 'admin-read', 'admin-write']) {
  const tenantId = freshTenantId();
  const tenant = await app.request('POST', '/admin/tenants', { body: { tenantId, name: `Tenant ${tenantId}`, dataRegion: 'eu' } });
  if (tenant.status !== 201) throw new Error(`tenant: ${tenant.status} ${tenant.text}`);
  const issued = await app.request('POST', `/admin/tenants/${tenantId}/api-keys`, { body: { name: 'test key', scopes } });
  if (issued.status !== 201) throw new Error(`key: ${issued.status} ${issued.text}`);
  const apiKey = issued.body.apiKey as { keyId: string };
  return { tenantId, key: String(issued.body.key), keyId: apiKey.keyId };
}
