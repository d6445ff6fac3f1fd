import type { EventStore, RecordedEvent, Subscription } from '../../engines/eventstore/port.js';
import type { ReadModelStore } from '../../engines/readmodel/port.js';
import { applyBatch, type BatchTarget } from './apply-batch.js';
import { type BackoffPolicy, FailureStreak, InterruptibleSleep, isStoreUnavailable } from './backoff.js';
import { DocumentCache } from './doc-cache.js';
import { checkpointName, physicalCollection, type Projection } from './projection.js';
import { type PositionWaiter, PositionWaiters } from './waiters.js';

export interface WorkerOptions {
  readonly eventStore: EventStore;
  readonly store: ReadModelStore;
  readonly projection: Projection;
  readonly version: number;
  readonly batchSize: number;
  /** Delays between attempts after a failure (store unavailable, subscription died). */
  readonly backoff: BackoffPolicy;
  readonly coalesceMs: number;
  /** Wall clock for dead-letter and failure timestamps (never handed to evolve). */
  readonly now: () => Date;
}

/**
 * idle: never started · running: subscribed and applying · paused: the read-model store is
 * unavailable; the batch in hand is retried with backoff until it commits · retrying: the
 * subscription died on another error (event store, a write the store refused) and resumes
 * from the stored checkpoint after a backoff · stopped.
 */
export type WorkerState = 'idle' | 'running' | 'paused' | 'retrying' | 'stopped';

/**
 * Dead letters are counted once at start (listDeadLetters has no count); a projection
 * with more than this many failures has bigger problems than an exact number.
 */
const DEAD_LETTER_COUNT_LIMIT = 10_000;

/**
 * Runs one version of one projection: a catch-up subscription from the stored checkpoint,
 * one store.commit per batch. Guarantees: the in-memory checkpoint only moves after the
 * commit holding it succeeded; after stop() resolves no further batch is committed; an
 * unavailable store never dead-letters an event nor ends the projection: it pauses, retrying
 * the same batch (capped exponential backoff) for as long as the outage lasts, and goes on
 * from there. Re-applying a batch that was partly written reproduces the same documents
 * (from the worker's DocumentCache, or skipped per document by `_position`).
 */
export class ProjectionWorker {
  readonly version: number;
  readonly physical: string;
  readonly checkpointName: string;
  private checkpointValue = 0;
  private deadLetterCount = 0;
  private stateValue: WorkerState = 'idle';
  /** ensureIndexes and the dead-letter count ran for this start (they are retried with the subscription otherwise). */
  private prepared = false;
  private subscription: Subscription | null = null;
  private inflight: Promise<void> = Promise.resolve();
  private readonly streak: FailureStreak;
  private readonly sleeper = new InterruptibleSleep();
  private readonly waiters = new PositionWaiters();
  private readonly target: BatchTarget;

  constructor(private readonly options: WorkerOptions) {
    this.version = options.version;
    this.physical = physicalCollection(options.projection, options.version);
    this.checkpointName = checkpointName(options.projection, options.version);
    const known = new DocumentCache();
    this.target = { store: options.store, projection: options.projection, physical: this.physical, checkpointName: this.checkpointName, now: options.now, known };
    this.streak = new FailureStreak(options.backoff, options.now);
  }

  get checkpoint(): number {
    return this.checkpointValue;
  }
  get deadLetters(): number {
    return this.deadLetterCount;
  }
  get state(): WorkerState {
    return this.stateValue;
  }
  get lastError(): Error | null {
    return this.streak.lastError;
  }
  /** Consecutive failed attempts (0 when healthy) and since when it has been failing. */
  get failures(): { readonly count: number; readonly since: Date | null } {
    return { count: this.streak.failures, since: this.streak.since };
  }

  /**
   * Subscribes from the stored checkpoint. May be called again after stop(). A store that is
   * unavailable meanwhile does not fail the start: the worker is paused and keeps trying.
   */
  async start(): Promise<void> {
    // Set before any await, so a stop() issued while starting wins and no subscription leaks.
    this.stateValue = 'running';
    this.prepared = false;
    try {
      await this.prepareAndSubscribe();
    } catch (error) {
      if (!isStoreUnavailable(error)) throw error;
      this.fail(error);
    }
  }

  /** Resolves after the batch in flight (if any) has committed; nothing is committed afterwards. */
  async stop(): Promise<void> {
    this.stateValue = 'stopped';
    this.sleeper.interrupt();
    const subscription = this.subscription;
    this.subscription = null;
    await subscription?.stop();
    await this.inflight.catch(() => undefined);
  }

