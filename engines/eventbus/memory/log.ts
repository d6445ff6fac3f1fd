import type { BusMessage } from '../port.js';

/** A message as one partition holds it: a private copy, so a caller reusing its buffer changes nothing. */
export interface StoredMessage extends BusMessage {
  readonly offset: number;
}

/**
 * One partition: an append-only list of messages with 0-based offsets. Retention is by
 * count, as Kafka's is by size or age: beyond `retain` messages the oldest are dropped
 * (in steps, so a trim is not paid on every append) and `start` moves past them.
 */
export class PartitionLog {
  private start_ = 0;
  private messages: StoredMessage[] = [];

  constructor(private readonly retain: number) {}

  /** Offset of the oldest message still held. */
  get start(): number {
    return this.start_;
  }

  /** Offset the next appended message will get. */
  get end(): number {
    return this.start_ + this.messages.length;
  }

  append(message: BusMessage): void {
    this.messages.push({
      topic: message.topic,
      key: message.key,
      value: Buffer.from(message.value),
      headers: Object.freeze({ ...message.headers }),
      offset: this.end,
    });
    const excess = this.messages.length - this.retain;
    if (excess > Math.max(1, this.retain / 10)) {
      this.messages = this.messages.slice(excess);
      this.start_ += excess;
    }
  }

  at(offset: number): StoredMessage | undefined {
    return offset < this.start_ ? undefined : this.messages[offset - this.start_];
  }
}

/**
 * Partition of a key: FNV-1a (32-bit) over its UTF-8 bytes. Stable across processes and
 * runs, so one key always lands in one partition and its messages keep their order.
 */
export function partitionOf(key: string, partitions: number): number {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(key, 'utf8')) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % partitions;
}

export class TopicLog {
  readonly partitions: readonly PartitionLog[];

  constructor(
    readonly name: string,
    partitionCount: number,
    retain: number,
  ) {
    this.partitions = Array.from({ length: partitionCount }, () => new PartitionLog(retain));
  }

  /** Appends and returns the partition the message went to. */
  append(message: BusMessage): number {
    const partition = partitionOf(message.key, this.partitions.length);
    this.partitions[partition].append(message);
    return partition;
  }
}
