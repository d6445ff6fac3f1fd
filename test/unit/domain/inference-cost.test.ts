import { expect } from 'chai';
import { describe, it } from 'mocha';
import type { DeploymentPrice } from '../../../domain/deployment/index.js';
import { costMicros, estimateMaxCostMicros } from '../../../domain/inference/index.js';
import { RuleViolationError } from '../../../domain/shared/errors.js';

/** gpt-4o list price: $2.50 input, $10 output per million tokens. */
const price: DeploymentPrice = { priceVersion: 3, inputPricePerMTokMicros: 2_500_000, outputPricePerMTokMicros: 10_000_000, currency: 'USD', effectiveFrom: '2026-11-01T00:00:00.000Z' };
const usage = (inputTokens: number, outputTokens: number, cachedTokens = 0) => ({ inputTokens, outputTokens, cachedTokens });

describe('inference cost', () => {
  it('prices input and output per million tokens, in micro-units', () => {
    expect(costMicros(usage(1_000_000, 0), price)).to.equal(2_500_000);
    expect(costMicros(usage(0, 1_000_000), price)).to.equal(10_000_000);
    expect(costMicros(usage(1000, 500), price)).to.equal(2500 + 5000); // exact: no rounding
  });

  it('costs nothing for no tokens, or on a free deployment', () => {
    expect(costMicros(usage(0, 0), price)).to.equal(0);
    expect(costMicros(usage(123_456, 7_890), { inputPricePerMTokMicros: 0, outputPricePerMTokMicros: 0 })).to.equal(0);
  });

  it('rounds a fraction of a micro-unit up, never down', () => {
    const cheap = { inputPricePerMTokMicros: 1, outputPricePerMTokMicros: 1 };
    expect(costMicros(usage(1, 0), cheap)).to.equal(1); // 0.000001 micro-units
    expect(costMicros(usage(999_999, 0), cheap)).to.equal(1);
    expect(costMicros(usage(1_000_000, 0), cheap)).to.equal(1); // exactly one: no extra
    expect(costMicros(usage(1_000_001, 0), cheap)).to.equal(2);
    expect(costMicros(usage(1, 1), price)).to.equal(13); // 2.5 + 10 = 12.5
  });

  it('rounds once on the total, not per term', () => {
    // 0.5 + 0.5 micro-units: 1 in total, where rounding each term up would bill 2.
    const half = { inputPricePerMTokMicros: 500_000, outputPricePerMTokMicros: 500_000 };
    expect(costMicros(usage(1, 1), half)).to.equal(1);
  });

  it('bills cached tokens at the input rate unless a cached rate is given', () => {
    expect(costMicros(usage(1_000_000, 0, 400_000), price)).to.equal(2_500_000);
    expect(costMicros(usage(1_000_000, 0, 400_000), { ...price, cachedInputPricePerMTokMicros: 1_250_000 })).to.equal(1_500_000 + 500_000);
    expect(costMicros(usage(1_000_000, 0, 400_000), { ...price, cachedInputPricePerMTokMicros: null })).to.equal(2_500_000);
  });

  it('is exact where floats are not: large counts at large prices', () => {
    // 2,000,000,001 tokens at 9,007,199 micro-units per MTok: the product exceeds 2^53.
    const dear = { inputPricePerMTokMicros: 9_007_199, outputPricePerMTokMicros: 0 };
    const exact = (2_000_000_001n * 9_007_199n + 999_999n) / 1_000_000n;
    expect(costMicros(usage(2_000_000_001, 0), dear)).to.equal(Number(exact));
  });

  it('refuses counts that are negative, fractional, or cached beyond the input', () => {
    expect(() => costMicros(usage(-1, 0), price)).to.throw(RuleViolationError, /inputTokens/);
    expect(() => costMicros(usage(1.5, 0), price)).to.throw(RuleViolationError, /inputTokens/);
    expect(() => costMicros(usage(10, 0, 11), price)).to.throw(RuleViolationError, /cachedTokens/);
    expect(() => costMicros(usage(10, 0), { ...price, outputPricePerMTokMicros: -1 })).to.throw(RuleViolationError, /outputPrice/);
  });

  it('refuses a cost beyond the exact integer range', () =>
    expect(() => costMicros(usage(2_000_000_000, 0), { inputPricePerMTokMicros: Number.MAX_SAFE_INTEGER, outputPricePerMTokMicros: 0 })).to.throw(RuleViolationError, /exact integer range/));
});

describe('maximum cost for a reservation', () => {
  it('prices the prompt and every output token the request may ask for', () =>
    expect(estimateMaxCostMicros(1200, 4096, price)).to.equal(3000 + 40_960));

  it('is never below the final cost of a response within the limit, cache hits included', () => {
    const withCachedRate = { ...price, cachedInputPricePerMTokMicros: 1_250_000 };
    for (const [prompt, max] of [[1, 1], [333, 777], [12_345, 4096]]) {
      const reserved = estimateMaxCostMicros(prompt, max, withCachedRate);
      for (const output of [0, 1, Math.floor(max / 2), max]) {
        expect(costMicros(usage(prompt, output, Math.floor(prompt / 3)), withCachedRate)).to.be.at.most(reserved);
      }
    }
  });
});
