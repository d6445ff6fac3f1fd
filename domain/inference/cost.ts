import type { DeploymentPrice } from '../deployment/events.js';
import { RuleViolationError } from '../shared/errors.js';

export interface TokenUsage {
  readonly inputTokens: number;
  readonly outputTokens: number;
  /** Prompt tokens served from the provider's cache: a subset of inputTokens. */
  readonly cachedTokens: number;
}

/**
 * The figures of a price version that cost depends on (a DeploymentPrice fits). The catalog has
 * no cached-token rate yet, so cached tokens are billed at the input rate unless one is given:
 * the gateway may over-bill a cache hit, never under-bill.
 */
export type TokenPrice = Pick<DeploymentPrice, 'inputPricePerMTokMicros' | 'outputPricePerMTokMicros'> & {
  readonly cachedInputPricePerMTokMicros?: number | null;
};

const TOKENS_PER_PRICE_UNIT = 1_000_000n;

function requireCount(name: string, value: number): bigint {
  if (!Number.isSafeInteger(value) || value < 0) throw new RuleViolationError('non_negative_integer', `${name} must be a non-negative integer, not ${value}`, { [name]: value });
  return BigInt(value);
}

/**
 * Cost of a request in integer micro-units. Prices are per million tokens, so the exact cost is
 * a fraction of a micro-unit; it is computed in BigInt (no float, no overflow) and rounded UP
 * once, on the total, to the next micro-unit: the gateway never bills less than the price says,
 * and at most one micro-unit more. Rounding each term separately could add a micro-unit per term.
 */
export function costMicros(usage: TokenUsage, price: TokenPrice): number {
  const input = requireCount('inputTokens', usage.inputTokens);
  const output = requireCount('outputTokens', usage.outputTokens);
  const cached = requireCount('cachedTokens', usage.cachedTokens);
  if (cached > input) throw new RuleViolationError('cached_tokens', 'cachedTokens cannot exceed inputTokens', { ...usage });
  const inputRate = requireCount('inputPricePerMTokMicros', price.inputPricePerMTokMicros);
  const outputRate = requireCount('outputPricePerMTokMicros', price.outputPricePerMTokMicros);
  const cachedRate = price.cachedInputPricePerMTokMicros == null ? inputRate : requireCount('cachedInputPricePerMTokMicros', price.cachedInputPricePerMTokMicros);
  const exact = (input - cached) * inputRate + cached * cachedRate + output * outputRate; // micro-units × 10^6
  const micros = (exact + TOKENS_PER_PRICE_UNIT - 1n) / TOKENS_PER_PRICE_UNIT; // ceiling division
  if (micros > BigInt(Number.MAX_SAFE_INTEGER)) throw new RuleViolationError('cost_overflow', 'cost exceeds the exact integer range', { ...usage });
  return Number(micros);
}

/**
 * The most a request can cost: its prompt plus every output token it may ask for, with no
 * cache hit (cached tokens are never dearer than fresh ones on a real price list). A budget
 * reservation of this amount covers the final cost of any response within maxOutputTokens,
 * since cost only grows with tokens and is rounded the same way.
 */
export function estimateMaxCostMicros(promptTokens: number, maxOutputTokens: number, price: TokenPrice): number {
  return costMicros({ inputTokens: promptTokens, outputTokens: maxOutputTokens, cachedTokens: 0 }, price);
}
