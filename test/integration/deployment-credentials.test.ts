import { expect } from 'chai';
import { after, before, describe, it } from 'mocha';
import { startTestApp, type TestApp, type TestResponse } from '../support/app.js';
import { LogSink } from '../support/log-sink.js';

/** A provider key as an operator would have it; it must never reach NexusAI through the API. */
const SECRET = 'sk-Live_9F8e7D6c5B4a3928171605';
let counter = 0;
const freshDeploymentId = (): string => `cred_${Date.now().toString(36)}${(counter++).toString(36)}`;

const body = (overrides: Record<string, unknown> = {}) => ({
  provider: 'openai', upstreamModel: 'gpt-4o-mini-2024-07-18', modelAlias: 'gpt-4o-mini', region: 'eu',
  inputPricePerMTokMicros: 150_000, outputPricePerMTokMicros: 600_000, currency: 'USD', ...overrides,
});
const errorPaths = (response: TestResponse): string[] => ((response.body.errors ?? []) as Array<{ path: string }>).map((issue) => issue.path);

describe('deployment credentials over HTTP', () => {
  const sink = new LogSink();
  let app: TestApp;
  before(async () => {
    app = await startTestApp({}, sink);
  });
  after(() => app.close());

  it('registers a deployment with the name of its secret, reads it back, and renames it', async () => {
    const deploymentId = freshDeploymentId();
    const created = await app.request('POST', '/admin/deployments', { body: body({ deploymentId, credentialRef: 'openai-prod' }) });
    expect(created.status, created.text).to.equal(201);
    expect(created.body.deployment).to.include({ credentialRef: 'openai-prod' });
    expect((await app.request('GET', `/admin/deployments/${deploymentId}`)).body).to.include({ deploymentId, credentialRef: 'openai-prod', baseUrl: null });

    const renamed = await app.request('POST', `/admin/deployments/${deploymentId}/credential-ref`, { body: { credentialRef: 'openai-2027' } });
    expect(renamed.status, renamed.text).to.equal(200);
    expect(renamed.body.events).to.deep.equal(['DeploymentCredentialRefSet']);
    expect((await app.request('GET', `/admin/deployments/${deploymentId}`)).body).to.include({ credentialRef: 'openai-2027' });
    const same = await app.request('POST', `/admin/deployments/${deploymentId}/credential-ref`, { body: { credentialRef: 'openai-2027' } });
    expect(same.body.events).to.deep.equal([]);

    const removed = await app.request('POST', `/admin/deployments/${deploymentId}/credential-ref`, { body: { credentialRef: null } });
    expect(removed.status).to.equal(200);
    expect((await app.request('GET', `/admin/deployments/${deploymentId}`)).body).to.include({ credentialRef: null });

    const stream = await app.request('GET', `/admin/audit/streams/deployment-platform.${deploymentId}`);
    expect(stream.text).to.include('"credentialRef":"openai-prod"').and.include('"previousCredentialRef":"openai-2027"');
  });

  it('defaults to no credential, and answers 404 for naming the secret of an unknown deployment', async () => {
    const deploymentId = freshDeploymentId();
    const created = await app.request('POST', '/admin/deployments', { body: body({ deploymentId }) });
    expect(created.body.deployment).to.include({ credentialRef: null });
    const unknown = await app.request('POST', `/admin/deployments/${freshDeploymentId()}/credential-ref`, { body: { credentialRef: 'openai-prod' } });
    expect(unknown.status).to.equal(404);
  });

  it('requires baseUrl, naming the field, for providers without a public endpoint', async () => {
    for (const provider of ['azure-openai', 'ollama', 'vllm', 'openai-compatible']) {
      for (const baseUrl of [undefined, null]) {
        const response = await app.request('POST', '/admin/deployments', { body: body({ deploymentId: freshDeploymentId(), provider, baseUrl }) });
        expect(response.status, `${provider} ${String(baseUrl)}`).to.equal(400);
        expect(errorPaths(response), provider).to.deep.equal(['body.baseUrl']);
        expect(String(response.body.detail)).to.include('baseUrl');
      }
    }
    const azure = await app.request('POST', '/admin/deployments', {
      body: body({ deploymentId: freshDeploymentId(), provider: 'azure-openai', baseUrl: 'https://acme-eu.openai.azure.com', credentialRef: 'azure-eu' }),
    });
    expect(azure.status, azure.text).to.equal(201);
  });

  it('refuses a secret sent in its place, never echoing it, and never stores or logs it', async () => {
    const headBefore = await app.nexus.rawEventStore.headPosition();
    const deploymentId = freshDeploymentId();
    const attempts = [
      await app.request('POST', '/admin/deployments', { body: body({ deploymentId, credentialRef: SECRET }) }),
      await app.request('POST', '/admin/deployments', { body: body({ deploymentId, apiKey: SECRET }) }),
      await app.request('POST', '/admin/deployments', { body: body({ deploymentId, credentialRef: 'openai-prod', secret: SECRET }) }),
    ];
    expect(attempts.map((response) => response.status)).to.deep.equal([400, 400, 400]);
    expect(errorPaths(attempts[0])).to.deep.equal(['body.credentialRef']);
    expect(await app.nexus.rawEventStore.headPosition(), 'nothing was written').to.equal(headBefore);

    const seen = [
      ...attempts.map((response) => response.text),
      (await app.request('GET', '/admin/deployments?limit=100')).text,
      JSON.stringify(await app.nexus.rawEventStore.readAll()),
      sink.lines.join('\n'),
    ].join('\n');
    expect(seen).not.to.include(SECRET);
  });

  it('documents credentialRef in the OpenAPI document, and the route that changes it', async () => {
    const doc = await app.request('GET', '/openapi.json', { token: null });
    const paths = doc.body.paths as Record<string, Record<string, { requestBody?: { content: Record<string, { schema: { properties: Record<string, unknown>; required?: string[] } }> } }>>;
    const register = paths['/admin/deployments'].post.requestBody?.content['application/json'].schema;
    expect(register?.properties).to.include.keys('credentialRef', 'baseUrl');
    expect(register?.required).not.to.include('credentialRef');
    const setRef = paths['/admin/deployments/{deploymentId}/credential-ref'].post.requestBody?.content['application/json'].schema;
    expect(setRef?.properties).to.have.keys('credentialRef');
  });
});
