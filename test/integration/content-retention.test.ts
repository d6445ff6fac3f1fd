import { expect } from 'chai';
import { after, before, describe, it } from 'mocha';
import { inferenceContentHash, type PromptMessage } from '../../domain/inference/index.js';
import { startTestApp, tenantWithKey, type TestApp, type TestResponse } from '../support/app.js';
import { chat, registerMockDeployment } from '../support/gateway.js';
import { waitFor } from '../support/wait.js';

interface CompletedData {
  readonly contentHash: string;
  readonly promptText: string | null;
  readonly completionText: string | null;
}

/**
 * Prompt and completion texts reach the event log only for a tenant the platform admin opted
 * in; every tenant's InferenceCompleted carries the content hash.
 */
describe('per-tenant content retention', () => {
  let app: TestApp;
  const messages = [{ role: 'user', content: 'my order number is 4711' }];

  before(async () => {
    app = await startTestApp();
    await registerMockDeployment(app, 'retention-mock', 'retention');
  });
  after(() => app.close());

  const setRetention = (tenantId: string, body: unknown, token?: string): Promise<TestResponse> =>
    app.request('PUT', `/admin/tenants/${tenantId}/content-retention`, { body, token });

  /** The InferenceCompleted of the response's request; a streamed one is recorded just after its last chunk. */
  async function completedOf(tenantId: string, response: TestResponse): Promise<CompletedData> {
    expect(response.status, response.text).to.equal(200);
    const url = `/admin/audit/streams/inference-${tenantId}.${String(response.headers.get('x-request-id'))}`;
    let events: Array<{ type: string; data: CompletedData }> = [];
    await waitFor(async () => {
      events = ((await app.request('GET', url)).body.events ?? []) as typeof events;
      return events.length > 0;
    }, { description: `an outcome on ${url}` });
    expect(events[0].type).to.equal('InferenceCompleted');
    return events[0].data;
  }

  it('stores only the content hash for a tenant that did not opt in', async () => {
    const tenant = await tenantWithKey(app);
    expect((await app.request('GET', `/admin/tenants/${tenant.tenantId}`)).body).to.include({ storeContent: false });
    const completed = await completedOf(tenant.tenantId, await chat(app, tenant.key, { model: 'retention', messages }));
    expect(completed).to.include({ promptText: null, completionText: null });
    expect(completed.contentHash).to.match(/^[0-9a-f]{64}$/);
  });

  it('stores the texts once the admin opts the tenant in, and stops when it opts out', async () => {
    const tenant = await tenantWithKey(app);
    const optIn = await setRetention(tenant.tenantId, { storeContent: true });
    expect(optIn.status, optIn.text).to.equal(200);
    expect(optIn.body.events).to.deep.equal(['TenantContentRetentionSet']);
    expect((await app.request('GET', `/admin/tenants/${tenant.tenantId}`)).body).to.include({ storeContent: true });
    expect((await setRetention(tenant.tenantId, { storeContent: true })).body.events, 'unchanged: nothing recorded').to.deep.equal([]);
    // No wait here: a command answers once the gateway's cache has its event (read-your-writes), so the next request honours it.

    const completed = await completedOf(tenant.tenantId, await chat(app, tenant.key, { model: 'retention', messages }));
    expect(completed.completionText).to.include('my order number is 4711');
    const stored = JSON.parse(String(completed.promptText)) as PromptMessage[];
    expect(stored).to.deep.equal(messages);
    expect(inferenceContentHash(stored, completed.completionText), 'the stored texts are the hashed ones').to.equal(completed.contentHash);

    const streamed = await completedOf(tenant.tenantId, await chat(app, tenant.key, { model: 'retention', messages, stream: true }));
    expect(streamed.completionText).to.include('my order number is 4711');
    expect(streamed.promptText).to.include('my order number is 4711');

    expect((await setRetention(tenant.tenantId, { storeContent: false })).status).to.equal(200);
    const after = await completedOf(tenant.tenantId, await chat(app, tenant.key, { model: 'retention', messages }));
    expect(after).to.include({ promptText: null, completionText: null });
  });

  it("keeps other tenants' texts out when one tenant opts in", async () => {
    const optedIn = await tenantWithKey(app);
    const other = await tenantWithKey(app);
    expect((await setRetention(optedIn.tenantId, { storeContent: true })).status).to.equal(200);
    expect(await completedOf(other.tenantId, await chat(app, other.key, { model: 'retention', messages }))).to.include({ promptText: null, completionText: null });
  });

  it("refuses a tenant key, even with admin-write on its own tenant: it is the platform admin's decision", async () => {
    const tenant = await tenantWithKey(app, ['inference', 'admin-read', 'admin-write']);
    const response = await setRetention(tenant.tenantId, { storeContent: true }, tenant.key);
    expect(response.status, response.text).to.equal(403);
    expect((await app.request('GET', `/admin/tenants/${tenant.tenantId}`)).body).to.include({ storeContent: false });
  });

  it('answers 400 naming storeContent for a missing or non-boolean value', async () => {
    const tenant = await tenantWithKey(app);
    for (const body of [{}, { storeContent: 'yes' }, { storeContent: null }]) {
      const response = await setRetention(tenant.tenantId, body);
      expect(response.status, JSON.stringify(body)).to.equal(400);
      expect((response.body.errors as Array<{ path: string }>).map((issue) => issue.path), JSON.stringify(body)).to.deep.equal(['body.storeContent']);
    }
  });

  it('refuses a closed tenant and is 404 for an unknown one', async () => {
    const tenant = await tenantWithKey(app);
    expect((await app.request('POST', `/admin/tenants/${tenant.tenantId}/close`, { body: { reason: 'contract ended' } })).status).to.equal(200);
    expect((await setRetention(tenant.tenantId, { storeContent: true })).status).to.equal(409);
    expect((await setRetention('tnobodyhere', { storeContent: true })).status).to.equal(404);
  });
});
