/**
 * The floor any Node.js gateway sits on: a node:http server that forwards each request to
 * the upstream through an undici Pool (keep-alive, unbounded connections, as NexusAI's
 * provider client) and streams the answer back. No parsing, no auth, no bookkeeping.
 *
 *   forked by gateway.bench.ts with the upstream origin as its argument; reports its port over IPC
 */
import { createServer, type IncomingMessage } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { Pool, type Dispatcher } from 'undici';
import { serveChild } from './protocol.js';

const upstreamOrigin = process.argv[2];
if (upstreamOrigin === undefined) throw new Error('usage: bare-proxy.ts <upstream origin>');
const pool = new Pool(upstreamOrigin, { connections: null, keepAliveTimeout: 10_000, keepAliveMaxTimeout: 60_000 });

/** The headers a pass-through proxy has to carry for this API; hop-by-hop ones stay behind. */
function forwardedHeaders(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const name of ['content-type', 'content-length', 'authorization']) {
    const value = req.headers[name];
    if (typeof value === 'string') headers[name] = value;
  }
  return headers;
}

const server = createServer(async (req, res) => {
  try {
    const upstream = await pool.request({ method: (req.method ?? 'GET') as Dispatcher.HttpMethod, path: req.url ?? '/', headers: forwardedHeaders(req), body: req });
    const headers: Record<string, string> = {};
    for (const name of ['content-type', 'content-length']) {
      const value = upstream.headers[name];
      if (typeof value === 'string') headers[name] = value;
    }
    res.writeHead(upstream.statusCode, headers);
    await pipeline(upstream.body, res);
  } catch {
    if (res.headersSent) res.destroy();
    else res.writeHead(502, { 'content-type': 'application/json' }).end('{"error":{"message":"bad gateway","type":"api_error"}}');
  }
});
serveChild(server);
