import type { RecordedEvent } from '../eventstore/port.js';
import { fromBusMessage } from './event-message.js';
import { EVENT_HEADERS, type BusConsumer, type BusMessage, type DeliveredMessage, type EventBus } from './port.js';
import type { ProcessedEvents } from './processed-events.js';

/**
 * The runtime every consumer-group worker runs on: decode a relayed event (Avro, by the
 * writer schema's fingerprint), skip it if this worker already handled it, run the handler
 * with retries, and when the handler cannot succeed, park the message on the group's
 * dead-letter topic and go on.
 *
 * Guarantees:
 * - order: within a partition (one event-store stream per key), the next message waits until
 *   the previous one was handled or dead-lettered;
 * - effect at most once per event id per worker, as far as `processed` remembers, and at
 *   least once overall: an id is recorded only after the handler succeeded (or the message
 *   was dead-lettered), and the bus commits only after that;
 * - a failing handler is retried up to `maxAttempts` times in all, waiting a capped
 *   exponential backoff with full jitter (or what the handler asked for via RetryLater,
 *   within the cap); a PermanentFailure is not retried;
 * - nothing is lost: a message is committed only once handled or dead-lettered (its original
 *   bytes and headers, plus why and after how many attempts, see DLQ_HEADERS); if even the
 *   dead-letter topic refuses it, the consumer dies uncommitted and is restarted;
 * - `stop()` lets the attempt in hand finish; a message still waiting for a retry is left
 *   uncommitted (the group gets it again), no new message is taken.
 */
export type EventDecoder = (message: BusMessage) => RecordedEvent;

export interface ReceivedEvent {
  /** The stored event as relayed: data as written (schemaVersion in metadata; upcast before use), metadata, position. */
  readonly event: RecordedEvent;
  readonly message: DeliveredMessage;
}

export interface HandlerContext {
  /** 1 for the first attempt at this message in this process. */
  readonly attempt: number;
}

export type EventHandler = (event: ReceivedEvent, context: HandlerContext) => Promise<void>;

/** Retrying cannot help (the receiver refused the call for good): dead-letter at once. */
export class PermanentFailure extends Error {
  readonly kind = 'permanent_failure';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PermanentFailure';
  }
}

/** A transient failure whose source said when to come back (Retry-After); honoured within the backoff cap. */
export class RetryLater extends Error {
  readonly kind = 'retry_later';
  constructor(message: string, readonly retryAfterMs: number | null, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RetryLater';
  }
}

/** Headers a dead-lettered message carries besides its original ones. */
export const DLQ_HEADERS = {
  reason: 'nexus-dlq-reason',
  error: 'nexus-dlq-error',
  attempts: 'nexus-dlq-attempts',
  worker: 'nexus-dlq-worker',
  sourceTopic: 'nexus-dlq-source-topic',
  sourcePartition: 'nexus-dlq-source-partition',
  sourceOffset: 'nexus-dlq-source-offset',
  failedAt: 'nexus-dlq-failed-at',
} as const;

export type DeadLetterReason = 'undecodable' | 'permanent_failure' | 'retries_exhausted';

export const deadLetterTopic = (topic: string, groupId: string): string => `${topic}.dlq.${groupId}`;

export type SubscriberOutcome =
  | { readonly kind: 'handled'; readonly eventId: string; readonly eventType: string; readonly attempts: number }
  | { readonly kind: 'duplicate'; readonly eventId: string }
  | { readonly kind: 'retrying'; readonly eventId: string; readonly attempt: number; readonly waitMs: number; readonly error: string }
  | { readonly kind: 'dead_lettered'; readonly eventId: string | null; readonly reason: DeadLetterReason; readonly attempts: number; readonly error: string }
  | { readonly kind: 'consumer_failed'; readonly error: string };

export interface RetryOptions {
  /** Attempts in all, the first included. Default 5. */
  readonly maxAttempts?: number;
  /** The first backoff window; doubled per retry up to `maxDelayMs`. Default 200 ms. */
  readonly baseDelayMs?: number;
  /** Cap of any wait, Retry-After included. Default 30 s. */
  readonly maxDelayMs?: number;
}

export interface SubscriberOptions {
  readonly bus: EventBus;
  /** Names the worker in processed-event keys, dead-letter headers and logs. */
  readonly worker: string;
  readonly groupId: string;
  readonly topics: readonly string[];
  readonly handle: EventHandler;
  readonly processed: ProcessedEvents;
  /** Default: the relay's own envelope (engines/eventbus/event-message.ts). */
  readonly decode?: EventDecoder;
  readonly retry?: RetryOptions;
  readonly fromBeginning?: boolean;
  /** Wait before a dead consumer is replaced. Default 1000 ms. */
  readonly restartDelayMs?: number;
  /** Observability hook (metrics, log lines); must not throw. */
  readonly onOutcome?: (outcome: SubscriberOutcome) => void;
  readonly random?: () => number;
}

/** Thrown out of onMessage when stop() interrupts a retry wait: the message stays uncommitted. */
class Stopping extends Error {}

const errorText = (error: unknown): string => (error instanceof Error ? error.message : String(error)).slice(0, 1_000);

export class Subscriber {
  private consumer: BusConsumer | null = null;
  private restartTimer: NodeJS.Timeout | null = null;
  private stopping = false;
  private readonly abort = new AbortController();
  private readonly maxAttempts: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;

  constructor(private readonly options: SubscriberOptions) {
    this.maxAttempts = options.retry?.maxAttempts ?? 5;
    this.baseDelayMs = options.retry?.baseDelayMs ?? 200;
    this.maxDelayMs = options.retry?.maxDelayMs ?? 30_000;
    if (!Number.isInteger(this.maxAttempts) || this.maxAttempts < 1) throw new RangeError('retry.maxAttempts must be a positive integer');
  }

