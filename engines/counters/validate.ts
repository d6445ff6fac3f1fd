import type { AdmissionCheck, AdmissionEnd, KeyedRateLimit, LeaseRequest, ReservationRequest } from './port.js';

/**
 * Input checks shared by every adapter, so both refuse exactly the same inputs (with a
 * RangeError, before touching any state). Inputs come from gateway code and config, not
 * from clients: a failure here is a bug to fix, not a 4xx.
 */
const MAX_KEY_LENGTH = 512;
const MAX_ID_LENGTH = 256;
const PERIOD_KEY = /^[\x21-\x7e]{1,64}$/;

export function checkKey(what: string, key: string): void {
  if (typeof key !== 'string' || key.length === 0 || key.length > MAX_KEY_LENGTH) {
    throw new RangeError(`${what} must be a non-empty string of at most ${MAX_KEY_LENGTH} characters`);
  }
}

export function checkId(what: string, id: string): void {
  if (typeof id !== 'string' || id.length === 0 || id.length > MAX_ID_LENGTH) {
    throw new RangeError(`${what} must be a non-empty string of at most ${MAX_ID_LENGTH} characters`);
  }
}

/** A safe integer ≥ min: amounts are micro-units, durations milliseconds. */
export function checkInteger(what: string, value: number, min = 0): void {
  if (!Number.isSafeInteger(value) || value < min) throw new RangeError(`${what} must be a safe integer ≥ ${min}, got ${String(value)}`);
}

export function checkPeriodKey(periodKey: string): void {
  if (typeof periodKey !== 'string' || !PERIOD_KEY.test(periodKey)) {
    throw new RangeError('periodKey must be 1–64 printable ASCII characters (so it sorts the same everywhere)');
  }
}

export function checkRateLimit(limit: KeyedRateLimit): void {
  checkKey('rate-limit key', limit.key);
  checkInteger('limit', limit.limit);
  checkInteger('windowMs', limit.windowMs, 1);
  checkInteger('cost', limit.cost);
}

/**
 * The Redis Cluster hash tag of a key: the content of its first `{…}` when non-empty
 * (Redis's own rule), otherwise the whole key (the adapter then wraps it in braces).
 */
export function hashTag(key: string): string {
  const open = key.indexOf('{');
  if (open === -1) return key;
  const close = key.indexOf('}', open + 1);
  return close > open + 1 ? key.slice(open + 1, close) : key;
}

/** Distinct keys sharing one hash tag: the condition for one atomic step on a cluster. */
export function checkConsumeAll(limits: readonly KeyedRateLimit[]): void {
  limits.forEach(checkRateLimit);
  checkOneStep('consumeAll', [limits.map((l) => l.key)]);
}

export function checkLease(key: string, request: LeaseRequest): void {
  checkKey('concurrency key', key);
  checkInteger('limit', request.limit);
  checkId('leaseId', request.leaseId);
  checkInteger('ttlMs', request.ttlMs, 1);
}

export function checkReservation(budgetKey: string, request: ReservationRequest): void {
  checkKey('budget key', budgetKey);
  checkId('reservationId', request.reservationId);
  checkInteger('amount', request.amount);
  checkInteger('limit', request.limit);
  checkInteger('ttlMs', request.ttlMs, 1);
}

/** One admission: every part valid, keys distinct per kind, and every key of the call in one hash tag. */
export function checkAdmission(check: AdmissionCheck): void {
  checkId('holder', check.holder);
  checkInteger('leaseTtlMs', check.leaseTtlMs, 1);
  checkInteger('reservationTtlMs', check.reservationTtlMs, 1);
  check.rateLimits.forEach(checkRateLimit);
  for (const lease of check.leases) checkLease(lease.key, { limit: lease.limit, leaseId: check.holder, ttlMs: check.leaseTtlMs });
  for (const reservation of check.reservations) {
    checkReservation(reservation.budgetKey, { reservationId: check.holder, amount: reservation.amount, limit: reservation.limit, ttlMs: check.reservationTtlMs });
    checkPeriodKey(reservation.periodKey);
  }
  checkOneStep('admit', [check.rateLimits.map((l) => l.key), check.leases.map((l) => l.key), check.reservations.map((r) => r.budgetKey)]);
}

export function checkAdmissionEnd(end: AdmissionEnd): void {
  checkId('holder', end.holder);
  end.leases.forEach((key) => checkKey('concurrency key', key));
  for (const budget of end.budgets) {
    checkKey('budget key', budget.budgetKey);
    if (budget.actualAmount !== null) checkInteger('actualAmount', budget.actualAmount);
  }
  checkOneStep('conclude', [end.leases, end.budgets.map((b) => b.budgetKey)]);
}

/**
 * Keys distinct within each kind, and one hash tag over all of them (one atomic step on a
 * cluster). Runs on every request, so it loops instead of building sets (a handful of keys).
 */
function checkOneStep(operation: string, kinds: readonly (readonly string[])[]): void {
  let tag: string | undefined;
  for (const keys of kinds) {
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i] as string;
      for (let j = 0; j < i; j++) if (keys[j] === key) throw new RangeError(`${operation}: each key may appear once per kind ('${key}' twice)`);
      const keyTag = hashTag(key);
      tag ??= keyTag;
      if (keyTag !== tag) throw new RangeError(`${operation}: keys must share one hash tag; got tags ${tag}, ${keyTag}`);
    }
  }
}
