import type { EventStore, RecordedEvent, Subscription } from '../../engines/eventstore/port.js';
import { SearchUnavailableError, type SearchDoc, type SearchPort } from '../../engines/search/port.js';
import { type BackoffPolicy, FailureStreak, InterruptibleSleep } from '../runtime/backoff.js';
import { type PositionWaiter, PositionWaiters } from '../runtime/waiters.js';

export interface FollowerOptions {
  readonly eventStore: EventStore;
  readonly search: SearchPort;
  /** The physical index written (`<alias>-v<N>`); its checkpoint is stored under the same name. */
  readonly physical: string;
  readonly toDocument: (event: RecordedEvent) => SearchDoc | null;
  readonly batchSize: number;
  readonly backoff: BackoffPolicy;
  readonly now: () => Date;
  /** An event whose document the engine refused (or could not be built): it is skipped, the rest keep flowing. */
  readonly onDeadLetter: (event: RecordedEvent, error: unknown) => void;
  /** Only these stream categories are read (a server-side filter); undefined = every event. */
  readonly categories?: readonly string[];
  /** Wait this long after a commit before reading, so one bulk write covers many commits. */
  readonly coalesceMs?: number;
}

/** Progress past filtered-out events is stored at most this often (it costs a round trip to the engine). */
const SKIPPED_CHECKPOINT_INTERVAL_MS = 1_000;

/**
 * running · paused: the search engine is unavailable; the batch in hand is retried with capped
 * backoff until it is written · retrying: the subscription died on another error and resumes
 * from the stored checkpoint after a backoff · stopped.
 */
export type FollowerState = 'idle' | 'running' | 'paused' | 'retrying' | 'stopped';

class Stopped extends Error {}

/**
 * Keeps one physical search index in step with the event store: a catch-up subscription from
 * the checkpoint stored in the search engine, one bulk write per batch, then the checkpoint.
 * Guarantees: the checkpoint (stored and in memory) only moves after the bulk write holding
 * its events succeeded, so a crash replays at most one batch, and replays overwrite by id;
 * an unavailable engine never loses or skips an event — the follower pauses and retries the
 * same batch (the subscription waits for it), then catches up; no error escapes to the process.
 */
export class IndexFollower {
  private checkpointValue = 0;
  private deadLetterCount = 0;
  private stateValue: FollowerState = 'idle';
  private subscription: Subscription | null = null;
  private inflight: Promise<void> = Promise.resolve();
  private readonly streak: FailureStreak;
  private readonly sleeper = new InterruptibleSleep();
  private readonly waiters = new PositionWaiters();
  private checkpointStoredAt = 0;

  constructor(private readonly options: FollowerOptions) {
    this.streak = new FailureStreak(options.backoff, options.now);
  }

  get physical(): string {
    return this.options.physical;
  }
  get checkpoint(): number {
    return this.checkpointValue;
  }
  get state(): FollowerState {
    return this.stateValue;
  }
  get deadLetters(): number {
    return this.deadLetterCount;
  }
  get lastError(): Error | null {
    return this.streak.lastError;
  }

  /** Subscribes from the stored checkpoint, in the background: an engine that is down meanwhile only delays that. */
  start(): void {
    this.stateValue = 'running';
    void this.subscribe().catch((error: unknown) => this.fail(error));
  }

  /** Resolves once the batch in flight is done with; nothing is written afterwards. */
  async stop(): Promise<void> {
    this.stateValue = 'stopped';
    this.sleeper.interrupt();
    const subscription = this.subscription;
    this.subscription = null;
    await subscription?.stop();
    await this.inflight.catch(() => undefined);
    this.waiters.rejectAll(new Error(`search indexer of ${this.physical} stopped`));
  }

  waitForPosition(position: number, timeoutMs?: number): Promise<void> {
    return this.waiters.wait(position, this.checkpointValue, timeoutMs, () => `${this.physical} is at ${this.checkpointValue}`);
  }

  takeWaiters(): PositionWaiter[] {
    return this.waiters.take();
  }

  adoptWaiters(waiters: readonly PositionWaiter[]): void {
    this.waiters.adopt(waiters, this.checkpointValue);
  }

