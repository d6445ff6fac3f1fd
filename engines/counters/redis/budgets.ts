import type { BudgetReservations, BudgetSnapshot, ReservationRequest, ReserveResult, ResetResult, SettleOutcome, SettleResult } from '../port.js';
import { checkId, checkInteger, checkKey, checkPeriodKey, checkReservation } from '../validate.js';
import { attempt, type ScriptedRedis } from './client.js';
import type { RedisKeyspace } from './keys.js';
import { integer, oneOf, periodKey, tuple } from './replies.js';

export interface RedisBudgetOptions {
  readonly settledRetentionMs: number;
  readonly budgetIdleTtlMs: number;
}

const OUTCOMES: readonly SettleOutcome[] = ['settled', 'unreserved', 'already_settled'];

/** Budget reservations in four Redis keys per budget (see scripts/budgets.ts); one script call per operation. */
export class RedisBudgets implements BudgetReservations {
  constructor(
    private readonly redis: ScriptedRedis,
    private readonly keys: RedisKeyspace,
    private readonly options: RedisBudgetOptions,
  ) {}

  async reserve(budgetKey: string, request: ReservationRequest): Promise<ReserveResult> {
    checkReservation(budgetKey, request);
    const operation = 'budgets.reserve';
    const { reservationId, amount, limit, ttlMs } = request;
    return attempt(
      operation,
      () => this.redis.nexusReserve(...this.keys.budget(budgetKey), reservationId, amount, limit, ttlMs, this.options.budgetIdleTtlMs),
      (reply) => {
        const [ok, available, period] = tuple(operation, reply, 3);
        return { ok: integer(operation, ok) === 1, available: integer(operation, available), periodKey: periodKey(operation, period) };
      },
    );
  }

  async settle(budgetKey: string, reservationId: string, actualAmount: number): Promise<SettleResult> {
    checkKey('budget key', budgetKey);
    checkId('reservationId', reservationId);
    checkInteger('actualAmount', actualAmount);
    const operation = 'budgets.settle';
    const { settledRetentionMs, budgetIdleTtlMs } = this.options;
    return attempt(
      operation,
      () => this.redis.nexusSettle(...this.keys.budget(budgetKey), reservationId, actualAmount, settledRetentionMs, budgetIdleTtlMs),
      (reply) => {
        const [outcome, ...rest] = tuple(operation, reply, 4);
        return { outcome: oneOf(operation, outcome, OUTCOMES), ...snapshot(operation, rest) };
      },
    );
  }

  async release(budgetKey: string, reservationId: string): Promise<boolean> {
    checkKey('budget key', budgetKey);
    checkId('reservationId', reservationId);
    const operation = 'budgets.release';
    return attempt(
      operation,
      () => this.redis.nexusReleaseReservation(...this.keys.budget(budgetKey), reservationId, this.options.budgetIdleTtlMs),
      (reply) => integer(operation, reply) === 1,
    );
  }

  async snapshot(budgetKey: string): Promise<BudgetSnapshot> {
    checkKey('budget key', budgetKey);
    const operation = 'budgets.snapshot';
    return attempt(
      operation,
      () => this.redis.nexusSnapshot(...this.keys.budget(budgetKey)),
      (reply) => snapshot(operation, reply),
    );
  }

  async resetSpent(budgetKey: string, spent: number, periodKeyValue: string): Promise<ResetResult> {
    checkKey('budget key', budgetKey);
    checkInteger('spent', spent);
    checkPeriodKey(periodKeyValue);
    const operation = 'budgets.resetSpent';
    return attempt(
      operation,
      () => this.redis.nexusResetSpent(...this.keys.budget(budgetKey), spent, periodKeyValue, this.options.budgetIdleTtlMs),
      (reply) => {
        const [applied, ...rest] = tuple(operation, reply, 4);
        return { applied: integer(operation, applied) === 1, ...snapshot(operation, rest) };
      },
    );
  }
}

function snapshot(operation: string, reply: unknown): BudgetSnapshot {
  const [spent, reserved, period] = tuple(operation, reply, 3);
  return { spent: integer(operation, spent), reserved: integer(operation, reserved), periodKey: periodKey(operation, period) };
}
