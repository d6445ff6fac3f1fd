import type { Registry } from 'prom-client';
import { toDomainEvent } from '../../../commands/handler.js';
import { WEBHOOK_EVENT_TYPES } from '../../../domain/webhook/index.js';
import type { BusLog } from '../../../engines/eventbus/log.js';
import type { EventBus } from '../../../engines/eventbus/port.js';
import type { ProcessedEvents } from '../../../engines/eventbus/processed-events.js';
import { PermanentFailure, RetryLater, Subscriber, type ReceivedEvent, type RetryOptions } from '../../../engines/eventbus/subscriber.js';
import type { EventStore, RecordedEvent } from '../../../engines/eventstore/port.js';
import { metadataString, occurredAt } from '../../../projections/shared/recorded.js';
import type { WebhookSecretDeriver } from '../../webhook/secrets.js';
import { WebhookHttp, judgeResponse } from './delivery.js';
import { WebhookDirectory, type WebhookTarget } from './directory.js';
import { NO_METRICS, webhookMetrics, type WebhookMetrics } from './metrics.js';
import { signatureHeader } from './signature.js';

/** The topics carrying the event types a webhook may subscribe to, and the consumer group reading them. */
export const WEBHOOK_TOPICS: readonly string[] = ['nexus.budget', 'nexus.apikey', 'nexus.policy'];
export const WEBHOOK_GROUP = 'webhooks';
const WORKER = 'webhooks';
/** Per-webhook progress of one event, so a retry or a redelivery skips the receivers that already have it. */
const DELIVERED = 'webhooks.delivered';

export interface WebhookWorkerOptions {
  readonly bus: EventBus;
  readonly eventStore: EventStore;
  readonly secrets: WebhookSecretDeriver;
  readonly processed: ProcessedEvents;
  /** A pino logger fits; log lines name tenant, webhook, event and status, never a secret or a body. */
  readonly logger?: BusLog;
  /** Registers the nexus_webhook_* series; omit to record none. */
  readonly registry?: Registry;
  /** Per call. Default 10 s. */
  readonly timeoutMs?: number;
  /** Default: 6 attempts, 500 ms doubling to a 30 s cap (Retry-After honoured up to it). */
  readonly retry?: RetryOptions;
  /** Development and tests only: let deliveries reach loopback and private addresses. */
  readonly allowPrivateNetworks?: boolean;
  /** How long an event waits for the directory to fold the webhook events before it. Default 5 s. */
  readonly directoryWaitMs?: number;
  readonly now?: () => Date;
}

/**
 * Delivers BudgetThresholdCrossed, ApiKeyRevoked and PolicyVersionPublished events to the
 * tenant's enabled webhooks subscribed to them, signed (see signature.ts), as
 * `{ id, type, tenantId, occurredAt, data }` with data in its current schema version.
 *
 * Guarantees: at least once per (event, webhook), each receiver at most once per attempt
 * round (a receiver that answered 2xx is not called again for that event, across retries
 * and redeliveries, as far as `processed` remembers); the same event id and body on every
 * call; a tenant's events only ever reach that tenant's webhooks (tenant of the event
 * metadata and of its data must agree); a receiver that refuses for good (4xx but 408/429,
 * or a refused host) sends the event to `<topic>.dlq.webhooks`, as does one still failing
 * after the last retry. Retries wait in line: a failing receiver delays the events after
 * it in the same partition (up to the retry budget), never reorders them.
 */
export class WebhookWorker {
  private readonly directory: WebhookDirectory;
  private readonly http: WebhookHttp;
  private readonly subscriber: Subscriber;
  private readonly metrics: WebhookMetrics;

  constructor(private readonly options: WebhookWorkerOptions) {
    this.directory = new WebhookDirectory({ eventStore: options.eventStore });
    this.http = new WebhookHttp({ timeoutMs: options.timeoutMs, allowPrivateNetworks: options.allowPrivateNetworks });
    this.metrics = options.registry ? webhookMetrics(options.registry) : NO_METRICS;
    this.subscriber = new Subscriber({
      bus: options.bus,
      worker: WORKER,
      groupId: WEBHOOK_GROUP,
      topics: WEBHOOK_TOPICS,
      processed: options.processed,
      retry: options.retry ?? { maxAttempts: 6, baseDelayMs: 500, maxDelayMs: 30_000 },
      handle: (received) => this.handle(received),
      onOutcome: (outcome) => {
        this.metrics.subscriber(outcome);
        if (outcome.kind === 'dead_lettered' || outcome.kind === 'consumer_failed') options.logger?.error({ webhooks: outcome }, 'webhook event not delivered');
      },
    });
  }

