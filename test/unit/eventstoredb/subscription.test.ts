import { expect } from 'chai';
import { afterEach, describe, it } from 'mocha';
import type { FeedItem } from '../../../engines/eventstore/eventstoredb/batching.js';
import { WakeUp, type Feed, type FeedRequest } from '../../../engines/eventstore/eventstoredb/feed.js';
import { EventStoreDbSubscription } from '../../../engines/eventstore/eventstoredb/subscription.js';
import type { RecordedEvent, SubscribeToAllOptions } from '../../../engines/eventstore/port.js';
import { deferred, settleTurns, waitFor } from '../../support/wait.js';

/** Stands in for the client's subscription: the test pushes what the server would have sent. */
class ScriptedFeed implements Feed {
  readonly items: FeedItem[] = [];
  failure: Error | null = null;
  closed = false;
  private readonly wakeUp = new WakeUp();

  constructor(readonly request: FeedRequest) {}

  send(...items: FeedItem[]): void {
    this.items.push(...items);
    this.interrupt();
  }
  breakWith(error: Error): void {
    this.failure = error;
    this.interrupt();
  }
  drop(count: number): void {
    this.items.splice(0, count);
  }
  wait(): Promise<void> {
    return this.wakeUp.wait(this.items.length > 0 || this.failure !== null || this.closed);
  }
  interrupt(): void {
    this.wakeUp.fire();
  }
  async close(): Promise<void> {
    this.closed = true;
    this.interrupt();
  }
}

const recorded = (position: number, streamId = 'alpha-1'): RecordedEvent => ({
  eventId: `e${position}`, streamId, revision: position, position, type: 'ThingHappened', data: {}, metadata: {}, recordedAt: '',
});
const event = (position: number): FeedItem => ({ kind: 'event', position, event: recorded(position) });
const checkpoint = (position: number): FeedItem => ({ kind: 'checkpoint', position });
const CAUGHT_UP: FeedItem = { kind: 'caught_up' };
const FELL_BEHIND: FeedItem = { kind: 'fell_behind' };

