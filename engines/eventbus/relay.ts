import type { EventStore, RecordedEvent, Subscription } from '../eventstore/port.js';
import type { ReadModelStore } from '../readmodel/port.js';
import { AvroCodecError } from './avro-codec.js';
import { toBusMessage, topicFor, TOPIC_PREFIX } from './event-message.js';
import { messageBytes } from './message-size.js';
import type { BusLog } from './log.js';
import { EVENT_HEADERS, type BusMessage, type EventBus } from './port.js';

/** Where the relay keeps the position of the last event it published. */
export interface CheckpointStore {
  /** 0 when nothing was stored under this name. */
  get(name: string): Promise<number>;
  put(name: string, position: number): Promise<void>;
}

/** Checkpoints in the read-model store, beside the projections' own. */
export function readModelCheckpoints(store: ReadModelStore): CheckpointStore {
  return {
    get: (name) => store.getCheckpoint(name),
    put: (name, position) => store.commit([], { name, position }),
  };
}

/**
 * Events with no Avro schema to encode them (an unknown type or version, data that does not fit)
 * or too large for the bus go here as JSON (empty when even that is too large) with an
 * `nexus-error` header, instead of blocking the relay or vanishing.
 * The leading '_' keeps it apart from any category topic.
 */
const DEAD_LETTER_SUFFIX = '_deadletter';
export const DEAD_LETTER_TOPIC = `${TOPIC_PREFIX}${DEAD_LETTER_SUFFIX}`;
export const ERROR_HEADER = 'nexus-error';

export interface EventRelayOptions {
  readonly store: EventStore;
  readonly bus: EventBus;
  readonly checkpoints: CheckpointStore;
  /** Checkpoint name. Default 'eventbus-relay'. */
  readonly name?: string;
  /** Topics are `<topicPrefix><category>`. Default 'nexus.' (a benchmark or a test may keep apart). */
  readonly topicPrefix?: string;
  /**
   * Only these stream categories are published (read through the store's server-side filter);
   * undefined = every event. The embedded bus relays only what in-process workers consume.
   */
  readonly categories?: readonly string[];
  /** Events per store read, and per publish. Default 2,000. */
  readonly batchSize?: number;
  /**
   * Largest message sent; an event whose message would be larger goes to the dead-letter topic
   * (a broker refuses it however often it is retried). Default 900,000 bytes.
   */
  readonly maxMessageBytes?: number;
  /** Backoff between attempts while the bus (or the checkpoint store) fails: doubles from initialMs up to maxMs. */
  readonly retry?: { readonly initialMs?: number; readonly maxMs?: number };
  readonly log?: BusLog;
}

export interface RelayStatus {
  readonly state: 'running' | 'retrying' | 'stopped';
  /** Position of the last event published and checkpointed. */
  readonly position: number;
  /** Last known head of the event store. */
  readonly head: number;
  /** Events committed to the store but not yet published (head − position). */
  readonly lag: number;
  /** Events published since start, dead letters included. */
  readonly published: number;
  readonly deadLettered: number;
  /** Failed attempts since start (each one retried). */
  readonly failures: number;
  readonly lastError: { readonly message: string; readonly at: string } | null;
}

/**
 * The relay: follows the event store from its checkpoint (a catch-up subscription, never a
 * dual write) and publishes every event to `nexus.<category>`, key = stream id, Avro value,
 * envelope in headers (event-message.ts).
 *
 * Guarantees:
 * - nothing is lost: a batch's checkpoint is stored only after the bus accepted the whole batch,
 *   and a batch is retried (capped exponential backoff) until it is accepted or the relay stops;
 * - each stream stays in order: batches go out one after another, in position order;
 * - at-least-once: after a crash or a stop in the middle of a batch, the batch is published
 *   again from the checkpoint; consumers de-duplicate by event id;
 * - it never throws into the process: failures (bus down, store down) become status and
 *   retries, and a failed subscription is restarted from the checkpoint.
 */
export class EventRelay {
  private readonly name: string;
  private readonly initialMs: number;
  private readonly maxMs: number;
  private readonly maxMessageBytes: number;
  private subscription: Subscription | null = null;
  private stopped = false;
  private retrying = false;
  private position = 0;
  private head = 0;
  private published = 0;
  private deadLettered = 0;
  private failures = 0;
  private lastError: RelayStatus['lastError'] = null;
  /** Interrupts a backoff wait when the relay stops. */
  private interrupt: (() => void) | null = null;
  private restartTimer: NodeJS.Timeout | null = null;
  /** The batch being published and checkpointed, if any. */
  private inFlight: Promise<void> = Promise.resolve();

  private constructor(private readonly options: EventRelayOptions) {
    this.name = options.name ?? 'eventbus-relay';
    this.initialMs = options.retry?.initialMs ?? 100;
    this.maxMs = options.retry?.maxMs ?? 10_000;
    this.maxMessageBytes = options.maxMessageBytes ?? 900_000;
  }

  /** Reads the checkpoint (retrying while its store fails) and starts following the event store after it. */
  static async start(options: EventRelayOptions): Promise<EventRelay> {
    const relay = new EventRelay(options);
    const stored = await relay.untilDone('read the checkpoint', () => options.checkpoints.get(relay.name));
    relay.position = stored?.value ?? 0;
    relay.head = relay.position;
    relay.subscribe();
    return relay;
  }

  status(): RelayStatus {
    const head = Math.max(this.head, this.position);
    return {
      state: this.stopped ? 'stopped' : this.retrying ? 'retrying' : 'running',
      position: this.position,
      head,
      lag: head - this.position,
      published: this.published,
      deadLettered: this.deadLettered,
      failures: this.failures,
      lastError: this.lastError,
    };
  }

