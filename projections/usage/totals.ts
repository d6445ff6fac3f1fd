import { NONE, USAGE_COUNTS, zeroCounts, type UsageCounts, type UsageRollupDoc } from './projection.js';

/** How a usage report is broken down; each maps to one dimension of the rollups. */
export const USAGE_GROUPINGS = ['day', 'key', 'model', 'deployment'] as const;
export type UsageGrouping = (typeof USAGE_GROUPINGS)[number];

const GROUP_FIELD = { day: 'day', key: 'keyId', model: 'modelAlias', deployment: 'deploymentId' } as const satisfies Record<UsageGrouping, keyof UsageRollupDoc>;

export interface UsageTotals extends UsageCounts {
  /** Per currency: amounts in different currencies are never added together. */
  readonly costMicros: Readonly<Record<string, number>>;
  /** Mean latency of served requests (completed + failed), rounded; null when none was served. */
  readonly avgLatencyMs: number | null;
}

export interface UsageGroup extends UsageTotals {
  /** The group's value of the grouping's dimension (a day, key id, model alias or deployment id). */
  readonly group: string;
}

export interface UsageReport {
  readonly groups: UsageGroup[];
  readonly total: UsageTotals;
}

interface Accumulator {
  counts: UsageCounts;
  costMicros: Record<string, number>;
  latencyMsSum: number;
}

const emptyAccumulator = (): Accumulator => ({ counts: zeroCounts(), costMicros: {}, latencyMsSum: 0 });

function add(acc: Accumulator, rollup: UsageRollupDoc): void {
  acc.counts = Object.fromEntries(USAGE_COUNTS.map((field) => [field, acc.counts[field] + rollup[field]])) as UsageCounts;
  acc.latencyMsSum += rollup.latencyMsSum;
  // Rejections carry no currency (NONE) and cost nothing: they add no cost entry.
  if (rollup.currency !== NONE) acc.costMicros[rollup.currency] = (acc.costMicros[rollup.currency] ?? 0) + rollup.costMicros;
}

function finish({ counts, costMicros, latencyMsSum }: Accumulator): UsageTotals {
  const served = counts.completed + counts.failed;
  return { ...counts, costMicros, avgLatencyMs: served === 0 ? null : Math.round(latencyMsSum / served) };
}

/** Sums rollups into one entry per value of the grouping's dimension (ascending) and an overall total. */
export function summariseUsage(rollups: readonly UsageRollupDoc[], grouping: UsageGrouping): UsageReport {
  const field = GROUP_FIELD[grouping];
  const total = emptyAccumulator();
  const groups = new Map<string, Accumulator>();
  for (const rollup of rollups) {
    const value = rollup[field];
    const acc = groups.get(value) ?? emptyAccumulator();
    groups.set(value, acc);
    add(acc, rollup);
    add(total, rollup);
  }
  const ordered = [...groups.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return { groups: ordered.map(([group, acc]) => ({ group, ...finish(acc) })), total: finish(total) };
}
