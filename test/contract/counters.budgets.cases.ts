import { expect } from 'chai';
import type { Counters } from '../../engines/counters/port.js';
import { type CountersFixture, elapsedUntil, expectRangeError, fresh } from './counters.fixture.js';

const HOUR = 3_600_000;

export function budgetCases(get: () => CountersFixture): void {
  describe('budget reservations', () => {
    it('reserves only while spent + reserved + amount fits the limit, and reports what is available', async () => {
      const { budgets } = get().counters;
      const budget = fresh('b');
      const reserve = (reservationId: string, amount: number) => budgets.reserve(budget, { reservationId, amount, limit: 1000, ttlMs: HOUR });
      expect(await reserve('r1', 600)).to.deep.equal({ ok: true, available: 400, periodKey: null });
      expect(await reserve('r2', 401)).to.deep.equal({ ok: false, available: 400, periodKey: null });
      expect(await reserve('r3', 400)).to.deep.equal({ ok: true, available: 0, periodKey: null });
      expect(await budgets.snapshot(budget)).to.deep.equal({ spent: 0, reserved: 1000, periodKey: null });
    });

    it('settles: frees the reservation and adds the actual amount to spent', async () => {
      const { budgets } = get().counters;
      const budget = fresh('b');
      await budgets.reserve(budget, { reservationId: 'r1', amount: 500, limit: 1000, ttlMs: HOUR });
      expect(await budgets.settle(budget, 'r1', 320)).to.deep.equal({ outcome: 'settled', spent: 320, reserved: 0, periodKey: null });
      expect(await budgets.reserve(budget, { reservationId: 'r2', amount: 680, limit: 1000, ttlMs: HOUR })).to.include({ ok: true, available: 0 });
    });

    it('still adds the spend of a settle without a live reservation, and reports it', async () => {
      const { budgets } = get().counters;
      const budget = fresh('b');
      expect(await budgets.settle(budget, 'unknown', 75)).to.deep.equal({ outcome: 'unreserved', spent: 75, reserved: 0, periodKey: null });
    });

    it('adds a repeated settle of the same reservation once (a retried call cannot double-charge)', async () => {
      const { budgets } = get().counters;
      const budget = fresh('b');
      await budgets.reserve(budget, { reservationId: 'r1', amount: 500, limit: 1000, ttlMs: HOUR });
      expect((await budgets.settle(budget, 'r1', 450)).outcome).to.equal('settled');
      expect(await budgets.settle(budget, 'r1', 450)).to.deep.equal({ outcome: 'already_settled', spent: 450, reserved: 0, periodKey: null });
      expect((await budgets.settle(budget, 'unknown', 10)).outcome).to.equal('unreserved');
      expect(await budgets.settle(budget, 'unknown', 10)).to.include({ outcome: 'already_settled', spent: 460 });
    });

    it('releases a reservation without spending; release is idempotent', async () => {
      const { budgets } = get().counters;
      const budget = fresh('b');
      await budgets.reserve(budget, { reservationId: 'r1', amount: 500, limit: 1000, ttlMs: HOUR });
      expect(await budgets.release(budget, 'r1')).to.equal(true);
      expect(await budgets.release(budget, 'r1'), 'a second release').to.equal(false);
      expect(await budgets.release(budget, 'never-reserved')).to.equal(false);
      expect(await budgets.snapshot(budget)).to.deep.equal({ spent: 0, reserved: 0, periodKey: null });
      await budgets.reserve(budget, { reservationId: 'r2', amount: 100, limit: 1000, ttlMs: HOUR });
      await budgets.settle(budget, 'r2', 100);
      expect(await budgets.release(budget, 'r2'), 'a settled reservation is gone').to.equal(false);
      expect((await budgets.snapshot(budget)).spent).to.equal(100);
    });

    it('treats a retried reserve with the same id as the same reservation', async () => {
      const { budgets } = get().counters;
      const budget = fresh('b');
      const request = { reservationId: 'r1', amount: 600, limit: 1000, ttlMs: HOUR };
      expect(await budgets.reserve(budget, request)).to.include({ ok: true, available: 400 });
      expect(await budgets.reserve(budget, request)).to.include({ ok: true, available: 400 });
      expect((await budgets.snapshot(budget)).reserved).to.equal(600);
    });

    it('stops counting a reservation once its ttl has passed; settling it later still spends', async () => {
      const { counters, clock, unitMs } = get();
      const budget = fresh('b');
      const ttlMs = 3 * unitMs;
      await counters.budgets.reserve(budget, { reservationId: 'slow', amount: 900, limit: 1000, ttlMs });
      expect((await counters.budgets.reserve(budget, { reservationId: 'blocked', amount: 200, limit: 1000, ttlMs })).ok).to.equal(false);
      const elapsed = await elapsedUntil(clock, async () => (await counters.budgets.snapshot(budget)).reserved === 0, 3 * ttlMs, unitMs / 10);
      expect(elapsed).to.be.at.least(ttlMs - 2 * clock.toleranceMs);
      expect((await counters.budgets.reserve(budget, { reservationId: 'next', amount: 1000, limit: 1000, ttlMs: HOUR })).ok).to.equal(true);
      expect(await counters.budgets.settle(budget, 'slow', 900)).to.deep.equal({ outcome: 'unreserved', spent: 900, reserved: 1000, periodKey: null });
    });

    it('resets spent once per period: a later period applies, the same or an earlier one keeps the stored spend', async () => {
      const { budgets } = get().counters;
      const budget = fresh('b');
      const june = '2026-06-01T00:00:00.000Z';
      const july = '2026-07-01T00:00:00.000Z';
      await budgets.reserve(budget, { reservationId: 'r1', amount: 100, limit: 1000, ttlMs: HOUR });
      expect(await budgets.resetSpent(budget, 250, june)).to.deep.equal({ applied: true, spent: 250, reserved: 100, periodKey: june });
      await budgets.settle(budget, 'r1', 50);
      expect(await budgets.resetSpent(budget, 0, june), 'a second process at the same boundary').to.deep.equal({ applied: false, spent: 300, reserved: 0, periodKey: june });
      expect(await budgets.resetSpent(budget, 0, july)).to.deep.equal({ applied: true, spent: 0, reserved: 0, periodKey: july });
      expect(await budgets.resetSpent(budget, 999, june), 'a lagging process').to.include({ applied: false, spent: 0, periodKey: july });
      expect(await budgets.reserve(budget, { reservationId: 'r2', amount: 10, limit: 1000, ttlMs: HOUR })).to.deep.equal({ ok: true, available: 990, periodKey: july });
    });

    it('counts micro-unit amounts up to 2^53 − 1 exactly', async () => {
      const { budgets } = get().counters;
      const budget = fresh('b');
      const max = Number.MAX_SAFE_INTEGER;
      expect(await budgets.reserve(budget, { reservationId: 'r1', amount: max - 1, limit: max, ttlMs: HOUR })).to.include({ ok: true, available: 1 });
      expect((await budgets.reserve(budget, { reservationId: 'r2', amount: 2, limit: max, ttlMs: HOUR })).ok).to.equal(false);
      expect(await budgets.settle(budget, 'r1', max - 2)).to.include({ spent: max - 2, reserved: 0 });
      expect(await budgets.resetSpent(budget, max, 'p1')).to.include({ applied: true, spent: max });
    });

    it('refuses invalid amounts, ids and period keys with a RangeError', async () => {
      const { budgets } = get().counters;
      const ok = { reservationId: 'r', amount: 1, limit: 10, ttlMs: 1000 };
      await expectRangeError(() => budgets.reserve('b', { ...ok, amount: -1 }));
      await expectRangeError(() => budgets.reserve('b', { ...ok, amount: 0.5 }));
      await expectRangeError(() => budgets.reserve('b', { ...ok, reservationId: '' }));
      await expectRangeError(() => budgets.reserve('b', { ...ok, ttlMs: 0 }));
      await expectRangeError(() => budgets.settle('b', 'r', Number.NaN));
      await expectRangeError(() => budgets.resetSpent('b', 0, ''));
      await expectRangeError(() => budgets.resetSpent('b', 0, 'période'));
    });

    acceptanceCases(get);
  });
}

