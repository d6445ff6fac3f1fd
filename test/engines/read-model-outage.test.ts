import { expect } from 'chai';
import { Registry } from 'prom-client';
import { SqliteEventStore } from '../../engines/eventstore/sqlite/index.js';
import { SqliteReadModelStore } from '../../engines/readmodel/sqlite/index.js';
import { backoffDelay } from '../../projections/runtime/backoff.js';
import { PROJECTION_PAUSED_METRIC, type ProjectionRunnerOptions, ProjectionRunner, type ProjectionStatus } from '../../projections/runtime/index.js';
import { waitFor } from '../support/wait.js';
import { append, freshTenant, tenantsProjection, tenantStream } from '../unit/projections/fixtures.js';
import { FlakyStore } from './flaky-store.js';
import { expectSameAsFullRebuild } from './full-rebuild.js';

/**
 * Outage handling of the projection runtime, with the embedded engines and a store that can be
 * unplugged (FlakyStore fails exactly as the MongoDB adapter does when its server is gone).
 * test/engines/mongo-outage.test.ts does the same against a FerretDB that is really stopped.
 */
describe('projection runtime: read-model store outage', () => {
  let events: SqliteEventStore;
  let store: FlakyStore;
  let runner: ProjectionRunner;
  let registry: Registry;
  const projections = [tenantsProjection()];

  beforeEach(async () => {
    events = await SqliteEventStore.open({ path: ':memory:', pollIntervalMs: 20 });
    store = new FlakyStore(await SqliteReadModelStore.open({ path: ':memory:' }));
    registry = new Registry();
  });

  afterEach(async () => {
    await runner.stop();
    await events.close();
    await store.close();
  });

  async function start(options: Partial<ProjectionRunnerOptions> = {}): Promise<ProjectionRunner> {
    runner = new ProjectionRunner({ eventStore: events, store, projections, registry, batchSize: 5, retryDelayMs: 5, maxRetryDelayMs: 40, ...options });
    await runner.start();
    return runner;
  }

  const status = async (): Promise<ProjectionStatus> => (await runner.status())[0] as ProjectionStatus;
  const paused = async (): Promise<number | undefined> => (await registry.getSingleMetric(PROJECTION_PAUSED_METRIC)?.get())?.values[0]?.value;

  async function history(tenant: string, entities: number, renames: number): Promise<void> {
    for (let e = 0; e < entities; e++) await append(events, tenantStream(tenant, `e${e}`), 'TenantRegistered', { name: `n${e}` });
    await rename(tenant, entities, renames, 'r');
  }

  async function rename(tenant: string, entities: number, times: number, prefix: string): Promise<void> {
    for (let r = 0; r < times; r++) for (let e = 0; e < entities; e++) await append(events, tenantStream(tenant, `e${e}`), 'TenantRenamed', { name: `${prefix}${r}` });
  }

  async function expectRebuildEqual(): Promise<void> {
    const fresh = await SqliteReadModelStore.open({ path: ':memory:' });
    try {
      await expectSameAsFullRebuild({ eventStore: events, projections, live: store.inner, fresh });
    } finally {
      await fresh.close();
    }
  }

  it('pauses while the store is down (half-written batch included), then catches up to what a full rebuild gives', async () => {
    const tenant = freshTenant();
    await history(tenant, 4, 1);
    await start();
    await runner.waitUntilCaughtUp({ timeoutMs: 5000 });

    store.dieDuringNextCommit(2);
    await rename(tenant, 4, 3, 's');
    await waitFor(async () => (await status()).failures >= 3, { description: 'three failed attempts' });
    const during = await status();
    expect(during).to.deep.include({ state: 'paused', deadLetters: 0, caughtUp: false });
    expect(during.lastError).to.match(/unavailable during (commit|get)/);
    expect(during.failingSince).to.be.a('string');
    expect(await paused(), 'paused gauge').to.equal(1);
    expect(await store.inner.listDeadLetters('tenants@v1', 10)).to.deep.equal([]);

    store.down = false;
    await runner.waitUntilCaughtUp({ timeoutMs: 5000 });
    expect(await status()).to.deep.include({ state: 'running', failures: 0, failingSince: null, lastError: null, deadLetters: 0, caughtUp: true });
    expect(await paused()).to.equal(0);
    expect(await store.inner.get('tenants_v1', tenantStream(tenant, 'e0')), 'each rename applied once').to.deep.include({ name: 's2', renames: 4 });
    await expectRebuildEqual();
  });

  it('still dead-letters an event the projection cannot handle, once, after the outage', async () => {
    const tenant = freshTenant();
    await start();
    store.down = true;
    await append(events, tenantStream(tenant), 'TenantRegistered', { name: 'A' });
    await append(events, tenantStream(tenant), 'Poison');
    const last = await append(events, tenantStream(tenant), 'TenantRenamed', { name: 'B' });
    await waitFor(async () => (await status()).failures >= 2, { description: 'failed attempts' });
    expect((await status()).deadLetters).to.equal(0);

    store.down = false;
    await runner.waitForPosition(last, { timeoutMs: 5000 });
    expect((await store.inner.listDeadLetters('tenants@v1', 10)).map((letter) => letter.eventType)).to.deep.equal(['Poison']);
    expect(await status()).to.deep.include({ deadLetters: 1, state: 'running' });
  });

  it('retries a write the store refused by resubscribing from the checkpoint, without dead-lettering it', async () => {
    const tenant = freshTenant();
    await start();
    store.refuseNextCommit(new Error('disk I/O error'));
    const last = await append(events, tenantStream(tenant), 'TenantRegistered', { name: 'A' });
    await runner.waitForPosition(last, { timeoutMs: 5000 });
    expect(await store.inner.listDeadLetters('tenants@v1', 10)).to.deep.equal([]);
    expect(await status()).to.deep.include({ state: 'running', failures: 0, deadLetters: 0 });
  });

  it('stops at once while paused on a long backoff, and commits nothing afterwards', async function () {
    this.timeout(5000);
    await start({ retryDelayMs: 60_000, maxRetryDelayMs: 60_000 });
    store.down = true;
    await append(events, tenantStream(freshTenant()), 'TenantRegistered', { name: 'A' });
    await waitFor(async () => (await status()).state === 'paused', { description: 'pause' });
    await runner.stop();
    store.down = false;
    expect(await store.inner.getCheckpoint('tenants@v1')).to.equal(0);
    expect((await status()).state).to.equal('stopped');
  });

  it('keeps a rebuild waiting through an outage, then switches to a version equal to the live one', async () => {
    await history(freshTenant(), 6, 2);
    await start();
    await runner.waitUntilCaughtUp({ timeoutMs: 5000 });
    store.down = true;
    const rebuild = runner.rebuild('tenants');
    await waitFor(async () => store.refused >= 5, { description: 'refused calls during the rebuild' });
    expect(await status()).to.deep.include({ version: 1 });
    store.down = false;
    expect(await rebuild).to.deep.include({ fromVersion: 1, toVersion: 2 });
    expect(await store.inner.getAlias('tenants')).to.equal('tenants_v2');
    await expectRebuildEqual();
  });

  it('reads no document back while building from scratch, and one query per batch after a restart', async () => {
    // On FerretDB every read by id scans the collection: reads per event made rebuilds quadratic.
    const tenant = freshTenant();
    await history(tenant, 12, 2);
    await start({ batchSize: 100 });
    await runner.waitUntilCaughtUp({ timeoutMs: 5000 });
    expect(store.reads, 'only the probe that finds the collection empty').to.equal(1);
    await runner.stop();

    await rename(tenant, 12, 1, 'later');
    store.reads = 0;
    await start({ batchSize: 100 });
    await runner.waitUntilCaughtUp({ timeoutMs: 5000 });
    expect(store.reads, 'the 12 documents in one query').to.equal(1);
    expect(await store.inner.get('tenants_v1', tenantStream(tenant, 'e3'))).to.deep.include({ name: 'later0', renames: 3 });
  });

  it('backs off exponentially from the first delay up to the cap, with jitter in the upper half', () => {
    const top = { initialMs: 100, maxMs: 1000, random: () => 0.999999 };
    expect([1, 2, 3, 4, 5, 30, 1000].map((n) => backoffDelay(top, n))).to.deep.equal([100, 200, 400, 800, 1000, 1000, 1000]);
    expect(backoffDelay({ ...top, random: () => 0 }, 3)).to.equal(200);
  });
});
