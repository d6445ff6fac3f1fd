import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { MemoryEventBus } from '../../../engines/eventbus/memory/index.js';
import { BusUnavailableError, type BusConsumer, type BusMessage, type ConsumeOptions, type EventBus } from '../../../engines/eventbus/port.js';
import { DEAD_LETTER_TOPIC, ERROR_HEADER, EventRelay, readModelCheckpoints } from '../../../engines/eventbus/relay.js';
import { SqliteEventStore } from '../../../engines/eventstore/sqlite/index.js';
import { SqliteReadModelStore } from '../../../engines/readmodel/sqlite/index.js';
import { appendTenantActivity, collectEvents, MemoryCheckpoints, revisionsByStream } from '../../support/relay.js';
import { deferred, waitFor } from '../../support/wait.js';

/** The in-process bus, with a switch that makes every publish fail as a dead broker would. */
class SwitchableBus implements EventBus {
  down = false;
  attempts = 0;
  /** When set, publishes wait for it (a slow broker). */
  gate: Promise<void> | null = null;
  constructor(readonly inner: MemoryEventBus) {}
  ensureTopics(topics: readonly string[]): Promise<void> {
    return this.inner.ensureTopics(topics);
  }
  async publish(messages: readonly BusMessage[]): Promise<void> {
    this.attempts++;
    if (this.down) throw new BusUnavailableError('broker down (test)');
    await this.gate;
    return this.inner.publish(messages);
  }
  consume(options: ConsumeOptions): BusConsumer {
    return this.inner.consume(options);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

const fast = { initialMs: 5, maxMs: 50 };
const until = (condition: () => boolean, description: string) => waitFor(condition, { timeoutMs: 15_000, description });

describe('EventRelay (SQLite event store → in-process bus)', () => {
  let store: SqliteEventStore;
  let bus: SwitchableBus;
  let checkpoints: MemoryCheckpoints;
  let relays: EventRelay[];
  let consumers: BusConsumer[];

  const startRelay = async (batchSize = 7): Promise<EventRelay> => {
    const relay = await EventRelay.start({ store, bus, checkpoints, batchSize, retry: fast });
    relays.push(relay);
    return relay;
  };
  /** A relay that published the first events of tenant t_a, and a bus that has just gone down. */
  const publishThenFail = async (renames: number): Promise<{ relay: EventRelay; first: number }> => {
    const relay = await startRelay();
    const first = await appendTenantActivity(store, 't_a', renames);
    await until(() => relay.status().position === first, 'the first events published');
    bus.down = true;
    return { relay, first };
  };
  const sink = () => {
    const collected = collectEvents(bus, `g-${randomUUID()}`);
    consumers.push(collected.consumer);
    return collected;
  };

  beforeEach(async () => {
    store = await SqliteEventStore.open({ path: ':memory:', pollIntervalMs: 20 });
    bus = new SwitchableBus(new MemoryEventBus());
    checkpoints = new MemoryCheckpoints();
    relays = [];
    consumers = [];
  });
  afterEach(async () => {
    await Promise.all(relays.map((relay) => relay.stop()));
    await Promise.all(consumers.map((consumer) => consumer.stop()));
    await bus.close();
    await store.close();
  });

  it('publishes exactly the events appended, each stream in order, decodable back to the stored events', async () => {
    let appended = 0;
    for (let t = 0; t < 5; t++) appended += await appendTenantActivity(store, `t_${t}`, 6);
    const relay = await startRelay();
    const events = sink();
    for (let t = 5; t < 8; t++) appended += await appendTenantActivity(store, `t_${t}`, 3);
    await until(() => events.deliveries.length === appended, `${appended} events`);
    expect(events.unique.size).to.equal(appended, 'no duplicates without failures');
    expect(events.deliveries).to.deep.equal(await store.readAll().then((all) => all.filter((e) => events.unique.has(e.eventId)).sort(byArrival(events.deliveries))));
    for (const [streamId, revisions] of revisionsByStream(events.unique.values())) {
      expect(revisions, streamId).to.deep.equal(revisions.map((_, i) => i));
    }
    await until(() => relay.status().position === appended, 'the checkpoint at the head');
    expect(relay.status()).to.include({ state: 'running', lag: 0, published: appended, failures: 0, lastError: null });
  });

  it('keeps the checkpoint where it was while the bus is down, and catches up when it is back', async () => {
    const { relay, first } = await publishThenFail(2);
    const more = await appendTenantActivity(store, 't_b', 10);
    await until(() => relay.status().failures >= 3, 'a few failed attempts');
    expect(relay.status()).to.include({ state: 'retrying', position: first });
    expect(relay.status().lastError?.message).to.match(/publish: broker down/);
    expect(await checkpoints.get('eventbus-relay')).to.equal(first);
    bus.down = false;
    await until(() => relay.status().position === first + more, 'the catch-up');
    const events = sink();
    await until(() => events.unique.size === first + more, 'every event on the bus');
    expect(events.deliveries.length).to.equal(first + more, 'failed attempts published nothing');
    expect(relay.status()).to.include({ state: 'running', lag: 0 });
  });

  it('resumes from the checkpoint after a stop — even one in the middle of an outage — losing nothing', async () => {
    const { relay, first } = await publishThenFail(4);
    const second = await appendTenantActivity(store, 't_b', 4);
    await until(() => bus.attempts > 3, 'attempts against the dead bus');
    await relay.stop();
    expect(relay.status().state).to.equal('stopped');
    expect(await checkpoints.get('eventbus-relay')).to.equal(first);
    bus.down = false;
    const third = await appendTenantActivity(store, 't_c', 4);
    const restarted = await startRelay(3);
    const events = sink();
    const total = first + second + third;
    await until(() => events.unique.size === total, `all ${total} events`);
    await until(() => restarted.status().position === total, 'the checkpoint at the head');
    expect([...events.unique.values()].map((e) => e.position).sort((a, b) => a - b)).to.deep.equal(Array.from({ length: total }, (_, i) => i + 1));
  });

  it('stores the checkpoint of a publish that completes after stop() was called', async () => {
    const slow = deferred();
    bus.gate = slow.promise;
    const appended = await appendTenantActivity(store, 't_a', 3);
    const relay = await startRelay(100);
    await until(() => bus.attempts === 1, 'the publish under way');
    const stopping = relay.stop();
    slow.resolve();
    await stopping;
    expect(await checkpoints.get('eventbus-relay')).to.equal(appended);
  });

  it('retries the checkpoint alone when its store fails, without publishing the batch again', async () => {
    checkpoints.failing = true;
    const relay = await startRelay(100);
    const events = sink();
    const appended = await appendTenantActivity(store, 't_a', 3);
    await until(() => relay.status().failures >= 2, 'failed checkpoint writes');
    expect(relay.status().lastError?.message).to.match(/store the checkpoint/);
    checkpoints.failing = false;
    await until(() => relay.status().position === appended, 'the checkpoint stored');
    expect(events.deliveries.length).to.equal(appended);
  });

  it('sends an event it cannot encode to the dead-letter topic and keeps going', async () => {
    const relay = await startRelay();
    const letters: BusMessage[] = [];
    consumers.push(bus.consume({ groupId: 'dl', topics: [DEAD_LETTER_TOPIC], onMessage: async (message) => void letters.push(message) }));
    await store.appendToStream('tenant-t_x.t_x', [{ eventId: randomUUID(), type: 'MysteryHappened', data: { what: 'no schema' }, metadata: { tenantId: 't_x' } }], 'no_stream');
    const appended = await appendTenantActivity(store, 't_y', 1);
    await until(() => relay.status().position === appended + 1, 'both events past the relay');
    await until(() => letters.length === 1, 'the dead letter');
    expect(letters[0].headers[ERROR_HEADER]).to.match(/^unknown_schema/);
    expect(JSON.parse(letters[0].value.toString()).type).to.equal('MysteryHappened');
    expect(relay.status().deadLettered).to.equal(1);
  });

  it('sends an event too large for the bus to the dead-letter topic instead of retrying it forever', async () => {
    const relay = await EventRelay.start({ store, bus, checkpoints, retry: fast, maxMessageBytes: 3_000 });
    relays.push(relay);
    const letters: BusMessage[] = [];
    consumers.push(bus.consume({ groupId: 'dl', topics: [DEAD_LETTER_TOPIC], onMessage: async (message) => void letters.push(message) }));
    const events = sink();
    const appended = await appendTenantActivity(store, 't_big', 1);
    await store.appendToStream('tenant-t_big.t_big', [{ eventId: randomUUID(), type: 'TenantRenamed', data: { tenantId: 't_big', name: 'x'.repeat(5_000) }, metadata: { tenantId: 't_big' } }], 'any');
    await until(() => relay.status().position === appended + 1, 'every event past the relay');
    await until(() => letters.length === 1 && events.deliveries.length === appended, 'the letter and the others');
    expect(letters[0].headers[ERROR_HEADER]).to.match(/^too_large/);
    expect(letters[0].value.length).to.equal(0, 'the letter names the event; the store holds it');
  });

  it('keeps its checkpoint in the read-model store', async () => {
    const readModels = await SqliteReadModelStore.open({ path: ':memory:' });
    const stored = readModelCheckpoints(readModels);
    expect(await stored.get('relay')).to.equal(0);
    await stored.put('relay', 42);
    expect(await stored.get('relay')).to.equal(42);
    await readModels.close();
  });
});

/** Orders stored events as they arrived on the bus (arrival order across streams is the bus's business). */
function byArrival(arrived: readonly { eventId: string }[]): (a: { eventId: string }, b: { eventId: string }) => number {
  const index = new Map(arrived.map((event, i) => [event.eventId, i]));
  return (a, b) => (index.get(a.eventId) ?? 0) - (index.get(b.eventId) ?? 0);
}
