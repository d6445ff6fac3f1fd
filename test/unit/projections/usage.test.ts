import { expect } from 'chai';
import { describe, it } from 'mocha';
import { resolveRange } from '../../../api/usage/range.js';
import type { InferenceEvent } from '../../../domain/inference/index.js';
import { ValidationError } from '../../../domain/shared/errors.js';
import { ALL_PROJECTIONS, summariseUsage, usageProjection, usageRollupId, type UsageRollupDoc } from '../../../projections/index.js';
import { completedOutcome, failedOutcome, rejectedOutcome, type ServedFacts } from '../../support/inference.js';
import { at, eventLog, project } from './recorded-events.js';

const facts = (requestId: string, changes: Partial<ServedFacts> = {}): ServedFacts => ({
  tenantId: 'acme', requestId, keyId: 'ci', modelAlias: 'gpt-4o', deploymentId: 'd_eu', ...changes,
});
const key = { keyId: 'ci', modelAlias: 'gpt-4o', deploymentId: 'd_eu', currency: 'USD' };
const servedId = usageRollupId('acme', '2026-11-26', key);

function rollups(outcomes: ReadonlyArray<readonly [InferenceEvent, string]>): Map<string, UsageRollupDoc> {
  const record = eventLog();
  const events = outcomes.map(([outcome, occurredAt]) => record(`inference-${outcome.data.tenantId}.${outcome.data.requestId}`, outcome, occurredAt));
  return project(usageProjection, events) as Map<string, UsageRollupDoc>;
}

describe('usage read model', () => {
  it('rolls completed and failed requests of one day, key, model and deployment into one document', () => {
    const docs = rollups([
      [completedOutcome(facts('r1', { inputTokens: 10, outputTokens: 5, costMicros: 1_000, latencyMs: 200 })), at(0)],
      [failedOutcome(facts('r2', { inputTokens: 4, outputTokens: 1, costMicros: 300, latencyMs: 600 })), at(1)],
    ]);
    expect(docs.get(servedId)).to.deep.equal({
      id: servedId, tenantId: 'acme', _position: 2, day: '2026-11-26', ...key,
      requests: 2, completed: 1, failed: 1, rejected: 0, inputTokens: 14, outputTokens: 6, cachedTokens: 0, costMicros: 1_300, latencyMsSum: 800,
      firstEventAt: at(0), lastEventAt: at(1),
    });
  });

  it("counts rejections apart, with '-' for what they lack, and no cost or latency", () => {
    const docs = rollups([
      [completedOutcome(facts('r1')), at(0)],
      [rejectedOutcome({ tenantId: 'acme', requestId: 'r2', keyId: 'ci', modelAlias: 'gpt-4o' }), at(1)],
      [rejectedOutcome({ tenantId: 'acme', requestId: 'r3', keyId: null, modelAlias: null }), at(2)],
    ]);
    expect(docs.size).to.equal(3);
    const withKey = docs.get(usageRollupId('acme', '2026-11-26', { ...key, deploymentId: '-', currency: '-' }));
    expect(withKey).to.include({ requests: 1, rejected: 1, completed: 0, costMicros: 0, latencyMsSum: 0 });
    const anonymous = docs.get(usageRollupId('acme', '2026-11-26', { keyId: '-', modelAlias: '-', deploymentId: '-', currency: '-' }));
    expect(anonymous).to.include({ keyId: '-', modelAlias: '-', requests: 1, rejected: 1 });
  });

  it('splits by the UTC day of occurredAt, never of the commit time', () => {
    const docs = rollups([
      [completedOutcome(facts('r1')), '2026-11-26T23:59:59.999Z'],
      [completedOutcome(facts('r2')), '2026-11-27T00:00:00.000Z'],
    ]);
    expect([...docs.values()].map((doc) => doc.day)).to.deep.equal(['2026-11-26', '2026-11-27']);
  });

  it('keeps separate documents per currency, deployment and tenant', () => {
    const docs = rollups([
      [completedOutcome(facts('r1')), at(0)],
      [completedOutcome(facts('r2', { currency: 'EUR' })), at(1)],
      [completedOutcome(facts('r3', { deploymentId: 'd_us' })), at(2)],
      [completedOutcome(facts('r4', { tenantId: 'globex' })), at(3)],
    ]);
    expect(docs.size).to.equal(4);
    expect([...docs.values()].map((doc) => doc.tenantId)).to.deep.equal(['acme', 'acme', 'acme', 'globex']);
  });

  it('keeps the first and last event time when events arrive out of domain-time order', () => {
    const docs = rollups([
      [completedOutcome(facts('r1')), at(5)],
      [completedOutcome(facts('r2')), at(1)],
      [completedOutcome(facts('r3')), at(3)],
    ]);
    expect(docs.get(servedId)).to.include({ requests: 3, firstEventAt: at(1), lastEventAt: at(5) });
  });

  it('ignores other events, and is registered with the runner', () => {
    const record = eventLog();
    const other = record('tenant-acme.acme', { type: 'TenantRenamed', data: { tenantId: 'acme', name: 'Acme Corp' } }, at(0));
    expect(usageProjection.documentId(other)).to.equal(null);
    expect(ALL_PROJECTIONS).to.include(usageProjection);
  });

  it('keeps ids unambiguous when a model alias contains dots', () => {
    const a = usageRollupId('acme', '2026-11-26', { ...key, modelAlias: 'x.y' });
    const b = usageRollupId('acme', '2026-11-26', { ...key, deploymentId: 'd_eu.USD.x', modelAlias: 'y' });
    expect(a).to.not.equal(b);
  });
});

