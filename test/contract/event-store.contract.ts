import { expect } from 'chai';
import { WrongExpectedRevisionError } from '../../domain/shared/errors.js';
import type { EventStore, RecordedEvent, SubscribeToAllOptions, Subscription } from '../../engines/eventstore/port.js';
import { deferred, settleTurns, waitFor } from '../support/wait.js';
import { anEvent, freshStreamId, someEvents } from './fixtures/events.js';

export interface EventStoreUnderTest {
  readonly store: EventStore;
  cleanup(): Promise<void>;
}

/**
 * The specification of the EventStore port (engines/eventstore/port.ts). Every adapter
 * runs it; it assumes nothing about the engine beyond the port: the store may be shared
 * with other writers, so every test uses fresh stream ids, subscribes from the current
 * head, and filters what it receives to its own streams.
 */
export function eventStoreContract(name: string, factory: () => Promise<EventStoreUnderTest>): void {
  describe(`EventStore contract: ${name}`, function () {
    let subject: EventStoreUnderTest;
    let store: EventStore;
    let subscriptions: Subscription[];

    beforeEach(async function () {
      subject = await factory();
      store = subject.store;
      subscriptions = [];
    });

    afterEach(async function () {
      await Promise.all(subscriptions.map((subscription) => subscription.stop()));
      await subject.cleanup();
    });

    /** Subscribes from the current head and records the events of the given streams. */
    async function follow(streams: readonly string[], options: Partial<SubscribeToAllOptions> = {}) {
      const wanted = new Set(streams);
      const received: RecordedEvent[] = [];
      const caughtUp: number[] = [];
      const subscription = store.subscribeToAll({
        after: options.after ?? (await store.headPosition()),
        onEvents: (batch) => {
          received.push(...batch.filter((event) => wanted.has(event.streamId)));
        },
        onCaughtUp: (position) => caughtUp.push(position),
        ...options,
      });
      subscriptions.push(subscription);
      return { received, caughtUp, subscription };
    }

    describe('append and readStream', function () {
      it('reads appended events back forwards, with 0-based revisions and increasing positions', async function () {
        const streamId = freshStreamId();
        const events = someEvents(3);
        const result = await store.appendToStream(streamId, events, 'no_stream');

        const read = await store.readStream(streamId);
        expect(read.map((event) => event.eventId)).to.deep.equal(events.map((event) => event.eventId));
        expect(read.map((event) => event.revision)).to.deep.equal([0, 1, 2]);
        expect(read.every((event) => event.streamId === streamId && event.type === 'ThingHappened')).to.equal(true);
        expect(read[1]!.position).to.be.greaterThan(read[0]!.position);
        expect(read[2]!.position).to.be.greaterThan(read[1]!.position);
        expect(result).to.deep.equal({ nextExpectedRevision: 2, position: read[2]!.position });
        expect(Number.isNaN(Date.parse(read[0]!.recordedAt))).to.equal(false);
      });

      it('reads backwards from the end or from a revision, and forwards from a revision, honouring maxCount', async function () {
        const streamId = freshStreamId();
        await store.appendToStream(streamId, someEvents(5), 'no_stream');
        const revisions = async (options: Parameters<EventStore['readStream']>[1]) =>
          (await store.readStream(streamId, options)).map((event) => event.revision);

        expect(await revisions({ direction: 'backwards' })).to.deep.equal([4, 3, 2, 1, 0]);
        expect(await revisions({ direction: 'backwards', fromRevision: 3, maxCount: 2 })).to.deep.equal([3, 2]);
        expect(await revisions({ direction: 'forwards', fromRevision: 2 })).to.deep.equal([2, 3, 4]);
        expect(await revisions({ maxCount: 2 })).to.deep.equal([0, 1]);
        expect(await revisions({ fromRevision: 1, maxCount: 3 })).to.deep.equal([1, 2, 3]);
        expect(await revisions({ fromRevision: 5 })).to.deep.equal([]);
      });

      it('returns [] for a stream that does not exist', async function () {
        expect(await store.readStream(freshStreamId())).to.deep.equal([]);
        expect(await store.readStream(freshStreamId(), { direction: 'backwards' })).to.deep.equal([]);
      });

      it('round-trips JSON data and metadata: nested objects, arrays, unicode, numbers', async function () {
        const streamId = freshStreamId();
        const data = {
          nested: { deeper: { list: [1, 'two', { three: 3 }, null, true, []] }, empty: {} },
          unicode: 'Grüße, 你好, مرحبا, 👩🏽‍💻, e\u0301, "quotes" and \\ backslash\n',
          numbers: { zero: 0, negative: -42, float: 3.14159, tiny: 1e-7, big: Number.MAX_SAFE_INTEGER, exp: 6.02e23 },
          flags: { yes: true, no: false, nothing: null },
          emptyString: '',
        };
        const metadata = { tenantId: 't_ü', actor: { type: 'user', id: '🙂' }, schemaVersion: 2 };
        await store.appendToStream(streamId, [anEvent('Shaped', data, metadata)], 'no_stream');

        const [read] = await store.readStream(streamId);
        expect(read!.data).to.deep.equal(data);
        expect(read!.metadata).to.deep.include(metadata);
      });
    });

    describe('expected revision', function () {
      async function expectWrongRevision(promise: Promise<unknown>, streamId: string, expected: string, actual: string) {
        const error = await promise.then(
          () => expect.fail('the append should have been rejected'),
          (rejection: unknown) => rejection,
        );
        expect(error).to.be.instanceOf(WrongExpectedRevisionError);
        expect(error).to.include({ streamId, expected, actual });
      }

      it("'no_stream' accepts a new stream and rejects an existing one", async function () {
        const streamId = freshStreamId();
        expect(await store.appendToStream(streamId, someEvents(2), 'no_stream')).to.include({ nextExpectedRevision: 1 });
        await expectWrongRevision(store.appendToStream(streamId, someEvents(1), 'no_stream'), streamId, 'no_stream', '1');
      });

      it("'stream_exists' accepts an existing stream and rejects a missing one", async function () {
        const streamId = freshStreamId();
        await expectWrongRevision(store.appendToStream(streamId, someEvents(1), 'stream_exists'), streamId, 'stream_exists', 'no_stream');
        await store.appendToStream(streamId, someEvents(1), 'no_stream');
        expect(await store.appendToStream(streamId, someEvents(1), 'stream_exists')).to.include({ nextExpectedRevision: 1 });
      });

      it('an exact revision accepts the last revision and rejects any other', async function () {
        const streamId = freshStreamId();
        await expectWrongRevision(store.appendToStream(streamId, someEvents(1), 0), streamId, '0', 'no_stream');
        await store.appendToStream(streamId, someEvents(3), 'no_stream');
        await expectWrongRevision(store.appendToStream(streamId, someEvents(1), 1), streamId, '1', '2');
        await expectWrongRevision(store.appendToStream(streamId, someEvents(1), 3), streamId, '3', '2');
        expect(await store.appendToStream(streamId, someEvents(2), 2)).to.include({ nextExpectedRevision: 4 });
      });

      it("'any' accepts a missing and an existing stream", async function () {
        const streamId = freshStreamId();
        expect(await store.appendToStream(streamId, someEvents(1), 'any')).to.include({ nextExpectedRevision: 0 });
        expect(await store.appendToStream(streamId, someEvents(1), 'any')).to.include({ nextExpectedRevision: 1 });
      });

      it('an append of zero events only checks the revision', async function () {
        const streamId = freshStreamId();
        await store.appendToStream(streamId, someEvents(2), 'no_stream');
        expect(await store.appendToStream(streamId, [], 1)).to.include({ nextExpectedRevision: 1 });
        await expectWrongRevision(store.appendToStream(streamId, [], 0), streamId, '0', '1');
        expect(await store.readStream(streamId)).to.have.length(2);
      });

      it('a rejected append writes none of its events', async function () {
        const streamId = freshStreamId();
        await store.appendToStream(streamId, someEvents(1), 'no_stream');
        const rejected = someEvents(3);
        await expectWrongRevision(store.appendToStream(streamId, rejected, 5), streamId, '5', '0');

        expect(await store.readStream(streamId)).to.have.length(1);
        // The ids were not stored anywhere: the same events can still be appended normally.
        expect(await store.appendToStream(streamId, rejected, 0)).to.include({ nextExpectedRevision: 3 });
      });

      it('of concurrent appends with the same expected revision exactly one wins', async function () {
        const streamId = freshStreamId();
        await store.appendToStream(streamId, someEvents(1), 'no_stream');
        const contenders = Array.from({ length: 10 }, () => someEvents(2));
        const outcomes = await Promise.allSettled(contenders.map((events) => store.appendToStream(streamId, events, 0)));

        const winners = outcomes.filter((outcome) => outcome.status === 'fulfilled');
        const losers = outcomes.flatMap((outcome) => (outcome.status === 'rejected' ? [outcome.reason as unknown] : []));
        expect(winners).to.have.length(1);
        expect(losers).to.have.length(9);
        for (const loser of losers) expect(loser).to.be.instanceOf(WrongExpectedRevisionError);
        const winnerEvents = contenders[outcomes.findIndex((outcome) => outcome.status === 'fulfilled')]!;
        const stored = await store.readStream(streamId, { fromRevision: 1 });
        expect(stored.map((event) => event.eventId)).to.deep.equal(winnerEvents.map((event) => event.eventId));
      });
    });

    describe('idempotency', function () {
      it('a retry with the same event ids returns the original result and writes nothing, whatever revision it expects', async function () {
        const streamId = freshStreamId();
        const events = someEvents(2);
        const original = await store.appendToStream(streamId, events, 'no_stream');

        expect(await store.appendToStream(streamId, events, 'no_stream')).to.deep.equal(original);
        expect(await store.appendToStream(streamId, events, 'any')).to.deep.equal(original);
        await store.appendToStream(streamId, someEvents(1), 1);
        expect(await store.appendToStream(streamId, events, 1)).to.deep.equal(original);
        expect(await store.readStream(streamId)).to.have.length(3);
      });

      it('rejects ids of which only some already exist, writing nothing', async function () {
        const streamId = freshStreamId();
        const [first, second] = someEvents(2);
        await store.appendToStream(streamId, [first!], 'no_stream');

        const error = await store.appendToStream(streamId, [first!, second!], 'any').then(() => null, (rejection: unknown) => rejection);
        expect(error).to.be.instanceOf(Error);
        expect((error as Error).message).to.match(/duplicate event id/i);
        expect(await store.readStream(streamId)).to.have.length(1);
      });

      it('scopes event ids to their stream: the same id in another stream is another event', async function () {
        const event = anEvent();
        await store.appendToStream(freshStreamId(), [event], 'no_stream');
        const otherStream = freshStreamId();

        await store.appendToStream(otherStream, [event], 'no_stream');
        expect((await store.readStream(otherStream)).map((stored) => stored.eventId)).to.deep.equal([event.eventId]);
      });

      it('recognises a retry after the stream moved on, with an exact expected revision', async function () {
        const streamId = freshStreamId();
        await store.appendToStream(streamId, someEvents(1), 'no_stream');
        const retried = someEvents(2);
        const original = await store.appendToStream(streamId, retried, 0);
        await store.appendToStream(streamId, someEvents(1), original.nextExpectedRevision);

        expect(await store.appendToStream(streamId, retried, 0)).to.deep.equal(original);
        expect(await store.readStream(streamId)).to.have.length(4);
      });
    });

    describe('readAll and headPosition', function () {
      it('returns every stream in commit order; `after` is exclusive and maxCount limits', async function () {
        const start = await store.headPosition();
        const [a, b] = [freshStreamId(), freshStreamId()];
        const appended = [anEvent(), anEvent(), anEvent(), anEvent()];
        await store.appendToStream(a, [appended[0]!], 'no_stream');
        await store.appendToStream(b, [appended[1]!], 'no_stream');
        await store.appendToStream(a, [appended[2]!, appended[3]!], 0);

        const ours = (await store.readAll({ after: start })).filter((event) => event.streamId === a || event.streamId === b);
        expect(ours.map((event) => event.eventId)).to.deep.equal(appended.map((event) => event.eventId));
        expect(ours.map((event) => event.streamId)).to.deep.equal([a, b, a, a]);
        for (let i = 1; i < ours.length; i += 1) expect(ours[i]!.position).to.be.greaterThan(ours[i - 1]!.position);

        const afterSecond = await store.readAll({ after: ours[1]!.position, maxCount: 2 });
        expect(afterSecond.map((event) => event.eventId)).to.deep.equal([appended[2]!.eventId, appended[3]!.eventId]);
      });

      it('headPosition is the position of the last committed event and only grows', async function () {
        const before = await store.headPosition();
        const result = await store.appendToStream(freshStreamId(), someEvents(3), 'no_stream');
        const after = await store.headPosition();

        expect(after).to.be.at.least(result.position);
        expect(result.position).to.be.greaterThan(before);
        const [last] = (await store.readAll({ after: after - 1 })).slice(-1);
        expect(last?.position).to.equal(after);
      });
    });

    describe('subscribeToAll', function () {
      it('with a category filter, delivers only those categories and reports how far it scanned past the rest', async function () {
        const wanted = freshStreamId('alpha');
        const skipped = freshStreamId('beta');
        const start = await store.headPosition();
        const checkpoints: number[] = [];
        const delivered: RecordedEvent[] = [];
        const subscription = store.subscribeToAll({
          after: start,
          filter: { categories: ['alpha'] },
          maxBatchSize: 2,
          onEvents: (batch) => {
            delivered.push(...batch);
          },
          onCheckpoint: (position) => {
            checkpoints.push(position);
          },
        });
        subscriptions.push(subscription);
        await store.appendToStream(wanted, someEvents(3), 'no_stream');
        const tail = await store.appendToStream(skipped, someEvents(4), 'no_stream');
        await waitFor(() => checkpoints.some((position) => position >= tail.position), { description: 'checkpoint past the skipped events' });
        expect(delivered.map((event) => event.streamId)).to.deep.equal([wanted, wanted, wanted]);
        expect(delivered.map((event) => event.revision)).to.deep.equal([0, 1, 2]);
        expect(checkpoints.every((position, index) => index === 0 || position > checkpoints[index - 1]), 'checkpoints only move forward').to.equal(true);
      });

      it('coalesces wake-ups into fewer batches without losing or reordering events', async function () {
        const streamId = freshStreamId();
        const batches: number[] = [];
        const { received } = await follow([streamId], {
          coalesceMs: 50,
          onEvents: (batch) => {
            batches.push(batch.length);
            received.push(...batch.filter((event) => event.streamId === streamId));
          },
        });
        for (let i = 0; i < 10; i++) await store.appendToStream(streamId, someEvents(1), i === 0 ? 'no_stream' : i - 1);
        await waitFor(() => received.length === 10, { description: 'every event' });
        expect(received.map((event) => event.revision)).to.deep.equal([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
        expect(batches.length).to.be.below(10);
      });

      it('catches up on existing events, reports being caught up, then delivers live appends', async function () {
        const streamId = freshStreamId();
        const start = await store.headPosition();
        const first = await store.appendToStream(streamId, someEvents(3), 'no_stream');
        const { received, caughtUp } = await follow([streamId], { after: start });

        await waitFor(() => received.length === 3 && caughtUp.some((position) => position >= first.position), { description: 'catch-up' });
        const live = await store.appendToStream(streamId, someEvents(2), 2);
        await waitFor(() => received.length === 5, { description: 'live events' });
        await waitFor(() => caughtUp.some((position) => position >= live.position), { description: 'caught up after live events' });

        expect(received.map((event) => event.revision)).to.deep.equal([0, 1, 2, 3, 4]);
      });

      it('starts strictly after a stored checkpoint', async function () {
        const streamId = freshStreamId();
        await store.appendToStream(streamId, someEvents(5), 'no_stream');
        const [, , third] = await store.readStream(streamId);
        const { received } = await follow([streamId], { after: third!.position });

        await waitFor(() => received.length === 2, { description: 'events after the checkpoint' });
        expect(received.map((event) => event.revision)).to.deep.equal([3, 4]);
      });

      it('delivers every event once, in position order, one batch at a time, under concurrent appends', async function () {
        const streams = Array.from({ length: 5 }, () => freshStreamId());
        const seenPositions: number[] = [];
        let inFlight = 0;
        let overlapped = false;
        const { received } = await follow(streams, {
          maxBatchSize: 7,
          onEvents: async (batch) => {
            overlapped ||= inFlight > 0;
            inFlight += 1;
            seenPositions.push(...batch.map((event) => event.position));
            received.push(...batch.filter((event) => streams.includes(event.streamId)));
            await settleTurns(1);
            inFlight -= 1;
          },
        });

        for (let round = 0; round < 8; round += 1) {
          await Promise.all(streams.map((streamId) => store.appendToStream(streamId, someEvents(3), 'any')));
        }
        const expected = 5 * 8 * 3;
        await waitFor(() => received.length >= expected, { description: `${expected} events` });

        expect(overlapped, 'handler batches overlapped').to.equal(false);
        for (let i = 1; i < seenPositions.length; i += 1) expect(seenPositions[i]!).to.be.greaterThan(seenPositions[i - 1]!);
        expect(received).to.have.length(expected);
        for (const streamId of streams) {
          const revisions = received.filter((event) => event.streamId === streamId).map((event) => event.revision);
          expect(revisions).to.deep.equal(Array.from({ length: 24 }, (_, index) => index));
        }
      });

      it('stop() waits for the batch in flight and no batch follows it', async function () {
        const streamId = freshStreamId();
        const release = deferred();
        let batches = 0;
        const { subscription } = await follow([streamId], {
          onEvents: async () => {
            batches += 1;
            await release.promise;
          },
        });
        await store.appendToStream(streamId, someEvents(1), 'no_stream');
        await waitFor(() => batches === 1, { description: 'the first batch' });

        let stopped = false;
        const stopping = subscription.stop().then(() => (stopped = true));
        await settleTurns();
        expect(stopped, 'stop() resolved while a batch was in flight').to.equal(false);
        release.resolve();
        await stopping;

        // A second subscription is the witness that the next event was committed and delivered.
        const witness = await follow([streamId]);
        await store.appendToStream(streamId, someEvents(1), 0);
        await waitFor(() => witness.received.length === 1, { description: 'the witness' });
        expect(batches).to.equal(1);
      });

      it('calls onError once and stops when the handler throws', async function () {
        const streamId = freshStreamId();
        const start = await store.headPosition();
        const errors: Error[] = [];
        let calls = 0;
        await follow([streamId], {
          onEvents: () => {
            calls += 1;
            throw new Error('projection failed');
          },
          onError: (error) => errors.push(error),
          maxBatchSize: 1,
        });
        await store.appendToStream(streamId, someEvents(3), 'no_stream');
        await waitFor(() => errors.length > 0, { description: 'onError' });

        const witness = await follow([streamId], { after: start });
        await store.appendToStream(streamId, someEvents(1), 2);
        await waitFor(() => witness.received.length === 4, { description: 'the witness' });
        expect(errors.map((error) => error.message)).to.deep.equal(['projection failed']);
        expect(calls).to.equal(1);
      });
    });

    describe('stream metadata', function () {
      it('is null when never set, and round-trips and replaces when set', async function () {
        const streamId = freshStreamId();
        expect(await store.getStreamMetadata(streamId)).to.equal(null);

        const metadata = { maxAge: 3600, maxCount: 100, custom: { legalHold: true, retention: 'gold', owners: ['ü', '🙂'] } };
        await store.setStreamMetadata(streamId, metadata);
        expect(await store.getStreamMetadata(streamId)).to.deep.equal(metadata);

        await store.setStreamMetadata(streamId, { custom: { legalHold: false } });
        expect(await store.getStreamMetadata(streamId)).to.deep.equal({ custom: { legalHold: false } });
      });
    });
  });
}
