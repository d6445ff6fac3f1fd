import { expect } from 'chai';
import { describe, it } from 'mocha';
import type { ApiKeyEvent } from '../../../domain/apikey/events.js';
import type { BudgetEvent } from '../../../domain/budget/events.js';
import type { DeploymentPrice } from '../../../domain/deployment/events.js';
import type { PolicyRules } from '../../../domain/policy/commands.js';
import {
  ALL_PROJECTIONS,
  SHARED_COLLECTIONS,
  apiKeysProjection,
  auditEntryId,
  auditTimelineProjection,
  budgetsProjection,
  deploymentsProjection,
  policiesProjection,
  tenantsProjection,
} from '../../../projections/index.js';
import { at, eventLog, project, sha } from './recorded-events.js';

describe('read models', () => {
  describe('tenants', () => {
    const record = eventLog();
    const events = [
      record('tenant-acme.acme', { type: 'TenantRegistered', data: { tenantId: 'acme', name: 'Acme', dataRegion: 'eu' } }, at(0), 2),
      record('tenant-acme.acme', { type: 'TenantRenamed', data: { tenantId: 'acme', name: 'Acme Corp' } }, at(1)),
      record('tenant-acme.acme', { type: 'TenantSuspended', data: { tenantId: 'acme', reason: 'unpaid invoice' } }, at(2)),
      // A v1 registration predates data residency: upcast to 'global'.
      record('tenant-old.old', { type: 'TenantRegistered', data: { tenantId: 'old', name: 'Old' } }, at(3), 1),
      record('apikey-acme.k1', { type: 'UnknownThing', data: {} }, at(4)),
    ];

    it('shows the current name, status and why it is suspended', () => {
      const docs = project(tenantsProjection, events);
      expect(docs.get('acme')).to.deep.equal({
        id: 'acme', tenantId: 'acme', _position: 3, name: 'Acme Corp', dataRegion: 'eu',
        status: 'suspended', statusReason: 'unpaid invoice', storeContent: false, createdAt: at(0), updatedAt: at(2),
      });
    });

    it('upcasts stored v1 registrations before reading them', () => {
      expect(project(tenantsProjection, events).get('old')).to.include({ dataRegion: 'global', status: 'active' });
    });

    it('clears the reason on reactivation and keeps the reason of a closure', () => {
      const more = [
        ...events,
        record('tenant-acme.acme', { type: 'TenantReactivated', data: { tenantId: 'acme' } }, at(5)),
        record('tenant-acme.acme', { type: 'TenantDataRegionSet', data: { tenantId: 'acme', dataRegion: 'us-east-1' } }, at(6)),
      ];
      expect(project(tenantsProjection, more).get('acme')).to.include({ status: 'active', statusReason: null, dataRegion: 'us-east-1', updatedAt: at(6) });
      const closed = [...more, record('tenant-acme.acme', { type: 'TenantClosed', data: { tenantId: 'acme', reason: 'contract ended' } }, at(7))];
      expect(project(tenantsProjection, closed).get('acme')).to.include({ status: 'closed', statusReason: 'contract ended' });
    });

    it('shows whether the tenant opted in to storing prompt and completion texts', () => {
      const optedIn = [...events, record('tenant-acme.acme', { type: 'TenantContentRetentionSet', data: { tenantId: 'acme', storeContent: true } }, at(5))];
      expect(project(tenantsProjection, optedIn).get('acme')).to.include({ storeContent: true, updatedAt: at(5) });
      expect(project(tenantsProjection, optedIn).get('old')).to.include({ storeContent: false });
    });

    it('is not interested in other events', () => {
      expect(tenantsProjection.documentId(events[4])).to.equal(null);
      expect(project(tenantsProjection, events).size).to.equal(2);
    });
  });

  describe('apiKeys', () => {
    const record = eventLog();
    const issued = (tenantId: string, secret: string, expiresAt: string | null = null): ApiKeyEvent => ({
      type: 'ApiKeyIssued',
      data: { tenantId, keyId: 'ci', name: 'CI pipeline', scopes: ['inference'], keyPrefix: `nx_${secret.slice(0, 8)}`, keyHash: sha(secret), expiresAt },
    });
    const events = [
      record('apikey-acme.ci', issued('acme', 'aaaaaaaa1'), at(0)),
      record('apikey-globex.ci', issued('globex', 'bbbbbbbb1'), at(1)),
      record('apikey-acme.ci', { type: 'ApiKeyRotated', data: { tenantId: 'acme', keyId: 'ci', keyPrefix: 'nx_cccccccc', keyHash: sha('cccccccc1') } }, at(2)),
      record('apikey-globex.ci', { type: 'ApiKeyRevoked', data: { tenantId: 'globex', keyId: 'ci', reason: 'leaked in a log' } }, at(3)),
    ];

    it('keeps one document per tenant even when key ids collide', () => {
      expect([...project(apiKeysProjection, events).keys()].sort()).to.deep.equal(['acme.ci', 'globex.ci']);
    });

    it('replaces the hash and prefix on rotation', () => {
      expect(project(apiKeysProjection, events).get('acme.ci')).to.deep.equal({
        id: 'acme.ci', tenantId: 'acme', _position: 3, keyId: 'ci', name: 'CI pipeline', scopes: ['inference'],
        keyPrefix: 'nx_cccccccc', keyHash: sha('cccccccc1'), expiresAt: null, status: 'active',
        createdAt: at(0), rotatedAt: at(2), revokedAt: null, revokeReason: null,
      });
    });

    it('shows when and why a key was revoked', () => {
      expect(project(apiKeysProjection, events).get('globex.ci')).to.include({ status: 'revoked', revokedAt: at(3), revokeReason: 'leaked in a log' });
    });
  });

  describe('policies', () => {
    const record = eventLog();
    const rules = (maxTokens: number): PolicyRules => ({ allowedModels: ['gpt-4o'], maxTokens, piiAction: 'redact', injectionAction: 'block', dataRegions: null });
    const stream = 'policy-acme.default';
    const events = [
      record(stream, { type: 'PolicyCreated', data: { tenantId: 'acme', policyId: 'default', name: 'Default', description: null } }, at(0)),
      record(stream, { type: 'PolicyVersionPublished', data: { tenantId: 'acme', policyId: 'default', version: 1, rules: rules(1000) } }, at(1)),
      record(stream, { type: 'PolicyAttached', data: { tenantId: 'acme', policyId: 'default', version: 1 } }, at(2)),
      record(stream, { type: 'PolicyVersionPublished', data: { tenantId: 'acme', policyId: 'default', version: 2, rules: rules(500) } }, at(3)),
      record('policy-globex.default', { type: 'PolicyCreated', data: { tenantId: 'globex', policyId: 'default', name: 'Theirs', description: 'x' } }, at(4)),
    ];

    it('keeps the whole version history and shows the latest as current', () => {
      const doc = project(policiesProjection, events).get('acme.default');
      expect(doc).to.include({ policyId: 'default', attached: true, currentVersion: 2, createdAt: at(0), updatedAt: at(3) });
      expect(doc?.currentRules).to.deep.equal(rules(500));
      expect(doc?.versions).to.deep.equal([
        { version: 1, rules: rules(1000), publishedAt: at(1) },
        { version: 2, rules: rules(500), publishedAt: at(3) },
      ]);
    });

    it('starts detached with no version, and detaches', () => {
      expect(project(policiesProjection, events).get('globex.default')).to.include({ attached: false, currentVersion: null, currentRules: null, description: 'x' });
      const detached = [...events, record(stream, { type: 'PolicyDetached', data: { tenantId: 'acme', policyId: 'default' } }, at(5))];
      expect(project(policiesProjection, detached).get('acme.default')).to.include({ attached: false, currentVersion: 2 });
    });
  });

  describe('budgets', () => {
    const record = eventLog();
    const stream = 'budget-acme.monthly';
    const base = { tenantId: 'acme', budgetId: 'monthly' };
    const nov = '2026-11-01T00:00:00.000Z';
    const dec = '2026-12-01T00:00:00.000Z';
    const limit = (limitMicros: number): BudgetEvent => ({
      type: 'BudgetLimitSet',
      data: { ...base, period: 'month', limitMicros, currency: 'USD', action: 'block', alertThresholds: [50, 100], periodStart: nov },
    });
    const spend = (requestId: string, amountMicros: number, spentMicros: number, periodStart = nov): BudgetEvent => ({
      type: 'BudgetSpendRecorded', data: { ...base, requestId, amountMicros, periodStart, spentMicros },
    });
    const crossed = (thresholdPercent: number, spentMicros: number): BudgetEvent => ({
      type: 'BudgetThresholdCrossed', data: { ...base, periodStart: nov, thresholdPercent, spentMicros, limitMicros: 10_000_000, action: 'block' },
    });
    const events = [
      record(stream, limit(10_000_000), at(0)),
      record(stream, spend('r1', 6_000_000, 6_000_000), at(1)),
      record(stream, crossed(50, 6_000_000), at(1)),
      record(stream, spend('r2', 4_500_000, 10_500_000), at(2)),
      record(stream, crossed(100, 10_500_000), at(2)),
    ];

    it('shows spend, crossed thresholds and exhaustion in the period, without request ids', () => {
      const doc = project(budgetsProjection, events).get('acme.monthly');
      expect(doc).to.deep.equal({
        id: 'acme.monthly', tenantId: 'acme', _position: 5, budgetId: 'monthly', period: 'month', limitMicros: 10_000_000,
        currency: 'USD', action: 'block', alertThresholds: [50, 100], periodStart: nov,
        spentMicros: 10_500_000, thresholdsCrossed: [50, 100], exhausted: true, updatedAt: at(2),
      });
    });

    it('a raised limit keeps the spend but lifts exhaustion', () => {
      const raised = [...events, record(stream, limit(20_000_000), at(3))];
      expect(project(budgetsProjection, raised).get('acme.monthly')).to.include({ spentMicros: 10_500_000, exhausted: false, limitMicros: 20_000_000 });
    });

    it('a new period restarts spend and thresholds', () => {
      const reset: BudgetEvent = { type: 'BudgetPeriodReset', data: { ...base, periodStart: dec, previousPeriodStart: nov, previousSpentMicros: 10_500_000 } };
      const next = [...events, record(stream, reset, at(60 * 24 * 5)), record(stream, spend('r3', 1_000_000, 1_000_000, dec), at(60 * 24 * 5 + 1))];
      const doc = project(budgetsProjection, next).get('acme.monthly');
      expect(doc).to.include({ periodStart: dec, spentMicros: 1_000_000, exhausted: false });
      expect(doc?.thresholdsCrossed).to.deep.equal([]);
    });
  });

  describe('deployments', () => {
    const record = eventLog();
    const stream = 'deployment-platform.gpt4o-eu';
    const price = (priceVersion: number, input: number, effectiveFrom: string): DeploymentPrice => ({
      priceVersion, inputPricePerMTokMicros: input, outputPricePerMTokMicros: input * 4, currency: 'USD', effectiveFrom,
    });
    const events = [
      record(stream, {
        type: 'DeploymentRegistered',
        data: { deploymentId: 'gpt4o-eu', provider: 'openai', upstreamModel: 'gpt-4o-2024-08-06', modelAlias: 'gpt-4o', region: 'eu', baseUrl: null, credentialRef: 'openai-prod', weight: 100, price: price(1, 2_500_000, at(0)) },
      }, at(0), 2),
      record(stream, { type: 'DeploymentPriceChanged', data: { deploymentId: 'gpt4o-eu', price: price(2, 2_000_000, at(10)) } }, at(5)),
      record(stream, { type: 'DeploymentWeightChanged', data: { deploymentId: 'gpt4o-eu', weight: 20, previousWeight: 100 } }, at(6)),
      record(stream, { type: 'DeploymentDisabled', data: { deploymentId: 'gpt4o-eu', reason: 'provider outage' } }, at(7)),
    ];

    it('is a platform document with the current price and every price version', () => {
      const doc = project(deploymentsProjection, events).get('gpt4o-eu');
      expect(doc).to.include({ tenantId: 'platform', deploymentId: 'gpt4o-eu', modelAlias: 'gpt-4o', credentialRef: 'openai-prod', weight: 20, enabled: false, disabledReason: 'provider outage', createdAt: at(0), updatedAt: at(7) });
      expect(doc?.price).to.deep.equal(price(2, 2_000_000, at(10)));
      expect(doc?.priceHistory).to.deep.equal([price(1, 2_500_000, at(0)), price(2, 2_000_000, at(10))]);
    });

    it('re-enabling clears the reason', () => {
      const enabled = [...events, record(stream, { type: 'DeploymentEnabled', data: { deploymentId: 'gpt4o-eu' } }, at(8))];
      expect(project(deploymentsProjection, enabled).get('gpt4o-eu')).to.include({ enabled: true, disabledReason: null });
    });

    it('follows the credential by name, and reads v1 registrations (before credentials) as having none', () => {
      const renamed = [...events, record(stream, { type: 'DeploymentCredentialRefSet', data: { deploymentId: 'gpt4o-eu', credentialRef: 'openai-2027', previousCredentialRef: 'openai-prod' } }, at(8))];
      expect(project(deploymentsProjection, renamed).get('gpt4o-eu')).to.include({ credentialRef: 'openai-2027', updatedAt: at(8) });
      const v1 = record('deployment-platform.old', {
        type: 'DeploymentRegistered',
        data: { deploymentId: 'old', provider: 'openai', upstreamModel: 'gpt-4', modelAlias: 'gpt-4', region: 'eu', baseUrl: null, weight: 100, price: price(1, 1, at(0)) },
      }, at(9), 1);
      expect(project(deploymentsProjection, [v1]).get('old')).to.include({ credentialRef: null, enabled: true });
    });

    it('is the collection every tenant may read', () => expect(SHARED_COLLECTIONS).to.deep.equal(['deployments']));
  });

  describe('auditTimeline', () => {
    const record = eventLog();
    const secret = 'dddddddd-very-secret';
    const events = [
      record('tenant-acme.acme', { type: 'TenantRegistered', data: { tenantId: 'acme', name: 'Acme', dataRegion: 'eu' } }, at(0), 2),
      record('tenant-acme.acme', { type: 'TenantRenamed', data: { tenantId: 'acme', name: 'Acme Corp' } }, at(1)),
      record('apikey-acme.ci', {
        type: 'ApiKeyIssued',
        data: { tenantId: 'acme', keyId: 'ci', name: 'CI', scopes: ['inference', 'admin-read'], keyPrefix: 'nx_dddddddd', keyHash: sha(secret), expiresAt: null },
      }, at(2)),
      record('apikey-acme.ci', { type: 'ApiKeyRotated', data: { tenantId: 'acme', keyId: 'ci', keyPrefix: 'nx_eeeeeeee', keyHash: sha('eeee') } }, at(3)),
      record('budget-acme.b', { type: 'BudgetThresholdCrossed', data: { tenantId: 'acme', budgetId: 'b', periodStart: at(0), thresholdPercent: 80, spentMicros: 8_000_000, limitMicros: 10_000_000, action: 'alert' } }, at(4)),
      record('deployment-platform.d1', { type: 'DeploymentWeightChanged', data: { deploymentId: 'd1', weight: 5, previousWeight: 10 } }, at(5)),
      record('inference-acme.req1', { type: 'UnknownInferenceCompleted', data: { prompt: 'my password is hunter2' } }, at(6)),
      record('not a stream id', { type: 'UnknownThing', data: {} }, at(7)),
    ];
    const docs = project(auditTimelineProjection, events);

    it('has one entry per event with who, when and where', () => {
      expect(docs.size).to.equal(7);
      expect(docs.get(auditEntryId(events[1].position))).to.deep.equal({
        id: auditEntryId(2), tenantId: 'acme', _position: 2, eventId: events[1].eventId, position: 2, streamId: 'tenant-acme.acme', revision: 1,
        category: 'tenant', type: 'TenantRenamed', actor: 'admin', occurredAt: at(1), correlationId: 'corr-2', commandId: 'cmd-2', schemaVersion: 1,
        summary: 'tenant acme renamed to Acme Corp',
      });
    });

    it('summarises keys by prefix and never stores event data', () => {
      expect(docs.get(auditEntryId(events[2].position))?.summary).to.equal('API key ci (CI, nx_dddddddd…) issued with scopes inference, admin-read, no expiry');
      expect(docs.get(auditEntryId(events[3].position))?.summary).to.equal('API key ci rotated, new prefix nx_eeeeeeee…');
      const stored = JSON.stringify([...docs.values()]);
      for (const leaked of [sha(secret), sha('eeee'), 'hunter2']) expect(stored).to.not.include(leaked);
      for (const doc of docs.values()) expect(doc).to.not.have.property('data');
    });

    it('formats money and names the tenant of each stream', () => {
      expect(docs.get(auditEntryId(events[4].position))?.summary).to.equal('budget b crossed 80% (spent 8.00 of 10.00)');
      expect(docs.get(auditEntryId(events[5].position))).to.include({ tenantId: 'platform', category: 'deployment', summary: 'deployment d1 weight changed from 10 to 5' });
      expect(docs.get(auditEntryId(events[6].position))).to.include({ category: 'inference', summary: 'UnknownInferenceCompleted on inference-acme.req1' });
    });

    it('ignores streams outside the naming convention', () => expect(auditTimelineProjection.documentId(events[7])).to.equal(null));

    it('says whether a tenant stores texts, never any text', () => {
      const optIn = record('tenant-acme.acme', { type: 'TenantContentRetentionSet', data: { tenantId: 'acme', storeContent: true } }, at(8));
      const optOut = record('tenant-acme.acme', { type: 'TenantContentRetentionSet', data: { tenantId: 'acme', storeContent: false } }, at(9));
      const timeline = project(auditTimelineProjection, [optIn, optOut]);
      expect(timeline.get(auditEntryId(optIn.position))?.summary).to.equal('tenant acme opted in to storing prompt and completion texts');
      expect(timeline.get(auditEntryId(optOut.position))?.summary).to.equal('tenant acme opted out of storing prompt and completion texts');
    });

    it('names the secret a deployment uses, never a value', () => {
      const set = record('deployment-platform.d1', { type: 'DeploymentCredentialRefSet', data: { deploymentId: 'd1', credentialRef: 'openai-2027', previousCredentialRef: null } }, at(8));
      const removed = record('deployment-platform.d1', { type: 'DeploymentCredentialRefSet', data: { deploymentId: 'd1', credentialRef: null, previousCredentialRef: 'openai-2027' } }, at(9));
      const timeline = project(auditTimelineProjection, [set, removed]);
      expect(timeline.get(auditEntryId(set.position))?.summary).to.equal('deployment d1 credential set to secret openai-2027');
      expect(timeline.get(auditEntryId(removed.position))?.summary).to.equal('deployment d1 credential removed');
    });
  });

  it('rebuilds byte-identical documents from the same events', () => {
    const record = eventLog();
    const events = [
      record('tenant-acme.acme', { type: 'TenantRegistered', data: { tenantId: 'acme', name: 'Acme', dataRegion: 'eu' } }, at(0), 2),
      record('tenant-acme.acme', { type: 'TenantSuspended', data: { tenantId: 'acme', reason: 'r' } }, at(1)),
      record('policy-acme.p', { type: 'PolicyCreated', data: { tenantId: 'acme', policyId: 'p', name: 'P', description: null } }, at(2)),
    ];
    for (const projection of ALL_PROJECTIONS) {
      const live = JSON.stringify([...project(projection, events)]);
      expect(JSON.stringify([...project(projection, events)]), projection.name).to.equal(live);
    }
  });
});
