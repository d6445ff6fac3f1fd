import { Gauge, type Registry } from 'prom-client';

export const PROJECTION_LAG_METRIC = 'nexus_projection_lag_events';
export const PROJECTION_PAUSED_METRIC = 'nexus_projection_paused';
export const PROJECTION_FAILURES_METRIC = 'nexus_projection_consecutive_failures';

export interface LagSample {
  readonly projection: string;
  readonly lag: number;
}

export interface HealthSample {
  readonly projection: string;
  /** 1 while the projection waits for its store or resubscribes, else 0. */
  readonly paused: 0 | 1;
  readonly failures: number;
}

/**
 * A gauge sampled at scrape time. Labels are projection names only, so cardinality is bounded
 * by the code, never by tenants or data. A runner re-created on the same registry replaces the
 * previous gauge instead of failing on a duplicate name.
 */
function sampledGauge<S extends { readonly projection: string }>(registry: Registry, name: string, help: string, sample: () => Promise<readonly S[]>, value: (s: S) => number): void {
  registry.removeSingleMetric(name);
  new Gauge({
    name,
    help,
    labelNames: ['projection'] as const,
    registers: [registry],
    async collect() {
      for (const s of await sample()) this.set({ projection: s.projection }, value(s));
    },
  });
}

/** The lag gauge: head position − checkpoint of the live version. */
export function registerLagGauge(registry: Registry, sample: () => Promise<readonly LagSample[]>): void {
  const help = 'Events committed to the event store that a projection has not applied yet (head position - checkpoint).';
  sampledGauge(registry, PROJECTION_LAG_METRIC, help, sample, (s) => s.lag);
}

/**
 * Outage gauges: alert on `nexus_projection_paused == 1` for a few minutes (the read-model
 * store is down; queries go stale while events keep being recorded). The failure count tells
 * a long outage (large, growing) from a flapping one.
 */
export function registerHealthGauges(registry: Registry, sample: () => readonly HealthSample[] | Promise<readonly HealthSample[]>): void {
  const samples = async () => sample();
  sampledGauge(registry, PROJECTION_PAUSED_METRIC, 'Whether a projection is paused: its read-model store is unavailable, or its subscription is being resumed (1) or not (0).', samples, (s) => s.paused);
  sampledGauge(registry, PROJECTION_FAILURES_METRIC, 'Consecutive failed attempts of a projection to apply its next batch (0 when healthy).', samples, (s) => s.failures);
}
