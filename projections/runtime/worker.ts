import type { EventStore, RecordedEvent, Subscription } from '../../engines/eventstore/port.js';
import type { ReadModelStore } from '../../engines/readmodel/port.js';
import { applyBatch, type BatchTarget } from './apply-batch.js';
import { checkpointName, physicalCollection, type Projection } from './projection.js';
import { type PositionWaiter, PositionWaiters } from './waiters.js';

export interface WorkerOptions {
  readonly eventStore: EventStore;
  readonly store: ReadModelStore;
  readonly projection: Projection;
  readonly version: number;
  readonly batchSize: number;
  /** Delay before resubscribing after the subscription died (store down, commit failed). */
  readonly retryDelayMs: number;
  readonly coalesceMs: number;
  readonly now: () => Date;
}

/** idle: never started · running: subscribed · retrying: subscription died, resubscribing soon · stopped. */
export type WorkerState = 'idle' | 'running' | 'retrying' | 'stopped';

/**
 * Dead letters are counted once at start (listDeadLetters has no count); a projection
 * with more than this many failures has bigger problems than an exact number.
 */
const DEAD_LETTER_COUNT_LIMIT = 10_000;

/**
 * Runs one version of one projection: a catch-up subscription from the stored checkpoint,
 * one store.commit per batch. Guarantees: the in-memory checkpoint only moves after the
 * commit holding it succeeded; after stop() resolves no further batch is committed.
 */
export class ProjectionWorker {
  readonly version: number;
  readonly physical: string;
  readonly checkpointName: string;
  private checkpointValue = 0;
  private deadLetterCount = 0;
  private stateValue: WorkerState = 'idle';
  private lastErrorValue: Error | null = null;
  private subscription: Subscription | null = null;
  private inflight: Promise<void> = Promise.resolve();
  private retryTimer: NodeJS.Timeout | null = null;
  private readonly waiters = new PositionWaiters();
  private readonly target: BatchTarget;

  constructor(private readonly options: WorkerOptions) {
    this.version = options.version;
    this.physical = physicalCollection(options.projection, options.version);
    this.checkpointName = checkpointName(options.projection, options.version);
    this.target = { store: options.store, projection: options.projection, physical: this.physical, checkpointName: this.checkpointName, now: options.now };
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
    return this.lastErrorValue;
  }

  /** Subscribes from the stored checkpoint. May be called again after stop(). */
  async start(): Promise<void> {
    const { store, projection } = this.options;
    // Set before any await, so a stop() issued while starting wins and no subscription leaks.
    this.stateValue = 'running';
    await store.ensureIndexes(this.physical, [...new Set(['tenantId', ...projection.indexes])]);
    this.deadLetterCount = (await store.listDeadLetters(this.checkpointName, DEAD_LETTER_COUNT_LIMIT)).length;
    await this.subscribe();
  }

  /** Resolves after the batch in flight (if any) has committed; nothing is committed afterwards. */
  async stop(): Promise<void> {
    this.stateValue = 'stopped';
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
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

  private async subscribe(): Promise<void> {
    this.checkpointValue = await this.options.store.getCheckpoint(this.checkpointName);
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
      onError: (error) => this.fail(error),
    });
  }

  /**
   * Events up to `position` were none of this projection's: nothing to write, so the
   * checkpoint moves in memory only (waiters resolve). It is stored with the next batch that
   * writes; after a crash the store re-scans the skipped stretch, which costs a query, not a write.
   */
  private skipTo(position: number): void {
    if (this.stateValue !== 'running' || position <= this.checkpointValue) return;
    this.checkpointValue = position;
    this.waiters.resolveUpTo(position);
  }

  private handle(events: readonly RecordedEvent[]): Promise<void> {
    if (this.stateValue !== 'running') return Promise.resolve();
    this.inflight = this.apply(events);
    return this.inflight;
  }

  private async apply(events: readonly RecordedEvent[]): Promise<void> {
    const outcome = await applyBatch(this.target, this.checkpointValue, events);
    this.checkpointValue = outcome.checkpoint;
    this.deadLetterCount += outcome.deadLetters;
    this.lastErrorValue = null;
    this.waiters.resolveUpTo(outcome.checkpoint);
  }

  /** The subscription is dead: resubscribe from the stored checkpoint after a delay, until stopped. */
  private fail(error: Error): void {
    this.lastErrorValue = error;
    this.subscription = null;
    if (this.stateValue === 'stopped') return;
    this.stateValue = 'retrying';
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.subscribe().catch((next: unknown) => this.fail(next instanceof Error ? next : new Error(String(next))));
    }, this.options.retryDelayMs);
    this.retryTimer.unref();
  }
}
