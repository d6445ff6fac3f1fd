import type { Decider } from '../shared/decider.js';
import { assertNever } from '../shared/errors.js';
import type { LimitsCommand, RateLimitFigures } from './commands.js';
import type { LimitsEvent } from './events.js';
import { evolve, initialState, keyLimits, tenantLimits, type LimitsState } from './state.js';

const sameFigures = (a: RateLimitFigures, b: RateLimitFigures): boolean =>
  a.requestsPerMinute === b.requestsPerMinute && a.tokensPerMinute === b.tokensPerMinute && a.maxConcurrent === b.maxConcurrent;

/**
 * Setting limits is always allowed on an open tenant (the command handler checks that, and
 * that the key belongs to the tenant); setting the figures already in force records nothing.
 */
export function decide(command: LimitsCommand, state: LimitsState): LimitsEvent[] {
  const { requestsPerMinute, tokensPerMinute, maxConcurrent, tenantId } = command.data;
  const figures: RateLimitFigures = { requestsPerMinute, tokensPerMinute, maxConcurrent };
  switch (command.type) {
    case 'SetTenantRateLimits':
      if (sameFigures(tenantLimits(state), figures)) return [];
      return [{ type: 'TenantRateLimitsSet', data: { tenantId, ...figures } }];
    case 'SetKeyRateLimits': {
      const { keyId } = command.data;
      if (sameFigures(keyLimits(state, keyId), figures)) return [];
      return [{ type: 'KeyRateLimitsSet', data: { tenantId, keyId, ...figures } }];
    }
    default:
      return assertNever(command, 'limits command');
  }
}

export const limitsDecider: Decider<LimitsCommand, LimitsEvent, LimitsState> = { decide, evolve, initialState };
