import { Gauge, type Registry } from 'prom-client';

export const PROJECTION_LAG_METRIC = 'nexus_projection_lag_events';

export interface LagSample {
  readonly projection: string;
  readonly lag: number;
}

/**
 * Registers the projection-lag gauge, sampled at scrape time (head position − checkpoint
 * of the live version). Labels are projection names only, so cardinality is bounded by
 * the code, never by tenants or data. A runner re-created on the same registry replaces
 * the previous gauge instead of failing on a duplicate name.
 */
export function registerLagGauge(registry: Registry, sample: () => Promise<readonly LagSample[]>): void {
  registry.removeSingleMetric(PROJECTION_LAG_METRIC);
  new Gauge({
    name: PROJECTION_LAG_METRIC,
    help: 'Events committed to the event store that a projection has not applied yet (head position - checkpoint).',
    labelNames: ['projection'] as const,
    registers: [registry],
    async collect() {
      for (const { projection, lag } of await sample()) this.set({ projection }, lag);
    },
  });
}
