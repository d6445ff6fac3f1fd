import type { AcquireResult, ConcurrencyLimits, LeaseRequest } from '../port.js';
import { checkId, checkKey, checkLease } from '../validate.js';
import { refused, type Claim } from './claim.js';

const SWEEP_EVERY = 4096;

/** A key's leases: lease id → expiry, and a time before which none of them expires. */
interface KeyLeases {
  readonly expiries: Map<string, number>;
  /** A lower bound of the earliest expiry (exact after a purge; a released lease may leave it early). */
  noneExpireBefore: number;
}

/**
 * In-process leases: per key, lease id → expiry. A lease whose holder vanished frees its slot
 * after its ttl: expired leases are dropped when the key is touched after the earliest expiry
 * it may hold (and by a periodic sweep). Leases outlive their requests by far (ttl minutes,
 * requests seconds), so a touch almost never scans: scanning on every touch cost a walk over
 * every request in flight under the key, twice per request (ops/bench/RESULTS.md).
 */
export class MemoryConcurrency implements ConcurrencyLimits {
  private readonly leases = new Map<string, KeyLeases>();
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
    const { expiries } = live;
    const held = expiries.has(request.leaseId);
    if (held || expiries.size < request.limit) {
      return {
        result: { acquired: true, active: held ? expiries.size : expiries.size + 1, retryAfterMs: 0 },
        take: () => {
          const expiresAt = now + request.ttlMs;
          expiries.set(request.leaseId, expiresAt);
          live.noneExpireBefore = Math.min(live.noneExpireBefore, expiresAt);
          this.leases.set(key, live);
        },
      };
    }
    let earliest = Number.POSITIVE_INFINITY;
    for (const expiresAt of expiries.values()) earliest = Math.min(earliest, expiresAt);
    const retryAfterMs = expiries.size === 0 ? null : Math.max(0, earliest - now);
    return { result: { acquired: false, active: expiries.size, retryAfterMs }, take: refused };
  }

  async release(key: string, leaseId: string): Promise<boolean> {
    checkKey('concurrency key', key);
    checkId('leaseId', leaseId);
    return this.releaseNow(key, leaseId);
  }

  releaseNow(key: string, leaseId: string): boolean {
    const live = this.live(key, this.clock());
    const released = live.expiries.delete(leaseId);
    if (live.expiries.size === 0) this.leases.delete(key);
    return released;
  }

  /** The key's unexpired leases (a lease expiring exactly now has expired); a new, unsaved record for a key without any. */
  private live(key: string, now: number): KeyLeases {
    const live = this.leases.get(key);
    if (live === undefined) return { expiries: new Map(), noneExpireBefore: Number.POSITIVE_INFINITY };
    if (now >= live.noneExpireBefore) purge(live, now);
    return live;
  }

  private sweep(now: number): void {
    for (const key of [...this.leases.keys()]) if (this.live(key, now).expiries.size === 0) this.leases.delete(key);
  }
}

function purge(live: KeyLeases, now: number): void {
  let earliest = Number.POSITIVE_INFINITY;
  live.expiries.forEach((expiresAt, id) => {
    if (expiresAt <= now) live.expiries.delete(id);
    else earliest = Math.min(earliest, expiresAt);
  });
  live.noneExpireBefore = earliest;
}
