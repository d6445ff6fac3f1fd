import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { afterEach, beforeEach, describe, it } from 'mocha';
import { webhookSecretDeriver } from '../../api/webhook/secrets.js';
import { WebhookWorker, type WebhookWorkerOptions } from '../../api/workers/webhooks/worker.js';
import { executeCommand } from '../../commands/handler.js';
import { apiKeyDecider, apiKeyStreamId, type ApiKeyCommand } from '../../domain/apikey/index.js';
import type { Decider, DomainCommand, DomainEvent } from '../../domain/shared/decider.js';
import { webhookDecider, webhookStreamId, type WebhookCommand, type WebhookEventType } from '../../domain/webhook/index.js';
import { toBusMessage } from '../../engines/eventbus/event-message.js';
import { MemoryEventBus } from '../../engines/eventbus/memory/index.js';
import type { DeliveredMessage } from '../../engines/eventbus/port.js';
import { LruProcessedEvents } from '../../engines/eventbus/processed-events.js';
import { DLQ_HEADERS } from '../../engines/eventbus/subscriber.js';
import type { RecordedEvent } from '../../engines/eventstore/port.js';
import { SqliteEventStore } from '../../engines/eventstore/sqlite/index.js';
import { receiverAccepts, WebhookReceiver, type ScriptedAnswer } from '../support/webhook-receiver.js';
import { waitFor } from '../support/wait.js';

const secrets = webhookSecretDeriver('test-signing-key-'.padEnd(48, 'x'));
const DLQ = 'nexus.apikey.dlq.webhooks';