describe('EventStoreDB catch-up subscription', () => {
  let feeds: ScriptedFeed[];
  let subscription: EventStoreDbSubscription | null;
  const latest = () => feeds[feeds.length - 1]!;

  function subscribe(options: Partial<SubscribeToAllOptions> & Pick<SubscribeToAllOptions, 'onEvents'>): EventStoreDbSubscription {
    feeds = [];
    subscription = new EventStoreDbSubscription(
      (request) => {
        const feed = new ScriptedFeed(request);
        feeds.push(feed);
        return feed;
      },
      { after: 0, ...options },
      { catchUp: 500, live: 1 },
      () => undefined,
    );
    return subscription;
  }

  afterEach(async () => {
    await subscription?.stop();
    subscription = null;
  });

  it('delivers in position order, in batches of at most maxBatchSize, one batch at a time', async () => {
    const batches: number[][] = [];
    let inFlight = 0;
    let overlapped = false;
    subscribe({
      after: 10,
      maxBatchSize: 2,
      onEvents: async (batch) => {
        overlapped ||= inFlight > 0;
        inFlight += 1;
        batches.push(batch.map((e) => e.position));
        await settleTurns(2);
        inFlight -= 1;
      },
    });
    await waitFor(() => feeds?.length === 1);
    expect(latest().request).to.deep.include({ after: 10, window: 500 });
    latest().send(event(11), event(13), event(15), event(13), event(17), event(19));
    await waitFor(() => batches.flat().length === 5);
    expect(batches, 'the repeated 13 is dropped').to.deep.equal([[11, 13], [15, 17], [19]]);
    expect(overlapped).to.equal(false);
  });

  it('reports how far a filtered subscription scanned, after the events it covers, forwards only', async () => {
    const calls: string[] = [];
    subscribe({
      filter: { categories: ['alpha'] },
      maxBatchSize: 1,
      onEvents: (batch) => void calls.push(`events ${batch.map((e) => e.position).join(',')}`),
      onCheckpoint: (position) => void calls.push(`checkpoint ${position}`),
    });
    await waitFor(() => feeds?.length === 1);
    latest().send(event(3), checkpoint(3), checkpoint(20), event(21), checkpoint(21), checkpoint(30), checkpoint(25));
    await waitFor(() => calls.includes('checkpoint 30'));
    await settleTurns();
    expect(calls).to.deep.equal(['events 3', 'checkpoint 20', 'events 21', 'checkpoint 30']);
  });

  it('never calls onCheckpoint without a filter (it skips system events only)', async () => {
    const checkpoints: number[] = [];
    const delivered: number[] = [];
    subscribe({ onEvents: (batch) => void delivered.push(...batch.map((e) => e.position)), onCheckpoint: (position) => void checkpoints.push(position) });
    await waitFor(() => feeds?.length === 1);
    latest().send(event(3), { kind: 'event', position: 5, event: null }, checkpoint(9), event(11));
    await waitFor(() => delivered.length === 2);
    expect(checkpoints).to.deep.equal([]);
  });

  it('once caught up, resubscribes from where it is with the live window, then reports being caught up', async () => {
    const caughtUp: number[] = [];
    const delivered: number[] = [];
    subscribe({ filter: { categories: ['alpha'] }, onEvents: (batch) => void delivered.push(...batch.map((e) => e.position)), onCaughtUp: (position) => caughtUp.push(position) });
    await waitFor(() => feeds?.length === 1);
    const catchUp = latest();
    catchUp.send(event(3), checkpoint(40), CAUGHT_UP, event(41));
    await waitFor(() => feeds.length === 2);
    expect(catchUp.closed, 'the catch-up subscription is cancelled').to.equal(true);
    expect(latest().request).to.deep.include({ after: 40, window: 1 });
    expect(caughtUp, 'not yet: the live subscription has not confirmed').to.deep.equal([]);

    latest().send(CAUGHT_UP);
    await waitFor(() => caughtUp.length === 1);
    latest().send(event(41), event(43));
    await waitFor(() => caughtUp.length === 2);
    expect(delivered, 'event 41 came once, from the live subscription').to.deep.equal([3, 41, 43]);
    expect(caughtUp).to.deep.equal([40, 43]);
  });

  it('goes back to the large window when the live subscription falls behind', async () => {
    subscribe({ filter: { categories: ['alpha'] }, onEvents: () => undefined });
    await waitFor(() => feeds?.length === 1);
    latest().send(event(3), CAUGHT_UP);
    await waitFor(() => feeds.length === 2);
    latest().send(event(5), FELL_BEHIND);
    await waitFor(() => feeds.length === 3);
    expect(feeds.map((feed) => [feed.request.after, feed.request.window])).to.deep.equal([[0, 500], [3, 1], [5, 500]]);
  });

  it('keeps one generation with the large window when unfiltered (it skips system events only)', async () => {
    const caughtUp: number[] = [];
    subscribe({ onEvents: () => undefined, onCaughtUp: (position) => caughtUp.push(position) });
    await waitFor(() => feeds?.length === 1);
    latest().send(event(3), CAUGHT_UP);
    await waitFor(() => caughtUp.length === 1);
    expect(caughtUp).to.deep.equal([3]);
    expect(feeds.map((feed) => feed.request.window)).to.deep.equal([500]);
  });

  it('waits coalesceMs once live, so what arrives meanwhile comes in one batch', async () => {
    const batches: number[][] = [];
    const caughtUp: number[] = [];
    subscribe({ coalesceMs: 100, onEvents: (batch) => void batches.push(batch.map((e) => e.position)), onCaughtUp: (position) => caughtUp.push(position) });
    await waitFor(() => feeds?.length === 1);
    latest().send(CAUGHT_UP);
    await waitFor(() => caughtUp.length === 1);
    latest().send(event(3));
    setTimeout(() => latest().send(event(5)), 10);
    setTimeout(() => latest().send(event(7)), 20);
    await waitFor(() => batches.flat().length === 3);
    expect(batches).to.deep.equal([[3, 5, 7]]);
  });

  it('stop() resolves after the batch in flight, and no batch follows', async () => {
    const release = deferred();
    let batches = 0;
    const running = subscribe({
      onEvents: async () => {
        batches += 1;
        await release.promise;
      },
    });
    await waitFor(() => feeds?.length === 1);
    latest().send(event(3));
    await waitFor(() => batches === 1);
    latest().send(event(5));
    let stopped = false;
    const stopping = running.stop().then(() => (stopped = true));
    await settleTurns();
    expect(stopped).to.equal(false);
    release.resolve();
    await stopping;
    expect(batches).to.equal(1);
    expect(latest().closed).to.equal(true);
  });

  it('calls onError once and stops when the handler throws', async () => {
    const errors: Error[] = [];
    let calls = 0;
    subscribe({
      maxBatchSize: 1,
      onEvents: () => {
        calls += 1;
        throw new Error('projection failed');
      },
      onError: (error) => errors.push(error),
    });
    await waitFor(() => feeds?.length === 1);
    latest().send(event(3), event(5));
    await waitFor(() => errors.length > 0);
    await settleTurns();
    expect(errors.map((error) => error.message)).to.deep.equal(['projection failed']);
    expect(calls).to.equal(1);
    expect(latest().closed).to.equal(true);
  });

  it('delivers what arrived before the server failed, then reports the failure once', async () => {
    const delivered: number[] = [];
    const errors: Error[] = [];
    subscribe({ onEvents: (batch) => void delivered.push(...batch.map((e) => e.position)), onError: (error) => errors.push(error) });
    await waitFor(() => feeds?.length === 1);
    latest().send(event(3), event(5));
    latest().breakWith(new Error('connection lost'));
    await waitFor(() => errors.length > 0);
    expect(delivered).to.deep.equal([3, 5]);
    expect(errors.map((error) => error.message)).to.deep.equal(['connection lost']);
  });

  it('refuses bad options when subscribing, not later', () => {
    const onEvents = () => undefined;
    expect(() => subscribe({ after: -1, onEvents })).to.throw(RangeError, /after/);
    expect(() => subscribe({ maxBatchSize: 0, onEvents })).to.throw(RangeError, /maxBatchSize/);
    expect(() => subscribe({ filter: { categories: [] }, onEvents })).to.throw(RangeError, /category/);
    subscription = null;
  });
});
