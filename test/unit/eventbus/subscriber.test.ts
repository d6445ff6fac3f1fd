import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { afterEach, beforeEach, describe, it } from 'mocha';
import { toBusMessage } from '../../../engines/eventbus/event-message.js';
import { MemoryEventBus } from '../../../engines/eventbus/memory/index.js';
import type { BusMessage, DeliveredMessage } from '../../../engines/eventbus/port.js';
import { LruProcessedEvents, ReadModelProcessedEvents, type ProcessedEvents } from '../../../engines/eventbus/processed-events.js';
import {
  DLQ_HEADERS,
  PermanentFailure,
  RetryLater,
  Subscriber,
  deadLetterTopic,
  type EventHandler,
  type SubscriberOptions,
  type SubscriberOutcome,
} from '../../../engines/eventbus/subscriber.js';
import type { RecordedEvent } from '../../../engines/eventstore/port.js';
import { SqliteReadModelStore } from '../../../engines/readmodel/sqlite/index.js';
import { deferred, waitFor } from '../../support/wait.js';

const TOPIC = 'nexus.apikey';
const GROUP = 'test-workers';
let position = 0;

/** A relayed ApiKeyRevoked, as the relay would publish it. */
function revoked(keyId = `k_${++position}`): BusMessage {
  const event: RecordedEvent = {
    eventId: randomUUID(),
    streamId: `apikey-acme.${keyId}`,
    revision: 1,
    position: ++position,
    type: 'ApiKeyRevoked',
    data: { tenantId: 'acme', keyId, reason: 'leaked' },
    metadata: { tenantId: 'acme', schemaVersion: 1, occurredAt: '2026-11-26T10:00:00.000Z' },
    recordedAt: '2026-11-26T10:00:00.001Z',
  };
  return toBusMessage(event, TOPIC);
}

/** Reads what arrives on a topic, as a separate group would. */
function collect(bus: MemoryEventBus, topic: string): DeliveredMessage[] {
  const seen: DeliveredMessage[] = [];
  bus.consume({ groupId: `reader-${randomUUID()}`, topics: [topic], onMessage: async (message) => void seen.push(message) });
  return seen;
}

