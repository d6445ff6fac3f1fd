import { Agent, request } from 'undici';
import { parseRetryAfterMs } from '../../../engines/providers/errors.js';
import { PermanentFailure, RetryLater } from '../../../engines/eventbus/subscriber.js';
import { assertPublicLiteral, isEgressRefusal, publicOnlyLookup } from './egress.js';

export interface WebhookHttpOptions {
  /** Bound on one call: connect, send, response headers and body. Default 10 s. */
  readonly timeoutMs?: number;
  /** Let deliveries reach loopback and private addresses (development and tests only). Default false. */
  readonly allowPrivateNetworks?: boolean;
}

export interface WebhookCall {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

export type CallOutcome = { readonly status: number; readonly durationMs: number };

/** Most of a receiver's answer is ignored; reading a little keeps the connection reusable without buffering a huge body. */
const MAX_RESPONSE_BYTES = 64 * 1024;

/**
 * What a receiver's answer means. 2xx: delivered. 408, 429 and 5xx: try again (after
 * Retry-After, within the subscriber's cap). Redirects are not followed (the signed payload
 * would go somewhere the tenant did not register) and, like any other 4xx, are final.
 */
export function judgeResponse(status: number, retryAfterMs: number | null): null | RetryLater | PermanentFailure {
  if (status >= 200 && status < 300) return null;
  if (status === 408 || status === 429 || status >= 500) return new RetryLater(`HTTP ${status}`, retryAfterMs);
  return new PermanentFailure(`HTTP ${status}`);
}

/**
 * Outbound calls to webhook receivers over pooled keep-alive connections (one undici Agent).
 * Resolves with the status of any answer (judge it with judgeResponse); rejects with a
 * PermanentFailure when the egress rule refuses the host, or with the network error (a
 * transient failure: the subscriber retries it) on refusal of the connection or a timeout.
 */
export class WebhookHttp {
  private readonly agent: Agent;
  private readonly timeoutMs: number;

  constructor(private readonly options: WebhookHttpOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.agent = new Agent({
      keepAliveTimeout: 10_000,
      connect: { timeout: this.timeoutMs, ...(options.allowPrivateNetworks ? {} : { lookup: publicOnlyLookup }) },
    });
  }

  async post(call: WebhookCall): Promise<CallOutcome & { readonly retryAfterMs: number | null }> {
    const started = performance.now();
    try {
      if (!this.options.allowPrivateNetworks) assertPublicLiteral(new URL(call.url));
      const response = await request(call.url, {
        method: 'POST',
        dispatcher: this.agent,
        headers: call.headers,
        body: call.body,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      await drain(response.body);
      return { status: response.statusCode, durationMs: performance.now() - started, retryAfterMs: parseRetryAfterMs(response.headers) };
    } catch (error) {
      if (isEgressRefusal(error)) throw new PermanentFailure(error instanceof Error ? error.message : String(error), { cause: error });
      throw error;
    }
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}

async function drain(body: AsyncIterable<Buffer> & { destroy(): unknown }): Promise<void> {
  let read = 0;
  for await (const chunk of body) {
    read += chunk.length;
    if (read > MAX_RESPONSE_BYTES) {
      body.destroy();
      return;
    }
  }
}
