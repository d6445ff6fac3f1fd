import type { Registry } from 'prom-client';
import type { EventStore } from '../../engines/eventstore/port.js';
import type { ReadModelStore } from '../../engines/readmodel/port.js';
import { backoffDelay, type BackoffPolicy, InterruptibleSleep, isStoreUnavailable } from './backoff.js';
import { type HealthSample, registerHealthGauges, registerLagGauge, type LagSample } from './metrics.js';
import { assertValidProjection, checkpointName, physicalCollection, type Projection, versionOfPhysical } from './projection.js';
import { describeEntry, isStalled, type ProjectionStatus } from './status.js';
import { ProjectionWorker } from './worker.js';

export type { ProjectionStatus } from './status.js';

export interface ProjectionRunnerOptions {
  readonly eventStore: EventStore;
  readonly store: ReadModelStore;
  readonly projections: readonly Projection[];
  /** Where `nexus_projection_lag_events{projection}` is registered; no metrics without it. */
  readonly registry?: Registry;
  /** Events per subscription batch (one store.commit each). Default 1000. */
  readonly batchSize?: number;
  /**
   * First delay after a failure (read-model store unavailable, subscription died); it doubles
   * per consecutive failure up to maxRetryDelayMs. Default 1000 ms.
   */
  readonly retryDelayMs?: number;
  /** Cap of the retry delay: during a long outage the store is probed once per this. Default 30,000 ms. */
  readonly maxRetryDelayMs?: number;
  /**
   * After a new commit, wait this long before reading, so one read-model transaction covers
   * the commits of that interval instead of one each (default 10 ms: under load the gateway
   * commits hundreds of times a second; an admin command's read-your-writes wait grows by at most this).
   */
  readonly coalesceMs?: number;
  /** Wall clock for dead-letter and failure timestamps only. */
  readonly now?: () => Date;
}

export interface RebuildResult {
  readonly name: string;
  readonly fromVersion: number;
  readonly toVersion: number;
  /** Checkpoint of the new version when the alias switched. */
  readonly switchedAt: number;
}

export interface WaitOptions {
  /** Wait for this projection only (default: every projection). */
  readonly projection?: string;
  readonly timeoutMs?: number;
}

interface Entry {
  readonly projection: Projection;
  live: ProjectionWorker;
  building: ProjectionWorker | null;
  rebuild: Promise<RebuildResult> | null;
  rebuildError: Error | null;
}

/**
 * Runs projections against the event store. One runner per read-model store: versions,
 * aliases and checkpoints assume a single writer.
 *
 * Blue/green: the logical collection is an alias to `${collection}_v${version}`. The live
 * version is whatever the alias points at (so a rebuilt version survives restarts); a
 * rebuild fills version N+1 from position 0 beside N while queries keep reading N, then
 * switches the alias atomically and drops N. Queries never stop and never see a partial build.
 *
 * Outages of the read-model store (ReadModelStoreUnavailableError) pause projections and
 * rebuilds, which retry with capped exponential backoff and resume where they stopped; they
 * never end a projection, fail a rebuild or dead-letter an event. Only start() needs the store
 * up (to read the aliases), so a misconfigured store shows at once.
 */
export class ProjectionRunner {
  private readonly entries = new Map<string, Entry>();
  private running = false;
  private stopping = false;
  private stopSignal = createStopSignal();
  private readonly backoff: BackoffPolicy;
  private readonly sleeper = new InterruptibleSleep();

  constructor(private readonly options: ProjectionRunnerOptions) {
    const names = new Set<string>();
    const collections = new Set<string>();
    for (const projection of options.projections) {
      assertValidProjection(projection);
      if (names.has(projection.name) || collections.has(projection.collection)) {
        throw new Error(`projection ${projection.name}: name and collection must be unique`);
      }
      names.add(projection.name);
      collections.add(projection.collection);
    }
    this.backoff = { initialMs: options.retryDelayMs ?? 1000, maxMs: options.maxRetryDelayMs ?? 30_000 };
    if (options.registry) {
      registerLagGauge(options.registry, () => this.lagSamples());
      registerHealthGauges(options.registry, () => this.healthSamples());
    }
  }

