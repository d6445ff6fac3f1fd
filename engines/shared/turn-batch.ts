/**
 * Collects items during one turn of the event loop and hands them over together at its end
 * (setImmediate): one group commit for the appends of a turn, one message for the calls to a
 * thread, one wake-up of the subscriptions for the commits of a turn.
 *
 * With `holdMs`, a batch goes that long after its first item instead, gathering several turns
 * (commit notices of the usage events). That timer never keeps the process alive: the owner
 * sends what is left when it closes.
 */
export class TurnBatch<T> {
  private items: T[] = [];
  private scheduled = false;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly flush: (items: T[]) => void,
    private readonly options: { readonly holdMs?: number } = {},
  ) {}

  add(item: T): void {
    this.items.push(item);
    if (this.scheduled) return;
    this.scheduled = true;
    if (this.options.holdMs === undefined) {
      setImmediate(() => this.send());
      return;
    }
    this.timer = setTimeout(() => this.send(), this.options.holdMs);
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
    this.flush(items);
  }
}