  /** Folds the webhooks, then joins the group. */
  async start(): Promise<void> {
    this.directory.start();
    await this.directory.ready;
    await this.options.bus.ensureTopics(WEBHOOK_TOPICS);
    await this.subscriber.start();
  }

  /** Finishes the call in hand, then stops. */
  async stop(): Promise<void> {
    await this.subscriber.stop();
    await this.directory.stop();
    await this.http.close();
  }

  private async handle({ event }: ReceivedEvent): Promise<void> {
    if (!WEBHOOK_EVENT_TYPES.some((type) => type === event.type)) return; // the topics carry other events too
    const tenantId = tenantOf(event);
    // Webhook events up to this one must be folded, or a webhook registered just before it would be missed.
    await this.directory.waitForPosition(event.position, this.options.directoryWaitMs ?? 5_000);
    const body = JSON.stringify({ id: event.eventId, type: event.type, tenantId, occurredAt: occurredAt(event), data: toDomainEvent(event).data });
    const failures: Error[] = [];
    for (const target of this.directory.recipients(tenantId, event.type, event.position)) {
      const key = `${event.eventId}.${target.webhookId}`;
      if (await this.options.processed.has(DELIVERED, key)) continue;
      try {
        await this.deliver(target, event, body);
        await this.options.processed.record(DELIVERED, key, event.position);
      } catch (error) {
        failures.push(new Error(`${target.webhookId}: ${error instanceof Error ? error.message : String(error)}`, { cause: error }));
      }
    }
    if (failures.length === 0) return;
    const summary = failures.map((failure) => failure.message).join('; ');
    const retryable = failures.map((failure) => failure.cause).filter((cause) => !(cause instanceof PermanentFailure));
    if (retryable.length === 0) throw new PermanentFailure(summary);
    const asked = retryable.map((cause) => (cause instanceof RetryLater ? cause.retryAfterMs : null));
    throw new RetryLater(summary, asked.every((ms) => ms !== null) ? Math.max(...asked) : null);
  }

  /** One signed call; resolves on 2xx, throws RetryLater / PermanentFailure / the network error otherwise. */
  private async deliver(target: WebhookTarget, event: RecordedEvent, body: string): Promise<void> {
    const timestamp = Math.floor((this.options.now?.() ?? new Date()).getTime() / 1000);
    const secret = this.options.secrets(target);
    const headers = {
      'content-type': 'application/json',
      'user-agent': 'NexusAI-Webhooks/1',
      'nexus-event-id': event.eventId,
      'nexus-event-type': event.type,
      'nexus-webhook-id': target.webhookId,
      'nexus-signature': signatureHeader(secret, timestamp, body),
    };
    const log = { tenantId: target.tenantId, webhookId: target.webhookId, eventId: event.eventId, eventType: event.type };
    const outcome = await this.http.post({ url: target.url, headers, body }).catch((error: unknown) => {
      this.metrics.delivery(error instanceof PermanentFailure ? 'permanent_failure' : 'network_error', 'none', 0);
      this.options.logger?.warn({ webhook: log, err: error }, 'webhook call failed');
      throw error;
    });
    const verdict = judgeResponse(outcome.status, outcome.retryAfterMs);
    const kind = verdict === null ? 'delivered' : verdict instanceof PermanentFailure ? 'permanent_failure' : 'retryable_failure';
    this.metrics.delivery(kind, `${Math.floor(outcome.status / 100)}xx`, outcome.durationMs / 1000);
    if (verdict === null) {
      this.options.logger?.info({ webhook: { ...log, status: outcome.status } }, 'webhook delivered');
      return;
    }
    this.options.logger?.warn({ webhook: { ...log, status: outcome.status } }, 'webhook refused the call');
    throw verdict;
  }
}

/** The event's tenant: its metadata and its data must name the same one, or it goes nowhere. */
function tenantOf(event: RecordedEvent): string {
  const fromMetadata = metadataString(event, 'tenantId');
  const fromData = (event.data as { tenantId?: unknown }).tenantId;
  if (fromMetadata === null || fromMetadata !== fromData) {
    throw new PermanentFailure(`event ${event.eventId} names tenant '${String(fromMetadata)}' in its metadata and '${String(fromData)}' in its data`);
  }
  return fromMetadata;
}
