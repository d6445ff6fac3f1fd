import { expect } from 'chai';
import type { StoredResponse } from '../../commands/idempotency.js';
import { type CountersFixture, elapsedUntil, fresh } from './counters.fixture.js';

const response = (status: number): StoredResponse => ({
  fingerprint: 'sha256:abc',
  status,
  body: { id: 'ten_1', nested: { list: [1, 'two', null] } },
  headers: { ETag: '"0"' },
});

export function idempotencyCases(get: () => CountersFixture): void {
  describe('idempotency results', () => {
    it('returns null for an unknown key, and the stored response for a known one', async () => {
      const { idempotency } = get().counters;
      const key = fresh('idem');
      expect(await idempotency.get(key)).to.equal(null);
      await idempotency.put(key, response(201));
      expect(await idempotency.get(key)).to.deep.equal(response(201));
      expect(await idempotency.get(fresh('idem'))).to.equal(null);
    });

    it('forgets a response once the ttl has passed', async () => {
      const { counters, clock, idempotencyTtlMs } = get();
      const key = fresh('idem');
      await counters.idempotency.put(key, response(200));
      const elapsed = await elapsedUntil(clock, async () => (await counters.idempotency.get(key)) === null, 3 * idempotencyTtlMs, idempotencyTtlMs / 10);
      expect(elapsed).to.be.at.least(idempotencyTtlMs - 2 * clock.toleranceMs);
    });
  });
}
