import { expect } from 'chai';
import { after, before, describe, it } from 'mocha';
import type { ServiceThread } from '../../api/threads/client.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { waitFor } from '../support/wait.js';

interface ListedProjection {
  readonly name: string;
  readonly state: string;
  readonly lag: number;
}

async function listed(app: TestApp): Promise<ListedProjection[]> {
  const response = await app.request('GET', '/admin/projections');
  expect(response.status).to.equal(200);
  return response.body.projections as ListedProjection[];
}

/**
 * The read-model projections run on their own thread by default (api/projection-thread): the
 * admin API, read-your-writes waits and /metrics reach them through calls to it.
 */
describe('projections on their own thread', function () {
  this.timeout(60_000);

  describe('by default', function () {
    let app: TestApp;
    before(async () => {
      app = await startTestApp();
    });
    after(() => app.close());

    it('reports every projection running and caught up, its lag sampled into /metrics', async () => {
      const created = await app.request('POST', '/admin/tenants', { body: { tenantId: 'threaded', name: 'Threaded', dataRegion: 'eu' } });
      expect(created.status).to.equal(201);
      // The command waited for the projection thread: the read model already has the tenant.
      expect((await app.request('GET', '/admin/tenants/threaded')).status).to.equal(200);
      const projections = await listed(app);
      expect(projections.map((projection) => projection.name)).to.include.members(['tenants', 'usage', 'apiKeys']);
      for (const projection of projections) expect(projection, projection.name).to.include({ state: 'running', lag: 0 });
      const metrics = await app.request('GET', '/metrics', { token: null });
      expect(metrics.text).to.match(/nexus_projection_lag_events\{projection="tenants"\} 0/);
      expect(metrics.text).to.match(/nexus_projection_paused\{projection="usage"\} 0/);
    });

    it('rebuilds through the thread', async () => {
      const rebuilt = await app.request('POST', '/admin/projections/tenants/rebuild');
      expect(rebuilt.status).to.be.within(200, 202);
      await waitFor(async () => (await listed(app)).find((projection) => projection.name === 'tenants')?.state === 'running', { description: 'the rebuilt projection running' });
      expect((await app.request('GET', '/admin/tenants/threaded')).status).to.equal(200);
    });

    it('is not ready once the thread has died, and /metrics still answers', async () => {
      await (app.nexus.runner as unknown as { thread: ServiceThread }).thread.kill();
      const ready = await app.request('GET', '/readyz', { token: null });
      expect(ready.status).to.equal(503);
      const metrics = await app.request('GET', '/metrics', { token: null });
      expect(metrics.status, metrics.text).to.equal(200);
    });
  });

  it('runs them on the main thread with NEXUS_PROJECTION_THREAD=false', async () => {
    const app = await startTestApp({ NEXUS_PROJECTION_THREAD: 'false' });
    try {
      expect(app.nexus.runner.constructor.name).to.equal('ProjectionRunner');
      expect((await listed(app)).every((projection) => projection.state === 'running')).to.equal(true);
    } finally {
      await app.close();
    }
  });
});
