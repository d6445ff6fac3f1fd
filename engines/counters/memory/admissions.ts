import type { AdmissionCheck, AdmissionEnd, AdmissionResult, Admissions, SettleResult } from '../port.js';
import { checkAdmission, checkAdmissionEnd } from '../validate.js';
import type { MemoryBudgets } from './budgets.js';
import type { Claim } from './claim.js';
import type { MemoryConcurrency } from './concurrency.js';
import type { MemoryRateLimits } from './rate-limits.js';

/**
 * In-process admissions: every claim is checked, then all are taken, in one synchronous
 * step, so no other call of this process sees a request half admitted.
 */
export class MemoryAdmissions implements Admissions {
  constructor(
    private readonly rateLimits: MemoryRateLimits,
    private readonly concurrency: MemoryConcurrency,
    private readonly budgets: MemoryBudgets,
  ) {}

  async admit(check: AdmissionCheck): Promise<AdmissionResult> {
    checkAdmission(check);
    const claims: Claim<unknown>[] = [];
    if (check.rateLimits.length > 0) {
      const rates = this.rateLimits.claim(check.rateLimits);
      if (!rates.result.allowed) return { admitted: false, refusal: { kind: 'rate_limits', result: rates.result } };
      claims.push(rates);
    }
    for (const [index, lease] of check.leases.entries()) {
      const claim = this.concurrency.claim(lease.key, { limit: lease.limit, leaseId: check.holder, ttlMs: check.leaseTtlMs });
      if (!claim.result.acquired) return { admitted: false, refusal: { kind: 'concurrency', index, result: claim.result } };
      claims.push(claim);
    }
    for (const [index, reservation] of check.reservations.entries()) {
      const { budgetKey, amount, limit, periodKey } = reservation;
      const claim = this.budgets.claim(budgetKey, { reservationId: check.holder, amount, limit, ttlMs: check.reservationTtlMs });
      const stored = claim.result.periodKey;
      // Printable ASCII: JavaScript's comparison is the byte order the Lua script uses.
      if (stored === null || stored < periodKey) return { admitted: false, refusal: { kind: 'stale_period', index, periodKey: stored } };
      if (!claim.result.ok) return { admitted: false, refusal: { kind: 'budget', index, available: claim.result.available } };
      claims.push(claim);
    }
    for (const claim of claims) claim.take();
    return { admitted: true };
  }

  async conclude(end: AdmissionEnd): Promise<readonly (SettleResult | null)[]> {
    checkAdmissionEnd(end);
    for (const key of end.leases) this.concurrency.releaseNow(key, end.holder);
    return end.budgets.map(({ budgetKey, actualAmount }) => {
      if (actualAmount !== null) return this.budgets.settleNow(budgetKey, end.holder, actualAmount);
      this.budgets.releaseNow(budgetKey, end.holder);
      return null;
    });
  }
}