  /** Joins the group; resolves once the consumer is ready. */
  async start(): Promise<void> {
    if (this.consumer !== null || this.stopping) throw new Error(`subscriber ${this.options.worker} starts once`);
    await this.consume().ready;
  }

  /** Finishes the attempt in hand, leaves the group. Idempotent. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.abort.abort();
    if (this.restartTimer !== null) clearTimeout(this.restartTimer);
    await this.consumer?.stop();
  }

  private consume(): BusConsumer {
    const { bus, groupId, topics, fromBeginning } = this.options;
    const consumer = bus.consume({
      groupId,
      topics,
      fromBeginning,
      onMessage: (message) => this.onMessage(message),
      onError: (error) => this.onConsumerError(consumer, error),
    });
    this.consumer = consumer;
    return consumer;
  }

  /** The consumer died with a message uncommitted; a new member of the group picks it up again. */
  private onConsumerError(dead: BusConsumer, error: Error): void {
    if (this.stopping || error instanceof Stopping || this.consumer !== dead) return;
    this.report({ kind: 'consumer_failed', error: errorText(error) });
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      if (!this.stopping) this.consume();
    }, this.options.restartDelayMs ?? 1_000);
    this.restartTimer.unref();
  }

  private async onMessage(message: DeliveredMessage): Promise<void> {
    if (this.stopping) throw new Stopping('stopping'); // not taken: stays uncommitted for the group
    const { worker, processed } = this.options;
    const eventId = message.headers[EVENT_HEADERS.eventId];
    if (!eventId) return this.deadLetter(message, null, 'undecodable', 0, `header ${EVENT_HEADERS.eventId} is missing`);
    if (await processed.has(worker, eventId)) {
      this.report({ kind: 'duplicate', eventId });
      return;
    }
    const received = this.receive(message, eventId);
    if (typeof received === 'string') return this.deadLetter(message, eventId, 'undecodable', 0, received);
    const outcome = await this.attempt(received);
    if (outcome.ok) {
      await processed.record(worker, eventId, received.event.position);
      this.report({ kind: 'handled', eventId, eventType: received.event.type, attempts: outcome.attempts });
      return;
    }
    await this.deadLetter(message, eventId, outcome.reason, outcome.attempts, outcome.error);
  }

  /** The decoded event, or why it cannot be (a message this worker will never be able to read). */
  private receive(message: DeliveredMessage, eventId: string): ReceivedEvent | string {
    try {
      const event = (this.options.decode ?? fromBusMessage)(message);
      if (event.eventId !== eventId) return `header ${EVENT_HEADERS.eventId} does not match the decoded event`;
      return { event, message };
    } catch (error) {
      return `cannot decode: ${errorText(error)}`;
    }
  }

  private async attempt(
    received: ReceivedEvent,
  ): Promise<{ ok: true; attempts: number } | { ok: false; reason: DeadLetterReason; attempts: number; error: string }> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.options.handle(received, { attempt });
        return { ok: true, attempts: attempt };
      } catch (error) {
        if (error instanceof PermanentFailure) return { ok: false, reason: 'permanent_failure', attempts: attempt, error: errorText(error) };
        if (attempt >= this.maxAttempts) return { ok: false, reason: 'retries_exhausted', attempts: attempt, error: errorText(error) };
        const waitMs = this.backoffMs(attempt, error);
        const { eventId } = received.event;
        this.report({ kind: 'retrying', eventId, attempt, waitMs, error: errorText(error) });
        if (!(await this.wait(waitMs))) throw new Stopping(`stopped while waiting to retry ${eventId}`);
      }
    }
  }

  /** Full jitter over a doubling window, or the source's Retry-After; never beyond the cap. */
  private backoffMs(attempt: number, error: unknown): number {
    const asked = error instanceof RetryLater ? error.retryAfterMs : null;
    if (asked !== null) return Math.min(Math.max(0, asked), this.maxDelayMs);
    const window = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** (attempt - 1));
    return Math.floor((this.options.random ?? Math.random)() * window);
  }

  /** false when stop() cut the wait short. */
  private wait(ms: number): Promise<boolean> {
    const signal = this.abort.signal;
    if (signal.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        signal.removeEventListener('abort', onAbort);
        resolve(true);
      }, ms);
      const onAbort = () => {
        clearTimeout(timer);
        resolve(false);
      };
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Publishes the original bytes to `<topic>.dlq.<groupId>`; only then is the message done. */
  private async deadLetter(message: DeliveredMessage, eventId: string | null, reason: DeadLetterReason, attempts: number, error: string): Promise<void> {
    const { bus, groupId, worker, processed } = this.options;
    await bus.publish([
      {
        topic: deadLetterTopic(message.topic, groupId),
        key: message.key,
        value: message.value,
        headers: {
          ...message.headers,
          [DLQ_HEADERS.reason]: reason,
          [DLQ_HEADERS.error]: error,
          [DLQ_HEADERS.attempts]: String(attempts),
          [DLQ_HEADERS.worker]: worker,
          [DLQ_HEADERS.sourceTopic]: message.topic,
          [DLQ_HEADERS.sourcePartition]: String(message.partition),
          [DLQ_HEADERS.sourceOffset]: message.offset,
          [DLQ_HEADERS.failedAt]: new Date().toISOString(),
        },
      },
    ]);
    if (eventId !== null) await processed.record(worker, eventId, null);
    this.report({ kind: 'dead_lettered', eventId, reason, attempts, error });
  }

  private report(outcome: SubscriberOutcome): void {
    try {
      this.options.onOutcome?.(outcome);
    } catch {
      // Observability must never change what happens to a message.
    }
  }
}
