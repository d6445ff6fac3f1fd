import { expect } from 'chai';
import { ServiceThread, siblingModule } from '../../api/threads/client.js';
import { NexusError } from '../../domain/shared/errors.js';

const ECHO_MODULE = new URL('../support/echo-thread.ts', import.meta.url).href;

/** api/threads: calls to a service thread by name, answered by id, in one message per turn of the event loop. */
describe('a service thread', function () {
  this.timeout(30_000);
  let thread: ServiceThread;

  before(async function () {
    thread = await ServiceThread.start('echo', ECHO_MODULE, {});
  });

  after(async function () {
    await thread.close();
  });

  it('answers each call with its own result, structured-cloned', async function () {
    const when = new Date('2026-11-27T10:00:00.000Z');
    const answers = await Promise.all([thread.call('echo', { a: 1, when }), thread.call('slowEcho', 'late', 30), thread.call('echo', [1, 2, 3])]);
    expect(answers).to.deep.equal([{ a: 1, when }, 'late', [1, 2, 3]]);
  });

  it('sends the calls of one turn of the event loop in one message', async function () {
    const before = await thread.call<number>('batches');
    await Promise.all(Array.from({ length: 50 }, (_, index) => thread.call('echo', index)));
    const after = await thread.call<number>('batches');
    // One batch for the 50 calls, one for the second 'batches' call itself.
    expect(after - before).to.equal(2);
  });

  it("hands errors back with the domain's kind, and refuses unknown methods", async function () {
    const conflict = await thread.call('conflict').catch((error: unknown) => error);
    expect(conflict).to.be.instanceOf(NexusError).with.property('kind', 'conflict');
    expect((conflict as NexusError).details).to.deep.equal({ streamId: 's-1' });
    const unknown = await thread.call('nope').catch((error: unknown) => error);
    expect(unknown).to.be.instanceOf(Error).with.property('message', "no method 'nope' on this thread");
  });

  it('gives up on a call that takes longer than its time limit', async function () {
    const late = await thread.callWithin(30, 'slowEcho', 'late', 300).catch((error: unknown) => error);
    expect(late).to.be.instanceOf(Error).with.property('message', "the echo thread did not answer 'slowEcho' within 30 ms");
    expect(await thread.callWithin(1_000, 'echo', 'in time')).to.equal('in time');
  });

  it('answers the calls in flight before close() ends it, then refuses new ones', async function () {
    const other = await ServiceThread.start('echo', ECHO_MODULE, {});
    const inFlight = other.call('slowEcho', 'finished', 50);
    await other.close();
    expect(await inFlight).to.equal('finished');
    expect(other.alive).to.equal(false);
    const refused = await other.call('echo', 1).catch((error: unknown) => error);
    expect(refused).to.be.instanceOf(Error).with.property('message', 'the echo thread is not running');
  });

  it('rejects the calls in flight when the thread dies, and tells onLost why', async function () {
    const doomed = await ServiceThread.start('echo', ECHO_MODULE, {});
    const lost: Error[] = [];
    doomed.onLost((error) => lost.push(error));
    const inFlight = doomed.call('slowEcho', 'never', 5_000).catch((error: unknown) => error);
    await new Promise((resolve) => setTimeout(resolve, 20));
    await doomed.kill();
    expect(await inFlight).to.be.instanceOf(Error).with.property('message').that.matches(/the echo thread exited/);
    expect(lost).to.have.length(1);
    expect(doomed.alive).to.equal(false);
  });

  it('fails to start with the reason the thread gave', async function () {
    const error = await ServiceThread.start('echo', ECHO_MODULE, { failToOpen: 'the store is unreachable' }).catch((failure: unknown) => failure);
    expect(error).to.be.instanceOf(Error).with.property('message', 'the store is unreachable');
  });
});

describe('a service thread module next to its importer', function () {
  it('keeps the importer\'s extension: .ts under tsx, .js in the compiled build', function () {
    expect(siblingModule('file:///srv/nexus/api/v1/recording/thread.ts', 'worker')).to.equal('file:///srv/nexus/api/v1/recording/worker.ts');
    expect(siblingModule('file:///srv/nexus/dist/api/v1/recording/thread.js', 'worker')).to.equal('file:///srv/nexus/dist/api/v1/recording/worker.js');
    expect(siblingModule('file:///srv/nexus/api/x.mjs', 'y')).to.equal('file:///srv/nexus/api/y.mjs');
  });
});
