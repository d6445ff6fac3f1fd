import { createHash } from 'node:crypto';
import { expect } from 'chai';
import { describe, it } from 'mocha';
import {
  InferenceCompletedData,
  InferenceFailedData,
  InferenceOutcome,
  InferenceRejectedData,
  STORED_TEXT_MAX_CHARS,
  inferenceContentHash,
  inferenceDecider,
  inferenceStreamId,
  storedPromptText,
  storedText,
  type InferenceCommand,
  type InferenceEvent,
  type PromptMessage,
} from '../../../domain/inference/index.js';
import { fold } from '../../../domain/shared/decider.js';
import { ConflictError, RuleViolationError } from '../../../domain/shared/errors.js';
import { spec } from '../../support/spec.js';

const NOW = '2026-11-26T10:32:00.000Z';
const tenantId = 'acme';
const requestId = 'req_01jdx7k2';
const messages: PromptMessage[] = [{ role: 'user', content: 'hello world' }];
const completion = 'Hello! How can I help?';
const identity = {
  tenantId,
  requestId,
  keyId: 'ci',
  modelAlias: 'gpt-4o',
  deploymentId: 'd_gpt4o_eu',
  provider: 'azure-openai',
  upstreamModel: 'gpt-4o-2024-08-06',
  attempts: [
    { deploymentId: 'd_gpt4o_us', outcome: 'rate_limited', status: 429, latencyMs: 80 },
    { deploymentId: 'd_gpt4o_eu', outcome: 'ok', status: 200, latencyMs: 910 },
  ],
  stream: true,
  rolloutId: null,
} as const;
const usage = { inputTokens: 9, outputTokens: 8, cachedTokens: 0, costMicros: 103, currency: 'USD', priceVersion: 3, latencyMs: 1000, timeToFirstTokenMs: 240 };
type Completed = Extract<InferenceEvent, { type: 'InferenceCompleted' }>['data'];
type Failed = Extract<InferenceEvent, { type: 'InferenceFailed' }>['data'];
const completedData: Completed = {
  ...identity,
  attempts: identity.attempts.map((attempt) => ({ ...attempt })),
  ...usage,
  finishReason: 'stop',
  contentHash: inferenceContentHash(messages, completion),
  promptText: null,
  completionText: null,
};
const failedData: Failed = {
  ...identity,
  attempts: [
    { deploymentId: 'd_gpt4o_us', outcome: 'timeout', status: null, latencyMs: 30_000 },
    { deploymentId: 'd_gpt4o_eu', outcome: 'server_error', status: 503, latencyMs: 120 },
  ],
  stream: false,
  ...usage,
  inputTokens: 0,
  outputTokens: 0,
  costMicros: 0,
  latencyMs: 30_130,
  timeToFirstTokenMs: null,
  errorKind: 'server_error',
  errorMessage: 'every deployment of gpt-4o failed; the last answered 503',
};
const completed: InferenceEvent = { type: 'InferenceCompleted', data: completedData };
const failed: InferenceEvent = { type: 'InferenceFailed', data: failedData };
const rejected: InferenceEvent = {
  type: 'InferenceRejected',
  data: { tenantId, requestId, keyId: 'ci', modelAlias: 'gpt-4o', reason: 'budget_exhausted', detail: "monthly budget 'b_main' is exhausted" },
};
const record = (outcome: InferenceEvent): InferenceCommand => ({ type: 'RecordInferenceOutcome', data: outcome, meta: { now: NOW, actor: 'system:gateway' } }) as InferenceCommand;
const recordCompleted = (changes: Partial<Completed>) => record({ type: 'InferenceCompleted', data: { ...completedData, ...changes } });
const recordFailed = (changes: Partial<Failed>) => record({ type: 'InferenceFailed', data: { ...failedData, ...changes } });
const inference = spec(inferenceDecider);

