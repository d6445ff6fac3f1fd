import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, it } from 'mocha';
import { apiKeyStreamId } from '../../../domain/apikey/index.js';
import { policyStreamId } from '../../../domain/policy/index.js';
import type { EventStore } from '../../../engines/eventstore/port.js';
import { SqliteEventStore } from '../../../engines/eventstore/sqlite/index.js';
import { CachedCredentials, GatewayState, SNAPSHOT_FORMAT, type GatewaySnapshot, type GatewayStateOptions } from '../../../projections/cache/index.js';
import { waitFor } from '../../support/wait.js';
import { hookSubscriptions, redeliveringEventStore } from '../projections/fixtures.js';
import { at, commandsOn, freshId, freshSecret, rules, sha } from './commands.js';

const WAIT_MS = 2000;

/** A bit of everything the cache folds, plus a budget stream it must skip. */
async function populate(cmd: ReturnType<typeof commandsOn>) {
  const tenantId = freshId();
  const alias = freshId('alias');
  const [deploymentId, secret, rotated] = [freshId('dep'), freshSecret(), freshSecret()];
  await cmd.registerTenant(tenantId);
  await cmd.issueKey(tenantId, 'k', secret);
  await cmd.issueKey(tenantId, 'gone', freshSecret());
  await cmd.revokeKey(tenantId, 'gone');
  await cmd.attachedPolicy(tenantId, 'p', rules(4096));
  await cmd.registerDeployment(deploymentId, alias);
  await cmd.deployment('ChangeDeploymentPrice', { deploymentId, inputPricePerMTokMicros: 1, outputPricePerMTokMicros: 2, currency: 'USD' }, at(10));
  await cmd.rollout('StartRollout', { rolloutId: 'r', modelAlias: alias, candidateDeploymentId: deploymentId, percent: 10 });
  return { tenantId, alias, deploymentId, secret, rotated };
}

