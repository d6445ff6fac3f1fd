import { Counter, Histogram, type Registry } from 'prom-client';
import type { SubscriberOutcome } from '../../../engines/eventbus/subscriber.js';

/**
 * Delivery outcomes as Prometheus series. Labels are bounded sets (outcome, status class,
 * dead-letter reason), never a tenant, webhook or URL: those go to the log lines.
 */
export type DeliveryOutcome = 'delivered' | 'retryable_failure' | 'permanent_failure' | 'network_error';

export interface WebhookMetrics {
  delivery(outcome: DeliveryOutcome, statusClass: string, seconds: number): void;
  subscriber(outcome: SubscriberOutcome): void;
}

export const NO_METRICS: WebhookMetrics = { delivery: () => undefined, subscriber: () => undefined };

export function webhookMetrics(registry: Registry): WebhookMetrics {
  const deliveries = new Counter({
    name: 'nexus_webhook_deliveries_total',
    help: 'Webhook calls by outcome (delivered, retryable_failure, permanent_failure, network_error) and HTTP status class',
    labelNames: ['outcome', 'status_class'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'nexus_webhook_delivery_duration_seconds',
    help: 'Webhook call latency, connect to response body',
    labelNames: ['outcome'] as const,
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const messages = new Counter({
    name: 'nexus_webhook_events_total',
    help: 'Events taken by the webhook worker: handled, duplicate, retrying, dead_lettered (by reason), consumer_failed',
    labelNames: ['outcome', 'reason'] as const,
    registers: [registry],
  });
  return {
    delivery(outcome, statusClass, seconds) {
      deliveries.inc({ outcome, status_class: statusClass });
      duration.observe({ outcome }, seconds);
    },
    subscriber(outcome) {
      messages.inc({ outcome: outcome.kind, reason: outcome.kind === 'dead_lettered' ? outcome.reason : '' });
    },
  };
}
