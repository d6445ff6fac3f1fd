import type { EventStoreDBClient, PrefixesFilter, SubscribeToAllOptions as EsdbSubscribeToAllOptions } from '@eventstore/db-client';
import { Subscription as ClientSubscription } from '@eventstore/db-client/dist/streams/utils/Subscription.js';
import { convertGrpcEvent } from '@eventstore/db-client/dist/utils/convertGrpcEvent.js';
import { StreamIdentifier, UUID } from '@eventstore/db-client/generated/shared_pb.js';
import { ReadResp } from '@eventstore/db-client/generated/streams_pb.js';
import { expect } from 'chai';
import { afterEach, describe, it } from 'mocha';
import { PassThrough } from 'node:stream';
import { EventStoreUnavailableError } from '../../../engines/eventstore/eventstoredb/errors.js';
import { ClientFeed, type FeedRequest } from '../../../engines/eventstore/eventstoredb/feed.js';
import { settleTurns, waitFor } from '../../support/wait.js';

/**
 * ClientFeed on the client's real Subscription stream, fed the protobuf messages the server
 * would send (no server, no network): it checks that checkpoints and caught-up signals keep
 * their place among the events while the client's stream buffers them.
 */
const CREATED = Date.parse('2025-06-01T12:00:00.123Z');

function eventMessage(streamId: string, type: string, position: bigint, data: object): ReadResp {
  const recorded = new ReadResp.ReadEvent.RecordedEvent();
  recorded.setId(new UUID().setString('3f1c2a9e-8b4d-4c1e-9f00-0123456789ab'));
  recorded.setStreamIdentifier(new StreamIdentifier().setStreamName(Buffer.from(streamId)));
  recorded.setStreamRevision('7');
  recorded.setCommitPosition(position.toString());
  recorded.setPreparePosition(position.toString());
  recorded.getMetadataMap().set('type', type).set('content-type', 'application/json').set('created', String(BigInt(CREATED) * 10_000n));
  recorded.setData(Buffer.from(JSON.stringify(data)));
  recorded.setCustomMetadata(Buffer.from(JSON.stringify({ tenantId: 't_1' })));
  return new ReadResp().setEvent(new ReadResp.ReadEvent().setEvent(recorded));
}
const checkpointMessage = (commit: bigint, prepare: bigint) =>
  new ReadResp().setCheckpoint(new ReadResp.Checkpoint().setCommitPosition(commit.toString()).setPreparePosition(prepare.toString()));
const caughtUpMessage = () => new ReadResp().setCaughtUp(new ReadResp.CaughtUp());

/** The server side of one subscription: what the test writes is what the client's stream reads. */
class Wire extends PassThrough {
  cancelled = false;
  constructor() {
    super({ objectMode: true });
  }
  cancel(): void {
    this.cancelled = true;
    this.end();
  }
}

describe('EventStoreDB feed over the client’s subscription stream', () => {
  let feed: ClientFeed | null = null;
  let wire: Wire;
  let requested: EsdbSubscribeToAllOptions;

  function open(request: Partial<FeedRequest> = {}): ClientFeed {
    wire = new Wire();
    const client = {
      subscribeToAll(options: EsdbSubscribeToAllOptions) {
        requested = options;
        return new ClientSubscription(() => Promise.resolve(wire as never), convertGrpcEvent, {}, options.filter?.checkpointReached);
      },
    } as unknown as EventStoreDBClient;
    feed = new ClientFeed(client, { after: 0, window: 500, highWater: 100, ...request });
    return feed;
  }

  afterEach(async () => {
    await feed?.close();
    feed = null;
  });

  it('subscribes from the position and with the filter the request asks for', () => {
    open({ after: 2_001, window: 1, filter: { categories: ['policy'] } });
    expect(requested.fromPosition).to.deep.equal({ commit: 1_000n, prepare: 1_000n });
    expect(requested.filter).to.deep.include({ prefixes: ['policy-'], maxSearchWindow: 1, checkpointInterval: 1 } satisfies Partial<PrefixesFilter>);
    open({ after: 0 });
    expect(requested.fromPosition).to.equal('start');
  });

  it('keeps events, skipped system events, checkpoints and caught-up in the order the server sent them', async () => {
    const opened = open({ filter: { categories: ['policy'] } });
    wire.write(eventMessage('policy-t_1.p_1', 'PolicyCreated', 1_000n, { name: 'default' }));
    wire.write(eventMessage('$$policy-t_1.p_1', '$metadata', 1_100n, {}));
    wire.write(checkpointMessage(1_200n, 0n));
    wire.write(caughtUpMessage());
    wire.write(eventMessage('policy-t_1.p_1', 'PolicyRenamed', 1_300n, { name: 'strict' }));
    await waitFor(() => opened.items.length === 5);

    expect(opened.items.map((item) => [item.kind, 'position' in item ? item.position : null])).to.deep.equal([
      ['event', 2_001],
      ['event', 2_201],
      ['checkpoint', 2_400],
      ['caught_up', null],
      ['event', 2_601],
    ]);
    const [first, system] = opened.items;
    expect(first).to.deep.include({ kind: 'event' });
    expect(first?.kind === 'event' && first.event).to.deep.include({
      streamId: 'policy-t_1.p_1',
      revision: 7,
      type: 'PolicyCreated',
      data: { name: 'default' },
      metadata: { tenantId: 't_1' },
      recordedAt: '2025-06-01T12:00:00.123Z',
    });
    expect(system?.kind === 'event' && system.event, 'a system event is never delivered').to.equal(null);
  });

  it('pauses the stream at the high-water mark and resumes it once drained', async () => {
    const opened = open({ highWater: 4 });
    for (let i = 0; i < 10; i++) wire.write(eventMessage('contract-1', 'ThingHappened', 1_000n + BigInt(i) * 100n, { i }));
    await waitFor(() => opened.items.length === 4);
    await settleTurns(10);
    expect(opened.items.length, 'paused: the rest waits in the client stream').to.equal(4);
    opened.drop(4);
    await waitFor(() => opened.items.length === 4);
    opened.drop(4);
    await waitFor(() => opened.items.length === 2);
  });

  it('turns a broken connection into an EventStoreUnavailableError and wakes the waiting reader', async () => {
    const opened = open();
    await settleTurns(); // the client attaches to the call's stream once it is created
    const waiting = opened.wait();
    wire.emit('error', Object.assign(new Error('14 UNAVAILABLE: Connection dropped'), { code: 14, details: 'Connection dropped' }));
    await waiting;
    expect(opened.failure).to.be.instanceOf(EventStoreUnavailableError).and.include({ failure: 'connection', operation: 'subscribeToAll' });
  });

  it('cancels the gRPC call on close, and a cancelled feed reports no failure', async () => {
    const opened = open();
    await settleTurns();
    await opened.close();
    await new Promise((resolve) => setImmediate(resolve));
    expect(wire.cancelled).to.equal(true);
    expect(opened.failure).to.equal(null);
  });
});
