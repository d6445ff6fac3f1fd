/**
 * Outbound HTTP for every provider: pooled keep-alive connections (undici), a JSON POST
 * and an SSE POST, and the one place where network failures and HTTP statuses become
 * UpstreamErrors.
 *
 * Guarantees:
 * - one undici Pool per origin (and connect timeout), reused across requests, so
 *   sequential calls to a provider ride one warm connection;
 * - `readMs` bounds both the wait for response headers and every silence in the body;
 * - a caller's abort is re-thrown as the signal's reason, untouched: it is not the
 *   upstream's failure and must not trigger a fallback;
 * - credentials travel in headers only and never reach an error message.
 */
import { Pool, type Dispatcher } from 'undici';
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { adapterError, errorFromResponse, extractErrorMessage, sanitizeUpstreamMessage } from './errors.js';
import { UpstreamError, type ProviderTarget, type UpstreamErrorKind } from './port.js';
import { dispatchWhole, type WholeResponse } from './whole-response.js';

export interface UpstreamRequest {
  target: ProviderTarget;
  /** Absolute URL; its origin selects the pool. */
  url: string;
  headers: Record<string, string>;
  body: unknown;
  signal?: AbortSignal;
}

/** One server-sent event whose data was JSON. */
export interface SseEvent {
  event: string | undefined;
  data: unknown;
}

export interface UpstreamHttpOptions {
  /** Max sockets per origin; null = unbounded (undici's default). */
  connections?: number | null;
  keepAliveTimeoutMs?: number;
}

type Body = Dispatcher.ResponseData['body'];
type Phase = 'request' | 'stream';

const ERROR_BODY_LIMIT = 64 * 1024;
/** After `[DONE]`, how long the rest of the response may take to drain before the socket is dropped. */
const DRAIN_AFTER_DONE_MS = 1000;
const TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT']);

/** Parsed upstream URLs: a gateway calls a handful of endpoints, so each is parsed once, not per request. */
const MAX_REMEMBERED_URLS = 1_000;

export class UpstreamHttp {
  private readonly pools = new Map<string, Pool>();
  private readonly urls = new Map<string, { readonly origin: string; readonly path: string }>();
  private closed = false;

  constructor(private readonly options: UpstreamHttpOptions = {}) {}

  /** POSTs JSON and returns the parsed 2xx body (read whole, through undici's dispatch API: whole-response.ts). */
  async postJson(req: UpstreamRequest): Promise<unknown> {
    const url = this.parsed(req.url);
    const { readMs, connectMs } = req.target.timeouts;
    let res: WholeResponse;
    try {
      const options = { method: 'POST' as const, path: url.path, headers: requestHeaders(req, 'application/json'), body: JSON.stringify(req.body), headersTimeout: readMs, bodyTimeout: readMs };
      res = await dispatchWhole(this.poolFor(url.origin, connectMs), options, req.signal, ERROR_BODY_LIMIT);
    } catch (err) {
      throw mapNetworkError(err, req, 'request');
    }
    if (res.statusCode < 200 || res.statusCode >= 300) throw errorFromResponse(req.target, res.statusCode, res.headers, res.text.slice(0, ERROR_BODY_LIMIT));
    try {
      return JSON.parse(res.text);
    } catch {
      throw new UpstreamError({ kind: 'server_error', status: res.statusCode, deploymentId: req.target.deploymentId, upstreamMessage: 'upstream returned a body that is not JSON' });
    }
  }

  /**
   * POSTs JSON and resolves, once the upstream answered 2xx with an event stream, to the
   * stream's JSON events. Iteration stops at `data: [DONE]` or at the end of the body;
   * a transport failure during iteration throws 'stream_interrupted'.
   */
  async postSse(req: UpstreamRequest): Promise<AsyncIterable<SseEvent>> {
    const res = await this.openStream(req);
    const contentType = String(res.headers['content-type'] ?? '');
    if (contentType.includes('application/json')) {
      // Some servers answer 200 with a JSON error instead of a stream.
      const text = await readLimitedText(res.body).catch(() => '');
      throw new UpstreamError({
        kind: 'server_error',
        status: res.statusCode,
        deploymentId: req.target.deploymentId,
        upstreamMessage: sanitizeUpstreamMessage(extractErrorMessage(text), [req.target.apiKey]),
      });
    }
    return sseEvents(res.body, req);
  }

  /** Closes every pool, letting in-flight requests finish. Further calls open new pools. */
  async close(): Promise<void> {
    const pools = [...this.pools.values()];
    this.pools.clear();
    await Promise.all(pools.map((pool) => pool.close()));
  }

  /** Closes for good (process shutdown). */
  async shutdown(): Promise<void> {
    this.closed = true;
    await this.close();
  }

