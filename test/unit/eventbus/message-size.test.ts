import { expect } from 'chai';
import { chunkByBytes, messageBytes } from '../../../engines/eventbus/message-size.js';
import type { BusMessage } from '../../../engines/eventbus/port.js';

const message = (key: string, bytes: number): BusMessage => ({ topic: 't', key, value: Buffer.alloc(bytes), headers: { h: 'ü' } });

describe('message sizes', () => {
  it('counts key, value and headers (UTF-8 bytes), from above', () => {
    expect(messageBytes(message('ké', 100))).to.be.at.least(3 + 100 + 1 + 2);
  });

  it('cuts a batch into runs under the limit, in order; a message above it runs alone', () => {
    const batch = [message('a', 400), message('b', 400), message('c', 400), message('d', 5_000), message('e', 10)];
    const chunks = chunkByBytes(batch, 1_000);
    expect(chunks.map((chunk) => chunk.map((m) => m.key).join(''))).to.deep.equal(['ab', 'c', 'd', 'e']);
    expect(chunkByBytes([], 1_000)).to.deep.equal([]);
  });
});