describe('inference outcome data', () => {
  it('accepts the three outcomes as recorded', () => {
    expect(InferenceOutcome.safeParse(completed).success).to.equal(true);
    expect(InferenceOutcome.safeParse(failed).success).to.equal(true);
    expect(InferenceOutcome.safeParse(rejected).success).to.equal(true);
  });
  it('refuses unknown attempt outcomes, error kinds and rejection reasons', () => {
    expect(InferenceCompletedData.safeParse({ ...completedData, attempts: [{ ...completedData.attempts[1], outcome: 'teapot' }] }).success).to.equal(false);
    expect(InferenceFailedData.safeParse({ ...failedData, errorKind: 'oops' }).success).to.equal(false);
    expect(InferenceRejectedData.safeParse({ ...rejected.data, reason: 'because' }).success).to.equal(false);
  });
  it('refuses counts an Avro int cannot hold, and a hash that is not sha256 hex', () => {
    expect(InferenceCompletedData.safeParse({ ...completedData, outputTokens: 2 ** 31 }).success).to.equal(false);
    expect(InferenceCompletedData.safeParse({ ...completedData, contentHash: 'abc' }).success).to.equal(false);
  });
  it('refuses an outcome without attempts, and unknown fields such as a raw prompt', () => {
    expect(InferenceCompletedData.safeParse({ ...completedData, attempts: [] }).success).to.equal(false);
    expect(InferenceCompletedData.safeParse({ ...completedData, prompt: 'my password is hunter2' }).success).to.equal(false);
  });
  it('lets a rejection name no key and no model', () =>
    expect(InferenceRejectedData.safeParse({ ...rejected.data, keyId: null, modelAlias: null, reason: 'invalid_request' }).success).to.equal(true));
  it('names the stream after tenant and request', () => expect(inferenceStreamId(tenantId, requestId)).to.equal('inference-acme.req_01jdx7k2'));
});

describe('inference content hash', () => {
  it('is sha256 over the canonical JSON of messages and completion', () => {
    const canonical = '{"completion":"Hello! How can I help?","messages":[{"content":"hello world","role":"user"}]}';
    expect(inferenceContentHash(messages, completion)).to.equal(createHash('sha256').update(canonical).digest('hex'));
  });
  it('does not depend on key order, but on every character of the texts', () => {
    const reordered = [{ content: 'hello world', role: 'user' }] as PromptMessage[];
    expect(inferenceContentHash(reordered, completion)).to.equal(inferenceContentHash(messages, completion));
    expect(inferenceContentHash(messages, `${completion} `)).to.not.equal(inferenceContentHash(messages, completion));
    expect(inferenceContentHash(messages, null)).to.not.equal(inferenceContentHash(messages, ''));
  });
});

describe('stored inference texts (tenants that opted in)', () => {
  it('stores the prompt as the JSON of the hashed messages, so the texts check against the content hash', () => {
    const promptText = storedPromptText(messages);
    expect(promptText).to.equal('[{"role":"user","content":"hello world"}]');
    expect(inferenceContentHash(JSON.parse(promptText) as PromptMessage[], completion)).to.equal(inferenceContentHash(messages, completion));
  });
  it('keeps a text up to the limit whole', () => {
    const full = 'x'.repeat(STORED_TEXT_MAX_CHARS);
    expect(storedText(full)).to.equal(full);
  });
  it('cuts a longer text at the limit and says how much was cut', () => {
    const stored = storedText('x'.repeat(STORED_TEXT_MAX_CHARS + 25));
    expect(stored).to.equal(`${'x'.repeat(STORED_TEXT_MAX_CHARS)}…[truncated: 25 more characters]`);
  });
  it('never cuts a character in half', () => {
    const stored = storedText(`${'x'.repeat(STORED_TEXT_MAX_CHARS - 1)}😀tail`);
    expect(stored).to.equal(`${'x'.repeat(STORED_TEXT_MAX_CHARS - 1)}…[truncated: 6 more characters]`);
  });
});

