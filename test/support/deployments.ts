import type { CachedDeployment } from '../../projections/cache/snapshots.js';

const PRICE = { priceVersion: 1, inputPricePerMTokMicros: 1, outputPricePerMTokMicros: 1, currency: 'USD', effectiveFrom: '2026-01-01T00:00:00Z' };

/** A routable deployment as the gateway cache hands it out; a mock echo unless told otherwise. */
export function cachedDeployment(deploymentId: string, overrides: Partial<CachedDeployment> = {}): CachedDeployment {
  return { deploymentId, provider: 'mock', upstreamModel: 'mock-echo', modelAlias: 'alias', region: 'eu', baseUrl: null, credentialRef: null, weight: 1, enabled: true, price: PRICE, prices: [PRICE], ...overrides };
}
