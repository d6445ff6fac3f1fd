/**
 * Collects items during one turn of the event loop and hands them over together at its end
 * (setImmediate): one group commit for the appends of a turn, one message for the calls to a
 * thread, one wake-up of the subscriptions for the commits of a turn.
 *
 * With `holdMs`, at most one batch goes per `holdMs` (commit notices of the usage events): an
 * item that comes after a quiet `holdMs` still goes at the end of its turn, so at low rates
 * nothing waits and no timer wakes the thread once more per item; under load, items wait for
 * the rest of the window and travel together. That timer never keeps the process alive: the
 * owner sends what is left when it closes.
 */
export class TurnBatch<T> {
  private items: T[] = [];
  private scheduled = false;
  private timer: NodeJS.Timeout | null = null;
  private lastSentAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly flush: (items: T[]) => void,
    private readonly options: { readonly holdMs?: number } = {},
  ) {}

  add(item: T): void {
    this.items.push(item);
    if (this.scheduled) return;
    this.scheduled = true;
    const waitMs = this.options.holdMs === undefined ? 0 : this.lastSentAt + this.options.holdMs - performance.now();
    if (waitMs <= 0) {
      setImmediate(() => this.send());
      return;
    }
    this.timer = setTimeout(() => this.send(), waitMs);
    this.timer.unref();
  }

  /** Hands over what was collected, now (close paths: before a store closes, before a close message). */
  send(): void {
    this.scheduled = false;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    if (this.items.length === 0) return;
    const items = this.items;
    this.items = [];
    // Only a held batch needs the time: the per-turn ones (group commits, thread calls) skip the clock.
    if (this.options.holdMs !== undefined) this.lastSentAt = performance.now();
    this.flush(items);
  }
}
