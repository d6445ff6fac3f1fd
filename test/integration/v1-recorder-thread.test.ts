import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { pino } from 'pino';
import { loadConfig } from '../../api/config.js';
import { openEventStore } from '../../api/engines.js';
import type { Rejection, RequestFacts, Served } from '../../api/v1/recording/record.js';
import { inlineRecorder, type OutcomeRecord } from '../../api/v1/recording/recorder.js';
import { ThreadRecorder } from '../../api/v1/recording/thread.js';
import type { ServiceThread } from '../../api/threads/client.js';
import { verifyChain } from '../../domain/shared/envelope.js';
import { NexusError } from '../../domain/shared/errors.js';
import { inferenceStreamId } from '../../domain/inference/index.js';
import type { EventStore, RecordedEvent } from '../../engines/eventstore/port.js';
import type { CachedDeployment } from '../../projections/cache/snapshots.js';
import { waitFor } from '../support/wait.js';

const price = { priceVersion: 1, inputPricePerMTokMicros: 1_000_000, outputPricePerMTokMicros: 2_000_000, currency: 'USD', effectiveFrom: '2026-01-01T00:00:00.000Z' };
const deployment: CachedDeployment = {
  deploymentId: 'dep-a',
  provider: 'mock',
  upstreamModel: 'mock-1',
  modelAlias: 'fast',
  region: 'eu',
  baseUrl: null,
  credentialRef: null,
  weight: 100,
  enabled: true,
  price,
  prices: [price],
};

let counter = 0;
function completed(requestId = `req_${(++counter).toString(16).padStart(24, '0')}`): OutcomeRecord {
  const facts: RequestFacts = {
    tenantId: 'acme',
    keyId: 'key-1',
    requestId,
    correlationId: 'corr-1',
    modelAlias: 'fast',
    stream: false,
    request: { model: 'fast', messages: [{ role: 'user', content: 'hello' }] },
    rolloutId: null,
    storeContent: false,
  };
  const served: Served = { deployment, attempts: [{ deploymentId: 'dep-a', outcome: 'ok', status: 200, latencyMs: 3 }], usage: { prompt_tokens: 5, completion_tokens: 7, total_tokens: 12 }, latencyMs: 4, timeToFirstTokenMs: null };
  return { facts, served, ending: { type: 'completed', finishReason: 'stop', completion: 'hi there' }, bill: { inputTokens: 5, outputTokens: 7, cachedTokens: 0, costMicros: 19 }, now: new Date('2026-11-27T08:00:00.000Z') };
}

const silent = pino({ level: 'silent' });

/**
 * The recorder thread (api/v1/recording): usage events decided, sealed and appended on a worker
 * thread with its own connection to the data dir's event store, acknowledged only once committed.
 */