describe('usage totals', () => {
  const docs = [
    ...rollups([
      [completedOutcome(facts('r1', { costMicros: 100, latencyMs: 100 })), '2026-11-01T10:00:00.000Z'],
      [completedOutcome(facts('r2', { keyId: 'batch', costMicros: 200, latencyMs: 300 })), '2026-11-01T11:00:00.000Z'],
      [failedOutcome(facts('r3', { currency: 'EUR', costMicros: 50, latencyMs: 200 })), '2026-11-02T10:00:00.000Z'],
      [rejectedOutcome({ tenantId: 'acme', requestId: 'r4', keyId: null, modelAlias: null }), '2026-11-02T11:00:00.000Z'],
    ]).values(),
  ];

  it('groups by day with costs kept per currency and an overall total', () => {
    const report = summariseUsage(docs, 'day');
    expect(report.groups.map((group) => [group.group, group.requests, group.costMicros])).to.deep.equal([
      ['2026-11-01', 2, { USD: 300 }],
      ['2026-11-02', 2, { EUR: 50 }],
    ]);
    expect(report.total).to.deep.equal({
      requests: 4, completed: 2, failed: 1, rejected: 1, inputTokens: 30, outputTokens: 15, cachedTokens: 0, costMicros: { USD: 300, EUR: 50 }, avgLatencyMs: 200,
    });
  });

  it('groups by key, and has no average latency where nothing was served', () => {
    const groups = summariseUsage(docs, 'key').groups;
    expect(groups.map((group) => group.group)).to.deep.equal(['-', 'batch', 'ci']);
    expect(groups[0]).to.include({ rejected: 1, avgLatencyMs: null });
    expect(groups[2]).to.include({ completed: 1, failed: 1, avgLatencyMs: 150 });
  });

  it('groups by model and by deployment', () => {
    expect(summariseUsage(docs, 'model').groups.map((group) => [group.group, group.requests])).to.deep.equal([['-', 1], ['gpt-4o', 3]]);
    expect(summariseUsage(docs, 'deployment').groups.map((group) => [group.group, group.requests])).to.deep.equal([['-', 1], ['d_eu', 3]]);
  });
});

describe('usage report range', () => {
  const now = new Date('2026-02-14T12:00:00.000Z');
  const pathOf = (action: () => unknown): string | undefined => {
    try {
      action();
    } catch (error) {
      expect(error).to.be.instanceOf(ValidationError);
      return (error as ValidationError).issues[0]?.path;
    }
    return undefined;
  };

  it('defaults to the current UTC month, and to the month of `to`', () => {
    expect(resolveRange({}, now)).to.deep.equal({ from: '2026-02-01', to: '2026-02-28' });
    expect(resolveRange({ to: '2025-12-10' }, now)).to.deep.equal({ from: '2025-12-01', to: '2025-12-10' });
    expect(resolveRange({ from: '2026-01-15' }, now)).to.deep.equal({ from: '2026-01-15', to: '2026-02-28' });
  });

  it('refuses reversed or longer-than-a-year ranges, naming the field', () => {
    expect(pathOf(() => resolveRange({ from: '2026-02-10', to: '2026-02-01' }, now))).to.equal('query.to');
    expect(pathOf(() => resolveRange({ from: '2024-01-01' }, now))).to.equal('query.from');
    expect(resolveRange({ from: '2025-01-01', to: '2026-01-01' }, now)).to.deep.equal({ from: '2025-01-01', to: '2026-01-01' });
    expect(pathOf(() => resolveRange({ from: '2025-01-01', to: '2026-01-02' }, now))).to.equal('query.to');
  });
});
