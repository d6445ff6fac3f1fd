import { expect } from 'chai';
import { after, before, describe, it } from 'mocha';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';
import { dispatchWhole } from '../../../engines/providers/whole-response.js';

/** A loopback server whose answer per path is written by the test. */
describe('dispatchWhole (a response read whole through undici dispatch)', () => {
  const answers = new Map<string, (res: ServerResponse) => void>();
  let server: Server;
  let pool: Pool;

  before(async () => {
    server = createServer((req, res) => {
      req.resume();
      req.on('end', () => answers.get(req.url ?? '')?.(res));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    pool = new Pool(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, { keepAliveTimeout: 10_000 });
  });
  after(async () => {
    await pool.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const post = (path: string, options: { signal?: AbortSignal; limit?: number; bodyTimeout?: number } = {}) =>
    dispatchWhole(pool, { method: 'POST', path, body: '{}', headers: { 'content-type': 'application/json' }, bodyTimeout: options.bodyTimeout ?? 5_000, headersTimeout: 5_000 }, options.signal, options.limit ?? 1024);

  it('joins a body sent in several chunks, multi-byte characters split across them included', async () => {
    answers.set('/chunks', (res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'x-answer': 'yes' });
      const bytes = Buffer.from('{"text":"héllo ✓"}');
      res.write(bytes.subarray(0, 11)); // inside the two bytes of 'é'
      setTimeout(() => res.end(bytes.subarray(11)), 5);
    });
    const response = await post('/chunks');
    expect(response.statusCode).to.equal(200);
    expect(response.headers['x-answer']).to.equal('yes');
    expect(JSON.parse(response.text)).to.deep.equal({ text: 'héllo ✓' });
  });

  it('keeps an error body up to the limit, then drops the connection instead of reading the rest', async () => {
    let socketClosed: Promise<void> = Promise.reject(new Error('never answered'));
    answers.set('/huge-error', (res) => {
      socketClosed = new Promise((resolve) => res.socket?.once('close', () => resolve()));
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.write('e'.repeat(4096));
      // never ends: only the cut can settle the call
    });
    const response = await post('/huge-error', { limit: 1024 });
    expect(response.statusCode).to.equal(500);
    expect(response.text.length).to.be.at.least(1024).and.at.most(4096);
    await socketClosed; // the connection is dropped, not left holding the rest
  });

  it('answers with an error status whose body broke off, with what arrived', async () => {
    answers.set('/broken-error', (res) => {
      res.writeHead(502, { 'content-type': 'application/json', 'content-length': '100' });
      res.write('{"error":');
      setTimeout(() => res.socket?.destroy(), 5);
    });
    const response = await post('/broken-error');
    expect(response).to.include({ statusCode: 502, text: '{"error":' });
  });

  it('rejects when a 2xx body stalls longer than the body timeout', async () => {
    answers.set('/stall', (res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"partial":');
    });
    const error = await post('/stall', { bodyTimeout: 100 }).then(() => null, (caught: unknown) => caught);
    expect((error as { code?: string } | null)?.code).to.equal('UND_ERR_BODY_TIMEOUT');
  });

  it('stops at an abort of the signal, before or during the request, and leaves no listener behind after an answer', async () => {
    answers.set('/slow', (res) => setTimeout(() => res.end('{}'), 2_000));
    const early = new AbortController();
    early.abort(new Error('left early'));
    expect(await post('/slow', { signal: early.signal }).then(() => 'answered', () => 'rejected')).to.equal('rejected');
    const during = new AbortController();
    setTimeout(() => during.abort(new Error('left')), 20);
    const started = Date.now();
    expect(await post('/slow', { signal: during.signal }).then(() => 'answered', () => 'rejected')).to.equal('rejected');
    expect(Date.now() - started).to.be.below(1_000);

    answers.set('/fast', (res) => res.end('{}'));
    const calm = new AbortController();
    let listeners = 0;
    const add = calm.signal.addEventListener.bind(calm.signal);
    const remove = calm.signal.removeEventListener.bind(calm.signal);
    calm.signal.addEventListener = ((...args: Parameters<AbortSignal['addEventListener']>) => (listeners++, add(...args))) as AbortSignal['addEventListener'];
    calm.signal.removeEventListener = ((...args: Parameters<AbortSignal['removeEventListener']>) => (listeners--, remove(...args))) as AbortSignal['removeEventListener'];
    await post('/fast', { signal: calm.signal });
    expect(listeners).to.equal(0);
  });
});
