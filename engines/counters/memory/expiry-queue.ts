/**
 * A min-heap of (expiresAt, id) for lazy expiry. Entries are never removed early: the owner
 * checks each popped entry against its own map (the id may have been settled, released or
 * renewed since). `compact` rebuilds the heap from the live entries when stale ones pile up,
 * so memory stays proportional to what is live.
 */
interface Entry {
  readonly at: number;
  readonly id: string;
}

export class ExpiryQueue {
  private heap: Entry[] = [];

  get size(): number {
    return this.heap.length;
  }

  push(id: string, at: number): void {
    this.heap.push({ id, at });
    this.up(this.heap.length - 1);
  }

  /** Removes and returns every entry due at or before `now`, earliest first. */
  popDue(now: number): Entry[] {
    const due: Entry[] = [];
    while (this.heap.length > 0 && (this.heap[0] as Entry).at <= now) due.push(this.pop());
    return due;
  }

  compact(live: Iterable<[string, number]>): void {
    this.heap = [];
    for (const [id, at] of live) this.push(id, at);
  }

  private pop(): Entry {
    const top = this.heap[0] as Entry;
    const last = this.heap.pop() as Entry;
    if (this.heap.length > 0) {
      this.heap[0] = last;
      this.down(0);
    }
    return top;
  }

  private up(index: number): void {
    let child = index;
    while (child > 0) {
      const parent = (child - 1) >> 1;
      if (this.at(parent) <= this.at(child)) return;
      this.swap(parent, child);
      child = parent;
    }
  }

  private down(index: number): void {
    let parent = index;
    for (;;) {
      const left = 2 * parent + 1;
      const right = left + 1;
      let smallest = parent;
      if (left < this.heap.length && this.at(left) < this.at(smallest)) smallest = left;
      if (right < this.heap.length && this.at(right) < this.at(smallest)) smallest = right;
      if (smallest === parent) return;
      this.swap(parent, smallest);
      parent = smallest;
    }
  }

  private at(index: number): number {
    return (this.heap[index] as Entry).at;
  }

  private swap(a: number, b: number): void {
    [this.heap[a], this.heap[b]] = [this.heap[b] as Entry, this.heap[a] as Entry];
  }
}
