import { expect } from 'chai';
import { Registry } from 'prom-client';
import type { EventStore } from '../../../engines/eventstore/port.js';
import { PLATFORM_TENANT, streamId } from '../../../domain/shared/streams.js';
import { SqliteEventStore } from '../../../engines/eventstore/sqlite/index.js';
import type { ReadModelStore } from '../../../engines/readmodel/port.js';
import { SqliteReadModelStore } from '../../../engines/readmodel/sqlite/index.js';
import { compareCollections, type Projection, ProjectionRunner, type ProjectionRunnerOptions, ReadModels } from '../../../projections/runtime/index.js';
import { waitFor } from '../../support/wait.js';
import { append, counting, deploymentsProjection, freshTenant, redeliveringEventStore, SubscriptionGate, tenantStream, tenantsProjection } from './fixtures.js';

describe('projection runtime', () => {
  let events: EventStore;
  let store: ReadModelStore;
  let runners: ProjectionRunner[];
  let admin: ReturnType<ReadModels['scoped']>;

  beforeEach(async () => {
    events = await SqliteEventStore.open({ path: ':memory:', pollIntervalMs: 20 });
    store = await SqliteReadModelStore.open({ path: ':memory:' });
    admin = new ReadModels(store).scoped({ kind: 'admin' });
    runners = [];
  });

  afterEach(async () => {
    for (const runner of runners) await runner.stop();
    await events.close();
    await store.close();
  });

  async function startRunner(options: Partial<ProjectionRunnerOptions> = {}): Promise<ProjectionRunner> {
    const runner = new ProjectionRunner({ eventStore: events, store, projections: [tenantsProjection()], batchSize: 7, retryDelayMs: 10, ...options });
    runners.push(runner);
    await runner.start();
    return runner;
  }

  async function statusOf(runner: ProjectionRunner, name = 'tenants') {
    const status = (await runner.status()).find((s) => s.name === name);
    if (!status) throw new Error(`no status for ${name}`);
    return status;
  }

  it('catches up on history, then follows live events', async () => {
    const tenant = freshTenant();
    await append(events, tenantStream(tenant), 'TenantRegistered', { name: 'Acme' });
    const runner = await startRunner();
    await runner.waitUntilCaughtUp({ timeoutMs: 5000 });
    expect(await admin.get('tenants', tenantStream(tenant))).to.deep.include({ name: 'Acme', status: 'active', tenantId: tenant });

    const position = await append(events, tenantStream(tenant), 'TenantRenamed', { name: 'Acme Corp' });
    await runner.waitForPosition(position, { timeoutMs: 5000 });
    const [renamed] = await events.readAll({ after: position - 1, maxCount: 1 });
    const doc = await admin.get('tenants', tenantStream(tenant));
    expect(doc, 'time comes from the event, not the clock').to.deep.include({ name: 'Acme Corp', renames: 1, _position: position, updatedAt: renamed.metadata.occurredAt });
    expect(await store.getCheckpoint('tenants@v1')).to.equal(position);
  });

  it('resumes from its stored checkpoint after a restart without re-applying events', async () => {
    const tenant = freshTenant();
    await append(events, tenantStream(tenant), 'TenantRegistered', { name: 'A' });
    await append(events, tenantStream(tenant), 'TenantRenamed', { name: 'B' });
    const first = await startRunner();
    await first.waitUntilCaughtUp({ timeoutMs: 5000 });
    await first.stop();

    const later = await append(events, tenantStream(tenant), 'TenantRenamed', { name: 'C' });
    const probe = counting(tenantsProjection());
    const second = await startRunner({ projections: [probe.projection] });
    await second.waitForPosition(later, { timeoutMs: 5000 });
    expect(probe.calls(), 'only the event after the checkpoint is applied').to.equal(1);
    expect(await admin.get('tenants', tenantStream(tenant))).to.deep.include({ name: 'C', renames: 2 });
  });

  it('skips redelivered batches and events a document has already seen', async () => {
    const tenant = freshTenant();
    await append(events, tenantStream(tenant), 'TenantRegistered', { name: 'A' });
    for (const name of ['B', 'C', 'D']) await append(events, tenantStream(tenant), 'TenantRenamed', { name });
    const runner = await startRunner({ eventStore: redeliveringEventStore(events) });
    await runner.waitUntilCaughtUp({ timeoutMs: 5000 });
    expect(await admin.get('tenants', tenantStream(tenant))).to.deep.include({ name: 'D', renames: 3 });
    await runner.stop();

    // A lost checkpoint (an engine without transactions, crashing between writes and checkpoint)
    // makes the whole history come again; each document's _position turns it into no-ops.
    await store.commit([], { name: 'tenants@v1', position: 0 });
    const probe = counting(tenantsProjection());
    const again = await startRunner({ projections: [probe.projection] });
    await again.waitUntilCaughtUp({ timeoutMs: 5000 });
    expect(probe.calls()).to.equal(0);
    expect(await admin.get('tenants', tenantStream(tenant))).to.deep.include({ name: 'D', renames: 3 });
  });

  it('dead-letters an event it cannot handle and keeps the rest flowing', async () => {
    const tenant = freshTenant();
    await append(events, tenantStream(tenant), 'TenantRegistered', { name: 'A' });
    const poison = await append(events, tenantStream(tenant), 'Poison', { dose: 1 });
    await append(events, tenantStream(tenant, 'orphan'), 'TenantRenamed', { name: 'nobody registered me' });
    const last = await append(events, tenantStream(tenant), 'TenantRenamed', { name: 'B' });
    const runner = await startRunner({ now: () => new Date('2025-07-01T00:00:00.000Z') });
    await runner.waitForPosition(last, { timeoutMs: 5000 });

    expect(await admin.get('tenants', tenantStream(tenant))).to.deep.include({ name: 'B', renames: 1 });
    const letters = await store.listDeadLetters('tenants@v1', 10);
    expect(letters.map((l) => l.eventType)).to.deep.equal(['Poison', 'TenantRenamed']);
    expect(letters[0]).to.deep.include({ position: poison, streamId: tenantStream(tenant), failedAt: '2025-07-01T00:00:00.000Z' });
    expect(letters[0].error).to.contain('cannot digest poison');
    const status = await statusOf(runner);
    expect(status).to.deep.include({ deadLetters: 2, checkpoint: last, caughtUp: true, lag: 0 });
  });

  it('reports lag and status per projection, and exports the lag gauge', async () => {
    const registry = new Registry();
    const gate = new SubscriptionGate(events);
    gate.close();
    const runner = await startRunner({ eventStore: gate.eventStore, registry });
    const tenant = freshTenant();
    for (const name of ['A', 'B', 'C']) await append(events, tenantStream(tenant, name), 'TenantRegistered', { name });

    const held = await statusOf(runner);
    expect(held).to.deep.include({ name: 'tenants', version: 1, collection: 'tenants_v1', checkpoint: 0, lag: 3, caughtUp: false, deadLetters: 0 });
    const gauge = await registry.getSingleMetric('nexus_projection_lag_events')?.get();
    expect(gauge?.values).to.deep.equal([{ value: 3, labels: { projection: 'tenants' } }]);

    gate.open();
    await runner.waitUntilCaughtUp({ timeoutMs: 5000 });
    expect(await statusOf(runner)).to.deep.include({ checkpoint: held.head, lag: 0, caughtUp: true, state: 'running' });
    expect((await registry.getSingleMetric('nexus_projection_lag_events')?.get())?.values[0]?.value).to.equal(0);
  });

  it('waitForPosition rejects after its timeout instead of hanging', async () => {
    const runner = await startRunner();
    let error: unknown;
    await runner.waitForPosition(999_999, { timeoutMs: 20 }).catch((e: unknown) => (error = e));
    expect(String(error)).to.match(/timed out after 20 ms waiting for position 999999/);
  });

  describe('blue/green rebuild', () => {
    async function seed(tenant: string): Promise<void> {
      for (let i = 0; i < 12; i++) await append(events, tenantStream(tenant, `e${i}`), 'TenantRegistered', { name: `n${i}` });
      for (let i = 0; i < 12; i += 2) await append(events, tenantStream(tenant, `e${i}`), 'TenantRenamed', { name: `r${i}` });
      await append(events, tenantStream(tenant, 'e3'), 'TenantClosed');
      await append(events, tenantStream(tenant, 'e5'), 'Poison');
    }

    /** Copies a physical collection aside, to compare it with what replaces it. */
    async function snapshot(from: string, to: string): Promise<void> {
      const page = await store.find(from, { limit: 1000 });
      await store.commit(page.items.map((doc) => ({ collection: to, id: doc.id, doc })), { name: 'snapshot', position: 0 });
    }

    it('rebuilds version N+1 from position 0 that equals the live version, then switches the alias', async () => {
      await seed(freshTenant());
      const runner = await startRunner();
      await runner.waitUntilCaughtUp({ timeoutMs: 5000 });
      await snapshot('tenants_v1', 'tenants_live_copy');

      const result = await runner.rebuild('tenants');
      expect(result).to.deep.include({ name: 'tenants', fromVersion: 1, toVersion: 2 });
      expect(await store.getAlias('tenants')).to.equal('tenants_v2');
      const diff = await compareCollections(store, 'tenants_live_copy', 'tenants_v2', { pageSize: 5 });
      expect(diff, JSON.stringify(diff)).to.deep.include({ equal: true, counts: { left: 11, right: 11 } });
      expect((await store.find('tenants_v1', { limit: 1 })).items, 'version 1 is dropped').to.deep.equal([]);
      expect(await store.getCheckpoint('tenants@v1')).to.equal(0);
      expect(await statusOf(runner)).to.deep.include({ version: 2, collection: 'tenants_v2', deadLetters: 1, rebuilding: null });
    });

    it('serves queries and live waits from version N while N+1 builds, and keeps running on N+1', async () => {
      const tenant = freshTenant();
      await seed(tenant);
      const gate = new SubscriptionGate(events);
      const runner = await startRunner({ eventStore: gate.eventStore });
      await runner.waitUntilCaughtUp({ timeoutMs: 5000 });

      gate.close(); // holds the rebuild's subscription, opened after this point
      const rebuild = runner.rebuild('tenants');
      await waitFor(async () => (await statusOf(runner)).rebuilding !== null, { description: 'rebuild to start' });
      expect(await admin.get('tenants', tenantStream(tenant, 'e0'))).to.deep.include({ name: 'r0' });
      const during = await append(events, tenantStream(tenant, 'late'), 'TenantRegistered', { name: 'during rebuild' });
      await runner.waitForPosition(during, { timeoutMs: 5000 });
      expect(await admin.get('tenants', tenantStream(tenant, 'late')), 'live version keeps applying').to.deep.include({ name: 'during rebuild' });
      expect(await store.getAlias('tenants')).to.equal('tenants_v1');
      expect(runner.rebuild('tenants'), 'one rebuild at a time').to.equal(rebuild);

      gate.open();
      await rebuild;
      expect(await store.getAlias('tenants')).to.equal('tenants_v2');
      expect(await admin.get('tenants', tenantStream(tenant, 'late'))).to.deep.include({ name: 'during rebuild', _position: during });
      const after = await append(events, tenantStream(tenant, 'late'), 'TenantRenamed', { name: 'after switch' });
      await runner.waitForPosition(after, { timeoutMs: 5000 });
      expect(await admin.get('tenants', tenantStream(tenant, 'late'))).to.deep.include({ name: 'after switch' });
      expect(await store.getCheckpoint('tenants@v2')).to.equal(after);
    });

    it('keeps the rebuilt version across a restart', async () => {
      await seed(freshTenant());
      const runner = await startRunner();
      await runner.rebuild('tenants');
      await runner.stop();
      const restarted = await startRunner();
      await restarted.waitUntilCaughtUp({ timeoutMs: 5000 });
      expect(await statusOf(restarted)).to.deep.include({ version: 2, collection: 'tenants_v2' });
      expect(await store.getAlias('tenants')).to.equal('tenants_v2');
    });

    it('builds a new code version beside the old one on start and switches when caught up', async () => {
      const tenant = freshTenant();
      await seed(tenant);
      const first = await startRunner();
      await first.waitUntilCaughtUp({ timeoutMs: 5000 });
      await first.stop();

      const shouting: Projection = tenantsProjection({
        version: 3,
        evolve: (doc, event) => {
          const next = tenantsProjection().evolve(doc, event);
          return next === null ? null : { ...next, name: String(next.name).toUpperCase() };
        },
      });
      const upgraded = await startRunner({ projections: [shouting] });
      await waitFor(async () => (await store.getAlias('tenants')) === 'tenants_v3', { description: 'switch to v3' });
      expect(await admin.get('tenants', tenantStream(tenant, 'e1'))).to.deep.include({ name: 'N1' });
      expect(await statusOf(upgraded)).to.deep.include({ version: 3 });
    });
  });

  describe('tenant-scoped queries', () => {
    it('never shows a tenant another tenant’s documents, whatever the query asks', async () => {
      const [a, b] = [freshTenant(), freshTenant()];
      await append(events, tenantStream(a), 'TenantRegistered', { name: 'Alpha' });
      await append(events, tenantStream(b), 'TenantRegistered', { name: 'Beta' });
      const runner = await startRunner();
      await runner.waitUntilCaughtUp({ timeoutMs: 5000 });
      const asA = new ReadModels(store).scoped({ kind: 'tenant', tenantId: a });

      expect(await asA.get('tenants', tenantStream(a))).to.deep.include({ name: 'Alpha' });
      expect(await asA.get('tenants', tenantStream(b)), 'another tenant’s document').to.equal(null);
      expect((await asA.find('tenants', { limit: 10 })).items.map((d) => d.name)).to.deep.equal(['Alpha']);
      expect((await asA.find('tenants', { filter: { tenantId: b }, limit: 10 })).items, 'asking for b yields nothing').to.deep.equal([]);
      expect((await asA.find('tenants', { filter: { tenantId: { in: [a, b] } }, limit: 10 })).items).to.have.length(1);
      expect((await admin.find('tenants', { filter: { tenantId: { in: [a, b] } }, limit: 10 })).items, 'admin sees all').to.have.length(2);
    });

    it('shows platform documents of shared collections to every tenant, and nothing of other tenants', async () => {
      const [a, b] = [freshTenant(), freshTenant()];
      await append(events, streamId('deployment', PLATFORM_TENANT, 'gpt'), 'DeploymentRegistered', { model: 'gpt-4o' });
      await append(events, streamId('deployment', a, 'own'), 'DeploymentRegistered', { model: 'a-private' });
      await append(events, streamId('deployment', b, 'own'), 'DeploymentRegistered', { model: 'b-private' });
      await append(events, tenantStream(PLATFORM_TENANT), 'TenantRegistered', { name: 'Platform' });
      const runner = await startRunner({ projections: [tenantsProjection(), deploymentsProjection()] });
      await runner.waitUntilCaughtUp({ timeoutMs: 5000 });
      const asA = new ReadModels(store).scoped({ kind: 'tenant', tenantId: a });

      const models = (await asA.find('deployments', { sort: { field: 'model', direction: 'asc' }, limit: 10 })).items.map((d) => d.model);
      expect(models).to.deep.equal(['a-private', 'gpt-4o']);
      expect(await asA.get('deployments', streamId('deployment', PLATFORM_TENANT, 'gpt'))).to.deep.include({ model: 'gpt-4o' });
      expect(await asA.get('deployments', streamId('deployment', b, 'own'))).to.equal(null);
      expect(await asA.get('tenants', tenantStream(PLATFORM_TENANT)), 'tenants is not a shared collection').to.equal(null);
      expect((await asA.find('deployments', { filter: { tenantId: PLATFORM_TENANT }, limit: 10 })).items.map((d) => d.model)).to.deep.equal(['gpt-4o']);
    });

    it('reads an unknown collection as empty', async () => {
      const asA = new ReadModels(store).scoped({ kind: 'tenant', tenantId: freshTenant() });
      expect(await asA.get('nothing_here', 'x')).to.equal(null);
      expect(await asA.find('nothing_here', { limit: 5 })).to.deep.equal({ items: [], nextCursor: null });
    });
  });
});
