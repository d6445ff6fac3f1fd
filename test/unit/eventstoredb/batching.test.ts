import { expect } from 'chai';
import { describe, it } from 'mocha';
import { checkpointToReport, planStep, type FeedItem } from '../../../engines/eventstore/eventstoredb/batching.js';
import type { RecordedEvent } from '../../../engines/eventstore/port.js';

const recorded = (position: number): RecordedEvent => ({
  eventId: `e${position}`,
  streamId: 'alpha-1',
  revision: position,
  position,
  type: 'ThingHappened',
  data: {},
  metadata: {},
  recordedAt: '',
});
const event = (position: number): FeedItem => ({ kind: 'event', position, event: recorded(position) });
const system = (position: number): FeedItem => ({ kind: 'event', position, event: null });
const checkpoint = (position: number): FeedItem => ({ kind: 'checkpoint', position });
const positions = (events: readonly RecordedEvent[]) => events.map((e) => e.position);

describe('EventStoreDB subscription batching', () => {
  it('takes at most maxBatchSize events, leaving the rest queued', () => {
    const step = planStep([event(3), event(5), event(7)], 1, 2);
    expect(positions(step.events)).to.deep.equal([3, 5]);
    expect(step).to.include({ consumed: 2, scannedTo: 5, live: null });
  });

  it('drops repeats of events at or before what was already scanned, so delivery never goes backwards', () => {
    const step = planStep([event(3), event(5), event(7)], 5, 10);
    expect(positions(step.events)).to.deep.equal([7]);
    expect(step).to.include({ consumed: 3, scannedTo: 7 });
  });

  it('moves the scan past checkpoints and system events without delivering anything for them', () => {
    const step = planStep([event(3), system(5), checkpoint(10), event(11), checkpoint(20)], 1, 10);
    expect(positions(step.events)).to.deep.equal([3, 11]);
    expect(step).to.include({ consumed: 5, scannedTo: 20 });
  });

  it('ends a step at a liveness signal, after the events that came before it', () => {
    const caughtUp = planStep([event(3), { kind: 'caught_up' }, event(5)], 1, 10);
    expect(positions(caughtUp.events)).to.deep.equal([3]);
    expect(caughtUp).to.include({ consumed: 2, live: true, scannedTo: 3 });
    expect(planStep([{ kind: 'fell_behind' }, event(5)], 3, 10)).to.include({ consumed: 1, live: false, scannedTo: 3 });
  });

  it('reports a checkpoint only for a filter, only past the last delivered event, and only forwards', () => {
    expect(checkpointToReport(true, 20, 11, 0)).to.equal(20);
    expect(checkpointToReport(true, 11, 11, 0), 'nothing skipped after the last delivery').to.equal(null);
    expect(checkpointToReport(true, 20, 11, 20), 'already reported').to.equal(null);
    expect(checkpointToReport(false, 20, 11, 0), 'unfiltered subscriptions skip only system events').to.equal(null);
  });
});
