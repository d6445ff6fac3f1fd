import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedCall {
  readonly headers: IncomingHttpHeaders;
  readonly rawBody: string;
}

export interface ScriptedAnswer {
  readonly status: number;
  readonly headers?: Record<string, string>;
}

/**
 * A webhook receiver on 127.0.0.1: records every call (headers and the raw body, as a
 * receiver must keep it to verify a signature) and answers as scripted per call index.
 */
export class WebhookReceiver {
  readonly calls: ReceivedCall[] = [];

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(answer: (callIndex: number) => ScriptedAnswer = () => ({ status: 204 })): Promise<WebhookReceiver> {
    let receiver: WebhookReceiver | null = null;
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const calls = receiver?.calls ?? [];
        const scripted = answer(calls.length);
        calls.push({ headers: req.headers, rawBody: Buffer.concat(chunks).toString('utf8') });
        res.writeHead(scripted.status, scripted.headers ?? {});
        res.end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    receiver = new WebhookReceiver(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`);
    return receiver;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
  }
}

/**
 * The verification recipe of the README / api/workers/webhooks/signature.ts, written out
 * independently of the gateway's code, as a receiver would: HMAC-SHA256 keyed with the
 * secret string over "<t>.<raw body>", hex, compared in constant time with each v1, and t
 * within five minutes of now.
 */
export function receiverAccepts(call: ReceivedCall, secret: string, nowSeconds = Math.floor(Date.now() / 1000)): boolean {
  const header = String(call.headers['nexus-signature'] ?? '');
  const pairs = header.split(',').map((part) => part.split('=', 2) as [string, string]);
  const t = pairs.find(([key]) => key === 't')?.[1];
  const v1s = pairs.filter(([key]) => key === 'v1').map(([, value]) => value);
  if (t === undefined || Math.abs(nowSeconds - Number(t)) > 300) return false;
  const expected = createHmac('sha256', secret).update(`${t}.${call.rawBody}`).digest();
  return v1s.some((v1) => {
    const given = Buffer.from(v1, 'hex');
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}
