import type { DeliveredMessage } from '../port.js';
import type { PartitionLog, TopicLog } from './log.js';

/** What became of one delivery: committed, rejected by the handler, or not taken (the member is leaving). */
export type DeliveryOutcome = 'handled' | 'failed' | 'refused';

export interface GroupMember {
  readonly topics: ReadonlySet<string>;
  /**
   * Runs the handler on the message; calls `commit` synchronously as soon as the handler
   * resolved, before the returned promise settles, so a member's stop() that waits for its
   * deliveries never resolves ahead of their commits.
   */
  deliver(message: DeliveredMessage, commit: () => void): Promise<DeliveryOutcome>;
}

/** Deliveries in a row before a loop yields to the event loop. */
const YIELD_EVERY = 256;

const slot = (topic: string, partition: number): string => `${partition}\u0000${topic}`;

/**
 * A consumer group of the in-process bus. Each partition of each subscribed topic is read by
 * ONE loop per group, which hands message after message to whichever member currently owns
 * the partition. So a rebalance can never hand one message to two members at once, and the
 * next message of a partition always waits for the previous one: both guarantees hold by
 * construction, not by coordination. Committed offsets live as long as the bus.
 */
export class ConsumerGroup {
  private readonly committed = new Map<string, number>();
  private readonly loops = new Map<string, PartitionLoop>();
  private members: GroupMember[] = [];

  constructor(readonly id: string) {}

  /** `fromBeginning` decides where a partition this group never read starts: its oldest or its next message. */
  join(member: GroupMember, topics: readonly TopicLog[], fromBeginning: boolean): void {
    for (const topic of topics) {
      topic.partitions.forEach((log, partition) => {
        const key = slot(topic.name, partition);
        if (!this.committed.has(key)) this.committed.set(key, fromBeginning ? log.start : log.end);
        if (!this.loops.has(key)) this.loops.set(key, new PartitionLoop(this, topic.name, partition, log));
      });
    }
    this.members.push(member);
    this.rebalance();
  }

  leave(member: GroupMember): void {
    const before = this.members.length;
    this.members = this.members.filter((candidate) => candidate !== member);
    if (this.members.length !== before) this.rebalance();
  }

  /** A message was appended to this partition. */
  notify(topic: string, partition: number): void {
    this.loops.get(slot(topic, partition))?.nudge();
  }

  /** Next offset to deliver: after the last committed one, and never before what the log still holds. */
  nextOffset(topic: string, partition: number, log: PartitionLog): number {
    return Math.max(this.committed.get(slot(topic, partition)) ?? log.start, log.start);
  }

  commit(topic: string, partition: number, nextOffset: number): void {
    this.committed.set(slot(topic, partition), nextOffset);
  }

  ownerOf(loop: PartitionLoop): GroupMember | undefined {
    const subscribed = this.members.filter((member) => member.topics.has(loop.topic));
    return subscribed.length === 0 ? undefined : subscribed[loop.partition % subscribed.length];
  }

  close(): void {
    for (const loop of this.loops.values()) loop.stop();
  }

  private rebalance(): void {
    for (const loop of this.loops.values()) loop.nudge();
  }
}

/** Delivers one partition to its current owner, in offset order, one message at a time. */
class PartitionLoop {
  private stopped = false;
  private nudged = false;
  private wake: (() => void) | null = null;
  /** Offset → how many times the handler was handed it and did not resolve. */
  private readonly failures = new Map<number, number>();

  constructor(
    private readonly group: ConsumerGroup,
    readonly topic: string,
    readonly partition: number,
    private readonly log: PartitionLog,
  ) {
    void this.run();
  }

  nudge(): void {
    this.nudged = true;
    this.wake?.();
  }

  stop(): void {
    this.stopped = true;
    this.wake?.();
  }

  private async run(): Promise<void> {
    let streak = 0;
    while (!this.stopped) {
      // A handler that resolves at once would otherwise keep the loop in microtasks: let I/O and timers in.
      if (++streak % YIELD_EVERY === 0) await new Promise((resolve) => setImmediate(resolve));
      this.nudged = false;
      const owner = this.group.ownerOf(this);
      const offset = this.group.nextOffset(this.topic, this.partition, this.log);
      const stored = owner === undefined ? undefined : this.log.at(offset);
      if (owner === undefined || stored === undefined) {
        await this.waitForNudge();
        continue;
      }
      const redelivery = this.failures.get(offset) ?? 0;
      const message: DeliveredMessage = { ...stored, partition: this.partition, offset: String(offset), redelivery };
      const outcome = await owner.deliver(message, () => this.group.commit(this.topic, this.partition, offset + 1));
      if (outcome === 'handled') this.failures.delete(offset);
      if (outcome === 'failed') this.failures.set(offset, redelivery + 1);
    }
  }

  private waitForNudge(): Promise<void> {
    if (this.nudged || this.stopped) return Promise.resolve();
    return new Promise<void>((resolve) => {
      this.wake = () => {
        this.wake = null;
        resolve();
      };
    });
  }
}
