import type { EventStore } from '../../../engines/eventstore/port.js';
import { recordOutcome, recordRejection, type Bill, type Ending, type RecordedFacts, type RecordedServing, type Rejection } from './record.js';

/** One admitted request's outcome, as the pipeline concludes it (the pipeline passes its whole facts and serving; recording reads these parts). */
export interface OutcomeRecord {
  readonly facts: RecordedFacts;
  readonly served: RecordedServing;
  readonly ending: Ending;
  readonly bill: Bill;
  readonly now: Date;
}

/**
 * The record with only what recording reads, for a record that is copied to another thread
 * (structured clone): the pipeline's objects also carry the whole request, the deployment's
 * price history and its routing fields, which the copy would pay for on the request loop.
 */
export function slimRecord({ facts, served, ending, bill, now }: OutcomeRecord): OutcomeRecord {
  const { deployment } = served;
  return {
    facts: {
      tenantId: facts.tenantId,
      keyId: facts.keyId,
      requestId: facts.requestId,
      correlationId: facts.correlationId,
      modelAlias: facts.modelAlias,
      stream: facts.stream,
      rolloutId: facts.rolloutId,
      storeContent: facts.storeContent,
      request: { messages: facts.request.messages },
    },
    served: {
      deployment: { deploymentId: deployment.deploymentId, provider: deployment.provider, upstreamModel: deployment.upstreamModel, price: { currency: deployment.price.currency, priceVersion: deployment.price.priceVersion } },
      attempts: served.attempts,
      latencyMs: served.latencyMs,
      timeToFirstTokenMs: served.timeToFirstTokenMs,
    },
    ending,
    bill,
    now,
  };
}

/**
 * Where the data plane's usage events are written: each call resolves once the event is
 * durable (its commit acknowledged), and rejects with the event store's error otherwise, so
 * the pipeline can retry and the answer never goes out before its record.
 */
export interface OutcomeRecorder {
  outcome(record: OutcomeRecord): Promise<void>;
  rejection(rejection: Rejection, now: Date): Promise<void>;
  /** Finishes the records already asked for, then lets go of what the recorder holds. */
  close(): Promise<void>;
}

/** Records on the caller's thread, through its event store: the path under low load, the fallback of the thread recorder, and tests. */
export function inlineRecorder(eventStore: EventStore): OutcomeRecorder {
  return {
    outcome: ({ facts, served, ending, bill, now }) => recordOutcome(eventStore, facts, served, ending, bill, now),
    rejection: (rejection, now) => recordRejection(eventStore, rejection, now),
    close: async () => undefined,
  };
}

/** Reports how long each record took until its commit was acknowledged (or failed), around any recorder. */
export function timedRecorder(recorder: OutcomeRecorder, observe: (outcome: 'ok' | 'error', seconds: number) => void): OutcomeRecorder {
  const timed = async (record: () => Promise<void>): Promise<void> => {
    const started = performance.now();
    try {
      await record();
      observe('ok', (performance.now() - started) / 1000);
    } catch (error) {
      observe('error', (performance.now() - started) / 1000);
      throw error;
    }
  };
  return {
    outcome: (record) => timed(() => recorder.outcome(record)),
    rejection: (rejection, now) => timed(() => recorder.rejection(rejection, now)),
    close: () => recorder.close(),
  };
}