  /** Stops after the batch in hand: published and checkpointed if the bus takes it now, else left for the next start. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.interrupt?.();
    if (this.restartTimer !== null) clearTimeout(this.restartTimer);
    await this.subscription?.stop();
    await this.inFlight;
  }

  private subscribe(): void {
    if (this.stopped) return;
    this.subscription = this.options.store.subscribeToAll({
      after: this.position,
      maxBatchSize: this.options.batchSize ?? 2_000,
      ...(this.options.categories ? { filter: { categories: this.options.categories }, onCheckpoint: (position: number) => this.skipTo(position) } : {}),
      onEvents: (events) => this.relay(events),
      onCaughtUp: (position) => {
        this.head = Math.max(this.head, position);
      },
      onError: (error) => {
        // The store failed (or a bug threw while encoding): start again from the checkpoint, after a pause.
        this.retrying = true;
        this.recordFailure('follow the event store', error);
        // After the batch in flight, so the new subscription starts after its checkpoint.
        this.restartTimer = setTimeout(() => void this.inFlight.then(() => this.subscribe()), this.maxMs);
      },
    });
  }

  /**
   * Encodes a batch while the previous one is still on its way, then hands it on: batch N+1 is
   * sent only once batch N was published and checkpointed, so streams keep their order and the
   * checkpoint only moves forward, while reading and encoding overlap the broker's round trip.
   * At most two batches are in memory.
   */
  private async relay(events: readonly RecordedEvent[]): Promise<void> {
    if (this.stopped || events.length === 0) return;
    void this.refreshHead();
    const messages = events.map((event) => this.messageFor(event));
    await this.inFlight;
    if (this.stopped) return;
    this.inFlight = this.publishAndCheckpoint(messages, events[events.length - 1].position);
  }

  /** The filtered read moved past events of other categories: the checkpoint follows, after the batch in flight. */
  private async skipTo(position: number): Promise<void> {
    await this.inFlight;
    if (this.stopped || position <= this.position) return;
    const stored = await this.untilDone('store the checkpoint', () => this.options.checkpoints.put(this.name, position));
    if (stored !== null) this.position = position;
  }

  /** Never rejects: failures are retried until they succeed or the relay stops. */
  private async publishAndCheckpoint(messages: readonly BusMessage[], last: number): Promise<void> {
    const sent = await this.untilDone('publish', () => this.options.bus.publish(messages));
    if (sent === null) return; // stopped while the bus was down: the batch is published again after a restart
    this.published += messages.length;
    const stored = await this.untilDone('store the checkpoint', () => this.options.checkpoints.put(this.name, last));
    if (stored !== null) this.position = last;
  }

  /** The event's message; a dead letter when it has no schema to encode it or is too large for the bus. */
  private messageFor(event: RecordedEvent): BusMessage {
    let message: BusMessage;
    try {
      message = toBusMessage(event, topicFor(event.streamId, this.options.topicPrefix));
    } catch (error) {
      if (!(error instanceof AvroCodecError)) throw error;
      return this.deadLetter(event, `${error.reason}: ${error.message}`);
    }
    const bytes = messageBytes(message);
    return bytes <= this.maxMessageBytes ? message : this.deadLetter(event, `too_large: the message would take ${bytes} bytes, above ${this.maxMessageBytes}`);
  }

  private deadLetter(event: RecordedEvent, error: string): BusMessage {
    this.deadLettered++;
    const topic = `${this.options.topicPrefix ?? TOPIC_PREFIX}${DEAD_LETTER_SUFFIX}`;
    this.options.log?.warn({ eventId: event.eventId, streamId: event.streamId, position: event.position }, `event relay: ${error}; sent to ${topic}`);
    const letter: BusMessage = {
      topic,
      key: event.streamId,
      value: Buffer.from(JSON.stringify(event)),
      headers: {
        [EVENT_HEADERS.eventId]: event.eventId,
        [EVENT_HEADERS.eventType]: event.type,
        [EVENT_HEADERS.streamId]: event.streamId,
        [EVENT_HEADERS.position]: String(event.position),
        [ERROR_HEADER]: error,
      },
    };
    // Too large even as a letter: the envelope alone says which event to read from the store.
    return messageBytes(letter) <= this.maxMessageBytes ? letter : { ...letter, value: Buffer.alloc(0) };
  }

  /**
   * Runs `attempt` until it resolves, waiting longer after each failure (capped). Returns its
   * result, or null when the relay stopped before an attempt succeeded. The first attempt is
   * always made: a stop right after a publish still stores that publish's checkpoint.
   */
  private async untilDone<T>(what: string, attempt: () => Promise<T>): Promise<{ readonly value: T } | null> {
    for (let failed = 0; ; failed++) {
      try {
        const value = await attempt();
        this.retrying = false;
        return { value };
      } catch (error) {
        this.retrying = true;
        this.recordFailure(what, error);
        if (!this.stopped) await this.pause(Math.min(this.maxMs, this.initialMs * 2 ** Math.min(failed, 30)));
        if (this.stopped) return null;
      }
    }
  }

  private recordFailure(what: string, error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    this.failures++;
    this.lastError = { message: `${what}: ${message}`, at: new Date().toISOString() };
    this.options.log?.warn({ relay: this.name, position: this.position, failures: this.failures }, `event relay could not ${what}, retrying: ${message}`);
  }

  private pause(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.interrupt = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.interrupt = done;
    });
  }

  /** Lag needs the head during a catch-up too; a failure here only leaves the figure stale. */
  private async refreshHead(): Promise<void> {
    try {
      this.head = Math.max(this.head, await this.options.store.headPosition());
    } catch {
      // the next batch asks again
    }
  }
}
