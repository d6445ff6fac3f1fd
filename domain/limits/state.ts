import { assertNever } from '../shared/errors.js';
import { UNLIMITED, type RateLimitFigures } from './commands.js';
import type { LimitsEvent } from './events.js';

/**
 * A tenant's limit sheet: the tenant-wide ceilings and each key's own. A request must fit
 * both (the key's share and the tenant's whole), so a key's limits never raise the tenant's.
 */
export interface LimitSheet {
  readonly status: 'set';
  readonly tenantId: string;
  readonly tenant: RateLimitFigures;
  readonly keys: Readonly<Record<string, RateLimitFigures>>;
}

export type LimitsState = { readonly status: 'none' } | LimitSheet;

export const initialState = (): LimitsState => ({ status: 'none' });

const figuresOf = (data: RateLimitFigures): RateLimitFigures => ({
  requestsPerMinute: data.requestsPerMinute,
  tokensPerMinute: data.tokensPerMinute,
  maxConcurrent: data.maxConcurrent,
});

export function evolve(state: LimitsState, event: LimitsEvent): LimitsState {
  const sheet: LimitSheet = state.status === 'set' ? state : { status: 'set', tenantId: event.data.tenantId, tenant: UNLIMITED, keys: {} };
  switch (event.type) {
    case 'TenantRateLimitsSet':
      return { ...sheet, tenant: figuresOf(event.data) };
    case 'KeyRateLimitsSet':
      return { ...sheet, keys: { ...sheet.keys, [event.data.keyId]: figuresOf(event.data) } };
    default:
      return assertNever(event, 'limits event');
  }
}

/** The ceilings that apply to one key: its own (unlimited unless set). */
export function keyLimits(state: LimitsState, keyId: string): RateLimitFigures {
  return state.status === 'set' ? (state.keys[keyId] ?? UNLIMITED) : UNLIMITED;
}

export function tenantLimits(state: LimitsState): RateLimitFigures {
  return state.status === 'set' ? state.tenant : UNLIMITED;
}
