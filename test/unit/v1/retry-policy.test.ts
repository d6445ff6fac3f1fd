import { expect } from 'chai';
import { describe, it } from 'mocha';
import { DEFAULT_RETRY_POLICY, backoffDelayMs, classifyFailure, nextStep, type RetryPolicy } from '../../../api/v1/retry-policy.js';

const policy: RetryPolicy = { maxAttemptsPerDeployment: 3, baseDelayMs: 100, maxDelayMs: 1_000, maxRetryWaitMs: 2_000, deadlineMs: 10_000 };
const fresh = { attemptsOnDeployment: 1, elapsedMs: 0 };
const fixed = (value: number) => () => value;

describe('retry policy', () => {
  describe('backoff with full jitter', () => {
    it('draws from a window that doubles per retry and stops at the cap', () => {
      const top = fixed(0.999_999);
      expect([0, 1, 2, 3, 4].map((retry) => backoffDelayMs(retry, policy, top))).to.deep.equal([99, 199, 399, 799, 999]);
    });

    it('spans the whole window, down to no wait at all', () => {
      expect(backoffDelayMs(2, policy, fixed(0))).to.equal(0);
      expect(backoffDelayMs(2, policy, fixed(0.5))).to.equal(200);
    });
  });

  describe('what to do after a failed attempt', () => {
    it('retries a transient failure on the same deployment after the backoff', () => {
      for (const kind of ['rate_limited', 'server_error', 'connection', 'stream_interrupted'] as const) {
        expect(nextStep({ kind, retryAfterMs: null }, fresh, policy, fixed(0.5)), kind).to.deep.equal({ type: 'retry', waitMs: 50 });
      }
      expect(nextStep({ kind: 'server_error', retryAfterMs: null }, { attemptsOnDeployment: 2, elapsedMs: 0 }, policy, fixed(0.5))).to.deep.equal({ type: 'retry', waitMs: 100 });
    });

    it('falls back once the deployment has had its attempts', () => {
      expect(nextStep({ kind: 'server_error', retryAfterMs: null }, { attemptsOnDeployment: 3, elapsedMs: 0 }, policy, fixed(0.5))).to.deep.equal({ type: 'fall_back' });
      const noRetries = { ...policy, maxAttemptsPerDeployment: 1 };
      expect(nextStep({ kind: 'rate_limited', retryAfterMs: 10 }, fresh, noRetries, fixed(0.5))).to.deep.equal({ type: 'fall_back' });
    });

    it('waits exactly what the upstream asked for when that is short', () => {
      expect(nextStep({ kind: 'rate_limited', retryAfterMs: 1_500 }, fresh, policy, fixed(0.5))).to.deep.equal({ type: 'retry', waitMs: 1_500 });
      expect(nextStep({ kind: 'rate_limited', retryAfterMs: 2_000 }, fresh, policy, fixed(0.5))).to.deep.equal({ type: 'retry', waitMs: 2_000 });
    });

    it('falls back at once when the upstream asks for a longer wait than the gateway will make', () => {
      expect(nextStep({ kind: 'rate_limited', retryAfterMs: 7_000 }, fresh, policy, fixed(0.5))).to.deep.equal({ type: 'fall_back' });
    });

    it('does not start a wait that would end past the deadline', () => {
      expect(nextStep({ kind: 'rate_limited', retryAfterMs: 1_500 }, { attemptsOnDeployment: 1, elapsedMs: 8_600 }, policy, fixed(0.5))).to.deep.equal({ type: 'fall_back' });
      expect(nextStep({ kind: 'server_error', retryAfterMs: null }, { attemptsOnDeployment: 1, elapsedMs: 9_960 }, policy, fixed(0.5))).to.deep.equal({ type: 'fall_back' });
      expect(nextStep({ kind: 'server_error', retryAfterMs: null }, { attemptsOnDeployment: 1, elapsedMs: 9_950 }, policy, fixed(0.5))).to.deep.equal({ type: 'retry', waitMs: 50 });
    });

    it('falls back without retrying from a timeout or a misconfigured deployment', () => {
      for (const kind of ['timeout', 'auth', 'not_found'] as const) {
        expect(nextStep({ kind, retryAfterMs: null }, fresh, policy, fixed(0.5)), kind).to.deep.equal({ type: 'fall_back' });
      }
    });

    it('stops the chain on a request the upstream refused, which no sibling would take either', () => {
      expect(nextStep({ kind: 'bad_request', retryAfterMs: null }, fresh, policy, fixed(0.5))).to.deep.equal({ type: 'stop' });
    });
  });

  it('counts only faults of the deployment against its breaker', () => {
    expect(classifyFailure('bad_request').tripsBreaker).to.equal(false);
    for (const kind of ['rate_limited', 'server_error', 'timeout', 'connection', 'stream_interrupted', 'auth', 'not_found'] as const) {
      expect(classifyFailure(kind).tripsBreaker, kind).to.equal(true);
    }
  });

  it('defaults to two calls per deployment and honours a Retry-After of up to two seconds', () => {
    expect(DEFAULT_RETRY_POLICY).to.deep.include({ maxAttemptsPerDeployment: 2, baseDelayMs: 100, maxDelayMs: 2_000, maxRetryWaitMs: 2_000 });
  });
});
