import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { BusUnavailableError, type BusConsumer, type BusMessage, type ConsumeOptions, type DeliveredMessage, type EventBus } from '../../engines/eventbus/port.js';
import { deferred, waitFor } from '../support/wait.js';

/**
 * The specification of the EventBus port. Every adapter (in-process, Kafka) runs this same
 * suite, through nothing but the port. Each test uses fresh topic and group names, so
 * adapters may share one broker; waits are on conditions with deadlines, never on sleeps.
 */
export interface EventBusFixture {
  readonly bus: EventBus;
  cleanup(): Promise<void>;
}

/** Generous: a Kafka group join and rebalance take seconds on a loaded two-core machine. */
const DEADLINE_MS = 25_000;
/** Every topic and group of this run starts with it, so an adapter's suite can remove what the run left on a shared engine. */
export const CONTRACT_NAME_PREFIX = `contract.${randomBytes(3).toString('hex')}.`;
const fresh = (prefix: string): string => `${CONTRACT_NAME_PREFIX}${prefix}.${randomBytes(5).toString('hex')}`;
const textOf = (message: DeliveredMessage): string => message.value.toString('utf8');
const identity = (message: DeliveredMessage): string => `${message.topic}/${message.partition}/${message.offset}`;

function messages(topic: string, key: string, values: readonly string[]): BusMessage[] {
  return values.map((value) => ({ topic, key, value: Buffer.from(value), headers: { seq: value } }));
}

const range = (prefix: string, from: number, to: number): string[] => Array.from({ length: to - from }, (_, i) => `${prefix}${from + i}`);

/** A consumer that records what it was handed; `handle` may delay or reject a message. */
interface Inbox {
  readonly consumer: BusConsumer;
  readonly received: DeliveredMessage[];
  readonly errors: Error[];
}

