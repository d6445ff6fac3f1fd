/**
 * Failure simulation by upstreamModel name, so the gateway's retry and fallback paths can
 * be tested without sockets:
 *   mock-error-{status}   the call fails as that HTTP status would (429 carries Retry-After 1s)
 *   mock-timeout          waits the target's readMs, then fails with 'timeout'
 *   mock-connection-error fails with 'connection' at once
 *   mock-fail-mid-stream  streams two content chunks, then 'stream_interrupted';
 *                         a non-streaming call fails with 'connection' (dropped mid-body)
 *   mock-slow-{ms}        answers normally after {ms} milliseconds
 * Any other name answers normally.
 */
import { kindForStatus } from '../errors.js';
import { UpstreamError, type ProviderTarget } from '../port.js';

export type MockBehaviour = { type: 'ok'; delayMs: number } | { type: 'fail'; error: () => UpstreamError; delayMs: number } | { type: 'fail_mid_stream' };

const RETRY_AFTER_MS = 1000;

export function behaviourOf(target: ProviderTarget): MockBehaviour {
  const model = target.upstreamModel;
  const fail = (kind: UpstreamError['kind'], status: number | null = null, delayMs = 0): MockBehaviour => ({
    type: 'fail',
    delayMs,
    error: () =>
      new UpstreamError({
        kind,
        status,
        retryAfterMs: status === 429 ? RETRY_AFTER_MS : null,
        deploymentId: target.deploymentId,
        upstreamMessage: `simulated by mock model '${model}'`,
      }),
  });
  const status = /^mock-error-(\d{3})$/.exec(model);
  if (status) return fail(kindForStatus(Number(status[1])), Number(status[1]));
  if (model === 'mock-timeout') return fail('timeout', null, target.timeouts.readMs);
  if (model === 'mock-connection-error') return fail('connection');
  if (model === 'mock-fail-mid-stream') return { type: 'fail_mid_stream' };
  const slow = /^mock-slow-(\d+)$/.exec(model);
  return { type: 'ok', delayMs: slow ? Number(slow[1]) : 0 };
}

/** Resolves after `ms`, or rejects with the signal's reason when the caller aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(signal.reason);
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
