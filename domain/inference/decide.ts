import type { Decider } from '../shared/decider.js';
import { ConflictError, RuleViolationError, assertNever } from '../shared/errors.js';
import type { InferenceCommand, InferenceOutcome } from './commands.js';
import type { InferenceCompleted, InferenceEvent, InferenceFailed } from './events.js';
import { evolve, initialState, type InferenceState } from './state.js';

type Served = InferenceCompleted['data'] | InferenceFailed['data'];

const violation = (rule: string, message: string, outcome: Served): RuleViolationError =>
  new RuleViolationError(rule, `request '${outcome.requestId}': ${message}`, { requestId: outcome.requestId });

/**
 * The attempts must tell the same story as the outcome: a success ends the request, so only
 * the last attempt of a completed request is `ok` and a failed one has none; and the
 * deployment the outcome names is the one tried last.
 */
function checkAttempts(outcome: Served, succeeded: boolean): void {
  const last = outcome.attempts[outcome.attempts.length - 1];
  if (last === undefined) throw violation('attempts_required', 'an outcome from a provider lists at least one attempt', outcome);
  if (last.deploymentId !== outcome.deploymentId) {
    throw violation('last_attempt_deployment', `the last attempt went to '${last.deploymentId}', not '${outcome.deploymentId}'`, outcome);
  }
  const okCount = outcome.attempts.filter((attempt) => attempt.outcome === 'ok').length;
  const consistent = succeeded ? last.outcome === 'ok' && okCount === 1 : okCount === 0;
  if (!consistent) {
    throw violation('attempt_outcomes', succeeded ? 'a completed request ends with its only ok attempt' : 'a failed request has no ok attempt', outcome);
  }
}

function checkUsage(outcome: Served): void {
  // Providers report cached prompt tokens as part of the prompt tokens, never on top.
  if (outcome.cachedTokens > outcome.inputTokens) throw violation('cached_tokens', 'cachedTokens cannot exceed inputTokens', outcome);
  const { timeToFirstTokenMs: ttft } = outcome;
  if (ttft !== null && (!outcome.stream || ttft > outcome.latencyMs)) {
    throw violation('time_to_first_token', 'timeToFirstTokenMs is for streams only, and within latencyMs', outcome);
  }
}

/** Without a started stream there is no usage report to bill: a failure costs the tenant nothing. */
function checkPartialUsage(outcome: InferenceFailed['data']): void {
  const billed = outcome.inputTokens + outcome.outputTokens + outcome.costMicros > 0;
  if (billed && outcome.timeToFirstTokenMs === null) {
    throw violation('partial_usage', 'only a stream that failed after its first token has usage to bill', outcome);
  }
}

function record(outcome: InferenceOutcome): InferenceEvent {
  switch (outcome.type) {
    case 'InferenceCompleted':
      checkAttempts(outcome.data, true);
      checkUsage(outcome.data);
      return { type: outcome.type, data: outcome.data };
    case 'InferenceFailed':
      checkAttempts(outcome.data, false);
      checkUsage(outcome.data);
      checkPartialUsage(outcome.data);
      return { type: outcome.type, data: outcome.data };
    case 'InferenceRejected':
      return { type: outcome.type, data: outcome.data };
    default:
      return assertNever(outcome, 'inference outcome');
  }
}

export function decide(command: InferenceCommand, state: InferenceState): InferenceEvent[] {
  switch (command.type) {
    case 'RecordInferenceOutcome': {
      // Valid on an empty stream only: a retried recording finds the stream and stops here,
      // so a request is never counted (or billed) twice.
      const { requestId } = command.data.data;
      if (state.status !== 'none') throw new ConflictError(`inference request '${requestId}' is already recorded`, { requestId, status: state.status });
      return [record(command.data)];
    }
    default:
      return assertNever(command.type, 'inference command');
  }
}

export const inferenceDecider: Decider<InferenceCommand, InferenceEvent, InferenceState> = { decide, evolve, initialState };
