import { expect } from 'chai';
import { after, before, describe, it } from 'mocha';
import { createLogger } from '../../api/http/logger.js';
import { startTestApp, tenantWithKey, type TestApp } from '../support/app.js';
import { LogSink } from '../support/log-sink.js';

describe('structured logs', () => {
  const sink = new LogSink();
  let app: TestApp;
  before(async () => {
    app = await startTestApp({}, sink);
  });
  after(() => app.close());

  it('log one JSON line per request with ids, route template and status, and never a credential', async () => {
    const { tenantId, key } = await tenantWithKey(app);
    await app.request('GET', `/admin/tenants/${tenantId}`, { token: key, headers: { 'x-request-id': 'req-log-1' } });
    await app.request('GET', '/admin/tenants', { token: 'nx_definitely_wrong_token_value' });
    const entries = sink.lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    const mine = entries.find((entry) => entry.requestId === 'req-log-1');
    expect(mine).to.include({ route: '/admin/tenants/:tenantId', status: 200, method: 'GET', msg: 'request' });
    const all = sink.lines.join('\n');
    expect(all).not.to.include(key);
    expect(all).not.to.include(app.adminToken);
    expect(all).not.to.include('nx_definitely_wrong_token_value');
  });

  it('issue time-ordered request ids (UUID v7) when the caller sends none', async () => {
    const first = await app.request('GET', '/readyz');
    await new Promise((resolve) => setTimeout(resolve, 2));
    const second = await app.request('GET', '/readyz');
    const ids = [first, second].map((response) => response.headers.get('x-request-id') ?? '');
    for (const id of ids) expect(id).to.match(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(ids[0] < (ids[1] as string)).to.equal(true);
  });

  it('redacts credentials even when code logs them by mistake', () => {
    const local = new LogSink();
    const logger = createLogger('info', local);
    logger.info({ req: { headers: { authorization: 'Bearer secret-1' } }, body: { key: 'secret-2', adminToken: 'secret-3' } }, 'oops');
    logger.flush();
    const line = local.lines.join('\n');
    expect(line).to.include('[redacted]');
    expect(line).not.to.match(/secret-[123]/);
  });
});
