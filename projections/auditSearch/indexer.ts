import type { Logger } from 'pino';
import type { EventStore, RecordedEvent } from '../../engines/eventstore/port.js';
import { SearchUnavailableError, physicalIndexName, versionOfIndex, type IndexMapping, type SearchDoc, type SearchPort } from '../../engines/search/port.js';
import { type BackoffPolicy, FailureStreak, InterruptibleSleep } from '../runtime/backoff.js';
import { type FollowerState, IndexFollower } from './follower.js';

interface Deferred<T> {
  readonly promise: Promise<T>;
  resolve(value: T): void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((res) => (resolve = res));
  return { promise, resolve };
}

function withTimeout<T>(promise: Promise<T>, timeoutMs: number | undefined, message: string): Promise<T> {
  if (timeoutMs === undefined) return promise;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(message)), timeoutMs)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export interface SearchIndexerOptions {
  readonly eventStore: EventStore;
  readonly search: SearchPort;
  /** The alias queries use; physical indices are `<alias>-v<N>`. */
  readonly alias: string;
  /** Version of the document code and mapping; a higher one than the live index is built blue/green on start. */
  readonly version: number;
  readonly mapping: IndexMapping;
  readonly toDocument: (event: RecordedEvent) => SearchDoc | null;
  readonly logger: Pick<Logger, 'info' | 'warn' | 'error'>;
  /** Only these stream categories are indexed (read through a server-side filter); undefined = every event. */
  readonly categories?: readonly string[];
  /** Wait this long after a commit before reading, so one bulk write covers many commits. */
  readonly coalesceMs?: number;
  /** Events per bulk request. Default 1000. */
  readonly batchSize?: number;
  /** Pauses while the engine is down: default 100 ms doubling up to 30 s. */
  readonly backoff?: BackoffPolicy;
  readonly now?: () => Date;
}

export interface SearchIndexerStatus {
  readonly alias: string;
  /** Live version (the one the alias points at); null before the first successful start. */
  readonly version: number | null;
  readonly checkpoint: number;
  readonly head: number;
  readonly lag: number;
  readonly state: FollowerState | 'starting';
  readonly deadLetters: number;
  readonly lastError: string | null;
  readonly rebuilding: { readonly version: number; readonly checkpoint: number } | null;
}

export interface SearchRebuildResult {
  readonly fromVersion: number;
  readonly toVersion: number;
  /** Checkpoint of the new version when the alias switched. */
  readonly switchedAt: number;
}

/**
 * Runs a search index as a projection of the event store: one IndexFollower on the live
 * physical index, and during a rebuild a second one filling `<alias>-v<N+1>` from position
 * 0. Blue/green: queries keep reading version N through the alias until N+1 has caught up
 * with the head, then the alias switches atomically and N is dropped with its checkpoint.
 * One indexer per index and search engine: versions and checkpoints assume a single writer.
 */
export class SearchIndexer {
  private live: IndexFollower | null = null;
  /** Settles when the first live follower exists, so a waiter issued during start-up is not lost. */
  private readonly started = deferred<IndexFollower>();
  private building: IndexFollower | null = null;
  private rebuildRun: Promise<SearchRebuildResult> | null = null;
  private stopped = false;
  private readonly sleeper = new InterruptibleSleep();
  private readonly streak: FailureStreak;

  constructor(private readonly options: SearchIndexerOptions) {
    this.streak = new FailureStreak(this.backoff, options.now ?? (() => new Date()));
  }

  private get backoff(): BackoffPolicy {
    return this.options.backoff ?? { initialMs: 100, maxMs: 30_000 };
  }

