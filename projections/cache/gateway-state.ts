import type { DeploymentPrice } from '../../domain/deployment/events.js';
import type { EventStore, RecordedEvent, Subscription } from '../../engines/eventstore/port.js';
import { PositionWaiters } from '../runtime/waiters.js';
import { BudgetFold } from './budgets.js';
import { DeploymentFold } from './deployments.js';
import { LimitsFold } from './limits.js';
import { KeyFold } from './keys.js';
import { PolicyFold } from './policies.js';
import { RolloutFold } from './rollouts.js';
import type { CachedBudget, CachedDeployment, CachedKey, CachedLimits, CachedPolicy, CachedRollout, CachedTenant, Frozen } from './snapshots.js';
import { TenantFold } from './tenants.js';
import { restoreSnapshot, takeSnapshot, type Fold, type GatewaySnapshot } from './snapshot-io.js';

export interface GatewayStateOptions {
  readonly eventStore: EventStore;
  /**
   * Where to start. Default: position 0, the whole log. That is cheap while the folded
   * categories are small (a few events per tenant, key, policy and deployment) but every
   * event of the log is still read (and, by the SQLite adapter, JSON-parsed) once per
   * process start, so start-up grows with the log (see ops/bench/RESULTS.md, "Gateway
   * caches"). A snapshot taken by `snapshot()` and stored somewhere cuts that to the tail.
   */
  readonly from?: GatewaySnapshot;
  /** Delay before a failed subscription is resumed from `position`. Default 1000 ms. */
  readonly retryDelayMs?: number;
  readonly maxBatchSize?: number;
  /** After a commit, wait this long before reading (one read covers the commits meanwhile). Default 5 ms. */
  readonly coalesceMs?: number;
}

/** An event the cache could not apply; see CategoryFold.quarantine for what happened to its stream. */
export interface CacheDeadLetter {
  readonly position: number;
  readonly streamId: string;
  readonly type: string;
  readonly error: string;
}

export interface GatewayStateStatus {
  readonly position: number;
  readonly ready: boolean;
  readonly subscribed: boolean;
  readonly deadLetters: number;
  readonly lastError: string | null;
}

const MAX_DEAD_LETTERS_KEPT = 100;

/**
 * The gateway's hot-path state, in memory: tenants, API keys, attached policies, the
 * deployment catalog and the rollouts steering it, rate limits and budgets, folded from one catch-up subscription to $all. Lookups are map reads
 * returning frozen snapshots; no lookup touches a database.
 *
 * Guarantees:
 * - events are applied in position order, each exactly once (a redelivered position is skipped);
 * - a batch is applied synchronously, so lookups always see the state as of `position`:
 *   every event up to it applied, none after it (a prefix of the log, never a torn state);
 * - only the categories in `folds` are read at all (a filtered subscription); the store
 *   reports how far it scanned past the others, which advances `position`, so
 *   `waitForPosition` works with any event's position;
 * - staleness: an event committed by this process is applied on the next turns of the event
 *   loop (the store notifies its subscriptions on commit); one committed by another process
 *   sharing the SQLite file within the store's poll interval (250 ms by default) plus the
 *   batch's apply time; with EventStoreDB, within its push latency;
 * - an event that cannot be applied is dead-lettered and the rest keep flowing; keys and
 *   tenants fail closed (see CategoryFold.quarantine);
 * - if the subscription fails, it is resumed from `position` after `retryDelayMs`; meanwhile
 *   lookups answer from the last applied state (stale by the outage, reported by `status()`).
 */
export class GatewayState {
  private readonly tenants = new TenantFold();
  private readonly keyFold = new KeyFold();
  private readonly policies = new PolicyFold();
  private readonly deployments = new DeploymentFold();
  private readonly rollouts = new RolloutFold();
  private readonly limits = new LimitsFold();
  private readonly budgets = new BudgetFold();
  /**
   * Categories folded, by stream-id prefix; events of any other category are never decoded.
   * Extension point: a new category joins as a CategoryFold subclass listed here, with its
   * lookups below (and SNAPSHOT_FORMAT bumped, see snapshot-io.ts).
   */
  private readonly folds: ReadonlyMap<string, Fold> = new Map<string, Fold>(
    [this.tenants, this.keyFold, this.policies, this.deployments, this.rollouts, this.limits, this.budgets].map((fold) => [fold.category, fold]),
  );
  private applied = 0;
  private subscription: Subscription | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private started = false;
  private stopped = false;
  private caughtUpOnce = false;
  private lastError: Error | null = null;
  private deadLetterCount = 0;
  private readonly recentDeadLetters: CacheDeadLetter[] = [];
  private readonly waiters = new PositionWaiters();
  private markReady: () => void = () => undefined;
  private failReady: (error: Error) => void = () => undefined;
  /**
   * Resolves the first time the subscription has delivered everything committed so far, so
   * at least everything committed before `start()`; rejects if stopped before that. A gateway
   * should not report itself ready for traffic before it.
   */
  readonly ready: Promise<void>;

  constructor(private readonly options: GatewayStateOptions) {
    this.ready = new Promise<void>((resolve, reject) => {
      this.markReady = resolve;
      this.failReady = reject;
    });
    this.ready.catch(() => undefined); // a stop before catching up rejects it; nobody has to listen
    if (options.from !== undefined) this.applied = restoreSnapshot(options.from, this.folds);
  }

