import { mkdir } from 'node:fs/promises';
import type { Logger } from 'pino';
import { EnvSecretSource } from '../engines/secrets/env.js';
import { instrumentEventStore } from '../engines/eventstore/instrumented.js';
import type { EventStore } from '../engines/eventstore/port.js';
import type { ReadModelStore } from '../engines/readmodel/port.js';
import { CachedCredentials, GatewayState } from '../projections/cache/index.js';
import { ALL_PROJECTIONS, SHARED_COLLECTIONS } from '../projections/index.js';
import { ProjectionRunner, ReadModels, checkpointName } from '../projections/runtime/index.js';
import type { Registry } from 'prom-client';
import { ProjectionThread, type ProjectionHost } from './projection-thread/index.js';
import { resolveAdminToken, type AdminToken } from './admin-token.js';
import { createApp, type NexusApp } from './app.js';
import { OpenedEngines, openCounters, openEventStore, openReadModelStore, openSearch } from './engines.js';
import { projectionBatchSize } from './read-model-store.js';
import { auditSearchIndexer, type SearchIndexer } from '../projections/auditSearch/index.js';
import { startOutbound, type Outbound } from './outbound.js';
import { CATEGORIES } from '../domain/shared/streams.js';
import type { Config } from './config.js';
import type { AppDeps, ProjectionControl } from './deps.js';
import { createLogger } from './http/logger.js';
import { createMetrics, type Metrics } from './http/metrics.js';
import { LoadAwareRecorder, LoopLoad } from './v1/recording/load-aware.js';
import { inlineRecorder, timedRecorder, type OutcomeRecorder } from './v1/recording/recorder.js';
import { ThreadRecorder } from './v1/recording/thread.js';

/**
 * Builds the whole process from configuration: engines (embedded unless configured
 * otherwise), projections, and the HTTP app. Tests use it with a temporary data dir, so
 * they exercise exactly what `npm start` runs.
 */
export interface Nexus {
  readonly app: NexusApp;
  readonly deps: AppDeps;
  readonly adminToken: AdminToken;
  readonly runner: ProjectionHost;
  readonly rawEventStore: EventStore;
  readonly readModelStore: ReadModelStore;
  /** The audit-trail search index (Elasticsearch, or in process); tests wait on its position. */
  readonly auditSearch: SearchIndexer;
  /** The event relay, the bus and the workers on it (webhooks). */
  readonly outbound: Outbound;
  close(): Promise<void>;
}

export interface BootstrapOptions {
  readonly logger?: Logger;
}

function projectionControl(runner: ProjectionHost, store: ReadModelStore, gateway: GatewayState): ProjectionControl {
  const byName = new Map(ALL_PROJECTIONS.map((projection) => [projection.name, projection]));
  return {
    names: () => [...byName.keys()],
    status: () => runner.status(),
    rebuild: async (name) => {
      await runner.rebuild(name);
      const status = (await runner.status()).find((entry) => entry.name === name);
      if (!status) throw new Error(`projection ${name} vanished`);
      return status;
    },
    deadLetters: async (name, limit) => {
      const live = (await runner.status()).find((entry) => entry.name === name);
      const projection = byName.get(name);
      if (!live || !projection) return [];
      return store.listDeadLetters(checkpointName(projection, live.version), limit);
    },
    waitForPosition: async (position, timeoutMs) => {
      try {
        // The read models and the in-process gateway state: a key issued by a command
        // authenticates, and a revoked one stops, by the time the command has answered.
        await Promise.all([runner.waitForPosition(position, { timeoutMs }), gateway.waitForPosition(position, timeoutMs)]);
        return true;
      } catch {
        return false; // a slow projection must not fail the command that already succeeded
      }
    },
  };
}

/**
 * Elasticsearch indexes every event. The in-process index lives on the heap (~3 KiB per event)
 * and is rebuilt from the log at each start, so it leaves out the per-request inference events
 * (most of a gateway's log; each request's stream and the usage read model cover them) and
 * reads in 50 ms windows, off the request path's commits.
 */
function auditSearchScope(config: Config) {
  const alias = config.NEXUS_ELASTICSEARCH_AUDIT_INDEX;
  if (config.NEXUS_ELASTICSEARCH_URL !== undefined) return { alias, coalesceMs: 10 };
  return { alias, categories: CATEGORIES.filter((category) => category !== 'inference'), coalesceMs: 50 };
}

/** The read-model projections: on their own thread with NEXUS_PROJECTION_THREAD, else on this one. */
async function startProjections(config: Config, deps: { readonly eventStore: EventStore; readonly readModelStore: ReadModelStore; readonly registry: Registry; readonly logger: Logger }): Promise<ProjectionHost> {
  if (config.NEXUS_PROJECTION_THREAD) return ProjectionThread.start({ config, registry: deps.registry, logger: deps.logger });
  const batchSize = projectionBatchSize(config);
  const runner = new ProjectionRunner({ eventStore: deps.eventStore, store: deps.readModelStore, projections: ALL_PROJECTIONS, registry: deps.registry, ...(batchSize ? { batchSize } : {}) });
  await runner.start();
  return runner;
}

