import type { TestApp } from './app.js';

/** An inference outcome as the audit API shows it (InferenceCompleted, InferenceFailed, InferenceRejected). */
export interface RecordedOutcome {
  readonly type: string;
  readonly data: Readonly<Record<string, unknown>>;
}

/**
 * The outcome recorded on a request's inference stream. A streamed request is recorded just
 * after its last event, after the client already has its answer, so this polls briefly.
 */
export async function recordedOutcome(app: TestApp, tenantId: string, requestId: string | null): Promise<RecordedOutcome> {
  if (requestId === null) throw new Error('the response carried no x-request-id');
  for (let tries = 0; tries < 100; tries++) {
    const response = await app.request('GET', `/admin/audit/streams/inference-${tenantId}.${requestId}`);
    const [event] = (response.body.events ?? []) as RecordedOutcome[];
    if (response.status === 200 && event) return event;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`no outcome recorded for ${requestId}`);
}

/** The error a promise must reject with. */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail, it succeeded');
}