  /** Subscribes and returns at once (await `ready` for the catch-up). One start per instance. */
  start(): void {
    if (this.started || this.stopped) throw new Error('a gateway state starts once; create a new one to start again');
    this.started = true;
    this.subscribe();
  }

  /** Stops the subscription after the batch in flight; pending waits reject. Lookups keep answering from the last state. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    await this.subscription?.stop();
    this.subscription = null;
    const stopped = new Error('gateway state stopped');
    this.failReady(stopped);
    this.waiters.rejectAll(stopped);
  }

  /** Global position of the last event applied (or skipped as unrelated); 0 before any. */
  get position(): number {
    return this.applied;
  }

  get isReady(): boolean {
    return this.caughtUpOnce;
  }

  /** Resolves once `position` has been applied: read-your-writes for a caller that appended it. */
  waitForPosition(position: number, timeoutMs?: number): Promise<void> {
    if (this.stopped && position > this.applied) return Promise.reject(new Error('gateway state stopped'));
    return this.waiters.wait(position, this.applied, timeoutMs, () => `gateway state at ${this.applied}`);
  }

  key(keyHash: string): CachedKey | null {
    return this.keyFold.keys(keyHash)[0] ?? null;
  }

  /** Every active key with this hash: one, unless the key generator is broken. */
  keys(keyHash: string): readonly CachedKey[] {
    return this.keyFold.keys(keyHash);
  }

  tenant(tenantId: string): CachedTenant | null {
    return this.tenants.get(tenantId);
  }

  policiesFor(tenantId: string): readonly CachedPolicy[] {
    return this.policies.policiesFor(tenantId);
  }

  deploymentsFor(modelAlias: string): readonly CachedDeployment[] {
    return this.deployments.deploymentsFor(modelAlias);
  }

  /** Aliases with at least one enabled deployment (weight 0 ones included), sorted. */
  modelAliases(): readonly string[] {
    return this.deployments.aliases();
  }

  deployment(deploymentId: string): CachedDeployment | null {
    return this.deployments.deployment(deploymentId);
  }

  priceAt(deploymentId: string, isoInstant: string): Frozen<DeploymentPrice> | null {
    return this.deployments.priceAt(deploymentId, isoInstant);
  }

  /** Rollouts steering the alias (running or completed), by rollout id; see RolloutFold. */
  rolloutsFor(modelAlias: string): readonly CachedRollout[] {
    return this.rollouts.rolloutsFor(modelAlias);
  }

  /** The tenant's rate and concurrency ceilings (all null when none were set). */
  limitsFor(tenantId: string): CachedLimits {
    return this.limits.limitsFor(tenantId);
  }

  /** The tenant's budgets, sorted by budget id. */
  budgetsFor(tenantId: string): readonly CachedBudget[] {
    return this.budgets.budgetsFor(tenantId);
  }

  /** The most recent dead letters (at most 100); `status().deadLetters` counts them all. */
  deadLetters(): readonly CacheDeadLetter[] {
    return [...this.recentDeadLetters];
  }

  status(): GatewayStateStatus {
    return {
      position: this.applied,
      ready: this.caughtUpOnce,
      subscribed: this.subscription !== null,
      deadLetters: this.deadLetterCount,
      lastError: this.lastError?.message ?? null,
    };
  }

  /** A deep copy of the folded state as of `position`, to start another instance from (`from`). */
  snapshot(): GatewaySnapshot {
    return takeSnapshot(this.applied, this.folds);
  }

  private subscribe(): void {
    this.retryTimer = null;
    if (this.stopped) return;
    this.subscription = this.options.eventStore.subscribeToAll({
      after: this.applied,
      maxBatchSize: this.options.maxBatchSize,
      // Only the folded categories are read and decoded: inference events, most of the log, never are.
      filter: { categories: [...this.folds.keys()] },
      coalesceMs: this.options.coalesceMs ?? 5,
      onCheckpoint: (position) => this.skipTo(position),
      onEvents: (events) => this.applyBatch(events),
      onCaughtUp: () => {
        this.caughtUpOnce = true;
        this.markReady();
      },
      onError: (error) => this.resubscribeLater(error),
    });
  }

  private resubscribeLater(error: Error): void {
    this.lastError = error;
    this.subscription = null;
    if (this.stopped) return;
    this.retryTimer = setTimeout(() => this.subscribe(), this.options.retryDelayMs ?? 1000);
  }

  /** Events up to `position` were of no folded category: the state is as of `position` already. */
  private skipTo(position: number): void {
    if (position <= this.applied) return;
    this.applied = position;
    this.waiters.resolveUpTo(position);
  }

  private applyBatch(events: readonly RecordedEvent[]): void {
    for (const event of events) {
      if (event.position <= this.applied) continue; // at-least-once delivery: already applied
      const dash = event.streamId.indexOf('-');
      const fold = dash > 0 ? this.folds.get(event.streamId.slice(0, dash)) : undefined;
      if (fold !== undefined) this.applyTo(fold, event);
      this.applied = event.position;
    }
    this.waiters.resolveUpTo(this.applied);
  }

  private applyTo(fold: Fold, event: RecordedEvent): void {
    try {
      fold.apply(event);
    } catch (error) {
      fold.quarantine(event.streamId);
      this.deadLetterCount++;
      this.recentDeadLetters.push({ position: event.position, streamId: event.streamId, type: event.type, error: error instanceof Error ? error.message : String(error) });
      if (this.recentDeadLetters.length > MAX_DEAD_LETTERS_KEPT) this.recentDeadLetters.shift();
    }
  }
}
