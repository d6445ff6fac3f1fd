import type { DeploymentPrice } from './events.js';
import type { DeploymentState } from './state.js';

function instant(iso: string): number {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new Error(`invalid instant '${iso}'`);
  return ms;
}

/** The price new requests pay; null for an unregistered deployment. */
export function currentPrice(state: DeploymentState): DeploymentPrice | null {
  return state.status === 'none' ? null : state.prices[state.prices.length - 1];
}

/**
 * The price version in effect at `isoInstant` (null before registration), so a past request's
 * cost can be explained. Relies on effectiveFrom never decreasing along the history, which
 * decide guarantees; when two versions share an instant the later version wins.
 */
export function priceAt(state: DeploymentState, isoInstant: string): DeploymentPrice | null {
  if (state.status === 'none') return null;
  const at = instant(isoInstant);
  let inEffect: DeploymentPrice | null = null;
  for (const price of state.prices) {
    if (instant(price.effectiveFrom) > at) break;
    inEffect = price;
  }
  return inEffect;
}

/** effectiveFrom for a new version: now, but never before the current version (clock skew between nodes). */
export function nextEffectiveFrom(current: DeploymentPrice, now: string): string {
  return instant(now) < instant(current.effectiveFrom) ? current.effectiveFrom : now;
}
