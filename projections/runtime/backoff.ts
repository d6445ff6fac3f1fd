import { isReadModelStoreUnavailable } from '../../engines/readmodel/mongodb/unavailable.js';

export interface BackoffPolicy {
  /** Delay before the first retry. */
  readonly initialMs: number;
  /** The delay doubles per consecutive failure up to this cap, so a long outage costs one probe per cap. */
  readonly maxMs: number;
  /** [0, 1); injectable so tests can pin the jitter. */
  readonly random?: () => number;
}

/**
 * Delay before retry number `failures` (1 = after the first failure): initial·2^(n−1), capped,
 * then drawn from its upper half. The jitter matters when the store comes back: every
 * projection of every gateway process would otherwise probe it in the same millisecond.
 */
export function backoffDelay(policy: BackoffPolicy, failures: number): number {
  const ceiling = Math.min(policy.maxMs, policy.initialMs * 2 ** Math.min(Math.max(failures - 1, 0), 30));
  const random = policy.random ?? Math.random;
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/**
 * Errors of a store that is down or unreachable: the operation will succeed unchanged once it
 * is back, so the runtime waits and retries. Every other error is either the projection's
 * (dead-lettered per event) or a refusal by the store (the subscription restarts from its
 * checkpoint, with the same backoff).
 */
export const isStoreUnavailable = (error: unknown): boolean => isReadModelStoreUnavailable(error);

/**
 * A sleep that can be cut short, so stop() never waits out a long backoff. Its timer keeps the
 * process alive: a paused projection is work in progress (nothing else may be pending while it
 * waits for its store), and stop() ends the sleep.
 */
export class InterruptibleSleep {
  private readonly pending = new Set<() => void>();

  sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.pending.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.pending.add(wake);
    });
  }

  /** Ends every sleep in progress now. */
  interrupt(): void {
    for (const wake of [...this.pending]) wake();
  }
}

/** Consecutive failures of one worker: how many, since when, and the last error (null once it recovered). */
export class FailureStreak {
  private count = 0;
  private sinceValue: Date | null = null;
  private last: Error | null = null;

  constructor(
    private readonly policy: BackoffPolicy,
    private readonly now: () => Date,
  ) {}

  get failures(): number {
    return this.count;
  }
  get since(): Date | null {
    return this.sinceValue;
  }
  get lastError(): Error | null {
    return this.last;
  }

  /** Records a failure; returns the delay before the next attempt. */
  record(error: unknown): number {
    this.count += 1;
    this.sinceValue ??= this.now();
    this.last = error instanceof Error ? error : new Error(String(error));
    return backoffDelay(this.policy, this.count);
  }

  reset(): void {
    this.count = 0;
    this.sinceValue = null;
    this.last = null;
  }
}
