import { expect } from 'chai';
import { after, before, describe, it } from 'mocha';
import { startTestApp, tenantWithKey, type TestApp } from '../support/app.js';

/**
 * The data plane's routes are found by a map lookup (staticRoutes), not the router: they must
 * still answer other methods, HEAD, OPTIONS, unknown paths and the router's lenient path forms
 * the way @koa/router does for the control plane, with OpenAI-shaped errors.
 */
describe('data-plane route answers (method, path forms, unknown paths)', function () {
  this.timeout(30_000);
  let app: TestApp;
  let key: string;

  before(async () => {
    app = await startTestApp();
    key = (await tenantWithKey(app, ['inference'])).key;
  });
  after(async () => app.close());

  it('answers another method on a known path with 405, the Allow header and an OpenAI-shaped error', async () => {
    const response = await app.request('GET', '/v1/chat/completions', { token: key });
    expect(response.status).to.equal(405);
    expect(response.headers.get('allow')).to.equal('POST');
    expect(response.body).to.have.nested.property('error.message').that.matches(/GET is not allowed on \/v1\/chat\/completions/);
  });

  it('answers OPTIONS with the allowed methods, and HEAD like GET', async () => {
    const options = await app.request('OPTIONS', '/v1/models', { token: key });
    expect(options.status).to.equal(200);
    expect(options.headers.get('allow')).to.equal('GET, HEAD');
    const head = await app.request('HEAD', '/v1/models', { token: key });
    expect(head.status).to.equal(200);
    expect(head.text).to.equal('');
  });

  it('takes a trailing slash and any letter case, as the router does, and labels the metric with the route template', async () => {
    for (const path of ['/v1/models/', '/V1/Models']) expect((await app.request('GET', path, { token: key })).status, path).to.equal(200);
    const metrics = await app.request('GET', '/metrics');
    expect(metrics.text).to.match(/nexus_http_request_duration_seconds_count\{method="GET",route="\/v1\/models",status_class="2xx"\} [1-9]/);
  });

  it('answers an unknown data-plane path with 404 in the OpenAI shape', async () => {
    const response = await app.request('POST', '/v1/completions', { token: key, body: {} });
    expect(response.status).to.equal(404);
    expect(response.body).to.have.nested.property('error.type', 'not_found_error');
  });
});
