import { CompressionTypes, Kafka, Partitioners, type Admin, type ICustomPartitioner, type Producer, type RetryOptions, type TopicMessages } from 'kafkajs';
import { BusUnavailableError, type BusConsumer, type BusMessage, type ConsumeOptions, type EventBus } from '../port.js';
import { chunkByBytes } from '../message-size.js';
import { KafkaBusConsumer, messageOf } from './consumer.js';
import type { BusLog } from '../log.js';
import { kafkaLogging } from './logging.js';

export interface KafkaEventBusOptions {
  /** host:port of one or more brokers (bootstrap servers). */
  readonly brokers: readonly string[];
  readonly clientId?: string;
  /** Partitions of the topics this bus creates. Default 4. */
  readonly partitions?: number;
  /** Replicas of the topics this bus creates; default: the broker's default.replication.factor. */
  readonly replicationFactor?: number;
  /** The whole start-up (connect and producer id) must succeed within this. Default 10 s. */
  readonly connectTimeoutMs?: number;
  /**
   * How long kafkajs keeps retrying one publish before it rejects (BusUnavailableError) and
   * the caller's own retry takes over. Default 5 s. A publish not acknowledged within
   * max(2 × publishRetryMs, 10 s) rejects as well: against a stopped broker kafkajs's producer
   * retries stack its metadata refreshes and connection attempts into 40 s or more.
   */
  readonly publishRetryMs?: number;
  /**
   * Largest request a publish sends: a call with more is sent as several requests, in order.
   * Keep it under the broker's message.max.bytes (1 MiB by default). Default 900,000.
   */
  readonly maxRequestBytes?: number;
  /** Consumer session timeout: how long a dead member keeps its partitions. Default 10 s. */
  readonly sessionTimeoutMs?: number;
  /** Where kafkajs's own log goes (a pino logger fits); silent when absent. */
  readonly log?: BusLog;
}

/**
 * The production event bus on Kafka (kafkajs). See port.ts for the guarantees; how they are met:
 * - publish: one idempotent producer (acks from all in-sync replicas, at most 5 requests in
 *   flight; kafkajs serialises idempotent requests per broker) sends each call as one
 *   sendBatch, uncompressed, keyed by message key (murmur2, as the Java client: one key, one
 *   partition). Its retries are bounded (publishRetryMs), and each request is given a deadline
 *   (publishDeadlineMs), so a dead broker surfaces as BusUnavailableError within seconds
 *   instead of a promise that settles late or never; a caller that publishes the
 *   same messages again gets duplicates only if the first attempt landed after all, which
 *   consumers absorb by de-duplicating on the event id;
 * - topics: created through the admin client with `partitions` partitions before first use
 *   (ensureTopics, and on the first publish or consume of a topic); one the broker auto-created
 *   first, or that exists already, is accepted as it is;
 * - consume: see KafkaBusConsumer (commit after each handled message).
 */
export class KafkaEventBus implements EventBus {
  private readonly consumers = new Set<KafkaBusConsumer>();
  /** Topics known to exist: ensureTopics asks the broker once per topic per process. */
  private readonly knownTopics = new Set<string>();
  private closed = false;

  private constructor(
    private readonly kafka: Kafka,
    private readonly admin: Admin,
    private readonly producer: Producer,
    private readonly settings: {
      readonly partitions: number;
      readonly replicationFactor?: number;
      readonly retry: RetryOptions;
      readonly sessionTimeoutMs: number;
      readonly maxRequestBytes: number;
      /** A sendBatch not acknowledged by then rejects (it may still land: consumers de-duplicate). */
      readonly publishDeadlineMs: number;
    },
  ) {}

