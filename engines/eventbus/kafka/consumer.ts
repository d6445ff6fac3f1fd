import type { Admin, Consumer, EachBatchPayload, IHeaders, Kafka, KafkaMessage, RetryOptions } from 'kafkajs';
import { BusUnavailableError, type BusConsumer, type ConsumeOptions, type DeliveredMessage } from '../port.js';
import { reportFailure } from '../report.js';

export interface KafkaConsumerSettings {
  readonly kafka: Kafka;
  readonly admin: Admin;
  readonly ensureTopics: (topics: readonly string[]) => Promise<void>;
  readonly retry: RetryOptions;
  readonly sessionTimeoutMs: number;
  readonly onEnded: (consumer: KafkaBusConsumer) => void;
}

/**
 * One member of a Kafka consumer group, on kafkajs's eachBatch with manual offset resolution:
 * a message's offset is resolved, and committed at once (autoCommitThreshold 1), only after its
 * handler resolved. Committing each message before the next one starts is what makes a
 * rebalance or a stop hand the partition over exactly after the last handled message, so two
 * live members never handle the same message (kafkajs commits resolved offsets before it
 * rejoins). The price is one commit round trip per message.
 *
 * Heartbeats go out between messages, so a handler must finish within the session timeout
 * (sessionTimeoutMs): one that runs longer gets its member evicted and its partition handed to
 * another member while it still runs (at-least-once still holds; exclusivity does not).
 */
export class KafkaBusConsumer implements BusConsumer {
  readonly ready: Promise<void>;
  private readonly consumer: Consumer;
  private failed = false;
  private stopping: Promise<void> | null = null;
  private readonly settled: Promise<void>;
  private settle: () => void = () => {};

  constructor(
    private readonly options: ConsumeOptions,
    private readonly settings: KafkaConsumerSettings,
  ) {
    this.consumer = settings.kafka.consumer({
      groupId: options.groupId,
      retry: settings.retry,
      sessionTimeout: settings.sessionTimeoutMs,
      heartbeatInterval: Math.max(500, Math.floor(settings.sessionTimeoutMs / 5)),
      // Bounds how long an idle fetch parks, hence how soon a stop is noticed.
      maxWaitTimeInMs: 1000,
    });
    this.settled = new Promise<void>((resolve) => (this.settle = resolve));
    this.ready = this.start();
    // ready may be ignored by a caller that only waits for messages: its failure is reported through onError anyway.
    this.ready.catch(() => {});
  }

  /** Finishes the message in hand (it is committed), leaves the group, disconnects. Idempotent. */
  stop(): Promise<void> {
    if (this.stopping === null) {
      this.stopping = (async () => {
        // A join in progress cannot be interrupted cleanly: let it end (joined or crashed) first.
        await this.settled;
        await this.consumer.disconnect().catch(() => {});
        this.settings.onEnded(this);
      })();
    }
    return this.stopping;
  }

  private async start(): Promise<void> {
    const { GROUP_JOIN, CRASH } = this.consumer.events;
    const joined = new Promise<void>((resolve, reject) => {
      this.consumer.on(GROUP_JOIN, () => resolve());
      this.consumer.on(CRASH, ({ payload }) => {
        if (this.stopping !== null) this.settle();
        if (payload.restart) return; // kafkajs rejoins by itself after a retriable failure (broker restart)
        const error = new BusUnavailableError(`Kafka consumer of group '${this.options.groupId}' failed: ${payload.error.message}`, { cause: payload.error });
        this.fail(error);
        reject(error);
      });
    });
    try {
      await this.settings.ensureTopics(this.options.topics);
      if (this.options.fromBeginning === false) await this.startAtEnd();
      await this.consumer.connect();
      await this.consumer.subscribe({ topics: [...this.options.topics], fromBeginning: true });
      await this.consumer.run({
        autoCommit: true,
        autoCommitThreshold: 1,
        eachBatchAutoResolve: false,
        eachBatch: (payload) => this.eachBatch(payload),
      });
      await joined;
    } catch (error) {
      const failure = error instanceof BusUnavailableError ? error : new BusUnavailableError(`Kafka consumer of group '${this.options.groupId}' could not start: ${messageOf(error)}`, { cause: error });
      this.fail(failure);
      throw failure;
    } finally {
      this.settle();
    }
  }

  private async eachBatch({ batch, resolveOffset, commitOffsetsIfNecessary, heartbeat, isRunning, isStale }: EachBatchPayload): Promise<void> {
    for (const message of batch.messages) {
      if (!isRunning() || isStale() || this.failed || this.stopping !== null) return;
      try {
        await this.options.onMessage(delivered(batch.topic, batch.partition, message));
      } catch (error) {
        // Not resolved, so not committed: the group gets this message again.
        this.fail(error);
        return;
      }
      resolveOffset(message.offset);
      // Engine errors (a rebalance, a lost coordinator) propagate: kafkajs rejoins and resumes after the last commit.
      await commitOffsetsIfNecessary();
      await heartbeat();
    }
  }

  /**
   * fromBeginning false: the partitions this group never committed start at their current end,
   * committed here before joining, so "the end" is fixed once and every member of the group
   * (and every later rebalance) starts from the same place. kafkajs commits them through a
   * throwaway member that waits one idle fetch (5 s): paid once, by a new group only.
   */
  private async startAtEnd(): Promise<void> {
    const { admin } = this.settings;
    const groupId = this.options.groupId;
    for (const { topic, partitions } of await admin.fetchOffsets({ groupId, topics: [...this.options.topics] })) {
      const uncommitted = new Set(partitions.filter((p) => Number(p.offset) < 0).map((p) => p.partition));
      if (uncommitted.size === 0) continue;
      const ends = (await admin.fetchTopicOffsets(topic)).filter((p) => uncommitted.has(p.partition));
      try {
        await admin.setOffsets({ groupId, topic, partitions: ends.map(({ partition, high }) => ({ partition, offset: high })) });
      } catch (error) {
        // Refused while the group has live members: one of them already fixed its start.
        if (!(error instanceof Error && /no running instances/.test(error.message))) throw error;
      }
    }
  }

  /** The consumer dies: reported once, then stopped (without waiting here: we may be inside its batch). */
  private fail(error: unknown): void {
    if (this.failed) return;
    this.failed = true;
    reportFailure(this.options.onError, error);
    void this.stop();
  }
}

function delivered(topic: string, partition: number, message: KafkaMessage): DeliveredMessage {
  return {
    topic,
    partition,
    offset: message.offset,
    key: message.key === null ? '' : message.key.toString('utf8'),
    value: message.value ?? Buffer.alloc(0),
    headers: headersOf(message.headers),
    redelivery: 0,
  };
}

function headersOf(headers: IHeaders | undefined): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, raw] of Object.entries(headers ?? {})) {
    const value = Array.isArray(raw) ? raw[raw.length - 1] : raw;
    if (value !== undefined) result[name] = value.toString();
  }
  return result;
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