/** The acceptance scenario: a budget that affords exactly 50 of 500 concurrent requests. */
function acceptanceCases(get: () => CountersFixture): void {
  const amount = 1_000;
  const limit = 50 * amount;

  /** 500 concurrent reserves spread over several clients; returns the ids that got a reservation. */
  async function reserveConcurrently(budget: string): Promise<{ clients: Counters[]; reserved: string[] }> {
    const fixture = get();
    const clients = [fixture.counters, await fixture.connectAnother(), await fixture.connectAnother()];
    const ids = Array.from({ length: 500 }, (_, i) => `req_${i}`);
    const results = await Promise.all(ids.map((id, i) => (clients[i % clients.length] as Counters).budgets.reserve(budget, { reservationId: id, amount, limit, ttlMs: HOUR })));
    return { clients, reserved: ids.filter((_, i) => results[i]?.ok) };
  }

  it('500 concurrent reserves against a budget for exactly 50: 50 succeed, and settling at most the reservation keeps spent within the limit', async () => {
    const budget = fresh('b');
    const { clients, reserved } = await reserveConcurrently(budget);
    expect(reserved).to.have.length(50);
    expect(await get().counters.budgets.snapshot(budget)).to.deep.equal({ spent: 0, reserved: limit, periodKey: null });
    const actuals = reserved.map(() => Math.floor(Math.random() * (amount + 1)));
    await Promise.all(reserved.map((id, i) => (clients[i % clients.length] as Counters).budgets.settle(budget, id, actuals[i] as number)));
    const spent = actuals.reduce((sum, a) => sum + a, 0);
    expect(spent).to.be.at.most(limit);
    expect(await get().counters.budgets.snapshot(budget)).to.deep.equal({ spent, reserved: 0, periodKey: null });
  });

  it('when one request costs more than it reserved (by up to one request), spent exceeds the limit by at most that, and the budget then refuses', async () => {
    const budget = fresh('b');
    const { clients, reserved } = await reserveConcurrently(budget);
    expect(reserved).to.have.length(50);
    const overrun = Math.floor(Math.random() * reserved.length);
    const overrunCost = amount + 1 + Math.floor(Math.random() * amount); // (amount, 2 × amount]
    const actuals = reserved.map((_, i) => (i === overrun ? overrunCost : amount));
    const settled = await Promise.all(reserved.map((id, i) => (clients[i % clients.length] as Counters).budgets.settle(budget, id, actuals[i] as number)));
    expect(settled.every((s) => s.outcome === 'settled')).to.equal(true);
    const { spent } = await get().counters.budgets.snapshot(budget);
    expect(spent, 'every actual amount is counted').to.equal(actuals.reduce((sum, a) => sum + a, 0));
    expect(spent).to.be.greaterThan(limit).and.at.most(limit + amount);
    expect(await get().counters.budgets.reserve(budget, { reservationId: 'after', amount: 1, limit, ttlMs: HOUR })).to.deep.equal({ ok: false, available: 0, periodKey: null });
  });
}
