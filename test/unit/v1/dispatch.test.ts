import { expect } from 'chai';
import { describe, it } from 'mocha';
import { CircuitBreakers } from '../../../api/v1/circuit-breaker.js';
import { DEFAULT_DISPATCH_POLICY, withFallback, type Dispatched, type DispatchPolicy } from '../../../api/v1/dispatch.js';
import type { ChatCompletion, ChatCompletionRequest, ChatProvider, ProviderTarget } from '../../../engines/providers/port.js';
import { cachedDeployment } from '../../support/deployments.js';

/**
 * withFallback over the mock provider, whose upstream model name picks a failure
 * (engines/providers/mock/failures.ts), with sleeps recorded instead of waited.
 */
const request: ChatCompletionRequest = { model: 'alias', messages: [{ role: 'user', content: 'hi' }] };
const chat = (provider: ChatProvider, target: ProviderTarget): Promise<ChatCompletion> => provider.chat(request, target);
const mockDeployment = (deploymentId: string, upstreamModel: string) => cachedDeployment(deploymentId, { upstreamModel });

const policy: DispatchPolicy = {
  ...DEFAULT_DISPATCH_POLICY,
  retry: { maxAttemptsPerDeployment: 3, baseDelayMs: 100, maxDelayMs: 1_000, maxRetryWaitMs: 2_000, deadlineMs: 10_000 },
  circuit: { failureThreshold: 2, cooldownMs: 60_000 },
};

function recordingSleep(): { waits: number[]; sleep: (ms: number) => Promise<void> } {
  const waits: number[] = [];
  return { waits, sleep: async (ms) => void waits.push(ms) };
}

const path = (dispatched: Dispatched<unknown>) => dispatched.attempts.map((attempt) => [attempt.deploymentId, attempt.outcome, attempt.status]);