  private async subscribe(): Promise<void> {
    const stored = await this.retrying(() => this.options.search.getCheckpoint(this.physical));
    this.checkpointValue = Math.max(this.checkpointValue, stored);
    this.waiters.resolveUpTo(this.checkpointValue);
    if (this.stopped()) return;
    const { categories, coalesceMs } = this.options;
    this.subscription = this.options.eventStore.subscribeToAll({
      after: this.checkpointValue,
      maxBatchSize: this.options.batchSize,
      ...(categories ? { filter: { categories }, onCheckpoint: (position: number) => this.skippedTo(position) } : {}),
      ...(coalesceMs ? { coalesceMs } : {}),
      onEvents: (events) => this.handle(events),
      onCaughtUp: () => this.recovered(),
      onError: (error) => this.fail(error),
    });
  }

  private handle(events: readonly RecordedEvent[]): Promise<void> {
    if (this.stopped() || events.length === 0) return Promise.resolve();
    this.inflight = this.apply(events);
    return this.inflight;
  }

  private async apply(events: readonly RecordedEvent[]): Promise<void> {
    const built = events.flatMap((event) => {
      try {
        const doc = this.options.toDocument(event);
        return doc === null ? [] : [{ event, doc }];
      } catch (error) {
        this.deadLetter(event, error);
        return [];
      }
    });
    await this.retrying(() => this.write(built));
    await this.moveCheckpoint(events[events.length - 1].position);
  }

  private async moveCheckpoint(position: number): Promise<void> {
    await this.retrying(() => this.options.search.setCheckpoint(this.physical, position));
    this.checkpointStoredAt = this.options.now().getTime();
    this.checkpointValue = position;
    this.waiters.resolveUpTo(position);
  }

  /**
   * The filtered subscription scanned past events of other categories: waiters may go on at
   * once, while the stored checkpoint follows at most once a second (a restart then rescans
   * at most that second's worth of skipped events, delivering nothing twice that was indexed).
   */
  private skippedTo(position: number): Promise<void> | void {
    if (this.stopped() || position <= this.checkpointValue) return;
    if (this.options.now().getTime() - this.checkpointStoredAt < SKIPPED_CHECKPOINT_INTERVAL_MS) {
      this.checkpointValue = position;
      this.waiters.resolveUpTo(position);
      return;
    }
    this.inflight = this.moveCheckpoint(position);
    return this.inflight;
  }

  /** One bulk write; if the engine refuses part of it, the documents go one by one so only the refused ones are dead-lettered. */
  private async write(batch: readonly { event: RecordedEvent; doc: SearchDoc }[]): Promise<void> {
    try {
      await this.options.search.index(this.physical, batch.map(({ doc }) => doc));
    } catch (error) {
      if (error instanceof SearchUnavailableError) throw error;
      for (const { event, doc } of batch) {
        await this.options.search.index(this.physical, [doc]).catch((refused: unknown) => {
          if (refused instanceof SearchUnavailableError) throw refused;
          this.deadLetter(event, refused);
        });
      }
    }
  }

  /** Runs the operation until it succeeds, pausing with capped backoff while the engine is unavailable. */
  private async retrying<T>(operation: () => Promise<T>): Promise<T> {
    for (;;) {
      if (this.stopped()) throw new Stopped();
      try {
        const result = await operation();
        this.recovered();
        return result;
      } catch (error) {
        if (!(error instanceof SearchUnavailableError)) throw error;
        this.stateValue = 'paused';
        await this.sleeper.sleep(this.streak.record(error));
      }
    }
  }

  private deadLetter(event: RecordedEvent, error: unknown): void {
    this.deadLetterCount += 1;
    this.options.onDeadLetter(event, error);
  }

  /** A method, not a field test: the state changes across the awaits of the callers. */
  private stopped(): boolean {
    return this.stateValue === 'stopped';
  }

  private recovered(): void {
    this.streak.reset();
    if (this.stateValue === 'paused' || this.stateValue === 'retrying') this.stateValue = 'running';
  }

  /** The subscription died (event store failure, index gone…): resubscribe from the stored checkpoint after a backoff, until stopped. */
  private fail(error: unknown): void {
    this.subscription = null;
    if (this.stopped() || error instanceof Stopped) return;
    this.stateValue = 'retrying';
    void this.sleeper.sleep(this.streak.record(error)).then(() => {
      if (!this.stopped()) void this.subscribe().catch((next: unknown) => this.fail(next));
    });
  }
}