describe('GatewayState lifecycle (gateway cache)', () => {
  let store: SqliteEventStore;
  let cmd: ReturnType<typeof commandsOn>;
  const states: GatewayState[] = [];

  beforeEach(async () => {
    store = await SqliteEventStore.open({ path: ':memory:', pollIntervalMs: 20 });
    cmd = commandsOn(store);
  });
  afterEach(async () => {
    for (const state of states.splice(0)) await state.stop();
    await store.close();
  });

  async function caughtUp(options: Partial<GatewayStateOptions> & { eventStore?: EventStore } = {}): Promise<GatewayState> {
    const state = new GatewayState({ eventStore: store, ...options });
    states.push(state);
    state.start();
    await state.ready;
    await state.waitForPosition(await store.headPosition(), WAIT_MS);
    return state;
  }

  const lookups = (state: GatewayState, fixture: Awaited<ReturnType<typeof populate>>) => ({
    key: state.key(sha(fixture.secret)),
    tenant: state.tenant(fixture.tenantId),
    policies: state.policiesFor(fixture.tenantId),
    deployments: state.deploymentsFor(fixture.alias),
    rollouts: state.rolloutsFor(fixture.alias),
    price: state.priceAt(fixture.deploymentId, at(5)),
  });

  it('rebuilds the same state after a restart', async () => {
    const fixture = await populate(cmd);
    const first = await caughtUp();
    const before = { snapshot: first.snapshot(), lookups: lookups(first, fixture) };
    await first.stop();
    const second = await caughtUp();
    expect(second.snapshot()).to.deep.equal(before.snapshot);
    expect(lookups(second, fixture)).to.deep.equal(before.lookups);
    expect(before.lookups.key).to.include({ keyId: 'k' });
  });

  it('starts from a snapshot and reads only the tail, ending where a full replay ends', async () => {
    const fixture = await populate(cmd);
    const snapshot = (await caughtUp()).snapshot();
    await cmd.rotateKey(fixture.tenantId, 'k', fixture.rotated);
    await cmd.policy('DetachPolicy', { tenantId: fixture.tenantId, policyId: 'p' });
    await cmd.rollout('RampRollout', { rolloutId: 'r', percent: 50 });
    await cmd.tenant('SuspendTenant', { tenantId: fixture.tenantId, reason: 'unpaid' });

    const delivered: number[] = [];
    const counting = hookSubscriptions(store, (options) => ({ ...options, onEvents: (events) => (delivered.push(...events.map((e) => e.position)), options.onEvents(events)) }));
    const fromSnapshot = await caughtUp({ eventStore: counting, from: snapshot });
    const replayed = await caughtUp();
    expect(Math.min(...delivered), 'nothing before the snapshot is read again').to.be.greaterThan(snapshot.position);
    expect(fromSnapshot.snapshot()).to.deep.equal(replayed.snapshot());
    expect(fromSnapshot.key(sha(fixture.secret))).to.equal(null);
    expect(fromSnapshot.key(sha(fixture.rotated))).to.include({ keyId: 'k' });
  });

  it('refuses a snapshot of another format, or one missing a folded category', async () => {
    const snapshot = (await caughtUp()).snapshot();
    expect(() => new GatewayState({ eventStore: store, from: { ...snapshot, format: SNAPSHOT_FORMAT + 1 } })).to.throw(/format/);
    const { rollout: _dropped, ...older } = snapshot.streams;
    const incomplete: GatewaySnapshot = { ...snapshot, streams: older };
    expect(() => new GatewayState({ eventStore: store, from: incomplete })).to.throw(/rollout/);
  });

  it('dead-letters an event it cannot apply, fails closed for keys, and keeps flowing', async () => {
    const fixture = await populate(cmd);
    const state = await caughtUp();
    const credentials = new CachedCredentials(state);
    expect(await credentials.findUsableKey(sha(fixture.secret), new Date(at(60)))).to.not.equal(null);
    const raw = (streamId: string, type: string) =>
      store.appendToStream(streamId, [{ eventId: randomUUID(), type, data: { tenantId: fixture.tenantId }, metadata: { tenantId: fixture.tenantId, occurredAt: at(20), schemaVersion: 1 } }], 'any');
    const { position: keyPoison } = await raw(apiKeyStreamId(fixture.tenantId, 'k'), 'ApiKeyScopesNarrowed');
    await raw(policyStreamId(fixture.tenantId, 'p'), 'PolicyAmended');
    const next = freshId();
    await state.waitForPosition(await cmd.registerTenant(next), WAIT_MS);

    expect(state.deadLetters().map((d) => [d.position, d.type])).to.deep.equal([[keyPoison, 'ApiKeyScopesNarrowed'], [keyPoison + 1, 'PolicyAmended']]);
    expect(state.status()).to.include({ deadLetters: 2 });
    expect(await credentials.findUsableKey(sha(fixture.secret), new Date(at(60))), 'a key it cannot follow no longer authenticates').to.equal(null);
    expect(state.policiesFor(fixture.tenantId).map((p) => p.version), 'a policy keeps its last known rules').to.deep.equal([1]);
    expect(state.tenant(next), 'later events still apply').to.include({ status: 'active' });
    const replayed = await caughtUp();
    expect(replayed.snapshot(), 'the outcome is a function of the log').to.deep.equal(state.snapshot());
  });

  it('applies each position once when the engine redelivers a batch', async () => {
    const fixture = await populate(cmd);
    const state = await caughtUp({ eventStore: redeliveringEventStore(store) });
    expect(state.deployment(fixture.deploymentId)?.prices).to.have.length(2);
    expect(state.deadLetters()).to.deep.equal([]);
    expect(state.snapshot()).to.deep.equal((await caughtUp()).snapshot());
  });

  it('resumes from its position after the subscription fails', async () => {
    let failures = 0;
    const flaky = hookSubscriptions(store, (options) => ({
      ...options,
      onEvents: (events) => {
        if (failures++ === 0) throw new Error('connection reset');
        return options.onEvents(events);
      },
    }));
    const fixture = await populate(cmd);
    const state = new GatewayState({ eventStore: flaky, retryDelayMs: 10 });
    states.push(state);
    state.start();
    await state.ready;
    await waitFor(() => state.key(sha(fixture.secret)) !== null, { timeoutMs: WAIT_MS, description: 'the resumed subscription' });
    expect(state.status()).to.include({ lastError: 'connection reset', subscribed: true, ready: true });
  });

  it('times out a wait for a position that never comes, and rejects waits on stop', async () => {
    const state = await caughtUp();
    const head = await store.headPosition();
    await state.waitForPosition(head, 10);
    let timedOut: unknown = null;
    await state.waitForPosition(head + 1, 20).catch((error: unknown) => (timedOut = error));
    expect(String(timedOut)).to.match(/timed out after 20 ms waiting for position/);
    const pending = state.waitForPosition(head + 100).catch((error: unknown) => error);
    await state.stop();
    expect(String(await pending)).to.match(/stopped/);
    const notStarted = new GatewayState({ eventStore: store });
    await notStarted.stop();
    expect(String(await notStarted.ready.catch((error: unknown) => error)), 'ready rejects when stopped before catching up').to.match(/stopped/);
  });
});
