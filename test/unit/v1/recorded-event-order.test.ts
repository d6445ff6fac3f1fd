import { expect } from 'chai';
import canonicalize from 'canonicalize';
import { afterEach, beforeEach, describe, it } from 'mocha';
import { promptMessagesOf } from '../../../api/v1/admission/estimate.js';
import { recordOutcome, recordRejection, type RecordedFacts, type RecordedServing } from '../../../api/v1/recording/record.js';
import { inferenceStreamId } from '../../../domain/inference/index.js';
import { sha256Hex } from '../../../domain/shared/digest.js';
import { verifyChain } from '../../../domain/shared/envelope.js';
import { SqliteEventStore } from '../../../engines/eventstore/sqlite/index.js';
import type { RecordedEvent } from '../../../engines/eventstore/port.js';

/**
 * The documents every data-plane request hashes (its usage event, that event's metadata, the
 * hashed prompt) are built with their keys in canonical order, so canonicalJson serialises them
 * in one native call. A key added out of order still hashes correctly (the general path sorts),
 * only slower: these tests say which literal to fix.
 */
const sortedEverywhere = (value: unknown, path = '$'): string[] => {
  if (Array.isArray(value)) return value.flatMap((item, index) => sortedEverywhere(item, `${path}[${index}]`));
  if (typeof value !== 'object' || value === null) return [];
  const keys = Object.keys(value);
  const here = keys.some((key, index) => index > 0 && (keys[index - 1] as string) >= key) ? [`${path}: ${keys.join(', ')}`] : [];
  return [...here, ...keys.flatMap((key) => sortedEverywhere((value as Record<string, unknown>)[key], `${path}.${key}`))];
};

describe('recorded usage events are built in canonical key order', () => {
  let store: SqliteEventStore;
  beforeEach(async () => {
    store = await SqliteEventStore.open({ path: ':memory:' });
  });
  afterEach(async () => {
    await store.close();
  });

  const facts = (requestId: string): RecordedFacts => ({
    tenantId: 't1',
    keyId: 'key_1',
    requestId,
    correlationId: requestId,
    modelAlias: 'chat',
    stream: false,
    rolloutId: null,
    storeContent: true,
    request: { messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', name: 'ann', content: [{ type: 'text', text: 'Hi' }, { type: 'image_url', image_url: { url: 'https://example.test/a.png', detail: 'low' } }] }] },
  });
  const served: RecordedServing = {
    deployment: { deploymentId: 'd1', provider: 'openai', upstreamModel: 'gpt-4o-mini', price: { currency: 'USD', priceVersion: 2 } },
    attempts: [
      { deploymentId: 'd0', latencyMs: 3, outcome: 'server_error', status: 500 },
      { deploymentId: 'd1', latencyMs: 5, outcome: 'ok', status: 200 },
    ],
    latencyMs: 9,
    timeToFirstTokenMs: null,
  };
  const bill = { inputTokens: 10, outputTokens: 4, cachedTokens: 0, costMicros: 12 };

  const stored = async (requestId: string): Promise<RecordedEvent> => {
    const [event] = await store.readStream(inferenceStreamId('t1', requestId));
    expect(event, 'the event was recorded').to.not.equal(undefined);
    return event as RecordedEvent;
  };

  it('InferenceCompleted, its metadata and the hashed prompt', async () => {
    await recordOutcome(store, facts('req_a'), served, { type: 'completed', finishReason: 'stop', completion: 'Hello' }, bill, new Date('2026-11-27T00:00:00Z'));
    const event = await stored('req_a');
    expect(event.type).to.equal('InferenceCompleted');
    // Stored as built (the stored JSON keeps the order), minus the hash, which is not hashed.
    const { hash: _hash, ...hashedMetadata } = event.metadata;
    expect(sortedEverywhere(event.data)).to.deep.equal([]);
    expect(sortedEverywhere(hashedMetadata)).to.deep.equal([]);
    const messages = promptMessagesOf(facts('req_a').request);
    expect(sortedEverywhere(messages)).to.deep.equal([]);
    // And the chain still verifies, the content hash still matches the reference canonicalisation.
    expect(verifyChain([event])).to.equal(null);
    expect(event.data.contentHash).to.equal(sha256Hex(canonicalize({ completion: 'Hello', messages }) as string));
  });

  it('InferenceFailed and InferenceRejected', async () => {
    const failedAttempts = served.attempts.map((attempt) => ({ ...attempt, outcome: 'timeout' as const, status: null }));
    await recordOutcome(store, facts('req_b'), { ...served, attempts: failedAttempts }, { type: 'failed', errorKind: 'timeout', errorMessage: 'upstream timed out' }, { inputTokens: 0, outputTokens: 0, cachedTokens: 0, costMicros: 0 }, new Date('2026-11-27T00:00:00Z'));
    await recordRejection(store, { tenantId: 't1', requestId: 'req_c', correlationId: 'req_c', keyId: 'key_1', modelAlias: 'chat', reason: 'budget_exhausted', detail: 'over budget' }, new Date('2026-11-27T00:00:00Z'));
    for (const requestId of ['req_b', 'req_c']) {
      const event = await stored(requestId);
      expect(sortedEverywhere(event.data), event.type).to.deep.equal([]);
      expect(verifyChain([event])).to.equal(null);
    }
  });
});