/**
 * Usage events: with NEXUS_RECORDER_THREAD, on a worker thread while this event loop is busy and
 * inline while it has headroom (load-aware.ts); otherwise always inline. Each path's wait for the
 * commit goes into nexus_usage_record_duration_seconds.
 */
async function openRecorder(config: Config, eventStore: EventStore, metrics: Metrics, logger: Logger): Promise<OutcomeRecorder> {
  const timed = (recorder: OutcomeRecorder, path: 'inline' | 'thread') => timedRecorder(recorder, (outcome, seconds) => metrics.usageRecordDuration.observe({ path, outcome }, seconds));
  const inline = inlineRecorder(eventStore);
  if (!config.NEXUS_RECORDER_THREAD) return timed(inline, 'inline');
  const thread = await ThreadRecorder.start({ config, fallback: inline, logger });
  const load = new LoopLoad();
  return new LoadAwareRecorder({ offloaded: timed(thread, 'thread'), inline: timed(inline, 'inline') }, () => load.current, () => load.stop());
}

export async function bootstrap(config: Config, options: BootstrapOptions = {}): Promise<Nexus> {
  const logger = options.logger ?? createLogger(config.NEXUS_LOG_LEVEL);
  await mkdir(config.NEXUS_DATA_DIR, { recursive: true });
  // Before anything listens: a broken NEXUS_SECRETS_FILE stops the start with its path named (never a value).
  const secrets = new EnvSecretSource({ onRefreshError: (err) => logger.warn({ err }, 'secrets file not reloaded; previous secrets kept') });
  const engines = new OpenedEngines();
  const counters = await engines.add(openCounters(config), (opened) => opened.close());
  const rawEventStore = await engines.add(openEventStore(config), (opened) => opened.close());
  const readModelStore = await engines.add(openReadModelStore(config), (opened) => opened.close());
  const search = await engines.add(openSearch(config), (opened) => opened.close());
  const metrics = createMetrics();
  const eventStore = instrumentEventStore(rawEventStore, metrics.appendDuration);
  // The projection and recorder threads start side by side (each loads its modules, ~1 s) while
  // this thread folds the gateway state; any failure from here on closes what was opened.
  const startingRunner = engines.opening(startProjections(config, { eventStore, readModelStore, registry: metrics.registry, logger }), (opened) => opened.stop());
  const startingRecorder = engines.opening(openRecorder(config, eventStore, metrics, logger), (opened) => opened.close());
  try {
    // Hot-path state (keys, tenants, policies, catalog) folded in memory from the event
    // subscription: authentication never queries a database.
    const gateway = await engines.add(startGatewayState(eventStore), (opened) => opened.stop());
    const auditSearch = await engines.add(startAuditSearch(config, { eventStore, search, logger }), (opened) => opened.stop());
    const outbound = await engines.add(startOutbound({ config, eventStore, readModelStore, logger, registry: metrics.registry }), (opened) => opened.stop());
    const runner = await startingRunner;
    const recorder = await startingRecorder;
    const adminToken = await resolveAdminToken(config.NEXUS_ADMIN_TOKEN, config.NEXUS_DATA_DIR);
    const deps: AppDeps = {
      config,
      logger,
      metrics,
      eventStore,
      recorder,
      search,
      readModels: new ReadModels(readModelStore, { sharedCollections: SHARED_COLLECTIONS }),
      projections: projectionControl(runner, readModelStore, gateway),
      idempotency: counters.idempotency,
      counters,
      secrets,
      credentials: new CachedCredentials(gateway),
      gateway,
      adminToken: adminToken.token,
      now: () => new Date(),
      ready: async () => {
        await eventStore.headPosition();
        // A projection paused by a read-model outage leaves this process able to serve the data
        // plane (its state is in memory): still ready, the lag shows in /metrics. A stopped one is not.
        // A projection thread that died answers nothing: not ready either.
        const statuses = await runner.status().catch(() => null);
        return gateway.isReady && statuses !== null && statuses.every((status) => status.state !== 'stopped');
      },
    };
    const app = createApp(deps);
    return {
      app,
      deps,
      adminToken,
      runner,
      rawEventStore,
      readModelStore,
      auditSearch,
      outbound,
      async close() {
        await engines.closeAll();
        secrets.close();
      },
    };
  } catch (error) {
    await engines.closeAll();
    secrets.close();
    throw error;
  }
}

async function startGatewayState(eventStore: EventStore): Promise<GatewayState> {
  const gateway = new GatewayState({ eventStore });
  gateway.start();
  await gateway.ready;
  return gateway;
}

async function startAuditSearch(config: Config, deps: Parameters<typeof auditSearchIndexer>[0]): Promise<SearchIndexer> {
  const auditSearch = auditSearchIndexer(deps, auditSearchScope(config));
  await auditSearch.start(); // returns while Elasticsearch is down: the indexer keeps retrying, then catches up
  return auditSearch;
}
