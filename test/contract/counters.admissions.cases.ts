import { expect } from 'chai';
import type { AdmissionCheck, Counters } from '../../engines/counters/port.js';
import { type CountersFixture, expectRangeError, fresh } from './counters.fixture.js';

const HOUR = 3_600_000;
const PERIOD = '2026-11-01T00:00:00.000Z';

/** One tenant's keys (all under one hash tag, as the gateway names them) and a check over them. */
function tenantKeys() {
  const tag = fresh('t');
  return {
    rpm: `rpm:{${tag}}:t`,
    tpm: `tpm:{${tag}}:t`,
    lease: `conc:{${tag}}:t`,
    budget: `budget:{${tag}}:monthly`,
    alerts: `budget:{${tag}}:alerts`,
    other: `budget:{${fresh('t')}}:monthly`,
  };
}

type Keys = ReturnType<typeof tenantKeys>;

function checkFor(keys: Keys, holder: string, parts: { rpm?: number; lease?: number; amount?: number; limit?: number; periodKey?: string } = {}): AdmissionCheck {
  return {
    holder,
    rateLimits: [{ key: keys.rpm, limit: parts.rpm ?? 10, windowMs: 60_000, cost: 1 }],
    leases: [{ key: keys.lease, limit: parts.lease ?? 10 }],
    reservations: [{ budgetKey: keys.budget, amount: parts.amount ?? 100, limit: parts.limit ?? 1_000, periodKey: parts.periodKey ?? PERIOD }],
    leaseTtlMs: HOUR,
    reservationTtlMs: HOUR,
  };
}

/** A budget whose period is current, so admission does not ask for a reseed. */
async function seeded(counters: Counters, budgetKey: string, spent = 0): Promise<void> {
  await counters.budgets.resetSpent(budgetKey, spent, PERIOD);
}

/** What the rate limit still admits, without charging (cost 0 peeks). */
async function rpmRemaining(counters: Counters, key: string, limit = 10): Promise<number> {
  return (await counters.rateLimits.consume(key, { limit, windowMs: 60_000, cost: 0 })).remaining;
}

