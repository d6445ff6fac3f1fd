import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { expect } from 'chai';
import { Registry } from 'prom-client';
import type { EventStore, RecordedEvent } from '../../engines/eventstore/port.js';
import { SqliteEventStore } from '../../engines/eventstore/sqlite/index.js';
import { MongoReadModelStore } from '../../engines/readmodel/mongodb/index.js';
import { seedDomainEvents } from '../../ops/bench/seed-domain-events.js';
import { ALL_PROJECTIONS } from '../../projections/index.js';
import { PROJECTION_PAUSED_METRIC, type Projection, ProjectionRunner } from '../../projections/runtime/index.js';
import { completedOutcome, appendOutcome } from '../support/inference.js';
import { waitFor } from '../support/wait.js';
import { type OwnFerretdb, startOwnFerretdbOrSkip } from './ferretdb-instance.js';
import { expectSameAsFullRebuild } from './full-rebuild.js';

const TENANTS = 24;

/** The streams of a seeded log, each with its events in order (the seed writes a stream in one append). */
function streamsOf(log: readonly RecordedEvent[]): RecordedEvent[][] {
  const streams = new Map<string, RecordedEvent[]>();
  for (const event of log) streams.set(event.streamId, [...(streams.get(event.streamId) ?? []), event]);
  return [...streams.values()];
}

/** Appends recorded events to `target` as they were (ids, data, metadata: the hash chain holds), after revision `after`. */
async function copy(target: EventStore, events: readonly RecordedEvent[], after: number): Promise<void> {
  if (events.length === 0) return;
  const toAppend = events.map(({ eventId, type, data, metadata }) => ({ eventId, type, data, metadata }));
  await target.appendToStream(events[0].streamId, toAppend, after < 0 ? 'no_stream' : after);
}

/** A few billed requests per tenant: the usage and audit read models change during the outage too. */
async function inference(target: EventStore, phase: string, at: string): Promise<void> {
  for (let t = 0; t < TENANTS; t++) {
    const tenantId = `t${String(t).padStart(5, '0')}`;
    for (let r = 0; r < 3; r++) {
      const facts = { tenantId, requestId: `req_${phase}_${r}`, keyId: 'key_0', modelAlias: 'alias-1', deploymentId: 'dep_001', costMicros: 1000 + r };
      await appendOutcome(target, completedOutcome(facts), at);
    }
  }
}

/**
 * Sealed domain events, seeded aside, then split: the first 60% of most streams go into
 * `target` now; the rest, and every fourth stream whole, come back as two halves to append later.
 */
async function stageLog(target: EventStore): Promise<[() => Promise<void>, () => Promise<void>]> {
  const staging = await SqliteEventStore.open({ path: ':memory:' });
  await seedDomainEvents(staging, { tenants: TENANTS, spendsPerBudget: 30, deployments: 6, priceChanges: 4 });
  const streams = streamsOf(await staging.readAll({ maxCount: 1_000_000 }));
  await staging.close();
  const cut = streams.map((stream, i) => (i % 4 === 3 ? 0 : Math.ceil(stream.length * 0.6)));
  for (const [i, stream] of streams.entries()) await copy(target, stream.slice(0, cut[i]), -1);
  const rest = (from: number, to: number) => async () => {
    for (let i = from; i < to; i++) await copy(target, streams[i].slice(cut[i]), cut[i] - 1);
  };
  const half = Math.floor(streams.length / 2);
  return [rest(0, half), rest(half, streams.length)];
}

const category = (event: RecordedEvent): string => event.streamId.slice(0, event.streamId.indexOf('-'));
const reads = (projection: Projection, categories: ReadonlySet<string>): boolean => projection.categories?.some((c) => categories.has(c)) ?? categories.size > 0;

/** Paused (or idle) with the store's error shown and the gauge up: never dead, retrying or dead-lettering. */
async function expectPausedNotDead(runner: ProjectionRunner, registry: Registry, mustPause: ReadonlySet<string>): Promise<void> {
  for (const status of await runner.status()) {
    // The others may have caught up before the stop, or been caught mid-batch.
    expect(status.state, status.name).to.be.oneOf(mustPause.has(status.name) ? ['paused'] : ['paused', 'running']);
    expect(status.deadLetters, status.name).to.equal(0);
    if (status.state === 'paused') expect(status.lastError, status.name).to.match(/read-model store \(mongodb\) unavailable/);
  }
  const gauge = (await registry.getSingleMetric(PROJECTION_PAUSED_METRIC)?.get())?.values ?? [];
  expect(gauge.filter((v) => v.value === 1).map((v) => v.labels.projection)).to.include.members([...mustPause]);
}

