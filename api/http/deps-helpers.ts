import type { AppDeps, ScopedReader } from '../deps.js';
import type { CommandDeps } from './command-route.js';
import { scopeOf, type Principal } from './principal.js';

export function commandDeps(deps: AppDeps): CommandDeps {
  return {
    eventStore: deps.eventStore,
    idempotency: deps.idempotency,
    now: deps.now,
    readYourWrites: async (position) => {
      await deps.projections.waitForPosition(position, deps.config.NEXUS_READ_YOUR_WRITES_TIMEOUT_MS);
    },
  };
}

export const readerFor = (deps: AppDeps, principal: Principal): ScopedReader => deps.readModels.scoped(scopeOf(principal));