export function admissionCases(get: () => CountersFixture): void {
  describe('admissions (rate limits, leases and reservations in one step)', () => {
    it('takes every limit, lease and reservation of an admitted request', async () => {
      const { counters } = get();
      const keys = tenantKeys();
      await seeded(counters, keys.budget);
      expect(await counters.admissions.admit(checkFor(keys, 'req-1', { lease: 1 }))).to.deep.equal({ admitted: true });
      expect(await rpmRemaining(counters, keys.rpm)).to.equal(9);
      expect((await counters.concurrency.acquire(keys.lease, { limit: 1, leaseId: 'req-2', ttlMs: HOUR })).acquired, 'the one slot is held').to.equal(false);
      expect(await counters.budgets.snapshot(keys.budget)).to.deep.equal({ spent: 0, reserved: 100, periodKey: PERIOD });
    });

    it('refuses on a budget that cannot cover the request and takes nothing else (all or nothing)', async () => {
      const { counters } = get();
      const keys = tenantKeys();
      await seeded(counters, keys.budget, 950);
      const result = await counters.admissions.admit(checkFor(keys, 'req-1', { lease: 1 }));
      expect(result).to.deep.equal({ admitted: false, refusal: { kind: 'budget', index: 0, available: 50 } });
      expect(await rpmRemaining(counters, keys.rpm), 'the rate limit was not charged').to.equal(10);
      expect((await counters.concurrency.acquire(keys.lease, { limit: 1, leaseId: 'req-2', ttlMs: HOUR })).acquired, 'no lease was left behind').to.equal(true);
      expect(await counters.budgets.snapshot(keys.budget)).to.deep.equal({ spent: 950, reserved: 0, periodKey: PERIOD });
    });

    it('refuses on a rate limit with every limit\'s figures, before taking a lease or a reservation', async () => {
      const { counters } = get();
      const keys = tenantKeys();
      await seeded(counters, keys.budget);
      const check = { ...checkFor(keys, 'req-1', { rpm: 1 }), rateLimits: [{ key: keys.rpm, limit: 1, windowMs: 60_000, cost: 1 }, { key: keys.tpm, limit: 500, windowMs: 60_000, cost: 600 }] };
      const result = await counters.admissions.admit(check);
      expect(result.admitted).to.equal(false);
      if (result.admitted || result.refusal.kind !== 'rate_limits') return expect.fail(`expected a rate-limit refusal, got ${JSON.stringify(result)}`);
      expect(result.refusal.result.allowed).to.equal(false);
      expect(result.refusal.result.retryAfterMs, 'the tokens limit can never admit 600').to.equal(null);
      expect(result.refusal.result.results.map((one) => one.allowed)).to.deep.equal([true, false]);
      expect(await rpmRemaining(counters, keys.rpm, 1)).to.equal(1);
      expect(await counters.budgets.snapshot(keys.budget)).to.include({ reserved: 0 });
    });

    it('refuses on a full concurrency limit with its index and a retry hint, and charges no rate limit', async () => {
      const { counters } = get();
      const keys = tenantKeys();
      await seeded(counters, keys.budget);
      await counters.concurrency.acquire(keys.lease, { limit: 1, leaseId: 'someone', ttlMs: HOUR });
      const result = await counters.admissions.admit(checkFor(keys, 'req-1', { lease: 1 }));
      expect(result.admitted).to.equal(false);
      if (result.admitted || result.refusal.kind !== 'concurrency') return expect.fail(`expected a concurrency refusal, got ${JSON.stringify(result)}`);
      expect(result.refusal.index).to.equal(0);
      expect(result.refusal.result).to.include({ acquired: false, active: 1 });
      expect(result.refusal.result.retryAfterMs).to.be.within(HOUR - 5_000, HOUR);
      expect(await rpmRemaining(counters, keys.rpm)).to.equal(10);
    });

    it('asks for a reseed (stale_period) while a budget holds no period or an earlier one, and admits once it is reseeded', async () => {
      const { counters } = get();
      const keys = tenantKeys();
      expect(await counters.admissions.admit(checkFor(keys, 'req-1'))).to.deep.equal({ admitted: false, refusal: { kind: 'stale_period', index: 0, periodKey: null } });
      await counters.budgets.resetSpent(keys.budget, 10, '2026-10-01T00:00:00.000Z');
      expect(await counters.admissions.admit(checkFor(keys, 'req-1'))).to.deep.equal({ admitted: false, refusal: { kind: 'stale_period', index: 0, periodKey: '2026-10-01T00:00:00.000Z' } });
      expect(await rpmRemaining(counters, keys.rpm), 'nothing was taken while stale').to.equal(10);
      await seeded(counters, keys.budget, 20);
      expect(await counters.admissions.admit(checkFor(keys, 'req-1'))).to.deep.equal({ admitted: true });
      // A process whose clock is behind (an earlier period) is served on the stored, later one.
      expect(await counters.admissions.admit(checkFor(keys, 'req-2', { periodKey: '2026-10-01T00:00:00.000Z' }))).to.deep.equal({ admitted: true });
      expect(await counters.budgets.snapshot(keys.budget)).to.deep.equal({ spent: 20, reserved: 200, periodKey: PERIOD });
    });

    it('treats a retried admission of the same holder as the same lease and reservation', async () => {
      const { counters } = get();
      const keys = tenantKeys();
      await seeded(counters, keys.budget);
      await counters.admissions.admit(checkFor(keys, 'req-1', { lease: 1 }));
      expect(await counters.admissions.admit(checkFor(keys, 'req-1', { lease: 1 }))).to.deep.equal({ admitted: true });
      expect(await counters.budgets.snapshot(keys.budget)).to.include({ reserved: 100 });
    });

    it('concludes: frees the leases, settles or releases each reservation, once', async () => {
      const { counters } = get();
      const keys = tenantKeys();
      await seeded(counters, keys.budget);
      await seeded(counters, keys.alerts);
      const check = checkFor(keys, 'req-1', { lease: 1 });
      await counters.admissions.admit({ ...check, reservations: [...check.reservations, { budgetKey: keys.alerts, amount: 40, limit: 1_000, periodKey: PERIOD }] });
      const end = { holder: 'req-1', leases: [keys.lease], budgets: [{ budgetKey: keys.budget, actualAmount: 70 }, { budgetKey: keys.alerts, actualAmount: null }] };
      expect(await counters.admissions.conclude(end)).to.deep.equal([{ outcome: 'settled', spent: 70, reserved: 0, periodKey: PERIOD }, null]);
      expect(await counters.budgets.snapshot(keys.alerts)).to.deep.equal({ spent: 0, reserved: 0, periodKey: PERIOD });
      expect((await counters.concurrency.acquire(keys.lease, { limit: 1, leaseId: 'req-2', ttlMs: HOUR })).acquired, 'the slot is free again').to.equal(true);
      expect(await counters.admissions.conclude(end), 'a retried conclusion spends nothing more').to.deep.equal([{ outcome: 'already_settled', spent: 70, reserved: 0, periodKey: PERIOD }, null]);
    });

    it('never lets concurrent admissions from two clients overspend a budget', async () => {
      const fixture = get();
      const other = await fixture.connectAnother();
      const keys = tenantKeys();
      await seeded(fixture.counters, keys.budget);
      const results = await Promise.all(
        Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? fixture.counters : other).admissions.admit(checkFor(keys, `req-${i}`, { rpm: 1_000, lease: 1_000, amount: 100, limit: 1_000 }))),
      );
      expect(results.filter((result) => result.admitted)).to.have.length(10);
      expect(await fixture.counters.budgets.snapshot(keys.budget)).to.include({ reserved: 1_000 });
      expect(await rpmRemaining(fixture.counters, keys.rpm, 1_000), 'only admitted requests were charged').to.equal(990);
    });

    it('refuses keys of different hash tags, duplicate keys and invalid amounts with a RangeError, before any change', async () => {
      const { counters } = get();
      const keys = tenantKeys();
      await seeded(counters, keys.budget);
      const check = checkFor(keys, 'req-1');
      await expectRangeError(() => counters.admissions.admit({ ...check, reservations: [{ ...check.reservations[0]!, budgetKey: keys.other }] }));
      await expectRangeError(() => counters.admissions.admit({ ...check, leases: [...check.leases, ...check.leases] }));
      await expectRangeError(() => counters.admissions.admit({ ...check, reservations: [{ ...check.reservations[0]!, amount: -1 }] }));
      await expectRangeError(() => counters.admissions.admit({ ...check, reservations: [{ ...check.reservations[0]!, periodKey: '' }] }));
      await expectRangeError(() => counters.admissions.conclude({ holder: 'req-1', leases: [keys.lease], budgets: [{ budgetKey: keys.other, actualAmount: 1 }] }));
      expect(await rpmRemaining(counters, keys.rpm)).to.equal(10);
    });
  });
}
