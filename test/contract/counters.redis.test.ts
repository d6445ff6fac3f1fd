import { expect } from 'chai';
import { CountersUnavailableError } from '../../engines/counters/port.js';
import { RedisCounters, type RedisCountersOptions } from '../../engines/counters/redis/index.js';
import { freePort, type RedisServer, startRedisOrSkip, startRedisServer } from '../support/redis-server.js';
import { countersContract } from './counters.contract.js';
import { fresh, realClock } from './counters.fixture.js';

/**
 * The Redis adapter against a real redis-server (started here, on a free loopback port).
 * Without redis-server on PATH the suite is pending, unless NEXUS_REQUIRE_REDIS=1.
 */
describe('RedisCounters (real redis-server)', function () {
  let server: RedisServer | undefined;
  const opened: RedisCounters[] = [];
  const url = () => server?.url ?? expect.fail('redis-server is not running');

  async function open(options: RedisCountersOptions = {}): Promise<RedisCounters> {
    const counters = await RedisCounters.connect({ url: url(), keyPrefix: fresh('test') + ':', ...options });
    opened.push(counters);
    return counters;
  }

  before(async function () {
    server = await startRedisOrSkip(this);
  });
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((c) => c.close()));
  });
  after(async () => server?.stop());

  countersContract('RedisCounters', async () => {
    const keyPrefix = fresh('contract') + ':';
    const idempotencyTtlMs = 300;
    const counters = await open({ keyPrefix, idempotencyTtlMs });
    return {
      counters,
      connectAnother: () => open({ keyPrefix, idempotencyTtlMs }),
      clock: realClock(),
      unitMs: 100,
      idempotencyTtlMs,
      cleanup: async () => undefined, // afterEach closes every client; keys expire on their own
    };
  });

  describe('when Redis goes away', () => {
    it('times out a call to a Redis that stopped answering within the command timeout', async () => {
      const own = await startRedisServer();
      try {
        const counters = await open({ url: own.url, commandTimeoutMs: 300 });
        process.kill(own.pid, 'SIGSTOP');
        const started = Date.now();
        const error = await counters.budgets.snapshot('b').catch((e: unknown) => e);
        expect(error).to.be.instanceOf(CountersUnavailableError).and.include({ failure: 'timeout' });
        expect(Date.now() - started).to.be.below(1000);
      } finally {
        process.kill(own.pid, 'SIGCONT');
        await own.stop();
      }
    });

    it('fails fast while Redis is down, then recovers on its own (and reports the lost budget state)', async () => {
      const port = await freePort();
      let own = await startRedisServer(port);
      try {
        const counters = await open({ url: own.url });
        await counters.budgets.resetSpent('b', 500, 'p1');
        await own.stop();
        const started = Date.now();
        const error = await counters.budgets.reserve('b', { reservationId: 'r', amount: 1, limit: 1000, ttlMs: 1000 }).catch((e: unknown) => e);
        expect(error).to.be.instanceOf(CountersUnavailableError);
        expect(Date.now() - started).to.be.below(1000);
        own = await startRedisServer(port);
        const reserved = await eventually(() => counters.budgets.reserve('b', { reservationId: 'r', amount: 1, limit: 1000, ttlMs: 1000 }));
        expect(reserved, 'a restarted Redis without persistence lost the period: reseed it').to.deep.equal({ ok: true, available: 999, periodKey: null });
      } finally {
        await own.stop();
      }
    });
  });

  describe('keys', () => {
    it('gives every key it writes a TTL, so nothing leaks', async () => {
      const counters = await open({ keyPrefix: 'leakcheck:' });
      await counters.rateLimits.consumeAll([{ key: 'rpm:{t_1}:k', limit: 5, windowMs: 60_000, cost: 1 }, { key: 'rpm:{t_1}', limit: 5, windowMs: 60_000, cost: 1 }]);
      await counters.concurrency.acquire('cc:{t_1}', { limit: 5, leaseId: 'l1', ttlMs: 60_000 });
      await counters.budgets.reserve('budget:{t_1}', { reservationId: 'r1', amount: 5, limit: 50, ttlMs: 60_000 });
      await counters.budgets.reserve('budget:{t_1}', { reservationId: 'r2', amount: 5, limit: 50, ttlMs: 60_000 });
      await counters.budgets.settle('budget:{t_1}', 'r1', 4);
      await counters.budgets.resetSpent('budget:{t_1}', 4, 'p1');
      await counters.idempotency.put('k', { fingerprint: 'f', status: 200, body: null, headers: {} });
      const keys = await counters.client.keys('leakcheck:*');
      expect(keys).to.have.length(6);
      for (const key of keys) expect(Number(await counters.client.pttl(key)), key).to.be.greaterThan(0);
      const tags = new Set(keys.filter((k) => !k.includes(':idem:')).map((k) => /\{([^}]+)\}/.exec(k)?.[1]));
      expect([...tags], 'one cluster slot for a tenant').to.deep.equal(['t_1']);
    });

    it('keeps the first idempotency result stored for a key (SET NX)', async () => {
      const counters = await open();
      await counters.idempotency.put('k', { fingerprint: 'first', status: 201, body: null, headers: {} });
      await counters.idempotency.put('k', { fingerprint: 'second', status: 200, body: null, headers: {} });
      expect((await counters.idempotency.get('k'))?.fingerprint).to.equal('first');
    });

    it('reloads its scripts when Redis has forgotten them (SCRIPT FLUSH, restart)', async () => {
      const counters = await open();
      await counters.client.script('FLUSH');
      expect((await counters.rateLimits.consume('k', { limit: 1, windowMs: 1000, cost: 1 })).allowed).to.equal(true);
    });

    it('refuses a key prefix containing braces (it would become the hash tag)', async () => {
      const error = await RedisCounters.connect({ url: url(), keyPrefix: 'a{b}:' }).catch((e: unknown) => e);
      expect(error).to.be.instanceOf(RangeError);
    });
  });
});

