/**
 * A real HTTP server on 127.0.0.1 (random port) for provider tests. It records every
 * request (parsed JSON body included) and counts TCP connections, so tests can assert on
 * the exact wire request and on keep-alive reuse.
 */
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface RecordedRequest {
  method: string;
  /** Path and query, e.g. `/v1/chat/completions`. */
  url: string;
  headers: IncomingHttpHeaders;
  body: unknown;
  socket: Socket;
}

export type Handler = (req: RecordedRequest, res: ServerResponse) => void | Promise<void>;

export interface FakeServer {
  /** `http://127.0.0.1:{port}` */
  origin: string;
  requests: RecordedRequest[];
  /** TCP connections accepted so far. */
  connections(): number;
  lastRequest(): RecordedRequest;
  close(): Promise<void>;
}

export async function startFakeServer(handler: Handler): Promise<FakeServer> {
  const requests: RecordedRequest[] = [];
  let connections = 0;
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      // keep the raw text
    }
    const recorded: RecordedRequest = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body, socket: req.socket };
    requests.push(recorded);
    try {
      await handler(recorded, res);
    } catch (err) {
      if (!res.headersSent) sendJson(res, 599, { error: { message: `fake server failed: ${String(err)}` } });
    }
  });
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    requests,
    connections: () => connections,
    lastRequest: () => {
      const last = requests[requests.length - 1];
      if (!last) throw new Error('the fake server has received no request');
      return last;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

export interface SseMessage {
  event?: string;
  data: string;
}

/**
 * Writes an event stream. With `dropAfter`, the socket is destroyed after that many
 * events, which the client sees as a stream cut mid-way.
 */
export async function sendSse(res: ServerResponse, messages: readonly SseMessage[], options: { dropAfter?: number } = {}): Promise<void> {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  for (const [index, message] of messages.entries()) {
    if (options.dropAfter === index) {
      await new Promise((resolve) => setTimeout(resolve, 20)); // let the written events reach the client
      res.socket?.destroy();
      return;
    }
    res.write(`${message.event ? `event: ${message.event}\n` : ''}data: ${message.data}\n\n`);
  }
  res.end();
}

export const json = (value: unknown): string => JSON.stringify(value);
