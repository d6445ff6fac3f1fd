import { expect } from 'chai';
import { describe, it } from 'mocha';
import { primeStream } from '../../../api/v1/dispatch.js';
import { UpstreamError } from '../../../engines/providers/port.js';

/** An upstream stand-in that says whether it was released (the adapters drop the socket in return()). */
function upstream(items: readonly string[], failAt: number | null = null): { stream: AsyncIterable<string>; released: () => boolean; pulled: () => number } {
  let released = false;
  let pulled = 0;
  const iterator: AsyncIterator<string> = {
    async next() {
      if (failAt === pulled) throw new UpstreamError({ kind: 'stream_interrupted', deploymentId: 'd1', upstreamMessage: 'socket closed' });
      const value = items[pulled];
      pulled++;
      return value === undefined ? { done: true, value: undefined } : { done: false, value };
    },
    async return() {
      released = true;
      return { done: true, value: undefined };
    },
  };
  return { stream: { [Symbol.asyncIterator]: () => iterator }, released: () => released, pulled: () => pulled };
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

describe('primeStream', () => {
  it('reads the first chunk up front, then yields it and the rest in order', async () => {
    const source = upstream(['a', 'b', 'c']);
    const primed = await primeStream(source.stream);
    expect(source.pulled()).to.equal(1);
    expect(await collect(primed)).to.deep.equal(['a', 'b', 'c']);
  });

  it('rejects, releasing the upstream, when the stream fails before its first chunk', async () => {
    const source = upstream(['a'], 0);
    const error = await primeStream(source.stream).then(
      () => null,
      (thrown: unknown) => thrown,
    );
    expect(error).to.be.instanceOf(UpstreamError).and.to.have.property('kind', 'stream_interrupted');
    expect(source.released()).to.equal(true);
  });

  it('rejects a stream that ends without a chunk as interrupted, naming the deployment', async () => {
    const error = await primeStream(upstream([]).stream, { deploymentId: 'empty-one' }).then(
      () => null,
      (thrown: unknown) => thrown,
    );
    expect(error).to.be.instanceOf(UpstreamError);
    expect((error as UpstreamError).kind).to.equal('stream_interrupted');
    expect((error as UpstreamError).deploymentId).to.equal('empty-one');
  });

  it('releases the upstream of a primed stream that is never iterated', async () => {
    const source = upstream(['a', 'b']);
    const primed = await primeStream(source.stream);
    await primed.release();
    expect(source.released()).to.equal(true);
    expect(await collect(primed)).to.deep.equal([]);
  });

  it('releases the upstream when the reader stops early, even before taking the primed chunk', async () => {
    const source = upstream(['a', 'b', 'c']);
    const primed = await primeStream(source.stream);
    await primed[Symbol.asyncIterator]().return?.();
    expect(source.released()).to.equal(true);

    const other = upstream(['a', 'b', 'c']);
    for await (const item of await primeStream(other.stream)) if (item === 'b') break;
    expect(other.released()).to.equal(true);
  });

  it('lets a failure after the first chunk surface from the iteration, for the relay to report', async () => {
    const primed = await primeStream(upstream(['a', 'b'], 2).stream);
    const seen: string[] = [];
    const error = await (async () => {
      for await (const item of primed) seen.push(item);
    })().then(
      () => null,
      (thrown: unknown) => thrown,
    );
    expect(seen).to.deep.equal(['a', 'b']);
    expect(error).to.be.instanceOf(UpstreamError);
  });
});
