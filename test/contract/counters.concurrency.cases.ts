import { expect } from 'chai';
import { type CountersFixture, elapsedUntil, expectRangeError, fresh } from './counters.fixture.js';

export function concurrencyCases(get: () => CountersFixture): void {
  const ttlMs = () => 3 * get().unitMs;

  describe('concurrency limits', () => {
    it('grants leases up to the limit and refuses the next with the wait until the earliest expires', async () => {
      const { counters } = get();
      const key = fresh('cc');
      expect(await counters.concurrency.acquire(key, { limit: 2, leaseId: 'r1', ttlMs: ttlMs() })).to.deep.equal({ acquired: true, active: 1, retryAfterMs: 0 });
      expect(await counters.concurrency.acquire(key, { limit: 2, leaseId: 'r2', ttlMs: 2 * ttlMs() })).to.deep.equal({ acquired: true, active: 2, retryAfterMs: 0 });
      const refused = await counters.concurrency.acquire(key, { limit: 2, leaseId: 'r3', ttlMs: ttlMs() });
      expect(refused).to.include({ acquired: false, active: 2 });
      expect(refused.retryAfterMs).to.be.greaterThan(0).and.at.most(ttlMs());
    });

    it('frees a slot on release; release is idempotent', async () => {
      const { concurrency } = get().counters;
      const key = fresh('cc');
      const lease = (leaseId: string) => ({ limit: 1, leaseId, ttlMs: ttlMs() });
      expect((await concurrency.acquire(key, lease('r1'))).acquired).to.equal(true);
      expect((await concurrency.acquire(key, lease('r2'))).acquired).to.equal(false);
      expect(await concurrency.release(key, 'r1')).to.equal(true);
      expect(await concurrency.release(key, 'r1'), 'a second release').to.equal(false);
      expect(await concurrency.release(key, 'never-held')).to.equal(false);
      expect(await concurrency.acquire(key, lease('r2'))).to.deep.equal({ acquired: true, active: 1, retryAfterMs: 0 });
    });

    it('renews a lease acquired again with the same id instead of taking another slot', async () => {
      const { counters, clock } = get();
      const key = fresh('cc');
      await counters.concurrency.acquire(key, { limit: 2, leaseId: 'r1', ttlMs: ttlMs() });
      await clock.advance(ttlMs() / 2);
      expect(await counters.concurrency.acquire(key, { limit: 2, leaseId: 'r1', ttlMs: ttlMs() })).to.deep.equal({ acquired: true, active: 1, retryAfterMs: 0 });
      await clock.advance(ttlMs() / 2 + 2 * clock.toleranceMs + 1);
      expect((await counters.concurrency.acquire(key, { limit: 1, leaseId: 'r2', ttlMs: ttlMs() })).acquired, 'renewed, so still held').to.equal(false);
    });

    it('frees the slot of a lease nobody releases once its ttl has passed (a crashed holder leaks nothing)', async () => {
      const { counters, clock, unitMs } = get();
      const key = fresh('cc');
      await counters.concurrency.acquire(key, { limit: 1, leaseId: 'crashed', ttlMs: ttlMs() });
      const elapsed = await elapsedUntil(clock, async () => (await counters.concurrency.acquire(key, { limit: 1, leaseId: 'next', ttlMs: ttlMs() })).acquired, 3 * ttlMs(), unitMs / 10);
      expect(elapsed).to.be.at.least(ttlMs() - 2 * clock.toleranceMs);
      expect(await counters.concurrency.release(key, 'crashed'), 'the expired lease is gone').to.equal(false);
    });

    it('never grants more leases than the limit when clients race (two clients, 100 concurrent acquires)', async () => {
      const fixture = get();
      const other = await fixture.connectAnother();
      const key = fresh('cc');
      const calls = Array.from({ length: 100 }, (_, i) => (i % 2 === 0 ? fixture.counters : other).concurrency.acquire(key, { limit: 10, leaseId: `r${i}`, ttlMs: 60_000 }));
      const results = await Promise.all(calls);
      expect(results.filter((r) => r.acquired)).to.have.length(10);
    });

    it('refuses everything under a limit of 0 with retryAfterMs null, and invalid requests with a RangeError', async () => {
      const { concurrency } = get().counters;
      expect(await concurrency.acquire(fresh('cc'), { limit: 0, leaseId: 'r1', ttlMs: 1000 })).to.deep.equal({ acquired: false, active: 0, retryAfterMs: null });
      await expectRangeError(() => concurrency.acquire('k', { limit: 1, leaseId: '', ttlMs: 1000 }));
      await expectRangeError(() => concurrency.acquire('k', { limit: 1, leaseId: 'r', ttlMs: 0 }));
      await expectRangeError(() => concurrency.acquire('k', { limit: -1, leaseId: 'r', ttlMs: 1000 }));
      await expectRangeError(() => concurrency.release('', 'r'));
    });
  });
}