describe('usage events recorded on a worker thread', function () {
  this.timeout(60_000);
  let dataDir: string;
  let mainStore: EventStore;
  let recorder: ThreadRecorder;

  beforeEach(async function () {
    dataDir = await mkdtemp(join(tmpdir(), 'nexus-recorder-'));
    const config = loadConfig({ NEXUS_DATA_DIR: dataDir });
    mainStore = await openEventStore(config);
    recorder = await ThreadRecorder.start({ config, fallback: inlineRecorder(mainStore), logger: silent });
  });

  afterEach(async function () {
    await recorder.close();
    await mainStore.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('resolves once the event is committed: the main thread reads it at once, hash chain intact', async function () {
    const record = completed();
    await recorder.outcome(record);
    const events = await mainStore.readStream(inferenceStreamId('acme', record.facts.requestId));
    expect(events.map((event) => event.type)).to.deep.equal(['InferenceCompleted']);
    expect(events[0]?.data).to.include({ requestId: record.facts.requestId, costMicros: 19, inputTokens: 5, outputTokens: 7 });
    expect(verifyChain(events)).to.equal(null);
  });

  it("wakes the main thread's subscriptions at once (no polling) with the thread's commits", async function () {
    const seen: RecordedEvent[] = [];
    const subscription = mainStore.subscribeToAll({ after: await mainStore.headPosition(), filter: { categories: ['inference'] }, onEvents: (batch) => void seen.push(...batch) });
    try {
      // 250 ms is the store's poll interval: well before it, the commit notice must have come through.
      const started = Date.now();
      await recorder.outcome(completed());
      await waitFor(() => seen.length === 1, { timeoutMs: 5_000, description: 'the recorded event on the main subscription' });
      expect(Date.now() - started).to.be.below(250);
    } finally {
      await subscription.stop();
    }
  });

  it('records the same event data as the inline recorder, though it sends the thread only what recording reads', async function () {
    const viaThread = completed();
    const inline = completed();
    const stored = { ...inline.facts, storeContent: true };
    await recorder.outcome({ ...viaThread, facts: { ...viaThread.facts, storeContent: true } });
    await inlineRecorder(mainStore).outcome({ ...inline, facts: stored });
    const [threadEvent] = await mainStore.readStream(inferenceStreamId('acme', viaThread.facts.requestId));
    const [inlineEvent] = await mainStore.readStream(inferenceStreamId('acme', inline.facts.requestId));
    const { requestId: _threadId, ...fromThread } = threadEvent?.data as Record<string, unknown>;
    const { requestId: _inlineId, ...fromInline } = inlineEvent?.data as Record<string, unknown>;
    expect(fromThread).to.deep.equal(fromInline);
    expect(fromThread).to.include({ provider: 'mock', upstreamModel: 'mock-1', currency: 'USD', priceVersion: 1, promptText: '[{"content":"hello","role":"user"}]' });
  });

  it('records rejections too', async function () {
    const rejection: Rejection = { tenantId: 'acme', requestId: 'req_0000000000000000000000ff', correlationId: 'c', keyId: 'key-1', modelAlias: 'fast', reason: 'budget_exhausted', detail: 'monthly budget spent' };
    await recorder.rejection(rejection, new Date());
    const events = await mainStore.readStream(inferenceStreamId('acme', rejection.requestId));
    expect(events.map((event) => event.type)).to.deep.equal(['InferenceRejected']);
  });

  it("hands the domain's refusals back with their kind (a second record of a request is a conflict, a bad one a rule violation)", async function () {
    const record = completed();
    await recorder.outcome(record);
    const again = await recorder.outcome(record).then(() => null, (error: unknown) => error);
    expect(again).to.be.instanceOf(NexusError);
    expect((again as NexusError).kind).to.equal('conflict');
    const noAttempts = completed();
    const invalid = await recorder.outcome({ ...noAttempts, served: { ...noAttempts.served, attempts: [] } }).then(() => null, (error: unknown) => error);
    expect((invalid as NexusError).kind).to.equal('rule_violation');
    expect((invalid as Error).message).to.match(/at least one attempt/);
  });

  it('close() commits every record already asked for before the thread exits', async function () {
    const records = Array.from({ length: 200 }, () => completed());
    const acknowledged = records.map((record) => recorder.outcome(record));
    await recorder.close();
    await Promise.all(acknowledged);
    for (const record of records.slice(-3)) {
      expect(await mainStore.readStream(inferenceStreamId('acme', record.facts.requestId))).to.have.length(1);
    }
  });

  it('keeps recording (on the main thread) when the worker has died', async function () {
    await recorder.outcome(completed());
    // Kill the thread from outside, as a crash would.
    await (recorder as unknown as { thread: ServiceThread }).thread.kill();
    const record = completed();
    await recorder.outcome(record);
    expect(await mainStore.readStream(inferenceStreamId('acme', record.facts.requestId))).to.have.length(1);
  });

  it('refuses to start, with the reason, when its event store cannot be opened', async function () {
    const notADirectory = join(dataDir, 'a-file');
    await writeFile(notADirectory, 'x');
    const error = await ThreadRecorder.start({ config: loadConfig({ NEXUS_DATA_DIR: notADirectory }), fallback: inlineRecorder(mainStore), logger: silent }).then(
      () => null,
      (failure: unknown) => failure,
    );
    expect(error).to.be.instanceOf(Error);
    expect((error as Error).message).to.match(/a-file/);
  });
});
