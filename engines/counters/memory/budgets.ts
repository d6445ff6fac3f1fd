import type { BudgetReservations, BudgetSnapshot, ReservationRequest, ReserveResult, ResetResult, SettleResult } from '../port.js';
import { checkId, checkInteger, checkKey, checkPeriodKey, checkReservation } from '../validate.js';
import { refused, type Claim } from './claim.js';
import { ExpiryQueue } from './expiry-queue.js';

interface Budget {
  spent: number;
  /** Sum of the amounts in `reservations`, kept in step with it. */
  reserved: number;
  periodKey: string | null;
  readonly reservations: Map<string, { readonly amount: number; readonly expiresAt: number }>;
  readonly expiries: ExpiryQueue;
  /** Settled ids → when to forget them. Retention is constant, so insertion order is expiry order. */
  readonly settled: Map<string, number>;
  touchedAt: number;
}

export interface MemoryBudgetOptions {
  readonly settledRetentionMs: number;
  readonly budgetIdleTtlMs: number;
}

const SWEEP_EVERY = 4096;

/**
 * In-process budget reservations. Each method runs synchronously between awaits, so
 * check-and-reserve is atomic: concurrent reserves can never together exceed the limit.
 */
export class MemoryBudgets implements BudgetReservations {
  private readonly budgets = new Map<string, Budget>();
  private writes = 0;

  constructor(
    private readonly clock: () => number,
    private readonly options: MemoryBudgetOptions,
  ) {}

  async reserve(budgetKey: string, request: ReservationRequest): Promise<ReserveResult> {
    checkReservation(budgetKey, request);
    const claim = this.claim(budgetKey, request);
    if (claim.result.ok) claim.take();
    return claim.result;
  }

  /**
   * What reserve would answer now (`available` as after the reservation); `take` holds it.
   * Synchronous, for one atomic admission.
   */
  claim(budgetKey: string, request: ReservationRequest): Claim<ReserveResult> {
    const now = this.clock();
    const budget = this.load(budgetKey, now);
    const { reservationId, amount, limit } = request;
    const periodKey = budget.periodKey;
    const free = limit - budget.spent - budget.reserved;
    // A retried reserve already holds its amount.
    if (budget.reservations.has(reservationId)) return { result: { ok: true, available: Math.max(0, free), periodKey }, take: () => undefined };
    if (amount > free) return { result: { ok: false, available: Math.max(0, free), periodKey }, take: refused };
    return {
      result: { ok: true, available: free - amount, periodKey },
      take: () => {
        budget.reservations.set(reservationId, { amount, expiresAt: now + request.ttlMs });
        budget.expiries.push(reservationId, now + request.ttlMs);
        budget.reserved += amount;
        this.save(budgetKey, budget, now);
      },
    };
  }

  async settle(budgetKey: string, reservationId: string, actualAmount: number): Promise<SettleResult> {
    checkKey('budget key', budgetKey);
    checkId('reservationId', reservationId);
    checkInteger('actualAmount', actualAmount);
    return this.settleNow(budgetKey, reservationId, actualAmount);
  }

  settleNow(budgetKey: string, reservationId: string, actualAmount: number): SettleResult {
    const now = this.clock();
    const budget = this.load(budgetKey, now);
    if (budget.settled.has(reservationId)) return { outcome: 'already_settled', ...snapshotOf(budget) };
    const outcome = this.free(budget, reservationId) ? 'settled' : 'unreserved';
    budget.spent += actualAmount;
    budget.settled.set(reservationId, now + this.options.settledRetentionMs);
    this.save(budgetKey, budget, now);
    return { outcome, ...snapshotOf(budget) };
  }

  async release(budgetKey: string, reservationId: string): Promise<boolean> {
    checkKey('budget key', budgetKey);
    checkId('reservationId', reservationId);
    return this.releaseNow(budgetKey, reservationId);
  }

  releaseNow(budgetKey: string, reservationId: string): boolean {
    const now = this.clock();
    const budget = this.load(budgetKey, now);
    const released = this.free(budget, reservationId);
    if (released) this.save(budgetKey, budget, now);
    return released;
  }

  async snapshot(budgetKey: string): Promise<BudgetSnapshot> {
    checkKey('budget key', budgetKey);
    return snapshotOf(this.load(budgetKey, this.clock()));
  }

  async resetSpent(budgetKey: string, spent: number, periodKey: string): Promise<ResetResult> {
    checkKey('budget key', budgetKey);
    checkInteger('spent', spent);
    checkPeriodKey(periodKey);
    const now = this.clock();
    const budget = this.load(budgetKey, now);
    // Printable ASCII: JavaScript's comparison is the byte order the Lua script uses.
    const applied = budget.periodKey === null || periodKey > budget.periodKey;
    if (applied) {
      budget.spent = spent;
      budget.periodKey = periodKey;
      this.save(budgetKey, budget, now);
    }
    return { applied, ...snapshotOf(budget) };
  }

  private free(budget: Budget, reservationId: string): boolean {
    const reservation = budget.reservations.get(reservationId);
    if (reservation === undefined) return false;
    budget.reservations.delete(reservationId);
    budget.reserved -= reservation.amount;
    return true;
  }

  /** The budget with expired reservations and settled markers reclaimed; a fresh one if absent or idle too long. */
  private load(budgetKey: string, now: number): Budget {
    let budget = this.budgets.get(budgetKey);
    if (budget !== undefined && budget.touchedAt + this.options.budgetIdleTtlMs <= now) {
      this.budgets.delete(budgetKey);
      budget = undefined;
    }
    if (budget === undefined) return freshBudget(now);
    reclaim(budget, now);
    return budget;
  }

  private save(budgetKey: string, budget: Budget, now: number): void {
    budget.touchedAt = now;
    this.budgets.set(budgetKey, budget);
    if (++this.writes % SWEEP_EVERY === 0) {
      for (const [key, idle] of this.budgets) if (idle.touchedAt + this.options.budgetIdleTtlMs <= now) this.budgets.delete(key);
    }
  }
}

function freshBudget(now: number): Budget {
  return { spent: 0, reserved: 0, periodKey: null, reservations: new Map(), expiries: new ExpiryQueue(), settled: new Map(), touchedAt: now };
}

/** Expired reservations stop counting; the heap is rebuilt when settled ones dominate it. */
function reclaim(budget: Budget, now: number): void {
  for (const { id, at } of budget.expiries.popDue(now)) {
    const reservation = budget.reservations.get(id);
    if (reservation === undefined || reservation.expiresAt !== at) continue;
    budget.reservations.delete(id);
    budget.reserved -= reservation.amount;
  }
  if (budget.expiries.size > 2 * budget.reservations.size + 1024) {
    budget.expiries.compact([...budget.reservations].map(([id, r]) => [id, r.expiresAt]));
  }
  for (const [id, forgetAt] of budget.settled) {
    if (forgetAt > now) break;
    budget.settled.delete(id);
  }
}

function snapshotOf(budget: Budget): BudgetSnapshot {
  return { spent: budget.spent, reserved: budget.reserved, periodKey: budget.periodKey };
}
