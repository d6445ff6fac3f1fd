import { expect } from 'chai';
import { INLINE_BELOW_UTILIZATION, LoadAwareRecorder, LoopLoad } from '../../../api/v1/recording/load-aware.js';
import type { Rejection } from '../../../api/v1/recording/record.js';
import { timedRecorder, type OutcomeRecord, type OutcomeRecorder } from '../../../api/v1/recording/recorder.js';

/** A recorder whose records stay in flight until the test lets them commit. */
class HeldRecorder implements OutcomeRecorder {
  readonly taken: string[] = [];
  closed = false;
  private readonly waiting: Array<{ resolve: () => void; reject: (error: Error) => void }> = [];

  outcome(record: OutcomeRecord): Promise<void> {
    return this.take(record.facts.requestId);
  }

  rejection(rejection: Rejection): Promise<void> {
    return this.take(rejection.requestId);
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  commitAll(): void {
    for (const each of this.waiting.splice(0)) each.resolve();
  }

  failAll(error: Error): void {
    for (const each of this.waiting.splice(0)) each.reject(error);
  }

  private take(requestId: string): Promise<void> {
    this.taken.push(requestId);
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
  }
}

const record = (requestId: string) => ({ facts: { requestId } }) as unknown as OutcomeRecord;
const rejection = (requestId: string) => ({ requestId }) as unknown as Rejection;
const settled = () => new Promise((resolve) => setImmediate(resolve));

describe('the load-aware usage recorder', function () {
  let utilization: number;
  let offloaded: HeldRecorder;
  let inline: HeldRecorder;
  let recorder: LoadAwareRecorder;

  beforeEach(function () {
    utilization = 0;
    offloaded = new HeldRecorder();
    inline = new HeldRecorder();
    recorder = new LoadAwareRecorder({ offloaded, inline }, () => utilization);
  });

  it('records inline while the event loop has headroom, and hands off once it is busy', async function () {
    const quiet = recorder.outcome(record('quiet'));
    inline.commitAll();
    await quiet;
    utilization = INLINE_BELOW_UTILIZATION;
    const busy = recorder.rejection(rejection('busy'), new Date());
    offloaded.commitAll();
    await busy;
    expect(inline.taken).to.deep.equal(['quiet']);
    expect(offloaded.taken).to.deep.equal(['busy']);
  });

  it('never has both paths writing at once: a record joins the path that still has records in flight', async function () {
    utilization = 0.99;
    const first = recorder.outcome(record('a'));
    utilization = 0; // the loop went quiet, but the thread is still committing 'a'
    const second = recorder.outcome(record('b'));
    expect(offloaded.taken).to.deep.equal(['a', 'b']);
    offloaded.commitAll();
    await Promise.all([first, second]);

    const third = recorder.outcome(record('c'));
    utilization = 0.99; // now busy, but 'c' is still being committed inline
    const fourth = recorder.outcome(record('d'));
    expect(inline.taken).to.deep.equal(['c', 'd']);
    inline.commitAll();
    await Promise.all([third, fourth]);
    expect(recorder.choose()).to.equal('offloaded');
  });

  it("passes a path's failure to the caller and frees the path for the next choice", async function () {
    utilization = 0.99;
    const failing = recorder.outcome(record('x'));
    offloaded.failAll(new Error('disk full'));
    const error = await failing.then(
      () => null,
      (caught: unknown) => caught,
    );
    expect(error).to.be.instanceOf(Error).with.property('message', 'disk full');
    await settled();
    utilization = 0;
    expect(recorder.choose()).to.equal('inline');
  });

  it('closes both paths and its load sampler', async function () {
    let samplerStopped = false;
    recorder = new LoadAwareRecorder({ offloaded, inline }, () => utilization, () => (samplerStopped = true));
    await recorder.close();
    expect({ offloaded: offloaded.closed, inline: inline.closed, samplerStopped }).to.deep.equal({ offloaded: true, inline: true, samplerStopped: true });
  });
});

describe('a timed usage recorder', function () {
  it('reports each record until its commit was acknowledged, ok or error, and passes failures on', async function () {
    const held = new HeldRecorder();
    const observed: Array<{ outcome: string; seconds: number }> = [];
    const timed = timedRecorder(held, (outcome, seconds) => observed.push({ outcome, seconds }));
    const committed = timed.outcome(record('a'));
    await new Promise((resolve) => setTimeout(resolve, 20));
    held.commitAll();
    await committed;
    const failed = timed.rejection(rejection('b'), new Date()).catch((error: unknown) => error);
    held.failAll(new Error('disk full'));
    expect(await failed).to.be.instanceOf(Error).with.property('message', 'disk full');
    expect(observed.map((each) => each.outcome)).to.deep.equal(['ok', 'error']);
    expect(observed[0]?.seconds).to.be.within(0.015, 5);
    await timed.close();
    expect(held.closed).to.equal(true);
  });
});

describe('event-loop load sampling', function () {
  it('reads low on an idle loop and near 1 while the loop is kept busy', async function () {
    const load = new LoopLoad(40);
    try {
      await new Promise((resolve) => setTimeout(resolve, 130));
      const idle = load.current;
      const until = Date.now() + 200;
      // Busy in slices, so the sampling timer still gets its turns.
      while (Date.now() < until) {
        const slice = Date.now() + 15;
        while (Date.now() < slice) {
          /* spin */
        }
        await new Promise((resolve) => setImmediate(resolve));
      }
      const busy = load.current;
      // Generous bounds: a garbage collection or a compile may land in the idle window.
      expect(idle, 'idle').to.be.below(0.5);
      expect(busy, 'busy').to.be.above(0.8);
    } finally {
      load.stop();
    }
  });
});
