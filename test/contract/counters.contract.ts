import { admissionCases } from './counters.admissions.cases.js';
import { budgetCases } from './counters.budgets.cases.js';
import { concurrencyCases } from './counters.concurrency.cases.js';
import type { CountersFixture } from './counters.fixture.js';
import { idempotencyCases } from './counters.idempotency.cases.js';
import { rateLimitCases } from './counters.rate-limits.cases.js';

export type { CountersFixture, TestClock } from './counters.fixture.js';

/**
 * The specification of the Counters port (engines/counters/port.ts). Every adapter runs
 * this same suite through nothing but the port; each test works on fresh keys, so
 * adapters may share one engine. Engine-specific behaviour (unreachable Redis, key TTLs)
 * is tested beside the adapter's run of this suite.
 */
export function countersContract(name: string, factory: () => Promise<CountersFixture>): void {
  describe(`Counters contract: ${name}`, () => {
    let fixture: CountersFixture | undefined;
    const get = (): CountersFixture => fixture ?? missingFixture();

    beforeEach(async () => {
      fixture = await factory();
    });
    afterEach(async () => {
      await fixture?.cleanup();
      fixture = undefined;
    });

    rateLimitCases(get);
    concurrencyCases(get);
    budgetCases(get);
    idempotencyCases(get);
    admissionCases(get);
  });
}

function missingFixture(): never {
  throw new Error('the counters fixture is only available inside a test');
}