describe('RedisCounters when Redis is unreachable (no server needed)', () => {
  const opened: RedisCounters[] = [];
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((c) => c.close()));
  });

  it('connect() rejects with CountersUnavailableError within a second', async () => {
    const started = Date.now();
    const error = await RedisCounters.connect({ url: `redis://127.0.0.1:${await freePort()}` }).then(
      () => expect.fail('connected to a closed port'),
      (e: unknown) => e,
    );
    expect(error).to.be.instanceOf(CountersUnavailableError).and.include({ kind: 'counters_unavailable', operation: 'connect' });
    expect(Date.now() - started).to.be.below(1000);
  });

  it('rejects every call with CountersUnavailableError within a second', async () => {
    const counters = RedisCounters.create({ url: `redis://127.0.0.1:${await freePort()}` });
    opened.push(counters);
    const calls: Array<[string, () => Promise<unknown>]> = [
      ['rateLimits.consumeAll', () => counters.rateLimits.consume('k', { limit: 1, windowMs: 1000, cost: 1 })],
      ['concurrency.acquire', () => counters.concurrency.acquire('k', { limit: 1, leaseId: 'l', ttlMs: 1000 })],
      ['concurrency.release', () => counters.concurrency.release('k', 'l')],
      ['budgets.reserve', () => counters.budgets.reserve('b', { reservationId: 'r', amount: 1, limit: 10, ttlMs: 1000 })],
      ['budgets.settle', () => counters.budgets.settle('b', 'r', 1)],
      ['budgets.snapshot', () => counters.budgets.snapshot('b')],
      ['idempotency.get', () => counters.idempotency.get('k')],
    ];
    for (const [operation, call] of calls) {
      const started = Date.now();
      const error = await call().then(() => expect.fail(`${operation} succeeded`), (e: unknown) => e);
      expect(error, operation).to.be.instanceOf(CountersUnavailableError).and.include({ operation, failure: 'connection' });
      expect(Date.now() - started, operation).to.be.below(1000);
    }
  });
});

/** Retries a call until it stops failing (a reconnecting client), up to five seconds. */
async function eventually<T>(call: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + 5000;
  for (;;) {
    try {
      return await call();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}
