import type { AcquireResult, ConcurrencyLimits, LeaseRequest } from '../port.js';
import { checkId, checkKey, checkLease } from '../validate.js';
import { refused, type Claim } from './claim.js';

const SWEEP_EVERY = 4096;

/**
 * In-process leases: per key, lease id → expiry. Expired leases are dropped whenever the
 * key is touched (and by a periodic sweep), so a lease whose holder vanished frees its
 * slot after its ttl. Lease counts per key are small (a concurrency limit), so scans are cheap.
 */
export class MemoryConcurrency implements ConcurrencyLimits {
  private readonly leases = new Map<string, Map<string, number>>();
  private acquisitions = 0;

  constructor(private readonly clock: () => number) {}

  async acquire(key: string, request: LeaseRequest): Promise<AcquireResult> {
    checkLease(key, request);
    const claim = this.claim(key, request);
    if (claim.result.acquired) claim.take();
    return claim.result;
  }

  /** What acquire would answer now; `take` holds the lease (synchronous, for one atomic admission). */
  claim(key: string, request: LeaseRequest): Claim<AcquireResult> {
    const now = this.clock();
    if (++this.acquisitions % SWEEP_EVERY === 0) this.sweep(now);
    const live = this.live(key, now);
    if (live.has(request.leaseId) || live.size < request.limit) {
      const active = live.has(request.leaseId) ? live.size : live.size + 1;
      return {
        result: { acquired: true, active, retryAfterMs: 0 },
        take: () => {
          live.set(request.leaseId, now + request.ttlMs);
          this.leases.set(key, live);
        },
      };
    }
    let earliest = Number.POSITIVE_INFINITY;
    for (const expiresAt of live.values()) earliest = Math.min(earliest, expiresAt);
    const retryAfterMs = live.size === 0 ? null : Math.max(0, earliest - now);
    return { result: { acquired: false, active: live.size, retryAfterMs }, take: refused };
  }

  async release(key: string, leaseId: string): Promise<boolean> {
    checkKey('concurrency key', key);
    checkId('leaseId', leaseId);
    return this.releaseNow(key, leaseId);
  }

  releaseNow(key: string, leaseId: string): boolean {
    const live = this.live(key, this.clock());
    const released = live.delete(leaseId);
    if (live.size === 0) this.leases.delete(key);
    return released;
  }

  /** The key's unexpired leases (a lease expiring exactly now has expired). */
  private live(key: string, now: number): Map<string, number> {
    const live = this.leases.get(key) ?? new Map<string, number>();
    for (const [id, expiresAt] of live) if (expiresAt <= now) live.delete(id);
    return live;
  }

  private sweep(now: number): void {
    for (const key of [...this.leases.keys()]) if (this.live(key, now).size === 0) this.leases.delete(key);
  }
}