  /** Connects the admin client and the producer; rejects with BusUnavailableError within connectTimeoutMs when no broker answers. */
  static async connect(options: KafkaEventBusOptions): Promise<KafkaEventBus> {
    if (options.brokers.length === 0) throw new RangeError('KafkaEventBus.connect needs at least one broker');
    const connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
    // Retries of metadata, joins and commits: patient enough for a broker restart, bounded so failures surface.
    const retry: RetryOptions = { initialRetryTime: 200, maxRetryTime: 5_000, retries: 8 };
    const kafka = new Kafka({
      clientId: options.clientId ?? 'nexus',
      brokers: [...options.brokers],
      connectionTimeout: Math.min(3_000, connectTimeoutMs),
      retry,
      ...kafkaLogging(options.log),
    });
    const publishRetryMs = options.publishRetryMs ?? 5_000;
    const producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 5,
      createPartitioner: cachedPartitioner,
      retry: { initialRetryTime: 100, maxRetryTime: Math.max(200, publishRetryMs / 3), retries: 4 },
    });
    const admin = kafka.admin({ retry: { initialRetryTime: 200, maxRetryTime: 2_000, retries: 3 } });
    const brokers = options.brokers.join(',');
    try {
      await withDeadline(Promise.all([admin.connect(), producer.connect()]), connectTimeoutMs, `no Kafka broker answered at ${brokers} within ${connectTimeoutMs} ms`);
    } catch (error) {
      await Promise.allSettled([admin.disconnect(), producer.disconnect()]);
      throw new BusUnavailableError(`cannot connect to Kafka at ${brokers}: ${messageOf(error)}`, { cause: error });
    }
    return new KafkaEventBus(kafka, admin, producer, {
      partitions: options.partitions ?? 4,
      replicationFactor: options.replicationFactor,
      retry,
      sessionTimeoutMs: options.sessionTimeoutMs ?? 10_000,
      maxRequestBytes: options.maxRequestBytes ?? 900_000,
      publishDeadlineMs: Math.max(2 * publishRetryMs, 10_000),
    });
  }

  async ensureTopics(topics: readonly string[]): Promise<void> {
    this.assertOpen();
    const missing = [...new Set(topics)].filter((topic) => !this.knownTopics.has(topic));
    if (missing.length === 0) return;
    const { partitions, replicationFactor } = this.settings;
    try {
      // Resolves false when they all exist (created earlier, or auto-created by the broker): fine either way.
      await this.admin.createTopics({ topics: missing.map((topic) => ({ topic, numPartitions: partitions, replicationFactor })), waitForLeaders: true });
    } catch (error) {
      throw new BusUnavailableError(`Kafka could not create the topics ${missing.join(', ')}: ${messageOf(error)}`, { cause: error });
    }
    for (const topic of missing) this.knownTopics.add(topic);
  }

  /**
   * Sends the messages in requests of at most maxRequestBytes, one after another, so each key
   * keeps its order. Not atomic across requests: when a later request fails, earlier ones have
   * landed, and publishing the whole call again duplicates them (consumers de-duplicate).
   */
  async publish(messages: readonly BusMessage[]): Promise<void> {
    this.assertOpen();
    if (messages.length === 0) return;
    for (const message of messages) {
      if (!Buffer.isBuffer(message.value)) throw new TypeError(`the value of a message to '${message.topic}' is not a Buffer`);
    }
    await this.ensureTopics([...new Set(messages.map((message) => message.topic))]);
    for (const chunk of chunkByBytes(messages, this.settings.maxRequestBytes)) {
      try {
        const sent = this.producer.sendBatch({ topicMessages: byTopic(chunk), acks: -1, compression: CompressionTypes.None });
        await withDeadline(sent, this.settings.publishDeadlineMs, `no acknowledgement within ${this.settings.publishDeadlineMs} ms`);
      } catch (error) {
        throw new BusUnavailableError(`Kafka did not accept ${chunk.length} of ${messages.length} message(s): ${messageOf(error)}`, { cause: error });
      }
    }
  }

  consume(options: ConsumeOptions): BusConsumer {
    this.assertOpen();
    if (options.topics.length === 0) throw new RangeError('consume needs at least one topic');
    const consumer = new KafkaBusConsumer(options, {
      kafka: this.kafka,
      admin: this.admin,
      ensureTopics: (topics) => this.ensureTopics(topics),
      retry: this.settings.retry,
      sessionTimeoutMs: this.settings.sessionTimeoutMs,
      onEnded: (ended) => this.consumers.delete(ended),
    });
    this.consumers.add(consumer);
    return consumer;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.consumers].map((consumer) => consumer.stop()));
    await Promise.allSettled([this.producer.disconnect(), this.admin.disconnect()]);
  }

  private assertOpen(): void {
    if (this.closed) throw new BusUnavailableError('the Kafka event bus is closed');
  }
}

/**
 * kafkajs's default partitioner (murmur2 of the key, as the Java client), remembered per
 * topic, partition count and key: a relayed batch holds many events of each stream, and the
 * hash plus the per-message metadata filtering of the default are a visible share of a
 * publish. The partition count is part of the key, so adding partitions is seen at once.
 */
const cachedPartitioner: ICustomPartitioner = () => {
  const partitioner = Partitioners.DefaultPartitioner();
  const known = new Map<string, number>();
  return (args) => {
    const { key } = args.message;
    if (typeof key !== 'string') return partitioner(args);
    const id = `${args.partitionMetadata.length}\u0000${args.topic}\u0000${key}`;
    let partition = known.get(id);
    if (partition === undefined) {
      partition = partitioner(args);
      if (known.size >= 100_000) known.clear();
      known.set(id, partition);
    }
    return partition;
  };
};

function byTopic(messages: readonly BusMessage[]): TopicMessages[] {
  const topics = new Map<string, TopicMessages>();
  for (const message of messages) {
    let entry = topics.get(message.topic);
    if (entry === undefined) {
      entry = { topic: message.topic, messages: [] };
      topics.set(message.topic, entry);
    }
    // kafkajs only reads the messages (key, value, headers; `topic` it ignores): no copy per message.
    entry.messages.push(message);
  }
  return [...topics.values()];
}

async function withDeadline<T>(work: Promise<T>, ms: number, message: string): Promise<T> {
  // The work may still fail after the deadline won: that late rejection is expected, not unhandled.
  work.catch(() => {});
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
