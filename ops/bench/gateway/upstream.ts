/**
 * The fast local upstream: POST /v1/chat/completions answers a small fixed OpenAI chat
 * completion with usage, as fast as plain node:http can, on keep-alive connections. Forked by
 * gateway.bench.ts into its own process (so neither the load generator nor the gateway shares
 * its event loop); reports its port over IPC and exits when the parent goes away.
 */
import { createServer } from 'node:http';
import { CHAT_COMPLETION, CHAT_PATH, serveChild } from './protocol.js';

const completion = Buffer.from(CHAT_COMPLETION);
const notFound = Buffer.from(JSON.stringify({ error: { message: 'not found', type: 'invalid_request_error', code: 'not_found' } }));

const server = createServer((req, res) => {
  // The body is read to the end (as a real server must) but not parsed: the upstream is the fixed cost.
  req.resume();
  req.once('end', () => {
    const found = req.method === 'POST' && req.url === CHAT_PATH;
    const body = found ? completion : notFound;
    res.writeHead(found ? 200 : 404, { 'content-type': 'application/json', 'content-length': body.length });
    res.end(body);
  });
});
serveChild(server);