describe('inference decider', () => {
  describe('RecordInferenceOutcome', () => {
    it('records a completed request', () => inference.given([]).when(record(completed)).then([completed]));
    it('records a failed request', () => inference.given([]).when(record(failed)).then([failed]));
    it('records a rejected request', () => inference.given([]).when(record(rejected)).then([rejected]));
    it('records the prompt and completion texts when the recorder includes them', () => {
      const withTexts = { ...completedData, promptText: 'hello world', completionText: completion, rolloutId: 'r_gpt4o_canary' };
      inference.given([]).when(recordCompleted(withTexts)).then([{ type: 'InferenceCompleted', data: withTexts }]);
    });
    it('keeps the outcome as the state of the request', () =>
      inference.given([]).when(record(completed)).thenState({ status: 'completed', outcome: completedData }));

    it('records once per request id: any second outcome is a conflict', () => {
      inference.given([completed]).when(record(completed)).thenThrows(ConflictError, /already recorded/);
      inference.given([rejected]).when(record(failed)).thenThrows(ConflictError, /already recorded/);
      inference.given([failed]).when(record(rejected)).thenThrows(ConflictError, /already recorded/);
    });
  });

  describe('attempts tell the same story as the outcome', () => {
    const ok = { deploymentId: 'd_gpt4o_eu', outcome: 'ok', status: 200, latencyMs: 5 } as const;
    const broken = { deploymentId: 'd_gpt4o_eu', outcome: 'server_error', status: 500, latencyMs: 5 } as const;
    it('a completed request ends with its only ok attempt', () => {
      inference.given([]).when(recordCompleted({ attempts: [broken] })).thenThrows(RuleViolationError, /only ok attempt/);
      inference.given([]).when(recordCompleted({ attempts: [ok, ok] })).thenThrows(RuleViolationError, /only ok attempt/);
    });
    it('a failed request has no ok attempt', () =>
      inference.given([]).when(recordFailed({ attempts: [ok, broken] })).thenThrows(RuleViolationError, /no ok attempt/));
    it('names the deployment tried last', () => {
      inference.given([]).when(recordCompleted({ deploymentId: 'd_gpt4o_us' })).thenThrows(RuleViolationError, /last attempt went to 'd_gpt4o_eu'/);
      inference.given([]).when(recordFailed({ deploymentId: 'd_gpt4o_us' })).thenThrows(RuleViolationError, /last attempt/);
    });
    it('lists at least one attempt (callers that bypass the schema)', () =>
      inference.given([]).when(recordCompleted({ attempts: [] })).thenThrows(RuleViolationError, /at least one attempt/));
  });

  describe('usage and timing', () => {
    it('refuses more cached tokens than prompt tokens', () =>
      inference.given([]).when(recordCompleted({ cachedTokens: 10 })).thenThrows(RuleViolationError, /cachedTokens/));
    it('has a time to first token for streams only, within the latency', () => {
      inference.given([]).when(recordCompleted({ stream: false })).thenThrows(RuleViolationError, /timeToFirstTokenMs/);
      inference.given([]).when(recordCompleted({ timeToFirstTokenMs: 1001 })).thenThrows(RuleViolationError, /timeToFirstTokenMs/);
      inference.given([]).when(recordCompleted({ stream: false, timeToFirstTokenMs: null })).then([
        { type: 'InferenceCompleted', data: { ...completedData, stream: false, timeToFirstTokenMs: null } },
      ]);
    });
    it('bills the partial usage of a stream that broke after its first token', () => {
      const partial: Failed = {
        ...failedData,
        attempts: [{ deploymentId: 'd_gpt4o_eu', outcome: 'stream_interrupted', status: 200, latencyMs: 2400 }],
        stream: true,
        inputTokens: 9,
        outputTokens: 120,
        costMicros: 1223,
        latencyMs: 2400,
        timeToFirstTokenMs: 300,
        errorKind: 'stream_interrupted',
        errorMessage: 'the upstream stream ended without a final chunk',
      };
      inference.given([]).when(recordFailed(partial)).then([{ type: 'InferenceFailed', data: partial }]);
    });
    it('bills nothing for a failure without a started stream', () => {
      inference.given([]).when(recordFailed({ costMicros: 5 })).thenThrows(RuleViolationError, /usage to bill/);
      inference.given([]).when(recordFailed({ stream: true, inputTokens: 9 })).thenThrows(RuleViolationError, /usage to bill/);
    });
  });

  it('folds a request stream for forensics', () => {
    expect(fold(inferenceDecider, [rejected])).to.deep.equal({ status: 'rejected', outcome: rejected.data });
    expect(fold(inferenceDecider, [])).to.deep.equal({ status: 'none' });
  });
});
