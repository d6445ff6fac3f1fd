/**
 * Promises waiting for a checkpoint to reach a position. Tests and the API wait on these
 * instead of sleeping. Waiters can move from one worker to another (blue/green switch),
 * so a read-your-writes wait survives a rebuild.
 */
export interface PositionWaiter {
  readonly position: number;
  settled: boolean;
  resolve(): void;
  reject(error: Error): void;
}

export class PositionWaiters {
  private pending: PositionWaiter[] = [];

  /** Resolves once `resolveUpTo` reaches `position`; rejects after `timeoutMs` if given. */
  wait(position: number, current: number, timeoutMs?: number, describe?: () => string): Promise<void> {
    if (position <= current) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const waiter: PositionWaiter = {
        position,
        settled: false,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
      if (timeoutMs !== undefined) {
        timer = setTimeout(() => {
          waiter.settled = true;
          reject(new Error(`timed out after ${timeoutMs} ms waiting for position ${position}${describe ? ` (${describe()})` : ''}`));
        }, timeoutMs);
      }
      this.pending.push(waiter);
    });
  }

  resolveUpTo(position: number): void {
    if (this.pending.length === 0) return;
    const still: PositionWaiter[] = [];
    for (const waiter of this.pending) {
      if (waiter.settled) continue;
      if (waiter.position <= position) {
        waiter.settled = true;
        waiter.resolve();
      } else still.push(waiter);
    }
    this.pending = still;
  }

  /** Removes and returns the pending waiters (to hand them to another worker). */
  take(): PositionWaiter[] {
    const taken = this.pending.filter((w) => !w.settled);
    this.pending = [];
    return taken;
  }

  adopt(waiters: readonly PositionWaiter[], current: number): void {
    this.pending.push(...waiters);
    this.resolveUpTo(current);
  }

  rejectAll(error: Error): void {
    for (const waiter of this.take()) {
      waiter.settled = true;
      waiter.reject(error);
    }
  }
}
