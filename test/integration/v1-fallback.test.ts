import { expect } from 'chai';
import { after, before, describe, it } from 'mocha';
import { CircuitBreakers } from '../../api/v1/circuit-breaker.js';
import { DEFAULT_DISPATCH_POLICY, primeStream, withFallback, type Dispatched, type DispatchPolicy } from '../../api/v1/dispatch.js';
import type { ChatCompletion, ChatCompletionChunk, ChatCompletionRequest, ChatProvider, ProviderTarget } from '../../engines/providers/port.js';
import type { CachedDeployment } from '../../projections/cache/snapshots.js';
import { cachedDeployment } from '../support/deployments.js';
import { FAKE_CLAUDE_TEXT, startFakeAnthropic } from '../support/fake-upstreams/anthropic.js';
import { FAKE_GEMINI_TEXT, startFakeGemini } from '../support/fake-upstreams/gemini.js';
import { FAKE_OPENAI_TEXT, startFakeOpenAi } from '../support/fake-upstreams/openai.js';
import type { FakeServer } from '../support/fake-upstreams/server.js';
import { assemble, collect, collectUntilError } from '../unit/providers/helpers.js';

/**
 * Dispatch against real sockets: fake OpenAI-compatible, Anthropic and Gemini servers whose
 * upstream model name picks a failure (test/support/fake-upstreams/scenarios.ts). A primary
 * deployment fails, a backup answers; the client must get the backup's answer, and
 * `attempts` must tell the path the request took.
 */
const policy: DispatchPolicy = {
  ...DEFAULT_DISPATCH_POLICY,
  timeouts: { connectMs: 1_000, readMs: 300 },
  retry: { maxAttemptsPerDeployment: 2, baseDelayMs: 20, maxDelayMs: 100, maxRetryWaitMs: 2_000, deadlineMs: 10_000 },
};
const request: ChatCompletionRequest = { model: 'alias', messages: [{ role: 'user', content: 'hello' }] };
const chat = (provider: ChatProvider, target: ProviderTarget): Promise<ChatCompletion> => provider.chat(request, target);
const stream = async (provider: ChatProvider, target: ProviderTarget): Promise<AsyncIterable<ChatCompletionChunk>> =>
  primeStream(await provider.chatStream({ ...request, stream: true }, target), target);

type Path = Array<[string, string, number | null]>;
const pathOf = (dispatched: Dispatched<unknown>): Path => dispatched.attempts.map((attempt) => [attempt.deploymentId, attempt.outcome, attempt.status]);

async function answered<T>(dispatched: Dispatched<T>, deploymentId: string): Promise<T> {
  if (!dispatched.ok) throw new Error(`expected an answer, got ${dispatched.error.message}`);
  expect(dispatched.deployment.deploymentId).to.equal(deploymentId);
  return dispatched.value;
}

