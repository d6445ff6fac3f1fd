import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { KafkaEventBus } from '../engines/eventbus/kafka/index.js';
import { MemoryEventBus } from '../engines/eventbus/memory/index.js';
import type { EventBus } from '../engines/eventbus/port.js';
import { ReadModelProcessedEvents } from '../engines/eventbus/processed-events.js';
import { EventRelay, readModelCheckpoints, type CheckpointStore, type RelayStatus } from '../engines/eventbus/relay.js';
import type { EventStore } from '../engines/eventstore/port.js';
import type { ReadModelStore } from '../engines/readmodel/port.js';
import type { Config } from './config.js';
import { openConfigured } from './engines.js';
import { webhookSecretsFor } from './webhook/routes.js';
import { WEBHOOK_TOPICS, WebhookWorker } from './workers/webhooks/worker.js';

/**
 * Everything that carries events out of the process: the relay (event store → bus) and the
 * workers consuming the bus (signed webhooks today).
 *
 * With NEXUS_KAFKA_BROKERS the relay publishes every event to Kafka from a checkpoint kept in
 * the read-model store, and the workers are consumer groups any gateway process may join.
 * Without it the bus is in this process and forgets everything at exit, so the relay keeps
 * its checkpoint in memory too and republishes, at each start, the categories the in-process
 * workers consume (a few control-plane events, not the inference log); the workers'
 * persistent de-duplication (processed events in the read-model store) makes that replay a
 * no-op for what they had already handled, so nothing is lost across a restart.
 */
export interface Outbound {
  readonly bus: EventBus;
  relayStatus(): RelayStatus;
  stop(): Promise<void>;
}

export interface OutboundDeps {
  readonly config: Config;
  readonly eventStore: EventStore;
  readonly readModelStore: ReadModelStore;
  readonly logger: Logger;
  readonly registry: Registry;
}

/** The categories behind the webhook worker's topics (`nexus.<category>`). */
const WORKER_CATEGORIES = WEBHOOK_TOPICS.map((topic) => topic.slice(topic.indexOf('.') + 1));

function memoryCheckpoints(): CheckpointStore {
  const positions = new Map<string, number>();
  return { get: async (name) => positions.get(name) ?? 0, put: async (name, position) => void positions.set(name, position) };
}

function openBus(config: Config, logger: Logger): Promise<EventBus> {
  const brokers = config.NEXUS_KAFKA_BROKERS;
  if (brokers === undefined) return Promise.resolve(new MemoryEventBus({ retainPerPartition: 10_000 }));
  return openConfigured('NEXUS_KAFKA_BROKERS', 'Kafka', () => KafkaEventBus.connect({ brokers: brokers.split(','), clientId: 'nexus-gateway', log: logger }));
}

export async function startOutbound(deps: OutboundDeps): Promise<Outbound> {
  const { config, eventStore, readModelStore, logger } = deps;
  const bus = await openBus(config, logger);
  const onKafka = config.NEXUS_KAFKA_BROKERS !== undefined;
  const relay = await EventRelay.start({
    store: eventStore,
    bus,
    checkpoints: onKafka ? readModelCheckpoints(readModelStore) : memoryCheckpoints(),
    ...(onKafka ? {} : { categories: WORKER_CATEGORIES }),
    log: logger,
  });
  const webhooks = new WebhookWorker({
    bus,
    eventStore,
    logger,
    registry: deps.registry,
    secrets: await webhookSecretsFor(config),
    processed: new ReadModelProcessedEvents(readModelStore),
    allowPrivateNetworks: config.NEXUS_WEBHOOK_ALLOW_PRIVATE_NETWORKS,
    timeoutMs: config.NEXUS_WEBHOOK_TIMEOUT_MS,
  });
  await webhooks.start();
  return {
    bus,
    relayStatus: () => relay.status(),
    async stop() {
      await webhooks.stop();
      await relay.stop();
      await bus.close();
    },
  };
}
