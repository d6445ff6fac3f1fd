import { expect } from 'chai';
import { describe, it } from 'mocha';
import { attemptOrder } from '../../api/v1/routing.js';
import type { CachedDeployment } from '../../projections/cache/snapshots.js';

const deployment = (deploymentId: string, weight: number): CachedDeployment => {
  const price = { priceVersion: 1, inputPricePerMTokMicros: 1, outputPricePerMTokMicros: 1, currency: 'USD', effectiveFrom: '2026-01-01T00:00:00Z' };
  return { deploymentId, provider: 'mock', upstreamModel: 'mock-echo', modelAlias: 'a', region: 'eu', baseUrl: null, credentialRef: null, weight, enabled: true, price, prices: [price] };
};

describe('data plane attempt order', () => {
  const pool = [deployment('a', 10), deployment('b', 30), deployment('c', 60)];
  const ids = (random: number) => attemptOrder(pool, () => random).map((d) => d.deploymentId);

  it('picks the first by weight, then falls back by descending weight', () => {
    expect(ids(0)).to.deep.equal(['a', 'c', 'b']);
    expect(ids(0.15)).to.deep.equal(['b', 'c', 'a']);
    expect(ids(0.5)).to.deep.equal(['c', 'b', 'a']);
    expect(ids(0.999)).to.deep.equal(['c', 'b', 'a']);
  });

  it('routes nowhere without weight', () => {
    expect(attemptOrder([], () => 0)).to.deep.equal([]);
    expect(attemptOrder([deployment('z', 0)], () => 0)).to.deep.equal([]);
  });
});