describe('event-bus subscriber', () => {
  let bus: MemoryEventBus;
  let processed: ProcessedEvents;
  let outcomes: SubscriberOutcome[];
  const started: Subscriber[] = [];

  const subscriber = (handle: EventHandler, overrides: Partial<SubscriberOptions> = {}): Subscriber => {
    const created = new Subscriber({
      bus, worker: 'test', groupId: GROUP, topics: [TOPIC], handle, processed,
      retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 5 },
      restartDelayMs: 1,
      onOutcome: (outcome) => outcomes.push(outcome),
      ...overrides,
    });
    started.push(created);
    return created;
  };
  const ofKind = (kind: SubscriberOutcome['kind']) => outcomes.filter((outcome) => outcome.kind === kind);

  beforeEach(() => {
    bus = new MemoryEventBus({ partitions: 2 });
    processed = new LruProcessedEvents();
    outcomes = [];
  });
  afterEach(async () => {
    for (const running of started.splice(0)) await running.stop();
    await bus.close();
  });

  it('handles a redelivered event once (a relay replay publishes it again)', async () => {
    const handled: string[] = [];
    await subscriber(async ({ event }) => void handled.push(event.eventId)).start();
    const message = revoked();
    await bus.publish([message, message]);
    await waitFor(() => ofKind('duplicate').length === 1, { description: 'the duplicate' });
    expect(handled).to.deep.equal([message.headers['nexus-event-id']]);
  });

  it('hands the handler the stored event: type, data as written, metadata, position', async () => {
    const received: RecordedEvent[] = [];
    await subscriber(async ({ event }) => void received.push(event)).start();
    const message = revoked('k_data');
    await bus.publish([message]);
    await waitFor(() => received.length === 1, { description: 'the event' });
    expect(received[0]).to.include({ type: 'ApiKeyRevoked', streamId: 'apikey-acme.k_data' });
    expect(received[0].data).to.deep.equal({ tenantId: 'acme', keyId: 'k_data', reason: 'leaked' });
    expect(received[0].metadata.occurredAt).to.equal('2026-11-26T10:00:00.000Z');
  });

  it('retries a failing handler with jittered backoff (Retry-After honoured up to the cap), then succeeds', async () => {
    const attempts: number[] = [];
    await subscriber(async (_event, { attempt }) => {
      attempts.push(attempt);
      if (attempt < 3) throw new RetryLater('receiver busy', attempt === 1 ? 10_000 : null);
    }, { random: () => 0.5 }).start();
    await bus.publish([revoked()]);
    await waitFor(() => ofKind('handled').length === 1, { description: 'success on the third attempt' });
    expect(attempts).to.deep.equal([1, 2, 3]);
    // Retry-After 10 s capped at 5 ms; then half (random 0.5) of the second window, 1 ms · 2¹.
    expect(ofKind('retrying').map((outcome) => (outcome.kind === 'retrying' ? outcome.waitMs : null))).to.deep.equal([5, 1]);
    expect(ofKind('dead_lettered')).to.deep.equal([]);
  });

  it('dead-letters the original bytes with the reason and attempts once retries are exhausted, and goes on', async () => {
    const dead = collect(bus, deadLetterTopic(TOPIC, GROUP));
    const handled: string[] = [];
    await subscriber(async ({ event }) => {
      if ((event.data as { keyId: string }).keyId === 'k_poison') throw new Error('receiver down');
      handled.push(event.eventId);
    }).start();
    const poison = revoked('k_poison');
    const next = revoked('k_fine');
    await bus.publish([poison, { ...next, key: poison.key }]); // same key: the next one waits for the poison
    await waitFor(() => dead.length === 1 && handled.length === 1, { description: 'dead letter, then the next message' });
    expect(dead[0].topic).to.equal(`${TOPIC}.dlq.${GROUP}`);
    expect(dead[0].value.equals(poison.value)).to.equal(true);
    expect(dead[0].key).to.equal(poison.key);
    expect(dead[0].headers).to.include({ ...poison.headers, [DLQ_HEADERS.reason]: 'retries_exhausted', [DLQ_HEADERS.attempts]: '3', [DLQ_HEADERS.error]: 'receiver down' });
    expect(dead[0].headers[DLQ_HEADERS.sourceTopic]).to.equal(TOPIC);
  });

  it('dead-letters a permanent failure after one attempt, and an undecodable message without calling the handler', async () => {
    const dead = collect(bus, deadLetterTopic(TOPIC, GROUP));
    let calls = 0;
    await subscriber(async () => {
      calls++;
      throw new PermanentFailure('410 Gone');
    }).start();
    const garbage: BusMessage = { ...revoked(), value: Buffer.from('not avro') };
    await bus.publish([revoked(), garbage]);
    await waitFor(() => dead.length === 2, { description: 'two dead letters' });
    const reasons = dead.map((message) => [message.headers[DLQ_HEADERS.reason], message.headers[DLQ_HEADERS.attempts]]).sort();
    expect(reasons).to.deep.equal([['permanent_failure', '1'], ['undecodable', '0']]);
    expect(calls).to.equal(1);
  });

  it('finishes the message in hand on stop; a new member of the group resumes after it, losing nothing', async () => {
    const messages = Array.from({ length: 12 }, (_, i) => revoked(`k_s${i}`));
    const handled: string[] = [];
    const inHand = deferred();
    const release = deferred();
    const first = subscriber(async ({ event }) => {
      if (handled.length === 4) {
        inHand.resolve();
        await release.promise;
      }
      handled.push(event.eventId);
    });
    await first.start();
    await bus.publish(messages);
    await inHand.promise;
    const stopping = first.stop();
    release.resolve();
    await stopping;
    const afterStop = handled.length;
    expect(afterStop).to.be.at.least(5); // the one in hand finished
    await subscriber(async ({ event }) => void handled.push(event.eventId)).start();
    await waitFor(() => handled.length === messages.length, { description: 'the rest at the next member' });
    expect([...handled].sort()).to.deep.equal(messages.map((message) => message.headers['nexus-event-id']).sort());
  });

  it('leaves a message that is waiting for a retry uncommitted on stop, for the next member', async () => {
    let failing = true;
    const handled: string[] = [];
    const first = subscriber(async () => {
      if (failing) throw new Error('down');
    }, { retry: { maxAttempts: 5, baseDelayMs: 60_000, maxDelayMs: 60_000 }, random: () => 1 });
    await first.start();
    await bus.publish([revoked()]);
    await waitFor(() => ofKind('retrying').length === 1, { description: 'a retry wait' });
    await first.stop();
    failing = false;
    await subscriber(async ({ event }) => void handled.push(event.eventId)).start();
    await waitFor(() => handled.length === 1, { description: 'the message at the next member' });
    expect(ofKind('dead_lettered')).to.deep.equal([]);
  });

  it('replaces a consumer that died (its store failed) and handles the message it left', async () => {
    const lru = new LruProcessedEvents();
    let outage = true;
    processed = {
      has: async (worker, eventId) => {
        if (outage) {
          outage = false;
          throw new Error('read-model store unavailable');
        }
        return lru.has(worker, eventId);
      },
      record: (worker, eventId) => lru.record(worker, eventId),
    };
    const handled: string[] = [];
    await subscriber(async ({ event }) => void handled.push(event.eventId)).start();
    await bus.publish([revoked()]);
    await waitFor(() => handled.length === 1, { description: 'the message after the restart' });
    expect(ofKind('consumer_failed').map((outcome) => outcome.kind === 'consumer_failed' && outcome.error)).to.deep.equal(['read-model store unavailable']);
  });

  it('remembers processed events in the read-model store across subscribers', async () => {
    const store = await SqliteReadModelStore.open({ path: ':memory:' });
    try {
      processed = new ReadModelProcessedEvents(store);
      const message = revoked();
      const handled: string[] = [];
      const first = subscriber(async ({ event }) => void handled.push(event.eventId));
      await first.start();
      await bus.publish([message]);
      await waitFor(() => handled.length === 1, { description: 'first delivery' });
      await first.stop();
      processed = new ReadModelProcessedEvents(store); // a fresh process over the same store
      await subscriber(async ({ event }) => void handled.push(event.eventId)).start();
      await bus.publish([message]);
      await waitFor(() => ofKind('duplicate').length === 1, { description: 'the replayed duplicate' });
      expect(handled).to.have.length(1);
      expect(await processed.has('test', String(message.headers['nexus-event-id']))).to.equal(true);
      expect(await processed.has('other-worker', String(message.headers['nexus-event-id']))).to.equal(false);
    } finally {
      for (const running of started.splice(0)) await running.stop();
      await store.close();
    }
  });
});