  /**
   * Finds (or creates) the live version and starts following the event store. Resolves once
   * that is set up; while the engine is unavailable it resolves at once and keeps trying in
   * the background, so a search outage never stops the process from starting.
   */
  async start(): Promise<void> {
    this.stopped = false;
    try {
      await this.setUp();
    } catch (error) {
      if (!(error instanceof SearchUnavailableError)) throw error;
      this.retrySetUp(error);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.sleeper.interrupt();
    await Promise.all([this.live?.stop(), this.building?.stop()]);
    await this.rebuildRun?.catch(() => undefined);
  }

  /** Resolves when the live index holds every event up to `position` and shows it to searches (read-your-writes). */
  async waitForPosition(position: number, timeoutMs?: number): Promise<void> {
    const deadline = timeoutMs === undefined ? undefined : Date.now() + timeoutMs;
    const first = this.live ?? (await withTimeout(this.started.promise, timeoutMs, `search index ${this.options.alias} did not start within ${timeoutMs} ms`));
    // After a blue/green switch the waiters move to the new live follower; ask the current one.
    await (this.live ?? first).waitForPosition(position, deadline === undefined ? undefined : Math.max(0, deadline - Date.now()));
    await this.options.search.refresh(this.options.alias);
  }

  async status(): Promise<SearchIndexerStatus> {
    const head = await this.options.eventStore.headPosition();
    const live = this.live;
    const checkpoint = live?.checkpoint ?? 0;
    const error = live?.lastError ?? this.streak.lastError;
    return {
      alias: this.options.alias,
      version: live ? versionOfIndex(this.options.alias, live.physical) : null,
      checkpoint,
      head,
      lag: Math.max(0, head - checkpoint),
      state: live?.state ?? 'starting',
      deadLetters: live?.deadLetters ?? 0,
      lastError: error ? error.message : null,
      rebuilding: this.building ? { version: versionOfIndex(this.options.alias, this.building.physical) ?? 0, checkpoint: this.building.checkpoint } : null,
    };
  }

  /** Builds version live+1 from position 0 beside the live one, then switches to it. One at a time: a second call joins the first. */
  rebuild(toVersion?: number): Promise<SearchRebuildResult> {
    const live = this.live;
    if (!live) return Promise.reject(new Error(`search index ${this.options.alias} is not started`));
    const from = versionOfIndex(this.options.alias, live.physical) ?? 0;
    this.rebuildRun ??= this.buildBesideLive(live, from, toVersion ?? from + 1).finally(() => (this.rebuildRun = null));
    return this.rebuildRun;
  }

  private async setUp(): Promise<void> {
    const { search, alias, version, mapping } = this.options;
    const current = await search.resolveAlias(alias);
    let liveVersion = version;
    if (current === null) {
      await search.ensureIndex(alias, version, mapping);
    } else {
      const found = versionOfIndex(alias, current);
      if (found === null) throw new Error(`alias ${alias} points at '${current}', not a version of it`);
      liveVersion = found;
      // A crash between an alias switch and the drop leaves N-1 behind; the alias has moved on, so it is garbage.
      if (liveVersion > 1) await this.discard(liveVersion - 1);
    }
    if (this.stopped) return;
    this.live = this.follower(liveVersion);
    this.live.start();
    this.started.resolve(this.live);
    this.streak.reset();
    if (version > liveVersion) {
      this.options.logger.info({ alias, from: liveVersion, to: version }, 'search index: code version is newer, rebuilding blue/green');
      this.rebuild(version).catch((error: unknown) => this.options.logger.error({ err: error, alias }, 'search index rebuild failed'));
    }
  }

  private retrySetUp(error: unknown): void {
    this.options.logger.warn({ err: error, alias: this.options.alias }, 'search engine unavailable; the search indexer will retry');
    void this.sleeper.sleep(this.streak.record(error)).then(() => {
      if (this.stopped) return;
      this.setUp().catch((next: unknown) => {
        if (next instanceof SearchUnavailableError) this.retrySetUp(next);
        else this.options.logger.error({ err: next, alias: this.options.alias }, 'search indexer could not start');
      });
    });
  }

  private async buildBesideLive(live: IndexFollower, fromVersion: number, toVersion: number): Promise<SearchRebuildResult> {
    const { search, alias, mapping, eventStore } = this.options;
    const physical = physicalIndexName(alias, toVersion);
    // Leftovers of an interrupted build of the same version are discarded: always from 0.
    await this.discard(toVersion);
    await search.ensureIndex(alias, toVersion, mapping);
    const next = this.follower(toVersion);
    this.building = next;
    try {
      next.start();
      await next.waitForPosition(await eventStore.headPosition());
      await search.refresh(physical);
      await search.switchAlias(alias, physical);
    } catch (error) {
      this.building = null;
      await next.stop();
      throw error;
    }
    this.live = next;
    this.building = null;
    next.adoptWaiters(live.takeWaiters());
    await live.stop();
    await this.discard(fromVersion);
    this.options.logger.info({ alias, fromVersion, toVersion }, 'search index rebuilt and switched');
    return { fromVersion, toVersion, switchedAt: next.checkpoint };
  }

  private async discard(version: number): Promise<void> {
    const physical = physicalIndexName(this.options.alias, version);
    await this.options.search.dropIndex(physical);
    await this.options.search.deleteCheckpoint(physical);
  }

  private follower(version: number): IndexFollower {
    const { eventStore, search, toDocument, logger, alias } = this.options;
    return new IndexFollower({
      eventStore,
      search,
      physical: physicalIndexName(alias, version),
      toDocument,
      batchSize: this.options.batchSize ?? 1000,
      backoff: this.backoff,
      now: this.options.now ?? (() => new Date()),
      ...(this.options.categories ? { categories: this.options.categories } : {}),
      ...(this.options.coalesceMs ? { coalesceMs: this.options.coalesceMs } : {}),
      onDeadLetter: (event, error) =>
        logger.error({ err: error, alias, position: event.position, streamId: event.streamId, eventId: event.eventId, type: event.type }, 'search index refused an event; skipped'),
    });
  }
}