  /** Starts every projection from its checkpoint; resolves once all are subscribed (not caught up). */
  async start(): Promise<void> {
    if (this.running) throw new Error('projection runner already started');
    this.running = true;
    this.stopping = false;
    this.stopSignal = createStopSignal();
    for (const projection of this.options.projections) await this.startProjection(projection);
  }

  async stop(): Promise<void> {
    this.running = false;
    this.stopping = true;
    this.stopSignal.fire();
    this.sleeper.interrupt();
    const workers = [...this.entries.values()].flatMap((entry) => [entry.live, entry.building]);
    for (const worker of workers) {
      if (!worker) continue;
      await worker.stop();
      worker.rejectWaiters(new Error(`projection ${worker.checkpointName} stopped`));
    }
    await Promise.allSettled([...this.entries.values()].map((entry) => entry.rebuild));
  }

  /** Resolves when the live version of each (or the named) projection has applied `position`. */
  async waitForPosition(position: number, options: WaitOptions = {}): Promise<void> {
    const entries = options.projection ? [this.entry(options.projection)] : [...this.entries.values()];
    await Promise.all(entries.map((entry) => entry.live.waitForPosition(position, options.timeoutMs)));
  }

  /** Resolves when every live projection has applied everything committed when it was called. */
  async waitUntilCaughtUp(options: WaitOptions = {}): Promise<void> {
    await this.waitForPosition(await this.options.eventStore.headPosition(), options);
  }

  async status(): Promise<ProjectionStatus[]> {
    const head = await this.options.eventStore.headPosition();
    return [...this.entries.values()].map((entry) => describeEntry(entry, head));
  }

  /**
   * Builds version live+1 from position 0 beside the live one and switches to it. Only one
   * rebuild per projection runs at a time; a second call returns the one in progress.
   */
  rebuild(name: string): Promise<RebuildResult> {
    const entry = this.entry(name);
    return entry.rebuild ?? this.track(entry, entry.live.version + 1);
  }

  private async startProjection(projection: Projection): Promise<void> {
    const version = await this.liveVersion(projection);
    const live = this.worker(projection, version);
    const entry: Entry = { projection, live, building: null, rebuild: null, rebuildError: null };
    this.entries.set(projection.name, entry);
    await live.start();
    // The code moved to a newer version: build it beside the live one, in the background.
    if (projection.version > version) this.track(entry, projection.version).catch(() => undefined);
  }

  /** The version the alias points at; the first start points it at the code's version. */
  private async liveVersion(projection: Projection): Promise<number> {
    const { store } = this.options;
    const target = await store.getAlias(projection.collection);
    if (target === null) {
      await store.setAlias(projection.collection, physicalCollection(projection, projection.version));
      return projection.version;
    }
    const version = versionOfPhysical(projection, target);
    if (version === null) throw new Error(`alias ${projection.collection} points at '${target}', not a version of projection ${projection.name}`);
    // A crash between the alias switch and the drop leaves N-1 behind; the alias has moved, so it is garbage.
    if (version > 1) await this.dropVersion(projection, version - 1);
    return version;
  }

  private track(entry: Entry, version: number): Promise<RebuildResult> {
    const run = this.buildBesideLive(entry, version);
    entry.rebuild = run;
    entry.rebuildError = null;
    run.then(
      () => (entry.rebuild = null),
      (error: unknown) => {
        entry.rebuild = null;
        entry.rebuildError = error instanceof Error ? error : new Error(String(error));
      },
    );
    return run;
  }

