import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * Prometheus metrics. Label values are bounded by construction: routes are the declared
 * route templates (or "unmatched"), methods a fixed set, statuses a class like "2xx".
 */
export interface Metrics {
  readonly registry: Registry;
  readonly httpDuration: Histogram<'method' | 'route' | 'status_class'>;
  readonly appendDuration: Histogram<'outcome'>;
  /** How long a data-plane request waits for its usage event's commit, by the path that recorded it. */
  readonly usageRecordDuration: Histogram<'path' | 'outcome'>;
  /** Data-plane admissions refused (by error code) and checks skipped because the counters engine was down. */
  readonly gatewayRefusals: Counter<'reason'>;
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'nexus_' });
  const httpDuration = new Histogram({
    name: 'nexus_http_request_duration_seconds',
    help: 'HTTP request latency by route template',
    labelNames: ['method', 'route', 'status_class'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
    registers: [registry],
  });
  const appendDuration = new Histogram({
    name: 'nexus_event_store_append_duration_seconds',
    help: 'Event-store append latency (including group-commit wait)',
    labelNames: ['outcome'] as const,
    buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5],
    registers: [registry],
  });
  const usageRecordDuration = new Histogram({
    name: 'nexus_usage_record_duration_seconds',
    help: "Time a data-plane request waits for its usage event's commit, by path (inline: on the request thread; thread: handed to the recorder thread) and outcome (ok, error)",
    labelNames: ['path', 'outcome'] as const,
    buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5],
    registers: [registry],
  });
  const gatewayRefusals = new Counter({
    name: 'nexus_gateway_refusals_total',
    help: 'Data-plane requests refused at admission, by reason (rate_limit_exceeded, budget_exhausted, overloaded …), and fail-open skips',
    labelNames: ['reason'] as const,
    registers: [registry],
  });
  return { registry, httpDuration, appendDuration, usageRecordDuration, gatewayRefusals };
}

const KNOWN_METHODS = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS']);
export const boundedMethod = (method: string): string => (KNOWN_METHODS.has(method) ? method : 'OTHER');
export const statusClass = (status: number): string => `${Math.floor(status / 100)}xx`;