  private poolFor(origin: string, connectMs: number): Pool {
    if (this.closed) throw new Error('UpstreamHttp is shut down');
    // The connect timeout is fixed per pool, so targets with different ones get their own.
    const key = `${origin}|${connectMs}`;
    let pool = this.pools.get(key);
    if (!pool) {
      pool = new Pool(origin, {
        connections: this.options.connections ?? null,
        keepAliveTimeout: this.options.keepAliveTimeoutMs ?? 10_000,
        keepAliveMaxTimeout: 60_000,
        connect: { timeout: connectMs },
      });
      this.pools.set(key, pool);
    }
    return pool;
  }

  private parsed(url: string): { readonly origin: string; readonly path: string } {
    let parsed = this.urls.get(url);
    if (parsed === undefined) {
      const { origin, pathname, search } = new URL(url);
      parsed = { origin, path: `${pathname}${search}` };
      if (this.urls.size >= MAX_REMEMBERED_URLS) this.urls.clear();
      this.urls.set(url, parsed);
    }
    return parsed;
  }

  /** The SSE call: its 2xx body stays a stream (sseEvents reads it event by event); an error answer becomes an UpstreamError. */
  private async openStream(req: UpstreamRequest): Promise<Dispatcher.ResponseData> {
    const url = this.parsed(req.url);
    const { readMs, connectMs } = req.target.timeouts;
    let res: Dispatcher.ResponseData;
    try {
      res = await this.poolFor(url.origin, connectMs).request({
        method: 'POST',
        path: url.path,
        headers: requestHeaders(req, 'text/event-stream'),
        body: JSON.stringify(req.body),
        signal: req.signal,
        headersTimeout: readMs,
        bodyTimeout: readMs,
      });
    } catch (err) {
      throw mapNetworkError(err, req, 'request');
    }
    if (res.statusCode >= 200 && res.statusCode < 300) return res;
    const text = await readLimitedText(res.body).catch(() => '');
    throw errorFromResponse(req.target, res.statusCode, res.headers, text);
  }
}

/** The process-wide client every provider uses unless given another (tests do). */
export const sharedHttp = new UpstreamHttp();

async function* sseEvents(body: Body, req: UpstreamRequest): AsyncGenerator<SseEvent> {
  const pending: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (message) => pending.push(message) });
  const decoder = new TextDecoder();
  // destroyOnReturn: false lets us drain after [DONE] so the socket goes back to the pool.
  const chunks = body.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>;
  let state: 'open' | 'done' | 'ended' = 'open';
  try {
    for await (const chunk of chunks) {
      parser.feed(decoder.decode(chunk, { stream: true }));
      for (const message of pending.splice(0)) {
        if (message.data === '[DONE]') {
          state = 'done';
          return;
        }
        yield { event: message.event, data: parseEventData(message.data, req.target) };
      }
    }
    state = 'ended';
  } catch (err) {
    if (err instanceof UpstreamError) throw err;
    throw mapNetworkError(err, req, 'stream');
  } finally {
    if (state === 'done') void body.dump({ limit: Number.MAX_SAFE_INTEGER, signal: AbortSignal.timeout(DRAIN_AFTER_DONE_MS) }).catch(() => undefined);
    else if (state === 'open') {
      // The consumer stopped early (or the body failed): drop the socket. undici reports
      // the abort as an 'error' event nobody else listens to any more.
      body.on('error', () => undefined);
      body.destroy();
    }
  }
}

function parseEventData(data: string, target: ProviderTarget): unknown {
  try {
    return JSON.parse(data);
  } catch {
    throw adapterError(target, 'stream_interrupted', 'upstream sent an event whose data is not JSON');
  }
}

const requestHeaders = (req: UpstreamRequest, accept: string): Record<string, string> => ({ ...req.headers, 'content-type': 'application/json', accept });

async function readLimitedText(body: Body): Promise<string> {
  const parts: Buffer[] = [];
  let size = 0;
  body.on('error', () => undefined); // breaking out early destroys the body, which undici reports as an error
  for await (const chunk of body as AsyncIterable<Buffer>) {
    parts.push(chunk);
    size += chunk.length;
    if (size >= ERROR_BODY_LIMIT) break; // leaving the loop destroys the body
  }
  return Buffer.concat(parts).toString('utf8').slice(0, ERROR_BODY_LIMIT);
}

function errorCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string') return code;
  const inner = (err as { errors?: unknown }).errors; // AggregateError from happy-eyeballs connects
  return Array.isArray(inner) ? errorCode(inner[0]) : undefined;
}

/** Network failure → UpstreamError; a caller's abort → the abort reason itself. */
function mapNetworkError(err: unknown, req: UpstreamRequest, phase: Phase): unknown {
  if (req.signal?.aborted) return req.signal.reason;
  if (err instanceof UpstreamError) return err;
  const code = errorCode(err) ?? 'UNKNOWN';
  const kind: UpstreamErrorKind = phase === 'stream' ? 'stream_interrupted' : TIMEOUT_CODES.has(code) ? 'timeout' : 'connection';
  const detail = err instanceof Error ? err.message : String(err);
  return new UpstreamError({
    kind,
    deploymentId: req.target.deploymentId,
    upstreamMessage: sanitizeUpstreamMessage(`${code}: ${detail}`, [req.target.apiKey]),
  });
}