  private async buildBesideLive(entry: Entry, version: number): Promise<RebuildResult> {
    const fromVersion = entry.live.version;
    const next = this.worker(entry.projection, version);
    entry.building = next;
    try {
      // Leftovers of an interrupted rebuild of the same version are discarded: always from 0.
      await this.untilAvailable(() => this.dropVersion(entry.projection, version));
      await this.whileRunning(next.start());
      const head = await this.options.eventStore.headPosition();
      await this.whileRunning(next.waitForPosition(head));
      await this.switchTo(entry, next);
    } catch (error) {
      entry.building = null;
      await next.stop();
      throw error;
    }
    return { name: entry.projection.name, fromVersion, toVersion: version, switchedAt: next.checkpoint };
  }

  /**
   * Freezes the old version, lets the new one reach the old checkpoint, then switches the
   * alias. Queries read the old version until the switch and the new one after it, which
   * is never behind what the old one showed; waits in progress move to the new version.
   */
  private async switchTo(entry: Entry, next: ProjectionWorker): Promise<void> {
    const old = entry.live;
    await old.stop();
    try {
      await this.whileRunning(next.waitForPosition(old.checkpoint));
      await this.untilAvailable(() => this.options.store.setAlias(entry.projection.collection, next.physical));
    } catch (error) {
      if (!this.stopping) await old.start();
      throw error;
    }
    entry.live = next;
    entry.building = null;
    next.adoptWaiters(old.takeWaiters());
    // Switched: a drop that never happens (stopped during an outage) leaves garbage that the next start removes.
    await this.untilAvailable(() => this.dropVersion(entry.projection, old.version));
  }

  /** Rejects as soon as stop() is called, so a rebuild never outlives the runner. */
  private whileRunning<T>(work: Promise<T>): Promise<T> {
    return Promise.race([work, this.stopSignal.promise]);
  }

  /** Retries a store operation of a rebuild for as long as the store is unavailable (or until stop). */
  private async untilAvailable<T>(work: () => Promise<T>): Promise<T> {
    for (let failures = 1; ; failures++) {
      try {
        return await work();
      } catch (error) {
        if (this.stopping || !isStoreUnavailable(error)) throw error;
        await this.whileRunning(this.sleeper.sleep(backoffDelay(this.backoff, failures)));
      }
    }
  }

  private async dropVersion(projection: Projection, version: number): Promise<void> {
    await this.options.store.dropCollection(physicalCollection(projection, version));
    await this.options.store.deleteCheckpoint(checkpointName(projection, version));
  }

  private worker(projection: Projection, version: number): ProjectionWorker {
    return new ProjectionWorker({
      eventStore: this.options.eventStore,
      store: this.options.store,
      projection,
      version,
      batchSize: this.options.batchSize ?? 1000,
      backoff: this.backoff,
      coalesceMs: this.options.coalesceMs ?? 10,
      now: this.options.now ?? (() => new Date()),
    });
  }

  private entry(name: string): Entry {
    const entry = this.entries.get(name);
    if (!entry) throw new Error(`unknown or not started projection '${name}'`);
    return entry;
  }

  /** For the lag gauge; a scrape must not fail because the event store is closing: no samples then. */
  async lagSamples(): Promise<LagSample[]> {
    if (this.entries.size === 0) return [];
    const head = await this.options.eventStore.headPosition().catch(() => null);
    if (head === null) return [];
    return [...this.entries.values()].map((entry) => ({ projection: entry.projection.name, lag: Math.max(0, head - entry.live.checkpoint) }));
  }

  /** For the outage gauges; a rebuild waiting for the store counts too: the projection is not keeping up either way. */
  healthSamples(): HealthSample[] {
    return [...this.entries.values()].map(({ projection, live, building }) => ({
      projection: projection.name,
      paused: isStalled(live.state) || (building !== null && isStalled(building.state)) ? 1 : 0,
      failures: Math.max(live.failures.count, building?.failures.count ?? 0),
    }));
  }
}

interface StopSignal {
  readonly promise: Promise<never>;
  fire(): void;
}

function createStopSignal(): StopSignal {
  let fire!: () => void;
  const promise = new Promise<never>((_, reject) => {
    fire = () => reject(new Error('projection runner stopped'));
  });
  promise.catch(() => undefined); // observed by whileRunning; never an unhandled rejection
  return { promise, fire };
}