/** The webhook worker against an embedded event store and the in-process bus; the test plays the relay. */
describe('webhook worker', () => {
  let store: SqliteEventStore;
  let bus: MemoryEventBus;
  let processed: LruProcessedEvents;
  let relayed = 0;
  const workers: WebhookWorker[] = [];
  const receivers: WebhookReceiver[] = [];

  beforeEach(async () => {
    store = await SqliteEventStore.open({ path: ':memory:' });
    bus = new MemoryEventBus();
    processed = new LruProcessedEvents();
    relayed = 0;
  });
  afterEach(async () => {
    for (const worker of workers.splice(0)) await worker.stop();
    for (const receiver of receivers.splice(0)) await receiver.close();
    await bus.close();
    await store.close();
  });

  const startWorker = async (options: Partial<WebhookWorkerOptions> = {}): Promise<void> => {
    const worker = new WebhookWorker({
      bus, eventStore: store, secrets, processed, allowPrivateNetworks: true, timeoutMs: 5_000,
      retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 20 },
      ...options,
    });
    workers.push(worker);
    await worker.start();
  };
  const receiver = async (answer?: (call: number) => ScriptedAnswer): Promise<WebhookReceiver> => {
    const started = await WebhookReceiver.start(answer);
    receivers.push(started);
    return started;
  };
  /** What the relay does: every event appended since the last call, onto `nexus.<category>`. */
  const relay = async (): Promise<void> => {
    const events = await store.readAll({ after: relayed });
    await bus.publish(events.map((event) => toBusMessage(event)));
    relayed = events.at(-1)?.position ?? relayed;
  };
  const run = async <C extends DomainCommand, E extends DomainEvent, S>(streamId: string, tenantId: string, decider: Decider<C, E, S>, command: Omit<C, 'meta'>) => {
    const now = new Date().toISOString();
    const context = { tenantId, commandId: randomUUID(), correlationId: randomUUID(), causationId: randomUUID(), actor: 'admin', occurredAt: now };
    return executeCommand(store, streamId, decider, { ...command, meta: { now, actor: 'admin' } } as C, context);
  };
  const webhook = (tenantId: string, webhookId: string, command: Omit<WebhookCommand, 'meta'>) => run(webhookStreamId(tenantId, webhookId), tenantId, webhookDecider, command);
  const register = async (tenantId: string, url: string, eventTypes: WebhookEventType[] = ['ApiKeyRevoked']): Promise<string> => {
    const webhookId = `wh_${randomUUID().slice(0, 8)}`;
    await webhook(tenantId, webhookId, { type: 'RegisterWebhook', data: { tenantId, webhookId, url, eventTypes, description: null } });
    return webhookId;
  };
  /** Issues and revokes a key of the tenant, relays, and returns the ApiKeyRevoked event. */
  const revokeKey = async (tenantId: string): Promise<RecordedEvent> => {
    const keyId = `k_${randomUUID().slice(0, 8)}`;
    const key = (command: Omit<ApiKeyCommand, 'meta'>) => run(apiKeyStreamId(tenantId, keyId), tenantId, apiKeyDecider, command);
    await key({ type: 'IssueApiKey', data: { tenantId, keyId, name: 'k', scopes: ['inference'], expiresAt: null, keyHash: 'a'.repeat(64), keyPrefix: 'nx_abcdefgh' } });
    await key({ type: 'RevokeApiKey', data: { tenantId, keyId, reason: 'leaked' } });
    await relay();
    const [revoked] = await store.readStream(apiKeyStreamId(tenantId, keyId), { direction: 'backwards', maxCount: 1 });
    return revoked;
  };
  const handled = (event: RecordedEvent) => waitFor(() => processed.has('webhooks', event.eventId), { description: `event ${event.eventId} handled` });
  const collect = (topic: string): DeliveredMessage[] => {
    const seen: DeliveredMessage[] = [];
    bus.consume({ groupId: `reader-${randomUUID()}`, topics: [topic], onMessage: async (message) => void seen.push(message) });
    return seen;
  };

  it('POSTs the event as signed JSON that the documented recipe verifies', async () => {
    const hooks = await receiver();
    const webhookId = await register('acme', hooks.url);
    await startWorker();
    const event = await revokeKey('acme');
    await waitFor(() => hooks.calls.length === 1, { description: 'the call' });
    const [call] = hooks.calls;
    expect(receiverAccepts(call, secrets({ tenantId: 'acme', webhookId, secretVersion: 1 }))).to.equal(true);
    expect(receiverAccepts({ ...call, rawBody: call.rawBody.replace('leaked', 'lEaked') }, secrets({ tenantId: 'acme', webhookId, secretVersion: 1 }))).to.equal(false);
    expect(call.headers).to.include({ 'content-type': 'application/json', 'nexus-event-id': event.eventId, 'nexus-event-type': 'ApiKeyRevoked' });
    expect(JSON.parse(call.rawBody)).to.deep.equal({ id: event.eventId, type: 'ApiKeyRevoked', tenantId: 'acme', occurredAt: event.metadata.occurredAt, data: event.data });
  });

  it('calls again after a 500, with the same event id and body', async () => {
    const hooks = await receiver((call) => ({ status: call === 0 ? 500 : 200 }));
    await register('acme', hooks.url);
    await startWorker();
    const event = await revokeKey('acme');
    await handled(event);
    expect(hooks.calls.map((call) => call.headers['nexus-event-id'])).to.deep.equal([event.eventId, event.eventId]);
    expect(hooks.calls[1].rawBody).to.equal(hooks.calls[0].rawBody);
  });

  it('dead-letters an event whose receiver answers 410, after one call', async () => {
    const dead = collect(DLQ);
    const hooks = await receiver(() => ({ status: 410 }));
    const webhookId = await register('acme', hooks.url);
    await startWorker();
    const event = await revokeKey('acme');
    await waitFor(() => dead.length === 1, { description: 'the dead letter' });
    expect(hooks.calls).to.have.length(1);
    expect(dead[0].headers).to.include({ 'nexus-event-id': event.eventId, [DLQ_HEADERS.reason]: 'permanent_failure', [DLQ_HEADERS.attempts]: '1' });
    expect(dead[0].headers[DLQ_HEADERS.error]).to.include(`${webhookId}: HTTP 410`);
  });

  it("never sends a tenant's events to another tenant's webhook", async () => {
    const [hooksA, hooksB] = [await receiver(), await receiver()];
    await register('tenant-a', hooksA.url);
    await register('tenant-b', hooksB.url);
    await startWorker();
    const eventB = await revokeKey('tenant-b');
    await handled(eventB);
    const eventA = await revokeKey('tenant-a');
    await handled(eventA);
    expect(hooksA.calls.map((call) => call.headers['nexus-event-id'])).to.deep.equal([eventA.eventId]);
    expect(hooksB.calls.map((call) => call.headers['nexus-event-id'])).to.deep.equal([eventB.eventId]);
  });

  it('sends nothing to a disabled webhook, nor to one not subscribed to the event type', async () => {
    const [disabled, other] = [await receiver(), await receiver()];
    const webhookId = await register('acme', disabled.url);
    await webhook('acme', webhookId, { type: 'DisableWebhook', data: { tenantId: 'acme', webhookId, reason: 'maintenance' } });
    await register('acme', other.url, ['PolicyVersionPublished']);
    await startWorker();
    await handled(await revokeKey('acme'));
    expect(disabled.calls).to.deep.equal([]);
    expect(other.calls).to.deep.equal([]);
  });

  it('signs with the new secret after a rotation, and not with the old one', async () => {
    const hooks = await receiver();
    const webhookId = await register('acme', hooks.url);
    await webhook('acme', webhookId, { type: 'RotateWebhookSecret', data: { tenantId: 'acme', webhookId } });
    await startWorker();
    await revokeKey('acme');
    await waitFor(() => hooks.calls.length === 1, { description: 'the call' });
    expect(receiverAccepts(hooks.calls[0], secrets({ tenantId: 'acme', webhookId, secretVersion: 2 }))).to.equal(true);
    expect(receiverAccepts(hooks.calls[0], secrets({ tenantId: 'acme', webhookId, secretVersion: 1 }))).to.equal(false);
  });

  it('does not send an event to a webhook registered after it', async () => {
    const [late, early] = [await receiver(), await receiver()];
    await register('acme', early.url);
    await startWorker();
    const event = await revokeKey('acme');
    await register('acme', late.url);
    await relay();
    await handled(event);
    expect(early.calls).to.have.length(1);
    expect(late.calls).to.deep.equal([]);
  });

  it('refuses loopback receivers unless private networks are allowed, and dead-letters the event', async () => {
    const dead = collect(DLQ);
    const hooks = await receiver();
    await register('acme', hooks.url);
    await startWorker({ allowPrivateNetworks: false });
    await revokeKey('acme');
    await waitFor(() => dead.length === 1, { description: 'the dead letter' });
    expect(dead[0].headers[DLQ_HEADERS.error]).to.match(/private, loopback or link-local/);
    expect(hooks.calls).to.deep.equal([]);
  });
});
