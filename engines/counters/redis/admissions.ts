import { windowShape } from '../sliding-window.js';
import type { AdmissionCheck, AdmissionEnd, AdmissionRefusal, AdmissionResult, Admissions, SettleOutcome, SettleResult } from '../port.js';
import { checkAdmission, checkAdmissionEnd } from '../validate.js';
import { attempt, type ScriptedRedis } from './client.js';
import type { RedisKeyspace } from './keys.js';
import { parseConsume } from './rate-limits.js';
import { integer, malformed, oneOf, periodKey, tuple, waitMs } from './replies.js';

const OUTCOMES: readonly SettleOutcome[] = ['settled', 'unreserved', 'already_settled'];

/** Admissions as two scripts (scripts/admissions.ts): one round trip in, one out. */
export class RedisAdmissions implements Admissions {
  constructor(
    private readonly redis: ScriptedRedis,
    private readonly keys: RedisKeyspace,
    private readonly budgetIdleTtlMs: number,
    private readonly settledRetentionMs: number,
  ) {}

  async admit(check: AdmissionCheck): Promise<AdmissionResult> {
    checkAdmission(check);
    const { rateLimits, leases, reservations } = check;
    const keys = [...rateLimits.map((l) => this.keys.rateLimit(l.key)), ...leases.map((l) => this.keys.leases(l.key)), ...reservations.flatMap((r) => this.keys.budget(r.budgetKey))];
    const args = [
      rateLimits.length,
      leases.length,
      reservations.length,
      check.holder,
      check.leaseTtlMs,
      check.reservationTtlMs,
      this.budgetIdleTtlMs,
      ...rateLimits.flatMap((l) => {
        const shape = windowShape(l.windowMs);
        return [l.limit, shape.granularityMs, shape.subWindows, l.cost];
      }),
      ...leases.map((l) => l.limit),
      ...reservations.flatMap((r) => [r.amount, r.limit, r.periodKey]),
    ];
    const operation = 'admissions.admit';
    return attempt(
      operation,
      () => this.redis.nexusAdmit(keys.length, ...keys, ...args),
      (reply): AdmissionResult => {
        if (!Array.isArray(reply) || reply.length === 0) throw malformed(operation, reply);
        const kind = oneOf(operation, reply[0], ['admitted', 'rate_limits', 'concurrency', 'budget', 'stale_period'] as const);
        if (kind === 'admitted') return { admitted: true };
        return { admitted: false, refusal: refusal(operation, kind, reply, check) };
      },
    );
  }

  async conclude(end: AdmissionEnd): Promise<readonly (SettleResult | null)[]> {
    checkAdmissionEnd(end);
    const keys = [...end.leases.map((key) => this.keys.leases(key)), ...end.budgets.flatMap((b) => this.keys.budget(b.budgetKey))];
    const args = [end.leases.length, end.budgets.length, end.holder, this.settledRetentionMs, this.budgetIdleTtlMs, ...end.budgets.map((b) => (b.actualAmount === null ? '' : b.actualAmount))];
    const operation = 'admissions.conclude';
    return attempt(
      operation,
      () => this.redis.nexusConclude(keys.length, ...keys, ...args),
      (reply) =>
        tuple(operation, reply, end.budgets.length).map((item): SettleResult | null => {
          if (Array.isArray(item) && item.length === 1 && item[0] === 'released') return null;
          const [outcome, spent, reserved, period] = tuple(operation, item, 4);
          return { outcome: oneOf(operation, outcome, OUTCOMES), spent: integer(operation, spent), reserved: integer(operation, reserved), periodKey: periodKey(operation, period) };
        }),
    );
  }
}

function refusal(operation: string, kind: AdmissionRefusal['kind'], reply: unknown[], check: AdmissionCheck): AdmissionRefusal {
  if (kind === 'rate_limits') return { kind, result: parseConsume(tuple(operation, reply, 2)[1], check.rateLimits) };
  const index = integer(operation, reply[1]);
  if (kind === 'concurrency') {
    const [, , active, retry] = tuple(operation, reply, 4);
    return { kind, index, result: { acquired: false, active: integer(operation, active), retryAfterMs: waitMs(operation, retry) } };
  }
  const [, , value] = tuple(operation, reply, 3);
  return kind === 'budget' ? { kind, index, available: integer(operation, value) } : { kind: 'stale_period', index, periodKey: periodKey(operation, value) };
}