describe('dispatch fallback against fake upstreams', () => {
  let openai: FakeServer;
  let anthropic: FakeServer;
  let gemini: FakeServer;
  let tag = 0;

  before(async () => {
    [openai, anthropic, gemini] = await Promise.all([startFakeOpenAi(), startFakeAnthropic(), startFakeGemini()]);
  });

  after(async () => {
    await Promise.all([openai.close(), anthropic.close(), gemini.close()]);
  });

  const openAiCompatible = (deploymentId: string, upstreamModel: string): CachedDeployment =>
    cachedDeployment(deploymentId, { provider: 'openai-compatible', upstreamModel, baseUrl: `${openai.origin}/v1` });
  /** A primary failing as `scenario`, then a healthy backup; fresh deployment ids per test. */
  const chain = (scenario: string): { order: CachedDeployment[]; primary: string; backup: string } => {
    tag++;
    const primary = `primary-${tag}`;
    const backup = `backup-${tag}`;
    return { order: [openAiCompatible(primary, scenario), openAiCompatible(backup, 'gpt-backup')], primary, backup };
  };
  const requestsFor = (server: FakeServer, model: string): number => server.requests.filter((req) => (req.body as { model?: string } | undefined)?.model === model).length;

  describe('chat completions', () => {
    const retriedThenFellBack = [
      { scenario: 'fail-500', outcome: 'server_error', status: 500 },
      { scenario: 'drop', outcome: 'connection', status: null },
    ];
    for (const { scenario, outcome, status } of retriedThenFellBack) {
      it(`retries '${scenario}' on the primary, then answers from the backup`, async () => {
        const { order, primary, backup } = chain(scenario);
        const dispatched = await withFallback(order, chat, { policy });
        const completion = await answered(dispatched, backup);
        expect(completion.model).to.equal('gpt-backup');
        expect(completion.choices[0]?.message.content).to.equal(FAKE_OPENAI_TEXT);
        expect(pathOf(dispatched)).to.deep.equal([
          [primary, outcome, status],
          [primary, outcome, status],
          [backup, 'ok', 200],
        ]);
      });
    }

    it('falls back from a hanging primary after the read timeout, without waiting for it twice', async () => {
      const { order, primary, backup } = chain('hang');
      const dispatched = await withFallback(order, chat, { policy });
      await answered(dispatched, backup);
      expect(pathOf(dispatched)).to.deep.equal([
        [primary, 'timeout', null],
        [backup, 'ok', 200],
      ]);
      expect(dispatched.attempts[0]?.latencyMs).to.be.within(250, 2_500);
    });

    it('falls back at once from a 429 that asks for longer than the gateway waits (Retry-After: 7)', async () => {
      const { order, primary, backup } = chain('fail-429');
      const started = performance.now();
      const dispatched = await withFallback(order, chat, { policy });
      await answered(dispatched, backup);
      expect(performance.now() - started).to.be.below(1_000);
      expect(pathOf(dispatched)).to.deep.equal([
        [primary, 'rate_limited', 429],
        [backup, 'ok', 200],
      ]);
    });

    it('waits the short retry-after-ms of a 429 and calls the same deployment again', async () => {
      const { order, primary, backup } = chain('fail-429-ms');
      const started = performance.now();
      const dispatched = await withFallback(order, chat, { policy });
      await answered(dispatched, backup);
      expect(performance.now() - started).to.be.at.least(1_450);
      expect(requestsFor(openai, 'fail-429-ms')).to.be.at.least(2);
      expect(pathOf(dispatched)).to.deep.equal([
        [primary, 'rate_limited', 429],
        [primary, 'rate_limited', 429],
        [backup, 'ok', 200],
      ]);
    });

    it('answers from the same deployment when its retry succeeds', async () => {
      const { order, primary } = chain(`flaky-429-ms-${Date.now()}`);
      const dispatched = await withFallback(order, chat, { policy });
      await answered(dispatched, primary);
      expect(pathOf(dispatched)).to.deep.equal([
        [primary, 'rate_limited', 429],
        [primary, 'ok', 200],
      ]);
    });

    it('falls back between Anthropic deployments too', async () => {
      const claude = (deploymentId: string, upstreamModel: string) => cachedDeployment(deploymentId, { provider: 'anthropic', upstreamModel, baseUrl: anthropic.origin });
      const dispatched = await withFallback([claude('claude-primary', 'fail-500'), claude('claude-backup', 'claude-backup')], chat, { policy });
      const completion = await answered(dispatched, 'claude-backup');
      expect(completion.choices[0]?.message.content).to.equal(FAKE_CLAUDE_TEXT);
      expect(pathOf(dispatched)).to.deep.equal([
        ['claude-primary', 'server_error', 500],
        ['claude-primary', 'server_error', 500],
        ['claude-backup', 'ok', 200],
      ]);
    });

    it('skips a hanging deployment once its breaker is open, instead of waiting out its timeout again', async () => {
      const breakers = new CircuitBreakers();
      const withBreaker = { policy: { ...policy, circuit: { failureThreshold: 1, cooldownMs: 60_000 } }, breakers };
      const { order, primary, backup } = chain('hang');
      expect(pathOf(await withFallback(order, chat, withBreaker))).to.deep.equal([
        [primary, 'timeout', null],
        [backup, 'ok', 200],
      ]);
      const started = performance.now();
      const dispatched = await withFallback(order, chat, withBreaker);
      await answered(dispatched, backup);
      expect(pathOf(dispatched)).to.deep.equal([
        [primary, 'circuit_open', null],
        [backup, 'ok', 200],
      ]);
      expect(performance.now() - started).to.be.below(250);
    });
  });

  describe('streams, primed with their first chunk inside the attempt', () => {
    const cases = [
      { scenario: 'fail-500', path: [['server_error', 500], ['server_error', 500]] },
      { scenario: 'drop', path: [['connection', null], ['connection', null]] },
      { scenario: 'hang', path: [['timeout', null]] },
      { scenario: 'drop-after-headers', path: [['stream_interrupted', null], ['stream_interrupted', null]] },
      { scenario: 'stall-after-headers', path: [['stream_interrupted', null], ['stream_interrupted', null]] },
    ] as const;
    for (const { scenario, path } of cases) {
      it(`falls back from '${scenario}' before the first chunk and streams the backup's answer`, async () => {
        const { order, primary, backup } = chain(scenario);
        const dispatched = await withFallback(order, stream, { policy });
        const chunks = await collect(await answered(dispatched, backup));
        expect(assemble(chunks).content).to.equal(FAKE_OPENAI_TEXT);
        expect(pathOf(dispatched)).to.deep.equal([...path.map(([outcome, status]): Path[number] => [primary, outcome, status]), [backup, 'ok', 200]]);
      });
    }

    it('falls back between Gemini deployments when the primary drops before the first byte', async () => {
      const model = (deploymentId: string, upstreamModel: string) => cachedDeployment(deploymentId, { provider: 'gemini', upstreamModel, baseUrl: `${gemini.origin}/v1beta` });
      const dispatched = await withFallback([model('gemini-primary', 'drop'), model('gemini-backup', 'gemini-backup')], stream, { policy });
      const chunks = await collect(await answered(dispatched, 'gemini-backup'));
      expect(assemble(chunks).content).to.equal(FAKE_GEMINI_TEXT);
      expect(pathOf(dispatched)).to.deep.equal([
        ['gemini-primary', 'connection', null],
        ['gemini-primary', 'connection', null],
        ['gemini-backup', 'ok', 200],
      ]);
    });

    it('does not fall back once the first chunk has arrived: a later drop surfaces from the stream', async () => {
      const { order, primary } = chain('drop-mid-stream');
      const dispatched = await withFallback(order, stream, { policy });
      const { items, error } = await collectUntilError(await answered(dispatched, primary));
      expect(items.length).to.be.greaterThan(0);
      expect(error).to.have.property('kind', 'stream_interrupted');
      expect(pathOf(dispatched)).to.deep.equal([[primary, 'ok', 200]]);
    });
  });
});