  waitForPosition(position: number, timeoutMs?: number): Promise<void> {
    return this.waiters.wait(position, this.checkpointValue, timeoutMs, () => `${this.checkpointName} is at ${this.checkpointValue}`);
  }

  takeWaiters(): PositionWaiter[] {
    return this.waiters.take();
  }

  adoptWaiters(waiters: readonly PositionWaiter[]): void {
    this.waiters.adopt(waiters, this.checkpointValue);
  }

  rejectWaiters(error: Error): void {
    this.waiters.rejectAll(error);
  }

  private async prepareAndSubscribe(): Promise<void> {
    const { store, projection } = this.options;
    const stored = await store.getCheckpoint(this.checkpointName);
    if (!this.prepared) {
      // Before the first write, also for a rebuild: on FerretDB, indexing the filled collection
      // afterwards cost more than maintaining the indexes insert by insert (measured).
      await store.ensureIndexes(this.physical, [...new Set(['tenantId', ...projection.indexes])]);
      this.deadLetterCount = (await store.listDeadLetters(this.checkpointName, DEAD_LETTER_COUNT_LIMIT)).length;
      // From position 0 into an empty collection (a first start, a rebuild): it will write every document there is.
      const fromScratch = stored === 0 && this.checkpointValue === 0 && (await store.find(this.physical, { limit: 1 })).items.length === 0;
      this.target.known.reset(fromScratch);
      this.prepared = true;
    }
    // Never backwards on a resubscribe: past the stored checkpoint lie only stretches skipped in
    // memory (stored with the next write), which hold nothing for this projection.
    this.checkpointValue = Math.max(this.checkpointValue, stored);
    this.waiters.resolveUpTo(this.checkpointValue);
    if (this.stateValue === 'stopped') return;
    this.stateValue = 'running';
    this.subscription = this.options.eventStore.subscribeToAll({
      after: this.checkpointValue,
      maxBatchSize: this.options.batchSize,
      coalesceMs: this.options.coalesceMs,
      // Only the categories the projection reads are decoded; the store reports how far it skipped.
      ...(this.options.projection.categories ? { filter: { categories: this.options.projection.categories } } : {}),
      onCheckpoint: (position) => this.skipTo(position),
      onEvents: (events) => this.handle(events),
      onCaughtUp: () => this.recovered(),
      onError: (error) => this.fail(error),
    });
  }

  /**
   * Events up to `position` were none of this projection's: nothing to write, so the
   * checkpoint moves in memory only (waiters resolve). It is stored with the next batch that
   * writes; after a crash the store re-scans the skipped stretch, which costs a query, not a write.
   */
  private skipTo(position: number): void {
    if (this.stateValue === 'stopped' || position <= this.checkpointValue) return;
    this.checkpointValue = position;
    this.waiters.resolveUpTo(position);
  }

  private handle(events: readonly RecordedEvent[]): Promise<void> {
    if (this.stateValue === 'stopped') return Promise.resolve();
    this.inflight = this.apply(events);
    return this.inflight;
  }

  /**
   * Applies the batch; while the store is unavailable, pauses and retries it (the subscription
   * waits for this promise, so no later event overtakes it). Any other error ends the
   * subscription (fail resumes it from the stored checkpoint).
   */
  private async apply(events: readonly RecordedEvent[]): Promise<void> {
    for (;;) {
      try {
        const outcome = await applyBatch(this.target, this.checkpointValue, events);
        this.checkpointValue = outcome.checkpoint;
        this.deadLetterCount += outcome.deadLetters;
        this.recovered();
        this.waiters.resolveUpTo(outcome.checkpoint);
        return;
      } catch (error) {
        if (this.stateValue === 'stopped' || !isStoreUnavailable(error)) throw error;
        this.stateValue = 'paused';
        await this.sleeper.sleep(this.streak.record(error));
        if (this.stopped()) return;
      }
    }
  }

  /** A method, not a field test: the state changes across the awaits of the callers. */
  private stopped(): boolean {
    return this.stateValue === 'stopped';
  }

  private recovered(): void {
    this.streak.reset();
    if (this.stateValue === 'paused' || this.stateValue === 'retrying') this.stateValue = 'running';
  }

  /** The subscription is dead (or never started): resubscribe from the stored checkpoint after a backoff, until stopped. */
  private fail(error: unknown): void {
    this.subscription = null;
    if (this.stateValue === 'stopped') return;
    this.stateValue = isStoreUnavailable(error) ? 'paused' : 'retrying';
    void this.sleeper.sleep(this.streak.record(error)).then(() => {
      if (this.stateValue === 'stopped') return;
      this.prepareAndSubscribe().catch((next: unknown) => this.fail(next));
    });
  }
}
