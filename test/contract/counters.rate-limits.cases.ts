import { expect } from 'chai';
import { SUB_WINDOWS } from '../../engines/counters/port.js';
import { type CountersFixture, expectRangeError, fresh } from './counters.fixture.js';

interface Admission {
  /** Adapter time is within [from, to] (equal under a manual clock). */
  readonly from: number;
  readonly to: number;
  readonly cost: number;
}

/** The largest admitted cost of any group of admissions certainly within one open interval of windowMs. */
function worstWindow(admitted: readonly Admission[], windowMs: number): number {
  let worst = 0;
  admitted.forEach((first, i) => {
    let sum = 0;
    for (const next of admitted.slice(i)) if (next.to - first.from < windowMs) sum += next.cost;
    worst = Math.max(worst, sum);
  });
  return worst;
}

export function rateLimitCases(get: () => CountersFixture): void {
  const windowMs = () => 4 * get().unitMs;

  describe('rate limits', () => {
    it('admits cost up to the limit in a window, then refuses with remaining 0 and a retry delay', async () => {
      const { rateLimits } = get().counters;
      const key = fresh('rl');
      for (let i = 0; i < 5; i++) {
        expect(await rateLimits.consume(key, { limit: 5, windowMs: windowMs(), cost: 1 })).to.deep.equal({ allowed: true, remaining: 4 - i, retryAfterMs: 0 });
      }
      const refused = await rateLimits.consume(key, { limit: 5, windowMs: windowMs(), cost: 1 });
      expect(refused.allowed).to.equal(false);
      expect(refused.remaining).to.equal(0);
      expect(refused.retryAfterMs).to.be.greaterThan(0).and.at.most(windowMs() + windowMs() / SUB_WINDOWS);
    });

    it('charges nothing for a refused consume', async () => {
      const { rateLimits } = get().counters;
      const key = fresh('rl');
      const spec = { limit: 10, windowMs: windowMs() };
      expect((await rateLimits.consume(key, { ...spec, cost: 7 })).remaining).to.equal(3);
      expect(await rateLimits.consume(key, { ...spec, cost: 4 })).to.include({ allowed: false, remaining: 3 });
      expect(await rateLimits.consume(key, { ...spec, cost: 3 })).to.include({ allowed: true, remaining: 0 });
    });

    it('admits the refused cost again once retryAfterMs has passed (and not a millisecond earlier)', async () => {
      const { counters, clock } = get();
      const key = fresh('rl');
      const spec = { limit: 3, windowMs: windowMs(), cost: 3 };
      await counters.rateLimits.consume(key, spec);
      await clock.advance(windowMs() / 2);
      const refused = await counters.rateLimits.consume(key, spec);
      expect(refused.allowed).to.equal(false);
      const wait = refused.retryAfterMs ?? expect.fail('a cost within the limit has a retry delay');
      if (clock.exact) {
        await clock.advance(wait - 1);
        expect((await counters.rateLimits.consume(key, spec)).allowed, 'one millisecond early').to.equal(false);
        await clock.advance(1);
      } else {
        await clock.advance(wait);
      }
      expect((await counters.rateLimits.consume(key, spec)).allowed).to.equal(true);
    });

    it('refuses a cost above the limit with retryAfterMs null, and a cost of 0 only peeks', async () => {
      const { rateLimits } = get().counters;
      const key = fresh('rl');
      const spec = { limit: 5, windowMs: windowMs() };
      expect(await rateLimits.consume(key, { ...spec, cost: 6 })).to.deep.equal({ allowed: false, remaining: 5, retryAfterMs: null });
      expect(await rateLimits.consume(key, { ...spec, cost: 2 })).to.include({ allowed: true, remaining: 3 });
      expect(await rateLimits.consume(key, { ...spec, cost: 0 })).to.deep.equal({ allowed: true, remaining: 3, retryAfterMs: 0 });
      expect(await rateLimits.consume(key, { ...spec, cost: 3 })).to.include({ allowed: true, remaining: 0 });
    });

    it('never admits more than the limit in any interval of windowMs, and frees capacity as the window slides', async () => {
      const { counters, clock } = get();
      const key = fresh('rl');
      const limit = 20;
      const admitted: Admission[] = [];
      const end = clock.now() + 3 * windowMs();
      while (clock.now() < end) {
        const cost = 1 + Math.floor(Math.random() * 3);
        const from = clock.now();
        const result = await counters.rateLimits.consume(key, { limit, windowMs: windowMs(), cost });
        if (result.allowed) admitted.push({ from, to: clock.now(), cost });
        await clock.advance(Math.floor((Math.random() * windowMs()) / 25));
      }
      expect(worstWindow(admitted, windowMs()), 'cost admitted within one window').to.be.at.most(limit);
      const total = admitted.reduce((sum, a) => sum + a.cost, 0);
      expect(total, 'over three windows the limit is granted at least twice').to.be.at.least(2 * limit - 2);
    });

    it('keeps keys apart', async () => {
      const { rateLimits } = get().counters;
      const tenant = fresh('t');
      const spec = { limit: 1, windowMs: windowMs(), cost: 1 };
      for (const key of [`a:{${tenant}}`, `b:{${tenant}}`, tenant, fresh('rl')]) expect((await rateLimits.consume(key, spec)).allowed).to.equal(true);
      expect((await rateLimits.consume(tenant, spec)).allowed).to.equal(false);
    });

    it('consumeAll charges every limit or none: a request the tenant limit refuses is not charged to its key', async () => {
      const { rateLimits } = get().counters;
      const tenant = fresh('t');
      const perKey = { key: `rpm:{${tenant}}:key_1`, limit: 10, windowMs: windowMs(), cost: 1 };
      const perTenant = { key: `rpm:{${tenant}}`, limit: 3, windowMs: windowMs(), cost: 1 };
      for (let i = 1; i <= 3; i++) {
        const result = await rateLimits.consumeAll([perKey, perTenant]);
        expect(result.allowed).to.equal(true);
        expect(result.results.map((r) => r.remaining)).to.deep.equal([10 - i, 3 - i]);
      }
      const refused = await rateLimits.consumeAll([perKey, perTenant]);
      expect(refused.allowed).to.equal(false);
      expect(refused.results.map((r) => r.allowed)).to.deep.equal([true, false]);
      expect(refused.results.map((r) => r.remaining)).to.deep.equal([7, 0]);
      expect(refused.retryAfterMs).to.be.greaterThan(0).and.equal(refused.results[1]?.retryAfterMs);
      expect((await rateLimits.consume(perKey.key, { ...perKey, cost: 0 })).remaining, 'the key was not charged').to.equal(7);
      const otherKey = await rateLimits.consumeAll([{ ...perKey, key: `rpm:{${tenant}}:key_2` }, perTenant]);
      expect(otherKey.allowed, 'the tenant limit covers all its keys').to.equal(false);
    });

    it('consumeAll reports retryAfterMs null when one limit can never admit the cost', async () => {
      const { rateLimits } = get().counters;
      const tenant = fresh('t');
      const result = await rateLimits.consumeAll([
        { key: `tpm:{${tenant}}:key_1`, limit: 100, windowMs: windowMs(), cost: 50 },
        { key: `tpm:{${tenant}}`, limit: 40, windowMs: windowMs(), cost: 50 },
      ]);
      expect(result).to.deep.include({ allowed: false, retryAfterMs: null });
      expect((await rateLimits.consume(`tpm:{${tenant}}:key_1`, { limit: 100, windowMs: windowMs(), cost: 0 })).remaining).to.equal(100);
    });

    it('admits exactly the limit when clients race (two clients, 300 concurrent calls)', async () => {
      const fixture = get();
      const other = await fixture.connectAnother();
      const key = fresh('rl');
      const calls = Array.from({ length: 300 }, (_, i) => (i % 2 === 0 ? fixture.counters : other).rateLimits.consume(key, { limit: 50, windowMs: windowMs(), cost: 1 }));
      const results = await Promise.all(calls);
      expect(results.filter((r) => r.allowed)).to.have.length(50);
    });

    it('refuses invalid limits with a RangeError, and consumeAll keys that do not share one hash tag', async () => {
      const { rateLimits } = get().counters;
      const ok = { limit: 5, windowMs: 1000, cost: 1 };
      await expectRangeError(() => rateLimits.consume('', ok));
      await expectRangeError(() => rateLimits.consume('k', { ...ok, cost: -1 }));
      await expectRangeError(() => rateLimits.consume('k', { ...ok, cost: 1.5 }));
      await expectRangeError(() => rateLimits.consume('k', { ...ok, windowMs: 0 }));
      await expectRangeError(() => rateLimits.consume('k', { ...ok, limit: Number.MAX_SAFE_INTEGER + 1 }));
      await expectRangeError(() => rateLimits.consumeAll([{ key: 'rpm:{t_1}', ...ok }, { key: 'rpm:{t_2}', ...ok }]));
      await expectRangeError(() => rateLimits.consumeAll([{ key: 'rpm:key_1', ...ok }, { key: 'rpm:tenant', ...ok }]));
      await expectRangeError(() => rateLimits.consumeAll([{ key: 'rpm:{t_1}', ...ok }, { key: 'rpm:{t_1}', ...ok }]));
    });
  });
}