/**
 * The real projections, on an embedded event store, writing to MongoDB (a FerretDB of this
 * suite's own): the server is stopped while events keep coming, then restarted on the same
 * data. The projections must pause (not die, not dead-letter), then catch up, and the read
 * models must end identical to a full rebuild into a fresh database.
 */
describe('MongoDB read models through an engine outage (FerretDB)', function () {
  this.timeout(240_000);
  let ferret: OwnFerretdb | undefined;
  let dir: string | undefined;
  let events: SqliteEventStore;
  const databases = [`nexus_outage_${randomBytes(5).toString('hex')}`, `nexus_outage_rebuild_${randomBytes(5).toString('hex')}`];
  const stores: MongoReadModelStore[] = [];
  let runner: ProjectionRunner | undefined;

  before(async function () {
    ferret = await startOwnFerretdbOrSkip(this);
    dir = mkdtempSync(join(tmpdir(), 'nexus-mongo-outage-'));
    events = await SqliteEventStore.open({ path: join(dir, 'events.db') });
  });

  after(async () => {
    await runner?.stop();
    for (const store of stores) await store.dropDatabase().catch(() => undefined);
    for (const store of stores) await store.close();
    await events?.close();
    await ferret?.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function connect(database: string): Promise<MongoReadModelStore> {
    if (!ferret) throw new Error('no FerretDB');
    const store = await MongoReadModelStore.connect({ url: ferret.url, database });
    stores.push(store);
    return store;
  }

  it('pauses the projections while the store is down, then catches up to what a full rebuild gives', async () => {
    if (!ferret) throw new Error('no FerretDB');
    const [firstHalf, secondHalf] = await stageLog(events);
    await inference(events, 'before', '2025-03-20T10:00:00.000Z');

    const registry = new Registry();
    const store = await connect(databases[0]);
    runner = new ProjectionRunner({ eventStore: events, store, projections: ALL_PROJECTIONS, registry, batchSize: 100, retryDelayMs: 200, maxRetryDelayMs: 2000 });
    await runner.start();
    await runner.waitUntilCaughtUp({ timeoutMs: 60_000 });

    // The store goes away while the projections have work in hand, and more keeps coming.
    await firstHalf();
    const stoppedAt = performance.now();
    await ferret.stop();
    const afterStop = await events.headPosition();
    await secondHalf();
    await inference(events, 'during', '2025-03-21T10:00:00.000Z');

    // Events appended once the server was gone cannot have been applied: whoever reads them must pause.
    const touched = new Set((await events.readAll({ after: afterStop, maxCount: 1_000_000 })).map(category));
    const mustPause = new Set(ALL_PROJECTIONS.filter((p) => reads(p, touched)).map((p) => p.name));
    expect(mustPause.size, 'projections with work during the outage').to.be.greaterThan(4);
    const pausedAfter = async (failures: number): Promise<boolean> =>
      (await runner!.status()).filter((s) => mustPause.has(s.name) && s.state === 'paused' && s.failures >= failures).length === mustPause.size;
    await waitFor(() => pausedAfter(1), { timeoutMs: 30_000, intervalMs: 50, description: 'every projection with work to pause' });
    console.log(`      every projection with work paused ${Math.round(performance.now() - stoppedAt)} ms after the stop began`);
    await waitFor(() => pausedAfter(3), { timeoutMs: 30_000, intervalMs: 50, description: 'the paused projections to keep retrying' });
    await expectPausedNotDead(runner, registry, mustPause);

    // Back on the same data: the projections resume from their checkpoints while events keep coming.
    const restartedAt = performance.now();
    await ferret.start();
    await inference(events, 'after', '2025-03-22T10:00:00.000Z');
    await runner.waitForPosition(await events.headPosition(), { timeoutMs: 120_000 });
    console.log(`      caught up ${Math.round(performance.now() - restartedAt)} ms after the restart began (head ${await events.headPosition()})`);
    for (const status of await runner.status()) expect(status, status.name).to.deep.include({ state: 'running', failures: 0, lastError: null, deadLetters: 0, caughtUp: true });

    await runner.stop();
    await expectSameAsFullRebuild({ eventStore: events, projections: ALL_PROJECTIONS, live: store, fresh: await connect(databases[1]), timeoutMs: 120_000 });
  });
});
