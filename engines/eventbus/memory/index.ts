import {
  BusUnavailableError,
  type BusConsumer,
  type BusMessage,
  type ConsumeOptions,
  type DeliveredMessage,
  type EventBus,
} from '../port.js';
import { reportFailure } from '../report.js';
import { ConsumerGroup, type DeliveryOutcome, type GroupMember } from './group.js';
import { TopicLog } from './log.js';

export interface MemoryEventBusOptions {
  /** Partitions of every topic (keys are hashed onto them). Default 4. */
  readonly partitions?: number;
  /**
   * Messages each partition keeps; older ones are dropped, as Kafka's retention drops them,
   * and a group that had not read them resumes at the oldest one kept. Default 100,000.
   */
  readonly retainPerPartition?: number;
}

/**
 * The embedded event bus: topics, partitions, consumer groups and committed offsets in the
 * memory of this process. It gives every guarantee of the port (see port.ts) for as long as
 * the process lives; nothing survives a restart, so after one the relay republishes from its
 * checkpoint and consumers de-duplicate, exactly as they would after a Kafka failover.
 */
export class MemoryEventBus implements EventBus {
  private readonly topics = new Map<string, TopicLog>();
  private readonly groups = new Map<string, ConsumerGroup>();
  private readonly consumers = new Set<MemoryConsumer>();
  private readonly partitions: number;
  private readonly retain: number;
  private closed = false;

  constructor(options: MemoryEventBusOptions = {}) {
    this.partitions = positiveInteger(options.partitions ?? 4, 'partitions');
    this.retain = positiveInteger(options.retainPerPartition ?? 100_000, 'retainPerPartition');
  }

  async ensureTopics(topics: readonly string[]): Promise<void> {
    this.assertOpen();
    for (const name of topics) this.topic(name);
  }

  /** Appends every message before resolving; all of a call's messages land, or (invalid input) none. */
  async publish(messages: readonly BusMessage[]): Promise<void> {
    this.assertOpen();
    for (const message of messages) {
      assertTopicName(message.topic);
      if (!Buffer.isBuffer(message.value)) throw new TypeError(`the value of a message to '${message.topic}' is not a Buffer`);
    }
    for (const message of messages) {
      const partition = this.topic(message.topic).append(message);
      for (const group of this.groups.values()) group.notify(message.topic, partition);
    }
  }

  consume(options: ConsumeOptions): BusConsumer {
    this.assertOpen();
    if (options.topics.length === 0) throw new RangeError('consume needs at least one topic');
    if (options.groupId === '') throw new RangeError('consume needs a group id');
    let group = this.groups.get(options.groupId);
    if (group === undefined) {
      group = new ConsumerGroup(options.groupId);
      this.groups.set(options.groupId, group);
    }
    const consumer = new MemoryConsumer(options, group, (ended) => this.consumers.delete(ended));
    this.consumers.add(consumer);
    group.join(consumer, options.topics.map((name) => this.topic(name)), options.fromBeginning ?? true);
    return consumer;
  }

  /** Stops every consumer (each finishes the message in hand), then refuses further use. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.consumers].map((consumer) => consumer.stop()));
    for (const group of this.groups.values()) group.close();
  }

  private topic(name: string): TopicLog {
    let topic = this.topics.get(name);
    if (topic === undefined) {
      assertTopicName(name);
      topic = new TopicLog(name, this.partitions, this.retain);
      this.topics.set(name, topic);
    }
    return topic;
  }

  private assertOpen(): void {
    if (this.closed) throw new BusUnavailableError('the in-process event bus is closed');
  }
}

/** One member of a group: runs its handler on what the group's partition loops hand it. */
class MemoryConsumer implements BusConsumer, GroupMember {
  readonly topics: ReadonlySet<string>;
  /** Joining is synchronous here: the consumer owns its partitions once consume() returned. */
  readonly ready = Promise.resolve();
  private accepting = true;
  private reported = false;
  private stopped: Promise<void> | null = null;
  private readonly inflight = new Set<Promise<DeliveryOutcome>>();

  constructor(
    private readonly options: ConsumeOptions,
    private readonly group: ConsumerGroup,
    private readonly onEnded: (consumer: MemoryConsumer) => void,
  ) {
    this.topics = new Set(options.topics);
  }

  deliver(message: DeliveredMessage, commit: () => void): Promise<DeliveryOutcome> {
    if (!this.accepting) return Promise.resolve('refused');
    const delivery = this.handle(message, commit);
    this.inflight.add(delivery);
    void delivery.then(() => this.inflight.delete(delivery));
    return delivery;
  }

  /** Leaves the group at once (no new message), then waits for the messages in hand and their commits. */
  stop(): Promise<void> {
    if (this.stopped === null) {
      this.leave();
      this.stopped = Promise.all([...this.inflight]).then(() => this.onEnded(this));
    }
    return this.stopped;
  }

  private async handle(message: DeliveredMessage, commit: () => void): Promise<DeliveryOutcome> {
    try {
      await this.options.onMessage(message);
    } catch (error) {
      this.fail(error);
      return 'failed';
    }
    // Committed even when the consumer is stopping or died on another partition: this message was handled.
    commit();
    return 'handled';
  }

  private leave(): void {
    if (!this.accepting) return;
    // Leaving before refusing: a partition loop never sees a refusing member as the owner, so it never spins.
    this.group.leave(this);
    this.accepting = false;
  }

  /** The handler rejected: the consumer dies (its partitions go to the rest of the group), reported once. */
  private fail(error: unknown): void {
    this.leave();
    if (this.reported) return;
    this.reported = true;
    reportFailure(this.options.onError, error);
  }
}

function positiveInteger(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer (got ${value})`);
  return value;
}

function assertTopicName(name: string): void {
  if (typeof name !== 'string' || name.length === 0) throw new RangeError('a topic name must be a non-empty string');
}
