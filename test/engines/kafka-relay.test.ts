import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { executeCommand } from '../../commands/handler.js';
import { tenantDecider, tenantStreamId, type TenantCommand } from '../../domain/tenant/index.js';
import { decodeEvent } from '../../engines/eventbus/avro-codec.js';
import { KafkaEventBus } from '../../engines/eventbus/kafka/index.js';
import { EventRelay, readModelCheckpoints } from '../../engines/eventbus/relay.js';
import { SqliteEventStore } from '../../engines/eventstore/sqlite/index.js';
import { SqliteReadModelStore } from '../../engines/readmodel/sqlite/index.js';
import { assertValidEventData } from '../../schemas/registry.js';
import { kafkaInstalled, type KafkaBroker, startOwnKafka } from '../support/kafka.js';
import { collectEvents, revisionsByStream } from '../support/relay.js';
import { waitFor } from '../support/wait.js';

/**
 * The relay against a real Kafka that goes away and comes back. This suite stops and starts a
 * broker of its own (port 19192, a temporary data folder), never a colleague's on 19092. It
 * needs the jars of ops/engines/kafka.sh install: without them it is pending, unless
 * NEXUS_REQUIRE_KAFKA=1.
 */
describe('EventRelay → Kafka, across a broker outage', function () {
  this.timeout(240_000);
  const dir = mkdtempSync(join(tmpdir(), 'nexus-kafka-relay-'));
  const env = { NEXUS_KAFKA_PORT: process.env.NEXUS_KAFKA_RELAY_TEST_PORT ?? '19192', NEXUS_KAFKA_DIR: join(dir, 'kafka') };
  let broker: KafkaBroker | undefined;
  let store: SqliteEventStore;
  let readModels: SqliteReadModelStore;
  let bus: KafkaEventBus;
  let relay: EventRelay | undefined;

  const deadline = (condition: () => boolean | Promise<boolean>, description: string, timeoutMs = 90_000) => waitFor(condition, { timeoutMs, intervalMs: 100, description });
  const command = (tenantId: string, type: 'register' | 'rename', n = 0): Promise<unknown> => {
    const meta = { now: new Date(Date.UTC(2025, 2, 1, 0, 0, n)).toISOString(), actor: 'admin' };
    const cmd: TenantCommand =
      type === 'register' ? { type: 'RegisterTenant', data: { tenantId, name: `Tenant ${tenantId}`, dataRegion: 'eu' }, meta } : { type: 'RenameTenant', data: { tenantId, name: `Renamed ${n} ✓` }, meta };
    const commandId = randomUUID();
    return executeCommand(store, tenantStreamId(tenantId), tenantDecider, cmd, { tenantId, commandId, correlationId: randomUUID(), causationId: commandId, actor: 'admin', occurredAt: meta.now });
  };
  const activity = async (tenants: readonly string[], renames: number): Promise<void> => {
    for (const tenantId of tenants) {
      await command(tenantId, 'register');
      for (let n = 1; n <= renames; n++) await command(tenantId, 'rename', n);
    }
  };

  before(async function () {
    if (!kafkaInstalled()) {
      if (process.env.NEXUS_REQUIRE_KAFKA === '1') throw new Error('NEXUS_REQUIRE_KAFKA=1 but Kafka is not installed; run ops/engines/kafka.sh install');
      console.warn('    no Kafka: the Kafka relay suite is pending (run ops/engines/kafka.sh install; NEXUS_REQUIRE_KAFKA=1 makes this a failure)');
      this.skip();
    }
    broker = await startOwnKafka(env);
    store = await SqliteEventStore.open({ path: join(dir, 'events.db'), pollIntervalMs: 50 });
    readModels = await SqliteReadModelStore.open({ path: join(dir, 'read-models.db') });
    bus = await KafkaEventBus.connect({ brokers: broker.brokers, clientId: 'nexus-relay-test', publishRetryMs: 2_000 });
  });
  after(async () => {
    await relay?.stop();
    await bus?.close();
    await store?.close();
    await readModels?.close();
    await broker?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('accepts commands while Kafka is down, then publishes every event exactly once after it is back', async () => {
    const checkpoints = readModelCheckpoints(readModels);
    relay = await EventRelay.start({ store, bus, checkpoints, batchSize: 50, retry: { initialMs: 100, maxMs: 1_000 } });
    const live = relay;
    await activity(['t_before'], 3);
    const before = await store.headPosition();
    await deadline(() => live.status().position === before, 'the relay to publish the first events');

    await broker?.stop();
    await activity(['t_during_a', 't_during_b'], 5); // the write side does not depend on Kafka
    const head = await store.headPosition();
    expect(head).to.equal(before + 12);
    await deadline(() => live.status().failures > 0, 'the relay to notice the outage');
    expect(live.status()).to.include({ state: 'retrying', position: before });
    expect(await checkpoints.get('eventbus-relay')).to.equal(before, 'no checkpoint past what Kafka took');

    broker = await startOwnKafka(env);
    await deadline(() => live.status().position === head, 'the relay to catch up after the restart');
    expect(live.status()).to.include({ state: 'running', lag: 0 });
    expect(await checkpoints.get('eventbus-relay')).to.equal(head);

    const sink = collectEvents(bus, `relay-test-${randomUUID()}`, ['nexus.tenant']);
    await deadline(() => sink.unique.size === head, `all ${head} events on nexus.tenant`);
    const stored = await store.readAll();
    expect([...sink.unique.keys()].sort()).to.deep.equal(stored.map((event) => event.eventId).sort(), 'every event, once each after de-duplication');
    for (const [streamId, revisions] of revisionsByStream(sink.unique.values())) expect(revisions, streamId).to.deep.equal(revisions.map((_, i) => i));
    for (const event of sink.unique.values()) {
      expect(event).to.deep.equal(stored.find((candidate) => candidate.eventId === event.eventId));
      assertValidEventData(event.type, event.data, Number(event.metadata.schemaVersion));
    }
    await sink.consumer.stop();
  });

  it('writes values any Avro reader can decode with the registered writer schema', async () => {
    const values: Buffer[] = [];
    const consumer = bus.consume({ groupId: `raw-${randomUUID()}`, topics: ['nexus.tenant'], onMessage: async (message) => void values.push(message.value) });
    const head = await store.headPosition();
    await deadline(() => values.length >= head, 'the raw values');
    await consumer.stop();
    for (const value of values) expect(['TenantRegistered', 'TenantRenamed']).to.include(decodeEvent(value).eventType);
  });
});
