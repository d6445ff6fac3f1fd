import { expect } from 'chai';
import { MemoryEventBus } from '../../engines/eventbus/memory/index.js';
import type { DeliveredMessage } from '../../engines/eventbus/port.js';
import { waitFor } from '../support/wait.js';
import { eventBusContract } from './event-bus.contract.js';

eventBusContract('MemoryEventBus', async () => {
  const bus = new MemoryEventBus();
  return { bus, cleanup: () => bus.close() };
});

/** What the in-process bus adds to the contract: it knows redeliveries, and its retention is by count. */
describe('MemoryEventBus specifics', () => {
  const value = (text: string) => Buffer.from(text);

  it('counts how many times the group was handed a message before', async () => {
    const bus = new MemoryEventBus();
    await bus.publish([{ topic: 't', key: 'k', value: value('x'), headers: {} }]);
    const seen: number[] = [];
    for (let attempt = 0; attempt < 3; attempt++) {
      const failed: Error[] = [];
      const consumer = bus.consume({
        groupId: 'g',
        topics: ['t'],
        onMessage: async (message) => {
          seen.push(message.redelivery);
          if (attempt < 2) throw new Error('not yet');
        },
        onError: (error) => failed.push(error),
      });
      await waitFor(() => seen.length === attempt + 1, { description: `delivery ${attempt + 1}` });
      await consumer.stop();
    }
    expect(seen).to.deep.equal([0, 1, 2]);
    await bus.close();
  });

  it('hands the partitions of a consumer that stopped to the rest of its group', async () => {
    const bus = new MemoryEventBus({ partitions: 4 });
    const received: DeliveredMessage[] = [];
    const a = bus.consume({ groupId: 'g', topics: ['t'], onMessage: async () => {} });
    const b = bus.consume({ groupId: 'g', topics: ['t'], onMessage: async (message) => void received.push(message) });
    await a.stop();
    const keys = Array.from({ length: 40 }, (_, i) => `k${i}`);
    await bus.publish(keys.map((key) => ({ topic: 't', key, value: value(key), headers: {} })));
    await waitFor(() => received.length === 40, { description: 'all 40 at the remaining consumer' });
    expect(new Set(received.map((message) => message.partition)).size).to.equal(4);
    await b.stop();
    await bus.close();
  });

  it('drops the oldest messages beyond its retention; a group that had not read them resumes at the oldest kept', async () => {
    const bus = new MemoryEventBus({ partitions: 1, retainPerPartition: 10 });
    await bus.publish(Array.from({ length: 30 }, (_, i) => ({ topic: 't', key: 'k', value: value(String(i)), headers: {} })));
    const received: string[] = [];
    const consumer = bus.consume({ groupId: 'g', topics: ['t'], onMessage: async (message) => void received.push(message.value.toString()) });
    await waitFor(() => received.includes('29'), { description: 'the last message' });
    expect(received.length).to.be.within(10, 11);
    expect(received[received.length - 1]).to.equal('29');
    await consumer.stop();
    await bus.close();
  });
});
