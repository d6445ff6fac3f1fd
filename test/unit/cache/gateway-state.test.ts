import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, it } from 'mocha';
import { assignsToCandidate } from '../../../domain/rollout/index.js';
import { SqliteEventStore } from '../../../engines/eventstore/sqlite/index.js';
import { GatewayState, type CachedDeployment } from '../../../projections/cache/index.js';
import { at, commandsOn, freshId, freshSecret, rules, sha } from './commands.js';

const WAIT_MS = 2000;

describe('GatewayState (gateway cache)', () => {
  let store: SqliteEventStore;
  let state: GatewayState;
  let cmd: ReturnType<typeof commandsOn>;

  beforeEach(async () => {
    store = await SqliteEventStore.open({ path: ':memory:' });
    cmd = commandsOn(store);
    state = new GatewayState({ eventStore: store });
    state.start();
    await state.ready;
  });
  afterEach(async () => {
    await state.stop();
    await store.close();
  });

  const synced = (position: number) => state.waitForPosition(position, WAIT_MS);

  describe('attached policies', () => {
    it('enforce the latest version while attached, and nothing once detached', async () => {
      const [tenantId, other] = [freshId(), freshId()];
      await cmd.registerTenant(tenantId);
      await synced(await cmd.attachedPolicy(tenantId, 'p1', rules(4096)));
      expect(state.policiesFor(tenantId)).to.deep.equal([{ tenantId, policyId: 'p1', name: 'Policy p1', version: 1, rules: rules(4096) }]);

      await synced(await cmd.policy('PublishPolicyVersion', { tenantId, policyId: 'p1', rules: rules(8192, null) }));
      expect(state.policiesFor(tenantId)[0]).to.deep.include({ version: 2, rules: rules(8192, null) });

      await synced(await cmd.attachedPolicy(tenantId, 'p0', rules(100)));
      expect(state.policiesFor(tenantId).map((p) => p.policyId), 'sorted by policy id').to.deep.equal(['p0', 'p1']);

      await synced(await cmd.policy('DetachPolicy', { tenantId, policyId: 'p1' }));
      expect(state.policiesFor(tenantId).map((p) => p.policyId)).to.deep.equal(['p0']);

      await synced(await cmd.policy('PublishPolicyVersion', { tenantId, policyId: 'p1', rules: rules(16384) }));
      expect(state.policiesFor(tenantId).map((p) => p.policyId), 'publishing while detached enforces nothing').to.deep.equal(['p0']);
      await synced(await cmd.policy('AttachPolicy', { tenantId, policyId: 'p1' }));
      expect(state.policiesFor(tenantId)[1]).to.deep.include({ policyId: 'p1', version: 3, rules: rules(16384) });
      expect(state.policiesFor(other)).to.deep.equal([]);
    });
  });

  describe('deployment catalog', () => {
    it('follows credential, weight, price, disable and enable, and keeps the price history for as-of lookups', async () => {
      const alias = freshId('alias');
      const [a, b] = [freshId('dep'), freshId('dep')].sort();
      await cmd.registerDeployment(a, alias, { inputPrice: 150_000, credentialRef: 'openai-prod', now: at(0) });
      await synced(await cmd.registerDeployment(b, alias, { weight: 0 }));
      expect(state.deploymentsFor(alias).map((d) => [d.deploymentId, d.weight])).to.deep.equal([[a, 100], [b, 0]]);
      expect(state.deploymentsFor(alias)[0]).to.deep.include({ provider: 'openai', upstreamModel: `${alias}-2024-07-18`, region: 'eu', baseUrl: 'https://api.openai.com/v1', credentialRef: 'openai-prod', enabled: true });
      expect(state.deployment(b)).to.include({ credentialRef: null });

      await synced(await cmd.deployment('SetDeploymentCredentialRef', { deploymentId: a, credentialRef: 'openai-rotated' }));
      expect(state.deployment(a), 'the next call uses the newly named secret').to.include({ credentialRef: 'openai-rotated' });

      await synced(await cmd.deployment('ChangeDeploymentWeight', { deploymentId: a, weight: 300 }));
      expect(state.deploymentsFor(alias)[0].weight).to.equal(300);

      await synced(await cmd.deployment('ChangeDeploymentPrice', { deploymentId: a, inputPricePerMTokMicros: 200_000, outputPricePerMTokMicros: 800_000, currency: 'USD' }, at(100)));
      const [repriced] = state.deploymentsFor(alias);
      expect(repriced.price).to.deep.include({ priceVersion: 2, inputPricePerMTokMicros: 200_000, effectiveFrom: at(100) });
      expect(repriced.prices.map((p) => p.inputPricePerMTokMicros)).to.deep.equal([150_000, 200_000]);
      expect(state.priceAt(a, at(99))).to.include({ priceVersion: 1 });
      expect(state.priceAt(a, at(100)), 'a new price applies from its instant').to.include({ priceVersion: 2 });
      expect(state.priceAt(a, at(-1)), 'before registration').to.equal(null);
      expect(state.priceAt('unknown', at(0))).to.equal(null);

      await synced(await cmd.deployment('DisableDeployment', { deploymentId: a, reason: 'provider outage' }));
      expect(state.deploymentsFor(alias).map((d) => d.deploymentId)).to.deep.equal([b]);
      expect(state.deployment(a)).to.include({ enabled: false, weight: 300 });
      expect(state.priceAt(a, at(150)), 'a disabled deployment still explains past costs').to.include({ priceVersion: 2 });

      await synced(await cmd.deployment('EnableDeployment', { deploymentId: a }));
      expect(state.deploymentsFor(alias).map((d) => [d.deploymentId, d.weight])).to.deep.equal([[a, 300], [b, 0]]);
      expect(state.deploymentsFor(freshId('alias'))).to.deep.equal([]);
    });
  });

  describe('rollouts', () => {
    it('follow start, ramp, pause, roll-back and completion, in a form the domain split accepts', async () => {
      const alias = freshId('alias');
      const [baseline, candidate] = [freshId('dep'), freshId('dep')];
      await cmd.registerDeployment(baseline, alias);
      await cmd.registerDeployment(candidate, alias);
      await synced(await cmd.rollout('StartRollout', { rolloutId: 'r1', modelAlias: alias, candidateDeploymentId: candidate, percent: 5 }));
      expect(state.rolloutsFor(alias)).to.deep.equal([{ status: 'active', rolloutId: 'r1', modelAlias: alias, candidateDeploymentId: candidate, basisPoints: 500 }]);

      await cmd.rollout('RampRollout', { rolloutId: 'r1', percent: 25 });
      await synced(await cmd.rollout('PauseRollout', { rolloutId: 'r1', reason: 'error rate' }));
      expect(state.rolloutsFor(alias)[0]).to.include({ status: 'paused', basisPoints: 2500 });
      expect(typeof assignsToCandidate(state.rolloutsFor(alias)[0], 'user-1')).to.equal('boolean');

      await synced(await cmd.rollout('RollBackRollout', { rolloutId: 'r1', reason: 'latency' }));
      expect(state.rolloutsFor(alias), 'a rolled back rollout routes nothing').to.deep.equal([]);

      await cmd.rollout('StartRollout', { rolloutId: 'r2', modelAlias: alias, candidateDeploymentId: candidate, percent: 50 });
      await synced(await cmd.rollout('CompleteRollout', { rolloutId: 'r2' }));
      expect(state.rolloutsFor(alias)).to.have.length(1);
      expect(state.rolloutsFor(alias)[0]).to.include({ rolloutId: 'r2', status: 'completed', basisPoints: 10_000 });
      expect(assignsToCandidate(state.rolloutsFor(alias)[0], 'anyone')).to.equal(true);
    });
  });

  it('ignores other categories without decoding them, even events shaped like folded ones', async () => {
    const tenantId = freshId();
    await synced(await cmd.registerTenant(tenantId));
    const before = state.snapshot();
    const raw = (streamId: string, type: string, data: Record<string, unknown>) =>
      store.appendToStream(streamId, [{ eventId: randomUUID(), type, data, metadata: { tenantId, occurredAt: at(5), schemaVersion: 1 } }], 'any');
    // Decoding any of these would throw (no schema for the type) and show up as a dead letter.
    await raw(`budget-${tenantId}.monthly`, 'TenantClosed', { tenantId, reason: 'not a tenant stream' });
    await raw(`inference-${tenantId}.req1`, 'NeverHeardOf', { tenantId });
    await raw(`kb-${tenantId}.doc1`, 'NeverHeardOf', {});
    await raw(`apikeys-${tenantId}.k`, 'ApiKeyIssued', { tenantId, keyId: 'k', keyHash: sha('x') });
    await raw('$stats', 'NeverHeardOf', {});
    const { position } = await raw(`deployment-${tenantId}.private`, 'DeploymentRegistered', { deploymentId: 'private', modelAlias: 'gpt-4o' });
    await synced(position);
    expect(state.position).to.equal(position);
    expect(state.deadLetters()).to.deep.equal([]);
    expect(state.tenant(tenantId)).to.include({ status: 'active' });
    expect(state.deploymentsFor('gpt-4o'), 'only platform streams make the shared catalog').to.deep.equal([]);
    expect({ ...state.snapshot(), position: 0 }).to.deep.equal({ ...before, position: 0 });
  });

  it('hands out frozen snapshots, so a caller cannot corrupt the cache', async () => {
    const tenantId = freshId();
    const alias = freshId('alias');
    const secret = freshSecret();
    await cmd.registerTenant(tenantId);
    await cmd.issueKey(tenantId, 'k', secret);
    await cmd.attachedPolicy(tenantId, 'p', rules(4096));
    await synced(await cmd.registerDeployment(freshId('dep'), alias));

    const [deployment] = state.deploymentsFor(alias);
    const [policy] = state.policiesFor(tenantId);
    const key = state.key(sha(secret));
    const tenant = state.tenant(tenantId);
    if (key === null || tenant === null || policy.rules.allowedModels === null) throw new Error('fixture missing');
    expect(() => ((deployment as { weight: number }).weight = 0)).to.throw(TypeError);
    expect(() => (deployment.prices[0] as { currency: string }).currency = 'EUR').to.throw(TypeError);
    expect(() => (state.deploymentsFor(alias) as CachedDeployment[]).pop()).to.throw(TypeError);
    expect(() => (policy.rules.allowedModels as string[]).push('gpt-5')).to.throw(TypeError);
    expect(() => (key.scopes as string[]).push('admin-write')).to.throw(TypeError);
    expect(() => ((tenant as { status: string }).status = 'active')).to.throw(TypeError);
    const snapshot = state.snapshot();
    (snapshot.streams.tenant as unknown[]).length = 0;
    expect(state.snapshot().streams.tenant, 'a snapshot is a copy').to.not.deep.equal([]);

    expect(state.deploymentsFor(alias)[0].weight).to.equal(100);
    expect(state.policiesFor(tenantId)[0].rules.allowedModels).to.deep.equal(['gpt-4o-mini']);
    expect(state.key(sha(secret))?.scopes).to.deep.equal(['inference', 'admin-read']);
  });
});
