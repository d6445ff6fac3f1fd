import { EventStoreDBClient } from '@eventstore/db-client';
import type {
  AppendResult,
  EventStore,
  EventToAppend,
  ExpectedRevision,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  StreamMetadata,
  SubscribeToAllOptions,
  Subscription,
} from '../port.js';
import { limitOf } from '../validate.js';
import { appendToStream } from './append.js';
import { describeStartupFailure, InvalidConnectionStringError, parseConnectionString, scrubSecrets } from './connection.js';
import { EventStoreUnavailableError, translateError, type ErrorContext } from './errors.js';
import { ClientFeed } from './feed.js';
import { lastEventPosition, readAllAfter, readStreamEvents } from './reads.js';
import { EventStoreDbSubscription, type SubscriptionWindows } from './subscription.js';
import { fromEsdbStreamMetadata, toEsdbReadStreamOptions, toEsdbStreamMetadata } from './translate.js';

export { AppendTooLargeError, EventStoreUnavailableError, type EventStoreFailure } from './errors.js';
export { InvalidConnectionStringError } from './connection.js';

export interface EventStoreDbOptions {
  /** esdb://[user:password@]host:2113[?tls=false] or esdb+discover://…; the password never appears in errors. */
  readonly url: string;
  /** The setting the URL came from, named in start-up errors. Default NEXUS_EVENTSTORE_URL. */
  readonly settingName?: string;
  /** How long connect() waits for the server's first answer. Default 2000 ms. */
  readonly connectTimeoutMs?: number;
  /** gRPC deadline of each read, append and metadata call. Default 5000 ms. */
  readonly deadlineMs?: number;
  /** Events the server scans per page while a subscription catches up (maxSearchWindow). Default 500. */
  readonly catchUpWindow?: number;
  /** Once live, events between two checkpoints of a filtered subscription. Default 1: skipped events are reported at once. */
  readonly liveWindow?: number;
}

interface Settings {
  readonly deadlineMs: number;
  readonly windows: SubscriptionWindows;
}

/**
 * The production adapter of the EventStore port, on EventStoreDB / KurrentDB through
 * @eventstore/db-client (gRPC). See port.ts for the guarantees; positions.ts for how
 * EventStoreDB's {commit, prepare} positions become the port's numbers; append.ts for
 * idempotency; subscription.ts for catch-up subscriptions.
 *
 * Needs EventStoreDB 24.x (or KurrentDB): subscriptions rely on the caught-up signal (23.10+)
 * and on subscriptions resuming exactly after a filtered checkpoint. Reading $all needs an
 * admin user when the server runs with security on.
 */
export class EventStoreDbEventStore implements EventStore {
  private closed = false;
  private readonly subscriptions = new Set<EventStoreDbSubscription>();
  private readonly inflight = new Set<Promise<unknown>>();

  private constructor(
    private readonly client: EventStoreDBClient,
    private readonly settings: Settings,
  ) {}

  /**
   * Connects and checks, before returning, that the server answers and lets us read $all: a
   * wrong URL, wrong credentials or a server that is down fail the start, with the setting
   * named and the password left out.
   */
  static async connect(options: EventStoreDbOptions): Promise<EventStoreDbEventStore> {
    const setting = options.settingName ?? 'NEXUS_EVENTSTORE_URL';
    const target = parseConnectionString(options.url, setting);
    const connectTimeoutMs = positiveInteger('connectTimeoutMs', options.connectTimeoutMs ?? 2000);
    const settings: Settings = {
      deadlineMs: positiveInteger('deadlineMs', options.deadlineMs ?? 5000),
      windows: { catchUp: positiveInteger('catchUpWindow', options.catchUpWindow ?? 500), live: positiveInteger('liveWindow', options.liveWindow ?? 1) },
    };
    let client: EventStoreDBClient;
    try {
      client = EventStoreDBClient.connectionString(options.url.trim());
    } catch (error) {
      throw new InvalidConnectionStringError(setting, scrubSecrets(error instanceof Error ? error.message : String(error), target.secrets));
    }
    try {
      await withTimeout(lastEventPosition(client, connectTimeoutMs), connectTimeoutMs);
    } catch (error) {
      await client.dispose().catch(() => undefined);
      throw describeStartupFailure(setting, target, error, connectTimeoutMs);
    }
    return new EventStoreDbEventStore(client, settings);
  }

  appendToStream(streamId: string, events: readonly EventToAppend[], expectedRevision: ExpectedRevision): Promise<AppendResult> {
    return this.call({ operation: 'appendToStream', streamId, expected: expectedRevision }, () =>
      appendToStream(this.client, streamId, events, expectedRevision, this.settings.deadlineMs),
    );
  }

  readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    return this.call({ operation: 'readStream', streamId }, async () => {
      const esdbOptions = toEsdbReadStreamOptions(options);
      return esdbOptions === null ? [] : readStreamEvents(this.client, streamId, { ...esdbOptions, deadline: this.settings.deadlineMs });
    });
  }

  readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    return this.call({ operation: 'readAll' }, () => {
      const limit = limitOf(options.maxCount);
      return readAllAfter(this.client, options.after ?? 0, limit < 0 ? Infinity : limit, this.settings.deadlineMs);
    });
  }

  subscribeToAll(options: SubscribeToAllOptions): Subscription {
    this.assertOpen();
    const subscription = new EventStoreDbSubscription(
      (request) => new ClientFeed(this.client, request),
      options,
      this.settings.windows,
      (ended) => this.subscriptions.delete(ended),
    );
    this.subscriptions.add(subscription);
    return subscription;
  }

  headPosition(): Promise<number> {
    return this.call({ operation: 'headPosition' }, () => lastEventPosition(this.client, this.settings.deadlineMs));
  }

  setStreamMetadata(streamId: string, metadata: StreamMetadata): Promise<void> {
    return this.call({ operation: 'setStreamMetadata', streamId }, async () => {
      await this.client.setStreamMetadata(streamId, toEsdbStreamMetadata(metadata), { deadline: this.settings.deadlineMs });
    });
  }

  getStreamMetadata(streamId: string): Promise<StreamMetadata | null> {
    return this.call({ operation: 'getStreamMetadata', streamId }, async () =>
      fromEsdbStreamMetadata((await this.client.getStreamMetadata(streamId, { deadline: this.settings.deadlineMs })).metadata),
    );
  }

  /** Stops the subscriptions, lets the calls already issued finish (an append in flight is not cut off), then disconnects. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.subscriptions].map((subscription) => subscription.stop()));
    await Promise.allSettled([...this.inflight]);
    await this.client.dispose();
  }

  /** Runs one port call: refused once closed, tracked until settled, its errors (even synchronous ones) in the port's terms. */
  private call<T>(context: ErrorContext, run: () => Promise<T>): Promise<T> {
    const pending = (async () => {
      this.assertOpen();
      try {
        return await run();
      } catch (error) {
        throw translateError(error, context);
      }
    })();
    this.inflight.add(pending);
    const settle = () => this.inflight.delete(pending);
    pending.then(settle, settle);
    return pending;
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('the event store is closed');
  }
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer, got ${value}`);
  return value;
}

/** Bounds the start-up probe even where the client's own deadline does not apply (DNS discovery retries). */
async function withTimeout<T>(promise: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new EventStoreUnavailableError('connect', 'timeout', 'the first read of $all got no answer')), timeoutMs);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
