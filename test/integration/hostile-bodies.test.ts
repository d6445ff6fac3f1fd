import { expect } from 'chai';
import { after, before, describe, it } from 'mocha';
import { startTestApp, type TestApp } from '../support/app.js';
import { populatedTenant, registeredDeployment, type TenantFixture } from '../support/fixtures.js';

/**
 * Every command route (walked from the route table) must answer hostile input with a 4xx
 * that says what is wrong, and must leave the event store exactly as it was.
 */
describe('hostile request bodies on every command route', () => {
  let app: TestApp;
  let fixture: TenantFixture;
  const deploymentId = 'hostile-deployment';

  before(async () => {
    app = await startTestApp({ NEXUS_BODY_LIMIT_BYTES: String(64 * 1024) });
    fixture = await populatedTenant(app);
    await registeredDeployment(app, deploymentId);
  });
  after(() => app.close());

  // The data plane answers in OpenAI's error shape and refuses the admin token; test/integration/v1-chat.test.ts covers it.
  const commandRoutes = () => app.nexus.app.routes.filter((route) => route.method !== 'get' && route.access !== 'inference');
  const url = (path: string) =>
    path.replace(/:(\w+)/g, (_m, name: string) => {
      const values: Record<string, string> = { ...fixture, deploymentId, rolloutId: 'hostile-rollout', name: 'tenants' };
      const value = values[name];
      if (value === undefined) throw new Error(`no value for :${name}`);
      return value;
    });

  const deep = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);
  const deepInField = (depth: number) => `{"name":${deep(depth)}}`;
  const hostile: Array<{ label: string; raw: string | Buffer; contentType?: string; status: number; mentions: RegExp }> = [
    { label: 'malformed JSON', raw: '{"name": "x",', status: 400, mentions: /malformed JSON/ },
    { label: 'a JSON array instead of an object', raw: '[1,2,3]', status: 400, mentions: /invalid body/ },
    { label: 'a JSON string instead of an object', raw: '"hello"', status: 400, mentions: /invalid body/ },
    { label: 'an unknown field', raw: '{"definitelyNotAField": true}', status: 400, mentions: /definitelyNotAField|Unrecognized|invalid body/ },
    { label: '10,000-deep nesting', raw: deep(10_000), status: 400, mentions: /nesting/ },
    { label: '10,000-deep nesting inside a field', raw: deepInField(10_000), status: 400, mentions: /nesting/ },
    { label: 'an oversized body', raw: `{"name":"${'x'.repeat(200 * 1024)}"}`, status: 413, mentions: /exceeds/ },
    { label: 'a non-JSON content type', raw: 'name=x', contentType: 'application/x-www-form-urlencoded', status: 415, mentions: /application\/json/ },
  ];

  it('answers 4xx with a clear message and writes no event', async () => {
    const headBefore = await app.nexus.rawEventStore.headPosition();
    for (const route of commandRoutes()) {
      for (const attack of hostile) {
        const response = await app.request(route.method.toUpperCase(), url(route.path), {
          rawBody: attack.raw,
          headers: { 'content-type': attack.contentType ?? 'application/json' },
        });
        const where = `${route.method.toUpperCase()} ${route.path} with ${attack.label}`;
        expect(response.status, `${where}: ${response.text.slice(0, 300)}`).to.equal(attack.status);
        expect(String(response.body.detail), where).to.match(attack.mentions);
        expect(response.headers.get('content-type'), where).to.match(/application\/problem\+json/);
      }
    }
    expect(await app.nexus.rawEventStore.headPosition()).to.equal(headBefore);
  });

  it('names the field at fault for wrong types', async () => {
    const response = await app.request('POST', '/admin/tenants', { body: { tenantId: 42, name: ['x'], dataRegion: true } });
    expect(response.status).to.equal(400);
    const paths = (response.body.errors as Array<{ path: string }>).map((issue) => issue.path);
    expect(paths).to.include.members(['body.tenantId', 'body.name', 'body.dataRegion']);
  });

  it('rejects wrong types on every command route that takes fields, without writing', async () => {
    const headBefore = await app.nexus.rawEventStore.headPosition();
    for (const route of commandRoutes()) {
      const response = await app.request(route.method.toUpperCase(), url(route.path), { body: { name: { nested: true }, reason: 12, weight: 'heavy', rules: 'none', limitMicros: -1 } });
      expect(response.status, `${route.method} ${route.path}: ${response.text}`).to.equal(400);
      expect(response.body.errors, `${route.path}`).to.be.an('array').that.is.not.empty;
    }
    expect(await app.nexus.rawEventStore.headPosition()).to.equal(headBefore);
  });
});
