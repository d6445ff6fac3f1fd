import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { KafkaEventBus } from '../../engines/eventbus/kafka/index.js';
import { BusUnavailableError } from '../../engines/eventbus/port.js';
import { deleteTopics, type KafkaBroker, startKafkaOrSkip } from '../support/kafka.js';
import { waitFor } from '../support/wait.js';
import { CONTRACT_NAME_PREFIX, eventBusContract } from './event-bus.contract.js';

/**
 * The Kafka adapter against NEXUS_KAFKA_BROKERS, or against the broker ops/engines/kafka.sh
 * starts when its jars are installed (stopped afterwards only if this suite started it).
 * Without either the suite is pending, unless NEXUS_REQUIRE_KAFKA=1.
 */
describe('KafkaEventBus (kafkajs)', function () {
  let broker: KafkaBroker | undefined;
  const brokers = (): string[] => {
    if (!broker) throw new Error('no Kafka broker');
    return broker.brokers;
  };

  before(async function () {
    this.timeout(120_000);
    broker = await startKafkaOrSkip(this);
  });
  after(async function () {
    this.timeout(60_000);
    if (broker) await deleteTopics(broker.brokers, CONTRACT_NAME_PREFIX);
    await broker?.stop();
  });

  eventBusContract('KafkaEventBus', async () => {
    const bus = await KafkaEventBus.connect({ brokers: brokers(), clientId: 'nexus-contract' });
    return { bus, cleanup: () => bus.close() };
  });

  describe('beyond the contract', () => {
    const topicName = (label: string) => `${CONTRACT_NAME_PREFIX}kafka.${label}.${randomBytes(4).toString('hex')}`;
    const connect = () => KafkaEventBus.connect({ brokers: brokers(), clientId: 'nexus-contract' });

    it('sends a publish larger than one request as several, every message once and each key in order', async () => {
      const bus = await connect();
      const topic = topicName('large');
      // ~4 MB in one call: above the broker's 1 MiB per-batch limit unless it is cut into requests.
      const sent = Array.from({ length: 4_000 }, (_, i) => ({ topic, key: `k${i % 7}`, value: Buffer.alloc(1_000, i % 251), headers: { seq: String(i) } }));
      await bus.publish(sent);
      const received: string[][] = Array.from({ length: 7 }, () => []);
      const consumer = bus.consume({ groupId: topicName('g'), topics: [topic], onMessage: async (m) => void received[Number(m.key.slice(1))].push(m.headers.seq) });
      await waitFor(() => received.flat().length === sent.length, { timeoutMs: 30_000, description: 'all 4,000 messages' });
      for (let k = 0; k < 7; k++) expect(received[k].map(Number)).to.deep.equal(sent.filter((m) => m.key === `k${k}`).map((m) => Number(m.headers.seq)));
      await consumer.stop();
      await bus.close();
    });

    it("keeps a group's progress across connections (the broker holds it, not the process)", async () => {
      const topic = topicName('durable');
      const groupId = topicName('g');
      const first = await connect();
      await first.publish(['a', 'b', 'c'].map((value) => ({ topic, key: 'k', value: Buffer.from(value), headers: {} })));
      const seen: string[] = [];
      const consumer = first.consume({ groupId, topics: [topic], onMessage: async (m) => void seen.push(m.value.toString()) });
      await waitFor(() => seen.length === 3, { timeoutMs: 20_000, description: 'a, b, c' });
      await consumer.stop();
      await first.close();
      const second = await connect();
      await second.publish([{ topic, key: 'k', value: Buffer.from('d'), headers: {} }]);
      const later: string[] = [];
      const resumed = second.consume({ groupId, topics: [topic], onMessage: async (m) => void later.push(m.value.toString()) });
      await waitFor(() => later.length === 1, { timeoutMs: 20_000, description: 'd' });
      expect(later).to.deep.equal(['d']);
      await resumed.stop();
      await second.close();
    });
  });

  it('fails to connect within seconds, with BusUnavailableError, when no broker answers', async function () {
    this.timeout(20_000);
    const started = Date.now();
    // A port nothing listens on: refused at once, so only the retry budget counts.
    const error = await KafkaEventBus.connect({ brokers: ['127.0.0.1:1'], connectTimeoutMs: 4_000 }).then(
      () => null,
      (failure: unknown) => failure,
    );
    expect(error).to.be.instanceOf(BusUnavailableError);
    expect((error as Error).message).to.match(/127\.0\.0\.1:1/);
    expect(Date.now() - started).to.be.below(10_000);
  });
});