describe('dispatch with retries, fallback and breakers', () => {
  it('retries a failing deployment with jittered backoff, then falls back, listing every call', async () => {
    const { waits, sleep } = recordingSleep();
    const order = [mockDeployment('primary', 'mock-error-503'), mockDeployment('backup', 'mock-echo')];
    const dispatched = await withFallback(order, chat, { policy, sleep, random: () => 0.5 });

    expect(dispatched.ok).to.equal(true);
    expect(dispatched.deployment.deploymentId).to.equal('backup');
    expect(path(dispatched)).to.deep.equal([
      ['primary', 'server_error', 503],
      ['primary', 'server_error', 503],
      ['primary', 'server_error', 503],
      ['backup', 'ok', 200],
    ]);
    expect(waits).to.deep.equal([50, 100]);
  });

  it('waits what a 429 asked for (the mock says 1 s) before calling the same deployment again', async () => {
    const { waits, sleep } = recordingSleep();
    const order = [mockDeployment('limited', 'mock-error-429'), mockDeployment('backup', 'mock-echo')];
    const dispatched = await withFallback(order, chat, { policy: { ...policy, retry: { ...policy.retry, maxAttemptsPerDeployment: 2 } }, sleep });

    expect(path(dispatched)).to.deep.equal([
      ['limited', 'rate_limited', 429],
      ['limited', 'rate_limited', 429],
      ['backup', 'ok', 200],
    ]);
    expect(waits).to.deep.equal([1_000]);
  });

  it('calls each deployment once when given no policy', async () => {
    const order = [mockDeployment('primary', 'mock-error-500'), mockDeployment('backup', 'mock-echo')];
    const dispatched = await withFallback(order, chat);
    expect(path(dispatched)).to.deep.equal([
      ['primary', 'server_error', 500],
      ['backup', 'ok', 200],
    ]);
  });

  it('falls back past a misconfigured deployment (401) without retrying it', async () => {
    const { waits, sleep } = recordingSleep();
    const order = [mockDeployment('bad-key', 'mock-error-401'), mockDeployment('backup', 'mock-echo')];
    const dispatched = await withFallback(order, chat, { policy, sleep });
    expect(path(dispatched)).to.deep.equal([
      ['bad-key', 'auth', 401],
      ['backup', 'ok', 200],
    ]);
    expect(waits).to.deep.equal([]);
  });

  it('ends the chain on a request the upstream refused as such', async () => {
    const order = [mockDeployment('primary', 'mock-error-400'), mockDeployment('backup', 'mock-echo')];
    const dispatched = await withFallback(order, chat, { policy });
    expect(dispatched.ok).to.equal(false);
    expect(path(dispatched)).to.deep.equal([['primary', 'bad_request', 400]]);
    if (!dispatched.ok) expect(dispatched.errorKind).to.equal('bad_request');
  });

  it('skips a deployment whose breaker is open, recording it, until the cool-down lets a probe through', async () => {
    let now = 0;
    const breakers = new CircuitBreakers(() => now);
    const { sleep } = recordingSleep();
    const order = [mockDeployment('flaky', 'mock-connection-error'), mockDeployment('backup', 'mock-echo')];

    const opening = await withFallback(order, chat, { policy, breakers, sleep });
    // The second failure opened the breaker, so the third call of the policy was never made.
    expect(path(opening)).to.deep.equal([
      ['flaky', 'connection', null],
      ['flaky', 'connection', null],
      ['backup', 'ok', 200],
    ]);

    const skipping = await withFallback(order, chat, { policy, breakers, sleep });
    expect(skipping.attempts).to.deep.equal([
      { deploymentId: 'flaky', outcome: 'circuit_open', status: null, latencyMs: 0 },
      { deploymentId: 'backup', outcome: 'ok', status: 200, latencyMs: skipping.attempts[1]?.latencyMs },
    ]);

    now = 60_000;
    const probing = await withFallback(order, chat, { policy, breakers, sleep });
    expect(path(probing)).to.deep.equal([
      ['flaky', 'connection', null],
      ['backup', 'ok', 200],
    ]);
    expect(breakers.stateOf('flaky')).to.equal('open');
  });

  it('fails with circuit_open when every deployment is skipped', async () => {
    const breakers = new CircuitBreakers(() => 0);
    for (const id of ['a', 'b']) for (let call = 0; call < 2; call++) breakers.settle(id, 'failure', policy.circuit);
    const dispatched = await withFallback([mockDeployment('a', 'mock-echo'), mockDeployment('b', 'mock-echo')], chat, { policy, breakers });

    expect(dispatched.ok).to.equal(false);
    if (dispatched.ok) return;
    expect(dispatched.errorKind).to.equal('circuit_open');
    expect(dispatched.error.message).to.include('circuit breaker');
    expect(path(dispatched)).to.deep.equal([
      ['a', 'circuit_open', null],
      ['b', 'circuit_open', null],
    ]);
  });

  it('keeps the real failure as the error when some deployments were skipped and the others failed', async () => {
    const breakers = new CircuitBreakers(() => 0);
    for (let call = 0; call < 2; call++) breakers.settle('backup', 'failure', policy.circuit);
    const order = [mockDeployment('primary', 'mock-error-502'), mockDeployment('backup', 'mock-echo')];
    const dispatched = await withFallback(order, chat, { policy: { ...policy, retry: { ...policy.retry, maxAttemptsPerDeployment: 1 } }, breakers });
    expect(dispatched.ok).to.equal(false);
    if (dispatched.ok) return;
    expect(dispatched.errorKind).to.equal('server_error');
    expect(dispatched.deployment.deploymentId).to.equal('primary');
  });

  it('does not count a refused request against the deployment', async () => {
    const breakers = new CircuitBreakers(() => 0);
    for (let call = 0; call < 3; call++) await withFallback([mockDeployment('strict', 'mock-error-422')], chat, { policy, breakers });
    expect(breakers.stateOf('strict')).to.equal('closed');
  });

  it('stops waiting when the client leaves, with the abort reason', async () => {
    const abort = new AbortController();
    const reason = new Error('client closed');
    const order = [mockDeployment('primary', 'mock-error-500'), mockDeployment('backup', 'mock-echo')];
    const pending = withFallback(order, chat, { policy: { ...policy, retry: { ...policy.retry, baseDelayMs: 5_000, maxDelayMs: 5_000 } }, signal: abort.signal, random: () => 0.9 });
    setTimeout(() => abort.abort(reason), 20);
    const started = performance.now();
    const error = await pending.then(
      () => null,
      (thrown: unknown) => thrown,
    );
    expect(error).to.equal(reason);
    expect(performance.now() - started).to.be.below(1_000);
  });
});
