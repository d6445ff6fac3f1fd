/**
 * Collects items during one turn of the event loop and hands them over together at its end
 * (setImmediate): one group commit for the appends of a turn, one message for the calls to a
 * thread, one wake-up of the subscriptions for the commits of a turn.
 */
export class TurnBatch<T> {
  private items: T[] = [];
  private scheduled = false;

  constructor(private readonly flush: (items: T[]) => void) {}

  add(item: T): void {
    this.items.push(item);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.send());
  }

  /** Hands over what was collected, now (close paths: before a store closes, before a close message). */
  send(): void {
    this.scheduled = false;
    if (this.items.length === 0) return;
    const items = this.items;
    this.items = [];
    this.flush(items);
  }
}