export function eventBusContract(name: string, factory: () => Promise<EventBusFixture>): void {
  describe(`EventBus contract: ${name}`, function () {
    let fixture: EventBusFixture;
    let bus: EventBus;
    let started: BusConsumer[];

    const consume = (options: Omit<ConsumeOptions, 'onMessage'> & { handle?: (message: DeliveredMessage) => Promise<void> }): Inbox => {
      const received: DeliveredMessage[] = [];
      const errors: Error[] = [];
      const consumer = bus.consume({
        ...options,
        onMessage: async (message) => {
          received.push(message);
          await options.handle?.(message);
        },
        onError: (error) => errors.push(error),
      });
      started.push(consumer);
      return { consumer, received, errors };
    };
    const until = (condition: () => boolean, description: string) => waitFor(condition, { timeoutMs: DEADLINE_MS, intervalMs: 20, description });

    beforeEach(async () => {
      fixture = await factory();
      bus = fixture.bus;
      started = [];
    });
    afterEach(async () => {
      await Promise.all(started.map((consumer) => consumer.stop()));
      await fixture.cleanup();
    });

    it('delivers a published message with its key, headers and bytes intact (unicode keys, binary values)', async () => {
      const topic = fresh('roundtrip');
      const binary = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
      const sent: BusMessage[] = [
        { topic, key: 'policy-t_ü.p_7 🙂', value: binary, headers: { 'nexus-event-id': 'e1', note: 'ünïcödé ✓', empty: '' } },
        { topic, key: 'policy-t_ü.p_7 🙂', value: Buffer.alloc(0), headers: {} },
      ];
      await bus.publish(sent);
      const inbox = consume({ groupId: fresh('g'), topics: [topic] });
      await inbox.consumer.ready;
      await until(() => inbox.received.length === 2, 'both messages');
      const [first, second] = inbox.received;
      expect({ topic: first.topic, key: first.key, headers: first.headers }).to.deep.equal({ topic, key: sent[0].key, headers: sent[0].headers });
      expect(first.value.equals(binary)).to.equal(true);
      expect(second.value.length).to.equal(0);
      expect(second.headers).to.deep.equal({});
      expect(first.partition).to.equal(second.partition);
      expect(BigInt(second.offset)).to.equal(BigInt(first.offset) + 1n);
      expect(first.redelivery).to.equal(0);
    });

    it('keeps the publish order of each key, across publish calls', async () => {
      const topic = fresh('order');
      await bus.ensureTopics([topic]);
      const keys = ['tenant-a.x', 'budget-b.y', 'policy-c.z', 'apikey-d.w'];
      for (let round = 0; round < 5; round++) {
        // Keys interleaved within each call: order must hold per key, whatever the partitions.
        const batch = range('', round * 10, round * 10 + 10).flatMap((n) => keys.map((key) => messages(topic, key, [`${key}#${n}`])[0]));
        await bus.publish(batch);
      }
      const inbox = consume({ groupId: fresh('g'), topics: [topic] });
      await until(() => inbox.received.length === 200, '200 messages');
      for (const key of keys) {
        const seen = inbox.received.filter((message) => message.key === key).map(textOf);
        expect(seen).to.deep.equal(range(`${key}#`, 0, 50));
      }
    });

    it('redelivers a message whose handler rejected to the next consumer of the group, after the ones already handled', async () => {
      const topic = fresh('reject');
      const groupId = fresh('g');
      await bus.publish(messages(topic, 'one-stream', range('m', 0, 10)));
      const failing = consume({
        groupId,
        topics: [topic],
        handle: async (message) => {
          if (textOf(message) === 'm4') throw new Error('handler failed on m4');
        },
      });
      await until(() => failing.errors.length === 1, 'the consumer to report its failure');
      expect(failing.errors[0].message).to.equal('handler failed on m4');
      await failing.consumer.stop();
      expect(failing.received.map(textOf)).to.deep.equal(range('m', 0, 5), 'nothing after the rejected message is handled');

      const next = consume({ groupId, topics: [topic] });
      await until(() => next.received.length === 6, 'm4..m9 again');
      expect(next.received.map(textOf)).to.deep.equal(range('m', 4, 10));
      expect(next.received[0].offset).to.equal(failing.received[4].offset);
    });

    it('lets a stopped consumer finish and commit the message in hand; the group resumes right after it', async () => {
      const topic = fresh('stop');
      const groupId = fresh('g');
      await bus.publish(messages(topic, 'one-stream', range('m', 0, 12)));
      const inHand = deferred();
      const reached = deferred();
      const first = consume({
        groupId,
        topics: [topic],
        handle: async (message) => {
          if (textOf(message) !== 'm5') return;
          reached.resolve();
          await inHand.promise;
        },
      });
      await reached.promise;
      const stopping = first.consumer.stop();
      inHand.resolve();
      await stopping;
      expect(first.received.map(textOf)).to.deep.equal(range('m', 0, 6));

      const second = consume({ groupId, topics: [topic] });
      await until(() => second.received.length === 6, 'm6..m11');
      expect(second.received.map(textOf)).to.deep.equal(range('m', 6, 12));
    });

    it("keeps a group's progress across its consumers: a new consumer gets only what came after", async () => {
      const topic = fresh('progress');
      const groupId = fresh('g');
      await bus.publish(messages(topic, 'k', range('a', 0, 5)));
      const before = consume({ groupId, topics: [topic] });
      await until(() => before.received.length === 5, 'the first five');
      await before.consumer.stop();
      await bus.publish(messages(topic, 'k', range('b', 0, 5)));
      const after = consume({ groupId, topics: [topic] });
      await until(() => after.received.length === 5, 'the next five');
      expect(after.received.map(textOf)).to.deep.equal(range('b', 0, 5));
      // Another group has progress of its own: it starts from the beginning.
      const other = consume({ groupId: fresh('g'), topics: [topic] });
      await until(() => other.received.length === 10, 'all ten for another group');
    });

    it('splits the partitions between two consumers of one group, never handing one message to both', async () => {
      const topic = fresh('split');
      const groupId = fresh('g');
      await bus.ensureTopics([topic]);
      const a = consume({ groupId, topics: [topic] });
      const b = consume({ groupId, topics: [topic] });
      await Promise.all([a.consumer.ready, b.consumer.ready]);
      const keys = range('stream-', 0, 40);
      await bus.publish(keys.flatMap((key) => messages(topic, key, range(`${key}:`, 0, 5))));
      const all = () => [...a.received, ...b.received];
      await until(() => new Set(all().map(identity)).size === 200, 'all 200 messages between the two');
      expect(all().length).to.equal(200, 'no message was handled twice');
      expect(a.received.length).to.be.greaterThan(0);
      expect(b.received.length).to.be.greaterThan(0);
      const partitionsOf = (inbox: Inbox) => new Set(inbox.received.map((message) => message.partition));
      for (const partition of partitionsOf(a)) expect(partitionsOf(b).has(partition)).to.equal(false);
    });

    it('starts a new group at the end when fromBeginning is false', async () => {
      const topic = fresh('latest');
      await bus.publish(messages(topic, 'k', ['old']));
      const inbox = consume({ groupId: fresh('g'), topics: [topic], fromBeginning: false });
      await inbox.consumer.ready;
      await bus.publish(messages(topic, 'k', ['new']));
      // Same key, same partition: had 'old' been due, it would have come first.
      await until(() => inbox.received.length >= 1, 'the new message');
      expect(inbox.received.map(textOf)).to.deep.equal(['new']);
    });

    it('creates topics idempotently, before and after use', async () => {
      const topics = [fresh('ensure'), fresh('ensure')];
      await bus.ensureTopics(topics);
      await Promise.all([bus.ensureTopics(topics), bus.ensureTopics(topics.slice(0, 1))]);
      await bus.publish(messages(topics[1], 'k', ['x']));
      await bus.ensureTopics(topics);
      const inbox = consume({ groupId: fresh('g'), topics });
      await until(() => inbox.received.length === 1, 'the message');
      expect(inbox.received[0].topic).to.equal(topics[1]);
    });

    it('consumes several topics in one group and stops idempotently', async () => {
      const topics = [fresh('multi'), fresh('multi')];
      await bus.publish([...messages(topics[0], 'k', ['x0']), ...messages(topics[1], 'k', ['x1'])]);
      const inbox = consume({ groupId: fresh('g'), topics });
      await until(() => inbox.received.length === 2, 'one message of each topic');
      expect(inbox.received.map(textOf).sort()).to.deep.equal(['x0', 'x1']);
      await Promise.all([inbox.consumer.stop(), inbox.consumer.stop()]);
      await inbox.consumer.stop();
    });

    it('refuses to publish once closed, with BusUnavailableError', async () => {
      await bus.close();
      await bus.close();
      const error = await bus.publish(messages(fresh('closed'), 'k', ['x'])).then(
        () => null,
        (failure: unknown) => failure,
      );
      expect(error).to.be.instanceOf(BusUnavailableError);
    });
  });
}
